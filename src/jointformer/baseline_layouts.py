"""Recognising SemGCN's and the linear baseline's published state dicts (garyzhao/SemGCN's released
``ckpt_semgcn.pth.tar``, ``ckpt_semgcn_nonlocal.pth.tar``, ``ckpt_linear.pth.tar``) from their key names
and shapes, as ``checkpoint.infer_config`` does for JointFormer's.

What the weights cannot say is assumed as published: SemGCN's dropout 0 (its ``--dropout`` default) and the
linear model's dropout 0.5; they matter only when training further.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from torch import Tensor

from jointformer.errors import CheckpointError
from jointformer.models.linear import LinearModelConfig
from jointformer.models.semgcn import SemGCNConfig, skeleton_adjacency

SEMGCN_MARKER = "gconv_input.0.gconv.W"
LINEAR_MARKERS = ("w1.weight", "batch_norm1.weight", "w2.weight")
PUBLISHED_LINEAR_DROPOUT = 0.5

_RESIDUAL_KEY = re.compile(r"^gconv_layers\.(\d+)\.gconv1\.")
_STAGE_KEY = re.compile(r"^linear_stages\.(\d+)\.")


def is_baseline_layout(state_dict: Mapping[str, Tensor]) -> bool:
    """Whether the keys are those of a SemGCN or a linear baseline (not a JointFormer)."""
    return SEMGCN_MARKER in state_dict or all(key in state_dict for key in LINEAR_MARKERS)


def _mask_entries(num_joints: int) -> int:
    """Learnable adjacency logits of a semantic graph convolution: skeleton edges both ways + diagonal."""
    return int(skeleton_adjacency(num_joints).sum()) + num_joints


def infer_semgcn_config(state_dict: Mapping[str, Tensor]) -> SemGCNConfig:
    """The SemGCNConfig of a SemGCN state dict (16 or 17 joints, any width and depth, non-local or not)."""
    weight_shape = tuple(state_dict[SEMGCN_MARKER].shape)  # (2, 2, C)
    logits = tuple(state_dict["gconv_input.0.gconv.e"].shape) if "gconv_input.0.gconv.e" in state_dict else ()
    joints_by_entries = {_mask_entries(joints): joints for joints in (16, 17)}
    if len(weight_shape) != 3 or len(logits) != 2 or logits[1] not in joints_by_entries:
        raise CheckpointError(
            f"cannot recognise the SemGCN architecture: '{SEMGCN_MARKER}' has shape {weight_shape} (expected "
            f"(2, 2, C)) and 'gconv_input.0.gconv.e' {logits} (expected (1, 46) for 16 joints or (1, 49) "
            f"for 17)")
    layers = {int(match.group(1)) for key in state_dict if (match := _RESIDUAL_KEY.match(key))}
    non_local = any(".nonlocal." in key for key in state_dict)
    return SemGCNConfig(num_joints=joints_by_entries[logits[1]], hid_dim=weight_shape[2],
                        num_layers=len(layers), non_local=non_local)


def infer_linear_config(state_dict: Mapping[str, Tensor]) -> LinearModelConfig:
    """The LinearModelConfig of a linear-baseline state dict: input J*2, output (J-1)*3."""
    width, inputs = tuple(state_dict["w1.weight"].shape)
    outputs = state_dict["w2.weight"].shape[0]
    if inputs % 2 or outputs != (inputs // 2 - 1) * 3:
        raise CheckpointError(f"cannot recognise the linear model: 'w1.weight' takes {inputs} inputs and "
                              f"'w2.weight' gives {outputs} outputs; expected J*2 and (J-1)*3")
    stages = {int(match.group(1)) for key in state_dict if (match := _STAGE_KEY.match(key))}
    return LinearModelConfig(num_joints=inputs // 2, linear_size=width, num_stages=len(stages),
                             dropout=PUBLISHED_LINEAR_DROPOUT)


def infer_baseline_config(state_dict: Mapping[str, Tensor]) -> SemGCNConfig | LinearModelConfig:
    """The config of a SemGCN or linear-baseline state dict (``is_baseline_layout`` must hold)."""
    try:
        if SEMGCN_MARKER in state_dict:
            return infer_semgcn_config(state_dict)
        return infer_linear_config(state_dict)
    except ValueError as error:
        if isinstance(error, CheckpointError):
            raise
        raise CheckpointError(f"the recognised architecture is not valid: {error}") from error


def tolerated_missing(expected: Mapping[str, Tensor], state_dict: Mapping[str, Tensor]) -> set[str]:
    """Expected keys a published file may lack: BatchNorm's ``num_batches_tracked`` (added in PyTorch 0.4.1;
    ``load_state_dict`` fills it in)."""
    return {key for key in expected if key.endswith(".num_batches_tracked") and key not in state_dict}
