"""Building blocks shared by JointFormer (stage 1) and the refinement transformer (stage 2).

Shape letters: ``B`` batch, ``J`` joints (tokens), ``F`` input features per joint, ``d`` model width
(``hid_dim``), ``H`` attention heads, ``D`` key/value size per head (``d_head``).

Parameter names (``w_qs``, ``w_ks``, ``w_vs``, ``fc``, ``layer_norm``, ``w_1``, ``w_2``, the embedding's
``weight``/``bias`` or ``W``/``e``/``bias``) are those of the published checkpoints, so a published state
dict loads with ``strict=True``.

LayerNorm eps, as published: the encoder's LayerNorms (after the embedding, in every attention and
feed-forward sub-layer) pass ``eps=1e-6``; the prediction and error heads' LayerNorms (``prediction_head``)
are built as ``nn.LayerNorm(J*d)`` and so take PyTorch's default 1e-5. On random weights the difference
moves outputs by ~2e-5 m, several times float32's rounding, so it matters for exact agreement.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

LAYER_NORM_EPS = 1e-6
"""eps of the encoder's LayerNorms (published ``transformer.py`` and ``jointformer.py``: ``eps=1e-6``)."""

HEAD_LAYER_NORM_EPS = 1e-5
"""eps of the output heads' LayerNorms: the published heads use ``nn.LayerNorm``'s default."""

# Logit given to joint pairs off the skeleton mask: exp() of it is exactly zero after the row softmax.
GRAPH_MASKED_LOGIT = -9e15


def threshold_dropout(x: Tensor, p: float, training: bool) -> Tensor:
    """Inverted dropout of any tensor: zero each element with probability ``p``, scale the rest by 1/(1-p).

    The identity in eval mode or at ``p == 0``. The mask is drawn as ``uniform >= p`` rather than with
    ``bernoulli_``: the same distribution, and on CPU about twice as fast to draw (measured: 1.7 ms against
    3.6 ms for a (256, 8, 17, 17) mask, one thread).
    """
    if not training or p == 0.0:
        return x
    keep = torch.rand_like(x).ge_(p).mul_(1.0 / (1.0 - p))  # 0 or 1/(1-p), in x's dtype
    return x * keep


