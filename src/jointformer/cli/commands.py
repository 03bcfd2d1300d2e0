"""The ``jointformer`` command line: one console script, one thin handler per subcommand.

The training commands keep the published scripts' flag names, short forms and defaults (``run_jointformer.py``
and ``run_refinement.py``) and map them explicitly onto :class:`~jointformer.training.TrainOptions` and
:class:`~jointformer.models.jointformer.JointFormerConfig`. Every handler is callable as ``main([...])``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import asdict, fields
from typing import TYPE_CHECKING, Any

from jointformer import __version__
from jointformer.cli import checks
from jointformer.cli.checks import (
    action_list,
    device_name,
    file_name_part,
    non_negative_int,
    opset_version,
    positive_float,
)
from jointformer.cli.lift_flags import (
    add_lifter_flags,
    use_packaged_model_without_checkpoint,
    write_lift_pictures,
)
from jointformer.cli.model_flags import add_compare_flags, add_model_flags, check_model_flags, handle_compare
from jointformer.errors import JointformerError
from jointformer.models.architecture_defaults import (
    ARCHITECTURE_DEFAULTS,
    REFINER_IN_FEATURES,
    ModelKind,
    flag_help,
)

if TYPE_CHECKING:  # the model module (torch) is imported only when a command needs it
    from jointformer.checkpoint import LoadedCheckpoint
    from jointformer.models.jointformer import JointFormerConfig

COMMAND_STAGES: dict[str, ModelKind] = {"train": "jointformer", "refine": "refiner"}
"""The training commands and the model each trains (``run_jointformer.py`` is ``train``,
``run_refinement.py`` is ``refine``)."""

# Architecture flags and the published CLI's defaults, from the table JointFormerConfig's defaults come from.
# Their parser default is None, so that an evaluation can tell a flag the user gave (checked against the
# checkpoint) from one left at its default.
_ARCHITECTURE_DEFAULTS = {name: ARCHITECTURE_DEFAULTS[name].published_cli
                          for name in ("num_layers", "hid_dim", "d_inner", "dropout", "pred_dropout",
                                       "embedding_type")}


# Flags that training (with --evaluate) and ``jointformer evaluate`` share: names, forms and meanings once.
_EVALUATION_FLAGS: dict[str, tuple[tuple[str, ...], dict[str, Any]]] = {
    "keypoints": (("-k", "--keypoints"), {"default": "gt", "metavar": "NAME", "type": file_name_part,
                                          "help": "2D detections to use: data_2d_h36m_NAME.npz"}),
    "actions": (("-a", "--actions"), {"default": "*", "metavar": "LIST", "type": action_list,
                                      "help": "actions to train/test on, comma list, or *"}),
    "downsample": (("--downsample",), {"default": 1, "type": int, "metavar": "FACTOR",
                                       "help": "keep every FACTOR-th frame"}),
    "data_dir": (("--data-dir",), {"dest": "data_dir", "default": "data",
                                   "help": "directory of the data files (default data/)"}),
    "device": (("--device",), {"default": "auto", "type": device_name,
                               "help": "auto (CUDA if present, else CPU), cpu, cuda, cuda:1, ..."}),
    "amp": (("--amp",), {"action": "store_true", "help": "bfloat16 autocast (CPU or GPU)"}),
    "results": (("--results",), {"default": "results.json",
                                 "help": "evaluation: where to write results.json"}),
    "results_csv": (("--results-csv",), {"dest": "results_csv", "default": "results.csv",
                                         "help": "evaluation: CSV to append the two published rows to"}),
    "no_flip": (("--no-flip",), {"dest": "no_flip", "action": "store_true",
                                 "help": "evaluation: no flip test-time augmentation"}),
}


def _add_evaluation_flags(parser: argparse.ArgumentParser, *names: str) -> None:
    for name in names:
        flags, settings = _EVALUATION_FLAGS[name]
        parser.add_argument(*flags, **settings)


def _add_seed_flags(parser: argparse.ArgumentParser, stage: ModelKind) -> None:
    """The published scripts' flags, same names, short forms, meanings and defaults.

    ``stage``: "jointformer" (``run_jointformer.py``, ``jointformer train``) or "refiner"
    (``run_refinement.py``, ``jointformer refine``)."""
    add = parser.add_argument
    add("-d", "--dataset", default="h36m", metavar="NAME", help="target dataset (only h36m)")
    _add_evaluation_flags(parser, "keypoints", "actions")
    add("--evaluate", default="", metavar="FILENAME", help="checkpoint to evaluate instead of training")
    add("-r", "--resume", default="", metavar="FILENAME", help="checkpoint to resume (a run's ckpt_last)")
    add("-c", "--checkpoint", default="checkpoint", metavar="PATH", help="checkpoint directory")
    add("--snapshot", default=5, type=int, help="save a snapshot every N epochs (default 5)")
    add("--num_gpus", default=1, type=int, help="processes for DistributedDataParallel (GPUs, or CPU/gloo)")
    add("-l", "--num_layers", default=None, type=int, metavar="N", help=flag_help("num_layers"))
    add("-z", "--hid_dim", default=None, type=int, metavar="N", help=flag_help("hid_dim"))
    add("-b", "--batch_size", default=64, type=int, metavar="N", help="batch size per process (default 64)")
    add("-e", "--epochs", default=100, type=int, metavar="N", help="training epochs (default 100)")
    add("--num_workers", default=8, type=int, metavar="N",
        help="accepted for compatibility; batches come from in-memory tensors, no workers are started")
    add("--lr", default=1.0e-3, type=positive_float, metavar="LR",
        help="initial learning rate (default 1e-3)")
    add("--lr_decay", default=100000, type=int, help="semgcn/linear: decay the rate every N iterations; "
        "jointformer: accepted, the cosine schedule is used (as published)")
    add("--lr_gamma", default=0.96, type=float, help="semgcn/linear: decay factor; jointformer: accepted, "
        "the cosine schedule is used (as published)")
    add("--no_max", dest="max_norm", action="store_false", help="do not clip the gradient norm to 1")
    add("--dropout", default=None, type=float, help=flag_help("dropout"))
    add("--intermediate", action="store_true", default=None, help=flag_help("intermediate"))
    add("--spatial_encoding", action="store_true", default=None, help=flag_help("spatial_encoding"))
    add("--pred_dropout", default=None, type=float, help=flag_help("pred_dropout"))
    add("--augment", action="store_true", help="random horizontal flip augmentation (p = 0.5)")
    add("--embedding_type", default=None, choices=["conv", "linear", "graph"],
        help=flag_help("embedding_type"))
    if stage == "jointformer":
        add("--no_error_prediction", action="store_true", default=None,
            help="turn off the " + flag_help("error_prediction"))
    add("--d_inner", default=None, type=int, help=flag_help("d_inner"))
    _add_evaluation_flags(parser, "downsample")
    if stage == "refiner":
        add("--pose_weights", default="", help="stage-1 checkpoint (published layout or ours); a refinement "
            "checkpoint holds its own, so evaluation does not need it")
        add("--freeze_stage1_dropout", action="store_true",
            help="keep the stage-1 network in eval mode while the refiner trains (published: dropout on)")
        add("--clip_refiner", action="store_true",
            help="clip the refiner's gradients (published: the clip hit the stage-1 gradients instead)")
        add("--residual_refiner", action="store_true",
            help="this package's extension: the refiner predicts a correction to the stage-1 pose, starting "
            "from zero (same weights layout; off as published)")
    # Additions of this package.
    _add_evaluation_flags(parser, "data_dir", "device")
    add("--seed", default=0, type=int, help="random seed (weights, shuffling, augmentation, dropout)")
    _add_evaluation_flags(parser, "amp")
    add("--compile", action="store_true", help="torch.compile the model for training")
    add("--stop-after-epoch", dest="stop_after_epoch", default=0, type=int,
        help="stop after this epoch (resume later from ckpt_last.pth.tar with --resume)")
    _add_evaluation_flags(parser, "results", "results_csv", "no_flip")
    add("--progress", default="auto", choices=["auto", "bar", "lines", "none"], help="progress display")
    add_model_flags(parser, stage)


def _add_evaluate_flags(parser: argparse.ArgumentParser) -> None:
    """``jointformer evaluate CHECKPOINT``'s flags: the test data (Human3.6M, MPI-INF-3DHP or both), the
    device, flip and autocast, and the result files. The architecture comes from the checkpoint."""
    add = parser.add_argument
    add("evaluate", metavar="CHECKPOINT", help="checkpoint file")
    add("-d", "--dataset", default="h36m", metavar="NAME",
        help="h36m, 3dhp (the MPI-INF-3DHP test set in --data-dir) or h36m,3dhp (a cross-dataset table)")
    add("--data-dir-3dhp", dest="data_dir_3dhp", default=None, metavar="DIR",
        help="with --dataset h36m,3dhp: the 3DHP test set (default DATA_DIR/mpi_inf_3dhp_test_set)")
    add("--3dhp-joints", dest="pck_joints", type=int, default=14, choices=(14, 17),
        help="3DHP PCK/AUC joints: 14, the official evaluation's (default), or all 17")
    _add_evaluation_flags(parser, "keypoints", "actions", "downsample", "data_dir", "device", "amp",
                          "results", "results_csv", "no_flip")


def _model_config(args: argparse.Namespace, stage: ModelKind):
    from jointformer.cli.model_flags import baseline_config, chosen_model
    from jointformer.models.jointformer import JointFormerConfig

    if chosen_model(args) != "jointformer":
        return baseline_config(args)

    def value(name: str):
        given = getattr(args, name, None)
        return _ARCHITECTURE_DEFAULTS[name] if given is None else given

    common = {"num_layers": value("num_layers"), "hid_dim": value("hid_dim"), "d_inner": value("d_inner"),
              "dropout": value("dropout"), "pred_dropout": value("pred_dropout"),
              "embedding_type": value("embedding_type"), "intermediate": bool(args.intermediate),
              "spatial_encoding": bool(args.spatial_encoding)}
    if stage == "jointformer":
        return JointFormerConfig(kind="jointformer", in_features=2,
                                 error_prediction=not args.no_error_prediction, **common)
    return JointFormerConfig(kind="refiner", in_features=REFINER_IN_FEATURES, error_prediction=False,
                             residual=bool(getattr(args, "residual_refiner", False)), **common)


def _given_architecture(args: argparse.Namespace) -> dict[str, object]:
    """The architecture flags the user actually passed, as config fields."""
    given: dict[str, object] = {}
    for name in ("num_layers", "hid_dim", "d_inner", "embedding_type"):
        if getattr(args, name, None) is not None:
            given[name] = getattr(args, name)
    for name in ("intermediate", "spatial_encoding"):
        if getattr(args, name, None):
            given[name] = True
    if getattr(args, "no_error_prediction", None):
        given["error_prediction"] = False
    return given


def _read_checkpoint_for(parser: argparse.ArgumentParser, args: argparse.Namespace,
                         path: str) -> LoadedCheckpoint:
    """The checkpoint ``path``, read once for the whole command; ``--model``/``--non_local`` contradicting
    its model, or a model not on the 17 joints, is a parser error."""
    from jointformer.checkpoint import load_checkpoint
    from jointformer.cli.model_flags import check_against_stored

    checkpoint = load_checkpoint(path)
    check_against_stored(parser, args, checkpoint.configs()["jointformer"], path)
    return checkpoint


def _stored_architecture(parser: argparse.ArgumentParser, args: argparse.Namespace, stage: ModelKind,
                         checkpoint: LoadedCheckpoint, path: str) -> JointFormerConfig:
    """The architecture stored in ``checkpoint``, the file ``path`` (the refiner's for stage "refiner" when
    there is one); an architecture flag that contradicts it is a parser error naming both values."""
    configs = checkpoint.configs()
    config = configs["refiner"] if stage == "refiner" and configs.get("refiner") else configs["jointformer"]
    stored = asdict(config)
    conflicts = [f"--{name if name != 'error_prediction' else 'no_error_prediction'} "
                 f"(given {value}, checkpoint has {stored[name]})"
                 for name, value in _given_architecture(args).items() if stored.get(name) != value]
    if conflicts:
        parser.error(f"flags contradict the architecture stored in {path}: " + "; ".join(conflicts))
    return config  # type: ignore[return-value]


def _train_options(args: argparse.Namespace, stage: ModelKind):
    from jointformer.training import TrainOptions

    known = {field.name for field in fields(TrainOptions)}
    values = {name: value for name, value in vars(args).items() if name in known}
    return TrainOptions(stage=stage, **values)


def _handle_training(parser: argparse.ArgumentParser, args: argparse.Namespace, stage: ModelKind) -> int:
    if args.resume and args.evaluate:
        parser.error("--resume and --evaluate cannot be set at the same time")
    if args.dataset != "h36m":
        parser.error(f"--dataset {args.dataset}: only h36m (the VideoPose3D file layout) is supported")
    if args.downsample < 1 or args.batch_size < 1 or args.epochs < 1 or args.snapshot < 1:
        parser.error("--downsample, --batch_size, --epochs and --snapshot must be positive")
    check_model_flags(parser, args)
    if args.evaluate:
        checkpoint = _read_checkpoint_for(parser, args, args.evaluate)
        _stored_architecture(parser, args, stage, checkpoint, args.evaluate)
        return _evaluate(args, checkpoint)
    if stage == "refiner" and not args.pose_weights:
        parser.error("the refiner needs --pose_weights PATH (a stage-1 checkpoint)")
    checks.check_training_outputs(args)
    from jointformer.training import launch

    # A resumed run continues with the architecture stored in its checkpoint, not the flags' defaults.
    resumed = None
    if args.resume:
        resumed = _read_checkpoint_for(parser, args, args.resume)
        model_config = _stored_architecture(parser, args, stage, resumed, args.resume)
    else:
        try:  # the config dataclasses check their values: a bad one is the user's flag, so a parser error
            model_config = _model_config(args, stage)
        except ValueError as error:
            parser.error(f"the model flags do not make a valid model: {error}")
    result = launch(_train_options(args, stage), model_config, resumed=resumed)
    if result is not None:
        print(f"==> best validation Protocol #1 {result.best_protocol1:.2f} mm, checkpoint "
              f"{result.best_checkpoint}")
    return 0


def _evaluate(args: argparse.Namespace, checkpoint: LoadedCheckpoint) -> int:
    """Evaluate ``checkpoint`` (the file ``args.evaluate``, already read) on the Human3.6M test subjects."""
    from jointformer.data.h36m import load_pose_set
    from jointformer.data.skeleton import TEST_SUBJECTS
    from jointformer.evaluation import evaluate_checkpoint
    from jointformer.training import resolve_device

    checks.check_evaluate_outputs(args)
    test_set = load_pose_set(args.data_dir, args.keypoints, TEST_SUBJECTS, actions=args.actions,
                             downsample=args.downsample).to(resolve_device(args.device))
    evaluate_checkpoint(args.evaluate, test_set, keypoints=args.keypoints, flip=not args.no_flip,
                        amp=args.amp, results_json=args.results, results_csv=args.results_csv or None,
                        loaded=checkpoint)
    return 0


def _handle_synth(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if args.layout == "3dhp":
        if args.detector_name is not None:
            parser.error("--detector-name names the detector-like 2D file of the h36m layout; the 3dhp "
                         "layout writes annot_data.mat files only")
        from jointformer.cli.dataset_commands import handle_synth_3dhp

        checks.check_output_directory("directory", args.directory)

        return handle_synth_3dhp(args)
    from jointformer.data.synthetic import SyntheticConfig, write_synthetic_dataset

    named = {"detector_name": args.detector_name} if args.detector_name else {}
    config = SyntheticConfig(seed=args.seed, **named)
    checks.check_output_directory("directory", args.directory)
    paths = write_synthetic_dataset(args.directory, config)
    for name, path in paths.items():
        print(f"{name}: {path}")
    return 0


def _handle_summary(args: argparse.Namespace) -> int:
    from jointformer.data.h36m import summarize_dataset

    print(summarize_dataset(args.directory, args.keypoints).format())
    return 0


def _handle_demo(args: argparse.Namespace) -> int:
    from jointformer.demo import DemoOptions, run_demo

    checks.check_output_directory("--out", args.out)
    run_demo(DemoOptions(data_dir=args.data_dir, out=args.out, seed=args.seed, device=args.device,
                         keypoints=args.keypoints))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The ``jointformer`` parser with every subcommand."""
    return build_parsers()[0]


