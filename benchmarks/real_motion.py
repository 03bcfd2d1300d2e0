"""Lifting real human motion: CMU optical mocap (subjects 02 and 03, validation only), Protocol #2.

    python benchmarks/real_motion.py --cmu ../shared/realdata/cmu --model packaged \
        --model demo=runs/demo/<run>/stage1/ckpt_best.pth.tar

Every clip (ASF/AMC, 120 fps; :func:`jointformer.data.mocap_files.read_asf_amc_h36m`, which documents the
joint mapping) is cut into 5 s windows at 30 fps (every 4th frame; a shorter tail is dropped). Each window
is stood in the middle of the Human3.6M capture area and seen by

- the four published cameras of test subject S9 (exact 2D, lens distortion included), and
- one virtual camera per window drawn like the in-the-wild training cameras
  (:func:`jointformer.data.wild.draw_camera`, exact 2D, frames with every joint in the image).

Each model lifts each window's 2D track from pixels (``Lifter.lift``, layout h36m, sequence mode, default
"extent" normalisation, flip test). Figures: Protocol #2 (P-MPJPE, mm) over all poses, next to the
baseline of predicting the embedded data set's mean training pose (root-relative, camera frame) for every
pose, and the ratio. The mocap never enters training (``tools/train_wild.py`` reads only the BVH clips of
other subjects).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
import torch

from jointformer.data.camera import h36m_cameras, project_to_pixels, world_to_camera
from jointformer.data.h36m import load_pose_sets
from jointformer.data.mocap_files import read_asf_amc_h36m
from jointformer.data.synthetic import SyntheticConfig, write_synthetic_dataset
from jointformer.data.wild import draw_camera, in_frame
from jointformer.lift.lifter import Lifter
from jointformer.metrics import MM_PER_M, p_mpjpe

WINDOW_SECONDS = 5.0
FPS = 30.0
SOURCE_FPS = 120.0
CAPTURE_CENTRE = np.array([0.25, 0.55])  # metres, floor: the middle of the area all four S9 cameras see


def windows(cmu: Path) -> list[tuple[str, np.ndarray]]:
    """(clip name, (150, 17, 3) metres world z up) for every 5 s window at 30 fps of every clip."""
    length = int(WINDOW_SECONDS * FPS)
    step = int(SOURCE_FPS / FPS)
    found = []
    for subject in sorted(path for path in cmu.iterdir() if path.is_dir()):
        skeleton = subject / f"{subject.name}.asf"
        for motion in sorted(subject.glob("*.amc")):
            positions, _fps = read_asf_amc_h36m(skeleton, motion)
            positions = positions[::step]
            for start in range(0, len(positions) - length + 1, length):
                window = positions[start:start + length].copy()
                track = window[:, 0, :2]
                window[..., :2] += CAPTURE_CENTRE - (track.min(axis=0) + track.max(axis=0)) / 2.0
                found.append((motion.stem, window))
    return found


def published_views(window: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """(pixels (T, 17, 2), targets (T, 17, 3) metres camera frame root-relative) per S9 camera."""
    views = []
    for camera in h36m_cameras("S9"):
        points = world_to_camera(window, camera)
        views.append((project_to_pixels(points, camera), points - points[:, :1]))
    return views


def virtual_view(window: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray] | None:
    """One drawn camera (up to 5 draws until 10 frames are in view): (pixels, targets) of the frames with
    every joint in the image, or None."""
    for _attempt in range(5):
        camera = draw_camera(window[:, 0].mean(axis=0), rng)
        points = camera.to_camera(window)
        pixels = camera.project(np.where(points[..., 2:3] > 1e-3, points, 1e-3))
        visible = in_frame(pixels, points[..., 2], camera)
        if visible.sum() >= 10:
            return pixels[visible], (points - points[:, :1])[visible]
    return None


def mean_training_pose() -> torch.Tensor:
    """(1, 17, 3) metres: the embedded data set's mean training pose (camera frame, root-relative)."""
    with tempfile.TemporaryDirectory() as directory:
        write_synthetic_dataset(directory, SyntheticConfig())
        train_set, _test = load_pose_sets(directory, "gt")
    return train_set.targets_3d.double().mean(dim=0, keepdim=True)


def lifters(specs: list[str]) -> dict[str, Lifter]:
    """``packaged`` or ``name=checkpoint`` -> named CPU lifters."""
    found = {}
    for spec in specs:
        name, _, path = spec.partition("=")
        found[name] = Lifter.pretrained(device="cpu") if spec == "packaged" else Lifter.from_checkpoint(
            path, device="cpu")
    return found


def protocol2_mm(predicted: np.ndarray | torch.Tensor, target: np.ndarray) -> np.ndarray:
    """(N,) P-MPJPE per pose, mm."""
    predicted = torch.as_tensor(predicted, dtype=torch.float64)
    return p_mpjpe(predicted, torch.as_tensor(target, dtype=torch.float64)).numpy() * MM_PER_M


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cmu", type=Path, default=Path("../shared/realdata/cmu"),
                        help="folder of subject folders NN/ with NN.asf and NN_*.amc")
    parser.add_argument("--model", action="append", default=[], help="'packaged' or NAME=CHECKPOINT")
    parser.add_argument("--seed", type=int, default=0, help="seed of the virtual cameras")
    args = parser.parse_args(argv)
    if not args.cmu.is_dir():
        parser.error(f"--cmu {args.cmu}: no such folder (the CMU subjects 02 and 03 in ASF/AMC)")
    models = lifters(args.model or ["packaged"])
    mean_pose = mean_training_pose()
    rng = np.random.default_rng(args.seed)
    cut = windows(args.cmu)
    errors: dict[str, dict[str, list[np.ndarray]]] = {name: {"published": [], "virtual": []}
                                                      for name in [*models, "mean pose"]}
    for _clip, window in cut:
        views = {"published": published_views(window), "virtual": [view] if (
            view := virtual_view(window, rng)) is not None else []}
        for kind, pairs in views.items():
            for pixels, targets in pairs:
                for name, lifter in models.items():
                    lifted = lifter.lift(pixels, layout="h36m", sequence=True)
                    errors[name][kind].append(protocol2_mm(lifted.poses_3d, targets))
                errors["mean pose"][kind].append(
                    protocol2_mm(mean_pose.expand(len(targets), -1, -1), targets))
    poses = {kind: sum(len(part) for part in errors["mean pose"][kind]) for kind in ("published", "virtual")}
    print(f"==> {len(cut)} windows of {WINDOW_SECONDS:.0f} s at {FPS:.0f} fps from {args.cmu}; "
          f"{poses['published']} poses through the 4 published S9 cameras, {poses['virtual']} through "
          f"drawn virtual cameras (seed {args.seed})")
    baseline = {kind: float(np.concatenate(errors["mean pose"][kind]).mean()) for kind in poses}
    print("| model | Protocol #2, published cameras (mm) | / mean pose | Protocol #2, virtual cameras (mm) "
          "| / mean pose |")
    print("|---|---|---|---|---|")
    for name, kinds in errors.items():
        cells = []
        for kind in ("published", "virtual"):
            value = float(np.concatenate(kinds[kind]).mean())
            cells += [f"{value:.1f}", f"{value / baseline[kind]:.0%}"]
        print(f"| {name} | {' | '.join(cells)} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