class Dropout(nn.Module):
    """Drop-in for ``nn.Dropout`` that uses ``threshold_dropout``; it has no parameters or buffers, so state
    dicts are unchanged."""

    def __init__(self, p: float) -> None:
        super().__init__()
        self.p = p

    def forward(self, x: Tensor) -> Tensor:
        """x: any shape; returned with the same shape."""
        return threshold_dropout(x, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class MultiHeadSelfAttention(nn.Module):
    """Post-norm self-attention sub-layer: ``LayerNorm(h + Dropout(fc(attention(h))))``.

    The projections keep their published names and shapes (``w_qs.weight`` (H*D, d), no biases); how they
    are applied depends on the sizes, chosen once in ``__init__`` (``folded``):

    - folded, when ``d <= D`` (the published stage 1: d = 64, D = 64): query and key maps are multiplied
      into one d x d matrix per head, ``Wq_h^T Wk_h``, and value and output maps likewise into
      ``Wv_h^T Wfc_h^T``, rebuilt from the parameters at every call (so autograd reaches them). Scores are
      then ``(h Wq_h^T Wk_h) h^T`` and the output ``sum_h P_h h (Wv_h^T Wfc_h^T)``: the same function,
      about 4H·d(d + J) FLOPs per token instead of 4H·D(2d + J), and no (B, J, 3*H*D) activation.
      Measured on this project's 2-core CPU, one thread, float32: one published stage-1 sub-layer's
      forward + backward at batch 256 takes ~47 ms instead of ~115 ms.
    - general, otherwise (the published refiner: d = 256, where folding would double the FLOPs; measured,
      its forward at batch 1024 ran at 507 samples/s folded against 745 general): the textbook
      projections, q/k/v as one matrix multiply on the concatenated weights.
    """

    def __init__(self, hid_dim: int, num_heads: int, d_head: int, dropout: float,
                 attention_dropout: float) -> None:
        super().__init__()
        self.num_heads = num_heads
        self.d_head = d_head
        self.attention_dropout = attention_dropout
        self.folded = hid_dim <= d_head
        self.w_qs = nn.Linear(hid_dim, num_heads * d_head, bias=False)
        self.w_ks = nn.Linear(hid_dim, num_heads * d_head, bias=False)
        self.w_vs = nn.Linear(hid_dim, num_heads * d_head, bias=False)
        self.fc = nn.Linear(num_heads * d_head, hid_dim, bias=False)
        self.dropout = Dropout(dropout)
        self.layer_norm = nn.LayerNorm(hid_dim, eps=LAYER_NORM_EPS)

    def forward(self, h: Tensor, return_attention: bool = False) -> tuple[Tensor, Tensor | None]:
        """h: (B, J, d). Returns the new (B, J, d) tokens and, if asked, the (B, H, J, J) attention weights.

        The returned weights are the softmax before attention dropout (each row sums to one); in eval mode
        they are exactly the weights applied to the values.
        """
        if self.folded:
            update, attention = self._folded_attention(h)
        else:
            update, attention = self._general_attention(h, return_attention)
        return self.layer_norm(h + self.dropout(update)), attention if return_attention else None

    def _folded_attention(self, h: Tensor) -> tuple[Tensor, Tensor]:
        """h: (B, J, d) -> fc(attention(h)) (B, J, d) and the (B, H, J, J) softmax weights (a view)."""
        batch, joints, width = h.shape
        heads, d_head = self.num_heads, self.d_head
        w_q = self.w_qs.weight.view(heads, d_head, width)
        w_k = self.w_ks.weight.view(heads, d_head, width)
        w_v = self.w_vs.weight.view(heads, d_head, width)
        w_fc = self.fc.weight.view(width, heads, d_head).transpose(0, 1)  # (H, d, D)
        # Column block h of each (d, H*d) map is head h's d x d product; the score scale is folded in.
        score_map = torch.bmm(w_q.transpose(1, 2), w_k) * (1.0 / math.sqrt(d_head))  # (H, d, d)
        score_map = score_map.transpose(0, 1).reshape(width, heads * width)  # (d, H*d)
        value_map = torch.bmm(w_v.transpose(1, 2), w_fc.transpose(1, 2))  # (H, d, d)
        value_map = value_map.transpose(0, 1).reshape(width, heads * width)  # (d, H*d)
        # (B, J, H*d) read as (B, J*H, d) is a view; one batched matmul gives every head's scores.
        keyed = torch.matmul(h, score_map).view(batch, joints * heads, width)  # (B, J*H, d)
        scores = torch.bmm(keyed, h.transpose(1, 2))  # (B, J*H, J): [b, (i, h), j]
        weights = torch.softmax(scores, dim=-1).view(batch, joints, heads, joints)  # [b, i, h, j]
        dropped = threshold_dropout(weights, self.attention_dropout, self.training)
        # Only the small weights are permuted, to [b, i, (j, h)], which meets the values' free view.
        mixing = dropped.transpose(2, 3).reshape(batch, joints, joints * heads)  # (B, J, J*H)
        values = torch.matmul(h, value_map).view(batch, joints * heads, width)  # (B, J*H, d): [b, (j, h), e]
        return torch.bmm(mixing, values), weights.transpose(1, 2)

    def _general_attention(self, h: Tensor, return_attention: bool) -> tuple[Tensor, Tensor | None]:
        """h: (B, J, d) -> fc(attention(h)) (B, J, d) and the (B, H, J, J) softmax weights or None."""
        batch, joints, _ = h.shape
        weight = torch.cat([self.w_qs.weight, self.w_ks.weight, self.w_vs.weight])  # (3*H*D, d)
        qkv = F.linear(h, weight).view(batch, joints, 3, self.num_heads, self.d_head)
        q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)  # each (B, H, J, D), views
        dropout_p = self.attention_dropout if self.training else 0.0
        scale = 1.0 / math.sqrt(self.d_head)
        attention = None
        if return_attention or dropout_p > 0.0:
            # Spelled out when the weights are asked for (the fused kernel does not return them) and under
            # attention dropout, where the CPU kernel falls back to a slower general path (measured: training
            # step ~25 % faster this way on CPU).
            attention = torch.softmax(torch.matmul(q, k.transpose(-2, -1)) * scale, dim=-1)  # (B, H, J, J)
            context = torch.matmul(threshold_dropout(attention, dropout_p, self.training), v)  # (B, H, J, D)
        else:
            context = F.scaled_dot_product_attention(q, k, v, scale=scale)
        context = context.transpose(1, 2).reshape(batch, joints, self.num_heads * self.d_head)
        return self.fc(context), attention


