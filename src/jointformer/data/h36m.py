"""Human3.6M in the VideoPose3D file layout: reading, checking, and turning the files into pose sets.

Files, in a data directory the caller names (the command line's default is ``data/``, relative to the
working directory):

- ``data_3d_h36m.npz``: key ``positions_3d`` -> {subject: {action key: (T, 32, 3) float32}}, metres, world
  frame, 50 fps. Action keys carry a trial suffix ("Walking 1", "Eating 2").
- ``data_2d_h36m_<keypoints>.npz`` (``<keypoints>``: ``gt``, ``cpn_ft_h36m_dbb``, ``detectron_ft_h36m``, ...):
  key ``positions_2d`` -> {subject: {action key: [4 x (T', 17, 2)]}}, pixels, one array per camera in
  :data:`~jointformer.data.camera.CAMERA_ORDER`; key ``metadata`` -> {``num_joints``: 17,
  ``keypoints_symmetry``: [left joints, right joints], optionally ``layout_name``}.

Both are written by VideoPose3D's data preparation scripts (``prepare_data_h36m.py`` and the
``prepare_data_2d_*`` scripts), and ``jointformer synth DIR`` writes an embedded default data set in the same
layout. They hold pickled Python dicts (the published format), so they are read with ``allow_pickle=True``:
only read files you trust.

Shapes: ``T`` frames of a sequence (its mocap length), ``N`` poses of a pose set (frames x cameras).
Each 3D sequence becomes 4 x T poses, one per camera:
- 3D target: 32 -> 17 joints, world -> that camera's frame (in float64), then joint 0 subtracted and set to
  exactly 0.0: (T, 17, 3) metres, camera frame, root-relative.
- 2D input: the first T frames of that camera's keypoints (detector files run a few frames longer than the
  mocap), normalised with the camera's resolution: (T, 17, 2) normalised screen coordinates.
2D subjects without 3D (detector files also hold S2-S4) and 2D action keys without 3D are ignored.

Action groups: a key belongs to the action named by its first word ("Walking 1" and "Walking" -> Walking,
"SittingDown 2" -> SittingDown). Human3.6M names two actions differently in some subjects' recordings
("TakingPhoto", "WalkingDog"; VideoPose3D renames them when it converts the original release, not when it
converts the preprocessed h5 archive), so those two are mapped to "Photo" and "WalkDog": what comes out
are exactly the 15 groups of :data:`~jointformer.data.skeleton.ACTIONS`. An action filter names whole
groups; the published SemGCN-derived code matched key prefixes (``key.startswith(name)``), which also
pulled "SittingDown" into "Sitting".
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from jointformer.data.camera import (
    CAMERA_ORDER,
    Camera,
    h36m_cameras,
    normalize_screen_coordinates,
    project_to_pixels,
    world_to_camera,
)
from jointformer.data.poseset import PoseSet
from jointformer.data.skeleton import (
    ACTIONS,
    ALL_SUBJECTS,
    SKELETON17,
    SKELETON32,
    TEST_SUBJECTS,
    TRAIN_SUBJECTS,
    action_group,
    reduce_to_17,
)
from jointformer.errors import DataError

FILE_3D = "data_3d_h36m.npz"
NUM_JOINTS_2D = SKELETON17.num_joints
NUM_CAMERAS = len(CAMERA_ORDER)

# Human3.6M's own spellings of two actions, as found in the archive-derived 3D files (subject S1).
_GROUP_ALIASES = {"TakingPhoto": "Photo", "WalkingDog": "WalkDog"}
_ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")  # a zip with entries, an empty zip
_CONTENTS_3D = "(frames, 32, 3) array, metres, world frame"
_CONTENTS_2D = f"list of {NUM_CAMERAS} (frames, 17, 2) arrays, pixels, one per camera"


def file_2d_name(keypoints: str) -> str:
    """The 2D file name for a keypoint source: ``data_2d_h36m_<keypoints>.npz``."""
    return f"data_2d_h36m_{keypoints}.npz"


def data_paths(data_dir: str | Path, keypoints: str) -> tuple[Path, Path]:
    """(3D file, 2D file) of a data directory for the keypoint source ``keypoints`` (e.g. "gt").

    Only builds the paths; raises ValueError for a keypoints name that is empty or holds a path separator.
    """
    if not isinstance(keypoints, str) or not keypoints or "/" in keypoints or "\\" in keypoints:
        raise ValueError(f"keypoints must be a name such as 'gt' or 'cpn_ft_h36m_dbb', got {keypoints!r}")
    directory = Path(data_dir)
    return directory / FILE_3D, directory / file_2d_name(keypoints)


def canonical_action_group(action_key: str) -> str:
    """The action group of a sequence key, with Human3.6M's naming variants mapped onto ``ACTIONS``.

    "Walking 1" -> "Walking", "TakingPhoto 1" -> "Photo", "WalkingDog" -> "WalkDog".
    """
    group = action_group(action_key)
    return _GROUP_ALIASES.get(group, group)


def parse_action_filter(actions: str) -> tuple[str, ...]:
    """'*' -> all 15 groups; "Walking,Eating" -> those groups, in ``ACTIONS`` order.

    Names are whole group names (case-sensitive); raises ValueError for an unknown one, listing the valid.
    """
    if not isinstance(actions, str):
        raise ValueError(f"actions must be '*' or a comma list of action names, got {actions!r}")
    if actions.strip() == "*":
        return ACTIONS
    names = [name.strip() for name in actions.split(",")]
    unknown = [name for name in names if name not in ACTIONS]
    if unknown:
        raise ValueError(f"unknown action {', '.join(repr(name) for name in unknown)} in "
                         f"actions={actions!r}; use '*' or a comma list of: {', '.join(ACTIONS)}")
    return tuple(action for action in ACTIONS if action in names)


# --- reading and checking the files ------------------------------------------------------------------------


@dataclass(frozen=True)
class _RawData:
    """The two files' contents, read once; sequences are checked when they are used."""

    path_3d: Path
    path_2d: Path
    positions_3d: Mapping[str, Any]  # subject -> action key -> (T, 32, 3) metres, world frame
    positions_2d: Mapping[str, Any]  # subject -> action key -> 4 x (T', 17, 2) pixels
    joints_left_2d: tuple[int, ...]
    joints_right_2d: tuple[int, ...]
    layout_name: str | None


