"""JointFormer vs SemGCN vs SemGCN non-local vs the linear baseline, trained on the embedded data set with
the demo's short stage-1 schedule, then compared with ``jointformer compare``.

    OMP_NUM_THREADS=1 python benchmarks/baselines_on_embedded_data.py [--data-dir data/synthetic]
        [--out runs/baselines] [--epochs 4] [--downsample 2] [--repeats 5]
        [--models jointformer,semgcn,semgcn_nonlocal,linear] [--no-compare]

Each model can be trained by its own process (``--models semgcn --no-compare``); a final call with
``--models ''`` then only compares the checkpoints already under ``--out``.

Every model gets the same data (the demo's: ground-truth 2D, every ``--downsample``-th frame (2), flip
augmentation; validation and the comparison on every 2nd test pose of those frames), epochs, batch size,
learning rate and seed. JointFormer is the
demo's stage 1 (``jointformer.demo.stage1_config``) with its recipe (AdamW, cosine); SemGCN (hid 128, 4
blocks) and the linear model (1024 wide, 2 stages, dropout 0.5) are the published architectures with
SemGCN's recipe (Adam; the step decay's default 100,000 iterations are never reached in so short a run).
Prints the comparison table (P1 / P2 mm per action, parameters, forward and training poses/s) and writes
it with its bar chart under ``--out``. Timings are of this machine at the time; when it is shared they are
noisy (compare the ratios within one run).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from jointformer.comparison import compare_checkpoints, format_comparison, write_comparison
from jointformer.data.h36m import load_pose_sets
from jointformer.demo import DemoOptions, ensure_dataset, mean_pose_error, stage1_config
from jointformer.models.linear import LinearModelConfig
from jointformer.models.semgcn import SemGCNConfig
from jointformer.training import TrainOptions, train

MODELS = {"jointformer": stage1_config, "semgcn": SemGCNConfig,
          "semgcn_nonlocal": lambda: SemGCNConfig(non_local=True), "linear": LinearModelConfig}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default="data/synthetic")
    parser.add_argument("--out", default="runs/baselines")
    parser.add_argument("--epochs", type=int, default=DemoOptions.stage1_epochs)
    parser.add_argument("--downsample", type=int, default=DemoOptions.downsample)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--models", default=",".join(MODELS), help="comma list of models to train")
    parser.add_argument("--no-compare", dest="no_compare", action="store_true")
    args = parser.parse_args()

    demo = DemoOptions(data_dir=args.data_dir, downsample=args.downsample)
    ensure_dataset(demo.data_dir, demo.keypoints, demo.seed)
    train_set, test_set = load_pose_sets(demo.data_dir, demo.keypoints, downsample=demo.downsample)
    test_set = test_set.select(torch.arange(0, len(test_set), demo.test_stride))
    print(f"==> {len(train_set)} training and {len(test_set)} test poses; mean training pose: Protocol #1 "
          f"{mean_pose_error(train_set, test_set):.2f} mm", flush=True)
    chosen = [name for name in args.models.split(",") if name]
    unknown = sorted(set(chosen) - set(MODELS))
    if unknown:
        parser.error(f"--models: unknown {unknown}; choose from {list(MODELS)}")
    for name in chosen:
        config = MODELS[name]()
        options = TrainOptions(epochs=args.epochs, batch_size=demo.batch_size, lr=demo.lr, augment=True,
                               seed=demo.seed, device="cpu", keypoints=demo.keypoints, snapshot=1000,
                               downsample=demo.downsample, run_dir=str(Path(args.out) / name))
        train(options, config, pose_sets=(train_set, test_set))
    if args.no_compare:
        return
    checkpoints = [Path(args.out) / name / "ckpt_best.pth.tar" for name in MODELS
                   if (Path(args.out) / name / "ckpt_best.pth.tar").is_file()]
    rows = compare_checkpoints(checkpoints, test_set, repeats=args.repeats)
    print(format_comparison(rows))
    paths = write_comparison(Path(args.out) / "comparison", rows)
    print(f"==> written: {', '.join(str(path) for path in paths.values())}")


if __name__ == "__main__":
    main()
