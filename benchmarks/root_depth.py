"""Absolute root depth on the embedded data's test subjects (S9, S11) with the published cameras' real focal
lengths and principal points: median |estimated - true| pelvis depth, in mm.

    python benchmarks/root_depth.py                                  # ground-truth relative poses
    python benchmarks/root_depth.py --checkpoint CKPT                # poses lifted from detector-like 2D

Without ``--checkpoint`` the relative 3D pose is the true one and the 2D the exact projection (lens
distortion included): the error of the weak-perspective geometry alone. With it, the 2D keypoints are the
embedded data set's detector-like ones (jitter, gross errors, left/right swaps) and the relative pose is what
the model lifts from them: the error a user sees with a perfect focal length.
"""

from __future__ import annotations

import argparse

import numpy as np

from jointformer.data.camera import h36m_cameras, project_to_pixels, world_to_camera
from jointformer.data.skeleton import ACTIONS, TEST_SUBJECTS, reduce_to_17
from jointformer.data.synthetic import SyntheticConfig, add_detector_noise, generate_positions_3d
from jointformer.lift.lifter import Lifter
from jointformer.lift.root_position import estimate_root_position
from jointformer.metrics import MM_PER_M


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", default=None, help="lift the relative poses with this checkpoint")
    parser.add_argument("--seed", type=int, default=0, help="embedded data set seed (default 0)")
    args = parser.parse_args()
    config = SyntheticConfig(seed=args.seed, subjects=tuple(TEST_SUBJECTS), actions=tuple(ACTIONS))
    world = generate_positions_3d(config)
    lifter = None if args.checkpoint is None else Lifter.from_checkpoint(args.checkpoint, device="cpu")
    exact = {subject: {action: [project_to_pixels(world_to_camera(reduce_to_17(positions.astype(np.float64)),
                                                                  camera), camera)
                                for camera in h36m_cameras(subject)]
                       for action, positions in actions.items()} for subject, actions in world.items()}
    noisy = add_detector_noise(exact, np.random.default_rng(args.seed)) if lifter else exact
    errors, depths = [], []
    for subject, actions in world.items():
        for action, positions in actions.items():
            for index, camera in enumerate(h36m_cameras(subject)):
                truth = world_to_camera(reduce_to_17(positions.astype(np.float64)), camera)
                pixels = np.asarray(noisy[subject][action][index][:len(truth)], dtype=np.float64)
                relative = truth - truth[:, :1]
                if lifter is not None:
                    relative = lifter.lift(pixels, layout="h36m", sequence=True).poses_3d
                root = estimate_root_position(pixels, relative, camera.focal_length[0], camera.center)
                errors.append(np.abs(root[:, 2] - truth[:, 0, 2]))
                depths.append(truth[:, 0, 2])
    errors_mm = np.concatenate(errors) * MM_PER_M
    source = f"lifted by {args.checkpoint} from detector-like 2D" if lifter else "ground truth, exact 2D"
    print(f"relative poses: {source}; {len(errors_mm)} poses (S9, S11, 15 actions, 2 trials, 4 cameras)")
    print(f"root depth error: median {np.median(errors_mm):.0f} mm, mean {errors_mm.mean():.0f} mm, "
          f"95th percentile {np.percentile(errors_mm, 95):.0f} mm; true depth median "
          f"{np.median(np.concatenate(depths)) * MM_PER_M:.0f} mm")


if __name__ == "__main__":
    main()
