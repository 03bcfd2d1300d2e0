"""Pose figures (PNG): panels, grid, error colours, missing joints, argument checks, atomic replacement."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from picture_helpers import assert_nontrivial, pixels_near, project, rgb, standing_sequence

from jointformer.visualization import LEFT_RGB, RIGHT_RGB, plot_poses


def test_plot_poses_draws_every_panel(tmp_path: Path) -> None:
    poses = standing_sequence(2)
    path = plot_poses(tmp_path / "poses.png", poses, project(poses), np.full((2, 17), 30.0), poses + 0.02,
                      titles=["first", "second"])
    image = rgb(path)
    assert image.shape[1] > 3 * image.shape[0]  # two cells of three panels in one row
    assert_nontrivial(image)
    assert pixels_near(image, LEFT_RGB) > 100 and pixels_near(image, RIGHT_RGB) > 100


def test_plot_poses_grid_and_panel_count(tmp_path: Path) -> None:
    poses = standing_sequence(5)
    alone = rgb(plot_poses(tmp_path / "alone.png", poses[0]))
    with_input = rgb(plot_poses(tmp_path / "input.png", poses[0], project(poses[0])))
    grid = rgb(plot_poses(tmp_path / "grid.png", poses, max_columns=2))
    assert_nontrivial(alone)
    assert with_input.shape[1] > 1.8 * alone.shape[1]
    assert grid.shape[0] > 2.8 * alone.shape[0]  # 5 poses in 2 columns: 3 rows


def test_error_colouring_changes_the_picture(tmp_path: Path) -> None:
    poses = standing_sequence(1)
    errors = np.full((1, 17), 20.0)
    errors[0, 0] = 90.0  # fixes the colour scale at 0..90 mm in both pictures
    changed = errors.copy()
    changed[0, [3, 13, 16]] = 85.0
    first = rgb(plot_poses(tmp_path / "a.png", poses, errors_mm=errors))
    again = rgb(plot_poses(tmp_path / "b.png", poses, errors_mm=errors))
    second = rgb(plot_poses(tmp_path / "c.png", poses, errors_mm=changed))
    np.testing.assert_array_equal(first, again)
    assert np.any(np.abs(first - second) > 30, axis=-1).sum() > 50


def test_nan_joints_are_skipped(tmp_path: Path) -> None:
    poses = standing_sequence(2)
    poses[0, 13] = np.nan
    poses[1] = np.nan  # nothing to draw at all
    inputs = project(poses)
    errors = np.full((2, 17), 10.0)
    errors[0, 5] = np.nan
    image = rgb(plot_poses(tmp_path / "nan.png", poses, inputs, errors))
    assert_nontrivial(image)


@pytest.mark.parametrize(("arguments", "named"), [
    ({"poses_3d": np.zeros((4, 17, 2))}, "poses_3d"),
    ({"poses_3d": np.zeros((4, 16, 3))}, "poses_3d"),
    ({"poses_3d": np.zeros((0, 17, 3))}, "poses_3d"),
    ({"poses_3d": "not an array"}, "poses_3d"),
    ({"poses_3d": np.zeros((4, 17, 3)), "inputs_2d": np.zeros((4, 17, 3))}, "inputs_2d"),
    ({"poses_3d": np.zeros((4, 17, 3)), "inputs_2d": np.zeros((3, 17, 2))}, "inputs_2d"),
    ({"poses_3d": np.zeros((4, 17, 3)), "errors_mm": np.zeros((4, 17, 1))}, "errors_mm"),
    ({"poses_3d": np.zeros((4, 17, 3)), "errors_mm": -np.ones((4, 17))}, "errors_mm"),
    ({"poses_3d": np.zeros((4, 17, 3)), "ground_truth_3d": np.zeros((17, 3))}, "ground_truth_3d"),
    ({"poses_3d": np.zeros((4, 17, 3)), "titles": ["a"]}, "titles"),
    ({"poses_3d": np.zeros((4, 17, 3)), "max_columns": 0}, "max_columns"),
])
def test_plot_poses_rejects_bad_arguments(tmp_path: Path, arguments: dict, named: str) -> None:
    with pytest.raises(ValueError, match=named):
        plot_poses(tmp_path / "bad.png", **arguments)
    assert list(tmp_path.iterdir()) == []


def test_files_are_replaced_atomically(tmp_path: Path) -> None:
    path = tmp_path / "out" / "poses.png"
    plot_poses(path, standing_sequence(1))
    first = path.read_bytes()
    plot_poses(path, standing_sequence(1), errors_mm=np.full(17, 40.0))
    assert path.read_bytes() != first
    assert [p.name for p in path.parent.iterdir()] == ["poses.png"]  # no temporary left behind
