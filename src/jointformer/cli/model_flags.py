"""Command-line flags that choose the model family (``--model jointformer|semgcn|linear``), SemGCN's
``--non_local``, and the published code's flags from which the published code computes nothing.

Mapping onto the configs: SemGCN takes ``--hid_dim`` (default 128), ``--num_layers`` (residual blocks,
default 4), ``--dropout`` (default 0) and ``--non_local``; the linear baseline takes ``--dropout`` (default
0.5, as published) and keeps its published width 1024 and 2 stages. A JointFormer-only flag given with a
baseline, or ``--non_local`` without SemGCN, is a parser error.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from jointformer.cli.checks import (
    action_list,
    check_compare_outputs,
    device_name,
    file_name_part,
    positive_int,
)
from jointformer.models.architecture_defaults import ModelKind
from jointformer.models.linear import LinearModelConfig
from jointformer.models.registry import MODEL_NAMES, ModelConfig, model_name
from jointformer.models.semgcn import SemGCNConfig

JOINTFORMER_ONLY = ("intermediate", "spatial_encoding", "pred_dropout", "embedding_type",
                    "no_error_prediction", "d_inner")
SEMGCN_ONLY = ("non_local",)
LINEAR_TAKES = ("dropout",)
SEMGCN_TAKES = ("hid_dim", "num_layers", "dropout", "non_local")

_SEED = "accepted as in the published code's run_jointformer.py, which"
INERT_FLAGS = {
    "conv_enc": f"--conv_enc: {_SEED} never passes it to the model; nothing is computed from it",
    "conv_dec": f"--conv_dec: {_SEED} never passes it to the model; nothing is computed from it",
    "joint_mask": f"--joint_mask: {_SEED} builds the skeleton attention mask and then never passes it to the "
                  f"model (attention stays unmasked)",
    "image_names": f"--image_names: {_SEED} loads the file and hands its entries to the model, whose forward "
                   f"pass ignores them; the file is not read",
    "experiment_id": f"-id/--id: {_SEED} computes nothing from the experiment ID (the run directory is named "
                     f"by its time stamp)",
}


def add_model_flags(parser: argparse.ArgumentParser, stage: ModelKind) -> None:
    """``--model`` and ``--non_local`` (stage 1, "jointformer") and the published code's inert flags."""
    add = parser.add_argument
    if stage == "jointformer":
        add("--model", default=None, choices=MODEL_NAMES,
            help="model family: jointformer (default), semgcn (Zhao et al. 2019) or linear (Martinez et al. "
                 "2017); evaluation reads it from the checkpoint")
        add("--non_local", action="store_true", default=None,
            help="SemGCN only: non-local blocks over SemGCN's joint groups")
    add("-id", "--id", dest="experiment_id", default=None, metavar="NAME", help="accepted; has no effect")
    add("--conv_enc", action="store_true", default=None, help="accepted; has no effect (as published)")
    add("--conv_dec", action="store_true", default=None, help="accepted; has no effect (as published)")
    add("--joint_mask", action="store_true", default=None, help="accepted; has no effect (as published)")
    add("--image_names", default=None, metavar="PATH", help="accepted; has no effect (as published)")


def chosen_model(args: argparse.Namespace) -> str:
    """The family ``--model`` names (jointformer when not given)."""
    return getattr(args, "model", None) or "jointformer"


def _given(args: argparse.Namespace, name: str) -> bool:
    return getattr(args, name, None) not in (None, False)


