"""Checks of the command line's values and output paths, made before any work starts.

Flag values are checked by argparse ``type=`` functions, so a bad value is a parser error (exit status 2)
that lists what is accepted. Output paths are checked by :func:`check_outputs` before a command reads,
trains or lifts anything:

- the suffix must be one the writer produces (``--gif x.gif``, ``--out x.json|x.npz``, ...);
- no output may be one of the command's inputs (keypoints, checkpoints) or another output of the same
  command;
- an existing file is replaced only when it is an output of the same kind (a figure by a figure, a lift
  result by a lift result, a results table by one with the same columns); anything else, such as a data
  file or a checkpoint under an output's name, is refused. There is no ``--force``: move the file away;
- the place must be writable now (its directory, or the nearest existing parent, accepts a new file), and
  the path must be text that can be written into the result files (UTF-8).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from jointformer.errors import OutputError


# --------------------------------------------------------------------------------------------- flag types
def _number(text: str, convert: Callable[[str], float], accepts: Callable[[float], bool],
            expected: str) -> float:
    """``text`` converted by ``convert`` (float or int) when ``accepts`` the value, else an argparse error
    saying ``expected``."""
    try:
        value = convert(text)
    except ValueError:
        value = None
    if value is None or not accepts(value):
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
    return value


def positive_float(text: str) -> float:
    """argparse type: a finite number > 0 (learning rates, image sizes, frame rates)."""
    return _number(text, float, lambda value: math.isfinite(value) and value > 0,
                   "a finite number greater than 0")


def unit_interval(text: str) -> float:
    """argparse type: a number from 0 to 1 (keypoint scores)."""
    return _number(text, float, lambda value: 0.0 <= value <= 1.0, "a number from 0 to 1")


def positive_int(text: str) -> int:
    """argparse type: a whole number >= 1 (frame strides, repeats)."""
    return int(_number(text, int, lambda value: value >= 1, "a whole number >= 1"))


def non_negative_int(text: str) -> int:
    """argparse type: a whole number >= 0 (seeds)."""
    return int(_number(text, int, lambda value: value >= 0, "a whole number >= 0"))


def file_name_part(text: str) -> str:
    """argparse type: a name that becomes part of a file name (``-k NAME`` -> data_2d_h36m_NAME.npz):
    letters, digits, '_' and '-'; no path separators or dots."""
    allowed = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
    if not text or not set(text) <= allowed:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a detector name: use letters, digits, '_' and '-', e.g. gt or cpn_ft_h36m_dbb "
            f"(the data directory is --data-dir)")
    return text


def action_list(text: str) -> str:
    """argparse type: '*' or a comma list of Human3.6M action names (checked against the skeleton table)."""
    from jointformer.data.h36m import parse_action_filter

    try:
        parse_action_filter(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return text


def device_name(text: str) -> str:
    """argparse type: 'auto' or a torch device string (cpu, cuda, cuda:1, mps)."""
    if text == "auto":
        return text
    import torch

    try:
        torch.device(text)
    except (RuntimeError, ValueError):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a device: use auto, cpu, cuda, cuda:N or mps") from None
    return text


def opset_version(text: str) -> int:
    """argparse type: an ONNX opset from 17 to the newest the installed onnx package knows."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer opset, got {text!r}") from None
    newest = newest_onnx_opset()
    if value < 17 or (newest is not None and value > newest):
        accepted = f"17 to {newest}" if newest is not None else "17 or newer"
        raise argparse.ArgumentTypeError(f"opset {value} is not supported: use {accepted}")
    return value


def newest_onnx_opset() -> int | None:
    """The newest opset of the installed onnx package, or None without onnx (the export then explains)."""
    try:
        import onnx
    except ImportError:
        return None
    return int(onnx.defs.onnx_opset_version())


# --------------------------------------------------------------------------------------------- outputs
def _json_with_key(key: str, value: object = None) -> Callable[[Path], bool]:
    """Recognises a JSON object holding ``key`` (equal to ``value`` unless None)."""
    def holds(path: Path) -> bool:
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return isinstance(document, dict) and key in document and value in (None, document[key])
    return holds


