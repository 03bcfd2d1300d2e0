"""A slow, literal transcription of the published forward computation, for tests only.

It works on a plain dict of tensors keyed by the published names, in float64, with explicit
loops over heads and an explicit softmax, and shares no code with ``jointformer.models``. It also builds
such dicts from seeded random numbers, so tests do not depend on our model to produce the weights.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor

# eps of every LayerNorm of the published model, keyed by its state-dict prefix with the numbers removed
# (layer indices, and the ``.0`` of a head's LayerNorm). Each value is read off the published source
# (seblutz/JointFormer); the line that sets it is cited above it.
PUBLISHED_LAYER_NORM_EPS: dict[str, float] = {
    # models/jointformer.py, JointTransformer.__init__ (and ErrorRefinement.__init__):
    #     self.layer_norm = nn.LayerNorm(d_model, eps=1e-6)          -- after the embedding
    "layer_norm": 1e-6,
    # models/transformer.py, MultiHeadAttention.__init__: self.layer_norm = nn.LayerNorm(d_model, eps=1e-6)
    "layer_stack.slf_attn.layer_norm": 1e-6,
    # models/transformer.py, PositionwiseFeedForward.__init__: self.layer_norm = nn.LayerNorm(d_in, eps=1e-6)
    "layer_stack.pos_ffn.layer_norm": 1e-6,
    # models/jointformer.py, JointTransformer.__init__, intermediate supervision:
    #     self.intermediate_pred = nn.ModuleList([nn.Sequential(nn.LayerNorm(num_joints_in * d_model), ...
    #     self.intermediate_error = nn.ModuleList([nn.Sequential(nn.LayerNorm(num_joints_in * d_model), ...
    # no eps argument, so PyTorch's default 1e-5
    "intermediate_pred": 1e-5,
    "intermediate_error": 1e-5,
    # models/jointformer.py, JointTransformer.__init__ without intermediate supervision (ErrorRefinement too):
    #     self.decoder = nn.Sequential(nn.LayerNorm(num_joints_in * d_model), nn.Dropout(...), nn.Linear(...))
    #     self.error_decoder = nn.Sequential(nn.LayerNorm(num_joints_in * d_model), ...)
    # again PyTorch's default 1e-5
    "decoder": 1e-5,
    "error_decoder": 1e-5,
}


def published_eps(prefix: str) -> float:
    """The published eps of the LayerNorm stored under ``prefix`` (e.g. ``layer_stack.2.pos_ffn.layer_norm``,
    ``intermediate_error.3.0``): the table's key is the prefix without its numbers (a head's LayerNorm is
    always its module ``.0``)."""
    key = ".".join(part for part in prefix.split(".") if not part.isdigit())
    if key not in PUBLISHED_LAYER_NORM_EPS:
        raise KeyError(f"no published LayerNorm at {prefix!r} (looked up as {key!r})")
    return PUBLISHED_LAYER_NORM_EPS[key]


@dataclass(frozen=True)
class Spec:
    """What a published-layout state dict looks like (only what the names and shapes depend on)."""

    num_joints: int = 17
    in_features: int = 2
    hid_dim: int = 64
    num_layers: int = 4
    d_inner: int = 512
    num_heads: int = 8
    d_head: int = 64
    intermediate: bool = True
    error_prediction: bool = True
    embedding: str = "conv"
    spatial_encoding: bool = False


def skeleton_mask(parents: list[int]) -> Tensor:
    """(J, J) bool: edges child-parent in both directions plus the diagonal."""
    joints = len(parents)
    mask = torch.eye(joints, dtype=torch.bool)
    for child, parent in enumerate(parents):
        if parent >= 0:
            mask[child, parent] = True
            mask[parent, child] = True
    return mask


def random_published_state_dict(spec: Spec, parents: list[int], seed: int) -> dict[str, Tensor]:
    """Seeded random float64 weights under the published key names and shapes (not from our model)."""
    generator = torch.Generator().manual_seed(seed)

    def matrix(*shape: int) -> Tensor:
        # Scaled like a sensible initialisation so activations stay O(1).
        return torch.randn(*shape, generator=generator, dtype=torch.float64) / math.sqrt(shape[-1])

    def vector(size: int, centre: float = 0.0) -> Tensor:
        return centre + 0.1 * torch.randn(size, generator=generator, dtype=torch.float64)

    joints, width, features = spec.num_joints, spec.hid_dim, spec.in_features
    attention_width = spec.num_heads * spec.d_head
    weights: dict[str, Tensor] = {}
    if spec.embedding == "conv":
        weights["embedding.weight"] = matrix(width, features).unsqueeze(-1)  # Conv1d (d, F, 1)
        weights["embedding.bias"] = vector(width)
    elif spec.embedding == "linear":
        weights["embedding.weight"] = matrix(joints * width, joints * features)
        weights["embedding.bias"] = vector(joints * width)
    else:
        nnz = int(skeleton_mask(parents).sum())
        weights["embedding.W"] = torch.randn(2, features, width, generator=generator, dtype=torch.float64)
        weights["embedding.e"] = torch.randn(1, nnz, generator=generator, dtype=torch.float64)
        weights["embedding.bias"] = vector(width)
    if spec.spatial_encoding:
        weights["position_enc"] = torch.randn(1, joints, width, generator=generator, dtype=torch.float64)
    for layer in range(spec.num_layers):
        prefix = f"layer_stack.{layer}."
        for name in ("w_qs", "w_ks", "w_vs"):
            weights[f"{prefix}slf_attn.{name}.weight"] = matrix(attention_width, width)
        weights[f"{prefix}slf_attn.fc.weight"] = matrix(width, attention_width)
        weights[f"{prefix}slf_attn.layer_norm.weight"] = vector(width, 1.0)
        weights[f"{prefix}slf_attn.layer_norm.bias"] = vector(width)
        weights[f"{prefix}pos_ffn.w_1.weight"] = matrix(spec.d_inner, width)
        weights[f"{prefix}pos_ffn.w_1.bias"] = vector(spec.d_inner)
        weights[f"{prefix}pos_ffn.w_2.weight"] = matrix(width, spec.d_inner)
        weights[f"{prefix}pos_ffn.w_2.bias"] = vector(width)
        weights[f"{prefix}pos_ffn.layer_norm.weight"] = vector(width, 1.0)
        weights[f"{prefix}pos_ffn.layer_norm.bias"] = vector(width)
    weights["layer_norm.weight"] = vector(width, 1.0)
    weights["layer_norm.bias"] = vector(width)

    def head(prefix: str) -> None:
        weights[f"{prefix}.0.weight"] = vector(joints * width, 1.0)
        weights[f"{prefix}.0.bias"] = vector(joints * width)
        weights[f"{prefix}.2.weight"] = matrix(joints * 3, joints * width)
        weights[f"{prefix}.2.bias"] = vector(joints * 3)

    if spec.intermediate:
        for layer in range(spec.num_layers):
            head(f"intermediate_pred.{layer}")
            if spec.error_prediction:
                head(f"intermediate_error.{layer}")
            weights[f"intermediate_enc.{layer}.weight"] = matrix(joints * width, joints * 3)
            weights[f"intermediate_enc.{layer}.bias"] = vector(joints * width)
    else:
        head("decoder")
        if spec.error_prediction:
            head("error_decoder")
    return weights


def layer_norm(weights: dict[str, Tensor], prefix: str, x: Tensor) -> Tensor:
    """The LayerNorm stored under ``prefix`` applied to x (..., width), with its published eps."""
    mean = x.mean(dim=-1, keepdim=True)
    variance = ((x - mean) ** 2).mean(dim=-1, keepdim=True)
    normed = (x - mean) / torch.sqrt(variance + published_eps(prefix))
    return normed * weights[f"{prefix}.weight"] + weights[f"{prefix}.bias"]


def softmax_rows(scores: Tensor) -> Tensor:
    shifted = torch.exp(scores - scores.max(dim=-1, keepdim=True).values)
    return shifted / shifted.sum(dim=-1, keepdim=True)


def embed(weights: dict[str, Tensor], x: Tensor, spec: Spec, parents: list[int]) -> Tensor:
    """x: (B, J, F) -> (B, J, d)."""
    batch, joints, _ = x.shape
    if spec.embedding == "conv":
        kernel = weights["embedding.weight"][:, :, 0]  # (d, F)
        per_joint = [x[:, joint] @ kernel.T for joint in range(joints)]
        return torch.stack(per_joint, dim=1) + weights["embedding.bias"]
    if spec.embedding == "linear":
        flat = x.reshape(batch, -1) @ weights["embedding.weight"].T + weights["embedding.bias"]
        return flat.reshape(batch, joints, -1)
    mask = skeleton_mask(parents)
    logits = torch.full((joints, joints), -9e15, dtype=torch.float64)
    logits_iter = iter(weights["embedding.e"][0].tolist())
    for row in range(joints):
        for column in range(joints):
            if mask[row, column]:
                logits[row, column] = next(logits_iter)
    adjacency = softmax_rows(logits)
    w_self, w_neighbour = weights["embedding.W"][0], weights["embedding.W"][1]
    out = torch.zeros(batch, joints, w_self.shape[1], dtype=torch.float64)
    for row in range(joints):
        for column in range(joints):
            kernel = w_self if row == column else w_neighbour
            out[:, row] += adjacency[row, column] * (x[:, column] @ kernel)
    return out + weights["embedding.bias"]


def attention_sublayer(weights: dict[str, Tensor], prefix: str, h: Tensor,
                       num_heads: int) -> tuple[Tensor, Tensor]:
    """h: (B, J, d) -> new (B, J, d) and the (B, H, J, J) attention weights."""
    q = h @ weights[f"{prefix}w_qs.weight"].T
    k = h @ weights[f"{prefix}w_ks.weight"].T
    v = h @ weights[f"{prefix}w_vs.weight"].T
    d_head = q.shape[-1] // num_heads
    outputs, maps = [], []
    for head in range(num_heads):
        columns = slice(head * d_head, (head + 1) * d_head)
        scores = q[..., columns] @ k[..., columns].transpose(1, 2) / math.sqrt(d_head)  # (B, J, J)
        attention = softmax_rows(scores)
        maps.append(attention)
        outputs.append(attention @ v[..., columns])
    projected = torch.cat(outputs, dim=-1) @ weights[f"{prefix}fc.weight"].T
    return layer_norm(weights, f"{prefix}layer_norm", projected + h), torch.stack(maps, dim=1)


def feed_forward_sublayer(weights: dict[str, Tensor], prefix: str, x: Tensor) -> Tensor:
    hidden = torch.clamp(x @ weights[f"{prefix}w_1.weight"].T + weights[f"{prefix}w_1.bias"], min=0.0)
    out = hidden @ weights[f"{prefix}w_2.weight"].T + weights[f"{prefix}w_2.bias"]
    return layer_norm(weights, f"{prefix}layer_norm", out + x)


def head_forward(weights: dict[str, Tensor], prefix: str, flat: Tensor) -> Tensor:
    """LayerNorm -> (dropout: identity in eval) -> Linear on (B, J*d), giving (B, J*3)."""
    normed = layer_norm(weights, f"{prefix}.0", flat)
    return normed @ weights[f"{prefix}.2.weight"].T + weights[f"{prefix}.2.bias"]


def reference_forward(weights: dict[str, Tensor], x: Tensor, spec: Spec,
                      parents: list[int]) -> tuple[list[Tensor], list[Tensor], list[Tensor]]:
    """Eval-mode forward of a published-layout model. x: (B, J, F) float64.

    Returns (poses, errors, attention maps): lists of (B, J, 3), (B, J, 3) (empty without error heads)
    and (B, H, J, J).
    """
    batch, joints, _ = x.shape
    h = embed(weights, x, spec, parents)
    if spec.spatial_encoding:
        h = h + weights["position_enc"]
    h = layer_norm(weights, "layer_norm", h)
    poses, errors, maps = [], [], []
    for layer in range(spec.num_layers):
        residual = h
        h, attention = attention_sublayer(weights, f"layer_stack.{layer}.slf_attn.", h, spec.num_heads)
        maps.append(attention)
        h = feed_forward_sublayer(weights, f"layer_stack.{layer}.pos_ffn.", h)
        if spec.intermediate:
            flat = h.reshape(batch, -1)
            pose = head_forward(weights, f"intermediate_pred.{layer}", flat)
            poses.append(pose.reshape(batch, joints, 3))
            if spec.error_prediction:
                error = head_forward(weights, f"intermediate_error.{layer}", flat)
                errors.append(error.reshape(batch, joints, 3))
            enc = f"intermediate_enc.{layer}"
            encoded = pose @ weights[f"{enc}.weight"].T + weights[f"{enc}.bias"]
            h = h + encoded.reshape(batch, joints, -1)
        h = torch.clamp(h + residual, min=0.0)
    if not spec.intermediate:
        flat = h.reshape(batch, -1)
        poses.append(head_forward(weights, "decoder", flat).reshape(batch, joints, 3))
        if spec.error_prediction:
            errors.append(head_forward(weights, "error_decoder", flat).reshape(batch, joints, 3))
    return poses, errors, maps
