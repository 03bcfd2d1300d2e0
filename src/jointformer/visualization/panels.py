"""Matplotlib panels: a figure on its own Agg canvas, 2D and 3D skeletons, the floor grid, the error colour
bar, and saving a figure atomically.

Shapes, units, frames and colours as stated in :mod:`jointformer.visualization`.
Matplotlib is imported inside the functions.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from jointformer.atomic_files import atomic_output
from jointformer.data.skeleton import SKELETON17
from jointformer.visualization.common import (
    DPI,
    ERROR_COLORMAP,
    GROUND_TRUTH_RGB,
    SIDE_RGB,
    joint_side,
    nice_step,
    rgb01,
)


def new_figure(width_in: float, height_in: float) -> Any:
    """A matplotlib Figure on its own Agg canvas (no pyplot state, no display)."""
    import mpl_toolkits.mplot3d  # noqa: F401  (registers the "3d" projection)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width_in, height_in), dpi=DPI)
    FigureCanvasAgg(figure)
    return figure


def _bones_finite(pose: np.ndarray) -> list[tuple[int, int]]:
    finite = np.all(np.isfinite(pose), axis=-1)
    return [(child, parent) for child, parent in SKELETON17.bones() if finite[child] and finite[parent]]


def draw_2d(axes: Any, pose_2d: np.ndarray, centre: np.ndarray, half: float) -> None:
    """One 2D skeleton, (17, 2) image-like coordinates (y down), in a square window around ``centre``."""
    for child, parent in _bones_finite(pose_2d):
        segment = pose_2d[[child, parent]]
        axes.plot(segment[:, 0], segment[:, 1], color=rgb01(SIDE_RGB[joint_side(child)]), linewidth=2.5,
                  solid_capstyle="round")
    finite = np.all(np.isfinite(pose_2d), axis=-1)
    axes.scatter(pose_2d[finite, 0], pose_2d[finite, 1], s=10, color="black", zorder=3)
    axes.set_xlim(centre[0] - half, centre[0] + half)
    axes.set_ylim(centre[1] + half, centre[1] - half)  # image y points down
    axes.set_aspect("equal")
    axes.tick_params(labelsize=6)


def _draw_floor(axes: Any, centre: np.ndarray, half: float, height: float) -> None:
    """Grid lines in the horizontal plane ``up = height`` (metres) across the cube's footprint."""
    step = nice_step(half / 3)
    start = [math.ceil((centre[axis] - half) / step) * step for axis in (0, 1)]
    for axis in (0, 1):
        for value in np.arange(start[axis], centre[axis] + half + 1e-9, step):
            other = 1 - axis
            ends = np.array([centre[other] - half, centre[other] + half])
            line = [np.full(2, value), ends] if axis == 0 else [ends, np.full(2, value)]
            axes.plot(line[0], line[1], np.full(2, height), color="0.82", linewidth=0.6, zorder=0)


def draw_3d(axes: Any, pose_upright: np.ndarray, errors: np.ndarray | None, error_limit: float,
             ghost_width: float = 0.0) -> None:
    """One 3D skeleton, (17, 3) metres in the display frame; joints coloured by ``errors`` (17,) mm if given.

    ``ghost_width`` > 0 draws bones only, grey, that wide (ground truth).
    """
    from matplotlib import colormaps
    from matplotlib.colors import Normalize

    for child, parent in _bones_finite(pose_upright):
        segment = pose_upright[[child, parent]]
        colour = rgb01(GROUND_TRUTH_RGB) if ghost_width else rgb01(SIDE_RGB[joint_side(child)])
        axes.plot(segment[:, 0], segment[:, 1], segment[:, 2], color=colour, linewidth=ghost_width or 2.5,
                  solid_capstyle="round")
    if ghost_width:
        return
    finite = np.all(np.isfinite(pose_upright), axis=-1)
    if errors is None:
        colours: Any = "black"
        sizes: Any = 10
    else:
        shown = np.where(np.isfinite(errors), errors, 0.0)[finite]
        colours = colormaps[ERROR_COLORMAP](Normalize(0.0, error_limit)(shown))
        sizes = 8 + 70 * np.clip(shown / error_limit, 0, 1)
    points = pose_upright[finite]
    axes.scatter(points[:, 0], points[:, 1], points[:, 2], s=sizes, c=colours, depthshade=False, zorder=3,
                 edgecolors="white", linewidths=0.4)


def frame_3d(axes: Any, centre: np.ndarray, half: float, floor: float) -> None:
    """Equal scales on all three axes around ``centre`` (display frame), a floor grid at ``floor``."""
    _draw_floor(axes, centre, half, floor)
    axes.set_xlim(centre[0] - half, centre[0] + half)
    axes.set_ylim(centre[1] - half, centre[1] + half)
    axes.set_zlim(centre[2] - half, centre[2] + half)
    axes.set_box_aspect((1, 1, 1), zoom=1.1)
    axes.view_init(elev=12, azim=-75)
    axes.grid(False)  # matplotlib's wall grids would hide the floor grid
    for axis in (axes.xaxis, axes.yaxis, axes.zaxis):
        axis.set_pane_color((1.0, 1.0, 1.0, 0.0))
    axes.locator_params(nbins=4)
    axes.set_xlabel("x (m)", fontsize=6, labelpad=-8)
    axes.set_ylabel("depth z (m)", fontsize=6, labelpad=-8)
    axes.set_zlabel("up −y (m)", fontsize=6, labelpad=-8)
    axes.tick_params(labelsize=5, pad=-3)


def add_colorbar(figure: Any, error_limit: float) -> None:
    """A vertical colour bar in the rightmost 0.9 inch of the figure (kept free by the callers)."""
    from matplotlib import colormaps
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize

    width = figure.get_figwidth()
    axes = figure.add_axes((1 - 0.75 / width, 0.2, 0.12 / width, 0.6))
    mappable = ScalarMappable(norm=Normalize(0.0, error_limit), cmap=colormaps[ERROR_COLORMAP])
    bar = figure.colorbar(mappable, cax=axes)
    bar.set_label("predicted error (mm)", fontsize=7)
    bar.ax.tick_params(labelsize=6)


def save_figure(figure: Any, path: str | os.PathLike[str]) -> Path:
    """Save with the format named by the file suffix (PNG when there is none)."""
    image_format = Path(path).suffix.lstrip(".").lower() or "png"
    if image_format not in figure.canvas.get_supported_filetypes():
        raise ValueError(f"path: {path} has suffix .{image_format}, which matplotlib cannot write "
                         f"(use .png, .pdf or .svg)")
    with atomic_output(path) as temporary:
        figure.savefig(temporary, format=image_format, dpi=DPI, facecolor="white")
    return Path(path)