def _how_to_get(path_3d: Path, path_2d: Path) -> str:
    return (f"The data directory must hold {path_3d.name} and {path_2d.name}, made by VideoPose3D's data "
            f"preparation scripts (prepare_data_h36m.py, and prepare_data_2d_h36m_*.py for detections), or "
            f"run `jointformer synth DIR` to write an embedded default data set in the same layout.")


def _check_files_exist(path_3d: Path, path_2d: Path) -> None:
    directory = path_3d.parent
    if not directory.is_dir():
        raise DataError(f"data directory {str(directory)!r} does not exist. {_how_to_get(path_3d, path_2d)}")
    missing = [str(path) for path in (path_3d, path_2d) if not path.is_file()]
    if missing:
        raise DataError(f"Human3.6M data file not found: {', '.join(missing)}. "
                        f"{_how_to_get(path_3d, path_2d)}")


def _read_npz_dicts(path: Path, keys: Sequence[str], contents: str) -> dict[str, Any]:
    """The pickled objects stored under ``keys`` of the npz archive ``path``. ``contents`` describes them."""
    try:
        with path.open("rb") as handle:
            signature = handle.read(4)
    except OSError as error:
        raise DataError(f"cannot read {path}: {error}") from error
    # Checked before np.load, which would otherwise try to unpickle whatever the file holds.
    if signature not in _ZIP_SIGNATURES:
        raise DataError(f"{path} is not an npz archive (a zip of numpy arrays); expected {contents}")
    values: dict[str, Any] = {}
    try:
        with np.load(path, allow_pickle=True) as archive:
            missing = [key for key in keys if key not in archive.files]
            if missing:
                raise DataError(f"{path} lacks the key(s) {', '.join(missing)} (it holds "
                                f"{', '.join(archive.files) or 'nothing'}); expected {contents}")
            for key in keys:
                values[key] = archive[key]
    except DataError:
        raise
    except Exception as error:  # a damaged archive fails in zipfile, numpy or pickle, each its own way
        raise DataError(f"cannot read {path} as an npz archive ({type(error).__name__}: {error}); "
                        f"expected {contents}") from error
    for key, value in values.items():
        if not (isinstance(value, np.ndarray) and value.dtype == object and value.shape == ()
                and isinstance(value.item(), Mapping)):
            raise DataError(f"{path}: key {key!r} holds an array of shape {value.shape} and dtype "
                            f"{value.dtype}; expected a pickled dict ({contents})")
        values[key] = value.item()
    return values


