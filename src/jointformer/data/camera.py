"""Cameras: the published Human3.6M calibration, world <-> camera transforms, projection and the screen
normalisation of the 2D inputs.

Conventions:
- Quaternions are scalar-first ``(w, x, y, z)``; a camera's ``orientation`` rotates camera axes into world
  axes, as in the published calibration.
- The camera frame has x to the right of the image, y down, z forward (depth), in metres.
- Metric positions are metres everywhere; the calibration's millimetre translations are converted once,
  in :func:`h36m_cameras`.
- Pixel coordinates have their origin at the top-left image corner. "Normalised screen" coordinates are
  ``x / w * 2 - [1, h / w]``: x spans [-1, 1] and the aspect ratio is kept.
All functions here are pure numpy and broadcast over leading dimensions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from jointformer.data.skeleton import h36m_facts

CAMERA_ORDER: tuple[str, ...] = tuple(h36m_facts()["camera_order"])


@dataclass(frozen=True)
class Camera:
    """One calibrated camera. Pixels for intrinsics; metres and a unit quaternion for extrinsics."""

    id: str
    res_w: int
    res_h: int
    center: tuple[float, float]  # principal point, pixels
    focal_length: tuple[float, float]  # pixels
    radial_distortion: tuple[float, float, float]  # k1, k2, k3
    tangential_distortion: tuple[float, float]  # p1, p2
    orientation: tuple[float, float, float, float]  # (w, x, y, z), camera -> world rotation
    translation: tuple[float, float, float]  # camera centre in world coordinates, metres


def h36m_cameras(subject: str) -> list[Camera]:
    """The four published cameras of ``subject``, in ``CAMERA_ORDER``.

    Raises ValueError for a subject with no published extrinsics.
    """
    facts = h36m_facts()
    if subject not in facts["extrinsics"]:
        known = ", ".join(facts["extrinsics"])
        raise ValueError(f"no camera calibration for subject {subject!r}; calibrated subjects: {known}")
    cameras = []
    for intrinsic, extrinsic in zip(facts["intrinsics"], facts["extrinsics"][subject], strict=True):
        cameras.append(Camera(
            id=intrinsic["id"],
            res_w=int(intrinsic["res_w"]),
            res_h=int(intrinsic["res_h"]),
            center=tuple(intrinsic["center"]),
            focal_length=tuple(intrinsic["focal_length"]),
            radial_distortion=tuple(intrinsic["radial_distortion"]),
            tangential_distortion=tuple(intrinsic["tangential_distortion"]),
            orientation=tuple(extrinsic["orientation"]),
            translation=tuple(value / 1000.0 for value in extrinsic["translation"]),
        ))
    return cameras


def quaternion_rotate(quaternion: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    """Rotate ``vectors`` (..., 3) by the unit quaternion ``quaternion`` (4,) scalar-first. Same units."""
    w, axis = quaternion[0], np.asarray(quaternion[1:], dtype=vectors.dtype)
    uv = np.cross(axis, vectors)
    uuv = np.cross(axis, uv)
    return vectors + 2.0 * (w * uv + uuv)


def quaternion_inverse(quaternion: np.ndarray) -> np.ndarray:
    """Inverse of a unit quaternion (4,) scalar-first: its conjugate."""
    return np.asarray(quaternion) * np.array([1.0, -1.0, -1.0, -1.0])


def world_to_camera(points_world: np.ndarray, camera: Camera) -> np.ndarray:
    """(..., 3) metres, world frame -> (..., 3) metres, camera frame of ``camera``."""
    orientation = np.asarray(camera.orientation, dtype=np.float64)
    translation = np.asarray(camera.translation, dtype=points_world.dtype)
    return quaternion_rotate(quaternion_inverse(orientation), points_world - translation)


def camera_to_world(points_camera: np.ndarray, camera: Camera) -> np.ndarray:
    """(..., 3) metres, camera frame of ``camera`` -> (..., 3) metres, world frame."""
    orientation = np.asarray(camera.orientation, dtype=np.float64)
    translation = np.asarray(camera.translation, dtype=points_camera.dtype)
    return quaternion_rotate(orientation, points_camera) + translation


def project_to_pixels(points_camera: np.ndarray, camera: Camera) -> np.ndarray:
    """Project camera-frame points through the pinhole model with the published lens distortion.

    points_camera: (..., 3) metres, camera frame, z > 0. Returns (..., 2) pixels.
    Distortion (Brown-Conrady, as used to make the published 2D ground truth): with u = (x/z, y/z) and
    r2 = |u|^2, u' = u * (1 + k1 r2 + k2 r2^2 + k3 r2^3 + p.u) + p * r2.
    """
    u = points_camera[..., :2] / points_camera[..., 2:3]
    r2 = np.sum(u * u, axis=-1, keepdims=True)
    k1, k2, k3 = camera.radial_distortion
    p = np.asarray(camera.tangential_distortion, dtype=u.dtype)
    radial = 1.0 + k1 * r2 + k2 * r2**2 + k3 * r2**3
    tangential = np.sum(p * u, axis=-1, keepdims=True)
    distorted = u * (radial + tangential) + p * r2
    focal = np.asarray(camera.focal_length, dtype=u.dtype)
    center = np.asarray(camera.center, dtype=u.dtype)
    return distorted * focal + center


def normalize_screen_coordinates(points_pixels: np.ndarray, width: float, height: float) -> np.ndarray:
    """(..., 2) pixels -> (..., 2) normalised screen coordinates: x / w * 2 - [1, h / w]."""
    return points_pixels / width * 2.0 - np.array([1.0, height / width], dtype=points_pixels.dtype)


def image_coordinates(points_screen: np.ndarray, width: float, height: float) -> np.ndarray:
    """Inverse of :func:`normalize_screen_coordinates`: (..., 2) normalised screen -> (..., 2) pixels."""
    return (points_screen + np.array([1.0, height / width], dtype=points_screen.dtype)) * width / 2.0
