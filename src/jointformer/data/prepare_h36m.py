"""Human3.6M from its downloads to the VideoPose3D files ``data_3d_h36m.npz`` and ``data_2d_h36m_gt.npz``.

Two sources, each read as VideoPose3D's ``data/prepare_data_h36m.py`` reads it:

- the original release (``--from-cdf DIR``): ``DIR/S*/MyPoseFeatures/D3_Positions/*.cdf``, variable ``Pose``
  of shape (1, T, 96), millimetres, world frame, 32 joints x (x, y, z) per frame; read with ``cdflib``;
- the preprocessed archive of the 3d-pose-baseline project (``--from-archive h36m.zip``):
  ``h36m/S*/MyPoses/3D_positions/*.h5``, dataset ``3D_positions`` of shape (96, T) (MATLAB's column-major
  layout: row ``3 j + c`` holds coordinate c of joint j), millimetres; read with ``h5py`` straight from the
  zip, nothing is extracted.

Conversion, identical for both: divide by 1000 in the source's own dtype (metres), then cast to float32 —
the same operations in the same order as VideoPose3D, so the values are bit for bit its values. The
sequence key is the file name without its extension; Human3.6M's spellings "TakingPhoto" and "WalkingDog"
become "Photo" and "WalkDog" (VideoPose3D renames them for the CDF source only; here both sources give the
same keys, the ones the published 2D detection files use); subject S11's "Directions" sequence (its video is
corrupted) is discarded.

The ground-truth 2D file holds the 17 kept joints projected through the subject's four published cameras
with their lens distortion (:func:`jointformer.data.synthetic.project_positions_2d`, the one projection of
the package, computed in float64 and stored as float32 pixels) — the formulas of VideoPose3D's
``project_to_2d``, which evaluates them in float32 on normalised intrinsics, so the two files agree to
float32 rounding (well under 0.001 px), not bit for bit.

Shapes: ``T`` frames of a sequence (50 fps), 32 mocap joints.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from jointformer.atomic_files import atomic_output
from jointformer.data.camera import CAMERA_ORDER
from jointformer.data.h36m import FILE_3D, _read_npz_dicts, canonical_action_group, file_2d_name
from jointformer.data.skeleton import ACTIONS, ALL_SUBJECTS, SKELETON32
from jointformer.data.synthetic import metadata_2d, project_positions_2d
from jointformer.errors import DataError
from jointformer.metrics import MM_PER_M

SEQUENCES_PER_SUBJECT = 2 * len(ACTIONS)  # 15 actions x 2 trials, S11's corrupted "Directions" included
TRIALS_PER_ACTION = 2
CORRUPTED = {("S11", "Directions")}  # (subject, file stem) discarded, as VideoPose3D does
_COORDINATES = SKELETON32.num_joints * 3  # 96 numbers per frame
_RENAMES = (("TakingPhoto", "Photo"), ("WalkingDog", "WalkDog"))
_ARCHIVE_MEMBER = re.compile(r"^h36m/(S\d+)/MyPoses/3D_positions/([^/]+)\.h5$")


def _import_optional(name: str) -> Any:
    """``import name``, or a DataError saying how to install the ``prepare`` extra."""
    try:
        return __import__(name)
    except ImportError as error:
        raise DataError(f"preparing Human3.6M needs the Python package {name!r}: "
                        f"pip install 'jointformer[prepare]'") from error


def sequence_key(file_stem: str) -> str:
    """The output key of a source file: "TakingPhoto 1" -> "Photo 1", "WalkingDog" -> "WalkDog"."""
    key = file_stem
    for old, new in _RENAMES:
        key = key.replace(old, new)
    return key


def millimetres_to_metres(raw: np.ndarray) -> np.ndarray:
    """(T, 32, 3) millimetres, any float dtype -> (T, 32, 3) float32 metres: divided in the source dtype,
    then cast (VideoPose3D's order of operations, so the result is bit for bit its result)."""
    return (raw / MM_PER_M).astype(np.float32)


def _checked_raw(array: np.ndarray, path: str, field: str, layout: str) -> np.ndarray:
    if not np.issubdtype(array.dtype, np.floating) or array.size == 0 or array.size % _COORDINATES:
        raise DataError(f"{path}: {field} holds an array of shape {array.shape} and dtype {array.dtype}; "
                        f"expected {layout} floating-point millimetres (96 = 32 joints x 3 per frame)")
    if not np.all(np.isfinite(array)):
        raise DataError(f"{path}: {field} holds NaN or infinite values; expected finite millimetres")
    return array


def positions_from_cdf(path: str | Path) -> np.ndarray:
    """One D3_Positions file of the original release: (T, 32, 3) float32 metres, world frame.

    Raises DataError naming the file when it is not a CDF or holds no (1, T, 96) ``Pose`` variable."""
    cdflib = _import_optional("cdflib")
    try:
        cdf = cdflib.CDF(str(path))
        variables = list(cdf.cdf_info().zVariables) + list(cdf.cdf_info().rVariables)
    except Exception as error:  # cdflib fails its own way on each kind of damage
        raise DataError(f"{path} is not a readable CDF file ({type(error).__name__}: {error}); expected a "
                        f"Human3.6M D3_Positions pose file") from error
    if "Pose" not in variables:
        raise DataError(f"{path} holds no variable 'Pose' (it holds {', '.join(variables) or 'nothing'}); "
                        f"expected a Human3.6M D3_Positions pose file")
    raw = _checked_raw(np.asarray(cdf.varget("Pose")), str(path), "variable 'Pose'", "(1, frames, 96)")
    return millimetres_to_metres(raw.reshape(-1, SKELETON32.num_joints, 3))


def positions_from_h5(source: str | Path | io.BytesIO, name: str) -> np.ndarray:
    """One 3d-pose-baseline file (a path or the file's bytes; ``name`` says where it came from in
    messages): (T, 32, 3) float32 metres, world frame."""
    h5py = _import_optional("h5py")
    try:
        with h5py.File(source, "r") as handle:
            if "3D_positions" not in handle:
                raise DataError(f"{name} holds no dataset '3D_positions' (it holds "
                                f"{', '.join(handle.keys()) or 'nothing'}); expected a 3d-pose-baseline "
                                f"3D_positions file")
            raw = np.asarray(handle["3D_positions"][()])
    except DataError:
        raise
    except Exception as error:
        raise DataError(f"{name} is not a readable HDF5 file ({type(error).__name__}: {error})") from error
    if raw.ndim != 2 or raw.shape[0] != _COORDINATES:
        raise DataError(f"{name}: dataset '3D_positions' has shape {raw.shape}; expected (96, frames)")
    raw = _checked_raw(raw, name, "dataset '3D_positions'", "(96, frames)")
    # (96, T) -> (32, 3, T) -> (T, 32, 3), as the column-major MATLAB layout stores it.
    return millimetres_to_metres(raw.reshape(SKELETON32.num_joints, 3, -1).transpose(2, 0, 1))


# --- finding the files --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceFile:
    """One sequence file of a source: its subject, file stem and a reader of its positions."""

    subject: str
    stem: str
    where: str  # the path (or archive member) for messages
    read: Callable[[], np.ndarray]  # -> (T, 32, 3) float32 metres, world frame


def _count_problem(subject: str, stems: Sequence[str], where: str) -> str | None:
    """None when ``stems`` are 30 files, two per action; else what is missing or unknown, in words."""
    groups: dict[str, list[str]] = {action: [] for action in ACTIONS}
    unknown = []
    for stem in stems:
        group = canonical_action_group(stem)
        groups.get(group, unknown).append(stem)
    short = [f"{action} (found {len(found)}: {', '.join(sorted(found)) or 'none'})"
             for action, found in groups.items() if len(found) < TRIALS_PER_ACTION]
    if len(stems) == SEQUENCES_PER_SUBJECT and not short and not unknown:
        return None
    problems = []
    if short:
        problems.append(f"missing trials of {'; '.join(short)}")
    if unknown:
        problems.append(f"files of no Human3.6M action: {', '.join(sorted(unknown))}")
    return (f"{where}: subject {subject} has {len(stems)} sequence files; expected {SEQUENCES_PER_SUBJECT} "
            f"({len(ACTIONS)} actions x {TRIALS_PER_ACTION} trials); " + "; ".join(problems))


def _raise_count_problems(problems: list[str | None]) -> None:
    """One DataError naming every subject's missing files (all subjects are checked before any is read)."""
    found = [problem for problem in problems if problem]
    if found:
        raise DataError("\n".join(found))


def _check_subjects(subjects: Sequence[str]) -> tuple[str, ...]:
    unknown = [subject for subject in subjects if subject not in ALL_SUBJECTS]
    if isinstance(subjects, str) or not subjects or unknown:
        raise ValueError(f"subjects must be a non-empty list of {', '.join(ALL_SUBJECTS)}; got {subjects!r}")
    return tuple(subjects)


def cdf_files(root: str | Path, subjects: Sequence[str] = ALL_SUBJECTS) -> list[SourceFile]:
    """The D3_Positions files of ``subjects`` under ``root`` (the release's layout), checked for count."""
    root = Path(root)
    if not root.is_dir():
        raise DataError(f"{root} is not a directory; expected the folder holding S1/MyPoseFeatures/"
                        f"D3_Positions/*.cdf etc. (the extracted Poses_D3_Positions_S*.tgz archives)")
    files, problems = [], []
    for subject in _check_subjects(subjects):
        folder = root / subject / "MyPoseFeatures" / "D3_Positions"
        if not folder.is_dir():
            problems.append(f"{folder} not found: subject {subject}'s D3_Positions files are missing "
                            f"(extract Poses_D3_Positions_{subject}.tgz into {root})")
            continue
        paths = sorted(folder.glob("*.cdf"), key=lambda path: path.stem)  # the archive's order too
        problems.append(_count_problem(subject, [path.stem for path in paths], str(folder)))
        files += [SourceFile(subject, path.stem, str(path), lambda path=path: positions_from_cdf(path))
                  for path in paths]
    _raise_count_problems(problems)
    return files


def archive_files(archive: zipfile.ZipFile, path: str | Path,
                  subjects: Sequence[str] = ALL_SUBJECTS) -> list[SourceFile]:
    """The 3D_positions files of ``subjects`` in the open 3d-pose-baseline zip ``archive`` (at ``path``)."""
    members: dict[str, list[tuple[str, str]]] = {subject: [] for subject in _check_subjects(subjects)}
    for member in archive.namelist():
        match = _ARCHIVE_MEMBER.match(member)
        if match and match.group(1) in members:
            members[match.group(1)].append((match.group(2), member))
    files, problems = [], []
    for subject, found in members.items():
        problems.append(_count_problem(subject, [stem for stem, _ in found],
                                       f"{path}: h36m/{subject}/MyPoses/3D_positions"))
        for stem, member in sorted(found):
            where = f"{path}: {member}"

            def read(member: str = member, where: str = where) -> np.ndarray:
                return positions_from_h5(io.BytesIO(archive.read(member)), where)

            files.append(SourceFile(subject, stem, where, read))
    _raise_count_problems(problems)
    return files


# --- checks against a 2D file -------------------------------------------------------------------------------


def check_against_2d(positions_3d: Mapping[str, Mapping[str, np.ndarray]], path_2d: str | Path) -> None:
    """Raise DataError listing every 3D sequence that a 2D detection file (VideoPose3D layout) lacks or
    holds with fewer frames than the mocap, in any camera; subjects the 2D file lacks are named too."""
    path_2d = Path(path_2d)
    if not path_2d.is_file():
        raise DataError(f"--check-2d: {path_2d} does not exist; expected a VideoPose3D 2D file such as "
                        f"data_2d_h36m_cpn_ft_h36m_dbb.npz")
    table = _read_npz_dicts(path_2d, ["positions_2d"], "key positions_2d: dict subject -> dict action -> "
                            "4 arrays (frames, 17, 2) pixels")["positions_2d"]
    problems = []
    for subject, sequences in positions_3d.items():
        if subject not in table:
            problems.append(f"subject {subject} is absent")
            continue
        for key, positions in sequences.items():
            views = table[subject].get(key) if isinstance(table[subject], Mapping) else None
            if views is None or len(views) != len(CAMERA_ORDER):
                problems.append(f"{subject} {key!r}: no {len(CAMERA_ORDER)} camera views")
                continue
            short = [f"camera {CAMERA_ORDER[index]} {len(view)}" for index, view in enumerate(views)
                     if len(view) < len(positions)]
            if short:
                problems.append(f"{subject} {key!r}: mocap {len(positions)} frames, 2D fewer ("
                                f"{', '.join(short)})")
    if problems:
        raise DataError(f"{path_2d} does not match the prepared 3D ({len(problems)} problem(s)): "
                        + "; ".join(problems))


# --- the whole preparation ----------------------------------------------------------------------------------


def output_paths(out_dir: str | Path) -> tuple[Path, Path]:
    """(3D file, ground-truth 2D file) that preparation writes into ``out_dir``."""
    directory = Path(out_dir)
    return directory / FILE_3D, directory / file_2d_name("gt")


ProgressWrapper = Callable[[Sequence[SourceFile]], Iterator[SourceFile]]


def read_positions(files: Sequence[SourceFile], progress: ProgressWrapper | None = None,
                   ) -> dict[str, dict[str, np.ndarray]]:
    """subject -> sequence key -> (T, 32, 3) float32 metres, world frame: every file read and converted,
    S11 "Directions" left out. ``progress`` wraps the file list (a progress bar)."""
    positions: dict[str, dict[str, np.ndarray]] = {}
    for file in (progress(files) if progress else files):
        table = positions.setdefault(file.subject, {})
        if (file.subject, file.stem) in CORRUPTED:
            continue
        key = sequence_key(file.stem)
        if key in table:
            raise DataError(f"{file.where}: subject {file.subject} already has a sequence {key!r} (two file "
                            f"names map to it); expected distinct sequences")
        table[key] = file.read()
    return positions


def _write_both(path_3d: Path, contents_3d: dict[str, object], path_2d: Path,
                contents_2d: dict[str, object]) -> None:
    """Both files written to temporaries first, renamed only when both are complete."""
    with atomic_output(path_3d) as temporary_3d, atomic_output(path_2d) as temporary_2d:
        for temporary, contents in ((temporary_3d, contents_3d), (temporary_2d, contents_2d)):
            with temporary.open("wb") as stream:
                np.savez_compressed(stream, **contents)


def prepare_h36m(out_dir: str | Path, *, from_cdf: str | Path | None = None,
                 from_archive: str | Path | None = None, subjects: Sequence[str] = ALL_SUBJECTS,
                 check_2d: str | Path | None = None, force: bool = False,
                 progress: bool = False) -> dict[str, Path]:
    """Write ``data_3d_h36m.npz`` and ``data_2d_h36m_gt.npz`` into ``out_dir`` from one source.

    Exactly one of ``from_cdf`` (the release's root folder) and ``from_archive`` (h36m.zip). Existing
    outputs are an error unless ``force``; nothing is written when any check fails (file count per
    subject, a file that is not a pose file, ``check_2d`` frame counts). Returns {"3d": path, "gt": path}.
    """
    if (from_cdf is None) == (from_archive is None):
        raise ValueError("give exactly one source: from_cdf (the release's folder) or from_archive "
                         "(h36m.zip)")
    path_3d, path_2d = output_paths(out_dir)
    existing = [str(path) for path in (path_3d, path_2d) if path.exists()]
    if existing and not force:
        raise DataError(f"{', '.join(existing)} already exist(s); pass --force to replace")
    sources = [Path(source).resolve() for source in (from_cdf, from_archive, check_2d) if source is not None]
    for output in (path_3d, path_2d):
        if output.resolve() in sources:
            raise DataError(f"{output} is an input of this preparation; choose another --out directory")
    bar = _progress_bar if progress else None
    if from_cdf is not None:
        positions = read_positions(cdf_files(from_cdf, subjects), bar)
    else:
        archive_path = Path(from_archive)  # type: ignore[arg-type]
        if not zipfile.is_zipfile(archive_path):
            raise DataError(f"{archive_path} is not a zip archive; expected the 3d-pose-baseline h36m.zip")
        with zipfile.ZipFile(archive_path) as archive:
            positions = read_positions(archive_files(archive, archive_path, subjects), bar)
    if check_2d is not None:
        check_against_2d(positions, check_2d)
    positions_2d = project_positions_2d(positions)
    _write_both(path_3d, {"positions_3d": positions}, path_2d,
                {"positions_2d": positions_2d, "metadata": metadata_2d()})
    return {"3d": path_3d, "gt": path_2d}


def _progress_bar(files: Sequence[SourceFile]) -> Iterator[SourceFile]:
    from tqdm import tqdm

    return iter(tqdm(files, desc="reading sequences", unit="file"))
