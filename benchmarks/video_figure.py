"""The README's video figure: frames of a video with MediaPipe's landmarks, and where ``jointformer video``
places the person (the pelvis' camera-frame position over time, seen from above and as depth).

    python benchmarks/video_figure.py VIDEO POSES.json docs/video_cam01.png

POSES.json is the ``--out`` of ``jointformer video VIDEO ... --keypoints-out`` run with the same frames;
needs the ``video`` extra (OpenCV) and matplotlib.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from jointformer.data.skeleton import SKELETON17
from jointformer.lift.video import open_frames


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("video")
    parser.add_argument("poses", help="jointformer video --out .json")
    parser.add_argument("figure", help="output .png")
    args = parser.parse_args()
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    document = json.loads(Path(args.poses).read_text(encoding="utf-8"))
    frames = document["tracks"][0]["frames"]
    ids = [frame["frame_id"] for frame in frames]
    root = np.array([frame["root_position"] for frame in frames])
    camera = np.array([frame["pose_3d_camera"] for frame in frames])
    focal = document["focal_length_px"]
    width, height = document["image_size"]
    shown = [ids[int(index)] for index in np.linspace(0, len(ids) - 1, 3)]
    images = {index: image for index, image in enumerate(open_frames(args.video).frames()) if index in shown}
    figure, axes = plt.subplots(1, 5, figsize=(15, 4.2), gridspec_kw={"width_ratios": [1, 1, 1, 1.6, 1.6]})
    for axis, frame_id in zip(axes[:3], shown, strict=True):
        pose = camera[ids.index(frame_id)]
        pixels = pose[:, :2] / pose[:, 2:] * focal + [width / 2, height / 2]  # the 3D, reprojected
        axis.imshow(images[frame_id])
        for child, parent in SKELETON17.bones():
            axis.plot(*pixels[[child, parent]].T, color="#e8453c", linewidth=1.5)
        axis.set_title(f"frame {frame_id}: 3D reprojected", fontsize=9)
        axis.axis("off")
    times = np.array(ids) / document["fps"]
    axes[3].plot(root[:, 0], root[:, 2], color="#1f77b4")
    axes[3].scatter(root[[0, -1], 0], root[[0, -1], 2], color=["green", "red"], zorder=3)
    axes[3].set(xlabel="x (m, right)", ylabel="z (m, depth)", title="pelvis seen from above (start green)")
    axes[3].set_aspect("equal", adjustable="datalim")
    axes[4].plot(times, root[:, 2], label="pelvis depth z")
    axes[4].plot(times, root[:, 0], label="pelvis x")
    axes[4].set(xlabel="time (s)", ylabel="metres, camera frame",
                title=f"focal length {focal:.0f} px ({document['focal_length_source'].split(':')[0]})")
    axes[4].legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(args.figure, dpi=80)
    print(f"==> {args.figure}")


if __name__ == "__main__":
    main()
