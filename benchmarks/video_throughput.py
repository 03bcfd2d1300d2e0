"""Throughput of ``jointformer video``: MediaPipe Pose detection (decoding included) and lifting, frames/s.

Measured on the Pose2Sim 0.10.49 demo videos (4 cameras, 100 frames each, 1080 x 1920 portrait, 60 fps):

    pip download --no-deps -d /tmp/p2s pose2sim==0.10.49
    unzip -q /tmp/p2s/pose2sim-0.10.49-py3-none-any.whl "Pose2Sim/Demo_SinglePerson/videos/*" -d /tmp/p2s
    python benchmarks/video_throughput.py /tmp/p2s/Pose2Sim/Demo_SinglePerson/videos/cam0*.mp4 \\
        --checkpoint runs/demo/<run>/stage1/ckpt_best.pth.tar

Needs the ``video`` extra. Prints one line per video and the totals; each figure is one run (the detector is
built once per video, outside the timed loop; the lifter once).
"""

from __future__ import annotations

import argparse
import time

from jointformer.lift.lifter import Lifter
from jointformer.lift.video import MediaPipePoseDetector, lift_detections, run_detection


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("videos", nargs="+", help="video files")
    parser.add_argument("--checkpoint", required=True, help="stage-1 checkpoint")
    args = parser.parse_args()
    lifter = Lifter.from_checkpoint(args.checkpoint, device="cpu")
    totals = {"frames": 0, "found": 0, "detect_s": 0.0, "lift_s": 0.0}
    print("video | frames | with a person | detection frames/s | lifting frames/s")
    for path in args.videos:
        detector = MediaPipePoseDetector()
        run = run_detection(path, detector=detector)
        detector.close()
        start = time.perf_counter()
        result = lift_detections(lifter, run)
        lift_seconds = time.perf_counter() - start
        frames = len(run.found)
        print(f"{path} | {frames} | {len(result)} | {frames / run.seconds:.1f} | "
              f"{len(result) / lift_seconds:.1f}")
        for key, value in (("frames", frames), ("found", len(result)), ("detect_s", run.seconds),
                           ("lift_s", lift_seconds)):
            totals[key] += value
    print(f"all | {totals['frames']} | {totals['found']} | {totals['frames'] / totals['detect_s']:.1f} | "
          f"{totals['found'] / totals['lift_s']:.1f}")


if __name__ == "__main__":
    main()
