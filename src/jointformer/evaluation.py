"""Evaluation on the test subjects: the published protocol, its tables and its result files.

The protocol: every test pose of every action, optional test-time flip (run the model on the input and on
its mirror, centre both on joint 0, un-mirror the second and average:
:func:`jointformer.models.inference.flip_averaged`), Protocol #1/#2/#3 from
:mod:`jointformer.metrics`, frame-weighted within an action, and the reported figure is the mean over the
actions of the per-action means. Validation during training uses the same code without flip and also
reports the frame-weighted mean over all test poses (as the published training loop does).

A model here is any module that maps (B, 17, 2) normalised screen coordinates to an object with ``.pose``
(B, 17, 3) metres, camera frame (``jointformer.models`` outputs); the final pose is the one evaluated.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import torch
from torch import nn

from jointformer.atomic_files import write_text_atomically
from jointformer.checkpoint import LoadedCheckpoint
from jointformer.data.poseset import PoseSet
from jointformer.data.skeleton import SKELETON17
from jointformer.errors import JointformerError
from jointformer.metrics import MM_PER_M, ErrorSums
from jointformer.models.inference import autocast_context, flip_averaged


@dataclass
class EvaluationResult:
    """Errors in millimetres. ``protocolN`` maps each evaluated action to its frame-weighted mean and
    ``"avg"`` to the mean over those actions; ``overall_*`` are frame-weighted over all poses."""

    actions: list[str]
    protocol1: dict[str, float]
    protocol2: dict[str, float]
    protocol3: dict[str, float]
    per_joint: dict[str, float]
    overall_protocol1: float
    overall_protocol2: float
    frames: int

    def to_dict(self, checkpoint: str | None = None, keypoints: str | None = None) -> dict[str, Any]:
        """The ``results.json`` document."""
        return {"protocol1": self.protocol1, "protocol2": self.protocol2, "protocol3": self.protocol3,
                "per_joint": self.per_joint, "overall_protocol1": self.overall_protocol1,
                "overall_protocol2": self.overall_protocol2, "checkpoint": checkpoint,
                "keypoints": keypoints, "frames": self.frames, "units": "mm"}


def predict_poses(model: nn.Module, inputs_2d: torch.Tensor, pose_set: PoseSet, flip: bool) -> torch.Tensor:
    """Root-centred predictions (B, 17, 3) metres, camera frame, for inputs (B, 17, 2) normalised screen,
    with the published flip test when ``flip`` (2D mirrored with the set's 2D left/right lists, 3D with the
    skeleton's)."""
    return flip_averaged(model, inputs_2d, pose_set.flip_2d, pose_set.flip_3d, flip)[0]


@torch.no_grad()
def evaluate_model(model: nn.Module, test_set: PoseSet, *, flip: bool = True, batch_size: int = 1024,
                   amp: bool = False) -> EvaluationResult:
    """Evaluate ``model`` (put in eval mode here) on every pose of ``test_set`` in one pass.

    Per-action sums are accumulated by the set's action index, so the result equals one pass per action.
    """
    if len(test_set) == 0:
        raise JointformerError("the test set is empty: check --actions and the test subjects' data")
    model.eval()
    sums = ErrorSums(num_groups=len(test_set.actions), num_joints=test_set.targets_3d.shape[1])
    with autocast_context(test_set.device, amp):
        for indices in test_set.ordered_batches(batch_size):
            inputs_2d, targets_3d = test_set.batch(indices)
            predicted = predict_poses(model, inputs_2d, test_set, flip)
            sums.update(predicted, targets_3d, test_set.action[indices])
    return _result_from_sums(sums, test_set.actions)


def _result_from_sums(sums: ErrorSums, actions: tuple[str, ...]) -> EvaluationResult:
    group = sums.group_means()
    overall = sums.overall_means()
    present = [index for index in range(len(actions)) if sums.count[index] > 0]

    def table(values: torch.Tensor) -> dict[str, float]:
        rows = {actions[index]: float(values[index]) * MM_PER_M for index in present}
        rows["avg"] = sum(rows.values()) / len(rows)
        return rows

    return EvaluationResult(
        actions=[actions[index] for index in present],
        protocol1=table(group["protocol1"]),
        protocol2=table(group["protocol2"]),
        protocol3=table(group["protocol3"]),
        per_joint={name: float(value) * MM_PER_M
                   for name, value in zip(SKELETON17.names, overall["per_joint"], strict=True)},
        overall_protocol1=float(overall["protocol1"]) * MM_PER_M,
        overall_protocol2=float(overall["protocol2"]) * MM_PER_M,
        frames=int(sums.count.sum()),
    )


def format_table(result: EvaluationResult) -> str:
    """A plain-text table: one row per action with Protocol #1 and #2 (mm), then the average."""
    width = max(len(name) for name in [*result.actions, "Average"])
    lines = [f"{'Action':<{width}}  {'P1 (mm)':>8}  {'P2 (mm)':>8}", "-" * (width + 20)]
    for action in result.actions:
        lines.append(f"{action:<{width}}  {result.protocol1[action]:8.2f}  {result.protocol2[action]:8.2f}")
    lines.append("-" * (width + 20))
    lines.append(f"{'Average':<{width}}  {result.protocol1['avg']:8.2f}  {result.protocol2['avg']:8.2f}")
    return "\n".join(lines)


def published_summary_lines(result: EvaluationResult) -> list[str]:
    """The two lines the published evaluation prints."""
    return [f"Protocol #1   (MPJPE) action-wise average: {result.protocol1['avg']:.2f} (mm)",
            f"Protocol #2 (P-MPJPE) action-wise average: {result.protocol2['avg']:.2f} (mm)"]


def append_results_csv(path: str | Path, result: EvaluationResult, checkpoint: str) -> Path:
    """Append two rows (Protocol #1, then #2) in the published layout:
    ``TimeStamp, checkpoint, <actions>, avg``. The header is written when the file is new; an existing file
    with a different header is an error (its columns would not line up)."""
    path = Path(path)
    header = ["TimeStamp", "checkpoint", *result.actions, "avg"]
    existing = path.read_text(encoding="utf-8") if path.exists() else ""
    if existing:
        found = next(csv.reader(io.StringIO(existing)), [])
        if found != header:
            raise JointformerError(
                f"{path}: its header {found} differs from this evaluation's columns {header}; "
                f"pass --results-csv with another file name or move the old file away")
    timestamp = datetime.now().strftime("%Y-%m-%d-%H:%M:%S")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if not existing:
        writer.writerow(header)
    for table in (result.protocol1, result.protocol2):
        writer.writerow([timestamp, checkpoint, *(table[action] for action in result.actions), table["avg"]])
    return write_text_atomically(path, existing + buffer.getvalue())


def write_results_json(path: str | Path, result: EvaluationResult, checkpoint: str | None,
                       keypoints: str | None) -> Path:
    """Write every figure of ``result`` (mm) with the checkpoint and keypoints names as JSON."""
    return write_results_document(path, result.to_dict(checkpoint=checkpoint, keypoints=keypoints))


def write_results_document(path: str | Path, document: dict[str, Any]) -> Path:
    """Write an evaluation's results (Human3.6M, MPI-INF-3DHP or both) as indented JSON, atomically."""
    return write_text_atomically(path, json.dumps(document, indent=2) + "\n")


def _finite_evaluation(checkpoint: str | Path, evaluate: Callable[[], EvaluationResult]) -> EvaluationResult:
    """``evaluate()``, or a JointformerError when the model's poses are not finite (weights so large that
    the error metrics overflow): no NaN is ever printed or written as a result."""
    try:
        result = evaluate()
    except torch.linalg.LinAlgError:
        result = None
    if result is None or not all(math.isfinite(value) for value in (*result.protocol1.values(),
                                                                     *result.protocol2.values())):
        raise JointformerError(f"{checkpoint}: the model's predictions are not finite (diverged weights?); "
                               f"no result was written; evaluate an earlier checkpoint")
    return result


def evaluate_checkpoint(checkpoint: str | Path, test_set: PoseSet, *, keypoints: str | None,
                        flip: bool = True, amp: bool = False, results_json: str | Path = "results.json",
                        results_csv: str | Path | None = "results.csv",
                        batch_size: int = 1024, loaded: LoadedCheckpoint | None = None) -> EvaluationResult:
    """Load any checkpoint (ours or published; stage 1 or refinement), evaluate it on ``test_set`` with
    the published protocol, print the table and the published summary lines, and write the result files
    (``results_csv`` gets two rows appended; None skips it). ``loaded``: the file already read (by a
    command that checked its flags against it); read from ``checkpoint`` when None."""
    from jointformer.checkpoint import load_checkpoint

    loaded = loaded or load_checkpoint(checkpoint, map_location=test_set.device)
    model = loaded.model(map_location=test_set.device)
    result = _finite_evaluation(checkpoint, lambda: evaluate_model(model, test_set, flip=flip,
                                                                   batch_size=batch_size, amp=amp))
    print(format_table(result))
    for line in published_summary_lines(result):
        print(line)
    if results_csv is not None:
        append_results_csv(results_csv, result, str(checkpoint))
    json_path = write_results_json(results_json, result, str(checkpoint), keypoints)
    print(f"==> results written to {json_path}" + (f" and {results_csv}" if results_csv else ""))
    return result