def _check_symmetry(metadata: Mapping[str, Any], path: Path) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The (left, right) 2D joint lists of ``metadata["keypoints_symmetry"]``, checked."""
    for field in ("num_joints", "keypoints_symmetry"):
        if field not in metadata:
            held = ", ".join(map(str, metadata)) or "nothing"
            raise DataError(f"{path}: metadata lacks {field!r} (it holds {held})")
    if metadata["num_joints"] != NUM_JOINTS_2D:
        raise DataError(f"{path}: metadata num_joints is {metadata['num_joints']!r}; expected "
                        f"{NUM_JOINTS_2D} (the Human3.6M 17-joint layout)")
    symmetry = metadata["keypoints_symmetry"]
    try:
        left, right = (tuple(int(joint) for joint in side) for side in symmetry)
    except (TypeError, ValueError) as error:
        raise DataError(f"{path}: metadata keypoints_symmetry is {symmetry!r}; expected [left joints, "
                        f"right joints], two lists of joint indices") from error
    joints = left + right
    if (len(left) != len(right) or len(set(joints)) != len(joints)
            or not all(0 <= joint < NUM_JOINTS_2D for joint in joints)):
        raise DataError(f"{path}: metadata keypoints_symmetry is {symmetry!r}; expected two lists of equal "
                        f"length of distinct joint indices in 0..{NUM_JOINTS_2D - 1}")
    return left, right


def _read_data(data_dir: str | Path, keypoints: str) -> _RawData:
    path_3d, path_2d = data_paths(data_dir, keypoints)
    _check_files_exist(path_3d, path_2d)
    contents_3d = "key positions_3d: dict subject -> dict action -> (frames, 32, 3) metres, world frame"
    contents_2d = ("keys positions_2d: dict subject -> dict action -> 4 arrays (frames, 17, 2) pixels, and "
                   "metadata: dict with num_joints and keypoints_symmetry")
    data_3d = _read_npz_dicts(path_3d, ["positions_3d"], contents_3d)
    data_2d = _read_npz_dicts(path_2d, ["positions_2d", "metadata"], contents_2d)
    left, right = _check_symmetry(data_2d["metadata"], path_2d)
    layout = data_2d["metadata"].get("layout_name")
    return _RawData(path_3d=path_3d, path_2d=path_2d, positions_3d=data_3d["positions_3d"],
                    positions_2d=data_2d["positions_2d"], joints_left_2d=left, joints_right_2d=right,
                    layout_name=None if layout is None else str(layout))


def _checked_array(value: Any, path: Path, where: str, joints: int, coordinates: int,
                   used_frames: int | None = None) -> np.ndarray:
    """``value`` as a real-valued (T, joints, coordinates) array, finite in its first ``used_frames``
    frames (all frames when None), which it must have."""
    try:
        array = np.asarray(value) if isinstance(value, (np.ndarray, list, tuple)) else None
    except ValueError:  # a ragged list
        array = None
    expected = f"(frames, {joints}, {coordinates})"
    real = array is not None and (np.issubdtype(array.dtype, np.floating)
                                  or np.issubdtype(array.dtype, np.integer))
    if not real:
        raise DataError(f"{path}: {where} holds {type(value).__name__}"
                        f"{f' of dtype {array.dtype}' if array is not None else ''}; "
                        f"expected a numeric array {expected}")
    if array.ndim != 3 or array.shape[1:] != (joints, coordinates):
        raise DataError(f"{path}: {where} has shape {array.shape}; expected {expected}")
    if used_frames is not None and array.shape[0] < used_frames:
        raise DataError(f"{path}: {where} has {array.shape[0]} frames, fewer than the {used_frames} frames "
                        f"of its mocap sequence; expected at least as many 2D frames as 3D frames")
    used = array[:used_frames]
    finite = np.isfinite(used).reshape(used.shape[0], -1).all(axis=1)
    if not finite.all():
        bad = np.flatnonzero(~finite)
        raise DataError(f"{path}: {where} holds NaN or infinite values in {bad.size} frame(s), the first "
                        f"at frame {bad[0]}; expected finite values")
    # float32 is what training computes in: larger magnitudes become infinite there
    too_large = (np.abs(used) > np.finfo(np.float32).max).reshape(used.shape[0], -1).any(axis=1)
    if too_large.any():
        bad = np.flatnonzero(too_large)
        raise DataError(f"{path}: {where} holds values beyond float32's range (|x| > 3.4e38) in {bad.size} "
                        f"frame(s), the first at frame {bad[0]}; expected pixels or metres")
    return array


# A person's joints lie within about 0.1-1 m of the pelvis; the median distance over all joints and frames
# is ~0.4 m for Human3.6M in metres, ~400 for millimetres, ~40 for centimetres.
_PLAUSIBLE_MEDIAN_REACH_M = (0.05, 2.0)


def _check_metres(positions: np.ndarray, path: Path, where: str) -> None:
    """(T, 32, 3) world positions must be in metres: their median distance from joint 0 (the pelvis) must
    be that of a person, else a DataError saying what was found (typically millimetres)."""
    if positions.shape[0] == 0:
        return
    reach = float(np.median(np.linalg.norm(positions - positions[:, :1], axis=-1)))
    low, high = _PLAUSIBLE_MEDIAN_REACH_M
    if not low <= reach <= high:
        hint = " (millimetres? divide by 1000)" if reach > 50 else ""
        raise DataError(f"{path}: {where}: the joints' median distance from the pelvis is {reach:.4g}"
                        f"{hint}; expected metres, {low}-{high} m for a person")


def _subject_table(table: Mapping[str, Any], path: Path, subject: str, kind: str) -> Mapping[str, Any]:
    """The action dict of ``subject`` in a positions dict, checked to be a dict."""
    actions = table[subject]
    if not isinstance(actions, Mapping):
        raise DataError(f"{path}: subject {subject} holds {type(actions).__name__}; expected a dict "
                        f"action -> {kind}")
    return actions


@dataclass(frozen=True)
class _Sequence:
    """One checked mocap sequence with its 2D keypoints cut to the mocap length."""

    subject: str
    action_key: str
    group: str
    positions_3d: np.ndarray  # (T, 32, 3) metres, world frame
    keypoints_2d: tuple[np.ndarray, ...]  # 4 x (T, 17, 2) pixels, in CAMERA_ORDER

    @property
    def frames(self) -> int:
        return self.positions_3d.shape[0]


def _subject_tuple(subjects: Sequence[str]) -> tuple[str, ...]:
    """A split's subjects as a tuple; a lone string is an error, not a sequence of letters."""
    if isinstance(subjects, str) or not subjects:
        raise ValueError(f"subjects must be a non-empty sequence of names such as ('S9', 'S11'), "
                         f"got {subjects!r}")
    return tuple(subjects)


