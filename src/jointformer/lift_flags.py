"""Command-line flags that ``jointformer lift`` and ``jointformer video`` share, with the same meaning in
both: the model (``--checkpoint``, ``--refiner``, the packaged model when no checkpoint is given), the lifted
output (``--out``, ``--html``) and the lifting options (``--min-score``, ``--allow-missing``, ``--no-flip``,
``--device``). Each command adds its own flags beside them."""

from __future__ import annotations

import argparse

from jointformer.cli_checks import device_name, unit_interval


def add_lifter_flags(parser: argparse.ArgumentParser, scored: str) -> None:
    """Add the shared flags to ``parser``; ``scored`` names what carries the scores in that command's input
    ("keypoints scored", "landmarks with a visibility")."""
    add = parser.add_argument
    add("--checkpoint", default=None,
        help="stage-1 or refinement checkpoint (ours or published); default: the packaged in-the-wild model "
        "(jointformer/weights/wild_stage1.pth.tar)")
    add("--refiner", default=None, help="refinement checkpoint to run on top of --checkpoint")
    add("--out", required=True, help="output file, .json or .npz")
    add("--html", default=None, help="self-contained interactive HTML 3D viewer")
    add("--min-score", dest="min_score", type=unit_interval, default=0.3,
        help=f"{scored} below this are missing (default 0.3)")
    add("--allow-missing", dest="allow_missing", action="store_true",
        help="fill joints missing in a single image (or a whole track) from the training pose template that "
        "best fits the joints that are present")
    add("--no-flip", dest="no_flip", action="store_true", help="no flip test-time augmentation")
    add("--device", default="auto", type=device_name)


def use_packaged_model_without_checkpoint(args: argparse.Namespace) -> None:
    """Without --checkpoint, lift with the packaged model (``args.checkpoint`` set to it) and say which."""
    from jointformer.lift.pretrained import checkpoint_or_packaged

    args.checkpoint, packaged = checkpoint_or_packaged(args.checkpoint, args.refiner)
    if packaged:
        print(f"==> no --checkpoint: using the packaged in-the-wild model {args.checkpoint}")
