"""Loading benchmark: a data set of Human3.6M's size in the VideoPose3D layout, read by ``load_pose_sets``.

    python benchmarks/data_load.py [--out DIR] [--keypoints NAME] [--seed N] [--reuse]

Writes ``data_3d_h36m.npz`` and ``data_2d_h36m_<keypoints>.npz`` (compressed, as VideoPose3D's scripts
write them) into a temporary directory or ``--out DIR``, then times ``load_pose_sets(DIR, keypoints)`` and
prints the wall time, the pose counts, the train tensors' size and the process's peak resident memory,
with pass/fail against the targets (load < 30 s, train tensors < 1 GB = 1e9 bytes). Exit status 1 when a
target is missed.

The data are random but plausible: each sequence is a person-sized cloud of 32 joints around a point inside
the capture volume (metres, world frame), so every camera sees it in front of it. The 2D keypoints are not
a projection (the reader does not check that; ``summarize_dataset`` would): they are a pose-sized cloud of
pixels around the image centre, with the right shapes. As in the detector files, the 2D sequences run a few
frames longer than the mocap, and subject S2 has 2D only. The files are written by a child process, so the
peak memory reported is that of loading alone (plus the imports).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from jointformer.data.camera import CAMERA_ORDER
from jointformer.data.h36m import data_paths, load_pose_sets
from jointformer.data.skeleton import ACTIONS, SKELETON17, TEST_SUBJECTS, TRAIN_SUBJECTS

TRAIN_POSES = 1_559_752  # 2D poses (frames x 4 cameras) of Human3.6M's train split, S1 S5 S6 S7 S8
TEST_POSES = 543_344  # and of its test split, S9 S11
TARGET_SECONDS = 30.0
TARGET_TRAIN_BYTES = 1e9
EXTRA_2D_FRAMES = 3  # detector files run a few frames past the mocap
NUM_CAMERAS = len(CAMERA_ORDER)
# Human3.6M spells two actions differently for S1; the reader maps them onto ACTIONS.
S1_SPELLINGS = {"Photo": "TakingPhoto", "WalkDog": "WalkingDog"}


def action_keys(subject: str) -> list[str]:
    """Two trials of each of the 15 actions, named as in the published files ("Walking", "Walking 1")."""
    names = [S1_SPELLINGS.get(action, action) if subject == "S1" else action for action in ACTIONS]
    return [key for name in names for key in (name, f"{name} 1")]


def frame_counts(total_poses: int, subjects: tuple[str, ...]) -> dict[str, dict[str, int]]:
    """subject -> action key -> mocap frames, spread evenly so that 4 cameras x frames = total_poses."""
    keys = {subject: action_keys(subject) for subject in subjects}
    sequences = sum(len(subject_keys) for subject_keys in keys.values())
    frames, remainder = divmod(total_poses // NUM_CAMERAS, sequences)
    counts, index = {}, 0
    for subject, subject_keys in keys.items():
        counts[subject] = {}
        for key in subject_keys:
            counts[subject][key] = frames + (1 if index < remainder else 0)
            index += 1
    return counts


def mocap(rng: np.random.Generator, frames: int) -> np.ndarray:
    """(frames, 32, 3) float32 metres, world frame: a person-sized cloud inside the capture volume."""
    centre = rng.uniform([-1.0, -1.0, 0.8], [1.0, 1.0, 1.0]).astype(np.float32)
    cloud = rng.standard_normal((frames, 32, 3), dtype=np.float32)
    cloud *= np.float32(0.25)
    cloud += centre
    return cloud


def keypoints_2d(rng: np.random.Generator, frames: int) -> list[np.ndarray]:
    """4 x (frames, 17, 2) float32 pixels: a pose-sized cloud around the image centre, one per camera."""
    views = []
    for _ in range(NUM_CAMERAS):
        view = rng.standard_normal((frames, SKELETON17.num_joints, 2), dtype=np.float32)
        view *= np.float32(60.0)
        view += np.float32(500.0)
        views.append(view)
    return views


def save_npz_atomically(path: Path, **arrays: object) -> None:
    """np.savez_compressed into a temporary file beside ``path``, then rename it into place."""
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", suffix=".npz",
                                     delete=False) as handle:
        temporary = Path(handle.name)
        try:
            np.savez_compressed(handle, **arrays)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
    os.replace(temporary, path)


def write_dataset(directory: Path, keypoints: str, seed: int) -> None:
    """Write the two files of a Human3.6M-sized data set into ``directory``."""
    rng = np.random.default_rng(seed)
    counts = frame_counts(TRAIN_POSES, TRAIN_SUBJECTS) | frame_counts(TEST_POSES, TEST_SUBJECTS)
    positions_3d: dict[str, dict[str, np.ndarray]] = {}
    positions_2d: dict[str, dict[str, list[np.ndarray]]] = {}
    for subject, actions in counts.items():
        positions_3d[subject] = {key: mocap(rng, frames) for key, frames in actions.items()}
        positions_2d[subject] = {key: keypoints_2d(rng, frames + EXTRA_2D_FRAMES)
                                 for key, frames in actions.items()}
    s2_frames = next(iter(counts["S1"].values()))
    positions_2d["S2"] = {key: keypoints_2d(rng, s2_frames) for key in action_keys("S2")}
    metadata = {"num_joints": SKELETON17.num_joints, "layout_name": "h36m",
                "keypoints_symmetry": [list(SKELETON17.joints_left), list(SKELETON17.joints_right)]}
    path_3d, path_2d = data_paths(directory, keypoints)
    save_npz_atomically(path_3d, positions_3d=positions_3d)
    del positions_3d
    save_npz_atomically(path_2d, positions_2d=positions_2d, metadata=metadata)


def peak_rss_bytes() -> int:
    """Peak resident memory of this process so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def benchmark(directory: Path, keypoints: str) -> bool:
    """Time one load of ``directory``, print the figures and whether the targets are met."""
    rss_before = peak_rss_bytes()
    start = time.perf_counter()
    train, test = load_pose_sets(directory, keypoints)
    seconds = time.perf_counter() - start
    train_bytes = train.nbytes()
    time_ok, size_ok = seconds < TARGET_SECONDS, train_bytes < TARGET_TRAIN_BYTES
    print(f"load_pose_sets({str(directory)!r}, {keypoints!r})")
    print(f"  wall time:          {seconds:.2f} s  "
          f"[{'pass' if time_ok else 'FAIL'}: < {TARGET_SECONDS:.0f} s]")
    print(f"  train poses:        {len(train):,} (Human3.6M: {TRAIN_POSES:,})")
    print(f"  test poses:         {len(test):,} (Human3.6M: {TEST_POSES:,})")
    print(f"  train tensors:      {train_bytes / 1e6:.1f} MB  "
          f"[{'pass' if size_ok else 'FAIL'}: < {TARGET_TRAIN_BYTES / 1e6:.0f} MB]")
    print(f"  test tensors:       {test.nbytes() / 1e6:.1f} MB")
    print(f"  peak RSS:           {peak_rss_bytes() / 1e6:.0f} MB (before loading, after imports: "
          f"{rss_before / 1e6:.0f} MB)")
    return time_ok and size_ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="write the data set here (default: a temporary directory)")
    parser.add_argument("--keypoints", default="benchmark", help="2D file name: data_2d_h36m_<keypoints>.npz")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--reuse", action="store_true", help="load the files already in --out, write nothing")
    args = parser.parse_args(argv)
    if args.reuse and args.out is None:
        parser.error("--reuse needs --out DIR")
    with tempfile.TemporaryDirectory(prefix="jointformer-bench-") as scratch:
        directory = args.out if args.out is not None else Path(scratch)
        if not args.reuse:
            directory.mkdir(parents=True, exist_ok=True)
            start = time.perf_counter()
            # A child process writes the files, so this process's peak memory is that of loading.
            writer = multiprocessing.get_context("spawn").Process(
                target=write_dataset, args=(directory, args.keypoints, args.seed))
            writer.start()
            writer.join()
            if writer.exitcode != 0:
                print(f"writing the data set failed (exit status {writer.exitcode})", file=sys.stderr)
                return 1
            sizes = sum(path.stat().st_size for path in data_paths(directory, args.keypoints))
            print(f"wrote {directory} ({sizes / 1e6:.0f} MB) in {time.perf_counter() - start:.1f} s")
        return 0 if benchmark(directory, args.keypoints) else 1


if __name__ == "__main__":
    sys.exit(main())
