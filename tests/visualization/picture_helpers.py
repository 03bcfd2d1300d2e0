"""Poses and pixel checks the picture tests share: a standing person turning, a pinhole projection,
the RGB pixels of a PNG or GIF frame."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

Image = pytest.importorskip("PIL.Image")

# A person standing with arms out, as (right, depth, up) metres around the pelvis.
UPRIGHT_STANDING = np.array([
    (0.0, 0.0, 0.0), (-0.13, 0.0, 0.0), (-0.13, 0.02, -0.45), (-0.13, 0.05, -0.88),
    (0.13, 0.0, 0.0), (0.13, 0.02, -0.45), (0.13, 0.05, -0.88), (0.0, 0.0, 0.23), (0.0, 0.0, 0.48),
    (0.0, -0.05, 0.58), (0.0, 0.0, 0.68), (0.17, 0.0, 0.45), (0.3, 0.0, 0.2), (0.35, -0.1, 0.0),
    (-0.17, 0.0, 0.45), (-0.3, 0.0, 0.2), (-0.35, -0.1, 0.0),
])


def standing_sequence(frames: int, turn: float = 0.6) -> np.ndarray:
    """(frames, 17, 3) metres, camera frame, root-relative: the standing person turning about the vertical."""
    camera = np.stack([UPRIGHT_STANDING[:, 0], -UPRIGHT_STANDING[:, 2], UPRIGHT_STANDING[:, 1]], axis=-1)
    poses = []
    for angle in np.linspace(-turn / 2, turn / 2, frames):
        cos, sin = np.cos(angle), np.sin(angle)
        rotation = np.array([[cos, 0, sin], [0, 1, 0], [-sin, 0, cos]])
        poses.append(camera @ rotation.T)
    return np.array(poses)


def project(poses_3d: np.ndarray) -> np.ndarray:
    """(N, 17, 2) pixels of a pinhole camera 5 m in front of the pelvis (y down)."""
    return poses_3d[..., :2] / (poses_3d[..., 2:] + 5.0) * 1000.0 + 500.0


def rgb(path: Path, frame: int = 0) -> np.ndarray:
    with Image.open(path) as image:
        image.seek(frame)
        return np.asarray(image.convert("RGB"), dtype=np.int16)


def pixels_near(image: np.ndarray, colour: tuple[int, int, int], tolerance: int = 12) -> int:
    return int(np.all(np.abs(image - np.array(colour)) <= tolerance, axis=-1).sum())


def assert_nontrivial(image: np.ndarray) -> None:
    colours = np.unique(image.reshape(-1, 3), axis=0)
    assert len(colours) > 50, f"only {len(colours)} distinct colours"
    not_white = np.any(image < 240, axis=-1).mean()
    assert 0.01 < not_white < 0.9, f"{not_white:.3f} of the pixels are not background"
