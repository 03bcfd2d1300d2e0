"""Pose error metrics, in torch and batched — the one implementation used by validation, evaluation and tests.

Shapes: ``B`` poses, ``J`` joints. Predictions and targets are (B, J, 3) in metres in the same frame;
the functions return metres (callers convert to millimetres only when reporting).

- Protocol #1, MPJPE: mean Euclidean joint distance. The protocol centres the prediction on the root
  (joint 0) first — :func:`root_centre`, applied by :mod:`jointformer.evaluation` — as the published
  evaluation does; the metric itself compares the points it is given.
- Protocol #2, P-MPJPE: the same after aligning each prediction to its target with the best similarity
  transform (translation, rotation, uniform scale). Procrustes by SVD; reflections are excluded by flipping
  the sign of the last singular direction when the determinant is negative.
- Protocol #3, N-MPJPE: the same after the best uniform scale of the prediction alone.

For exact per-action and overall means over many batches, accumulate :class:`ErrorSums` (sums and counts,
not a mean of batch means).
"""

from __future__ import annotations

import torch

MM_PER_M = 1000.0
"""Millimetres per metre: the metrics work in metres, reports multiply by this where they print or write
millimetres."""


def _check_shapes(predicted: torch.Tensor, target: torch.Tensor) -> None:
    if predicted.shape != target.shape or predicted.ndim != 3 or predicted.shape[-1] != 3:
        raise ValueError(
            f"expected predicted and target poses of the same shape (B, J, 3); got predicted "
            f"{tuple(predicted.shape)} and target {tuple(target.shape)}")


def root_centre(poses: torch.Tensor, root: int = 0) -> torch.Tensor:
    """(B, J, 3) -> (B, J, 3) with joint ``root`` moved to the origin. Same units and frame."""
    return poses - poses[:, root:root + 1]