def _check_subjects(data: _RawData, subjects: Sequence[str]) -> None:
    for subject in subjects:
        if subject not in data.positions_3d:
            raise DataError(f"{data.path_3d}: subject {subject!r} was requested but the file holds no 3D for "
                            f"it; it holds {', '.join(map(str, data.positions_3d))}")
        if subject not in data.positions_2d:
            raise DataError(f"{data.path_2d}: subject {subject} has 3D in {data.path_3d.name} but no 2D "
                            f"keypoints; expected every subject of the 3D file that is used in the 2D file")


def _cameras_of(data: _RawData, subject: str) -> list[Camera]:
    try:
        return h36m_cameras(subject)
    except ValueError as error:
        raise DataError(f"{data.path_3d}: subject {subject} has no Human3.6M camera calibration "
                        f"({error})") from error


def _sequences(data: _RawData, subjects: Sequence[str], groups: Iterable[str] | None) -> list[_Sequence]:
    """Checked sequences of ``subjects`` (in that order, action keys in file order) whose action group is
    in ``groups`` (None: every group)."""
    _check_subjects(data, subjects)
    wanted = None if groups is None else set(groups)
    sequences = []
    for subject in subjects:
        table_3d = _subject_table(data.positions_3d, data.path_3d, subject, _CONTENTS_3D)
        table_2d = _subject_table(data.positions_2d, data.path_2d, subject, _CONTENTS_2D)
        for action_key, value_3d in table_3d.items():
            group = canonical_action_group(str(action_key))
            if group not in ACTIONS:
                raise DataError(f"{data.path_3d}: subject {subject}, action {action_key!r} belongs to no "
                                f"Human3.6M action (its first word {group!r}); expected one of "
                                f"{', '.join(ACTIONS)}")
            if wanted is not None and group not in wanted:
                continue
            where_3d = f"subject {subject}, action {action_key!r}"
            positions = _checked_array(value_3d, data.path_3d, where_3d, SKELETON32.num_joints, 3)
            _check_metres(positions, data.path_3d, where_3d)
            if action_key not in table_2d:
                raise DataError(f"{data.path_2d}: subject {subject} has no 2D keypoints for action "
                                f"{action_key!r}, which {data.path_3d.name} holds; expected 2D for every 3D "
                                f"sequence")
            views = table_2d[action_key]
            if not isinstance(views, (list, tuple, np.ndarray)) or len(views) != NUM_CAMERAS:
                count = len(views) if hasattr(views, "__len__") else type(views).__name__
                raise DataError(f"{data.path_2d}: subject {subject}, action {action_key!r} holds {count} "
                                f"camera views; expected a list of {NUM_CAMERAS} arrays, one per camera in "
                                f"the order {', '.join(CAMERA_ORDER)}")
            frames = positions.shape[0]
            keypoints = tuple(
                _checked_array(view, data.path_2d, f"{where_3d}, camera {index} ({CAMERA_ORDER[index]})",
                               NUM_JOINTS_2D, 2, used_frames=frames)[:frames]
                for index, view in enumerate(views))
            sequences.append(_Sequence(subject, str(action_key), group, positions, keypoints))
    return sequences


