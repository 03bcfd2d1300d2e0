"""An independent, step-by-step rendering of SemGCN's and the linear baseline's published computations
(garyzhao/SemGCN ``models/*.py``) on published-layout state dicts, for float64 comparison with our models.

It follows the published code's path, not ours: the adjacency logits scattered through a boolean mask,
the non-local blocks on the joints reordered into their groups, 1x1 convolutions as ``conv1d``/``conv2d``,
key/value pooling with ``max_pool1d`` and the joints restored afterwards, BatchNorm written out from its
running statistics (eval mode). Shapes: B batch, J joints, C channels.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

BN_EPS = 1e-5


def published_adjacency_mask(parents: list[int]) -> torch.Tensor:
    """(J, J) bool: skeleton edges both ways plus the diagonal (SemGCN's adj_mx_from_skeleton > 0)."""
    joints = len(parents)
    mask = torch.eye(joints, dtype=torch.bool)
    for child, parent in enumerate(parents):
        if parent >= 0:
            mask[child, parent] = mask[parent, child] = True
    return mask


def _graph_conv_keys(prefix: str, fan_in: int, fan_out: int, entries: int) -> dict[str, tuple[int, ...]]:
    return {f"{prefix}.W": (2, fan_in, fan_out), f"{prefix}.e": (1, entries), f"{prefix}.bias": (fan_out,)}


def _bn_keys(prefix: str, channels: int) -> dict[str, tuple[int, ...]]:
    return {f"{prefix}.{name}": (channels,) for name in ("weight", "bias", "running_mean", "running_var")}


def _nonlocal_keys(prefix: str, channels: int) -> dict[str, tuple[int, ...]]:
    inner = channels // 2
    keys = {}
    for name in ("g.0", "theta", "phi.0"):
        keys[f"{prefix}.nonlocal.{name}.weight"] = (inner, channels, 1)
        keys[f"{prefix}.nonlocal.{name}.bias"] = (inner,)
    keys[f"{prefix}.nonlocal.concat_project.0.weight"] = (1, 2 * inner, 1, 1)
    keys[f"{prefix}.nonlocal.W.0.weight"] = (channels, inner, 1)
    keys[f"{prefix}.nonlocal.W.0.bias"] = (channels,)
    keys.update(_bn_keys(f"{prefix}.nonlocal.W.1", channels))
    return keys


def semgcn_layout(parents: list[int], hid_dim: int, num_layers: int, non_local: bool) -> dict[str, tuple]:
    """Key -> shape of the published SemGCN state dict (without BatchNorm's num_batches_tracked)."""
    entries = int(published_adjacency_mask(parents).sum())
    keys = {**_graph_conv_keys("gconv_input.0.gconv", 2, hid_dim, entries),
            **_bn_keys("gconv_input.0.bn", hid_dim)}
    if non_local:
        keys.update(_nonlocal_keys("gconv_input.1", hid_dim))
    step = 2 if non_local else 1
    for layer in range(num_layers):
        for block in ("gconv1", "gconv2"):
            prefix = f"gconv_layers.{layer * step}.{block}"
            keys.update(_graph_conv_keys(f"{prefix}.gconv", hid_dim, hid_dim, entries))
            keys.update(_bn_keys(f"{prefix}.bn", hid_dim))
        if non_local:
            keys.update(_nonlocal_keys(f"gconv_layers.{layer * step + 1}", hid_dim))
    keys.update(_graph_conv_keys("gconv_output", hid_dim, 3, entries))
    return keys


def linear_layout(num_joints: int, linear_size: int = 1024, num_stages: int = 2) -> dict[str, tuple]:
    """Key -> shape of the published linear-model state dict (without num_batches_tracked)."""
    keys = {"w1.weight": (linear_size, num_joints * 2), "w1.bias": (linear_size,),
            **_bn_keys("batch_norm1", linear_size)}
    for stage in range(num_stages):
        for index in (1, 2):
            keys[f"linear_stages.{stage}.w{index}.weight"] = (linear_size, linear_size)
            keys[f"linear_stages.{stage}.w{index}.bias"] = (linear_size,)
            keys.update(_bn_keys(f"linear_stages.{stage}.batch_norm{index}", linear_size))
    keys.update({"w2.weight": ((num_joints - 1) * 3, linear_size), "w2.bias": ((num_joints - 1) * 3,)})
    return keys


def random_state_dict(layout: dict[str, tuple], seed: int) -> dict[str, torch.Tensor]:
    """float64 weights of the given layout; running variances positive; scaled to keep activations O(1)."""
    generator = torch.Generator().manual_seed(seed)
    weights = {}
    for key, shape in layout.items():
        values = torch.randn(shape, generator=generator, dtype=torch.float64)
        if key.endswith("running_var"):
            values = 0.5 + torch.rand(shape, generator=generator, dtype=torch.float64)
        elif len(shape) >= 2 and not key.endswith(".e"):
            values = values / shape[1] ** 0.5  # every matrix here has its fan-in in dimension 1
        weights[key] = values
    return weights


def _bn(weights: dict, prefix: str, x: torch.Tensor) -> torch.Tensor:
    """Eval-mode BatchNorm of x (B, C, ...) over channel dimension 1."""
    shape = (1, -1) + (1,) * (x.dim() - 2)
    mean, var = weights[f"{prefix}.running_mean"].view(shape), weights[f"{prefix}.running_var"].view(shape)
    return (x - mean) / torch.sqrt(var + BN_EPS) * weights[f"{prefix}.weight"].view(shape) \
        + weights[f"{prefix}.bias"].view(shape)


def _sem_graph_conv(weights: dict, prefix: str, mask: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    w = weights[f"{prefix}.W"]
    h0, h1 = torch.matmul(x, w[0]), torch.matmul(x, w[1])
    adj = -9e15 * torch.ones(mask.shape, dtype=x.dtype)
    adj[mask] = weights[f"{prefix}.e"].reshape(-1)
    adj = F.softmax(adj, dim=1)
    eye = torch.eye(adj.size(0), dtype=x.dtype)
    bias = weights[f"{prefix}.bias"].view(1, 1, -1)
    return torch.matmul(adj * eye, h0) + torch.matmul(adj * (1 - eye), h1) + bias


def _graph_conv_block(weights: dict, prefix: str, mask: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    h = _sem_graph_conv(weights, f"{prefix}.gconv", mask, x).transpose(1, 2)  # (B, C, J)
    return F.relu(_bn(weights, f"{prefix}.bn", h).transpose(1, 2))


def _non_local(weights: dict, prefix: str, groups: list[list[int]], x: torch.Tensor) -> torch.Tensor:
    grouped = [joint for group in groups for joint in group]
    restored = [grouped.index(joint) for joint in range(len(grouped))]
    p = f"{prefix}.nonlocal"
    out = x[:, grouped, :].transpose(1, 2)  # (B, C, J) in grouped order
    # A trailing single-joint group is pooled alone (ceil_mode); the published 16-joint groups are all pairs.
    g_x = F.max_pool1d(F.conv1d(out, weights[f"{p}.g.0.weight"], weights[f"{p}.g.0.bias"]), 2, ceil_mode=True)
    g_x = g_x.permute(0, 2, 1)  # (B, G, I)
    theta = F.conv1d(out, weights[f"{p}.theta.weight"], weights[f"{p}.theta.bias"]).unsqueeze(-1)  # (B,I,J,1)
    phi = F.max_pool1d(F.conv1d(out, weights[f"{p}.phi.0.weight"], weights[f"{p}.phi.0.bias"]), 2,
                       ceil_mode=True).unsqueeze(2)  # (B, I, 1, G)
    h, w = theta.size(2), phi.size(3)
    concat = torch.cat([theta.expand(-1, -1, -1, w), phi.expand(-1, -1, h, -1)], dim=1)  # (B, 2I, J, G)
    f = F.relu(F.conv2d(concat, weights[f"{p}.concat_project.0.weight"])).squeeze(1)  # (B, J, G)
    y = torch.matmul(f / f.size(-1), g_x).permute(0, 2, 1)  # (B, I, J)
    w_y = _bn(weights, f"{p}.W.1", F.conv1d(y, weights[f"{p}.W.0.weight"], weights[f"{p}.W.0.bias"]))
    return (w_y + out).transpose(1, 2)[:, restored, :]


def semgcn_reference(weights: dict, x: torch.Tensor, parents: list[int], num_layers: int,
                     groups: list[list[int]] | None) -> torch.Tensor:
    """SemGCN's forward (eval mode) on x (B, J, 2) -> (B, J, 3); ``groups`` None: no non-local blocks."""
    mask = published_adjacency_mask(parents)
    h = _graph_conv_block(weights, "gconv_input.0", mask, x)
    if groups is not None:
        h = _non_local(weights, "gconv_input.1", groups, h)
    step = 2 if groups is not None else 1
    for layer in range(num_layers):
        prefix = f"gconv_layers.{layer * step}"
        residual = h
        h = _graph_conv_block(weights, f"{prefix}.gconv1", mask, h)
        h = residual + _graph_conv_block(weights, f"{prefix}.gconv2", mask, h)
        if groups is not None:
            h = _non_local(weights, f"gconv_layers.{layer * step + 1}", groups, h)
    return _sem_graph_conv(weights, "gconv_output", mask, h)


def linear_reference(weights: dict, x: torch.Tensor, num_stages: int = 2) -> torch.Tensor:
    """The linear model's forward (eval mode) on x (B, J, 2) -> (B, J, 3), the root padded at the origin."""
    batch = x.shape[0]
    y = F.relu(_bn(weights, "batch_norm1", F.linear(x.reshape(batch, -1), weights["w1.weight"],
                                                       weights["w1.bias"])))
    for stage in range(num_stages):
        p = f"linear_stages.{stage}"
        z = F.linear(y, weights[f"{p}.w1.weight"], weights[f"{p}.w1.bias"])
        z = F.relu(_bn(weights, f"{p}.batch_norm1", z))
        z = F.linear(z, weights[f"{p}.w2.weight"], weights[f"{p}.w2.bias"])
        z = F.relu(_bn(weights, f"{p}.batch_norm2", z))
        y = y + z
    out = F.linear(y, weights["w2.weight"], weights["w2.bias"]).view(batch, -1, 3)
    return torch.cat([torch.zeros(batch, 1, 3, dtype=x.dtype), out], dim=1)
