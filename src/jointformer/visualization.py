"""Pictures of poses: figures (PNG), training curves, animations (GIF) and a self-contained HTML 3D viewer.

Shapes: ``N`` poses (or frames of a sequence), 17 joints in the Human3.6M order of
:data:`jointformer.data.skeleton.SKELETON17`; a single pose may be given without the ``N`` axis.

- ``poses_3d``: (N, 17, 3) metres, camera frame (x right, y down, z forward / depth), root-relative.
- ``inputs_2d``: (N, 17, 2) pixels or normalised screen coordinates; both have y pointing down.
- ``errors_mm``: (N, 17) predicted per-joint error in millimetres, or None.

Display frame ("upright"): camera-frame points are shown as (x, z, -y), i.e. right, depth, up, so the person
stands up and the default 3D view looks roughly along the camera's line of sight. Non-finite joints (NaN,
inf) are left out of every drawing, with the bones that touch them.

Left limbs are drawn in :data:`LEFT_RGB`, right limbs in :data:`RIGHT_RGB`, the spine and head in
:data:`CENTRE_RGB` ("left" is the subject's own left). Predicted errors colour and size the joints on the
``viridis`` scale from 0 to the largest error shown.

Matplotlib is imported inside the functions and drives its Agg canvas directly (no pyplot, no display, the
caller's backend untouched). Every file is written atomically: a temporary file in the target directory,
then ``os.replace`` (:mod:`jointformer.atomic_files`).
"""

from __future__ import annotations

import html
import json
import math
import os
import re
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from jointformer.atomic_files import atomic_output, write_text_atomically
from jointformer.data.skeleton import SKELETON17

LEFT_RGB: tuple[int, int, int] = (31, 119, 180)
"""Colour of the subject's left limbs (matplotlib's tab:blue)."""
RIGHT_RGB: tuple[int, int, int] = (214, 39, 40)
"""Colour of the subject's right limbs (matplotlib's tab:red)."""
CENTRE_RGB: tuple[int, int, int] = (80, 80, 80)
"""Colour of the bones along the spine and head."""
GROUND_TRUTH_RGB: tuple[int, int, int] = (150, 150, 150)
"""Colour of ground-truth skeletons."""
ERROR_COLORMAP = "viridis"

NUM_JOINTS = SKELETON17.num_joints
_PANEL_INCHES = 3.2
_DPI = 100


# ----------------------------------------------------------------------------------------------- inputs


def _as_batch(value: Any, name: str, trailing: tuple[int, ...]) -> np.ndarray:
    """``value`` as float64 (N, *trailing); a single item of shape ``trailing`` becomes N = 1.

    Accepts numpy arrays, nested lists and CPU/GPU torch tensors (detached and copied to the host).
    """
    expected = f"(N, {', '.join(map(str, trailing))}) or ({', '.join(map(str, trailing))},)"
    if hasattr(value, "detach"):  # a torch tensor; converting it here keeps torch an optional import
        value = value.detach().cpu().numpy()
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name}: expected a numeric array of shape {expected}, got {type(value).__name__}"
                         ) from error
    if array.shape == trailing:
        array = array[None]
    if array.ndim != len(trailing) + 1 or array.shape[1:] != trailing or array.shape[0] == 0:
        raise ValueError(f"{name}: expected shape {expected} with N >= 1, got {array.shape}")
    return array


def _check_count(name: str, array: np.ndarray | None, count: int, reference: str) -> None:
    if array is not None and array.shape[0] != count:
        raise ValueError(f"{name}: has {array.shape[0]} poses but {reference} has {count}")


