"""Where the person is: the pelvis' absolute position in the camera frame, from 2D keypoints, the lifted
root-relative pose and a focal length.

A lifted pose is root-relative: its size is that of a typical Human3.6M subject, and the model says nothing
about how far away the person stands. With a pinhole camera of focal length ``f`` pixels and principal
point ``c`` (pixels), a person whose joints lie roughly at one depth ``Z`` (weak perspective) appears in
the image scaled by ``s = f / Z``. So, per frame:

1. ``s`` is the ratio of the 2D extent to the lifted 3D extent: the root-mean-square distance of the 2D
   keypoints from their mean over that of the lifted joints' (x, y) from theirs;
2. the mean joint depth is ``f / s``, and the root's depth ``Z = f / s - mean(z_j)`` (z_j: the lifted
   joints' depths relative to the root);
3. x and y come from back-projecting the 2D root: ``X = (u_root - c_x) * Z / f``, likewise ``Y`` from
   ``v_root - c_y``.

The absolute scale inherits the lifted pose's: a person much taller or shorter than a Human3.6M subject
is placed proportionally too far or too near. Without a calibration, :func:`default_focal_length` guesses
the focal length of a phone's main camera (26 mm equivalent focal length on the 35 mm film diagonal).

Shapes: ``T`` frames, 17 joints (Human3.6M order, joint 0 the root). Camera frame: x right, y down, z
forward (away from the camera), metres. Pixels: origin at the top-left image corner.
"""

from __future__ import annotations

import math

import numpy as np

from jointformer.errors import InputError

FULL_FRAME_DIAGONAL_MM = math.hypot(36.0, 24.0)  # 43.27 mm, the 35 mm film frame
PHONE_EQUIVALENT_FOCAL_MM = 26.0  # a typical phone main camera (about 79 degrees diagonal field of view)


def default_focal_length(width: float, height: float) -> float:
    """A focal length guess in pixels for an image of ``width`` x ``height`` pixels: a 26 mm equivalent
    focal length, i.e. ``26 / 43.27`` of the image diagonal (0.60 x diagonal; 1324 px for 1080 x 1920)."""
    if not (width > 0 and height > 0):
        raise InputError(f"image size must be positive, got {width} x {height}")
    return PHONE_EQUIVALENT_FOCAL_MM / FULL_FRAME_DIAGONAL_MM * math.hypot(width, height)


def estimate_root_position(keypoints_2d: np.ndarray, poses_3d: np.ndarray, focal_length: float,
                           principal_point: tuple[float, float]) -> np.ndarray:
    """The root's absolute position per frame (module docstring).

    keypoints_2d: (T, 17, 2) pixels, complete (no NaN), Human3.6M order; poses_3d: (T, 17, 3) metres,
    camera frame, root-relative; focal_length: pixels (> 0); principal_point: (c_x, c_y) pixels (usually the
    image centre). Returns (T, 3) metres, camera frame. A frame whose lifted pose has no extent raises
    InputError.
    """
    points = np.asarray(keypoints_2d, dtype=np.float64)
    poses = np.asarray(poses_3d, dtype=np.float64)
    if points.ndim != 3 or points.shape[2] != 2 or poses.shape != (*points.shape[:2], 3):
        raise InputError(f"keypoints_2d (T, J, 2) and poses_3d (T, J, 3) must match; got {points.shape} "
                         f"and {poses.shape}")
    if not (np.isfinite(focal_length) and focal_length > 0):
        raise InputError(f"focal length must be a positive number of pixels, got {focal_length}")
    if not (np.isfinite(points).all() and np.isfinite(poses).all()):
        raise InputError("root position: keypoints or poses contain NaN (fill missing joints first)")
    centred_2d = points - points.mean(axis=1, keepdims=True)
    centred_3d = poses[..., :2] - poses[..., :2].mean(axis=1, keepdims=True)
    extent_3d = np.sum(centred_3d * centred_3d, axis=(1, 2))
    if np.any(extent_3d <= 1e-12):
        raise InputError(f"root position: lifted pose(s) {np.flatnonzero(extent_3d <= 1e-12)[:5].tolist()} "
                         f"have no extent")
    # pixels per metre, = f / mean depth: the ratio of the root-mean-square extents (always positive, and
    # unaffected by how well the lifted joints match their 2D counterparts one by one)
    scale = np.sqrt(np.sum(centred_2d * centred_2d, axis=(1, 2)) / extent_3d)
    depth = focal_length / scale - (poses[:, :, 2] - poses[:, :1, 2]).mean(axis=1)
    centre = np.asarray(principal_point, dtype=np.float64)
    xy = (points[:, 0] - centre) * depth[:, None] / focal_length
    return np.concatenate([xy, depth[:, None]], axis=1)


def camera_frame_poses(poses_3d: np.ndarray, root_position: np.ndarray) -> np.ndarray:
    """poses (T, 17, 3) metres, camera frame, root-relative + root (T, 3) metres -> (T, 17, 3) absolute."""
    return np.asarray(poses_3d, dtype=np.float64) + np.asarray(root_position, dtype=np.float64)[:, None]


__all__ = ["camera_frame_poses", "default_focal_length", "estimate_root_position"]
