"""Does chunked CPU inference pay? Batch-1024 forward of the published stage 1 at several chunk budgets.

    python benchmarks/inference_chunks.py [--default-allocator] [--rounds N]

``jointformer.models.inference.predict`` runs no-grad CPU batches in chunks whose feed-forward activation
fits ``jointformer.models.inference.INFERENCE_CHUNK_BYTES`` (8.5 MiB). This script sets that budget to each
of whole batch, 4.25, 8.5 and 17 MiB in turn and times one batch-1024 prediction per budget and precision
(float32, bfloat16 autocast), round after round, so that every budget sees the same machine load; it prints
the median samples/s of each over the rounds. By default glibc is tuned as the command line tunes it
(``jointformer.allocator``); ``--default-allocator`` leaves glibc's settings alone, as in a Python session
that only imports the model.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from jointformer.allocator import keep_large_blocks_in_heap
from jointformer.models import inference
from jointformer.models.jointformer import JointFormerConfig, build_model

BATCH = 1024
BUDGETS = {"whole batch": None, "4.25 MiB": 17 << 18, "8.5 MiB (default)": 17 << 19, "17 MiB": 17 << 20}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--default-allocator", action="store_true",
                        help="leave glibc's allocator settings alone (the package's commands tune them)")
    parser.add_argument("--rounds", type=int, default=12, help="timed rounds (median reported)")
    args = parser.parse_args(argv)
    tuned = False if args.default_allocator else keep_large_blocks_in_heap()
    torch.manual_seed(0)
    model = build_model(JointFormerConfig()).eval()
    x = torch.rand(BATCH, 17, 2, generator=torch.Generator().manual_seed(1)) * 2 - 1
    default_budget = inference.INFERENCE_CHUNK_BYTES
    seconds: dict[tuple[str, str], list[float]] = {}
    try:
        for round_index in range(args.rounds + 1):  # round 0 warms every variant up and is not counted
            for precision in ("float32", "bfloat16"):
                for name, budget in BUDGETS.items():
                    inference.INFERENCE_CHUNK_BYTES = 1 << 62 if budget is None else budget
                    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16,
                                                         enabled=precision == "bfloat16"):
                        start = time.perf_counter()
                        inference.predict(model, x)
                        elapsed = time.perf_counter() - start
                    if round_index > 0:
                        seconds.setdefault((precision, name), []).append(elapsed)
    finally:
        inference.INFERENCE_CHUNK_BYTES = default_budget
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, allocator tuned: {tuned}, "
          f"{args.rounds} rounds")
    print(f"{'':9s} {'budget':18s} {'samples/s':>10s}")
    for (precision, name), times in seconds.items():
        print(f"{precision:9s} {name:18s} {BATCH / statistics.median(times):10.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
