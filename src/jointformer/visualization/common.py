"""What every picture shares: input checks, the display frame, cubes and squares around points, colours.

Shapes, units, frames and colours as stated in :mod:`jointformer.visualization`. No matplotlib here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

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
PANEL_INCHES = 3.2
DPI = 100


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


def validated(poses_3d: Any, inputs_2d: Any = None, errors_mm: Any = None, ground_truth_3d: Any = None
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


def check_fps(fps: float) -> float:
    """``fps`` as a float; a ValueError unless it is a finite positive number."""
    if not (isinstance(fps, int | float) and math.isfinite(fps) and fps > 0):
        raise ValueError(f"fps: expected a positive number of frames per second, got {fps!r}")
    return float(fps)


def camera_to_upright(points: np.ndarray) -> np.ndarray:
    """Camera frame (x right, y down, z forward) to the display frame (right, depth, up) = (x, z, -y).

    points: (..., 3) metres, camera frame. Returns (..., 3) metres, display frame, a new array.
    """
    return np.stack([points[..., 0], points[..., 2], -points[..., 1]], axis=-1)


def finite_points(*arrays: np.ndarray | None) -> np.ndarray:
    """All finite rows of the given (..., C) arrays, as (M, C)."""
    rows = [array.reshape(-1, array.shape[-1]) for array in arrays if array is not None]
    stacked = np.concatenate(rows, axis=0)
    return stacked[np.all(np.isfinite(stacked), axis=1)]


def cube_around(points_upright: np.ndarray) -> tuple[np.ndarray, float]:
    """Centre (3,) and half side (metres) of a cube holding the (M, 3) points; a 1 m cube if M = 0."""
    if len(points_upright) == 0:
        return np.zeros(3), 1.0
    low, high = points_upright.min(axis=0), points_upright.max(axis=0)
    half = max(float(np.max(high - low)) / 2 * 1.1, 0.05)
    return (low + high) / 2, half


def square_around(points_2d: np.ndarray) -> tuple[np.ndarray, float]:
    """Centre (2,) and half side of a square holding the (M, 2) points, in their units."""
    if len(points_2d) == 0:
        return np.zeros(2), 1.0
    low, high = points_2d.min(axis=0), points_2d.max(axis=0)
    half = max(float(np.max(high - low)) / 2 * 1.1, 1e-3)
    return (low + high) / 2, half


def nice_step(length: float) -> float:
    """A round grid spacing (1, 2 or 5 times a power of ten) near ``length``."""
    power = 10 ** math.floor(math.log10(length))
    return min((1.0, 2.0, 5.0, 10.0), key=lambda factor: abs(factor * power - length)) * power


def joint_side(joint: int) -> str:
    """"left", "right" or "centre": the side of the body joint ``joint`` (SKELETON17 index) is on."""
    if joint in SKELETON17.joints_left:
        return "left"
    if joint in SKELETON17.joints_right:
        return "right"
    return "centre"


SIDE_RGB = {"left": LEFT_RGB, "right": RIGHT_RGB, "centre": CENTRE_RGB}


def rgb01(rgb: tuple[int, int, int]) -> tuple[float, float, float]:
    """0-255 channels as matplotlib's 0-1 floats."""
    return rgb[0] / 255, rgb[1] / 255, rgb[2] / 255


def hex_colour(rgb: Sequence[float]) -> str:
    """Three 0-255 channels (rounded) as "#rrggbb"."""
    return "#" + "".join(f"{round(channel):02x}" for channel in rgb)


def error_colour_limit(*errors: np.ndarray | None) -> float:
    """Top of the error colour scale (mm): the largest finite error, at least 1 mm."""
    finite = [e[np.isfinite(e)] for e in errors if e is not None]
    largest = max((float(e.max()) for e in finite if e.size), default=0.0)
    return max(largest, 1.0)


def floor_height(*poses_upright: np.ndarray | None) -> float:
    """Lowest "up" coordinate (metres) of the finite joints of (..., 3) display-frame poses; 0 if none."""
    points = finite_points(*poses_upright)
    return float(points[:, 2].min()) if len(points) else 0.0
