"""The three model families and their configs, as one plain table: JointFormer (with its refiner), SemGCN and
the linear baseline.

A stored config is ``dataclasses.asdict(config)`` plus a ``model`` field naming the family; a stored config
without it (checkpoints written before the baselines existed) is a JointFormer's.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from torch import nn

from jointformer.models.jointformer import JointFormerConfig, build_model
from jointformer.models.linear import LinearModel, LinearModelConfig
from jointformer.models.semgcn import SemGCN, SemGCNConfig

ModelConfig = JointFormerConfig | SemGCNConfig | LinearModelConfig

CONFIG_CLASSES: dict[str, type] = {"jointformer": JointFormerConfig, "semgcn": SemGCNConfig,
                                   "linear": LinearModelConfig}
MODEL_NAMES = tuple(CONFIG_CLASSES)


def model_name(config: Any) -> str:
    """"jointformer", "semgcn" or "linear" for a config of that family; ValueError for anything else."""
    for name, config_class in CONFIG_CLASSES.items():
        if isinstance(config, config_class):
            return name
    raise ValueError(f"not a model config: {type(config).__name__} (expected one of "
                     f"{[cls.__name__ for cls in CONFIG_CLASSES.values()]})")


def config_to_dict(config: ModelConfig) -> dict[str, Any]:
    """The config's fields and ``model``: what a checkpoint stores."""
    return {"model": model_name(config), **dataclasses.asdict(config)}


def config_from_dict(values: Any) -> ModelConfig:
    """Rebuild a config from ``config_to_dict`` output (no ``model`` field: a JointFormer's); unknown
    fields, an unknown family or bad values raise ValueError."""
    if not isinstance(values, dict):
        raise ValueError(f"a stored model config must be a dict, got {type(values).__name__}")
    values = dict(values)
    name = values.pop("model", "jointformer")
    if name not in CONFIG_CLASSES:
        raise ValueError(f"unknown model {name!r}: expected one of {list(MODEL_NAMES)}")
    return CONFIG_CLASSES[name].from_dict(values)


def build(config: ModelConfig) -> nn.Module:
    """A freshly initialised model of the config's family (a JointFormer config gives JointFormer or
    Refiner by its ``kind``)."""
    name = model_name(config)
    if name == "semgcn":
        return SemGCN(config)  # type: ignore[arg-type]
    if name == "linear":
        return LinearModel(config)  # type: ignore[arg-type]
    return build_model(config)  # type: ignore[arg-type]


def parameter_count(model: nn.Module) -> int:
    """Number of learnable parameters (buffers such as BatchNorm statistics not counted)."""
    return sum(parameter.numel() for parameter in model.parameters())
