"""Lifting throughput as a user meets it: `jointformer lift` on a COCO results file, and one pose at a time.

    python benchmarks/lift_speed.py [--poses 100000] [--latency-calls 2000] [--src DIR]

The published stage-1 model (random weights: speed does not depend on them) is saved as a checkpoint with
input statistics. The same poses are written as three COCO results files: one track (a `track_id`),
independent images (no track id, two people per image, as a photo collection or a crowd data set) and
1,000 tracks of 100 frames (`--poses` / 1,000 each). Each file is lifted by `python -m jointformer.cli lift`
to JSON in a fresh process; printed: wall seconds, poses/s and the process's peak RSS. Then batch-1 latency:
`Lifter.lift` on one pose per call, PyTorch only and as shipped (ONNX Runtime for small batches once
warm, where installed), and the exported model's session alone; median and 99th percentile per call.
`--src DIR` lifts with another copy of the package (e.g. an older commit's `src`) in the subprocesses, for a
before/after ratio in one run.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from jointformer.checkpoint import save_checkpoint
from jointformer.comparison import call_seconds
from jointformer.data.input_stats import default_input_stats
from jointformer.lift.lifter import Lifter
from jointformer.models.jointformer import JointFormerConfig, build_model


def coco_entries(poses: np.ndarray, layout: str) -> list[dict]:
    """COCO results entries for (N, 17, 3) COCO-layout poses (x, y pixels, score) under ``layout``:
    "track" (one track), "images" (two people per image, no track id), "tracks" (tracks of 100 frames)."""
    entries = []
    for index, pose in enumerate(poses):
        entry = {"image_id": index, "category_id": 1, "score": 0.9,
                 "keypoints": pose.ravel().round(2).tolist()}
        if layout == "track":
            entry["track_id"] = 1
        elif layout == "images":
            entry["image_id"] = index // 2
        else:
            entry["track_id"], entry["image_id"] = index // 100, index % 100
        entries.append(entry)
    return entries


def random_coco_poses(count: int) -> np.ndarray:
    """(count, 17, 3): a plausible standing person (pixels, 1000 x 1000 image) with jitter, scores 0.9."""
    rng = np.random.default_rng(0)
    base = np.array([[500, 200], [490, 190], [510, 190], [480, 195], [520, 195], [460, 260], [540, 260],
                     [440, 340], [560, 340], [430, 410], [570, 410], [475, 420], [525, 420], [470, 540],
                     [530, 540], [465, 650], [535, 650]], dtype=np.float64)
    points = base + rng.normal(scale=8.0, size=(count, 17, 2))
    return np.concatenate([points, np.full((count, 17, 1), 0.9)], axis=-1)


def run_lift(source: Path, checkpoint: Path, out: Path, src: str | None) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one `jointformer lift` process."""
    environment = dict(os.environ)
    if src:
        environment["PYTHONPATH"] = src
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "jointformer.cli", "lift", str(source), "--checkpoint",
                                str(checkpoint), "--out", str(out)], env=environment,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"lift failed on {source}: {process.stderr.read().decode()[-2000:]}")
    return seconds, usage.ru_maxrss / 1024.0  # Linux reports kilobytes


def latency(function, calls: int) -> tuple[float, float]:
    """Median and 99th percentile seconds of ``calls`` calls (after 100 warm-up calls: a Lifter switches to
    ONNX Runtime after its 50th small call)."""
    times = call_seconds(function, calls, warmup=100)
    return float(np.median(times)), float(np.percentile(times, 99))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--poses", type=int, default=100_000)
    parser.add_argument("--latency-calls", type=int, default=2000)
    parser.add_argument("--src", default=None, help="PYTHONPATH for the lift subprocesses")
    args = parser.parse_args()
    torch.manual_seed(0)
    model = build_model(JointFormerConfig()).eval()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), load average "
          f"{os.getloadavg()[0]:.2f}, {args.poses:,} poses, lifting with {args.src or 'this package'}")
    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory)
        checkpoint = save_checkpoint(folder / "stage1.pth.tar", state_dict=model.state_dict(),
                                     config=model.config,
                                     extra={"input_stats": default_input_stats().to_dict()})
        poses = random_coco_poses(args.poses)
        print(f"{'input':<34} {'seconds':>8} {'poses/s':>9} {'peak RSS MiB':>13}")
        for layout, label in (("track", "one track"), ("images", "independent images (2 per image)"),
                              ("tracks", f"{args.poses // 100:,} tracks of 100")):
            source = folder / f"{layout}.json"
            source.write_text(json.dumps(coco_entries(poses, layout)))
            seconds, peak = run_lift(source, checkpoint, folder / "out.json", args.src)
            print(f"{label:<34} {seconds:>8.1f} {args.poses / seconds:>9,.0f} {peak:>13,.0f}")
        one = poses[0, :, :2]
        stats = default_input_stats()
        for label, lifter in (("PyTorch only", Lifter(model, stats, onnx_after_calls=math.inf)),
                              ("as shipped", Lifter(model, stats))):
            median, p99 = latency(lambda lifter=lifter: lifter.lift(one, layout="coco"), args.latency_calls)
            backend = "ONNX Runtime" if any(lifter._onnx_sessions.values()) else "PyTorch"
            print(f"batch 1, Lifter.lift {label} ({backend}): median {median * 1e3:.2f} ms "
                  f"({1 / median:,.0f} poses/s), p99 {p99 * 1e3:.2f} ms")
        try:
            import onnxruntime
        except ImportError:
            print("batch 1, ONNX Runtime: not installed")
            return
        from jointformer.lift.export import export_onnx
        from jointformer.lift.layouts import to_h36m

        path = export_onnx(lifter, folder / "lifter.onnx")
        session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        keypoints = to_h36m(one, "coco")[0][None].astype(np.float32)
        median, p99 = latency(lambda: session.run(None, {"keypoints": keypoints}), args.latency_calls)
        print(f"batch 1, ONNX Runtime session.run alone: median {median * 1e3:.2f} ms ({1 / median:,.0f} "
              f"poses/s), p99 {p99 * 1e3:.2f} ms")


if __name__ == "__main__":
    main()
