"""Capture: placement inside every camera's view, exact projections, detector-like noise, determinism."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from jointformer.data.camera import h36m_cameras, project_to_pixels, world_to_camera
from jointformer.data.skeleton import SKELETON17, reduce_to_17
from jointformer.data.synthetic import (
    SyntheticConfig,
    add_detector_noise,
    generate_positions_3d,
    project_positions_2d,
)


def test_gt_file_is_the_exact_projection_of_the_mocap(positions_3d: dict, gt_2d: dict) -> None:
    worst = 0.0
    for subject, actions in positions_3d.items():
        for key, positions in actions.items():
            kept = reduce_to_17(positions.astype(np.float64))
            for camera, view in zip(h36m_cameras(subject), gt_2d[subject][key], strict=True):
                expected = project_to_pixels(world_to_camera(kept, camera), camera)
                worst = max(worst, float(np.abs(expected - view).max()))
    assert worst < 0.01


def test_everyone_is_inside_every_image(gt_2d: dict) -> None:
    for subject, actions in gt_2d.items():
        cameras = h36m_cameras(subject)
        for views in actions.values():
            for camera, view in zip(cameras, views, strict=True):
                assert view.min() >= 0.0
                assert view[..., 0].max() < camera.res_w and view[..., 1].max() < camera.res_h


def test_generation_is_deterministic() -> None:
    config = SyntheticConfig(seed=11, subjects=("S5",), actions=("Walking", "Eating"), min_frames=40,
                             max_frames=60)
    first, second = generate_positions_3d(config), generate_positions_3d(config)
    other = generate_positions_3d(replace(config, seed=12))
    for key in first["S5"]:
        assert np.array_equal(first["S5"][key], second["S5"][key])
        assert first["S5"][key].shape != other["S5"][key].shape or not np.allclose(
            first["S5"][key], other["S5"][key], atol=0.01)
    projected = project_positions_2d(first)
    noisy_a = add_detector_noise(projected, np.random.default_rng(5))
    noisy_b = add_detector_noise(projected, np.random.default_rng(5))
    for key, views in noisy_a["S5"].items():
        for view_a, view_b in zip(views, noisy_b["S5"][key], strict=True):
            assert np.array_equal(view_a, view_b)


def test_a_subset_gives_the_same_sequences_as_the_full_set() -> None:
    both = generate_positions_3d(SyntheticConfig(subjects=("S1", "S7"), actions=("Posing",), min_frames=40,
                                                 max_frames=50))
    alone = generate_positions_3d(SyntheticConfig(subjects=("S7",), actions=("Posing",), min_frames=40,
                                                  max_frames=50))
    assert np.array_equal(both["S7"]["Posing 2"], alone["S7"]["Posing 2"])


def detector_errors(gt_2d: dict, detected_2d: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per pose and joint: error (N, 17) px, and the gt (N, 17, 2) and detections (N, 17, 2), cut to gt."""
    truth, found = [], []
    for subject, actions in gt_2d.items():
        for key, views in actions.items():
            for view, detection in zip(views, detected_2d[subject][key], strict=True):
                truth.append(view)
                found.append(detection[: len(view)])
    truth_all, found_all = np.concatenate(truth), np.concatenate(found)
    return np.linalg.norm(found_all - truth_all, axis=-1), truth_all, found_all


def test_detector_file_has_realistic_errors(gt_2d: dict, detected_2d: dict) -> None:
    errors, truth, found = detector_errors(gt_2d, detected_2d)
    assert 1.0 < np.median(errors) < 10.0
    per_joint = np.median(errors, axis=0)
    hips = per_joint[[0, 1, 4]].max()
    for joint in (3, 6, 13, 16):  # ankles and wrists
        assert per_joint[joint] > 1.5 * hips
    gross = np.mean(errors > 20.0)
    assert 0.005 < gross < 0.08
    # Left/right confusions: a left joint detected where the right one is, and vice versa.
    left, right = list(SKELETON17.joints_left), list(SKELETON17.joints_right)
    apart = np.linalg.norm(truth[:, left] - truth[:, right], axis=-1) > 30.0
    crossed = (np.linalg.norm(found[:, left] - truth[:, right], axis=-1) < 15.0) & (
        np.linalg.norm(found[:, right] - truth[:, left], axis=-1) < 15.0) & apart
    assert crossed.sum() >= 20
    assert crossed.mean() < 0.05


def test_detector_errors_are_correlated_in_time(gt_2d: dict, detected_2d: dict) -> None:
    view, detection = gt_2d["S1"]["Waiting 1"][0], detected_2d["S1"]["Waiting 1"][0]
    error = (detection[: len(view)] - view)[:, 0, 0].astype(np.float64)  # pelvis x
    error -= error.mean()
    correlation = np.sum(error[1:] * error[:-1]) / np.sum(error * error)
    assert 0.2 < correlation < 0.95


def test_capture_inputs_are_validated() -> None:
    with pytest.raises(ValueError, match="positions_3d"):
        project_positions_2d({"S1": {"Walking 1": np.zeros((5, 17, 3))}})
    with pytest.raises(ValueError, match="4 arrays"):
        add_detector_noise({"S1": {"Walking 1": [np.zeros((5, 17, 2))]}}, np.random.default_rng(0))
