"""The packaged in-the-wild model: it loads, says what it is, and meets its recorded figures."""

import json

import numpy as np
import pytest

from jointformer.data.input_stats import default_input_stats
from jointformer.lift.lifter import Lifter
from jointformer.lift.pretrained import check_set_figures, embedded_check_set, pretrained_path, provenance


def test_packaged_checkpoint_is_small_and_records_how_it_was_made() -> None:
    path = pretrained_path()
    assert path.stat().st_size < 8 * 2**20
    record = provenance()
    assert record["command"].startswith("python tools/train_wild.py")
    assert isinstance(record["seed"], int)
    assert list(record["data"]["training"]["synthetic_subjects"]) == ["S1", "S5", "S6", "S7", "S8"]
    assert all(name.endswith(".bvh") for name in record["data"]["training"]["bvh_files"])
    recorded = set(record["metrics"])
    assert {"validation_protocol1_mm", "validation_protocol2_mm", "embedded_check_set"} <= recorded


@pytest.mark.slow
def test_packaged_model_meets_its_recorded_figures_on_the_embedded_check_set() -> None:
    recorded = provenance()["metrics"]["embedded_check_set"]
    lifter = Lifter.pretrained(device="cpu")
    measured = check_set_figures(lifter.lifting_model(flip_test=True), embedded_check_set())
    assert measured["poses"] == recorded["poses"]
    assert measured["protocol1_mm"] == pytest.approx(recorded["protocol1_mm"], abs=0.5)
    assert measured["protocol2_mm"] == pytest.approx(recorded["protocol2_mm"], abs=0.5)


def test_lift_without_checkpoint_uses_the_packaged_model(tmp_path, capsys) -> None:
    from jointformer.cli import main

    mean_pose = np.asarray(default_input_stats().mean_pose_2d)  # (17, 2) root-relative, normalised
    pixels = mean_pose[None] * 800.0 + np.array([540.0, 900.0]) + np.arange(8.0)[:, None, None]
    source = tmp_path / "poses.npy"
    np.save(source, pixels)
    out = tmp_path / "lifted.json"
    assert main(["lift", str(source), "--layout", "h36m", "--out", str(out)]) == 0
    assert "packaged in-the-wild model" in capsys.readouterr().out
    document = json.loads(out.read_text())
    assert document["checkpoint"].endswith("wild_stage1.pth.tar")


def test_packaged_model_carries_its_own_pose_templates():
    """Missing joints are placed from templates of the wild training set, not the embedded data set's."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a checkpoint without templates warns: the packaged one must not
        lifter = Lifter.pretrained(device="cpu")
    templates = np.asarray(lifter.input_stats.pose_templates_2d)
    assert templates.shape == (64, 17, 2) and np.isfinite(templates).all()