def _validated(poses_3d: Any, inputs_2d: Any = None, errors_mm: Any = None, ground_truth_3d: Any = None
               ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None, np.ndarray | None]:
    """The arguments as float64 arrays (N, 17, 3), (N, 17, 2) | None, (N, 17) | None, (N, 17, 3) | None."""
    poses = _as_batch(poses_3d, "poses_3d", (NUM_JOINTS, 3))
    count = poses.shape[0]
    inputs = None if inputs_2d is None else _as_batch(inputs_2d, "inputs_2d", (NUM_JOINTS, 2))
    errors = None if errors_mm is None else _as_batch(errors_mm, "errors_mm", (NUM_JOINTS,))
    truth = (None if ground_truth_3d is None
             else _as_batch(ground_truth_3d, "ground_truth_3d", (NUM_JOINTS, 3)))
    for name, array in (("inputs_2d", inputs), ("errors_mm", errors), ("ground_truth_3d", truth)):
        _check_count(name, array, count, "poses_3d")
    if errors is not None and np.any(errors[np.isfinite(errors)] < 0):
        raise ValueError("errors_mm: expected non-negative errors in millimetres, got negative values")
    return poses, inputs, errors, truth


def _check_fps(fps: float) -> float:
    if not (isinstance(fps, int | float) and math.isfinite(fps) and fps > 0):
        raise ValueError(f"fps: expected a positive number of frames per second, got {fps!r}")
    return float(fps)


# ---------------------------------------------------------------------------------------------- geometry


def camera_to_upright(points: np.ndarray) -> np.ndarray:
    """Camera frame (x right, y down, z forward) to the display frame (right, depth, up) = (x, z, -y).

    points: (..., 3) metres, camera frame. Returns (..., 3) metres, display frame, a new array.
    """
    return np.stack([points[..., 0], points[..., 2], -points[..., 1]], axis=-1)


def _finite_points(*arrays: np.ndarray | None) -> np.ndarray:
    """All finite rows of the given (..., C) arrays, as (M, C)."""
    rows = [array.reshape(-1, array.shape[-1]) for array in arrays if array is not None]
    stacked = np.concatenate(rows, axis=0)
    return stacked[np.all(np.isfinite(stacked), axis=1)]


def _cube(points_upright: np.ndarray) -> tuple[np.ndarray, float]:
    """Centre (3,) and half side (metres) of a cube holding the (M, 3) points; a 1 m cube if M = 0."""
    if len(points_upright) == 0:
        return np.zeros(3), 1.0
    low, high = points_upright.min(axis=0), points_upright.max(axis=0)
    half = max(float(np.max(high - low)) / 2 * 1.1, 0.05)
    return (low + high) / 2, half


def _box(points_2d: np.ndarray) -> tuple[np.ndarray, float]:
    """Centre (2,) and half side of a square holding the (M, 2) points, in their units."""
    if len(points_2d) == 0:
        return np.zeros(2), 1.0
    low, high = points_2d.min(axis=0), points_2d.max(axis=0)
    half = max(float(np.max(high - low)) / 2 * 1.1, 1e-3)
    return (low + high) / 2, half


def _nice_step(length: float) -> float:
    """A round grid spacing (1, 2 or 5 times a power of ten) near ``length``."""
    power = 10 ** math.floor(math.log10(length))
    return min((1.0, 2.0, 5.0, 10.0), key=lambda factor: abs(factor * power - length)) * power


def _joint_side(joint: int) -> str:
    if joint in SKELETON17.joints_left:
        return "left"
    if joint in SKELETON17.joints_right:
        return "right"
    return "centre"


_SIDE_RGB = {"left": LEFT_RGB, "right": RIGHT_RGB, "centre": CENTRE_RGB}


def _rgb01(rgb: tuple[int, int, int]) -> tuple[float, float, float]:
    return rgb[0] / 255, rgb[1] / 255, rgb[2] / 255


def _hex(rgb: Sequence[float]) -> str:
    return "#" + "".join(f"{round(channel):02x}" for channel in rgb)


def _error_limit(*errors: np.ndarray | None) -> float:
    """Top of the error colour scale (mm): the largest finite error, at least 1 mm."""
    finite = [e[np.isfinite(e)] for e in errors if e is not None]
    largest = max((float(e.max()) for e in finite if e.size), default=0.0)
    return max(largest, 1.0)


# ----------------------------------------------------------------------------------------------- drawing


def _new_figure(width_in: float, height_in: float) -> Any:
    """A matplotlib Figure on its own Agg canvas (no pyplot state, no display)."""
    import mpl_toolkits.mplot3d  # noqa: F401  (registers the "3d" projection)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width_in, height_in), dpi=_DPI)
    FigureCanvasAgg(figure)
    return figure


