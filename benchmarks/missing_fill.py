"""How well ``--allow-missing`` places a missing joint: one joint hidden at a time, on the embedded test set.

    python benchmarks/missing_fill.py --checkpoint CKPT [--data-dir data/synthetic] [--poses 1000]

For every chosen test pose (pixels of its own camera, detector-like 2D file) and every joint, the joint is
hidden, filled, and the filled pose lifted. Printed per method: the median and mean pixel distance of the
filled joint from where it was, and the mean displacement (mm) of the *other* joints' lifted 3D from the
lift of the complete pose. Methods: the pose templates aligned by a 2D similarity transform (the package's
``fill_from_templates``), and, as the baseline it replaced, the mean training pose fitted by scale and
translation (the mean pose's x collapses to the midline: it is averaged over cameras that see people from
every side).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import numpy as np
import torch

from jointformer.data.camera import h36m_cameras, image_coordinates
from jointformer.data.h36m import load_pose_sets
from jointformer.demo import ensure_dataset
from jointformer.lift.lifter import Lifter, fill_from_templates


def mean_pose_fill(points: np.ndarray, valid: np.ndarray, mean_pose: np.ndarray) -> np.ndarray:
    """The baseline: missing joints from the mean pose (17, 2) fitted to the present ones by a uniform scale
    and a translation (least squares). points (N, 17, 2) pixels, valid (N, 17) bool."""
    filled = points.copy()
    for index in np.flatnonzero(~valid.all(axis=1)):
        present = valid[index]
        source = mean_pose[present] - mean_pose[present].mean(axis=0)
        goal = points[index, present] - points[index, present].mean(axis=0)
        scale = float((source * goal).sum() / max((source * source).sum(), 1e-12))
        placed = (mean_pose - mean_pose[present].mean(axis=0)) * scale + points[index, present].mean(axis=0)
        filled[index, ~present] = placed[~present]
    return filled


def measure(lifter: Lifter, pixels: np.ndarray) -> dict[str, dict[str, float]]:
    """pixels: (N, 17, 2) complete poses in pixels, Human3.6M order. Returns per method the filled joint's
    median and mean pixel error and the other joints' mean 3D displacement in mm."""
    methods: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
        "templates (similarity)": lambda points, valid: fill_from_templates(points, valid,
                                                                            lifter.pose_templates_2d),
        "mean pose (scale + translation)": lambda points, valid: mean_pose_fill(
            points, valid, np.asarray(lifter.input_stats.mean_pose_2d, dtype=np.float64)),
    }
    complete = lifter.lift(pixels, layout="h36m", sequence=False).poses_3d
    figures = {}
    for name, fill in methods.items():
        pixel_errors, moved = [], []
        for joint in range(17):
            valid = np.ones(pixels.shape[:2], dtype=bool)
            valid[:, joint] = False
            filled = fill(pixels, valid)
            pixel_errors.append(np.linalg.norm(filled[:, joint] - pixels[:, joint], axis=-1))
            lifted = lifter.lift(filled, layout="h36m", sequence=False).poses_3d
            others = np.arange(17) != joint
            moved.append(np.linalg.norm(lifted[:, others] - complete[:, others], axis=-1).mean(axis=1))
        errors = np.concatenate(pixel_errors)
        figures[name] = {"median_px": float(np.median(errors)), "mean_px": float(errors.mean()),
                         "others_moved_mm": float(np.concatenate(moved).mean() * 1000.0)}
    return figures


def embedded_test_pixels(data_dir: str, keypoints: str, count: int) -> np.ndarray:
    """(count, 17, 2) pixels: evenly spaced test poses of the 2D file, each in its camera's image."""
    _, test_set = load_pose_sets(data_dir, keypoints)
    chosen = torch.linspace(0, len(test_set) - 1, count).long()
    inputs = test_set.inputs_2d[chosen].double().numpy()
    cameras = h36m_cameras("S9")  # in CAMERA_ORDER; the test subjects' cameras share their resolutions
    pixels = np.empty_like(inputs)
    for row, camera_index in enumerate(test_set.camera[chosen].tolist()):
        camera = cameras[camera_index]
        pixels[row] = image_coordinates(inputs[row], camera.res_w, camera.res_h)
    return pixels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", required=True, help="stage-1 checkpoint to lift with")
    parser.add_argument("--data-dir", default="data/synthetic")
    parser.add_argument("--keypoints", default="cpn_ft_h36m_dbb")
    parser.add_argument("--poses", type=int, default=1000)
    args = parser.parse_args()
    ensure_dataset(args.data_dir, args.keypoints, seed=0)
    lifter = Lifter.from_checkpoint(args.checkpoint, device="cpu")
    figures = measure(lifter, embedded_test_pixels(args.data_dir, args.keypoints, args.poses))
    for name, values in figures.items():
        print(f"{name:32s} filled joint: median {values['median_px']:.2f} px, mean "
              f"{values['mean_px']:.2f} px; other joints' 3D moved {values['others_moved_mm']:.2f} mm")
    new, old = figures.values()
    print(f"ratio templates / mean pose: median pixel error {new['median_px'] / old['median_px']:.3f}, "
          f"3D movement of the other joints {new['others_moved_mm'] / old['others_moved_mm']:.3f}")


if __name__ == "__main__":
    main()
