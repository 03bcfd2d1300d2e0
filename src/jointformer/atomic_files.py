"""Atomic file output: every file the package writes appears complete under its final name, or not at all.

One helper serves every writer (checkpoints, result tables, figures, animations, viewers, lifted poses,
ONNX models, the embedded data set). Each file is written to a hidden temporary file beside its target,
``.<name>.<pid>-<random>.tmp`` (or the format's suffix), and then renamed onto the target (``os.replace``,
atomic on POSIX). Files behave as ``open(path, "w")`` would leave them:

- a new file gets mode 0666 less the umask (0644 under umask 022), not ``mkstemp``'s 0600;
- an existing file keeps its mode;
- a symbolic link is kept: the file it points to is replaced, so the link's target gets the new content.

Errors (an unwritable directory, a path that is a directory, a full disk) are raised as
:class:`~jointformer.errors.OutputError` naming the path the caller asked for, never the temporary file.
Temporary files that a killed process left behind carry its process id; :func:`remove_stale_temporaries`
removes those whose process is gone.
"""

from __future__ import annotations

import os
import re
import secrets
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from jointformer.errors import OutputError

_TEMPORARY = re.compile(r"^\..+\.(\d+)-[0-9a-f]{8}\.[a-z]+$")


def _resolved_target(path: Path) -> Path:
    """The file that writing ``path`` must replace: the end of a chain of symbolic links, else ``path``."""
    if path.is_symlink():
        return Path(os.path.realpath(path))
    return path


def _describe(error: OSError) -> str:
    return error.strerror or str(error) or type(error).__name__


@contextmanager
def atomic_output(path: str | os.PathLike[str], suffix: str = ".tmp") -> Iterator[Path]:
    """Yield a temporary path beside ``path`` (its directory created if needed); when the block ends
    normally the temporary file is moved onto ``path`` (through a symbolic link, keeping an existing
    file's mode), otherwise it is removed. The temporary file exists, empty, when the block starts; its
    name ends in ``suffix`` (".tmp", or the format's suffix for writers that choose the format by name).

    Raises OutputError naming ``path`` when the file cannot be created or moved into place.
    """
    requested = Path(path)
    target = _resolved_target(requested)
    if target.is_dir():
        raise OutputError(f"cannot write {requested}: it is a directory; give a file name")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"cannot create the directory of {requested}: {_describe(error)}") from error
    if not re.fullmatch(r"\.[a-z]+", suffix):
        raise ValueError(f"suffix must be a dot and lower-case letters, got {suffix!r}")
    temporary = target.with_name(f".{target.name}.{os.getpid()}-{secrets.token_hex(4)}{suffix}")
    try:
        # O_EXCL under a fresh name; mode 0666 is reduced by the umask, as open(path, "w") would be.
        os.close(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    except OSError as error:
        raise OutputError(f"cannot write {requested}: {_describe(error)}") from error
    try:
        yield temporary
        if target.exists():
            os.chmod(temporary, stat.S_IMODE(target.stat().st_mode))
        os.replace(temporary, target)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise OutputError(f"cannot write {requested}: {_describe(error)}") from error
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_text_atomically(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` (UTF-8, newlines as given) to ``path`` atomically; returns ``path``."""
    with atomic_output(path) as temporary:
        temporary.write_text(text, encoding="utf-8", newline="")
    return Path(path)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def remove_stale_temporaries(directory: str | os.PathLike[str]) -> list[Path]:
    """Delete the temporary files that :func:`atomic_output` left in ``directory`` when its process was
    killed mid-write (those of processes still running are kept). Returns the deleted paths."""
    removed = []
    for candidate in Path(directory).iterdir():
        match = _TEMPORARY.match(candidate.name)
        if match and candidate.is_file() and not _process_alive(int(match.group(1))):
            candidate.unlink(missing_ok=True)
            removed.append(candidate)
    return removed