def _bones_finite(pose: np.ndarray) -> list[tuple[int, int]]:
    finite = np.all(np.isfinite(pose), axis=-1)
    return [(child, parent) for child, parent in SKELETON17.bones() if finite[child] and finite[parent]]


def _draw_2d(axes: Any, pose_2d: np.ndarray, centre: np.ndarray, half: float) -> None:
    """One 2D skeleton, (17, 2) image-like coordinates (y down), in a square window around ``centre``."""
    for child, parent in _bones_finite(pose_2d):
        segment = pose_2d[[child, parent]]
        axes.plot(segment[:, 0], segment[:, 1], color=_rgb01(_SIDE_RGB[_joint_side(child)]), linewidth=2.5,
                  solid_capstyle="round")
    finite = np.all(np.isfinite(pose_2d), axis=-1)
    axes.scatter(pose_2d[finite, 0], pose_2d[finite, 1], s=10, color="black", zorder=3)
    axes.set_xlim(centre[0] - half, centre[0] + half)
    axes.set_ylim(centre[1] + half, centre[1] - half)  # image y points down
    axes.set_aspect("equal")
    axes.tick_params(labelsize=6)


def _draw_floor(axes: Any, centre: np.ndarray, half: float, height: float) -> None:
    """Grid lines in the horizontal plane ``up = height`` (metres) across the cube's footprint."""
    step = _nice_step(half / 3)
    start = [math.ceil((centre[axis] - half) / step) * step for axis in (0, 1)]
    for axis in (0, 1):
        for value in np.arange(start[axis], centre[axis] + half + 1e-9, step):
            other = 1 - axis
            ends = np.array([centre[other] - half, centre[other] + half])
            line = [np.full(2, value), ends] if axis == 0 else [ends, np.full(2, value)]
            axes.plot(line[0], line[1], np.full(2, height), color="0.82", linewidth=0.6, zorder=0)


def _draw_3d(axes: Any, pose_upright: np.ndarray, errors: np.ndarray | None, error_limit: float,
             ghost_width: float = 0.0) -> None:
    """One 3D skeleton, (17, 3) metres in the display frame; joints coloured by ``errors`` (17,) mm if given.

    ``ghost_width`` > 0 draws bones only, grey, that wide (ground truth).
    """
    from matplotlib import colormaps
    from matplotlib.colors import Normalize

    for child, parent in _bones_finite(pose_upright):
        segment = pose_upright[[child, parent]]
        colour = _rgb01(GROUND_TRUTH_RGB) if ghost_width else _rgb01(_SIDE_RGB[_joint_side(child)])
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


def _frame_3d(axes: Any, centre: np.ndarray, half: float, floor: float) -> None:
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


def _floor_height(*poses_upright: np.ndarray | None) -> float:
    points = _finite_points(*poses_upright)
    return float(points[:, 2].min()) if len(points) else 0.0


def _add_colorbar(figure: Any, error_limit: float) -> None:
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


# --------------------------------------------------------------------------------------------- writing


def _save_figure(figure: Any, path: str | os.PathLike[str]) -> Path:
    """Save with the format named by the file suffix (PNG when there is none)."""
    image_format = Path(path).suffix.lstrip(".").lower() or "png"
    if image_format not in figure.canvas.get_supported_filetypes():
        raise ValueError(f"path: {path} has suffix .{image_format}, which matplotlib cannot write "
                         f"(use .png, .pdf or .svg)")
    with atomic_output(path) as temporary:
        figure.savefig(temporary, format=image_format, dpi=_DPI, facecolor="white")
    return Path(path)


