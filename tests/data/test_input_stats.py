"""InputStats: computed from a pose set, the checkpoint's ``input_stats`` dict unchanged on disk, and the
default statistics derived from the embedded data generator."""

from __future__ import annotations

import io
import json
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch

from jointformer.checkpoint import read_checkpoint, read_input_stats
from jointformer.data.input_stats import DEFAULT_STATS_SOURCE, InputStats, default_input_stats
from jointformer.data.poseset import PoseSet, pose_extent_2d
from jointformer.lift.pretrained import pretrained_path

ON_DISK_ORDER = [
    "extent_p05", "extent_median", "extent_p95", "root_median", "mean_pose_2d", "pose_templates_2d"]


def _pose_set(count: int) -> PoseSet:
    generator = torch.Generator().manual_seed(0)
    inputs = torch.rand(count, 17, 2, generator=generator) * 0.5 + torch.tensor([0.1, -0.3])
    empty = torch.zeros(count, dtype=torch.int64)
    return PoseSet(inputs_2d=inputs, targets_3d=torch.zeros(count, 17, 3), action=empty, subject=empty,
                   camera=empty, actions=("Walking",), subjects=("S1",), joints_left_2d=(4, 5, 6),
                   joints_right_2d=(1, 2, 3), joints_left_3d=(4, 5, 6), joints_right_3d=(1, 2, 3))


def test_from_pose_set_describes_the_inputs() -> None:
    pose_set = _pose_set(500)
    stats = InputStats.from_pose_set(pose_set)
    extent = pose_extent_2d(pose_set.inputs_2d)
    assert abs(stats.extent_median - float(extent.median())) < 0.01
    assert stats.extent_p05 < stats.extent_median < stats.extent_p95
    assert torch.allclose(torch.tensor(stats.root_median), pose_set.inputs_2d[:, 0].median(dim=0).values)
    assert len(stats.mean_pose_2d) == 17 and stats.mean_pose_2d[0] == (0.0, 0.0)
    assert len(stats.pose_templates_2d) == 64 and len(stats.pose_templates_2d[0]) == 17
    assert stats.source is None


def test_the_dict_is_the_training_loops_format_and_round_trips() -> None:
    stats = InputStats.from_pose_set(_pose_set(200))
    stored = stats.to_dict()
    assert list(stored) == ON_DISK_ORDER
    assert isinstance(stored["root_median"], list) and isinstance(stored["mean_pose_2d"][3], list)
    assert all(isinstance(value, float) for value in stored["mean_pose_2d"][3])
    assert InputStats.from_dict(stored) == stats
    assert InputStats.from_dict(stored).to_dict() == stored


def test_the_packaged_checkpoints_stats_load_and_write_back_byte_for_byte() -> None:
    stored = read_checkpoint(pretrained_path(), "cpu")["input_stats"]
    stats = read_input_stats(pretrained_path())
    assert stats.to_dict() == stored
    assert pickle.dumps(stats.to_dict()) == pickle.dumps(stored)
    written, original = io.BytesIO(), io.BytesIO()
    torch.save({"input_stats": stats.to_dict()}, written)
    torch.save({"input_stats": stored}, original)
    assert written.getvalue() == original.getvalue()


def test_stats_without_the_optional_fields_keep_none_of_them() -> None:
    stored = {"extent_median": 0.8, "root_median": [0.0, 0.1], "mean_pose_2d": [[0.0, 0.1]] * 17}
    stats = InputStats.from_dict(stored)
    assert stats.pose_templates_2d is None and stats.extent_p05 is None
    assert stats.to_dict() == {"extent_median": 0.8, "root_median": [0.0, 0.1],
                               "mean_pose_2d": [[0.0, 0.1]] * 17}


# The statistics Lifter used before they were derived by code, as printed (4 decimals) by
# benchmarks/input_stats.py for the embedded data set (detector-like file, training subjects, seed 0).
PRINTED_DEFAULTS = {
    "extent_p05": 0.4573, "extent_median": 0.6750, "extent_p95": 0.8797,
    "root_median": [0.0774, -0.2113],
    "mean_pose_2d": [
        [0.0000, 0.0000], [-0.0001, 0.0001], [-0.0032, 0.1629], [-0.0063, 0.3467],
        [0.0001, 0.0001], [-0.0029, 0.1633], [-0.0060, 0.3473], [0.0017, -0.1013],
        [0.0036, -0.2143], [0.0042, -0.2565], [0.0052, -0.3065], [0.0035, -0.2010],
        [0.0022, -0.1022], [0.0010, -0.0575], [0.0034, -0.2009], [0.0011, -0.1049],
        [-0.0001, -0.0602],
    ],
}
# The pose templates that were packaged as a data file (64 x 17 x 2, 4 decimals).
PRINTED_TEMPLATES = Path(__file__).parent / "pose_templates_2d.json"


@pytest.mark.parametrize("field", sorted(PRINTED_DEFAULTS))
def test_derived_defaults_agree_with_the_printed_ones(field: str) -> None:
    derived = np.asarray(default_input_stats().to_dict()[field], dtype=np.float64)
    printed = np.asarray(PRINTED_DEFAULTS[field], dtype=np.float64)
    assert derived.shape == printed.shape
    assert np.abs(derived - printed).max() < 0.5e-4 + 1e-12  # equal at the printed precision


def test_derived_templates_agree_with_the_packaged_ones() -> None:
    printed = np.asarray(json.loads(PRINTED_TEMPLATES.read_text(encoding="utf-8")))
    derived = np.asarray(default_input_stats().pose_templates_2d)
    assert derived.shape == printed.shape == (64, 17, 2)
    assert np.abs(derived - printed).max() < 0.5e-4 + 1e-12


def test_default_stats_name_their_source_and_are_computed_once() -> None:
    assert default_input_stats().source == DEFAULT_STATS_SOURCE
    assert default_input_stats() is default_input_stats()
