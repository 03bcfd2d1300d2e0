"""Absolute root position from 2D keypoints, the lifted root-relative pose and a focal length."""

import numpy as np
import pytest

from jointformer.data.camera import h36m_cameras, project_to_pixels, world_to_camera
from jointformer.data.skeleton import reduce_to_17
from jointformer.data.synthetic import SyntheticConfig, generate_positions_3d
from jointformer.errors import InputError
from jointformer.lift.root_position import camera_frame_poses, default_focal_length, estimate_root_position


def test_default_focal_length_is_a_26_mm_equivalent_of_the_diagonal():
    assert default_focal_length(1080, 1920) == pytest.approx(26 / np.hypot(36, 24) * np.hypot(1080, 1920))
    assert default_focal_length(1080, 1920) == pytest.approx(1323.8, abs=0.1)
    with pytest.raises(InputError, match="positive"):
        default_focal_length(0, 100)


def test_a_pinhole_projection_gives_back_the_root_within_weak_perspectives_error():
    """A person 4.5 m away and off-centre, seen by an ideal pinhole camera (no distortion): weak
    perspective (all joints at one depth) errs by under 1.5 % in depth, 1 cm sideways."""
    world = generate_positions_3d(SyntheticConfig(seed=0, trials=1, subjects=("S9",), actions=("Walking",)))
    relative = reduce_to_17(world["S9"]["Walking 1"].astype(np.float64))
    relative = relative - relative[:, :1]
    relative = relative[..., [1, 2, 0]] * [1.0, -1.0, 1.0]  # world z up -> camera y down (any rotation)
    root = np.array([0.6, 0.3, 4.5])
    absolute = relative + root
    focal, centre = 1400.0, np.array([640.0, 360.0])
    pixels = absolute[..., :2] / absolute[..., 2:] * focal + centre
    estimated = estimate_root_position(pixels, relative, focal, tuple(centre))
    assert np.abs(estimated[:, :2] - root[:2]).max() < 0.01
    assert np.abs(estimated[:, 2] - root[2]).max() < 0.015 * root[2]
    assert np.allclose(camera_frame_poses(relative, estimated)[:, 0], estimated)


def test_embedded_test_subjects_with_the_published_focal_lengths():
    """S9 and S11, four cameras each (real focal lengths and lens distortion), ground-truth relative poses:
    the median root depth error is a few centimetres (README: 28 mm on 4 actions)."""
    world = generate_positions_3d(SyntheticConfig(seed=0, trials=1, subjects=("S9", "S11"),
                                                  actions=("Walking", "Sitting")))
    errors = []
    for subject, actions in world.items():
        for positions in actions.values():
            for camera in h36m_cameras(subject):
                poses = reduce_to_17(world_to_camera(positions.astype(np.float64), camera))
                pixels = project_to_pixels(poses, camera)
                root = estimate_root_position(pixels, poses - poses[:, :1], camera.focal_length[0],
                                              camera.center)
                errors.append(np.abs(root[:, 2] - poses[:, 0, 2]))
    assert np.median(np.concatenate(errors)) < 0.05


def test_a_wrong_focal_length_scales_the_depth_proportionally():
    relative = np.random.default_rng(0).normal(0, 0.3, (5, 17, 3))
    relative -= relative[:, :1]
    absolute = relative + np.array([0.0, 0.0, 5.0])
    pixels = absolute[..., :2] / absolute[..., 2:] * 1000.0 + 500.0
    near = estimate_root_position(pixels, relative, 1000.0, (500.0, 500.0))
    far = estimate_root_position(pixels, relative, 2000.0, (500.0, 500.0))
    mean_depth = relative[..., 2].mean(axis=1)
    assert np.allclose(far[:, 2] + mean_depth, 2 * (near[:, 2] + mean_depth))


def test_bad_inputs_are_errors():
    pose = np.random.default_rng(0).normal(0, 0.3, (2, 17, 3))
    pixels = pose[..., :2] * 100 + 300
    with pytest.raises(InputError, match="positive"):
        estimate_root_position(pixels, pose, 0.0, (0.0, 0.0))
    with pytest.raises(InputError, match="must match"):
        estimate_root_position(pixels[:, :16], pose, 1000.0, (0.0, 0.0))
    with pytest.raises(InputError, match="NaN"):
        estimate_root_position(np.full_like(pixels, np.nan), pose, 1000.0, (0.0, 0.0))
    with pytest.raises(InputError, match="no extent"):
        estimate_root_position(pixels, np.zeros_like(pose), 1000.0, (0.0, 0.0))
