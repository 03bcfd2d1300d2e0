"""Capture of the embedded data set: trials placed in the room, seen through the published cameras.

Each trial's motion (:func:`~jointformer.data.synthetic.motions.perform_action`) is turned and placed on the
floor so that every kept joint of every frame lies inside all four images of the subject's cameras; the
exact 2D ground truth is its projection through those cameras, lens distortion included; the detector-like
2D adds the errors of a 2D keypoint detector (correlated jitter, gross errors, left/right confusions, a few
extra trailing frames).

World frame: metres, z up, the floor is z = 0; the published cameras stand ~1.5 m above the floor, about
5 m from the origin, and all four see a disc of radius ~1.6 m around ``_CAPTURE_CENTRE`` up to ~2 m high.
Pixels: the published cameras' images (1000 x 1000 or 1000 x 1002).
"""

from __future__ import annotations

import numpy as np

from jointformer.data.camera import h36m_cameras, project_to_pixels, world_to_camera
from jointformer.data.skeleton import ACTIONS, ALL_SUBJECTS, SKELETON17, reduce_to_17
from jointformer.data.synthetic.body import PELVIS, rot, subject_bone_offsets
from jointformer.data.synthetic.config import SyntheticConfig
from jointformer.data.synthetic.motions import perform_action, trial_frames

# --------------------------------------------------------------------------------------------------------
# Placing trials in the room

# All four cameras of every subject see a disc of radius ~1.65 m around this point, from the floor up to
# 1.95 m (found by projecting a grid through the published calibration with a 5 px margin).
_CAPTURE_CENTRE = np.array([0.25, 0.55])
_PLACEMENT_RADIUS = 0.8  # metres: how far a trial's centre may stray from _CAPTURE_CENTRE (at first)
_PLACEMENT_TRIES = 12
_VIEW_MARGIN = 2.0  # pixels kept free at the image border
_MIN_DEPTH = 0.5  # metres in front of a camera


def _in_view(positions_world: np.ndarray, subject: str, margin: float = _VIEW_MARGIN) -> bool:
    """Whether every kept joint of ``positions_world`` (T, 32, 3) metres, world frame, projects inside
    all four images of ``subject`` with ``margin`` pixels to spare."""
    kept = reduce_to_17(positions_world.astype(np.float64))
    for camera in h36m_cameras(subject):
        points_camera = world_to_camera(kept, camera)
        if np.any(points_camera[..., 2] < _MIN_DEPTH):
            return False
        pixels = project_to_pixels(points_camera, camera)
        if (np.any(pixels < margin) or np.any(pixels[..., 0] >= camera.res_w - margin)
                or np.any(pixels[..., 1] >= camera.res_h - margin)):
            return False
    return True


def _place(positions: np.ndarray, yaw: float, centre: np.ndarray) -> np.ndarray:
    """(T, 32, 3) programme frame -> world frame: turn by ``yaw`` about z, then put the middle of the
    pelvis track at ``centre`` (2,) metres on the floor."""
    track = positions[:, PELVIS, :2]
    middle = (track.min(axis=0) + track.max(axis=0)) / 2.0
    rotation = rot(2, np.asarray(yaw))
    placed = (positions - np.array([*middle, 0.0])) @ rotation.T
    placed[..., :2] += centre
    return placed


def _generate_trial(subject: str, action: str, trial: int, config: SyntheticConfig) -> np.ndarray:
    """(T, 32, 3) float32 metres, world frame: one trial, seen whole by all four cameras of ``subject``."""
    rng = np.random.default_rng([config.seed, ALL_SUBJECTS.index(subject), ACTIONS.index(action), trial])
    frames = trial_frames(action, config, rng)
    posed = perform_action(action, subject_bone_offsets(subject), frames, rng)
    yaw = rng.uniform(0.0, 2.0 * np.pi)
    radius = _PLACEMENT_RADIUS * np.sqrt(rng.uniform())
    angle = rng.uniform(0.0, 2.0 * np.pi)
    for attempt in range(_PLACEMENT_TRIES):
        # Each retry moves the trial closer to the middle of the room and turns it a little.
        shrink = 1.0 - attempt / (_PLACEMENT_TRIES - 1)
        centre = _CAPTURE_CENTRE + shrink * radius * np.array([np.cos(angle), np.sin(angle)])
        placed = _place(posed, yaw + 0.7 * attempt, centre).astype(np.float32)
        if _in_view(placed, subject):
            return placed
    raise AssertionError(f"synthetic {subject} {action} {trial + 1} leaves a camera's view wherever placed")


