"""A small synthetic MPI-INF-3DHP test set in the official layout (``TS1..TS6/annot_data.mat``, MATLAB v7.3).

Made by the embedded data set's motion programmes (:func:`jointformer.data.synthetic.perform_action`) on six
bodies the synthetic Human3.6M subjects never had (1.55-1.92 m, other proportions), one per sequence. Each
sequence strings together one segment per 3DHP activity label, each segment a programme whose motion is
close to that activity (the labels name what the segment stands for; the motions are Human3.6M-like):

1 Standing/Walking: Walking; 2 Exercising: Greeting; 3 Sitting: Sitting; 4 Reaching/Crouching: Purchases;
5 On The Floor: SittingDown; 6 Sports: WalkTogether; 7 Miscellaneous: Phoning.

One camera per sequence, looking horizontally at the subject from 3.6-4.4 m: TS1-TS4 studio cameras of
2048 x 2048 pixels, TS5-TS6 outdoor cameras of 1920 x 1080 (focal length 1500 px, no lens distortion).
``annot3`` is the body in the camera frame (millimetres), ``univ_annot3`` the same pose scaled about the
pelvis to a 1.70 m body (this data set's stand-in for the universal skeleton), ``annot2`` the projection of
``annot3`` (pixels), ``valid_frame`` 0 on about 5 % of frames, ``activity_annotation`` the segment's label.
Writing it takes well under a second.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from jointformer.atomic_files import atomic_output
from jointformer.data.camera import Camera, project_to_pixels, world_to_camera
from jointformer.data.mpi_inf_3dhp import ANNOTATION_FILE, H36M_FROM_3DHP, IMAGE_SIZES, SEQUENCES
from jointformer.data.skeleton import reduce_to_17
from jointformer.data.synthetic import body_offsets, perform_action
from jointformer.errors import OutputError

ACTIVITY_PROGRAMMES: tuple[str, ...] = ("Walking", "Greeting", "Sitting", "Purchases", "SittingDown",
                                        "WalkTogether", "Phoning")  # for labels 1..7
# Stature (m) and deviations of (legs, arms, torso, shoulder width, hip width): none of the seven
# synthetic Human3.6M subjects' builds.
_BUILDS: dict[str, tuple[float, tuple[float, float, float, float, float]]] = {
    "TS1": (1.55, (-0.04, +0.03, +0.04, -0.07, +0.06)),
    "TS2": (1.92, (+0.05, -0.03, -0.04, +0.08, -0.05)),
    "TS3": (1.68, (+0.06, +0.05, -0.05, +0.02, +0.05)),
    "TS4": (1.81, (-0.05, -0.04, +0.05, -0.02, -0.04)),
    "TS5": (1.60, (+0.04, -0.05, +0.02, +0.07, +0.00)),
    "TS6": (1.75, (-0.02, +0.06, -0.03, -0.06, +0.07)),
}
UNIVERSAL_STATURE = 1.70  # metres
FOCAL_LENGTH = 1500.0  # pixels
INVALID_SHARE = 0.05
_MATLAB_HEADER = b"MATLAB 7.3 MAT-file, Platform: jointformer synth, HDF5 schema 1.00 ."
# Camera -> world rotation of a camera looking along world +x, image x along world -y, image y down (-z).
_LOOK_ALONG_X = (0.5, -0.5, 0.5, -0.5)
_PELVIS_3DHP = H36M_FROM_3DHP[0]


@dataclass(frozen=True)
class SyntheticSequence:
    """One synthetic test sequence, 3DHP joint order: annot2 (T, 17, 2) pixels; annot3, univ_annot3
    (T, 17, 3) millimetres, camera frame; valid (T,) bool; activity (T,) int64 labels 1..7."""

    annot2: np.ndarray
    annot3: np.ndarray
    univ_annot3: np.ndarray
    valid: np.ndarray
    activity: np.ndarray


def sequence_camera(name: str, rng: np.random.Generator) -> Camera:
    """A camera of sequence ``name``: its 3DHP image size, looking along world +x at the origin."""
    width, height = IMAGE_SIZES[name]
    distance, camera_height = rng.uniform(3.6, 4.4), rng.uniform(1.0, 1.4)
    return Camera(id=name, res_w=width, res_h=height, center=(width / 2.0, height / 2.0),
                  focal_length=(FOCAL_LENGTH, FOCAL_LENGTH), radial_distortion=(0.0, 0.0, 0.0),
                  tangential_distortion=(0.0, 0.0), orientation=_LOOK_ALONG_X,
                  translation=(-distance, 0.0, camera_height))


def _to_3dhp_order(poses_h36m: np.ndarray) -> np.ndarray:
    """(..., 17, C) Human3.6M order -> (..., 17, C) 3DHP test order."""
    poses = np.empty_like(poses_h36m)
    poses[..., list(H36M_FROM_3DHP), :] = poses_h36m
    return poses


def _segment(action: str, offsets: np.ndarray, frames: int, rng: np.random.Generator) -> np.ndarray:
    """(frames, 17, 3) metres, world frame (Human3.6M order): one programme, its pelvis track centred on the
    origin, turned to a random heading."""
    posed = perform_action(action, offsets, frames, rng)
    middle = (posed[:, 0, :2].min(axis=0) + posed[:, 0, :2].max(axis=0)) / 2.0
    posed[..., :2] -= middle
    yaw = rng.uniform(0.0, 2.0 * np.pi)
    rotation = np.array([[np.cos(yaw), -np.sin(yaw), 0.0], [np.sin(yaw), np.cos(yaw), 0.0], [0.0, 0.0, 1.0]])
    return reduce_to_17(posed @ rotation.T)


def generate_sequence(name: str, frames_per_activity: int = 40, seed: int = 0) -> SyntheticSequence:
    """Sequence ``name`` (TS1..TS6): one segment of ``frames_per_activity`` frames per activity label."""
    rng = np.random.default_rng([seed, SEQUENCES.index(name), 3])
    offsets = body_offsets(*_BUILDS[name])
    world = np.concatenate([_segment(action, offsets, frames_per_activity, rng)
                            for action in ACTIVITY_PROGRAMMES])  # (T, 17, 3) metres
    camera = sequence_camera(name, rng)
    annot3 = world_to_camera(world, camera)  # (T, 17, 3) metres, camera frame
    pelvis = annot3[:, :1]
    univ = pelvis + (annot3 - pelvis) * (UNIVERSAL_STATURE / _BUILDS[name][0])
    frames = len(world)
    return SyntheticSequence(
        annot2=_to_3dhp_order(project_to_pixels(annot3, camera)),
        annot3=_to_3dhp_order(annot3) * 1000.0,
        univ_annot3=_to_3dhp_order(univ) * 1000.0,
        valid=rng.uniform(size=frames) >= INVALID_SHARE,
        activity=np.repeat(np.arange(1, len(ACTIVITY_PROGRAMMES) + 1), frames_per_activity),
    )


def write_annotation_file(path: str | Path, sequence: SyntheticSequence) -> Path:
    """Write ``sequence`` as an official ``annot_data.mat``: MATLAB v7.3 (HDF5 with MATLAB's 512-byte
    header), doubles in MATLAB's axis order as h5py shows them ((T, 1, 17, C) and (1, T))."""
    import h5py

    def add(handle: h5py.File, field: str, values: np.ndarray) -> None:
        dataset = handle.create_dataset(field, data=np.asarray(values, dtype=np.float64))
        dataset.attrs["MATLAB_class"] = np.bytes_("double")

    with atomic_output(path) as temporary:
        with h5py.File(temporary, "w", userblock_size=512) as handle:
            add(handle, "annot2", sequence.annot2[:, None])
            add(handle, "annot3", sequence.annot3[:, None])
            add(handle, "univ_annot3", sequence.univ_annot3[:, None])
            add(handle, "valid_frame", sequence.valid[None].astype(np.float64))
            add(handle, "activity_annotation", sequence.activity[None].astype(np.float64))
        header = _MATLAB_HEADER.ljust(116) + bytes(8) + b"\x00\x02IM"
        with temporary.open("r+b") as stream:
            stream.write(header)
    return Path(path)


def _written_by_synth(path: Path) -> bool:
    with path.open("rb") as stream:
        return stream.read(len(_MATLAB_HEADER)) == _MATLAB_HEADER


def write_synthetic_3dhp(directory: str | Path, frames_per_activity: int = 40, seed: int = 0) -> list[Path]:
    """Write ``directory/TS1..TS6/annot_data.mat``; returns the six paths. An existing annotation file is
    replaced only when this function wrote it (its MATLAB header says so): the official test set is never
    overwritten (OutputError naming the file)."""
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise OutputError(f"{directory} exists and is not a directory; give a directory for the test set")
    for name in SEQUENCES:
        path = directory / name / ANNOTATION_FILE
        if path.exists() and (not path.is_file() or not _written_by_synth(path)):
            raise OutputError(f"{path} exists and was not written by `jointformer synth --layout 3dhp` (the "
                              f"official test set?); it is not overwritten: give another directory")
    return [write_annotation_file(directory / name / ANNOTATION_FILE,
                                  generate_sequence(name, frames_per_activity, seed)) for name in SEQUENCES]
