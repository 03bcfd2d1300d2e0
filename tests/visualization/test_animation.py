"""GIF animations: one frame per pose, motion visible as motion, argument checks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from picture_helpers import Image, assert_nontrivial, project, rgb, standing_sequence

from jointformer.visualization import write_gif


def test_gif_has_a_frame_per_pose_and_shows_motion(tmp_path: Path) -> None:
    moving = standing_sequence(4)
    still = np.repeat(moving[:1], 4, axis=0)
    errors = np.full((4, 17), 25.0)
    moving_path = write_gif(tmp_path / "moving.gif", moving, project(moving), errors, fps=5)
    still_path = write_gif(tmp_path / "still.gif", still, project(still), errors, fps=5)
    with Image.open(moving_path) as image:
        assert image.n_frames == 4
        assert image.info["duration"] == 200
    with Image.open(still_path) as image:
        assert image.n_frames == 4  # the frame counter keeps identical poses as separate frames
    first = rgb(moving_path, 0)
    assert_nontrivial(first)

    def changed_pixels(path: Path) -> int:
        body = slice(40, None)  # below the "frame i / N" line
        return int(np.any(np.abs(rgb(path, 0)[body] - rgb(path, 3)[body]) > 40, axis=-1).sum())

    assert changed_pixels(moving_path) > 100
    assert changed_pixels(still_path) < 20


def test_gif_rejects_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="errors_mm"):
        write_gif(tmp_path / "a.gif", standing_sequence(3), errors_mm=np.zeros((2, 17)))
    with pytest.raises(ValueError, match="fps"):
        write_gif(tmp_path / "a.gif", standing_sequence(3), fps=0)