def generate_positions_3d(config: SyntheticConfig = SyntheticConfig(),  # noqa: B008 (frozen, immutable)
                          ) -> dict[str, dict[str, np.ndarray]]:
    """The synthetic mocap: subject -> action key ("Walking 1", ...) -> (T, 32, 3) float32 metres, world
    frame (z up, floor z = 0), 50 fps. Every kept joint of every frame lies inside all four images of the
    subject's published cameras. Deterministic in ``config``."""
    if not isinstance(config, SyntheticConfig):
        raise ValueError(f"config must be a SyntheticConfig, got {type(config).__name__}")
    return {
        subject: {f"{action} {trial + 1}": _generate_trial(subject, action, trial, config)
                  for action in config.actions for trial in range(config.trials)}
        for subject in config.subjects
    }


# --------------------------------------------------------------------------------------------------------
# 2D: exact projections and detector-like noise


def _checked_array(value: object, where: str, shape_tail: tuple[int, ...], what: str) -> np.ndarray:
    """``value`` as a float array of shape (T, *shape_tail) with T >= 1 and finite entries, or ValueError."""
    array = np.asarray(value) if isinstance(value, np.ndarray) else None
    expected = f"(frames, {', '.join(map(str, shape_tail))})"
    if array is None or array.ndim != 1 + len(shape_tail) or array.shape[1:] != shape_tail or len(array) == 0:
        got = f"shape {array.shape}" if array is not None else type(value).__name__
        raise ValueError(f"{where}: expected a numpy array {expected} of {what}, got {got}")
    if not np.issubdtype(array.dtype, np.floating) or not np.all(np.isfinite(array)):
        raise ValueError(f"{where}: expected finite floating-point {what}, got dtype {array.dtype} "
                         f"(or non-finite values)")
    return array


def project_positions_2d(positions_3d: dict[str, dict[str, np.ndarray]],
                         ) -> dict[str, dict[str, list[np.ndarray]]]:
    """Exact 2D ground truth: subject -> action key -> list of 4 (T, 17, 2) float32 pixel arrays, one per
    camera of ``CAMERA_ORDER``: the 17 kept joints of ``positions_3d`` ((T, 32, 3) metres, world frame)
    through the subject's published cameras, lens distortion included (computed in float64)."""
    if not isinstance(positions_3d, dict):
        raise ValueError(f"positions_3d must be a dict subject -> dict action -> (T, 32, 3) array, got "
                         f"{type(positions_3d).__name__}")
    projected: dict[str, dict[str, list[np.ndarray]]] = {}
    for subject, actions in positions_3d.items():
        cameras = h36m_cameras(subject)
        if not isinstance(actions, dict):
            raise ValueError(f"positions_3d[{subject!r}] must be a dict action -> (T, 32, 3) array")
        projected[subject] = {}
        for action, positions in actions.items():
            positions = _checked_array(positions, f"positions_3d[{subject!r}][{action!r}]", (32, 3),
                                       "world positions in metres")
            kept = reduce_to_17(positions.astype(np.float64))
            projected[subject][action] = [
                project_to_pixels(world_to_camera(kept, camera), camera).astype(np.float32)
                for camera in cameras]
    return projected


# Detector noise scale per 17-joint index (hips 1, wrists and ankles 2).
_JOINT_NOISE = np.array([1.0, 1.0, 1.4, 2.0, 1.0, 1.4, 2.0, 1.2, 1.1, 1.1, 1.3,
                         1.15, 1.5, 2.0, 1.15, 1.5, 2.0])
_NOISE_PIXELS = (2.0, 4.0)  # per-sequence base standard deviation per axis, drawn uniformly
_NOISE_CORRELATION = 0.6  # one-frame correlation of the jitter (an exponentially decaying filter)
_GROSS_RATE = 0.015  # per joint and frame, times the joint's noise scale (about 2 % overall)
_GROSS_PIXELS = (20.0, 60.0)
_SWAP_RUNS = 0.8  # expected left/right confusion runs per sequence and camera
_SWAP_FRAMES = (3, 13)
# Which left/right pair a confusion swaps (hips, knees, ankles, shoulders, elbows, wrists); or, with
# probability _SWAP_ALL, the whole body.
_SWAP_PAIR_WEIGHTS = np.array([0.10, 0.20, 0.25, 0.05, 0.15, 0.25])
_SWAP_ALL = 0.3
_MAX_EXTRA_FRAMES = 3


