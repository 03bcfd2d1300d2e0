"""Lifting throughput at batch 1 and 1024: PyTorch (`LiftingModel`) against ONNX Runtime on the CPU.

    python benchmarks/onnx_speed.py [--flip/--no-flip]

Both run the published stage-1 configuration with its normalisation and flip test (random weights: speed
does not depend on them), exported by `jointformer.lift.export.export_onnx`. Prints poses/s (medians).
"""

import argparse
import os
import tempfile
from pathlib import Path

import numpy as np
import torch
from model_speed import median_seconds  # the sibling benchmark's timer (benchmarks/ is on sys.path)

from jointformer.allocator import keep_large_blocks_in_heap
from jointformer.lift.export import export_onnx
from jointformer.lift.lifter import Lifter
from jointformer.models.jointformer import JointFormerConfig, build_model


def rate(function, batch: int, repeats: int) -> float:
    return batch / median_seconds(function, repeats)


def main() -> None:
    import onnxruntime

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-flip", action="store_true")
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    keep_large_blocks_in_heap()
    torch.manual_seed(0)
    lifter = Lifter(build_model(JointFormerConfig()).eval())
    module = lifter.lifting_model(flip_test=not args.no_flip)
    with tempfile.TemporaryDirectory() as directory:
        path = export_onnx(lifter, Path(directory) / "lifter.onnx", flip_test=not args.no_flip)
        session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        print(f"torch {torch.__version__} ({torch.get_num_threads()} threads), onnxruntime "
              f"{onnxruntime.__version__}, flip test {not args.no_flip}, load average "
              f"{os.getloadavg()[0]:.2f}")
        print(f"{'batch':>6} {'PyTorch poses/s':>16} {'ONNX Runtime poses/s':>21}")
        for batch in (1, 1024):
            keypoints = (np.random.default_rng(0).random((batch, 17, 2)) * 400 + 300).astype(np.float32)
            tensor = torch.from_numpy(keypoints)
            repeats = args.repeats * (50 if batch == 1 else 1)
            with torch.no_grad():
                torch_rate = rate(lambda tensor=tensor: module(tensor), batch, repeats)
            onnx_rate = rate(lambda keypoints=keypoints: session.run(None, {"keypoints": keypoints}), batch,
                             repeats)
            print(f"{batch:>6} {torch_rate:>16,.0f} {onnx_rate:>21,.0f}")


if __name__ == "__main__":
    main()
