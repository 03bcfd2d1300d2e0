"""Validation shared by the baselines' config dataclasses: field types, ranges and known field names."""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

ConfigT = TypeVar("ConfigT")


def check_positive_integers(config: Any, names: tuple[str, ...]) -> None:
    """ValueError unless every named field of ``config`` is a positive int (bool refused)."""
    for name in names:
        value = getattr(config, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{type(config).__name__}.{name} must be a positive integer, got {value!r}")


def check_probability(config: Any, name: str) -> None:
    """ValueError unless the named field of ``config`` is a number in [0, 1)."""
    value = getattr(config, name)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value < 1.0:
        raise ValueError(f"{type(config).__name__}.{name} must be a probability in [0, 1), got {value!r}")


def config_from_fields(config_class: type[ConfigT], values: dict[str, Any]) -> ConfigT:
    """``config_class(**values)``, first refusing fields the dataclass does not have (ValueError)."""
    if not isinstance(values, dict):
        raise ValueError(f"{config_class.__name__} expects a dict of fields, got {type(values).__name__}")
    known = {field.name for field in dataclasses.fields(config_class)}  # type: ignore[arg-type]
    unknown = sorted(set(values) - known)
    if unknown:
        raise ValueError(f"{config_class.__name__}: unknown field(s) {unknown}; known fields are "
                         f"{sorted(known)}")
    return config_class(**values)