class PositionwiseFeedForward(nn.Module):
    """Post-norm feed-forward sub-layer: ``LayerNorm(x + Dropout(w_2(relu(w_1(x)))))``, per token."""

    def __init__(self, hid_dim: int, d_inner: int, dropout: float) -> None:
        super().__init__()
        self.w_1 = nn.Linear(hid_dim, d_inner)
        self.w_2 = nn.Linear(d_inner, hid_dim)
        self.dropout = Dropout(dropout)
        self.layer_norm = nn.LayerNorm(hid_dim, eps=LAYER_NORM_EPS)

    def forward(self, x: Tensor) -> Tensor:
        """x: (B, J, d) -> (B, J, d)."""
        # The (B*J, d_inner) activation is the largest tensor here, so relu runs in place. It is applied on
        # the 2D product itself: w_1 on the (B, J, d) tokens returns a view, and an in-place op on a view
        # makes autograd clone, zero-fill and copy the whole activation in the backward pass (measured: ~4 %
        # of a published stage-1 training step).
        inner = F.relu(self.w_1(x.reshape(-1, x.shape[-1])), inplace=True)  # (B*J, d_inner)
        return self.layer_norm(x + self.dropout(self.w_2(inner).view_as(x)))


class EncoderLayer(nn.Module):
    """One transformer encoder layer: self-attention (``slf_attn``), then feed-forward (``pos_ffn``)."""

    def __init__(self, hid_dim: int, d_inner: int, num_heads: int, d_head: int, dropout: float,
                 attention_dropout: float) -> None:
        super().__init__()
        self.slf_attn = MultiHeadSelfAttention(hid_dim, num_heads, d_head, dropout, attention_dropout)
        self.pos_ffn = PositionwiseFeedForward(hid_dim, d_inner, dropout)

    def forward(self, h: Tensor, return_attention: bool = False) -> tuple[Tensor, Tensor | None]:
        """h: (B, J, d). Returns (B, J, d) tokens and the layer's (B, H, J, J) attention or None."""
        h, attention = self.slf_attn(h, return_attention)
        return self.pos_ffn(h), attention


def _uniform_bias_(bias: Tensor, fan_in: int) -> None:
    """PyTorch's default bias initialisation for a layer with ``fan_in`` inputs (as nn.Linear)."""
    bound = 1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0
    nn.init.uniform_(bias, -bound, bound)


class JointwiseEmbedding(nn.Module):
    """The ``conv`` embedding: one affine map F -> d applied to every joint (a 1x1 convolution).

    Stored as the published Conv1d: ``weight`` (d, F, 1), ``bias`` (d,); computed as a matrix multiply on
    the (B, J, F) layout, which needs no transposes.
    """

    def __init__(self, in_features: int, hid_dim: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.empty(hid_dim, in_features, 1))
        self.bias = nn.Parameter(torch.empty(hid_dim))
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        _uniform_bias_(self.bias, in_features)

    def forward(self, x: Tensor) -> Tensor:
        """x: (B, J, F) -> (B, J, d)."""
        return F.linear(x, self.weight.squeeze(-1), self.bias)


