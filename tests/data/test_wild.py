"""The in-the-wild renderer: normalisation shared with the lifter, bodies, definitions, cameras."""

import numpy as np
import pytest
import torch

from jointformer.data.input_stats import InputStats
from jointformer.data.poseset import pose_extent_2d
from jointformer.data.wild import (
    DETECTOR_OFFSETS,
    REFERENCE_BONE_LENGTHS,
    WildConfig,
    apply_definition,
    bone_lengths,
    build_wild_pose_set,
    draw_bone_lengths,
    draw_camera,
    extent_normalise,
    retarget,
    wild_input_frame,
)
from jointformer.lift.normalization import normalise_extent


def _standing(frames: int = 3) -> np.ndarray:
    """(T, 17, 3) metres world z up: a rest pose facing +x, built from the reference bone lengths."""
    length = REFERENCE_BONE_LENGTHS
    pose = np.zeros((17, 3))
    pose[0] = (0.0, 0.0, 0.95)
    for side, (hip, knee, ankle) in ((-1, (1, 2, 3)), (1, (4, 5, 6))):
        pose[hip] = pose[0] + (0.0, side * length[hip], 0.0)
        pose[knee] = pose[hip] - (0.0, 0.0, length[knee])
        pose[ankle] = pose[knee] - (0.0, 0.0, length[ankle])
    pose[7] = pose[0] + (0.0, 0.0, length[7])
    pose[8] = pose[7] + (0.0, 0.0, length[8])
    pose[9] = pose[8] + (0.0, 0.0, length[9])
    pose[10] = pose[9] + (0.0, 0.0, length[10])
    for side, (shoulder, elbow, wrist) in ((-1, (14, 15, 16)), (1, (11, 12, 13))):
        pose[shoulder] = pose[8] + (0.0, side * length[shoulder], 0.0)
        pose[elbow] = pose[shoulder] - (0.0, 0.0, length[elbow])
        pose[wrist] = pose[elbow] - (0.0, 0.0, length[wrist])
    return np.repeat(pose[None], frames, axis=0)


def test_extent_normalise_is_the_lifters_normalisation_with_the_track_median() -> None:
    rng = np.random.default_rng(0)
    pixels = rng.uniform(100.0, 900.0, size=(5, 17, 2))
    track_extent = float(np.median(pose_extent_2d(torch.from_numpy(pixels)).numpy()))
    ours = extent_normalise(pixels, track_extent)
    root, extent = wild_input_frame()
    lifter_side = normalise_extent(torch.from_numpy(pixels).float(), torch.full((5,), track_extent),
                                   torch.tensor(root, dtype=torch.float32), torch.tensor(float(extent)))
    np.testing.assert_allclose(ours, lifter_side.numpy(), atol=1e-5)


def test_retarget_sets_lengths_and_keeps_directions() -> None:
    rng = np.random.default_rng(1)
    positions = _standing() + rng.normal(0.0, 0.03, size=(3, 17, 3))
    lengths = draw_bone_lengths(rng)
    moved = retarget(positions, lengths)
    np.testing.assert_allclose(bone_lengths(moved), np.broadcast_to(lengths, (3, 17)), atol=1e-9)
    np.testing.assert_allclose(moved[:, 0], positions[:, 0])
    before = positions[:, 12] - positions[:, 11]
    after = moved[:, 12] - moved[:, 11]
    np.testing.assert_allclose(np.cross(before, after), 0.0, atol=1e-9)


def test_detector_definition_moves_shoulders_out_and_is_identity_at_weight_zero() -> None:
    positions = _standing()
    np.testing.assert_allclose(apply_definition(positions, 0.0), positions, atol=1e-12)
    moved = apply_definition(positions, 1.0)
    outward = DETECTOR_OFFSETS[11][1]
    assert moved[0, 11, 1] == pytest.approx(positions[0, 11, 1] + outward)  # left shoulder: +y
    assert moved[0, 14, 1] == pytest.approx(positions[0, 14, 1] - outward)  # right shoulder: -y
    np.testing.assert_allclose(moved[:, 0], (moved[:, 1] + moved[:, 4]) / 2.0)


def test_drawn_cameras_see_their_target_and_vary() -> None:
    rng = np.random.default_rng(2)
    target = np.array([0.5, -0.3, 0.9])
    heights, portrait = [], []
    for _ in range(200):
        camera = draw_camera(target, rng)
        point = camera.to_camera(target)
        assert point[2] > 1.0
        pixel = camera.project(point)
        assert 0.0 <= pixel[0] < camera.width and 0.0 <= pixel[1] < camera.height
        heights.append(camera.position[2])
        portrait.append(camera.height > camera.width)
    assert min(heights) < 0.4 and max(heights) > 2.2
    assert 0.3 < np.mean(portrait) < 0.7


def test_wild_pose_set_is_root_relative_in_the_lifters_frame() -> None:
    config = WildConfig(synthetic_seeds=(1,), synthetic_subjects=("S1",), cameras_per_sequence=1, fps=5.0)
    pose_set = build_wild_pose_set(config)
    assert len(pose_set) > 500
    assert torch.all(pose_set.targets_3d[:, 0] == 0)
    np.testing.assert_allclose(pose_set.inputs_2d[:, 0].numpy(),
                               np.broadcast_to(wild_input_frame()[0], (len(pose_set), 2)), atol=1e-6)
    stats = InputStats.from_pose_set(pose_set)
    assert stats.extent_median == pytest.approx(wild_input_frame()[1], rel=0.05)
    # Heads are above feet (y down) in most camera frames (cameras roll, some bodies are tilted).
    head_above = (pose_set.targets_3d[:, 10, 1] < pose_set.targets_3d[:, 3, 1]).float().mean()
    assert float(head_above) > 0.8
    assert build_wild_pose_set(config).inputs_2d.equal(pose_set.inputs_2d)  # deterministic in the seed
