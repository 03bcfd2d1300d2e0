"""The self-contained HTML 3D viewer: the poses as JSON inside the page template ``viewer.html`` (shipped
beside this module), drawn by its inline script on a <canvas>.

Shapes, units, frames and colours as stated in :mod:`jointformer.visualization`.
"""

from __future__ import annotations

import html
import json
import math
import os
import re
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from jointformer.atomic_files import write_text_atomically
from jointformer.data.skeleton import SKELETON17
from jointformer.visualization.common import (
    ERROR_COLORMAP,
    NUM_JOINTS,
    SIDE_RGB,
    camera_to_upright,
    check_fps,
    cube_around,
    error_colour_limit,
    finite_points,
    floor_height,
    hex_colour,
    joint_side,
    nice_step,
    validated,
)


def _viewer_data(poses: np.ndarray, errors: np.ndarray | None, joint_names: Sequence[str],
                 fps: float) -> dict[str, Any]:
    """What the HTML viewer reads: display-frame poses (m), errors (mm), skeleton, colours and view."""
    from matplotlib import colormaps

    upright = camera_to_upright(poses)
    finite = finite_points(upright)
    centre, half = cube_around(finite)
    radius = half / 1.1 * math.sqrt(3)  # the cube's circumscribed sphere, before the 10 % margin
    colormap = colormaps[ERROR_COLORMAP]

    def rounded(values: np.ndarray, decimals: int) -> list[Any]:
        # NaN and inf are not JSON: they become null, which the viewer skips
        return [None if not math.isfinite(v) else round(float(v), decimals) for v in values]

    return {
        "names": list(joint_names),
        "parents": list(SKELETON17.parents),
        "sides": [joint_side(joint) for joint in range(NUM_JOINTS)],
        "colours": {side: hex_colour(rgb) for side, rgb in SIDE_RGB.items()},
        "errorColours": [hex_colour(np.array(colormap(t)[:3]) * 255) for t in np.linspace(0, 1, 9)],
        "poses": [[rounded(joint, 4) if np.all(np.isfinite(joint)) else None for joint in frame]
                  for frame in upright],
        "errors": None if errors is None else [rounded(frame, 1) for frame in errors],
        "errorLimit": error_colour_limit(errors),
        "fps": fps,
        "centre": rounded(centre, 4),
        "radius": max(radius, 0.1),
        "floor": floor_height(upright),
        "gridStep": nice_step(max(radius, 0.1) / 3),
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
    poses, _, errors, _ = validated(poses_3d, errors_mm=errors_mm)
    fps = check_fps(fps)
    names = SKELETON17.names if joint_names is None else joint_names
    if isinstance(names, str) or len(names) != NUM_JOINTS or not all(isinstance(n, str) for n in names):
        raise ValueError(f"joint_names: expected {NUM_JOINTS} strings, got {joint_names!r:.120}")
    if not isinstance(title, str):
        raise ValueError(f"title: expected a string, got {type(title).__name__}")

    template = (resources.files("jointformer.visualization").joinpath("viewer.html")
                .read_text(encoding="utf-8"))
    fields = {"TITLE": html.escape(title), "DATA": _script_json(_viewer_data(poses, errors, names, fps))}
    # one pass, so a title that contains a placeholder is never substituted twice
    page = re.sub(r"\{\{(TITLE|DATA)\}\}", lambda match: fields[match.group(1)], template)
    return write_text_atomically(path, page)