class FlatLinearEmbedding(nn.Module):
    """The ``linear`` embedding: one Linear from the whole flattened pose (J*F) to all tokens (J*d).

    Stored as the published nn.Linear: ``weight`` (J*d, J*F), ``bias`` (J*d,). Inputs are flattened joint
    by joint (row-major over (J, F)) and outputs are read back the same way over (J, d).
    """

    def __init__(self, num_joints: int, in_features: int, hid_dim: int) -> None:
        super().__init__()
        self.num_joints = num_joints
        self.hid_dim = hid_dim
        self.weight = nn.Parameter(torch.empty(num_joints * hid_dim, num_joints * in_features))
        self.bias = nn.Parameter(torch.empty(num_joints * hid_dim))
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        _uniform_bias_(self.bias, num_joints * in_features)

    def forward(self, x: Tensor) -> Tensor:
        """x: (B, J, F) -> (B, J, d)."""
        batch = x.shape[0]
        flat = F.linear(x.reshape(batch, -1), self.weight, self.bias)  # (B, J*d)
        return flat.view(batch, self.num_joints, self.hid_dim)


class SemanticGraphEmbedding(nn.Module):
    """The ``graph`` embedding: a semantic graph convolution over the skeleton.

    ``W`` (2, F, d) holds the self weights W0 and the neighbour weights W1; ``e`` (1, nnz) holds one
    learnable logit per entry of the mask (skeleton edges in both directions plus the diagonal) in
    row-major order; ``bias`` (d,). The logits fill a J x J matrix that is ``GRAPH_MASKED_LOGIT`` off the
    mask, each row is softmaxed into A, and the output is (A∘I)(x W0) + (A∘(1-I))(x W1) + bias.
    """

    def __init__(self, adjacency: np.ndarray, in_features: int, hid_dim: int) -> None:
        """adjacency: (J, J) bool, True on skeleton edges (both directions); the diagonal is added here."""
        super().__init__()
        adjacency = np.asarray(adjacency, dtype=bool)
        if adjacency.ndim != 2 or adjacency.shape[0] != adjacency.shape[1]:
            raise ValueError(f"graph embedding: adjacency must be (J, J), got shape {adjacency.shape}")
        num_joints = adjacency.shape[0]
        mask = adjacency | np.eye(num_joints, dtype=bool)
        # Flat row-major positions of the mask entries: the order in which the published logits are laid out.
        positions = torch.from_numpy(np.flatnonzero(mask.reshape(-1))).long()
        self.num_joints = num_joints
        self.W = nn.Parameter(torch.empty(2, in_features, hid_dim))
        self.e = nn.Parameter(torch.ones(1, positions.numel()))
        self.bias = nn.Parameter(torch.empty(hid_dim))
        nn.init.xavier_uniform_(self.W)
        _uniform_bias_(self.bias, in_features)
        # Derived from the skeleton, not learnt: kept out of the state dict, as published.
        self.register_buffer("mask_positions", positions, persistent=False)
        self.register_buffer("identity", torch.eye(num_joints), persistent=False)

    def adjacency_weights(self) -> Tensor:
        """(J, J) row-stochastic matrix A: the softmax of the scattered logits, zero off the mask."""
        joints = self.num_joints
        logits = torch.full((joints * joints,), GRAPH_MASKED_LOGIT, dtype=self.e.dtype, device=self.e.device)
        logits = logits.scatter(0, self.mask_positions, self.e.reshape(-1)).view(joints, joints)
        return torch.softmax(logits, dim=1)

    def forward(self, x: Tensor) -> Tensor:
        """x: (B, J, F) -> (B, J, d)."""
        weights = self.adjacency_weights()  # (J, J)
        self_term = torch.matmul(x, self.W[0])  # (B, J, d)
        neighbour_term = torch.matmul(x, self.W[1])  # (B, J, d)
        return (torch.matmul(weights * self.identity, self_term)
                + torch.matmul(weights * (1.0 - self.identity), neighbour_term) + self.bias)


def prediction_head(in_features: int, out_features: int, dropout: float) -> nn.Sequential:
    """LayerNorm -> Dropout -> Linear on flattened tokens, indexed ``.0``, ``.1``, ``.2`` as published.

    Input (B, in_features), output (B, out_features). The LayerNorm has eps ``HEAD_LAYER_NORM_EPS``.
    """
    return nn.Sequential(
        nn.LayerNorm(in_features, eps=HEAD_LAYER_NORM_EPS),
        Dropout(dropout),
        nn.Linear(in_features, out_features),
    )