# --- building pose sets -------------------------------------------------------------------------------------


def _root_relative(poses: np.ndarray) -> np.ndarray:
    """(..., J, 3) -> (..., J, 3) same units and frame, joint 0 subtracted and set to exactly zero."""
    relative = poses - poses[..., :1, :]
    relative[..., 0, :] = 0.0
    return relative


def _pose_set(data: _RawData, sequences: list[_Sequence], subjects: Sequence[str],
              downsample: int) -> PoseSet:
    """Every (2D, 3D) pair of ``sequences`` x 4 cameras, frames [::downsample], as one PoseSet."""
    counts = [len(range(0, sequence.frames, downsample)) for sequence in sequences]
    total = NUM_CAMERAS * sum(counts)
    if total == 0:
        raise DataError(f"{data.path_3d}: no poses for subjects {', '.join(subjects)} with the actions asked "
                        f"for; expected at least one frame")
    actions = tuple(action for action in ACTIONS if any(sequence.group == action for sequence in sequences))
    # Filled in place, so the largest split costs its final size and one sequence of temporaries.
    inputs_2d = np.empty((total, NUM_JOINTS_2D, 2), dtype=np.float32)
    targets_3d = np.empty((total, SKELETON17.num_joints, 3), dtype=np.float32)
    action_index = np.empty(total, dtype=np.int64)
    subject_index = np.empty(total, dtype=np.int64)
    camera_index = np.empty(total, dtype=np.int64)
    cameras = {subject: _cameras_of(data, subject) for subject in subjects}
    start = 0
    for sequence, count in zip(sequences, counts, strict=True):
        world = reduce_to_17(sequence.positions_3d[::downsample]).astype(np.float64)  # (count, 17, 3) m
        for index, (camera, keypoints) in enumerate(zip(cameras[sequence.subject], sequence.keypoints_2d,
                                                        strict=True)):
            stop = start + count
            targets_3d[start:stop] = _root_relative(world_to_camera(world, camera))
            pixels = keypoints[::downsample].astype(np.float64)  # (count, 17, 2)
            inputs_2d[start:stop] = normalize_screen_coordinates(pixels, camera.res_w, camera.res_h)
            action_index[start:stop] = actions.index(sequence.group)
            subject_index[start:stop] = subjects.index(sequence.subject)
            camera_index[start:stop] = index
            start = stop
    return PoseSet(
        inputs_2d=torch.from_numpy(inputs_2d),
        targets_3d=torch.from_numpy(targets_3d),
        action=torch.from_numpy(action_index),
        subject=torch.from_numpy(subject_index),
        camera=torch.from_numpy(camera_index),
        actions=actions,
        subjects=tuple(subjects),
        joints_left_2d=data.joints_left_2d,
        joints_right_2d=data.joints_right_2d,
        joints_left_3d=SKELETON17.joints_left,
        joints_right_3d=SKELETON17.joints_right,
    )


