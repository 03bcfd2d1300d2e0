"""SemGCN (Zhao et al., CVPR 2019): semantic graph convolutions over the skeleton, optionally with non-local
blocks, as published in garyzhao/SemGCN (``models/sem_gcn.py``), rewritten for this package.

Shape letters: ``B`` batch, ``J`` joints, ``C`` channels (``hid_dim``), ``I`` non-local inner channels
(``C // 2``), ``G`` joint groups of the non-local blocks.

Input (B, J, 2) normalised screen coordinates; output (B, J, 3) metres, camera frame (root-relative after
the evaluation's centring on joint 0: like the published model, it is never told where the root is).

Joints: ``num_joints=17`` is this package's Human3.6M order (``SKELETON17``). ``num_joints=16`` is SemGCN's
published layout: the same joints without Neck/Nose (index 9), the head hanging from the thorax; the
released checkpoints (``ckpt_semgcn.pth.tar``, ``ckpt_semgcn_nonlocal.pth.tar``) are 16-joint models.

Module and parameter names follow the published code, so ``state_dict()`` is the published layout:
``gconv_input.0.gconv.{W,e,bias}``, ``gconv_input.0.bn.*``, ``gconv_layers.N.gconv1.gconv.W``, ...,
``gconv_output.{W,e,bias}``; with non-local blocks ``gconv_input.1.nonlocal.{g.0,theta,phi.0,
concat_project.0,W.0,W.1}.*`` and the layers alternate residual block / non-local block.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from jointformer.data.skeleton import SKELETON17
from jointformer.models.config_checks import check_positive_integers, check_probability, config_from_fields
from jointformer.models.jointformer import LiftOutput
from jointformer.models.layers import SemanticGraphEmbedding

NOSE = SKELETON17.names.index("Neck/Nose")
HEAD = SKELETON17.names.index("Head")

PUBLISHED_GROUPS_16 = ((2, 3), (5, 6), (1, 4), (0, 7), (8, 9), (14, 15), (11, 12), (10, 13))
"""SemGCN's joint grouping for its non-local blocks (16-joint order): key/value features are max-pooled over
each pair."""

GROUPS_17 = ((2, 3), (5, 6), (1, 4), (0, 7), (8, 10), (15, 16), (12, 13), (11, 14), (9,))
"""The same pairs in the 17-joint order (thorax with head, as published), and the nose, which SemGCN's
16-joint skeleton does not have, as a group of its own (this package's choice: 17 joints cannot be paired)."""


def skeleton_adjacency(num_joints: int) -> np.ndarray:
    """(J, J) bool skeleton edges (both directions, diagonal False) of the 17- or 16-joint skeleton."""
    adjacency = SKELETON17.adjacency()
    if num_joints == 17:
        return adjacency
    if num_joints != 16:
        raise ValueError(f"SemGCN is built on the 17- or 16-joint Human3.6M skeleton, got {num_joints}")
    # SemGCN's 16 joints: the nose removed, the head re-attached to the nose's parent (the thorax).
    parent_of_nose = SKELETON17.parents[NOSE]
    adjacency[HEAD, parent_of_nose] = adjacency[parent_of_nose, HEAD] = True
    keep = [joint for joint in range(17) if joint != NOSE]
    return adjacency[np.ix_(keep, keep)]


def joint_groups(num_joints: int) -> tuple[tuple[int, ...], ...]:
    """The non-local blocks' joint groups for the 16-joint (published) or 17-joint skeleton."""
    return PUBLISHED_GROUPS_16 if num_joints == 16 else GROUPS_17


@dataclass
class SemGCNConfig:
    """Architecture of a SemGCN; stored in checkpoints, enough to rebuild the model.

    Defaults are SemGCN's (``--hid_dim 128``, 4 residual blocks, no dropout, no non-local blocks) on this
    package's 17 joints; ``num_joints=16`` is the published layout. ``dropout`` 0 means no dropout layers
    (as published, where ``--dropout 0`` builds none).
    """

    num_joints: int = 17
    hid_dim: int = 128
    num_layers: int = 4
    dropout: float = 0.0
    non_local: bool = False

    in_features = 2  # class constants: what the pipeline asks of any model's config
    error_prediction = False

    def __post_init__(self) -> None:
        check_positive_integers(self, ("num_joints", "hid_dim", "num_layers"))
        if self.num_joints not in (16, 17):
            raise ValueError(f"SemGCNConfig.num_joints must be 17 (this package) or 16 (SemGCN's published "
                             f"layout), got {self.num_joints}")
        if self.non_local and self.hid_dim < 2:
            raise ValueError(f"SemGCNConfig: non-local blocks need hid_dim >= 2, got {self.hid_dim}")
        check_probability(self, "dropout")
        if not isinstance(self.non_local, bool):
            raise ValueError(f"SemGCNConfig.non_local must be True or False, got {self.non_local!r}")

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> SemGCNConfig:
        """Rebuild a config from ``dataclasses.asdict`` output; unknown or bad fields raise ValueError."""
        return config_from_fields(cls, values)


class SemGraphConv(SemanticGraphEmbedding):
    """One semantic graph convolution (B, J, F) -> (B, J, d): the computation and parameter layout (``W``,
    ``e``, ``bias``) of the graph embedding, with SemGCN's initialisation (``W`` Xavier-uniform with gain
    1.414, logits ``e`` 1, bias uniform in +-1/sqrt(d))."""

    def __init__(self, adjacency: np.ndarray, in_features: int, out_features: int) -> None:
        super().__init__(adjacency, in_features, out_features)
        nn.init.xavier_uniform_(self.W, gain=1.414)
        bound = 1.0 / math.sqrt(out_features)
        nn.init.uniform_(self.bias, -bound, bound)


def _channel_batch_norm(norm: nn.BatchNorm1d, x: Tensor) -> Tensor:
    """BatchNorm over the channels of x (B, J, C): statistics over batch and joints, as published."""
    return norm(x.transpose(1, 2)).transpose(1, 2)


class GraphConvBlock(nn.Module):
    """Graph convolution -> BatchNorm -> ReLU (-> Dropout), the published ``_GraphConv``.

    (B, J, F) -> (B, J, d).
    """

    def __init__(self, adjacency: np.ndarray, in_features: int, out_features: int, dropout: float) -> None:
        super().__init__()
        self.gconv = SemGraphConv(adjacency, in_features, out_features)
        self.bn = nn.BatchNorm1d(out_features)
        self.dropout = nn.Dropout(dropout) if dropout > 0 else None

    def forward(self, x: Tensor) -> Tensor:
        """x: (B, J, F) -> (B, J, d)."""
        h = F.relu(_channel_batch_norm(self.bn, self.gconv(x)))
        # Published order: dropout(relu(h)) then relu again, which changes nothing after the first relu.
        return self.dropout(h) if self.dropout is not None else h


class ResidualGraphBlock(nn.Module):
    """Two graph-convolution blocks with an identity shortcut, published ``_ResGraphConv``: (B, J, C)."""

    def __init__(self, adjacency: np.ndarray, hid_dim: int, dropout: float) -> None:
        super().__init__()
        self.gconv1 = GraphConvBlock(adjacency, hid_dim, hid_dim, dropout)
        self.gconv2 = GraphConvBlock(adjacency, hid_dim, hid_dim, dropout)

    def forward(self, x: Tensor) -> Tensor:
        """x: (B, J, C) -> (B, J, C)."""
        return x + self.gconv2(self.gconv1(x))


class NonLocal(nn.Module):
    """The non-local block of SemGCN's ``GraphNonLocal`` (embedded-concatenation form, max-pooled keys).

    Each joint's query theta(x_i) is paired with every group's key phi and value g, each max-pooled over
    the group's joints; the pair weight is relu(w . [theta_i, phi_k]) / G; the weighted values go through
    ``W`` (1x1 conv + BatchNorm, both starting at zero as published) and are added to x. Stored as the
    published 1x1 convolutions (``g.0``, ``theta``, ``phi.0``, ``concat_project.0``, ``W.0``, ``W.1``);
    computed as matrix multiplies on the (B, J, C) layout. Groups are pooled directly rather than by
    reordering the joints and max-pooling pairs: the same result, as every other step is per joint.
    """

    def __init__(self, hid_dim: int, groups: tuple[tuple[int, ...], ...]) -> None:
        super().__init__()
        inner = hid_dim // 2
        self.inner = inner
        self.g = nn.Sequential(nn.Conv1d(hid_dim, inner, 1))
        self.theta = nn.Conv1d(hid_dim, inner, 1)
        self.phi = nn.Sequential(nn.Conv1d(hid_dim, inner, 1))
        self.concat_project = nn.Sequential(nn.Conv2d(2 * inner, 1, 1, bias=False))
        self.W = nn.Sequential(nn.Conv1d(inner, hid_dim, 1), nn.BatchNorm1d(hid_dim))
        for conv in (self.g[0], self.theta, self.phi[0], self.W[0]):
            nn.init.kaiming_normal_(conv.weight)
            nn.init.zeros_(conv.bias)
        nn.init.kaiming_normal_(self.concat_project[0].weight)
        nn.init.zeros_(self.W[1].weight)
        nn.init.zeros_(self.W[1].bias)
        # Groups padded to one size by repeating their first joint (a repeat does not change a max).
        size = max(len(group) for group in groups)
        padded = [list(group) + [group[0]] * (size - len(group)) for group in groups]
        self.register_buffer("group_index", torch.tensor(padded, dtype=torch.long), persistent=False)

    @staticmethod
    def _pointwise(conv: nn.Conv1d, x: Tensor) -> Tensor:
        """A 1x1 Conv1d applied to the channels of x (B, J, C_in) -> (B, J, C_out)."""
        return F.linear(x, conv.weight.squeeze(-1), conv.bias)

    def _pooled(self, features: Tensor) -> Tensor:
        """(B, J, I) -> (B, G, I): the maximum over each group's joints."""
        return features[:, self.group_index].amax(dim=2)  # (B, G, S, I) -> (B, G, I)

    def forward(self, x: Tensor) -> Tensor:
        """x: (B, J, C) -> (B, J, C)."""
        theta = self._pointwise(self.theta, x)  # (B, J, I)
        phi = self._pooled(self._pointwise(self.phi[0], x))  # (B, G, I)
        values = self._pooled(self._pointwise(self.g[0], x))  # (B, G, I)
        project = self.concat_project[0].weight.view(2 * self.inner)
        # relu(w . [theta_i, phi_k]) splits into a per-query and a per-key term.
        query_term = theta @ project[: self.inner]  # (B, J)
        key_term = phi @ project[self.inner:]  # (B, G)
        weights = F.relu(query_term[:, :, None] + key_term[:, None, :]) / phi.shape[1]  # (B, J, G)
        context = weights @ values  # (B, J, I)
        update = _channel_batch_norm(self.W[1], self._pointwise(self.W[0], context))  # (B, J, C)
        return x + update


class GroupedNonLocal(nn.Module):
    """Holds a :class:`NonLocal` under the published name ``nonlocal`` (a Python keyword, so set by name)."""

    def __init__(self, hid_dim: int, groups: tuple[tuple[int, ...], ...]) -> None:
        super().__init__()
        self.add_module("nonlocal", NonLocal(hid_dim, groups))

    def forward(self, x: Tensor) -> Tensor:
        """x: (B, J, C) -> (B, J, C)."""
        return getattr(self, "nonlocal")(x)


class SemGCN(nn.Module):
    """SemGCN: (B, J, 2) normalised screen coordinates -> (B, J, 3) metres; no error head."""

    def __init__(self, config: SemGCNConfig) -> None:
        super().__init__()
        self.config = config
        adjacency = skeleton_adjacency(config.num_joints)
        groups = joint_groups(config.num_joints)
        width, dropout = config.hid_dim, config.dropout
        first: list[nn.Module] = [GraphConvBlock(adjacency, config.in_features, width, dropout)]
        layers: list[nn.Module] = []
        if config.non_local:
            first.append(GroupedNonLocal(width, groups))
        for _ in range(config.num_layers):
            layers.append(ResidualGraphBlock(adjacency, width, dropout))
            if config.non_local:
                layers.append(GroupedNonLocal(width, groups))
        self.gconv_input = nn.Sequential(*first)
        self.gconv_layers = nn.Sequential(*layers)
        self.gconv_output = SemGraphConv(adjacency, width, 3)

    def forward(self, x: Tensor) -> LiftOutput:
        """x: (B, J, 2) normalised screen coordinates. Returns a LiftOutput with one pose (B, J, 3) metres,
        camera frame, and ``errors`` None."""
        joints = self.config.num_joints
        if x.dim() != 3 or x.shape[1] != joints or x.shape[2] != 2:
            raise ValueError(f"SemGCN input must have shape (B, {joints}, 2), got {tuple(x.shape)}")
        h = self.gconv_layers(self.gconv_input(x))  # (B, J, C)
        return LiftOutput(poses=[self.gconv_output(h)])
