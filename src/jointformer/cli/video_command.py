"""``jointformer video INPUT``: the command line's video subcommand (its parser and its thin handler).

Kept beside :mod:`jointformer.cli.commands` (which registers it) so that the video pipeline's flags live in
one place.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from jointformer.cli.checks import check_video_outputs, positive_float
from jointformer.cli.lift_flags import (
    add_lifter_flags,
    use_packaged_model_without_checkpoint,
    write_lift_pictures,
)


def add_video_parser(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``video`` on the ``jointformer`` subcommands; returns its parser."""
    video = commands.add_parser("video", help="video file or image folder -> 2D (MediaPipe Pose) -> 3D, BVH")
    video.add_argument("input", help="a video file (anything OpenCV reads) or a folder of images")
    add_lifter_flags(video, scored="landmarks with a visibility")
    video.add_argument("--keypoints-out", dest="keypoints_out", default=None,
                       help="also keep the 2D detections: a COCO-results .json (`jointformer lift` reads it)")
    video.add_argument("--plot", default=None, help="PNG: 2D input and 3D pose for up to 16 frames")
    video.add_argument("--gif", default=None, help="GIF animation of the track")
    video.add_argument("--bvh", default=None, help="BVH motion file for animation tools (Blender, ...)")
    video.add_argument("--smooth", action="store_true", help="One-Euro filter over time (poses and root)")
    video.add_argument("--fps", type=positive_float, default=None,
                       help="frame rate: overrides the video's; a folder of images defaults to 25")
    video.add_argument("--focal-length", dest="focal_length", type=positive_float, default=None, metavar="PX",
                       help="focal length in pixels for the absolute root position (default: a phone's "
                       "26 mm equivalent, 0.60 x the frame diagonal)")
    video.set_defaults(handler=handle_video)
    return video


def handle_video(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    use_packaged_model_without_checkpoint(args)
    check_video_outputs(args)
    from jointformer.lift.bvh import motion_from_poses, write_bvh
    from jointformer.lift.lifter import Lifter
    from jointformer.lift.outputs import write_lift_output
    from jointformer.lift.video import (
        detection_track,
        fill_gaps,
        lift_detections,
        run_detection,
        write_detections,
    )

    lifter = Lifter.from_checkpoint(args.checkpoint, device=args.device, refiner=args.refiner)
    run = run_detection(args.input, fps=args.fps, progress=sys.stderr.isatty())
    start = time.perf_counter()
    result = lift_detections(lifter, run, focal_length=args.focal_length, flip_test=not args.no_flip,
                             min_score=args.min_score, allow_missing=args.allow_missing, smooth=args.smooth)
    lift_seconds = time.perf_counter() - start
    motion = None
    if args.bvh:  # solved before anything is written, so a failure leaves no partial outputs
        indices = np.flatnonzero(run.found)
        _, poses = fill_gaps(indices, result.poses_3d)
        _, roots = fill_gaps(indices, result.root_position)
        motion = motion_from_poses(poses, result.fps, roots)
    frames, total = len(result), result.frame_count
    gaps = [frame for frame, present in zip(run.frame_ids(), run.found, strict=True) if not present]
    metadata = {"checkpoint": args.checkpoint, "refiner": args.refiner, "layout": "mediapipe33",
                "detector": "MediaPipe Pose 0.10.14 (legacy solutions API, full model), one person",
                "input": args.input, "fps": result.fps, "image_size": list(result.image_size),
                "frame_count": total, "gaps": gaps, "focal_length_px": round(result.focal_length, 3),
                "focal_length_source": result.focal_length_source, "normalization": "extent",
                "flip_test": not args.no_flip, "min_score": args.min_score, "smoothed": bool(args.smooth),
                "root_position": "pelvis, metres, camera frame (x right, y down, z forward)",
                "pose_3d_camera": "root_position + pose_3d, metres, camera frame",
                "input_stats_source": lifter.input_stats.source or "checkpoint"}
    track = detection_track(run)
    path = write_lift_output(args.out, [track], [result], metadata,
                             per_frame={"root_position": result.root_position,
                                        "pose_3d_camera": result.pose_3d_camera})
    print(f"==> {frames} of {total} frames with a person ({len(gaps)} gap frames) written to {path}")
    if args.keypoints_out:
        print(f"==> 2D detections: {write_detections(args.keypoints_out, run)}")
    if motion is not None:
        print(f"==> BVH: {write_bvh(args.bvh, motion)} ({len(motion.root_positions)} frames)")
    args.fps = result.fps
    write_lift_pictures(args, [track], [result])
    print(f"==> throughput: detection {total} frames in {run.seconds:.2f} s ({total / run.seconds:.1f} "
          f"frames/s, decoding included); lifting {frames} frames in {lift_seconds:.2f} s "
          f"({frames / max(lift_seconds, 1e-9):.1f} frames/s)")
    return 0
