"""Command-line flags that ``jointformer lift`` and ``jointformer video`` share, with the same meaning in
both: the model (``--checkpoint``, ``--refiner``, the packaged model when no checkpoint is given), the lifted
output (``--out``, ``--html``) and the lifting options (``--min-score``, ``--allow-missing``, ``--no-flip``,
``--device``). Each command adds its own flags beside them."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from jointformer.cli.checks import device_name, unit_interval


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


def write_lift_pictures(args: argparse.Namespace, tracks: Sequence[Any], results: Sequence[Any]) -> None:
    """The pictures the output flags ask for: ``--plot`` (up to 16 poses spread over every track),
    ``--gif`` and ``--html`` (the first track; ``args.fps`` its frame rate). ``tracks`` are the input
    tracks and ``results`` their LiftResults, pairwise; each written path is printed."""
    import numpy as np

    from jointformer.visualization import plot_poses, write_gif, write_html

    if args.plot:
        rows = [(track, result, row) for track, result in zip(tracks, results, strict=True)
                for row in range(len(result))]
        chosen = [rows[int(index)] for index in np.linspace(0, len(rows) - 1, min(16, len(rows)))]
        errors = [result.errors_mm[row] for _, result, row in chosen if result.errors_mm is not None]
        path = plot_poses(args.plot, np.stack([result.poses_3d[row] for _, result, row in chosen]),
                          inputs_2d=np.stack([result.keypoints_2d[row] for _, result, row in chosen]),
                          errors_mm=np.stack(errors) if len(errors) == len(chosen) else None,
                          titles=[f"{track.track_id} frame {track.frame_ids[row]}"
                                  for track, _, row in chosen])
        print(f"==> figure: {path}")
    first = results[0]
    if args.gif:
        gif = write_gif(args.gif, first.poses_3d, inputs_2d=first.keypoints_2d, errors_mm=first.errors_mm,
                        fps=min(args.fps, 25.0))
        print(f"==> animation: {gif}")
    if args.html:
        html = write_html(args.html, first.poses_3d, errors_mm=first.errors_mm, fps=args.fps)
        print(f"==> viewer: {html}")