# ------------------------------------------------------------------------------------------- public API


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
    poses, inputs, errors, truth = _validated(poses_3d, inputs_2d, errors_mm, ground_truth_3d)
    count = poses.shape[0]
    if titles is not None and (isinstance(titles, str) or len(titles) != count):
        raise ValueError(f"titles: expected a list of {count} strings (one per pose), got {titles!r}")
    if not isinstance(max_columns, int) or max_columns < 1:
        raise ValueError(f"max_columns: expected a positive integer, got {max_columns!r}")

    upright = camera_to_upright(poses)
    upright_truth = None if truth is None else camera_to_upright(truth)
    error_limit = _error_limit(errors)
    panels = 1 + (inputs is not None) + (truth is not None)
    columns = min(count, max_columns)
    rows = math.ceil(count / columns)
    figure = _new_figure(columns * panels * _PANEL_INCHES + (0.9 if errors is not None else 0.2),
                         rows * _PANEL_INCHES + 0.3)
    right_edge = 1 - (0.9 if errors is not None else 0.2) / figure.get_figwidth()
    figure.subplots_adjust(left=0.02, right=right_edge, bottom=0.04, top=0.92, wspace=0.15, hspace=0.2)
    grid = figure.add_gridspec(rows, columns * panels)
    for index in range(count):
        row, column = divmod(index, columns)
        slots = iter(range(column * panels, (column + 1) * panels))
        pose_truth = None if upright_truth is None else upright_truth[index]
        centre, half = _cube(_finite_points(upright[index], pose_truth))
        floor = _floor_height(upright[index], pose_truth)
        prefix = f"{titles[index]}: " if titles is not None else ""
        if inputs is not None:
            axes = figure.add_subplot(grid[row, next(slots)])
            _draw_2d(axes, inputs[index], *_box(_finite_points(inputs[index])))
            axes.set_title(f"{prefix}2D input", fontsize=8)
        if pose_truth is not None:
            axes = figure.add_subplot(grid[row, next(slots)], projection="3d")
            _frame_3d(axes, centre, half, floor)
            _draw_3d(axes, pose_truth, None, error_limit, ghost_width=2.0)
            axes.set_title(f"{prefix}ground truth", fontsize=8)
        axes = figure.add_subplot(grid[row, next(slots)], projection="3d")
        _frame_3d(axes, centre, half, floor)
        if pose_truth is not None:
            _draw_3d(axes, pose_truth, None, error_limit, ghost_width=1.0)
        _draw_3d(axes, upright[index], None if errors is None else errors[index], error_limit)
        axes.set_title(f"{prefix}prediction", fontsize=8)
    if errors is not None:
        _add_colorbar(figure, error_limit)
    return _save_figure(figure, path)


_CURVE_GROUPS: tuple[tuple[str, Callable[[str], bool], str], ...] = (
    ("loss", lambda key: "loss" in key, "loss"),
    ("validation error", lambda key: key.endswith("_mm"), "mm"),
    ("learning rate", lambda key: key == "lr", "learning rate"),
)


def plot_training_curves(path: str | os.PathLike[str], history: Sequence[dict[str, float]]) -> Path:
    """Curves of a training run: losses, validation errors (mm, best epoch marked) and learning rate.

    history: one dict per epoch, e.g. {"epoch": 3, "train_loss": 0.05, "val_protocol1_mm": 51.2,
    "val_protocol2_mm": 40.1, "lr": 1e-4}. Keys containing "loss" share the loss panel (log scale when all
    positive), keys ending in "_mm" the error panel, "lr" its own panel; other keys and missing or None
    values are skipped. The x axis is "epoch" when every entry has it, else 1, 2, ... Returns the path.
    """
    if isinstance(history, dict) or not isinstance(history, Sequence) or len(history) == 0:
        raise ValueError(f"history: expected a non-empty list of dicts (one per epoch), got {history!r:.80}")
    for index, entry in enumerate(history):
        if not isinstance(entry, dict):
            raise ValueError(f"history[{index}]: expected a dict of floats, got {type(entry).__name__}")
        for key, value in entry.items():
            if value is not None and not isinstance(value, int | float | np.number):
                raise ValueError(f"history[{index}][{key!r}]: expected a number or None, got {value!r:.80}")
    keys = list(dict.fromkeys(key for entry in history for key in entry))
    has_epochs = all(entry.get("epoch") is not None for entry in history)
    epochs = np.array([entry["epoch"] if has_epochs else index + 1 for index, entry in enumerate(history)],
                      dtype=np.float64)
    panels = [(title, [key for key in keys if belongs(key)], unit) for title, belongs, unit in _CURVE_GROUPS]
    panels = [panel for panel in panels if panel[1]]
    if not panels:
        raise ValueError(f"history: no key to plot (expected keys containing 'loss', ending in '_mm', "
                         f"or 'lr'), got keys {keys}")

    figure = _new_figure(4.2 * len(panels), 3.4)
    figure.subplots_adjust(left=0.08, right=0.98, bottom=0.15, top=0.9, wspace=0.3)
    for slot, (title, panel_keys, unit) in enumerate(panels):
        axes = figure.add_subplot(1, len(panels), slot + 1)
        all_positive = True
        for key in panel_keys:
            values = np.array([np.nan if entry.get(key) is None else entry[key] for entry in history],
                              dtype=np.float64)
            shown = np.isfinite(values)
            if not shown.any():
                continue
            all_positive &= bool(np.all(values[shown] > 0))
            lines = axes.plot(epochs[shown], values[shown], marker="." if shown.sum() < 30 else None,
                              label=key)
            if unit == "mm":
                best = int(np.nanargmin(values))
                axes.scatter([epochs[best]], [values[best]], s=40, color=lines[0].get_color(), zorder=3)
                axes.annotate(f"{values[best]:.1f}", (epochs[best], values[best]), textcoords="offset points",
                              xytext=(0, 6), ha="center", fontsize=7)
        if unit != "mm" and all_positive and axes.lines:
            axes.set_yscale("log")
        axes.set_title(title, fontsize=9)
        axes.set_xlabel("epoch" if has_epochs else "entry", fontsize=8)
        axes.set_ylabel(unit, fontsize=8)
        axes.tick_params(labelsize=7)
        axes.grid(True, alpha=0.3)
        if axes.lines:
            axes.legend(fontsize=7)
    return _save_figure(figure, path)