def _check_downsample(downsample: int) -> None:
    if isinstance(downsample, bool) or not isinstance(downsample, numbers.Integral) or downsample < 1:
        raise ValueError(f"downsample must be a whole number >= 1 (keep every k-th frame), "
                         f"got {downsample!r}")


def load_pose_sets(data_dir: str | Path, keypoints: str, actions: str = "*", downsample: int = 1,
                   train_subjects: Sequence[str] = TRAIN_SUBJECTS,
                   test_subjects: Sequence[str] = TEST_SUBJECTS) -> tuple[PoseSet, PoseSet]:
    """(train, test) pose sets of a data directory, each file read once.

    data_dir: directory holding ``data_3d_h36m.npz`` and ``data_2d_h36m_<keypoints>.npz``.
    actions: "*" or a comma list of action groups ("Walking,Eating"); see :func:`parse_action_filter`.
    downsample: keep frames ``[::downsample]`` of every sequence.
    Each set holds inputs (N, 17, 2) normalised screen and targets (N, 17, 3) metres, camera frame,
    root-relative (see :class:`~jointformer.data.poseset.PoseSet`). Raises DataError for a missing or
    malformed file (the message names the file, subject, action and camera), ValueError for bad arguments.
    """
    groups = parse_action_filter(actions)
    _check_downsample(downsample)
    train_subjects, test_subjects = _subject_tuple(train_subjects), _subject_tuple(test_subjects)
    data = _read_data(data_dir, keypoints)
    # Both splits are checked before either is built, so a bad test subject fails fast.
    train_sequences = _sequences(data, train_subjects, groups)
    test_sequences = _sequences(data, test_subjects, groups)
    return (_pose_set(data, train_sequences, train_subjects, downsample),
            _pose_set(data, test_sequences, test_subjects, downsample))


def load_pose_set(data_dir: str | Path, keypoints: str, subjects: Sequence[str], actions: str = "*",
                  downsample: int = 1) -> PoseSet:
    """One pose set of ``subjects`` (e.g. ``TEST_SUBJECTS``); otherwise as :func:`load_pose_sets`."""
    groups = parse_action_filter(actions)
    _check_downsample(downsample)
    subjects = _subject_tuple(subjects)
    data = _read_data(data_dir, keypoints)
    return _pose_set(data, _sequences(data, subjects, groups), subjects, downsample)


