"""Camera transforms, projection and screen normalisation, in float64."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from jointformer.data.camera import (
    CAMERA_ORDER,
    camera_to_world,
    h36m_cameras,
    image_coordinates,
    normalize_screen_coordinates,
    project_to_pixels,
    world_to_camera,
)
from jointformer.data.skeleton import ALL_SUBJECTS

CAMERAS = [(subject, index) for subject in ALL_SUBJECTS for index in range(len(CAMERA_ORDER))]


def _camera(subject: str, index: int):
    return h36m_cameras(subject)[index]


@pytest.mark.parametrize(("subject", "index"), CAMERAS)
def test_world_camera_world_round_trip(subject: str, index: int) -> None:
    camera = _camera(subject, index)
    # A person near the centre of the capture volume, 4.5 to 7.5 m from each camera. The published
    # orientations are not exactly unit (see the next test), so farther points drift by more than 1e-6 m.
    points = np.random.default_rng(index).uniform([-1.0, -1.0, 0.0], [1.0, 1.0, 2.0], size=(50, 17, 3))
    in_camera = world_to_camera(points, camera)
    np.testing.assert_allclose(camera_to_world(in_camera, camera), points, atol=1e-6, rtol=0)
    assert not np.allclose(in_camera, points, atol=0.1)  # the transform is not the identity
    # A rigid motion keeps distances (to the same 1e-6 m), and the camera centre is the camera frame's origin.
    np.testing.assert_allclose(np.linalg.norm(in_camera[:, 1] - in_camera[:, 0], axis=-1),
                               np.linalg.norm(points[:, 1] - points[:, 0], axis=-1), atol=1e-6)
    np.testing.assert_allclose(world_to_camera(np.array(camera.translation), camera), 0.0, atol=1e-9)


@pytest.mark.parametrize(("subject", "index"), CAMERAS)
def test_round_trip_is_exact_with_a_unit_quaternion(subject: str, index: int) -> None:
    # The published orientations are float32, unit only to about 3e-8, and rotating by a quaternion scales
    # by its squared norm: a round trip is off by about 1.2e-7 of the distance to the camera. Normalised,
    # the transform pair is exact to rounding at any distance.
    camera = _camera(subject, index)
    orientation = np.array(camera.orientation) / np.linalg.norm(camera.orientation)
    unit = replace(camera, orientation=tuple(orientation))
    points = np.random.default_rng(index).uniform(-20.0, 20.0, size=(50, 17, 3))
    round_trip = camera_to_world(world_to_camera(points, unit), unit)
    np.testing.assert_allclose(round_trip, points, atol=1e-12, rtol=0)


@pytest.mark.parametrize(("subject", "index"), CAMERAS)
def test_capture_volume_centre_is_in_front_of_the_camera_and_in_its_image(subject: str, index: int) -> None:
    # A frame convention error (rotating the wrong way, mm vs m) puts the centre behind or outside the image.
    camera = _camera(subject, index)
    centre = world_to_camera(np.array([0.0, 0.0, 1.0]), camera)
    assert 3.0 < centre[2] < 8.0
    pixels = project_to_pixels(centre, camera)
    assert 0 < pixels[0] < camera.res_w and 0 < pixels[1] < camera.res_h


def test_translation_is_in_metres() -> None:
    expected_metres = (1.8411070556640625, 4.95528466796875, 1.5634454345703125)
    assert _camera("S1", 0).translation == pytest.approx(expected_metres)
    assert [camera.id for camera in h36m_cameras("S9")] == list(CAMERA_ORDER)


def test_unknown_subject_has_no_cameras() -> None:
    with pytest.raises(ValueError, match=r"'S2'.*S1, S5"):
        h36m_cameras("S2")


@pytest.mark.parametrize("index", range(4))
def test_point_on_the_optical_axis_lands_on_the_principal_point(index: int) -> None:
    camera = _camera("S5", index)
    pixels = project_to_pixels(np.array([[0.0, 0.0, 2.0], [0.0, 0.0, 7.5]]), camera)
    np.testing.assert_allclose(pixels, [camera.center, camera.center], atol=1e-9)


def test_zero_distortion_is_the_pinhole_model() -> None:
    camera = replace(_camera("S1", 2), radial_distortion=(0.0, 0.0, 0.0), tangential_distortion=(0.0, 0.0))
    points = np.random.default_rng(0).uniform([-1.0, -1.0, 2.0], [1.0, 1.0, 6.0], size=(100, 3))
    expected = points[:, :2] / points[:, 2:] * np.array(camera.focal_length) + np.array(camera.center)
    np.testing.assert_allclose(project_to_pixels(points, camera), expected, atol=1e-9)


def test_distortion_moves_off_axis_points() -> None:
    camera = _camera("S1", 2)
    pinhole = replace(camera, radial_distortion=(0.0, 0.0, 0.0), tangential_distortion=(0.0, 0.0))
    point = np.array([0.8, 0.6, 3.0])
    assert np.linalg.norm(project_to_pixels(point, camera) - project_to_pixels(point, pinhole)) > 1.0


@pytest.mark.parametrize(("width", "height"), [(1000, 1002), (1000, 1000), (640, 480)])
def test_screen_normalisation_and_image_coordinates_are_inverses(width: int, height: int) -> None:
    pixels = np.random.default_rng(width + height).uniform(0, [width, height], size=(20, 17, 2))
    screen = normalize_screen_coordinates(pixels, width, height)
    np.testing.assert_allclose(image_coordinates(screen, width, height), pixels, atol=1e-9)
    np.testing.assert_allclose(normalize_screen_coordinates(image_coordinates(screen, width, height), width,
                                                            height), screen, atol=1e-12)
    corners = normalize_screen_coordinates(np.array([[0.0, 0.0], [width, height], [width / 2, height / 2]]),
                                           width, height)
    # x spans [-1, 1]; y keeps the aspect ratio; the image centre is the origin.
    expected = [[-1.0, -height / width], [1.0, height / width], [0.0, 0.0]]
    np.testing.assert_allclose(corners, expected, atol=1e-12)