def joint_errors(predicted: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Per-joint Euclidean distances (B, J), metres. predicted, target: (B, J, 3) metres, same frame."""
    _check_shapes(predicted, target)
    return torch.linalg.vector_norm(predicted - target, dim=-1)


def mpjpe(predicted: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Protocol #1 per pose: (B,) metres. Inputs (B, J, 3) metres, same frame (root-centred by the caller)."""
    return joint_errors(predicted, target).mean(dim=-1)


def procrustes_align(predicted: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Align each predicted pose to its target by the best similarity transform, reflections excluded.

    predicted, target: (B, J, 3) metres, same frame. Returns (B, J, 3): the transformed prediction, in the
    target's frame. Computed in float64 for a stable SVD.
    """
    _check_shapes(predicted, target)
    source = predicted.double()
    goal = target.double()
    source_mean = source.mean(dim=1, keepdim=True)
    goal_mean = goal.mean(dim=1, keepdim=True)
    source_centred = source - source_mean
    goal_centred = goal - goal_mean
    source_norm = torch.linalg.vector_norm(source_centred, dim=(1, 2), keepdim=True).clamp_min(1e-12)
    goal_norm = torch.linalg.vector_norm(goal_centred, dim=(1, 2), keepdim=True).clamp_min(1e-12)
    source_unit = source_centred / source_norm
    goal_unit = goal_centred / goal_norm
    covariance = goal_unit.transpose(1, 2) @ source_unit  # (B, 3, 3)
    u, singular_values, vh = torch.linalg.svd(covariance)
    # Exclude reflections: if det(U V^T) < 0, flip the last singular direction.
    sign = torch.sign(torch.linalg.det(u @ vh))
    sign = torch.where(sign == 0, torch.ones_like(sign), sign)
    u = torch.cat([u[:, :, :2], u[:, :, 2:] * sign[:, None, None]], dim=2)
    singular_values = torch.cat([singular_values[:, :2], singular_values[:, 2:] * sign[:, None]], dim=1)
    rotation = vh.transpose(1, 2) @ u.transpose(1, 2)  # row vectors: aligned = x @ rotation
    scale = singular_values.sum(dim=1)[:, None, None] * goal_norm / source_norm
    aligned = scale * (source_centred @ rotation) + goal_mean
    return aligned.to(predicted.dtype)


def p_mpjpe(predicted: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Protocol #2 per pose: (B,) metres, after Procrustes alignment. Inputs (B, J, 3) metres."""
    aligned = procrustes_align(predicted, target)
    return torch.linalg.vector_norm(aligned - target, dim=-1).mean(dim=-1)


def n_mpjpe(predicted: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Protocol #3 per pose: (B,) metres, after the least-squares uniform scale of the prediction.
    Inputs (B, J, 3) metres, same frame (root-centred by the caller)."""
    _check_shapes(predicted, target)
    scale = (predicted * target).sum(dim=(1, 2)) / (predicted * predicted).sum(dim=(1, 2)).clamp_min(1e-12)
    return torch.linalg.vector_norm(scale[:, None, None] * predicted - target, dim=-1).mean(dim=-1)


class ErrorSums:
    """Running sums of Protocols #1-#3 and of the per-joint Protocol #1 error, per group, in metres.

    Groups are e.g. the 15 actions: ``update`` takes a (B,) group index per pose, and the means are exact
    frame-weighted means within each group (sums and counts, never a mean of batch means).
    """

    def __init__(self, num_groups: int = 1, num_joints: int = 17) -> None:
        self.count = torch.zeros(num_groups, dtype=torch.float64)
        self.protocol1 = torch.zeros(num_groups, dtype=torch.float64)
        self.protocol2 = torch.zeros(num_groups, dtype=torch.float64)
        self.protocol3 = torch.zeros(num_groups, dtype=torch.float64)
        self.per_joint = torch.zeros(num_groups, num_joints, dtype=torch.float64)

    def update(self, predicted: torch.Tensor, target: torch.Tensor,
               groups: torch.Tensor | None = None) -> None:
        """Add a batch: predicted, target (B, J, 3) metres, same frame (both root-centred for the
        protocols); groups (B,) int64 group indices (all 0 when omitted)."""
        predicted = predicted.float()
        per_joint = joint_errors(predicted, target).double().cpu()
        groups = torch.zeros(len(per_joint), dtype=torch.long) if groups is None else groups.cpu().long()
        self.count.index_add_(0, groups, torch.ones(len(groups), dtype=torch.float64))
        self.per_joint.index_add_(0, groups, per_joint)
        self.protocol1.index_add_(0, groups, per_joint.mean(dim=1))
        self.protocol2.index_add_(0, groups, p_mpjpe(predicted, target).double().cpu())
        self.protocol3.index_add_(0, groups, n_mpjpe(predicted, target).double().cpu())

    def _require_poses(self) -> None:
        if float(self.count.sum()) == 0:
            raise ValueError("no poses were accumulated")

    def group_means(self) -> dict[str, torch.Tensor]:
        """Per-group means: "protocol1"/"protocol2"/"protocol3" (G,) and "per_joint" (G, J), metres.
        Groups that received no pose hold NaN."""
        self._require_poses()
        count = self.count
        return {"protocol1": self.protocol1 / count, "protocol2": self.protocol2 / count,
                "protocol3": self.protocol3 / count, "per_joint": self.per_joint / count[:, None]}

    def overall_means(self) -> dict[str, torch.Tensor]:
        """Frame-weighted means over all groups: protocols as 0-d tensors, "per_joint" (J,), metres."""
        self._require_poses()
        total = self.count.sum()
        return {"protocol1": self.protocol1.sum() / total, "protocol2": self.protocol2.sum() / total,
                "protocol3": self.protocol3.sum() / total, "per_joint": self.per_joint.sum(dim=0) / total}


PCK_THRESHOLD_M = 0.150
AUC_THRESHOLDS_M = tuple(step * 0.005 for step in range(31))  # 0, 5, ..., 150 mm


class PCKSums:
    """Running counts of MPI-INF-3DHP's metrics per group, as its official evaluation defines them
    (``mpii_compute_3d_pck``): PCK = share of joint errors strictly below 150 mm; AUC = mean of that share
    over the thresholds 0, 5, ..., 150 mm (so a perfect prediction scores AUC 30/31, the threshold 0 being
    met by no error); both over ``pck_joints`` only; MPJPE over all joints.

    Groups are fine cells (e.g. sequence x activity); :meth:`means` merges any set of them exactly from the
    sums and counts. Distances in metres; shares as fractions (callers print percent).
    """

    def __init__(self, num_groups: int, pck_joints: tuple[int, ...] | list[int],
                 thresholds: tuple[float, ...] = AUC_THRESHOLDS_M, pck_threshold: float = PCK_THRESHOLD_M,
                 ) -> None:
        self.pck_joints = list(pck_joints)
        self.thresholds = torch.tensor(thresholds, dtype=torch.float64)
        self.pck_threshold = pck_threshold
        self.count = torch.zeros(num_groups, dtype=torch.float64)  # poses
        self.below = torch.zeros(num_groups, len(thresholds), dtype=torch.float64)  # joints < each threshold
        self.below_pck = torch.zeros(num_groups, dtype=torch.float64)  # joints < pck_threshold
        self.error_sum = torch.zeros(num_groups, dtype=torch.float64)  # sum of per-pose mean joint errors

    def update(self, predicted: torch.Tensor, target: torch.Tensor, groups: torch.Tensor) -> None:
        """Add a batch: predicted, target (B, J, 3) metres, same frame, both root-centred; groups (B,)
        int64 cell indices."""
        errors = joint_errors(predicted.float(), target.float()).double().cpu()  # (B, J) metres
        groups = groups.cpu().long()
        scored = errors[:, self.pck_joints]  # (B, P)
        below = (scored[:, :, None] < self.thresholds).sum(dim=1).double()  # (B, K)
        self.count.index_add_(0, groups, torch.ones(len(groups), dtype=torch.float64))
        self.below.index_add_(0, groups, below)
        self.below_pck.index_add_(0, groups, (scored < self.pck_threshold).sum(dim=1).double())
        self.error_sum.index_add_(0, groups, errors.mean(dim=1))

    def means(self, groups: list[int] | None = None) -> dict[str, float] | None:
        """{"pck", "auc"} (fractions) and "mpjpe" (metres) over the union of ``groups`` (None: all); None
        when those groups hold no pose."""
        chosen = slice(None) if groups is None else groups
        poses = float(self.count[chosen].sum())
        if poses == 0:
            return None
        joints = poses * len(self.pck_joints)
        curve = self.below[chosen].sum(dim=0) / joints  # (K,)
        return {"pck": float(self.below_pck[chosen].sum()) / joints, "auc": float(curve.mean()),
                "mpjpe": float(self.error_sum[chosen].sum()) / poses, "poses": int(poses)}