def _npz_with_key(key: str) -> Callable[[Path], bool]:
    def holds(path: Path) -> bool:
        try:
            with zipfile.ZipFile(path) as archive:
                return f"{key}.npy" in archive.namelist()
        except (OSError, zipfile.BadZipFile):
            return False
    return holds


def _csv_with_header(start: str) -> Callable[[Path], bool]:
    def holds(path: Path) -> bool:
        try:
            with path.open(encoding="utf-8") as stream:
                return stream.readline().startswith(start)
        except (OSError, ValueError):
            return False
    return holds


def _any_file(path: Path) -> bool:
    return True


def _text_containing(marker: str) -> Callable[[Path], bool]:
    def holds(path: Path) -> bool:
        try:
            return marker in path.read_text(encoding="utf-8")
        except (OSError, ValueError):
            return False
    return holds


def _bvh_file(path: Path) -> bool:
    with path.open("rb") as stream:
        return stream.read(9) == b"HIERARCHY"


def _coco_results(path: Path) -> bool:
    """A COCO keypoint-results list (what ``jointformer video --keypoints-out`` writes)."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(document, list) and all(isinstance(entry, dict) and "keypoints" in entry
                                              for entry in document)


@dataclass(frozen=True)
class OutputKind:
    """What an output flag writes: its accepted suffixes and how to recognise an existing file of the same
    kind (which may be replaced)."""

    description: str
    suffixes: tuple[str, ...]
    same_kind: Callable[[Path], bool]


def _lift_result(path: Path) -> bool:
    if path.suffix.lower() == ".json":
        return _json_with_key("format", "jointformer-lift")(path)
    return _npz_with_key("poses_3d")(path)


LIFT_RESULT = OutputKind("lifted poses", (".json", ".npz"), _lift_result)
FIGURE = OutputKind("figure", (".png", ".pdf", ".svg"), _any_file)
ANIMATION = OutputKind("animation", (".gif",), _any_file)
VIEWER = OutputKind("HTML viewer", (".html", ".htm"), _any_file)
RESULTS_JSON = OutputKind("evaluation results", (".json",),
                          # Human3.6M ("protocol1"), MPI-INF-3DHP ("pck150") or both ({"h36m": ...}).
                          lambda path: any(_json_with_key(key)(path)
                                           for key in ("protocol1", "pck150", "h36m")))
RESULTS_CSV = OutputKind("results table", (".csv",), _csv_with_header("TimeStamp,checkpoint,"))
ONNX_MODEL = OutputKind("ONNX model", (".onnx",), _any_file)
MOTION = OutputKind("BVH motion", (".bvh",), _bvh_file)
COMPARISON_TABLE = OutputKind("comparison table", (".md",), _text_containing("| Forward, poses/s (batch"))
COMPARISON_JSON = OutputKind("comparison", (".json",), _json_with_key("forward_batch"))
DETECTIONS_2D = OutputKind("2D detections file", (".json",), _coco_results)


def _text_path(path: Path, flag: str) -> None:
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        raise OutputError(f"{flag} {os.fsdecode(path)!r}: the path is not valid UTF-8 text, so it cannot be "
                          f"recorded in the result files; rename it") from None


def _writable(path: Path, flag: str) -> None:
    """The nearest existing directory of ``path`` accepts a new file (probed: permission bits alone do not
    tell, e.g. for root or read-only file systems)."""
    if path.is_dir():
        raise OutputError(f"{flag} {path}: is a directory; give a file name")
    parent = path.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise OutputError(f"{flag} {path}: {parent} is a file, not a directory")
    probe = parent / f".jointformer-probe-{os.getpid()}"
    try:
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        probe.unlink()
    except OSError as error:
        raise OutputError(f"{flag} {path}: cannot write into {parent} "
                          f"({error.strerror or type(error).__name__})") from None


def _same_file(first: Path, second: Path) -> bool:
    try:
        return first.exists() and second.exists() and os.path.samefile(first, second)
    except OSError:
        return False


def check_outputs(outputs: Sequence[tuple[str, str | os.PathLike[str] | None, OutputKind]],
                  inputs: Sequence[str | os.PathLike[str] | None] = ()) -> None:
    """Check each ``(flag, path, kind)`` output (None: not asked for) against the rules of the module
    docstring, and against the command's ``inputs``. Raises OutputError naming the flag and the path."""
    given = [(flag, Path(path), kind) for flag, path, kind in outputs if path is not None]
    input_paths = [Path(path) for path in inputs if path is not None]
    for index, (flag, path, kind) in enumerate(given):
        _text_path(path, flag)
        if path.suffix.lower() not in kind.suffixes:
            raise OutputError(f"{flag} {path}: a {kind.description} is written as "
                              f"{' or '.join(kind.suffixes)}; give a file name with that suffix")
        for source in input_paths:
            if path.resolve() == source.resolve() or _same_file(path, source):
                raise OutputError(f"{flag} {path}: is an input of this command ({source}); writing it would "
                                  f"destroy the input, give another file name")
        for other_flag, other, _ in given[index + 1:]:
            if path.resolve() == other.resolve():
                raise OutputError(f"{flag} and {other_flag} name the same file {path}; give two names")
        if path.exists() and not path.is_dir() and not kind.same_kind(path):
            raise OutputError(f"{flag} {path}: the existing file is not recognised as {kind.description} "
                              f"written by jointformer, so it is not replaced; move it away or give another "
                              f"name")
        _writable(path, flag)


