"""Input normalisation and the default input statistics (derived from the embedded data generator)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from jointformer.errors import InputError
from jointformer.lift.normalization import (
    DEFAULT_STATS_SOURCE,
    default_input_stats,
    normalise_extent,
    pose_extents,
    screen_inputs,
)

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
PRINTED_TEMPLATES = Path(__file__).parents[1] / "data" / "pose_templates_2d.json"


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


def test_extent_normalisation_moves_the_root_and_scales_the_size() -> None:
    keypoints = torch.rand(3, 17, 2, dtype=torch.float64) * 100 + 50  # pixels
    extents = pose_extents(keypoints.numpy(), is_sequence=False).double()
    target_root, target_extent = torch.tensor([0.1, -0.2], dtype=torch.float64), torch.tensor(0.7).double()
    inputs = normalise_extent(keypoints, extents, target_root, target_extent)
    assert torch.allclose(inputs[:, 0], target_root.expand(3, 2))
    size = (inputs.amax(dim=1) - inputs.amin(dim=1)).amax(dim=-1)
    assert torch.allclose(size, torch.full((3,), 0.7, dtype=torch.float64), atol=1e-5)


def test_a_sequence_is_scaled_from_its_median_extent_and_a_point_pose_is_refused() -> None:
    poses = np.zeros((3, 17, 2))
    poses[:, 1, 0] = [10.0, 20.0, 40.0]
    assert pose_extents(poses, is_sequence=True).tolist() == [20.0, 20.0, 20.0]
    with pytest.raises(InputError, match="zero extent"):
        pose_extents(np.zeros((1, 17, 2)), is_sequence=False)


def test_screen_normalisation_needs_a_positive_image_size() -> None:
    inputs = screen_inputs(np.full((1, 17, 2), 500.0), (1000, 1002))
    assert torch.allclose(inputs, torch.tensor([0.0, -0.002]).expand(1, 17, 2))
    for size in (None, (0, 10), (10,)):
        with pytest.raises(InputError, match="image_size"):
            screen_inputs(np.zeros((1, 17, 2)), size)
