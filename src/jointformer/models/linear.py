"""The simple baseline of Martinez et al. (ICCV 2017) as ported in garyzhao/SemGCN
(``models/linear_model.py``), rewritten for this package.

Shape letters: ``B`` batch, ``J`` joints, ``L`` the linear width (``linear_size``).

The flattened 2D pose (B, J*2), normalised screen coordinates, goes through Linear -> BatchNorm -> ReLU ->
Dropout to width L, ``num_stages`` residual stages of two such layers, and a Linear to the (J-1) non-root
joints' 3D positions; the root (joint 0) is returned at the origin, as the published evaluation pads it.
Output (B, J, 3) metres, camera frame, root-relative.

Parameter names follow the published code (``w1``, ``batch_norm1``, ``linear_stages.N.w1`` ...,
``w2``), so ``state_dict()`` is the layout of SemGCN's ``ckpt_linear.pth.tar`` (a 16-joint model there:
input 32, output 45).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from jointformer.models.config_checks import check_positive_integers, check_probability, config_from_fields
from jointformer.models.jointformer import LiftOutput


@dataclass
class LinearModelConfig:
    """Architecture of the linear baseline; stored in checkpoints, enough to rebuild the model.

    Defaults are the published ones (width 1024, 2 residual stages, dropout 0.5) on this package's 17
    joints; ``num_joints=16`` is the layout of SemGCN's released checkpoint.
    """

    num_joints: int = 17
    linear_size: int = 1024
    num_stages: int = 2
    dropout: float = 0.5

    in_features = 2  # class constants: what the pipeline asks of any model's config
    error_prediction = False

    def __post_init__(self) -> None:
        check_positive_integers(self, ("num_joints", "linear_size", "num_stages"))
        if self.num_joints < 2:
            raise ValueError(f"LinearModelConfig.num_joints must be at least 2 (root + one joint), "
                             f"got {self.num_joints}")
        check_probability(self, "dropout")

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> LinearModelConfig:
        """Rebuild a config from ``dataclasses.asdict`` output; unknown or bad fields raise ValueError."""
        return config_from_fields(cls, values)


class ResidualLinearStage(nn.Module):
    """Two (Linear -> BatchNorm -> ReLU -> Dropout) layers with an identity shortcut: (B, L) -> (B, L)."""

    def __init__(self, linear_size: int, dropout: float) -> None:
        super().__init__()
        self.w1 = nn.Linear(linear_size, linear_size)
        self.batch_norm1 = nn.BatchNorm1d(linear_size)
        self.w2 = nn.Linear(linear_size, linear_size)
        self.batch_norm2 = nn.BatchNorm1d(linear_size)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: Tensor) -> Tensor:
        """x: (B, L) -> (B, L)."""
        h = self.dropout(F.relu(self.batch_norm1(self.w1(x))))
        h = self.dropout(F.relu(self.batch_norm2(self.w2(h))))
        return x + h


class LinearModel(nn.Module):
    """Martinez et al.'s baseline: (B, J, 2) normalised screen coordinates -> (B, J, 3) metres."""

    def __init__(self, config: LinearModelConfig) -> None:
        super().__init__()
        self.config = config
        joints, width = config.num_joints, config.linear_size
        self.w1 = nn.Linear(joints * config.in_features, width)
        self.batch_norm1 = nn.BatchNorm1d(width)
        self.linear_stages = nn.ModuleList(ResidualLinearStage(width, config.dropout)
                                           for _ in range(config.num_stages))
        self.w2 = nn.Linear(width, (joints - 1) * 3)
        self.dropout = nn.Dropout(config.dropout)
        # As published: Kaiming-normal weights for every Linear, default biases and BatchNorms.
        for module in self.modules():
            if isinstance(module, nn.Linear):
                nn.init.kaiming_normal_(module.weight)

    def forward(self, x: Tensor) -> LiftOutput:
        """x: (B, J, 2) normalised screen coordinates. Returns a LiftOutput with one pose (B, J, 3) metres,
        camera frame, root-relative (joint 0 exactly zero), and ``errors`` None."""
        joints = self.config.num_joints
        if x.dim() != 3 or x.shape[1] != joints or x.shape[2] != 2:
            raise ValueError(f"LinearModel input must have shape (B, {joints}, 2), got {tuple(x.shape)}")
        batch = x.shape[0]
        h = self.dropout(F.relu(self.batch_norm1(self.w1(x.reshape(batch, -1)))))  # (B, L)
        for stage in self.linear_stages:
            h = stage(h)
        joints_3d = self.w2(h).view(batch, joints - 1, 3)  # (B, J-1, 3), the non-root joints
        root = torch.zeros(batch, 1, 3, dtype=joints_3d.dtype, device=joints_3d.device)
        return LiftOutput(poses=[torch.cat([root, joints_3d], dim=1)])
