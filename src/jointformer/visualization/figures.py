"""Pose figures (PNG, or the format the suffix names): the 2D input, the ground truth and the prediction.

Shapes, units, frames and colours as stated in :mod:`jointformer.visualization`.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jointformer.visualization.common import (
    PANEL_INCHES,
    camera_to_upright,
    cube_around,
    error_colour_limit,
    finite_points,
    floor_height,
    square_around,
    validated,
)
from jointformer.visualization.panels import add_colorbar, draw_2d, draw_3d, frame_3d, new_figure, save_figure


def plot_poses(path: str | os.PathLike[str], poses_3d: Any, inputs_2d: Any = None, errors_mm: Any = None,
               ground_truth_3d: Any = None, titles: Sequence[str] | None = None,
               max_columns: int = 4) -> Path:
    """One image with a cell per pose: the 2D input, the ground truth and the prediction in 3D, side by side.

    poses_3d: (N, 17, 3) or (17, 3) metres, camera frame, root-relative: the predictions.
    inputs_2d: (N, 17, 2) pixels or normalised screen coordinates (y down), or None (no 2D panel).
    errors_mm: (N, 17) predicted per-joint errors in millimetres, or None; colours and sizes the predicted
        joints, with a colour bar.
    ground_truth_3d: (N, 17, 3) metres, camera frame, or None; drawn grey in its own panel and thin grey
        under the prediction.
    titles: N strings, one per cell, or None.
    max_columns: cells per row of the grid.

    3D panels show the display frame (x, z, -y) with equal scales on all axes and a floor grid under the
    lowest foot. Returns the path written (PNG, or the format its suffix names).
    """
    poses, inputs, errors, truth = validated(poses_3d, inputs_2d, errors_mm, ground_truth_3d)
    count = poses.shape[0]
    if titles is not None and (isinstance(titles, str) or len(titles) != count):
        raise ValueError(f"titles: expected a list of {count} strings (one per pose), got {titles!r}")
    if not isinstance(max_columns, int) or max_columns < 1:
        raise ValueError(f"max_columns: expected a positive integer, got {max_columns!r}")

    upright = camera_to_upright(poses)
    upright_truth = None if truth is None else camera_to_upright(truth)
    error_limit = error_colour_limit(errors)
    panels = 1 + (inputs is not None) + (truth is not None)
    columns = min(count, max_columns)
    rows = math.ceil(count / columns)
    figure = new_figure(columns * panels * PANEL_INCHES + (0.9 if errors is not None else 0.2),
                        rows * PANEL_INCHES + 0.3)
    right_edge = 1 - (0.9 if errors is not None else 0.2) / figure.get_figwidth()
    figure.subplots_adjust(left=0.02, right=right_edge, bottom=0.04, top=0.92, wspace=0.15, hspace=0.2)
    grid = figure.add_gridspec(rows, columns * panels)
    for index in range(count):
        row, column = divmod(index, columns)
        slots = iter(range(column * panels, (column + 1) * panels))
        pose_truth = None if upright_truth is None else upright_truth[index]
        centre, half = cube_around(finite_points(upright[index], pose_truth))
        floor = floor_height(upright[index], pose_truth)
        prefix = f"{titles[index]}: " if titles is not None else ""
        if inputs is not None:
            axes = figure.add_subplot(grid[row, next(slots)])
            draw_2d(axes, inputs[index], *square_around(finite_points(inputs[index])))
            axes.set_title(f"{prefix}2D input", fontsize=8)
        if pose_truth is not None:
            axes = figure.add_subplot(grid[row, next(slots)], projection="3d")
            frame_3d(axes, centre, half, floor)
            draw_3d(axes, pose_truth, None, error_limit, ghost_width=2.0)
            axes.set_title(f"{prefix}ground truth", fontsize=8)
        axes = figure.add_subplot(grid[row, next(slots)], projection="3d")
        frame_3d(axes, centre, half, floor)
        if pose_truth is not None:
            draw_3d(axes, pose_truth, None, error_limit, ghost_width=1.0)
        draw_3d(axes, upright[index], None if errors is None else errors[index], error_limit)
        axes.set_title(f"{prefix}prediction", fontsize=8)
    if errors is not None:
        add_colorbar(figure, error_limit)
    return save_figure(figure, path)
