"""Train the packaged in-the-wild lifting model (``jointformer/weights/wild_stage1.pth.tar``).

    OMP_NUM_THREADS=1 python tools/train_wild.py --out runs/wild --epochs 12 \
        --package src/jointformer/weights/wild_stage1.pth.tar

Training set: :mod:`jointformer.data.wild` (the embedded motion programmes of the Human3.6M training
subjects, seeds 1 and 2, plus every CMU BVH clip of ``--bvh-dir`` unless ``--no-bvh``, plus the
articulated-body programmes unless ``--no-articulation``; each rendered through drawn virtual cameras on drawn
bodies). Validation: the same renderer on the test subjects' programmes
(S9, S11, seed 0, other cameras). Model: the demo's stage 1 (``jointformer.demo.stage1_config``), flip
augmentation, AdamW with cosine annealing. The packaged checkpoint holds the best epoch's weights, the input
statistics, and ``provenance``: this command line, the data configuration, the seed, the validation figures
and the embedded check set's figures (``jointformer.lift.pretrained``). Ablations: ``--no-bvh``,
``--no-definition``, ``--no-articulation``; ``--h36m-cameras-only`` is not offered (the Human3.6M-layout
model is the demo's).
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from dataclasses import replace
from pathlib import Path

import torch

from jointformer.atomic_files import write_text_atomically
from jointformer.checkpoint import read_checkpoint, save_checkpoint
from jointformer.data.wild import WildConfig, build_wild_pose_set
from jointformer.demo import stage1_config
from jointformer.lift.lifter import Lifter
from jointformer.lift.pretrained import check_set_figures, embedded_check_set
from jointformer.models.registry import config_from_dict
from jointformer.training import TrainOptions, train

DEFAULT_BVH_DIR = "../shared/realdata/train/cmu-bvh"  # the shared real-motion folder beside the repository


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, help="run directory (checkpoints, metrics, config)")
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--lr", type=float, default=2.0e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--bvh-dir", default=DEFAULT_BVH_DIR, help="folder of CMU BVH clips (*/*.bvh)")
    parser.add_argument("--no-bvh", action="store_true", help="ablation: synthetic programmes only")
    parser.add_argument("--no-definition", action="store_true",
                        help="ablation: keep Human3.6M's keypoint definitions (no detector offsets)")
    parser.add_argument("--no-articulation", action="store_true",
                        help="ablation: without the articulated-body programmes (joint limits, sports moves)")
    parser.add_argument("--package", default="", help="also write the packaged checkpoint here")
    args = parser.parse_args(argv)
    if args.epochs < 1 or args.batch_size < 1 or args.lr <= 0:
        parser.error("--epochs and --batch-size must be positive integers, --lr a positive number")
    bvh_dir = Path(args.bvh_dir)
    if not args.no_bvh and not sorted(bvh_dir.glob("*/*.bvh")):
        parser.error(f"--bvh-dir {bvh_dir}: no */*.bvh clips there (or pass --no-bvh)")
    return args


def data_configs(args: argparse.Namespace) -> tuple[WildConfig, WildConfig]:
    """(training, validation) configurations of the wild renderer for these arguments."""
    clips = () if args.no_bvh else tuple(str(path) for path in sorted(Path(args.bvh_dir).glob("*/*.bvh")))
    training = WildConfig(seed=args.seed, bvh_files=clips, detector_definition=not args.no_definition,
                          articulation=not args.no_articulation)
    validation = replace(training, seed=args.seed + 1, synthetic_seeds=(0,), synthetic_subjects=("S9", "S11"),
                         bvh_files=(), cameras_per_sequence=2, fps=10.0, articulation=False)
    return training, validation


def package(best_checkpoint: Path, target: Path, record: dict) -> None:
    """Write the weights, configuration, input statistics and provenance of ``best_checkpoint`` (no
    optimizer state) to ``target``."""
    checkpoint = read_checkpoint(best_checkpoint)
    config = config_from_dict(checkpoint["config"])  # the stored dict names its model family
    save_checkpoint(target, state_dict=checkpoint["state_dict"], config=config, epoch=checkpoint["epoch"],
                    error=checkpoint["error"],
                    extra={"input_stats": checkpoint["input_stats"], "provenance": record})


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    torch.set_num_threads(1)
    started = time.perf_counter()
    training_config, validation_config = data_configs(args)
    train_set, validation_set = build_wild_pose_set(training_config), build_wild_pose_set(validation_config)
    print(f"==> wild data: {len(train_set)} training poses, {len(validation_set)} validation poses "
          f"({time.perf_counter() - started:.0f} s)", flush=True)
    options = TrainOptions(stage="jointformer", epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
                           augment=True, seed=args.seed, device="cpu", run_dir=args.out, progress="lines",
                           snapshot=max(args.epochs, 1), eval_batch_size=4096)
    result = train(options, stage1_config(), pose_sets=(train_set, validation_set))
    lifter = Lifter.from_checkpoint(result.best_checkpoint, device="cpu")
    check = check_set_figures(lifter.lifting_model(flip_test=True), embedded_check_set())
    record = {
        "command": shlex.join(["python", "tools/train_wild.py", *(sys.argv[1:] if argv is None else argv)]),
        "seed": args.seed,
        "data": {"training": training_config.describe(), "validation": validation_config.describe(),
                 "training_poses": len(train_set), "validation_poses": len(validation_set)},
        "metrics": {"validation_protocol1_mm": result.best_protocol1,
                    "validation_protocol2_mm": result.best_protocol2,
                    "embedded_check_set": check},
        "training_seconds": time.perf_counter() - started,
    }
    write_text_atomically(Path(args.out, "provenance.json"), json.dumps(record, indent=2) + "\n")
    print(f"==> provenance: {json.dumps(record['metrics'])}", flush=True)
    if args.package:
        package(result.best_checkpoint, Path(args.package), record)
        print(f"==> packaged {args.package}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
