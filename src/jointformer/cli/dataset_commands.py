"""Command-line handlers for the data sets beyond the embedded one: ``jointformer prepare h36m``,
``jointformer synth --layout 3dhp`` and ``jointformer evaluate --dataset 3dhp|h36m,3dhp``.

Kept out of :mod:`jointformer.cli.commands` so that module stays a list of commands; each function is thin
over the library (:mod:`jointformer.data.prepare_h36m`, :mod:`jointformer.data.synthetic_3dhp`,
:mod:`jointformer.evaluation_3dhp`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from jointformer.data.skeleton import ALL_SUBJECTS

if TYPE_CHECKING:
    from jointformer.checkpoint import LoadedCheckpoint

DATASETS = ("h36m", "3dhp")
DEFAULT_3DHP_FOLDER = "mpi_inf_3dhp_test_set"


def add_prepare_parser(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """``jointformer prepare h36m (--from-cdf DIR | --from-archive ZIP) [--out DIR] ...``; returns the
    ``prepare`` parser (the one whose usage line its errors print)."""
    prepare = commands.add_parser("prepare", help="make the data files from a data set's official downloads")
    datasets = prepare.add_subparsers(dest="prepare_dataset", metavar="DATASET", required=True)
    h36m = datasets.add_parser("h36m", help="data_3d_h36m.npz and data_2d_h36m_gt.npz from Human3.6M")
    source = h36m.add_mutually_exclusive_group(required=True)
    source.add_argument("--from-cdf", dest="from_cdf", metavar="DIR",
                        help="folder of the original release: S*/MyPoseFeatures/D3_Positions/*.cdf")
    source.add_argument("--from-archive", dest="from_archive", metavar="ZIP",
                        help="3d-pose-baseline's h36m.zip: h36m/S*/MyPoses/3D_positions/*.h5")
    h36m.add_argument("--out", default="data", help="output directory (default data/)")
    h36m.add_argument("--subjects", default=",".join(ALL_SUBJECTS),
                      help=f"comma list of subjects (default {','.join(ALL_SUBJECTS)})")
    h36m.add_argument("--check-2d", dest="check_2d", metavar="NPZ",
                      help="a 2D detection file (e.g. data_2d_h36m_cpn_ft_h36m_dbb.npz) whose frame counts "
                      "must cover the mocap's")
    h36m.add_argument("--force", action="store_true", help="replace existing output files")
    h36m.set_defaults(handler=handle_prepare)
    return prepare


def handle_prepare(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    from jointformer.data.prepare_h36m import prepare_h36m

    subjects = [subject.strip() for subject in args.subjects.split(",") if subject.strip()]
    unknown = [subject for subject in subjects if subject not in ALL_SUBJECTS]
    if unknown or not subjects:
        parser.error(f"--subjects {args.subjects!r}: expected a comma list of {', '.join(ALL_SUBJECTS)}")
    paths = prepare_h36m(args.out, from_cdf=args.from_cdf, from_archive=args.from_archive, subjects=subjects,
                         check_2d=args.check_2d, force=args.force, progress=sys.stderr.isatty())
    for name, path in paths.items():
        print(f"{name}: {path}")
    return 0


def handle_synth_3dhp(args: argparse.Namespace) -> int:
    from jointformer.data.synthetic_3dhp import write_synthetic_3dhp

    for path in write_synthetic_3dhp(args.directory, seed=args.seed):
        print(f"3dhp: {path}")
    return 0


def parse_datasets(parser: argparse.ArgumentParser, args: argparse.Namespace) -> tuple[str, ...]:
    """``--dataset``: "h36m", "3dhp" or "h36m,3dhp" (any order, no repeats); Human3.6M-only flags given
    without h36m, and --data-dir-3dhp without both datasets, are parser errors."""
    names = tuple(name.strip() for name in args.dataset.split(","))
    if not names or any(name not in DATASETS for name in names) or len(set(names)) != len(names):
        parser.error(f"--dataset {args.dataset!r}: expected h36m, 3dhp or h36m,3dhp")
    if "h36m" not in names:
        given = [flag for flag, value, default in (("--keypoints", args.keypoints, "gt"),
                                                   ("--actions", args.actions, "*"),
                                                   ("--downsample", args.downsample, 1)) if value != default]
        if given:
            parser.error(f"{', '.join(given)}: Human3.6M test-data flag(s), but --dataset {args.dataset}")
    if args.data_dir_3dhp is not None and set(names) != set(DATASETS):
        parser.error("--data-dir-3dhp is for --dataset h36m,3dhp; with one dataset, give --data-dir")
    return names


def evaluate_datasets(args: argparse.Namespace, datasets: tuple[str, ...], loaded: LoadedCheckpoint) -> int:
    """``jointformer evaluate CKPT --dataset 3dhp`` or ``h36m,3dhp``: tables, the cross-dataset row, and one
    results.json ({"pck150", "auc", "mpjpe", ...} for 3dhp; {"h36m": ..., "3dhp": ...} for both).
    ``loaded``: the checkpoint ``args.evaluate``, already read."""
    from jointformer.evaluation import write_results_document
    from jointformer.evaluation_3dhp import evaluate_checkpoint_3dhp, format_cross_table
    from jointformer.training import resolve_device

    device = resolve_device(args.device)
    checkpoint = str(args.evaluate)
    if datasets == ("3dhp",):
        result = evaluate_checkpoint_3dhp(checkpoint, args.data_dir, device=device,
                                          pck_joints=args.pck_joints, flip=not args.no_flip, amp=args.amp,
                                          loaded=loaded)
        path = write_results_document(args.results, result.to_dict(checkpoint))
        print(f"==> results written to {path}")
        return 0
    from jointformer.data.h36m import load_pose_set
    from jointformer.data.mpi_inf_3dhp import pose_set_3dhp, read_test_set
    from jointformer.data.skeleton import TEST_SUBJECTS
    from jointformer.evaluation import (
        append_results_csv,
        evaluate_model,
        format_table,
        published_summary_lines,
    )
    from jointformer.evaluation_3dhp import evaluate_model_3dhp, format_table_3dhp

    # Both test sets are read before the model runs, so a missing file fails fast.
    mpi_dir = args.data_dir_3dhp or str(Path(args.data_dir) / DEFAULT_3DHP_FOLDER)
    mpi_set = pose_set_3dhp(read_test_set(mpi_dir)).to(device)
    h36m_set = load_pose_set(args.data_dir, args.keypoints, TEST_SUBJECTS, actions=args.actions,
                             downsample=args.downsample).to(device)
    model = loaded.model(map_location=device)
    h36m = evaluate_model(model, h36m_set, flip=not args.no_flip, amp=args.amp)
    print(format_table(h36m))
    print("\n".join(published_summary_lines(h36m)))
    mpi = evaluate_model_3dhp(model, mpi_set, pck_joints=args.pck_joints, flip=not args.no_flip, amp=args.amp)
    print(format_table_3dhp(mpi))
    print(format_cross_table(checkpoint, h36m, mpi))
    if args.results_csv:
        append_results_csv(args.results_csv, h36m, checkpoint)
    path = write_results_document(args.results, {"h36m": h36m.to_dict(checkpoint, args.keypoints),
                                     "3dhp": mpi.to_dict(checkpoint)})
    print(f"==> results written to {path}")
    return 0
