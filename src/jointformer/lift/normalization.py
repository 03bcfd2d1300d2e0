"""Input normalisation: bringing any camera's 2D keypoints into the distribution a model was trained on.

The model saw Human3.6M's screen normalisation (x / w * 2 - [1, h / w] for 1000-pixel-wide images, a person
a few hundred pixels tall). Two ways there:

- "extent" (the default of :class:`~jointformer.lift.lifter.Lifter`): each pose's root (pelvis) is moved to
  the training data's median root position and its size (:func:`~jointformer.data.poseset.pose_extent_2d`;
  for a sequence, the median over the track, so the scale does not pump when arms move) is scaled to the
  training data's median size. The statistics are the model's :class:`~jointformer.data.input_stats.
  InputStats` (stored in its checkpoint), or :func:`~jointformer.data.input_stats.default_input_stats`
  for checkpoints that store none.
- "screen": the training normalisation itself, for Human3.6M-like cameras of a known image size.

Keypoints are (N, 17, 2) pixels, Human3.6M joint order, origin at the top-left image corner; normalised
inputs are (N, 17, 2) normalised screen units.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from jointformer.data.camera import normalize_screen_coordinates
from jointformer.data.poseset import pose_extent_2d
from jointformer.errors import InputError


def normalise_extent(keypoints_px: torch.Tensor, extent_px: torch.Tensor, target_root: torch.Tensor,
                     target_extent: torch.Tensor) -> torch.Tensor:
    """Extent normalisation: keypoints (B, 17, 2) pixels, each pose of size extent_px (B,) pixels ->
    (B, 17, 2) normalised screen units, root at target_root (2,), size target_extent (a scalar tensor)."""
    scale = (target_extent / extent_px.clamp_min(1e-6))[:, None, None]
    return (keypoints_px - keypoints_px[:, :1]) * scale + target_root


def pose_extents(points_px: np.ndarray, is_sequence: bool) -> torch.Tensor:
    """The size (N,) float32 pixels each of the N poses (N, 17, 2) pixels is scaled from: its own
    :func:`~jointformer.data.poseset.pose_extent_2d`, or for a sequence the track's median. A pose of zero
    extent is an InputError."""
    extents = pose_extent_2d(torch.as_tensor(points_px, dtype=torch.float32))
    if is_sequence:
        extents = torch.full_like(extents, float(extents.median()))
    if torch.any(extents <= 0):
        raise InputError("a pose has zero extent (all its joints at one point): nothing to lift")
    return extents


def screen_inputs(points_px: np.ndarray, image_size: Sequence[float] | None) -> torch.Tensor:
    """Screen normalisation: (N, 17, 2) pixels of images of ``image_size`` (width, height) pixels ->
    (N, 17, 2) float32 normalised screen units. A missing or non-positive size is an InputError."""
    if image_size is None:
        raise InputError("normalization='screen' needs image_size=(width, height) in pixels")
    width, height = check_image_size(image_size)
    return torch.as_tensor(normalize_screen_coordinates(points_px, width, height), dtype=torch.float32)


def check_image_size(image_size: Sequence[float]) -> tuple[float, float]:
    """``image_size`` as (width, height) float pixels, both finite and positive; InputError otherwise."""
    if len(image_size) != 2 or not all(np.isfinite(value) and value > 0 for value in image_size):
        raise InputError(f"image_size must be (width, height) in pixels, both positive; got {image_size}")
    return float(image_size[0]), float(image_size[1])
