"""Input normalisation: extent (root and size into the training distribution) and screen."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from jointformer.errors import InputError
from jointformer.lift.normalization import normalise_extent, pose_extents, screen_inputs


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
