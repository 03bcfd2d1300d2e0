"""A speed baseline: the published JointFormer's computation laid out as the published code lays it out.

Only ``benchmarks/model_speed.py`` uses this module. It computes the same function as
``jointformer.models.JointFormer`` with the same parameter names (so the package's state dict loads into it
with ``strict=True`` and the benchmark checks that both give the same poses before timing them), but in the
textbook structure of the published implementation: separate q, k and v projections to (B, J, H*D) tensors,
per-head transposes, an explicit scaled score product, softmax, ``nn.Dropout`` on the weights, a contiguous
copy to concatenate the heads, and the 1x1-convolution embedding applied on a (B, F, J) transpose. It
supports the ``conv`` embedding with intermediate supervision and error prediction (the published stage-1
configuration), which is all the benchmark times.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from jointformer.models.jointformer import JointFormerConfig, LiftOutput
from jointformer.models.layers import HEAD_LAYER_NORM_EPS, LAYER_NORM_EPS


class TextbookAttention(nn.Module):
    """Post-norm multi-head self-attention with separate projections; h: (B, J, d) -> (B, J, d)."""

    def __init__(self, width: int, heads: int, d_head: int, dropout: float, attention_dropout: float) -> None:
        super().__init__()
        self.heads, self.d_head = heads, d_head
        self.w_qs = nn.Linear(width, heads * d_head, bias=False)
        self.w_ks = nn.Linear(width, heads * d_head, bias=False)
        self.w_vs = nn.Linear(width, heads * d_head, bias=False)
        self.fc = nn.Linear(heads * d_head, width, bias=False)
        self.attention_dropout = nn.Dropout(attention_dropout)
        self.dropout = nn.Dropout(dropout)
        self.layer_norm = nn.LayerNorm(width, eps=LAYER_NORM_EPS)

    def forward(self, h: Tensor) -> Tensor:
        """h: (B, J, d) tokens -> (B, J, d)."""
        batch, joints, _ = h.shape
        q = self.w_qs(h).view(batch, joints, self.heads, self.d_head).transpose(1, 2)  # (B, H, J, D)
        k = self.w_ks(h).view(batch, joints, self.heads, self.d_head).transpose(1, 2)
        v = self.w_vs(h).view(batch, joints, self.heads, self.d_head).transpose(1, 2)
        scores = torch.matmul(q / self.d_head**0.5, k.transpose(2, 3))  # (B, H, J, J)
        weights = self.attention_dropout(torch.softmax(scores, dim=-1))
        context = torch.matmul(weights, v).transpose(1, 2).contiguous().view(batch, joints, -1)
        return self.layer_norm(h + self.dropout(self.fc(context)))


class TextbookFeedForward(nn.Module):
    """Post-norm position-wise feed-forward; x: (B, J, d) -> (B, J, d)."""

    def __init__(self, width: int, inner: int, dropout: float) -> None:
        super().__init__()
        self.w_1 = nn.Linear(width, inner)
        self.w_2 = nn.Linear(inner, width)
        self.dropout = nn.Dropout(dropout)
        self.layer_norm = nn.LayerNorm(width, eps=LAYER_NORM_EPS)

    def forward(self, x: Tensor) -> Tensor:
        """x: (B, J, d) tokens -> (B, J, d)."""
        return self.layer_norm(x + self.dropout(self.w_2(torch.relu(self.w_1(x)))))


class TextbookLayer(nn.Module):
    """One encoder layer, attention then feed-forward; h: (B, J, d) -> (B, J, d)."""

    def __init__(self, config: JointFormerConfig) -> None:
        super().__init__()
        self.slf_attn = TextbookAttention(config.hid_dim, config.num_heads, config.d_head, config.dropout,
                                          config.attention_dropout)
        self.pos_ffn = TextbookFeedForward(config.hid_dim, config.d_inner, config.dropout)

    def forward(self, h: Tensor) -> Tensor:
        """h: (B, J, d) tokens -> (B, J, d)."""
        return self.pos_ffn(self.slf_attn(h))


def _head(flat: int, out: int, dropout: float) -> nn.Sequential:
    """LayerNorm, Dropout, Linear: (B, flat) flattened tokens -> (B, out)."""
    return nn.Sequential(nn.LayerNorm(flat, eps=HEAD_LAYER_NORM_EPS), nn.Dropout(dropout),
                         nn.Linear(flat, out))


class TextbookJointFormer(nn.Module):
    """Stage 1 in the published structure: x (B, J, 2) normalised screen coordinates -> LiftOutput with
    per-layer poses and errors, (B, J, 3) metres, camera frame, root-relative."""

    def __init__(self, config: JointFormerConfig) -> None:
        super().__init__()
        if (config.kind, config.embedding_type, config.intermediate, config.error_prediction,
                config.spatial_encoding) != ("jointformer", "conv", True, True, False):
            raise ValueError("the published-structure baseline covers the published stage 1 only")
        self.config = config
        joints, width = config.num_joints, config.hid_dim
        self.embedding = nn.Conv1d(config.in_features, width, kernel_size=1)
        self.dropout = nn.Dropout(config.dropout)
        self.layer_norm = nn.LayerNorm(width, eps=LAYER_NORM_EPS)
        self.layer_stack = nn.ModuleList(TextbookLayer(config) for _ in range(config.num_layers))
        flat, out = joints * width, joints * 3
        self.intermediate_pred = nn.ModuleList(_head(flat, out, config.pred_dropout)
                                               for _ in range(config.num_layers))
        self.intermediate_error = nn.ModuleList(_head(flat, out, config.pred_dropout)
                                                for _ in range(config.num_layers))
        self.intermediate_enc = nn.ModuleList(nn.Linear(out, flat) for _ in range(config.num_layers))

    def forward(self, x: Tensor) -> LiftOutput:
        """x: (B, J, 2) -> LiftOutput with one (B, J, 3) pose and error per layer, metres."""
        batch, joints = x.shape[0], x.shape[1]
        h = self.embedding(x.permute(0, 2, 1)).permute(0, 2, 1)  # (B, J, d)
        h = self.layer_norm(self.dropout(h))
        poses, errors = [], []
        for index, layer in enumerate(self.layer_stack):
            residual = h
            h = layer(h)
            flat = h.reshape(batch, -1)
            pose = self.intermediate_pred[index](flat)
            poses.append(pose.view(batch, joints, 3))
            errors.append(self.intermediate_error[index](flat).view(batch, joints, 3))
            h = h + self.intermediate_enc[index](pose).view(batch, joints, -1)
            h = torch.relu(h + residual)
        return LiftOutput(poses=poses, errors=errors, attention=None)