def write_gif(path: str | os.PathLike[str], poses_3d: Any, inputs_2d: Any = None, errors_mm: Any = None,
              fps: float = 10.0) -> Path:
    """An animated GIF of a sequence: the 2D input on the left (if given), the 3D prediction on the right.

    poses_3d: (N, 17, 3) metres, camera frame, root-relative, one pose per frame.
    inputs_2d: (N, 17, 2) pixels or normalised screen coordinates (y down), or None.
    errors_mm: (N, 17) predicted per-joint errors in millimetres, or None (colours the joints).
    fps: frames per second of playback.

    Axes, floor and colour scale are fixed over the whole sequence, so motion is visible as motion; every
    frame carries its index, so the GIF holds exactly N frames. Returns the path.
    """
    from matplotlib.animation import PillowWriter

    poses, inputs, errors, _ = _validated(poses_3d, inputs_2d, errors_mm)
    fps = _check_fps(fps)
    upright = camera_to_upright(poses)
    centre, half = _cube(_finite_points(upright))
    floor = _floor_height(upright)
    box = None if inputs is None else _box(_finite_points(inputs))
    error_limit = _error_limit(errors)
    panels = 1 + (inputs is not None)
    extra = 0.9 if errors is not None else 0.2
    figure = _new_figure(panels * _PANEL_INCHES + extra, _PANEL_INCHES + 0.3)
    figure.subplots_adjust(left=0.04, right=1 - extra / figure.get_figwidth(), bottom=0.05, top=0.88,
                           wspace=0.15)
    axes_2d = figure.add_subplot(1, panels, 1) if inputs is not None else None
    axes_3d = figure.add_subplot(1, panels, panels, projection="3d")
    if errors is not None:
        _add_colorbar(figure, error_limit)
    label = figure.text(0.5, 0.96, "", ha="center", va="top", fontsize=9)

    def write(temporary: Path) -> None:
        writer = PillowWriter(fps=fps)
        with writer.saving(figure, str(temporary), dpi=_DPI):
            for frame in range(len(poses)):
                label.set_text(f"frame {frame + 1} / {len(poses)}")
                if axes_2d is not None:
                    axes_2d.cla()
                    _draw_2d(axes_2d, inputs[frame], *box)
                    axes_2d.set_title("2D input", fontsize=8)
                axes_3d.cla()
                _frame_3d(axes_3d, centre, half, floor)
                _draw_3d(axes_3d, upright[frame], None if errors is None else errors[frame], error_limit)
                axes_3d.set_title("3D prediction", fontsize=8)
                writer.grab_frame(facecolor="white")

    with atomic_output(path, suffix=".gif") as temporary:
        write(temporary)
    return Path(path)