# --- summary ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DatasetSummary:
    """What a data directory holds for one keypoint source, and how well its 2D agrees with its 3D."""

    keypoints: str
    path_3d: Path
    path_2d: Path
    layout_name: str | None
    subjects: tuple[str, ...]  # subjects with 3D
    subjects_2d_only: tuple[str, ...]  # subjects of the 2D file without 3D (ignored when loading)
    actions: tuple[str, ...]  # action groups present, in ACTIONS order
    sequences: int  # 3D action keys over all subjects
    frames_per_subject: dict[str, int]  # 3D frames (50 fps) per subject
    poses_2d: int  # 2D poses (frames x cameras) in the 2D file, all subjects, uncut
    poses_paired: int  # 2D poses with a 3D partner: 4 x the 3D frames
    cameras: tuple[str, ...]
    reprojection_error_px: float  # mean distance, pixels, 17 projected 3D joints vs the 2D file

    def format(self) -> str:
        """A readable multi-line description."""
        frames = "; ".join(f"{subject} {count:,}" for subject, count in self.frames_per_subject.items())
        total_frames = sum(self.frames_per_subject.values())
        layout = f", layout {self.layout_name}" if self.layout_name else ""
        only_2d = f"; 2D only (ignored): {' '.join(self.subjects_2d_only)}" if self.subjects_2d_only else ""
        lines = [
            "Human3.6M data (VideoPose3D layout)",
            f"  3D file:       {self.path_3d}",
            f"  2D file:       {self.path_2d} (keypoints {self.keypoints}{layout})",
            f"  subjects:      {' '.join(self.subjects)}{only_2d}",
            f"  actions:       {len(self.actions)} groups: {', '.join(self.actions)}",
            f"  sequences:     {self.sequences}",
            f"  3D frames:     {total_frames:,} at 50 fps ({frames})",
            f"  cameras:       {len(self.cameras)} ({', '.join(self.cameras)})",
            f"  2D poses:      {self.poses_2d:,} in the file, {self.poses_paired:,} paired with 3D",
            f"  reprojection:  {self.reprojection_error_px:.3f} px mean distance between the 2D keypoints "
            f"and the projected 3D joints",
        ]
        return "\n".join(lines)


def _subject_order(subjects: Iterable[str]) -> tuple[str, ...]:
    """Human3.6M subjects in the order of the splits, then any others by name."""
    subjects = list(subjects)
    known = [subject for subject in ALL_SUBJECTS if subject in subjects]
    return tuple(known + sorted(subject for subject in subjects if subject not in ALL_SUBJECTS))


def _count_2d_poses(data: _RawData) -> int:
    total = 0
    for subject in data.positions_2d:
        table = _subject_table(data.positions_2d, data.path_2d, subject, _CONTENTS_2D)
        for action_key, views in table.items():
            if not isinstance(views, (list, tuple, np.ndarray)):
                raise DataError(f"{data.path_2d}: subject {subject}, action {action_key!r} holds "
                                f"{type(views).__name__}; expected {_CONTENTS_2D}")
            total += sum(np.shape(view)[0] for view in views)
    return total


def _reprojection_error(data: _RawData, sequences: list[_Sequence]) -> float:
    """Mean pixel distance between the 2D keypoints and the projected 17 joints of the 3D, over every
    joint, camera and frame both have."""
    distance_sum, count = 0.0, 0
    for sequence in sequences:
        world = reduce_to_17(sequence.positions_3d).astype(np.float64)  # (T, 17, 3) metres, world frame
        for camera, keypoints in zip(_cameras_of(data, sequence.subject), sequence.keypoints_2d, strict=True):
            projected = project_to_pixels(world_to_camera(world, camera), camera)  # (T, 17, 2) pixels
            distance_sum += float(np.linalg.norm(projected - keypoints, axis=-1).sum())
            count += keypoints.shape[0] * keypoints.shape[1]
    return distance_sum / count if count else float("nan")


def summarize_dataset(data_dir: str | Path, keypoints: str) -> DatasetSummary:
    """Check and describe the data directory's files for ``keypoints`` (every 3D subject is checked as
    :func:`load_pose_sets` would check it); raises DataError as that function does."""
    data = _read_data(data_dir, keypoints)
    subjects = _subject_order(data.positions_3d)
    sequences = _sequences(data, subjects, None)
    groups = {sequence.group for sequence in sequences}
    frames = {subject: 0 for subject in subjects}
    for sequence in sequences:
        frames[sequence.subject] += sequence.frames
    return DatasetSummary(
        keypoints=keypoints,
        path_3d=data.path_3d,
        path_2d=data.path_2d,
        layout_name=data.layout_name,
        subjects=subjects,
        subjects_2d_only=_subject_order(subject for subject in data.positions_2d if subject not in frames),
        actions=tuple(action for action in ACTIONS if action in groups),
        sequences=len(sequences),
        frames_per_subject=frames,
        poses_2d=_count_2d_poses(data),
        poses_paired=NUM_CAMERAS * sum(frames.values()),
        cameras=CAMERA_ORDER,
        reprojection_error_px=_reprojection_error(data, sequences),
    )
