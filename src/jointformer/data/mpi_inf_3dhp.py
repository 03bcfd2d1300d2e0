"""The MPI-INF-3DHP test set: reading it, mapping its joints to Human3.6M order, making a pose set of it.

Two layouts are read (``read_test_set`` picks by what the directory holds):

- the official release, ``mpi_inf_3dhp_test_set/TS1..TS6/annot_data.mat``: MATLAB v7.3 files, i.e. HDF5,
  read with ``h5py``. MATLAB stores arrays column-major, so h5py sees them with the axes reversed:
  ``annot2`` (T, 1, 17, 2) pixels, ``annot3`` and ``univ_annot3`` (T, 1, 17, 3) millimetres, camera frame
  (x right, y down, z forward), ``valid_frame`` and ``activity_annotation`` (1, T) (any shape holding T
  values is accepted). ``univ_annot3`` is the "universal" skeleton, rescaled to a standard height, on which
  the official evaluation scores.
- the preprocessed ``data_test_3dhp.npz`` that lifting repositories ship, written by P-STMO's
  ``common/data_to_npz_3dhp_test.py`` (also used by MixSTE, PoseFormerV2, MotionAGFormer and others): key
  ``data`` -> pickled dict ``"TS1".."TS6"`` -> {``data_3d`` (T, 17, 3) univ_annot3 millimetres,
  ``data_2d`` (T, 17, 2) annot2 pixels, ``valid`` (T,)}. It carries no activity labels, so per-activity
  results are unavailable from it (all frames count as activity 0, "unknown"). Only read files you trust
  (the dict is pickled).

Images are 2048 x 2048 pixels in TS1-TS4 (studio) and 1920 x 1080 in TS5-TS6 (outdoor). Scenes: TS1-TS2
green screen ("GS"), TS3-TS4 studio without green screen ("noGS"), TS5-TS6 outdoor.

Joints. The test set's 17 joints, in its order, and the Human3.6M joint each one stands for:

====  =================  ===========  ===================================================================
3DHP  name               Human3.6M    definition
====  =================  ===========  ===================================================================
0     head_top           10 Head      same idea: Human3.6M's "Head" joint is the top end of the head
1     neck               8 Thorax     3DHP's neck is the base of the neck, where Human3.6M puts the thorax
2     right_shoulder     14 RShoulder same
3     right_elbow        15 RElbow    same
4     right_wrist        16 RWrist    same
5     left_shoulder      11 LShoulder same
6     left_elbow         12 LElbow    same
7     left_wrist         13 LWrist    same
8     right_hip          1 RHip       same
9     right_knee         2 RKnee      same
10    right_ankle        3 RFoot      same (Human3.6M names the ankle joint "foot")
11    left_hip           4 LHip       same
12    left_knee          5 LKnee      same
13    left_ankle         6 LFoot      same
14    pelvis             0 Hip        the root of both; the evaluation centres on it
15    spine              7 Spine      mid-spine in both, at slightly different heights
16    head               9 Neck/Nose  3DHP's head centre against Human3.6M's neck/nose point: differs most
====  =================  ===========  ===================================================================

They are taken as they are (no offsets are learned or added): the official PCK/AUC leave pelvis, spine
and head out (14 joints), which are the ones whose definitions differ most; MPJPE averages all 17, as the
official evaluation does, so it includes those definition gaps.

Shapes: ``T`` frames of a sequence, ``N`` valid frames of the whole set.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from jointformer.data.camera import normalize_screen_coordinates
from jointformer.data.h36m import _read_npz_dicts
from jointformer.data.poseset import PoseSet
from jointformer.data.skeleton import SKELETON17
from jointformer.errors import DataError
from jointformer.metrics import MM_PER_M

SEQUENCES: tuple[str, ...] = ("TS1", "TS2", "TS3", "TS4", "TS5", "TS6")
IMAGE_SIZES: dict[str, tuple[int, int]] = {name: (2048, 2048) for name in SEQUENCES[:4]} | {
    name: (1920, 1080) for name in SEQUENCES[4:]}
SCENES: dict[str, tuple[str, ...]] = {"GS": ("TS1", "TS2"), "noGS": ("TS3", "TS4"), "Outdoor": ("TS5", "TS6")}
ACTIVITIES: tuple[str, ...] = ("Standing/Walking", "Exercising", "Sitting", "Reaching/Crouching",
                               "On The Floor", "Sports", "Miscellaneous")  # labels 1..7; 0: unknown
JOINT_NAMES: tuple[str, ...] = (
    "head_top", "neck", "right_shoulder", "right_elbow", "right_wrist", "left_shoulder", "left_elbow",
    "left_wrist", "right_hip", "right_knee", "right_ankle", "left_hip", "left_knee", "left_ankle", "pelvis",
    "spine", "head")
H36M_FROM_3DHP: tuple[int, ...] = (14, 8, 9, 10, 11, 12, 13, 15, 1, 16, 0, 5, 6, 7, 2, 3, 4)
"""``poses_h36m = poses_3dhp[..., H36M_FROM_3DHP, :]``: for each Human3.6M joint, its 3DHP joint."""
OFFICIAL_PCK_JOINTS: tuple[int, ...] = tuple(
    H36M_FROM_3DHP.index(joint) for joint in range(14))
"""Human3.6M indices of the 14 joints the official PCK/AUC score (3DHP joints 0-13: all but pelvis,
spine and head), in 3DHP order."""
ANNOTATION_FILE = "annot_data.mat"
NPZ_FILE = "data_test_3dhp.npz"


@dataclass(frozen=True)
class Sequence3DHP:
    """One test sequence, joints in Human3.6M order.

    keypoints_2d: (T, 17, 2) pixels. poses_3d: (T, 17, 3) metres, camera frame, univ_annot3 (not
    root-centred). valid: (T,) bool. activity: (T,) int64 labels 1..7 (0 unknown). image_size: (w, h)."""

    name: str
    keypoints_2d: np.ndarray
    poses_3d: np.ndarray
    valid: np.ndarray
    activity: np.ndarray
    image_size: tuple[int, int]

    @property
    def frames(self) -> int:
        return self.keypoints_2d.shape[0]


def _to_h36m(array: np.ndarray) -> np.ndarray:
    """(..., 17, C) in 3DHP test order -> (..., 17, C) in Human3.6M order."""
    return array[..., list(H36M_FROM_3DHP), :]


def _joint_array(value: Any, where: str, field: str, coordinates: int) -> np.ndarray:
    """``value`` as (T, 17, coordinates) float64 (a singleton person axis squeezed away)."""
    array = np.asarray(value)
    if array.ndim == 4 and array.shape[1] == 1:
        array = array[:, 0]
    if (array.ndim != 3 or array.shape[1:] != (len(JOINT_NAMES), coordinates) or array.shape[0] == 0
            or not np.issubdtype(array.dtype, np.number)):
        raise DataError(f"{where}: {field} has shape {array.shape} and dtype {array.dtype}; expected "
                        f"(frames, 1, 17, {coordinates}) or (frames, 17, {coordinates}) numbers")
    return array.astype(np.float64)


def _frame_vector(value: Any, where: str, field: str, frames: int) -> np.ndarray:
    array = np.asarray(value)
    if array.size != frames or not np.issubdtype(array.dtype, np.number):
        raise DataError(f"{where}: {field} has shape {array.shape}; expected {frames} numbers, one per frame")
    return array.reshape(frames)


def _sequence(name: str, where: str, annot2: Any, univ_annot3: Any, valid: Any,
              activity: Any | None) -> Sequence3DHP:
    keypoints = _joint_array(annot2, where, "annot2", 2)
    poses = _joint_array(univ_annot3, where, "univ_annot3", 3)
    frames = keypoints.shape[0]
    if poses.shape[0] != frames:
        raise DataError(f"{where}: annot2 has {frames} frames and univ_annot3 {poses.shape[0]}; expected "
                        f"the same number")
    valid_flags = _frame_vector(valid, where, "valid_frame", frames) != 0
    labels = (np.zeros(frames, dtype=np.int64) if activity is None
              else _frame_vector(activity, where, "activity_annotation", frames).astype(np.int64))
    if labels.min() < 0 or labels.max() > len(ACTIVITIES):
        raise DataError(f"{where}: activity_annotation holds labels outside 1..{len(ACTIVITIES)}")
    if not (np.isfinite(keypoints[valid_flags]).all() and np.isfinite(poses[valid_flags]).all()):
        raise DataError(f"{where}: valid frames hold NaN or infinite coordinates; expected finite values")
    return Sequence3DHP(name=name, keypoints_2d=_to_h36m(keypoints), poses_3d=_to_h36m(poses) / MM_PER_M,
                        valid=valid_flags, activity=labels, image_size=IMAGE_SIZES[name])


def read_annotation_file(path: str | Path, name: str) -> Sequence3DHP:
    """One official ``TSx/annot_data.mat`` (MATLAB v7.3 / HDF5) as a :class:`Sequence3DHP`."""
    try:
        import h5py
    except ImportError as error:
        raise DataError("reading MPI-INF-3DHP annotation files needs h5py: "
                        "pip install 'jointformer[prepare]'") from error
    fields = ("annot2", "univ_annot3", "valid_frame", "activity_annotation")
    try:
        with h5py.File(path, "r") as handle:
            missing = [field for field in fields if field not in handle]
            if missing:
                raise DataError(f"{path} lacks {', '.join(missing)} (it holds {', '.join(handle.keys())}); "
                                f"expected the official MPI-INF-3DHP test annotation layout")
            values = {field: handle[field][()] for field in fields}
    except DataError:
        raise
    except Exception as error:
        raise DataError(f"{path} is not a readable MATLAB v7.3 (HDF5) file ({type(error).__name__}: "
                        f"{error}); expected the official annot_data.mat") from error
    return _sequence(name, str(path), values["annot2"], values["univ_annot3"], values["valid_frame"],
                     values["activity_annotation"])


def _read_npz(path: Path) -> list[Sequence3DHP]:
    table = _read_npz_dicts(path, ["data"], "key data: dict TS1..TS6 -> {data_3d, data_2d, valid}")["data"]
    missing = [name for name in SEQUENCES if name not in table]
    if missing:
        raise DataError(f"{path}: key data lacks {', '.join(missing)}; expected all of "
                        f"{', '.join(SEQUENCES)}")
    sequences = []
    for name in SEQUENCES:
        entry, where = table[name], f"{path}: data[{name!r}]"
        fields = ("data_2d", "data_3d", "valid")
        if not isinstance(entry, dict) or any(field not in entry for field in fields):
            raise DataError(f"{where} must be a dict with {', '.join(fields)}")
        sequences.append(_sequence(name, where, entry["data_2d"], entry["data_3d"], entry["valid"], None))
    return sequences


def read_test_set(directory: str | Path) -> list[Sequence3DHP]:
    """TS1..TS6 from ``directory``: the official ``TSx/annot_data.mat`` files when ``TS1`` holds one, else
    ``data_test_3dhp.npz``. Raises DataError naming what is missing."""
    directory = Path(directory)
    if (directory / "TS1" / ANNOTATION_FILE).is_file():
        missing = [name for name in SEQUENCES if not (directory / name / ANNOTATION_FILE).is_file()]
        if missing:
            raise DataError(f"{directory}: {', '.join(f'{name}/{ANNOTATION_FILE}' for name in missing)} "
                            f"not found; expected all six test sequences of mpi_inf_3dhp_test_set")
        return [read_annotation_file(directory / name / ANNOTATION_FILE, name) for name in SEQUENCES]
    if (directory / NPZ_FILE).is_file():
        return _read_npz(directory / NPZ_FILE)
    raise DataError(f"{directory} holds neither TS1/{ANNOTATION_FILE} (the official mpi_inf_3dhp_test_set) "
                    f"nor {NPZ_FILE} (P-STMO's preprocessed layout); `jointformer synth --layout 3dhp DIR` "
                    f"writes a synthetic test set in the official layout")


def pose_set_3dhp(sequences: list[Sequence3DHP]) -> PoseSet:
    """Every valid frame of ``sequences`` as a PoseSet: inputs (N, 17, 2) normalised screen (each
    sequence's own image size), targets (N, 17, 3) metres, camera frame, centred on the pelvis; ``subject``
    indexes the sequences (their names in ``subjects``), ``action`` the activity label (0 unknown, 1..7,
    names in ``actions``), ``camera`` is 0."""
    inputs, targets, sequence_index, activity = [], [], [], []
    for index, sequence in enumerate(sequences):
        valid = sequence.valid
        width, height = sequence.image_size
        inputs.append(normalize_screen_coordinates(sequence.keypoints_2d[valid], width, height))
        poses = sequence.poses_3d[valid]
        targets.append(poses - poses[:, :1])
        sequence_index.append(np.full(int(valid.sum()), index))
        activity.append(sequence.activity[valid])
    if sum(len(part) for part in inputs) == 0:
        raise DataError("the MPI-INF-3DHP test set has no valid frame (valid_frame is 0 everywhere)")
    count = sum(len(part) for part in inputs)
    return PoseSet(
        inputs_2d=torch.from_numpy(np.concatenate(inputs).astype(np.float32)),
        targets_3d=torch.from_numpy(np.concatenate(targets).astype(np.float32)),
        action=torch.from_numpy(np.concatenate(activity).astype(np.int64)),
        subject=torch.from_numpy(np.concatenate(sequence_index).astype(np.int64)),
        camera=torch.zeros(count, dtype=torch.int64),
        actions=("unknown", *ACTIVITIES),
        subjects=tuple(sequence.name for sequence in sequences),
        joints_left_2d=SKELETON17.joints_left,
        joints_right_2d=SKELETON17.joints_right,
        joints_left_3d=SKELETON17.joints_left,
        joints_right_3d=SKELETON17.joints_right,
    )