def _viewer_data(poses: np.ndarray, errors: np.ndarray | None, joint_names: Sequence[str],
                 fps: float) -> dict[str, Any]:
    """What the HTML viewer reads: display-frame poses (m), errors (mm), skeleton, colours and view."""
    from matplotlib import colormaps

    upright = camera_to_upright(poses)
    finite = _finite_points(upright)
    centre, half = _cube(finite)
    radius = half / 1.1 * math.sqrt(3)  # the cube's circumscribed sphere, before the 10 % margin
    colormap = colormaps[ERROR_COLORMAP]

    def rounded(values: np.ndarray, decimals: int) -> list[Any]:
        # NaN and inf are not JSON: they become null, which the viewer skips
        return [None if not math.isfinite(v) else round(float(v), decimals) for v in values]

    return {
        "names": list(joint_names),
        "parents": list(SKELETON17.parents),
        "sides": [_joint_side(joint) for joint in range(NUM_JOINTS)],
        "colours": {side: _hex(rgb) for side, rgb in _SIDE_RGB.items()},
        "errorColours": [_hex(np.array(colormap(t)[:3]) * 255) for t in np.linspace(0, 1, 9)],
        "poses": [[rounded(joint, 4) if np.all(np.isfinite(joint)) else None for joint in frame]
                  for frame in upright],
        "errors": None if errors is None else [rounded(frame, 1) for frame in errors],
        "errorLimit": _error_limit(errors),
        "fps": fps,
        "centre": rounded(centre, 4),
        "radius": max(radius, 0.1),
        "floor": _floor_height(upright),
        "gridStep": _nice_step(max(radius, 0.1) / 3),
    }


def _script_json(value: Any) -> str:
    """JSON that is safe inside a <script> element: '<', '>' and '&' only occur in strings, so escaping them
    as \\u003c etc. keeps the JSON equal while no "</script>" or "<!--" can end the element early."""
    text = json.dumps(value, ensure_ascii=True, allow_nan=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def write_html(path: str | os.PathLike[str], poses_3d: Any, errors_mm: Any = None,
               joint_names: Sequence[str] | None = None, fps: float = 25.0,
               title: str = "jointformer") -> Path:
    """One self-contained HTML file with a rotatable 3D view of the poses (no network needed to open it).

    poses_3d: (N, 17, 3) or (17, 3) metres, camera frame, root-relative; N frames of a sequence.
    errors_mm: (N, 17) predicted per-joint errors in millimetres, or None; colours and sizes the joints.
    joint_names: 17 names shown on hover (default: the Human3.6M names of SKELETON17).
    fps: playback speed when N > 1. title: page title and heading.

    The page draws on a <canvas> with its own perspective projection (inline JS, no libraries): drag to
    rotate, wheel to zoom, hover a joint for its name and predicted error; a frame slider and play/pause
    button when N > 1. Points are shown in the display frame (x, z, -y). When drawing succeeds the page sets
    ``data-status="drawn"`` on <body>; a JavaScript error sets ``data-status="error"`` and is written into
    ``<pre id="errors">``. Returns the path.
    """
    poses, _, errors, _ = _validated(poses_3d, errors_mm=errors_mm)
    fps = _check_fps(fps)
    names = SKELETON17.names if joint_names is None else joint_names
    if isinstance(names, str) or len(names) != NUM_JOINTS or not all(isinstance(n, str) for n in names):
        raise ValueError(f"joint_names: expected {NUM_JOINTS} strings, got {joint_names!r:.120}")
    if not isinstance(title, str):
        raise ValueError(f"title: expected a string, got {type(title).__name__}")

    template = resources.files("jointformer").joinpath("viewer.html").read_text(encoding="utf-8")
    fields = {"TITLE": html.escape(title), "DATA": _script_json(_viewer_data(poses, errors, names, fps))}
    # one pass, so a title that contains a placeholder is never substituted twice
    page = re.sub(r"\{\{(TITLE|DATA)\}\}", lambda match: fields[match.group(1)], template)
    return write_text_atomically(path, page)
