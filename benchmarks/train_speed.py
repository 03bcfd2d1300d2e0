"""Training and evaluation throughput of the real loops on the embedded data set (published stage-1 model).

    python benchmarks/train_speed.py [--data-dir data/synthetic] [--steps 40] [--device auto]

Prints: stage-1 training samples/s through `training.train_one_epoch` (batches drawn by index from the
device-resident pose set, flip augmentation, loss, clip, AdamW, cosine step) at batch 256; the bare model
step (same model, one fixed batch) for comparison and the fraction of loop time spent outside the model;
evaluation poses/s with flip test-time augmentation (`evaluation.evaluate_model`); and, from the loop
figure, the projected time of the published 50-epoch Human3.6M schedule (1,559,752 poses per epoch).
Targets on 2 CPU cores: training >= 900 samples/s, evaluation >= 1,500 poses/s.
"""

import argparse
import os
import statistics
import time
from pathlib import Path

import torch

from jointformer.allocator import keep_large_blocks_in_heap
from jointformer.data.h36m import load_pose_sets
from jointformer.demo import ensure_dataset
from jointformer.evaluation import evaluate_model
from jointformer.models.jointformer import JointFormerConfig
from jointformer.training import Run, RunState, TrainOptions, build_task, resolve_device, train_one_epoch

H36M_TRAIN_POSES = 1_559_752
BATCH = 256


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default="data/synthetic")
    parser.add_argument("--steps", type=int, default=40, help="training iterations per timed run")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--device", default="auto")
    args = parser.parse_args()
    keep_large_blocks_in_heap()
    device = resolve_device(args.device)
    ensure_dataset(args.data_dir, "gt", seed=0)
    train_set, test_set = (pose_set.to(device) for pose_set in load_pose_sets(args.data_dir, "gt"))
    train_set = train_set.select(torch.arange(BATCH * args.steps, device=device))
    test_set = test_set.select(torch.arange(min(len(test_set), 20_480), device=device))
    options = TrainOptions(batch_size=BATCH, augment=True, device=str(device), progress="none")
    torch.manual_seed(0)
    task = build_task(options, JointFormerConfig(), device)
    optimizer = torch.optim.AdamW(task.trainable.parameters(), lr=1e-3)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=100 * args.steps)
    run = Run(options, task, train_set, test_set, optimizer, scheduler, run_dir=Path("."))
    state = RunState(shuffle_generator=torch.Generator().manual_seed(0),
                     flip_generator=torch.Generator().manual_seed(1))
    print(f"torch {torch.__version__} on {device}, {torch.get_num_threads()} threads, "
          f"load average before {os.getloadavg()[0]:.2f}")

    def loop() -> float:
        start = time.perf_counter()
        train_one_epoch(run, state)
        if device.type == "cuda":
            torch.cuda.synchronize()
        return len(train_set) / (time.perf_counter() - start)

    inputs, targets = train_set.batch(torch.arange(BATCH, device=device))

    def bare() -> float:
        start = time.perf_counter()
        for _ in range(args.steps):
            optimizer.zero_grad(set_to_none=True)
            task.loss(task.forward(inputs), targets).backward()
            torch.nn.utils.clip_grad_norm_(task.clip_parameters, 1.0)
            optimizer.step()
        if device.type == "cuda":
            torch.cuda.synchronize()
        return BATCH * args.steps / (time.perf_counter() - start)

    def evaluation() -> float:
        start = time.perf_counter()
        evaluate_model(task.evaluation_model, test_set, flip=True)
        return len(test_set) / (time.perf_counter() - start)

    loop(), bare()  # warm-up
    loop_rate = statistics.median(loop() for _ in range(args.repeats))
    bare_rate = statistics.median(bare() for _ in range(args.repeats))
    eval_rate = statistics.median(evaluation() for _ in range(args.repeats))
    outside = max(0.0, 1.0 - loop_rate / bare_rate)
    hours = 50 * H36M_TRAIN_POSES / loop_rate / 3600
    print(f"training loop, batch {BATCH}:        {loop_rate:8.0f} samples/s   (target >= 900)")
    print(f"bare model step, batch {BATCH}:      {bare_rate:8.0f} samples/s")
    print(f"time outside the model:          {outside:8.1%} of the loop")
    print(f"evaluation with flip:            {eval_rate:8.0f} poses/s     (target >= 1,500)")
    print(f"projected 50-epoch Human3.6M schedule: {hours:.1f} h (validation not included)")
    print(f"load average after {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
