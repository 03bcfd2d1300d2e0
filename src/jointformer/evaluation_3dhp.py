"""Evaluation on the MPI-INF-3DHP test set, and the cross-dataset table (Human3.6M and 3DHP side by side).

The protocol is the official one (``mpii_test_predictions`` / ``mpii_compute_3d_pck``, see
:class:`jointformer.metrics.PCKSums`): valid frames only; the prediction, centred on its pelvis, against
``univ_annot3`` centred on its pelvis; PCK at 150 mm and AUC over 0, 5, ..., 150 mm on the official 14
joints (``--3dhp-joints 17`` scores all 17, a variant some lifting repositories report), MPJPE over all 17.
Results per sequence (TS1-TS6), per activity (7 labels) and per scene (GS, noGS, Outdoor) and overall
("all"), all exact frame-weighted figures from sums and counts. The model sees each sequence's 2D
ground truth, normalised with its own image size, and the same flip test as on Human3.6M.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from jointformer.checkpoint import LoadedCheckpoint
from jointformer.data.mpi_inf_3dhp import (
    ACTIVITIES,
    OFFICIAL_PCK_JOINTS,
    SCENES,
    pose_set_3dhp,
    read_test_set,
)
from jointformer.data.poseset import PoseSet
from jointformer.data.skeleton import SKELETON17
from jointformer.evaluation import EvaluationResult, predict_poses
from jointformer.metrics import MM_PER_M, PCKSums
from jointformer.models.inference import autocast_context

_CELLS_PER_SEQUENCE = len(ACTIVITIES) + 1  # activity labels 0 (unknown) .. 7
PCK_JOINT_CHOICES = {14: OFFICIAL_PCK_JOINTS, 17: tuple(range(SKELETON17.num_joints))}


@dataclass
class Result3DHP:
    """Rows: sequence names, activity names, scene names and "all"; PCK and AUC in percent, MPJPE in mm."""

    pck150: dict[str, float]
    auc: dict[str, float]
    mpjpe: dict[str, float]
    frames: dict[str, int]
    pck_joints: int

    def to_dict(self, checkpoint: str | None = None) -> dict[str, Any]:
        """The ``results.json`` document."""
        return {"dataset": "3dhp", "pck150": self.pck150, "auc": self.auc, "mpjpe": self.mpjpe,
                "frames": self.frames, "pck_joints": self.pck_joints,
                "pck_joint_names": [SKELETON17.names[joint] for joint in PCK_JOINT_CHOICES[self.pck_joints]],
                "checkpoint": checkpoint, "units": {"pck150": "%", "auc": "%", "mpjpe": "mm"}}


def _rows(sequences: tuple[str, ...]) -> dict[str, list[int]]:
    """Each reported row and the (sequence x activity) cells it merges."""
    def cells(sequence_indices: list[int], labels: range | list[int]) -> list[int]:
        return [index * _CELLS_PER_SEQUENCE + label for index in sequence_indices for label in labels]

    every_label = range(_CELLS_PER_SEQUENCE)
    rows = {name: cells([index], every_label) for index, name in enumerate(sequences)}
    rows |= {name: cells(list(range(len(sequences))), [label + 1]) for label, name in enumerate(ACTIVITIES)}
    rows |= {scene: cells([sequences.index(name) for name in members if name in sequences], every_label)
             for scene, members in SCENES.items()}
    rows["all"] = cells(list(range(len(sequences))), every_label)
    return rows


@torch.no_grad()
def evaluate_model_3dhp(model: nn.Module, test_set: PoseSet, *, pck_joints: int = 14, flip: bool = True,
                        batch_size: int = 1024, amp: bool = False) -> Result3DHP:
    """Evaluate ``model`` on a 3DHP pose set (:func:`jointformer.data.mpi_inf_3dhp.pose_set_3dhp`)."""
    if pck_joints not in PCK_JOINT_CHOICES:
        raise ValueError(f"pck_joints must be 14 (official) or 17, got {pck_joints!r}")
    model.eval()
    sums = PCKSums(len(test_set.subjects) * _CELLS_PER_SEQUENCE, PCK_JOINT_CHOICES[pck_joints])
    with autocast_context(test_set.device, amp):
        for indices in test_set.ordered_batches(batch_size):
            inputs_2d, targets_3d = test_set.batch(indices)
            predicted = predict_poses(model, inputs_2d, test_set, flip)
            sums.update(predicted, targets_3d, test_set.subject[indices] * _CELLS_PER_SEQUENCE
                        + test_set.action[indices])
    result = Result3DHP({}, {}, {}, {}, pck_joints)
    for row, cells in _rows(test_set.subjects).items():
        means = sums.means(cells)
        if means is None:  # e.g. activities of the npz layout, which has no labels
            continue
        result.pck150[row] = 100.0 * means["pck"]
        result.auc[row] = 100.0 * means["auc"]
        result.mpjpe[row] = MM_PER_M * means["mpjpe"]
        result.frames[row] = means["poses"]
    return result


def format_table_3dhp(result: Result3DHP) -> str:
    """Rows: sequences, activities, scenes, all; columns PCK, AUC (%), MPJPE (mm), frames."""
    width = max(len(row) for row in result.pck150)
    joints = "official 14 joints" if result.pck_joints == 14 else "all 17 joints"
    lines = [f"MPI-INF-3DHP test set (PCK/AUC on the {joints}, MPJPE on 17)",
             f"{'':<{width}}  {'PCK150':>7}  {'AUC':>6}  {'MPJPE':>7}  {'frames':>7}", "-" * (width + 36)]
    for row in result.pck150:
        if row == "all":
            lines.append("-" * (width + 36))
        lines.append(f"{row:<{width}}  {result.pck150[row]:7.1f}  {result.auc[row]:6.1f}  "
                     f"{result.mpjpe[row]:7.1f}  {result.frames[row]:7d}")
    return "\n".join(lines)


def format_cross_table(checkpoint: str, h36m: EvaluationResult, mpi: Result3DHP) -> str:
    """One row per checkpoint: Human3.6M P1/P2 (mm) beside 3DHP PCK/AUC (%) and MPJPE (mm)."""
    header = (f"{'checkpoint':<30}  {'H36M P1':>8}  {'H36M P2':>8}  {'3DHP PCK':>8}  {'3DHP AUC':>8}  "
              f"{'3DHP MPJPE':>10}")
    name = checkpoint if len(checkpoint) <= 30 else "..." + checkpoint[-27:]
    row = (f"{name:<30}  {h36m.protocol1['avg']:8.1f}  {h36m.protocol2['avg']:8.1f}  "
           f"{mpi.pck150['all']:8.1f}  {mpi.auc['all']:8.1f}  {mpi.mpjpe['all']:10.1f}")
    return "\n".join([header, "-" * len(header), row])


def evaluate_checkpoint_3dhp(checkpoint: str | Path, data_dir: str | Path, *, device: torch.device,
                             pck_joints: int = 14, flip: bool = True, amp: bool = False,
                             batch_size: int = 1024, loaded: LoadedCheckpoint | None = None) -> Result3DHP:
    """Load any checkpoint, evaluate it on the 3DHP test set in ``data_dir`` and print the table.
    ``loaded``: the file already read; read from ``checkpoint`` when None."""
    from jointformer.checkpoint import load_checkpoint

    test_set = pose_set_3dhp(read_test_set(data_dir)).to(device)
    model = (loaded or load_checkpoint(checkpoint, map_location=device)).model(map_location=device)
    result = evaluate_model_3dhp(model, test_set, pck_joints=pck_joints, flip=flip, batch_size=batch_size,
                                 amp=amp)
    print(format_table_3dhp(result))
    return result