def build_parsers() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    """The ``jointformer`` parser and each subcommand's parser by command name (the parser whose usage
    line a command's errors print)."""
    parser = argparse.ArgumentParser(
        prog="jointformer", description="JointFormer: 2D-to-3D human pose lifting with error prediction.")
    parser.add_argument("--version", action="version", version=f"jointformer {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    subparsers: dict[str, argparse.ArgumentParser] = {}

    def command(name: str, text: str) -> argparse.ArgumentParser:
        subparsers[name] = commands.add_parser(name, help=text)
        return subparsers[name]

    demo = command("demo", "the main job: data, stage 1, refiner, evaluation, figures")
    demo.add_argument("--data-dir", dest="data_dir", default="data/synthetic",
                      help="embedded data set directory (written if absent; default data/synthetic)")
    demo.add_argument("--out", default="runs/demo", help="parent of the demo's run directory")
    demo.add_argument("--keypoints", default="gt", type=file_name_part,
                      help="2D file to train on (gt or cpn_ft_h36m_dbb)")
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--device", default="auto", type=device_name)
    demo.set_defaults(handler=lambda parser_, args: _handle_demo(args))

    synth = command("synth", "write the embedded synthetic data set (VideoPose3D layout)")
    synth.add_argument("directory", help="output directory (created)")
    synth.add_argument("--layout", default="h36m", choices=("h36m", "3dhp"),
                       help="h36m: the VideoPose3D files (default); 3dhp: an MPI-INF-3DHP test set, "
                       "TS1..TS6/annot_data.mat")
    synth.add_argument("--seed", type=non_negative_int, default=0, help="random seed (>= 0, default 0)")
    synth.add_argument("--detector-name", dest="detector_name", default=None,
                       type=file_name_part,
                       help="h36m layout: name of the detector-like 2D file, data_2d_h36m_NAME.npz "
                       "(default cpn_ft_h36m_dbb)")
    synth.set_defaults(handler=_handle_synth)

    from jointformer.cli.dataset_commands import add_prepare_parser

    subparsers["prepare"] = add_prepare_parser(commands)

    summary = command("data-summary", "subjects, actions, frames and reprojection error")
    summary.add_argument("directory", help="data directory")
    summary.add_argument("--keypoints", "-k", default="gt", type=file_name_part,
                         help="2D file: data_2d_h36m_NAME.npz")
    summary.set_defaults(handler=lambda parser_, args: _handle_summary(args))

    for name, text in (("train", "train (or --evaluate) JointFormer, stage 1"),
                       ("refine", "train (or --evaluate) the refiner, stage 2")):
        stage = COMMAND_STAGES[name]
        sub = command(name, text)
        _add_seed_flags(sub, stage)
        sub.set_defaults(handler=lambda parser_, args, stage=stage: _handle_training(parser_, args, stage))

    evaluate = command("evaluate", "evaluate a checkpoint (ours or published) on S9/S11")
    _add_evaluate_flags(evaluate)
    evaluate.set_defaults(handler=_handle_evaluate)

    lift = command("lift", "lift 2D keypoints from any detector to 3D")
    lift.add_argument("input", help="COCO keypoint-results .json, .npy/.npz (T, J, 2|3), .csv, or a "
                      "VideoPose3D custom 2D .npz")
    add_lifter_flags(lift, scored="keypoints scored")
    lift.add_argument("--layout", default="coco",
                      help="keypoint layout: h36m, coco, halpe26, openpose25, mediapipe33, mpii16")
    lift.add_argument("--image-size", dest="image_size", nargs=2, type=positive_float, metavar=("W", "H"),
                      help="image width and height in pixels (required for --normalization screen)")
    lift.add_argument("--plot", default=None, help="PNG: 2D input and 3D pose for up to 16 poses")
    lift.add_argument("--gif", default=None, help="GIF animation of the first track")
    lift.add_argument("--smooth", action="store_true", help="One-Euro filter over time (sequences only)")
    lift.add_argument("--fps", type=positive_float, default=50.0,
                      help="frame rate of sequences (for --smooth, --gif)")
    lift.add_argument("--images", action="store_true",
                      help="lift every pose as an independent image (default: a COCO file with one detection "
                      "per image_id and no track ids is one track, a video; arrays and CSV rows are frames)")
    lift.add_argument("--normalization", default="extent", choices=["extent", "screen"],
                      help="extent: centre and scale each pose to the training distribution (default); "
                      "screen: the Human3.6M screen normalisation with --image-size")
    lift.set_defaults(handler=lambda parser_, args: _handle_lift(args))

    from jointformer.cli.video_command import add_video_parser

    subparsers["video"] = add_video_parser(commands)

    export = command("export", "export a model with its normalisation to ONNX")
    export.add_argument("checkpoint", help="stage-1 or refinement checkpoint")
    export.add_argument("--onnx", required=True, help="output .onnx file")
    export.add_argument("--refiner", default=None, help="refinement checkpoint to run on top")
    export.add_argument("--opset", type=opset_version, default=18,
                        help="ONNX opset, 17 to the newest the installed onnx knows")
    export.add_argument("--no-flip", dest="no_flip", action="store_true", help="leave the flip test out")
    export.set_defaults(handler=lambda parser_, args: _handle_export(args))

    compare = command("compare", "compare checkpoints: P1/P2 per action, size, speed")
    add_compare_flags(compare)
    compare.set_defaults(handler=lambda parser_, args: handle_compare(args))
    return parser, subparsers


def _handle_lift(args: argparse.Namespace) -> int:
    from jointformer.lift.keypoint_files import read_keypoints
    from jointformer.lift.layouts import get_layout
    from jointformer.lift.lifter import Lifter
    from jointformer.lift.outputs import write_lift_output

    use_packaged_model_without_checkpoint(args)
    checks.check_lift_outputs(args)
    layout = get_layout(args.layout)
    tracks = read_keypoints(args.input, num_joints=layout.num_joints, images=args.images)
    for track in tracks:
        if track.note:
            print(f"==> {args.input}: {track.note}")
    lifter = Lifter.from_checkpoint(args.checkpoint, device=args.device, refiner=args.refiner)
    # Every track in one pass of the model (independent images prepared together), then smoothing per track.
    results = lifter.lift_tracks(tracks, image_size=tuple(args.image_size) if args.image_size else None,
                                 layout=layout.name, flip_test=not args.no_flip, min_score=args.min_score,
                                 allow_missing=args.allow_missing, normalization=args.normalization,
                                 progress=sys.stderr.isatty())
    for track, result in zip(tracks, results, strict=True):
        if args.smooth and track.is_sequence and len(result) > 1:
            from jointformer.lift.smoothing import one_euro_filter

            result.poses_3d = one_euro_filter(result.poses_3d, fps=args.fps)
    metadata = {"checkpoint": args.checkpoint, "refiner": args.refiner, "layout": layout.name,
                "synthesized_joints": list(layout.synthesized), "input": args.input,
                "image_size": list(args.image_size) if args.image_size else None,
                "normalization": args.normalization, "flip_test": not args.no_flip,
                "min_score": args.min_score, "smoothed": bool(args.smooth),
                "input_stats_source": lifter.input_stats.source or "checkpoint"}
    path = write_lift_output(args.out, tracks, results, metadata)
    print(f"==> {sum(len(result) for result in results)} poses in {len(tracks)} track(s) written to {path}")
    write_lift_pictures(args, tracks, results)
    return 0


def _handle_export(args: argparse.Namespace) -> int:
    from jointformer.lift.export import export_onnx
    from jointformer.lift.lifter import Lifter

    checks.check_export_output(args)
    lifter = Lifter.from_checkpoint(args.checkpoint, device="cpu", refiner=args.refiner)
    path = export_onnx(lifter, args.onnx, opset=args.opset, flip_test=not args.no_flip)
    print(f"==> ONNX model written to {path}: input keypoints (B, 17, 2) pixels in Human3.6M order; outputs "
          f"pose_3d (B, 17, 3) m and error_mm (B, 17)")
    return 0


def _handle_evaluate(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    from jointformer.cli.dataset_commands import evaluate_datasets, parse_datasets

    datasets = parse_datasets(parser, args)
    if args.downsample < 1:
        parser.error(f"--downsample must be a positive whole number, got {args.downsample}")
    if datasets == ("3dhp",):
        args.results_csv = ""  # the Human3.6M results table: not written for 3DHP alone, so not checked
    checkpoint = _read_checkpoint_for(parser, args, args.evaluate)
    if datasets == ("h36m",):
        return _evaluate(args, checkpoint)
    checks.check_evaluate_outputs(args)
    return evaluate_datasets(args, datasets, checkpoint)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (errors in the user's input give status 2)."""
    parser, subparsers = build_parsers()
    args = parser.parse_args(argv)
    from jointformer.allocator import keep_large_blocks_in_heap

    keep_large_blocks_in_heap()  # large activations reused, not re-faulted: ~1.5x faster batches on CPU
    try:
        return args.handler(subparsers[args.command], args)
    except (JointformerError, FileNotFoundError) as error:
        print(f"jointformer {args.command}: error: {error}", file=sys.stderr)
        return 2


__all__ = ["build_parser", "build_parsers", "main"]