def check_output_directory(flag: str, directory: str | os.PathLike[str]) -> None:
    """A directory the command will create files in: not a file, and writable (or creatable) now."""
    directory = Path(directory)
    _text_path(directory, flag)
    if directory.exists() and not directory.is_dir():
        raise OutputError(f"{flag} {directory}: is a file, not a directory")
    _writable(directory / ".probe", flag)


# --------------------------------------------------------------------------------------------- per command
def check_lift_outputs(args: argparse.Namespace) -> None:
    """``jointformer lift``: --out, --plot, --gif and --html against the input and the checkpoints."""
    check_outputs([("--out", args.out, LIFT_RESULT), ("--plot", args.plot, FIGURE),
                   ("--gif", args.gif, ANIMATION), ("--html", args.html, VIEWER)],
                  inputs=[args.input, args.checkpoint, args.refiner])


def check_video_outputs(args: argparse.Namespace) -> None:
    """``jointformer video``: --out, --keypoints-out, --plot, --gif, --html and --bvh against the video and
    the checkpoints."""
    check_outputs([("--out", args.out, LIFT_RESULT), ("--keypoints-out", args.keypoints_out, DETECTIONS_2D),
                   ("--plot", args.plot, FIGURE), ("--gif", args.gif, ANIMATION),
                   ("--html", args.html, VIEWER), ("--bvh", args.bvh, MOTION)],
                  inputs=[args.input, args.checkpoint, args.refiner])


def check_compare_outputs(args: argparse.Namespace) -> None:
    """``jointformer compare``: the --out directory and the three files it gets, against the checkpoints."""
    check_output_directory("--out", args.out)
    out = Path(args.out)
    check_outputs([("--out", out / "comparison.md", COMPARISON_TABLE),
                   ("--out", out / "comparison.json", COMPARISON_JSON),
                   ("--out", out / "comparison.png", FIGURE)], inputs=args.checkpoints)


def check_evaluate_outputs(args: argparse.Namespace) -> None:
    """``evaluate`` / ``train --evaluate``: --results and --results-csv against the checkpoint."""
    _text_path(Path(args.evaluate), "checkpoint")
    check_outputs([("--results", args.results, RESULTS_JSON),
                   ("--results-csv", args.results_csv or None, RESULTS_CSV)],
                  inputs=[args.evaluate, getattr(args, "pose_weights", None) or None])


def check_export_output(args: argparse.Namespace) -> None:
    """``jointformer export``: --onnx against the checkpoints."""
    check_outputs([("--onnx", args.onnx, ONNX_MODEL)], inputs=[args.checkpoint, args.refiner])


def check_training_outputs(args: argparse.Namespace) -> None:
    """``train`` / ``refine``: the checkpoint directory (-c) must take a new run directory."""
    if not args.resume:
        check_output_directory("--checkpoint", args.checkpoint)