def _detections(clean: np.ndarray, width: int, height: int, rng: np.random.Generator) -> np.ndarray:
    """Detector-like 2D: (T, 17, 2) exact pixels -> (T + 0..3, 17, 2) float32 pixels with correlated
    jitter, gross errors, left/right confusions, a few extra trailing frames; clipped to the image."""
    extra = int(rng.integers(0, _MAX_EXTRA_FRAMES + 1))
    frames = len(clean) + extra
    sequence = np.concatenate([clean, np.repeat(clean[-1:], extra, axis=0)]).astype(np.float64)
    left, right = list(SKELETON17.joints_left), list(SKELETON17.joints_right)
    confused = sequence.copy()
    for _ in range(rng.poisson(_SWAP_RUNS)):
        length = int(rng.integers(*_SWAP_FRAMES))
        start = int(rng.integers(0, max(1, frames - length)))
        if rng.uniform() < _SWAP_ALL:
            pairs = list(range(len(left)))
        else:
            pairs = [int(rng.choice(len(left), p=_SWAP_PAIR_WEIGHTS / _SWAP_PAIR_WEIGHTS.sum()))]
        lefts, rights = [left[p] for p in pairs], [right[p] for p in pairs]
        run = slice(start, start + length)
        confused[run, lefts + rights] = sequence[run, rights + lefts]
    sigma = rng.uniform(*_NOISE_PIXELS) * _JOINT_NOISE * np.exp(rng.normal(0.0, 0.15, size=17))
    taps = _NOISE_CORRELATION ** np.arange(6)
    taps /= np.linalg.norm(taps)  # unit variance after filtering
    white = rng.standard_normal((frames + len(taps) - 1, 17, 2))
    jitter = sum(tap * white[k:k + frames] for k, tap in enumerate(taps))
    noisy = confused + jitter * sigma[:, None]
    gross = rng.uniform(size=(frames, 17)) < _GROSS_RATE * _JOINT_NOISE
    angle = rng.uniform(0.0, 2.0 * np.pi, size=(frames, 17))
    size = rng.uniform(*_GROSS_PIXELS, size=(frames, 17))
    noisy += gross[..., None] * size[..., None] * np.stack([np.cos(angle), np.sin(angle)], axis=-1)
    noisy[..., 0] = np.clip(noisy[..., 0], 0.0, width - 1.0)
    noisy[..., 1] = np.clip(noisy[..., 1], 0.0, height - 1.0)
    return noisy.astype(np.float32)


def add_detector_noise(positions_2d: dict[str, dict[str, list[np.ndarray]]], rng: np.random.Generator,
                       ) -> dict[str, dict[str, list[np.ndarray]]]:
    """Detector-like 2D from exact 2D: same nesting (subject -> action key -> 4 arrays, ``CAMERA_ORDER``),
    each (T, 17, 2) pixels becoming (T + 0..3, 17, 2) float32 pixels with temporally correlated jitter of
    ~2-4 px (about twice that on wrists and ankles), ~2 % gross errors of 20-60 px, short runs of swapped
    left/right joints, and 0-3 extra trailing frames (the last frame repeated, noised), clipped to the
    image. ``rng`` is consumed in dict order."""
    if not isinstance(positions_2d, dict):
        raise ValueError(f"positions_2d must be a dict subject -> dict action -> 4 (T, 17, 2) arrays, got "
                         f"{type(positions_2d).__name__}")
    noisy: dict[str, dict[str, list[np.ndarray]]] = {}
    for subject, actions in positions_2d.items():
        cameras = h36m_cameras(subject)
        if not isinstance(actions, dict):
            raise ValueError(f"positions_2d[{subject!r}] must be a dict action -> list of 4 (T, 17, 2) "
                             f"arrays")
        noisy[subject] = {}
        for action, views in actions.items():
            where = f"positions_2d[{subject!r}][{action!r}]"
            if not isinstance(views, list | tuple) or len(views) != len(cameras):
                raise ValueError(f"{where}: expected a list of {len(cameras)} arrays (one per camera)")
            noisy[subject][action] = [
                _detections(_checked_array(view, f"{where}[{index}]", (17, 2), "pixels"), camera.res_w,
                            camera.res_h, rng)
                for index, (view, camera) in enumerate(zip(views, cameras, strict=True))]
    return noisy
