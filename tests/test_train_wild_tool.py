"""tools/train_wild.py: its flags make the data configurations, and its packaging step writes a loadable
checkpoint with the provenance."""

import importlib.util
from pathlib import Path

import pytest
import torch

from jointformer.checkpoint import read_checkpoint, save_checkpoint
from jointformer.data.input_stats import default_input_stats
from jointformer.lift.lifter import Lifter
from jointformer.models.jointformer import JointFormer, JointFormerConfig

TOOL = Path(__file__).resolve().parents[1] / "tools" / "train_wild.py"
TINY = JointFormerConfig(hid_dim=32, num_layers=1, d_inner=64, num_heads=2, d_head=16)


@pytest.fixture(scope="module")
def train_wild():
    spec = importlib.util.spec_from_file_location("train_wild", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_package_keeps_weights_stats_and_provenance_without_the_optimizer(train_wild, tmp_path) -> None:
    torch.manual_seed(0)
    model = JointFormer(TINY)
    best = save_checkpoint(
        tmp_path / "ckpt_best.pth.tar",
        state_dict=model.state_dict(),
        config=TINY,
        epoch=3,
        error=81.5,
        optimizer={"state": {}, "param_groups": []},
        extra={"input_stats": default_input_stats().to_dict()},
    )
    record = {"command": "python tools/train_wild.py --out x", "seed": 0}
    target = tmp_path / "packaged.pth.tar"
    train_wild.package(best, target, record)
    packaged = read_checkpoint(target)
    assert packaged["provenance"] == record and packaged["optimizer"] is None
    assert (
        packaged["epoch"] == 3
        and packaged["error"] == 81.5
        and packaged["config"] == read_checkpoint(best)["config"]
    )
    lifter = Lifter.from_checkpoint(target, device="cpu")
    assert lifter.input_stats.extent_median == default_input_stats().extent_median


def test_ablation_flags_switch_the_data_sources_and_validation_stays_fixed(train_wild, tmp_path) -> None:
    args = train_wild.parse_args(["--out", str(tmp_path), "--no-bvh", "--no-articulation", "--no-definition"])
    training, _ = train_wild.data_configs(args)
    assert training.bvh_files == () and not training.articulation and not training.detector_definition
    full, full_validation = train_wild.data_configs(
        train_wild.parse_args(["--out", str(tmp_path), "--no-bvh"])
    )
    assert full.articulation and full.detector_definition
    assert not full_validation.articulation and full_validation.synthetic_subjects == ("S9", "S11")
