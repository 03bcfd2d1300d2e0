"""JointFormer (stage 1), the refinement transformer (stage 2) and the two chained.

Shape letters: ``B`` batch, ``J`` joints (17, Human3.6M order of ``SKELETON17``, joint 0 the pelvis), ``F``
input features per joint, ``d`` model width (``hid_dim``).

Inputs are 2D keypoints in normalised screen coordinates (x in [-1, 1], aspect ratio kept). Outputs are 3D
poses in metres, camera frame, root-relative (as trained: the model is never told where the root is, so
joint 0 comes out close to, not exactly, zero), and predicted absolute errors per coordinate in metres.

The module and parameter names follow the published checkpoints, so ``state_dict()`` is the published
layout (``embedding.*``, ``layer_stack.N.slf_attn.w_qs.weight``, ``intermediate_pred.N.0.weight``, ...).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Literal

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from jointformer.data.skeleton import SKELETON17
from jointformer.models.architecture_defaults import (
    MODEL_KINDS,
    REFINER_IN_FEATURES,
    ModelKind,
    published_default,
)
from jointformer.models.layers import (
    LAYER_NORM_EPS,
    EncoderLayer,
    FlatLinearEmbedding,
    JointwiseEmbedding,
    SemanticGraphEmbedding,
    prediction_head,
)

EMBEDDING_TYPES = ("conv", "linear", "graph")



@dataclass
class JointFormerConfig:
    """Architecture of a JointFormer or a refiner; stored in checkpoints, enough to rebuild the model.

    Defaults are the published stage-1 model; the training commands' flags keep the published code's argparse
    defaults, which differ (both come from ``architecture_defaults.ARCHITECTURE_DEFAULTS``). ``num_heads``
    x ``d_head`` is the attention width (512 as published, whatever ``hid_dim``). ``dropout`` is the
    encoder dropout, ``pred_dropout`` the dropout in front of the output heads, ``attention_dropout`` the
    dropout on attention weights (0.1, fixed in the published code). ``kind`` selects the class:
    "jointformer" (stage 1, input F = ``in_features``) or "refiner" (stage 2, F = 8 and no error head).
    ``residual`` (refiners only; this package's extension, off for the published refiner) makes the
    refiner predict a correction added to the stage-1 pose, with its output layers starting at zero.
    """

    num_joints: int = 17
    in_features: int = 2
    # The fields the training commands expose take their defaults from the one table shared with them.
    hid_dim: int = published_default("hid_dim")
    num_layers: int = published_default("num_layers")
    d_inner: int = published_default("d_inner")
    num_heads: int = 8
    d_head: int = 64
    dropout: float = published_default("dropout")
    pred_dropout: float = published_default("pred_dropout")
    attention_dropout: float = 0.1
    intermediate: bool = published_default("intermediate")
    error_prediction: bool = published_default("error_prediction")
    embedding_type: Literal["conv", "linear", "graph"] = published_default("embedding_type")
    spatial_encoding: bool = published_default("spatial_encoding")
    kind: ModelKind = "jointformer"
    residual: bool = False

    def __post_init__(self) -> None:
        for name in ("num_joints", "in_features", "hid_dim", "num_layers", "d_inner", "num_heads", "d_head"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"JointFormerConfig.{name} must be a positive integer, got {value!r}")
        for name in ("dropout", "pred_dropout", "attention_dropout"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value < 1.0:
                raise ValueError(f"JointFormerConfig.{name} must be a probability in [0, 1), got {value!r}")
        if self.residual and self.kind != "refiner":
            raise ValueError("JointFormerConfig.residual applies to refiners only (kind='refiner')")
        for name in ("intermediate", "error_prediction", "spatial_encoding", "residual"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"JointFormerConfig.{name} must be True or False, "
                                 f"got {getattr(self, name)!r}")
        if self.embedding_type not in EMBEDDING_TYPES:
            raise ValueError(f"JointFormerConfig.embedding_type must be one of {EMBEDDING_TYPES}, "
                             f"got {self.embedding_type!r}")
        if self.kind not in MODEL_KINDS:
            raise ValueError(f"JointFormerConfig.kind must be one of {MODEL_KINDS}, got {self.kind!r}")
        if self.embedding_type == "graph" and self.num_joints != SKELETON17.num_joints:
            raise ValueError(f"JointFormerConfig: the graph embedding is built on the "
                             f"{SKELETON17.num_joints}-joint skeleton, got num_joints={self.num_joints}")
        if self.kind == "refiner":
            if self.in_features != REFINER_IN_FEATURES:
                raise ValueError(f"JointFormerConfig: a refiner takes in_features={REFINER_IN_FEATURES} "
                                 f"(2D + stage-1 3D + stage-1 error per joint), got {self.in_features}")
            if self.error_prediction:
                raise ValueError("JointFormerConfig: a refiner has no error head; set error_prediction=False")

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> JointFormerConfig:
        """Rebuild a config from ``dataclasses.asdict`` output; unknown or bad fields raise ValueError."""
        if not isinstance(values, dict):
            raise ValueError(f"JointFormerConfig.from_dict expects a dict, got {type(values).__name__}")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"JointFormerConfig: unknown field(s) {unknown}; "
                             f"known fields are {sorted(known)}")
        return cls(**values)

    @classmethod
    def published_refiner(cls) -> JointFormerConfig:
        """The published refinement transformer (hid 256, 2 layers, d_inner 1024, pred dropout 0.1)."""
        return cls(in_features=REFINER_IN_FEATURES, hid_dim=256, num_layers=2, d_inner=1024, pred_dropout=0.1,
                   intermediate=False, error_prediction=False, kind="refiner")


@dataclass
class LiftOutput:
    """What every model of this package returns.

    poses: list of (B, J, 3) metres, camera frame, root-relative; one per supervised output (one per layer
        with intermediate supervision), the last is the prediction.
    errors: list of (B, J, 3) metres, predicted absolute error of each coordinate, aligned with ``poses``
        (``errors[i]`` belongs to ``poses[i]``, same length); None for a model without error head. For
        ``TwoStage``, whose refiner has no error head, the refined pose's entry is stage 1's last predicted
        error: the estimate the refiner was given, and the only one the model makes.
    attention: list of (B, H, J, J) attention weights, one per encoder layer; only when asked for.
    """

    poses: list[Tensor]
    errors: list[Tensor] | None = None
    attention: list[Tensor] | None = None

    @property
    def pose(self) -> Tensor:
        """(B, J, 3) metres, camera frame, root-relative: the final prediction."""
        return self.poses[-1]

    @property
    def error(self) -> Tensor | None:
        """(B, J, 3) metres: the last predicted absolute error per coordinate, or None."""
        return None if self.errors is None else self.errors[-1]

    @staticmethod
    def concatenate(parts: list[LiftOutput]) -> LiftOutput:
        """One LiftOutput from outputs of consecutive batch chunks (every list joined along the batch)."""

        def joined(lists: list[list[Tensor]]) -> list[Tensor]:
            return [torch.cat(chunks) for chunks in zip(*lists, strict=True)]

        def optional(name: str) -> list[Tensor] | None:
            lists = [getattr(part, name) for part in parts]
            if all(entry is None for entry in lists):
                return None
            if any(entry is None for entry in lists):
                raise ValueError(f"LiftOutput.concatenate: {name} is missing from some parts")
            return joined(lists)

        return LiftOutput(poses=joined([part.poses for part in parts]), errors=optional("errors"),
                          attention=optional("attention"))


def _check_input(x: Tensor, num_joints: int, in_features: int, name: str) -> None:
    if x.dim() != 3 or x.shape[1] != num_joints or x.shape[2] != in_features:
        raise ValueError(f"{name} must have shape (B, {num_joints}, {in_features}), got {tuple(x.shape)}")


class JointFormer(nn.Module):
    """Stage 1: lifts (B, J, F) normalised screen coordinates to 3D poses and their predicted errors."""

    def __init__(self, config: JointFormerConfig) -> None:
        super().__init__()
        self.config = config
        joints, width = config.num_joints, config.hid_dim
        if config.embedding_type == "conv":
            self.embedding = JointwiseEmbedding(config.in_features, width)
        elif config.embedding_type == "linear":
            self.embedding = FlatLinearEmbedding(joints, config.in_features, width)
        else:
            self.embedding = SemanticGraphEmbedding(SKELETON17.adjacency(), config.in_features, width)
        if config.spatial_encoding:
            self.position_enc = nn.Parameter(torch.zeros(1, joints, width))
        self.dropout = nn.Dropout(config.dropout)
        self.layer_norm = nn.LayerNorm(width, eps=LAYER_NORM_EPS)
        self.layer_stack = nn.ModuleList(
            EncoderLayer(width, config.d_inner, config.num_heads, config.d_head, config.dropout,
                         config.attention_dropout)
            for _ in range(config.num_layers))
        flat, out = joints * width, joints * 3
        if config.intermediate:
            self.intermediate_pred = nn.ModuleList(
                prediction_head(flat, out, config.pred_dropout) for _ in range(config.num_layers))
            if config.error_prediction:
                self.intermediate_error = nn.ModuleList(
                    prediction_head(flat, out, config.pred_dropout) for _ in range(config.num_layers))
            # One per layer as published, although the last one's output feeds nothing (it gets no gradient).
            self.intermediate_enc = nn.ModuleList(nn.Linear(out, flat) for _ in range(config.num_layers))
        else:
            self.decoder = prediction_head(flat, out, config.pred_dropout)
            if config.error_prediction:
                self.error_decoder = prediction_head(flat, out, config.pred_dropout)
        # As published: every matrix-shaped parameter (graph logits and spatial encoding included) is
        # re-drawn Xavier-uniform; biases and LayerNorms keep their defaults.
        for parameter in self.parameters():
            if parameter.dim() >= 2:
                nn.init.xavier_uniform_(parameter)

    def check_inputs(self, x: Tensor) -> None:
        """Raise ValueError unless x is (B, J, F) with this model's J and F (as ``forward`` does)."""
        _check_input(x, self.config.num_joints, self.config.in_features, "JointFormer input")

    def forward(self, x: Tensor, return_attention: bool = False) -> LiftOutput:
        """x: (B, J, F) per-joint inputs (F = 2: normalised screen coordinates).

        Returns a LiftOutput: ``poses`` (B, J, 3) metres, camera frame, root-relative, one per layer with
        intermediate supervision; ``errors`` alike or None; ``attention`` (B, H, J, J) per layer if asked.
        """
        config = self.config
        _check_input(x, config.num_joints, config.in_features, "JointFormer input")
        batch, joints, width = x.shape[0], config.num_joints, config.hid_dim
        # Under CPU autocast the embedding returns bfloat16 and LayerNorm keeps its input's type, so the whole
        # residual stream would drift to bfloat16; back in the input's type it stays as on CUDA (where
        # autocast runs LayerNorm in float32) and only the matrix multiplies run in low precision.
        h = self.embedding(x).to(x.dtype)  # (B, J, d)
        if config.spatial_encoding:
            h = h + self.position_enc
        h = self.layer_norm(self.dropout(h))
        poses: list[Tensor] = []
        errors: list[Tensor] = []
        attention: list[Tensor] = []
        for index, layer in enumerate(self.layer_stack):
            residual = h
            h, layer_attention = layer(h, return_attention)
            if layer_attention is not None:
                attention.append(layer_attention)
            if config.intermediate:
                flat = h.reshape(batch, joints * width)  # (B, J*d)
                pose = self.intermediate_pred[index](flat)  # (B, J*3)
                poses.append(pose.view(batch, joints, 3))
                if config.error_prediction:
                    errors.append(self.intermediate_error[index](flat).view(batch, joints, 3))
                h = h + self.intermediate_enc[index](pose).view(batch, joints, width)
            h = F.relu(h + residual)
        if not config.intermediate:
            flat = h.reshape(batch, joints * width)  # (B, J*d)
            poses.append(self.decoder(flat).view(batch, joints, 3))
            if config.error_prediction:
                errors.append(self.error_decoder(flat).view(batch, joints, 3))
        return LiftOutput(poses=poses, errors=errors if config.error_prediction else None,
                          attention=attention if return_attention else None)


class Refiner(JointFormer):
    """Stage 2: refines a stage-1 pose from the 2D input, the stage-1 pose and its predicted error.

    Same encoder as JointFormer on F = 8 features per joint, no error head; the published refiner is
    ``JointFormerConfig.published_refiner()``.
    """

    def __init__(self, config: JointFormerConfig) -> None:
        if config.kind != "refiner":
            raise ValueError(f"Refiner needs a config with kind='refiner', got kind={config.kind!r}")
        super().__init__(config)
        if config.residual:
            # This package's extension (not in the paper): the refiner predicts a correction added to the
            # stage-1 pose, and its output layers start at zero, so before training it returns the stage-1
            # pose unchanged and short schedules cannot make it worse than stage 1 to begin with. Same
            # parameters and state-dict layout as the published refiner.
            heads = self.intermediate_pred if config.intermediate else [self.decoder]
            for head in heads:
                nn.init.zeros_(head[2].weight)
                nn.init.zeros_(head[2].bias)

    def check_inputs(self, inputs_2d: Tensor, pose: Tensor, error: Tensor) -> None:  # type: ignore[override]
        """Raise ValueError unless the three inputs are as ``forward`` describes them."""
        joints = self.config.num_joints
        _check_input(inputs_2d, joints, 2, "Refiner inputs_2d")
        _check_input(pose, joints, 3, "Refiner pose")
        _check_input(error, joints, 3, "Refiner error")

    def forward(self, inputs_2d: Tensor, pose: Tensor, error: Tensor,  # type: ignore[override]
                return_attention: bool = False) -> LiftOutput:
        """inputs_2d: (B, J, 2) normalised screen coordinates; pose: (B, J, 3) metres, camera frame,
        root-relative (stage-1 prediction); error: (B, J, 3) metres (stage-1 predicted error).

        Returns a LiftOutput whose ``pose`` is the refined (B, J, 3) pose in metres and ``errors`` None.
        """
        self.check_inputs(inputs_2d, pose, error)
        output = super().forward(torch.cat([inputs_2d, pose, error], dim=-1), return_attention)
        if self.config.residual:
            output.poses = [pose + correction for correction in output.poses]
        return output


class TwoStage(nn.Module):
    """Stage 1 followed by the refiner, as one module taking (B, J, 2) normalised screen coordinates."""

    def __init__(self, stage1: JointFormer, refiner: Refiner) -> None:
        super().__init__()
        if not stage1.config.error_prediction:
            raise ValueError("TwoStage: the refiner needs stage-1 predicted errors, "
                             "but stage 1 has no error head")
        if stage1.config.in_features != 2:
            raise ValueError(f"TwoStage: stage 1 must take 2D inputs, "
                             f"got in_features={stage1.config.in_features}")
        if stage1.config.num_joints != refiner.config.num_joints:
            raise ValueError(f"TwoStage: stage 1 has {stage1.config.num_joints} joints, "
                             f"the refiner {refiner.config.num_joints}")
        self.stage1 = stage1
        self.refiner = refiner

    def forward(self, x: Tensor, return_attention: bool = False) -> LiftOutput:
        """x: (B, J, 2) normalised screen coordinates.

        Returns a LiftOutput: ``poses`` = stage-1 poses + the refiner's (the last, ``pose``, is the refined
        (B, J, 3) pose in metres, camera frame, root-relative); ``errors`` aligned with them = stage-1
        predicted errors, then stage 1's last again for each refiner pose (so ``error`` is stage 1's last);
        ``attention`` = stage-1 maps then the refiner's, if asked.
        """
        first = self.stage1(x, return_attention)
        assert first.errors is not None  # guaranteed by the constructor
        refined = self.refiner(x, first.pose, first.errors[-1], return_attention)
        return self.join(first, refined, return_attention)

    @staticmethod
    def join(first: LiftOutput, refined: LiftOutput, return_attention: bool) -> LiftOutput:
        """The LiftOutput of ``forward`` from stage 1's output ``first`` (with errors) and the refiner's
        output ``refined`` on it, both (B, J, 3) metres as ``forward`` describes."""
        assert first.errors is not None  # guaranteed by the constructor
        attention = None
        if return_attention:
            attention = [*(first.attention or []), *(refined.attention or [])]
        refined_errors = [first.errors[-1]] * len(refined.poses)  # the refiner has no error head
        return LiftOutput(poses=[*first.poses, *refined.poses], errors=[*first.errors, *refined_errors],
                          attention=attention)


def build_model(config: JointFormerConfig) -> JointFormer:
    """A freshly initialised JointFormer or Refiner, chosen by ``config.kind``."""
    if not isinstance(config, JointFormerConfig):
        raise ValueError(f"build_model expects a JointFormerConfig, got {type(config).__name__}")
    return Refiner(config) if config.kind == "refiner" else JointFormer(config)