def check_model_flags(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Parser error for flags that do not apply to the chosen family; a warning for each inert flag."""
    family = chosen_model(args)
    if getattr(args, "model", None) is None and getattr(args, "evaluate", ""):
        wrong = []  # evaluating without --model: the checkpoint's family decides (check_against_stored)
    elif family == "jointformer":
        wrong = [name for name in SEMGCN_ONLY if _given(args, name)]
    else:
        takes = SEMGCN_TAKES if family == "semgcn" else LINEAR_TAKES
        candidates = (*JOINTFORMER_ONLY, *SEMGCN_TAKES)
        wrong = [name for name in candidates if name not in takes and _given(args, name)]
    if wrong:
        flags = ", ".join(f"--{name}" for name in wrong)
        parser.error(f"{flags}: not a flag of --model {family}")
    if family != "jointformer" and (getattr(args, "lr_decay", 1) < 1 or not getattr(args, "lr_gamma", 1) > 0):
        parser.error(f"--lr_decay must be a positive number of iterations and --lr_gamma positive, got "
                     f"{args.lr_decay} and {args.lr_gamma}")
    for name, message in INERT_FLAGS.items():
        if _given(args, name):
            print(f"jointformer: warning: {message}", file=sys.stderr)


def baseline_config(args: argparse.Namespace) -> ModelConfig:
    """The SemGCNConfig or LinearModelConfig of the flags (``--model`` semgcn or linear)."""
    family = chosen_model(args)

    def value(name: str, default: Any) -> Any:
        given = getattr(args, name, None)
        return default if given is None else given

    if family == "semgcn":
        return SemGCNConfig(hid_dim=value("hid_dim", 128), num_layers=value("num_layers", 4),
                            dropout=value("dropout", 0.0), non_local=bool(args.non_local))
    if family == "linear":
        return LinearModelConfig(dropout=value("dropout", 0.5))
    raise ValueError(f"baseline_config: --model {family} is not a baseline")


def check_against_stored(parser: argparse.ArgumentParser, args: argparse.Namespace, stored: ModelConfig,
                         path: str) -> None:
    """Parser error when ``--model`` or ``--non_local`` contradicts the checkpoint's model, or when the
    checkpoint's model is not on this package's 17 joints (SemGCN's released 16-joint files)."""
    family = model_name(stored)
    given = getattr(args, "model", None)
    if given is not None and given != family:
        parser.error(f"--model {given} contradicts {path}, which holds a {family} model")
    if _given(args, "non_local") and not getattr(stored, "non_local", False):
        parser.error(f"--non_local contradicts {path}, which holds a {family} model without non-local blocks")
    if stored.num_joints != 17:
        parser.error(f"{path} holds a {stored.num_joints}-joint {family} model (SemGCN's published layout, "
                     f"without the nose); the evaluation runs on the 17-joint Human3.6M skeleton. Load it "
                     f"with jointformer.checkpoint.load_model to run it on 16-joint inputs")


def add_compare_flags(parser: argparse.ArgumentParser) -> None:
    """Flags of ``jointformer compare CKPT [CKPT ...]``."""
    add = parser.add_argument
    add("checkpoints", nargs="+", metavar="CKPT", help="checkpoints to compare (any model family)")
    add("--data-dir", dest="data_dir", default="data", help="directory of the data files (default data/)")
    add("-k", "--keypoints", default="gt", metavar="NAME", type=file_name_part,
        help="2D detections: data_2d_h36m_NAME.npz")
    add("-a", "--actions", default="*", metavar="LIST", type=action_list,
        help="actions to test on, comma list, or *")
    add("--downsample", default=1, type=positive_int, metavar="FACTOR", help="keep every FACTOR-th frame")
    add("--no-flip", dest="no_flip", action="store_true", help="no flip test-time augmentation")
    add("--repeats", default=5, type=positive_int, help="timed runs per speed figure (median; default 5)")
    add("--device", default="cpu", type=device_name,
        help="cpu (default), cuda, ...: where accuracy and speed are measured")
    add("--out", default="comparison", help="directory for comparison.md, .json, .png (default comparison/)")


def handle_compare(args: argparse.Namespace) -> int:
    """Evaluate and time every checkpoint; print the table and write the files."""
    from jointformer.comparison import compare_checkpoints, format_comparison, write_comparison
    from jointformer.data.h36m import load_pose_set
    from jointformer.data.skeleton import TEST_SUBJECTS
    from jointformer.training import resolve_device

    check_compare_outputs(args)
    test_set = load_pose_set(args.data_dir, args.keypoints, TEST_SUBJECTS, actions=args.actions,
                             downsample=args.downsample).to(resolve_device(args.device))
    rows = compare_checkpoints(args.checkpoints, test_set, flip=not args.no_flip, repeats=args.repeats)
    print(format_comparison(rows))
    paths = write_comparison(args.out, rows)
    print(f"==> written: {', '.join(str(path) for path in paths.values())}")
    return 0
