"""Animated GIFs of a sequence: the 2D input beside the 3D prediction, one frame per pose.

Shapes, units, frames and colours as stated in :mod:`jointformer.visualization`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from jointformer.atomic_files import atomic_output
from jointformer.visualization.common import (
    DPI,
    PANEL_INCHES,
    camera_to_upright,
    check_fps,
    cube_around,
    error_colour_limit,
    finite_points,
    floor_height,
    square_around,
    validated,
)
from jointformer.visualization.panels import add_colorbar, draw_2d, draw_3d, frame_3d, new_figure


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

    poses, inputs, errors, _ = validated(poses_3d, inputs_2d, errors_mm)
    fps = check_fps(fps)
    upright = camera_to_upright(poses)
    centre, half = cube_around(finite_points(upright))
    floor = floor_height(upright)
    box = None if inputs is None else square_around(finite_points(inputs))
    error_limit = error_colour_limit(errors)
    panels = 1 + (inputs is not None)
    extra = 0.9 if errors is not None else 0.2
    figure = new_figure(panels * PANEL_INCHES + extra, PANEL_INCHES + 0.3)
    figure.subplots_adjust(left=0.04, right=1 - extra / figure.get_figwidth(), bottom=0.05, top=0.88,
                           wspace=0.15)
    axes_2d = figure.add_subplot(1, panels, 1) if inputs is not None else None
    axes_3d = figure.add_subplot(1, panels, panels, projection="3d")
    if errors is not None:
        add_colorbar(figure, error_limit)
    label = figure.text(0.5, 0.96, "", ha="center", va="top", fontsize=9)

    def write(temporary: Path) -> None:
        writer = PillowWriter(fps=fps)
        with writer.saving(figure, str(temporary), dpi=DPI):
            for frame in range(len(poses)):
                label.set_text(f"frame {frame + 1} / {len(poses)}")
                if axes_2d is not None:
                    axes_2d.cla()
                    draw_2d(axes_2d, inputs[frame], *box)
                    axes_2d.set_title("2D input", fontsize=8)
                axes_3d.cla()
                frame_3d(axes_3d, centre, half, floor)
                draw_3d(axes_3d, upright[frame], None if errors is None else errors[frame], error_limit)
                axes_3d.set_title("3D prediction", fontsize=8)
                writer.grab_frame(facecolor="white")

    with atomic_output(path, suffix=".gif") as temporary:
        write(temporary)
    return Path(path)
