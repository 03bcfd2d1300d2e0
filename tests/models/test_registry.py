"""Stored configs name their model family; configs stored before the baselines existed are JointFormer's."""

import dataclasses

import pytest

from jointformer.models.jointformer import JointFormer, JointFormerConfig, Refiner
from jointformer.models.linear import LinearModel, LinearModelConfig
from jointformer.models.registry import build, config_from_dict, config_to_dict
from jointformer.models.semgcn import SemGCN, SemGCNConfig

CASES = [(JointFormerConfig(hid_dim=16, num_layers=1, d_inner=32), JointFormer),
         (JointFormerConfig.published_refiner(), Refiner),
         (SemGCNConfig(hid_dim=8, non_local=True), SemGCN),
         (LinearModelConfig(linear_size=8), LinearModel)]


@pytest.mark.parametrize(("config", "model_class"), CASES)
def test_config_round_trips_and_builds_its_family(config, model_class) -> None:
    stored = config_to_dict(config)
    assert stored["model"] in ("jointformer", "semgcn", "linear")
    assert config_from_dict(stored) == config
    assert type(build(config)) is model_class


def test_a_stored_config_without_model_is_a_jointformer() -> None:
    config = JointFormerConfig(hid_dim=32)
    assert config_from_dict(dataclasses.asdict(config)) == config


def test_unknown_family_or_fields_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown model 'gcn'"):
        config_from_dict({"model": "gcn"})
    with pytest.raises(ValueError, match=r"unknown field\(s\) \['d_inner'\]"):
        config_from_dict({"model": "semgcn", "d_inner": 4})
    with pytest.raises(ValueError, match="num_joints must be 17"):
        SemGCNConfig(num_joints=15)
