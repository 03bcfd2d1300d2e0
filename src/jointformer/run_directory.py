"""Run directories: each run writes only into a directory it created and claimed.

A training run (and the demo) names its directory by the time to the second; two runs started in the same
second get ``NAME`` and ``NAME-2`` (``mkdir`` fails for the second, atomically). Inside a directory, a run
claims it by creating ``config.json`` exclusively (``O_EXCL``): a directory that already holds a run's
``config.json`` or checkpoints is never written into by another run. Only ``--resume`` continues in the
directory of the checkpoint it resumes.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from jointformer.errors import OutputError

CLAIM_FILE = "config.json"
"""The file whose exclusive creation claims a run directory (the run then writes its resolved config)."""


def _timestamp() -> str:
    return datetime.now().strftime("%Y-%m-%d-%H-%M-%S")


def unique_directory(parent: str | os.PathLike[str], suffix: str = "") -> Path:
    """Create and return ``parent/<time to the second><suffix>``, or ``...-2``, ``...-3`` when a run
    started in the same second took the name first. ``parent`` is created if needed.

    Raises OutputError naming ``parent`` when it cannot be created or written.
    """
    parent = Path(parent)
    stem = f"{_timestamp()}{suffix}"
    try:
        parent.mkdir(parents=True, exist_ok=True)
        for number in range(1, 10_000):
            candidate = parent / (stem if number == 1 else f"{stem}-{number}")
            try:
                candidate.mkdir()
            except FileExistsError:
                continue
            return candidate
    except OSError as error:
        raise OutputError(f"cannot create a run directory in {parent}: "
                          f"{error.strerror or type(error).__name__}") from error
    raise OutputError(f"{parent}: 10,000 run directories named {stem}* exist already")


def claim_run_directory(directory: str | os.PathLike[str]) -> Path:
    """Claim ``directory`` (created if needed) for one run by creating its ``config.json`` exclusively.

    Raises OutputError when the directory already holds a run (its config.json or a checkpoint), or cannot
    be written; the message names the directory and how to continue that run instead.
    """
    directory = Path(directory)
    checkpoints = sorted(directory.glob("ckpt_*.pth.tar")) if directory.is_dir() else []
    if checkpoints:
        raise _taken(directory, f"its checkpoints ({checkpoints[0].name}, ...)")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        os.close(os.open(directory / CLAIM_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    except FileExistsError as error:
        raise _taken(directory, CLAIM_FILE) from error
    except OSError as error:
        raise OutputError(f"cannot write into the run directory {directory}: "
                          f"{error.strerror or type(error).__name__}") from error
    return directory


def _taken(directory: Path, evidence: str) -> OutputError:
    return OutputError(f"run directory {directory} already holds another run ({evidence}); a run writes only "
                       f"into a directory of its own: choose another directory, or continue that run with "
                       f"--resume {directory / 'ckpt_last.pth.tar'}")
