"""The embedded default data set: a synthetic Human3.6M in the VideoPose3D three-file layout.

``write_synthetic_dataset(directory)`` writes ``data_3d_h36m.npz``, ``data_2d_h36m_gt.npz`` and a
detector-like ``data_2d_h36m_cpn_ft_h36m_dbb.npz`` that the Human3.6M reader takes exactly as it takes the
published files: the 7 mocap subjects, the 15 actions, two trials each, 50 fps, the published cameras.

Bodies are the 32-joint Human3.6M kinematic tree posed by forward kinematics from constant per-subject bone
offsets, so bone lengths are constant by construction. Each action is a procedural motion programme (gait
cycles, key poses blended smoothly, hand targets reached by two-bone inverse kinematics) with per-trial
random phase, speed, amplitude, facing and position. The default configuration (seed 0) holds 7 subjects
x 15 actions x 2 trials = 210 sequences of 200-300 frames: 53,266 mocap frames and 213,064 2D poses per 2D
file (training S1 S5 S6 S7 S8: 152,868; test S9 S11: 60,196); writing it takes a few seconds.

Conventions:
- ``T`` frames, 32 mocap joints (``SKELETON32``), 17 kept joints (``KEPT_FROM_32``).
- World frame: metres, z up, the floor is z = 0; the published cameras stand ~1.5 m above the floor, about
  5 m from the origin, and all four see a disc of radius ~1.6 m around ``_CAPTURE_CENTRE`` up to ~2 m high.
- Body frame (the root's and every joint's frame in the rest pose): x forward, y to the subject's left,
  z up. The rest pose stands upright with the arms hanging.
- Rotation matrices act on column vectors. ``R[j] = R[parent(j)] @ L[j]`` and
  ``p[j] = p[parent(j)] + R[parent(j)] @ offset[j]``: the rotation *at* a joint orients the bones that hang
  from it (the hip rotation orients the thigh).
- Angles are radians. Per-side arrays put the right side in column 0 and the left in column 1 (the
  Human3.6M order); ``_LATERAL`` gives each side's sign along the body's y axis.
- Flexion angles are positive in the anatomical direction: hip flexion swings the thigh forward, knee
  flexion swings the shank backward, elbow flexion swings the forearm forward, ankle flexion lifts the toes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from jointformer.atomic_files import atomic_output, write_text_atomically
from jointformer.data.camera import h36m_cameras, project_to_pixels, world_to_camera
from jointformer.data.h36m import FILE_3D, file_2d_name
from jointformer.data.skeleton import (
    ACTIONS,
    ALL_SUBJECTS,
    FPS,
    SKELETON17,
    SKELETON32,
    reduce_to_17,
)
from jointformer.errors import DataError, OutputError

DEFAULT_DETECTOR_NAME = "cpn_ft_h36m_dbb"
MIN_FRAMES_ALLOWED = 20  # the motion programmes need a few key poses' worth of time


@dataclass(frozen=True)
class SyntheticConfig:
    """What to generate. The defaults make the embedded data set (about 50 k mocap frames).

    seed: the one seed of every random draw; each (subject, action, trial) draws from its own stream derived
      from it, so a subset of subjects or actions gives the same sequences as the full set.
    trials: sequences per subject and action ("Walking 1", "Walking 2", ...).
    detector_name: the ``<name>`` of ``data_2d_h36m_<name>.npz``, the detector-like 2D file.
    min_frames, max_frames: sequence lengths are drawn in this range (per action, then per trial).
    subjects, actions: which Human3.6M subjects and actions to generate.
    """

    seed: int = 0
    trials: int = 2
    detector_name: str = DEFAULT_DETECTOR_NAME
    min_frames: int = 200
    max_frames: int = 300
    subjects: tuple[str, ...] = ALL_SUBJECTS
    actions: tuple[str, ...] = ACTIONS

    def __post_init__(self) -> None:
        if not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"SyntheticConfig.seed must be a non-negative integer, got {self.seed!r}")
        if not isinstance(self.trials, int) or self.trials < 1:
            raise ValueError(f"SyntheticConfig.trials must be a positive integer, got {self.trials!r}")
        name = self.detector_name
        if not name or name == "gt" or any(char in name for char in "/\\ .") or not name.isprintable():
            raise ValueError(f"SyntheticConfig.detector_name must be a plain file-name part other than 'gt' "
                             f"(e.g. {DEFAULT_DETECTOR_NAME!r}), got {name!r}")
        if not MIN_FRAMES_ALLOWED <= self.min_frames <= self.max_frames:
            raise ValueError(f"SyntheticConfig needs {MIN_FRAMES_ALLOWED} <= min_frames <= max_frames, got "
                             f"min_frames={self.min_frames}, max_frames={self.max_frames}")
        for kind, chosen, known in (("subjects", self.subjects, ALL_SUBJECTS),
                                    ("actions", self.actions, ACTIONS)):
            unknown = [item for item in chosen if item not in known]
            if unknown or not chosen or len(set(chosen)) != len(chosen):
                raise ValueError(f"SyntheticConfig.{kind} must be distinct names from {', '.join(known)}; "
                                 f"got {list(chosen)!r}")


# --------------------------------------------------------------------------------------------------------
# Bodies

_REFERENCE_STATURE = 1.70  # metres; the offsets below are a 1.70 m adult with Human3.6M-like proportions
_SKULL_ABOVE_HEAD_JOINT = 0.04  # the head joint sits a little below the top of the skull

# Stature (m) and relative deviations of (legs, arms, torso, shoulder width, hip width) per subject.
# Made-up figures in the range of adults: the real subjects' measurements are not published here.
_SUBJECT_BUILD: dict[str, tuple[float, tuple[float, float, float, float, float]]] = {
    "S1": (1.62, (+0.02, -0.01, -0.02, -0.04, +0.03)),
    "S5": (1.57, (-0.02, +0.01, +0.01, -0.05, +0.04)),
    "S6": (1.79, (-0.01, +0.02, +0.02, +0.05, +0.01)),
    "S7": (1.66, (+0.03, -0.02, -0.01, -0.03, +0.02)),
    "S8": (1.77, (+0.01, +0.03, -0.02, +0.04, -0.02)),
    "S9": (1.88, (+0.02, +0.01, +0.00, +0.06, -0.01)),
    "S11": (1.73, (-0.03, -0.01, +0.03, +0.03, -0.03)),
}

_RIGHT, _LEFT = 0, 1
_LATERAL = (-1.0, 1.0)  # body-frame y sign of each side
# 32-joint indices per side: (hip, knee, ankle, toe, toe tip) and (girdle, shoulder, elbow, wrist, thumb,
# thumb tip, hand end, hand tip). The girdle joints 16 and 24 coincide with the thorax 13, as in the mocap.
_LEG = ((1, 2, 3, 4, 5), (6, 7, 8, 9, 10))
_ARM = ((24, 25, 26, 27, 28, 29, 30, 31), (16, 17, 18, 19, 20, 21, 22, 23))
_FOOT_JOINTS = (3, 4, 5, 8, 9, 10)
_PELVIS, _SPINE_BASE, _SPINE, _THORAX, _NOSE, _HEAD = 0, 11, 12, 13, 14, 15


def _reference_offsets() -> np.ndarray:
    """(32, 3) bone offsets of the 1.70 m reference body, metres, parent's rest frame (see module doc)."""
    offsets = np.zeros((32, 3))
    for side, (hip, knee, ankle, toe, tip) in enumerate(_LEG):
        offsets[hip] = (0.0, _LATERAL[side] * 0.130, 0.0)
        offsets[knee] = (0.0, 0.0, -0.445)
        offsets[ankle] = (0.0, 0.0, -0.445)
        offsets[toe] = (0.130, 0.0, -0.075)  # ball of the foot, on the floor when standing
        offsets[tip] = (0.050, 0.0, 0.0)
    offsets[_SPINE_BASE] = (0.0, 0.0, 0.030)  # a point just above the pelvis
    offsets[_SPINE] = (-0.010, 0.0, 0.200)
    offsets[_THORAX] = (0.010, 0.0, 0.255)
    offsets[_NOSE] = (0.070, 0.0, 0.100)
    offsets[_HEAD] = (-0.030, 0.0, 0.110)
    for side, (girdle, shoulder, elbow, wrist, thumb, thumb_tip, hand, hand_tip) in enumerate(_ARM):
        offsets[girdle] = offsets[_THORAX]
        offsets[shoulder] = (-0.010, _LATERAL[side] * 0.145, -0.030)
        offsets[elbow] = (0.0, 0.0, -0.280)
        offsets[wrist] = (0.0, 0.0, -0.250)
        # With the arm hanging the palm faces the thigh, so the thumb points forward.
        offsets[thumb] = (0.030, 0.0, -0.030)
        offsets[thumb_tip] = (0.020, 0.0, -0.030)
        offsets[hand] = (0.0, 0.0, -0.080)
        offsets[hand_tip] = (0.0, 0.0, -0.020)
    return offsets


def subject_bone_offsets(subject: str) -> np.ndarray:
    """(32, 3) rest-pose bone offsets of ``subject``, metres: ``offsets[j]`` is joint j relative to its
    parent in the parent's rest frame (x forward, y left, z up); row 0 (the root) is zero.

    Subjects differ in stature (1.57-1.88 m) and by a few per cent in leg, arm and torso length and in
    shoulder and hip width. Raises ValueError for a subject other than the 7 Human3.6M mocap subjects.
    """
    if subject not in _SUBJECT_BUILD:
        raise ValueError(f"no synthetic body for subject {subject!r}; known: {', '.join(_SUBJECT_BUILD)}")
    return body_offsets(*_SUBJECT_BUILD[subject])


def body_offsets(stature: float, deviations: tuple[float, float, float, float, float]) -> np.ndarray:
    """(32, 3) rest-pose bone offsets, metres (as :func:`subject_bone_offsets`), of a body ``stature``
    metres tall whose (legs, arms, torso, shoulder width, hip width) deviate by these fractions from the
    reference proportions."""
    legs, arms, torso, shoulders, hips = deviations
    offsets = _reference_offsets()
    offsets[[2, 3, 7, 8]] *= 1.0 + legs
    offsets[[18, 19, 20, 21, 22, 23, 26, 27, 28, 29, 30, 31]] *= 1.0 + arms
    offsets[[11, 12, 13, 16, 24]] *= 1.0 + torso
    offsets[[17, 25], 1] *= 1.0 + shoulders
    offsets[[1, 6], 1] *= 1.0 + hips
    standing_head_height = -offsets[[2, 3, 4], 2].sum() + offsets[[11, 12, 13, 14, 15], 2].sum()
    return offsets * (stature / (standing_head_height + _SKULL_ABOVE_HEAD_JOINT))


def subject_bone_lengths(subject: str) -> np.ndarray:
    """(32,) metres: length of the bone from each joint's parent to the joint (0 for the root), constant
    over every frame of ``subject``'s generated mocap."""
    return np.linalg.norm(subject_bone_offsets(subject), axis=-1)


def subject_stature(subject: str) -> float:
    """Standing height of ``subject``'s synthetic body, metres (floor to the top of the skull)."""
    subject_bone_offsets(subject)  # validates the name
    return _SUBJECT_BUILD[subject][0]


@dataclass(frozen=True)
class _Body:
    """A subject's bone offsets (32, 3) metres, with the dimensions the motion programmes use."""

    offsets: np.ndarray

    @property
    def upper_arm(self) -> float:
        return float(np.linalg.norm(self.offsets[18]))

    @property
    def forearm(self) -> float:
        return float(np.linalg.norm(self.offsets[19]))

    @property
    def reach(self) -> float:
        return self.upper_arm + self.forearm

    @property
    def arm_scale(self) -> float:
        """Hand positions below are laid out for the reference body's 0.53 m arm; scale them by this."""
        return self.reach / 0.53

    @property
    def leg(self) -> float:
        return float(np.linalg.norm(self.offsets[2]) + np.linalg.norm(self.offsets[3]))

    def shoulder(self, side: int) -> np.ndarray:
        """(3,) the shoulder joint relative to the thorax joint, thorax frame, metres."""
        return self.offsets[_ARM[side][1]].copy()

    def hip_side(self, side: int) -> np.ndarray:
        """(3,) a point on the side of the hip (where a hand rests), thorax frame relative to the thorax."""
        drop = self.offsets[[11, 12, 13], 2].sum()
        return np.array([0.0, _LATERAL[side] * 1.25 * abs(self.offsets[1, 1]), -drop + 0.06])


# --------------------------------------------------------------------------------------------------------
# Rotations and forward kinematics


def _rot(axis: int, angle: np.ndarray) -> np.ndarray:
    """(T, 3, 3) rotations by ``angle`` (T,) radians about body axis 0 (x), 1 (y) or 2 (z)."""
    cos, sin = np.cos(angle), np.sin(angle)
    matrix = np.zeros((*np.shape(angle), 3, 3))
    i, j = [(1, 2), (2, 0), (0, 1)][axis]
    matrix[..., axis, axis] = 1.0
    matrix[..., i, i] = cos
    matrix[..., j, j] = cos
    matrix[..., i, j] = -sin
    matrix[..., j, i] = sin
    return matrix


def _chain(*matrices: np.ndarray) -> np.ndarray:
    result = matrices[0]
    for matrix in matrices[1:]:
        result = result @ matrix
    return result


@dataclass
class _Motion:
    """Per-frame pose parameters of one trial (see the module docstring for the angle conventions).

    root_xy: (T, 2) pelvis ground position, metres, programme frame (placed in the room later).
    heading: (T,) yaw of the pelvis about world z (0: facing +x). pelvis_pitch/roll: (T,) forward/side tilt.
    Legs, (T, 2) [right, left]: hip_flex, hip_abd (outward), hip_rot (external), knee, ankle.
    Spine, (T,): spine_bend (forward), spine_side, spine_twist (to the left), split over two joints.
    Head, (T,): neck_pitch, head_pitch (nod), head_yaw (to the left), head_roll.
    Arms: wrist_target (T, 2, 3) the wrist relative to the thorax joint, thorax frame, metres; elbow_pole
    (T, 2, 3) the direction the elbow points, thorax frame; wrist_flex (T, 2).
    """

    root_xy: np.ndarray
    heading: np.ndarray
    pelvis_pitch: np.ndarray
    pelvis_roll: np.ndarray
    hip_flex: np.ndarray
    hip_abd: np.ndarray
    hip_rot: np.ndarray
    knee: np.ndarray
    ankle: np.ndarray
    spine_bend: np.ndarray
    spine_side: np.ndarray
    spine_twist: np.ndarray
    neck_pitch: np.ndarray
    head_pitch: np.ndarray
    head_yaw: np.ndarray
    head_roll: np.ndarray
    wrist_target: np.ndarray
    elbow_pole: np.ndarray
    wrist_flex: np.ndarray
    plant_feet: bool = field(default=True)  # stationary programmes keep the ankles where they start

    @classmethod
    def neutral(cls, frames: int, body: _Body) -> _Motion:
        """Standing relaxed, arms hanging, for ``frames`` frames."""
        def zeros(*shape: int) -> np.ndarray:
            return np.zeros((frames, *shape))
        motion = cls(
            root_xy=zeros(2), heading=zeros(), pelvis_pitch=zeros(), pelvis_roll=zeros(),
            hip_flex=zeros(2), hip_abd=zeros(2) + np.radians(3.0), hip_rot=zeros(2) + np.radians(6.0),
            knee=zeros(2) + np.radians(3.0), ankle=zeros(2) + np.radians(3.0),
            spine_bend=zeros(), spine_side=zeros(), spine_twist=zeros(),
            neck_pitch=zeros(), head_pitch=zeros(), head_yaw=zeros(), head_roll=zeros(),
            wrist_target=zeros(2, 3), elbow_pole=zeros(2, 3), wrist_flex=zeros(2),
        )
        for side in (_RIGHT, _LEFT):
            motion.wrist_target[:, side] = _hanging_target(body, side)
            motion.elbow_pole[:, side] = _BACK_POLE[side]
        return motion

    @property
    def frames(self) -> int:
        return self.heading.shape[0]


_BACK_POLE = (np.array([-1.0, -0.3, -0.4]), np.array([-1.0, 0.3, -0.4]))
_DOWN_OUT_POLE = (np.array([-0.3, -1.0, -1.0]), np.array([-0.3, 1.0, -1.0]))
_MAX_ELBOW_FLEX = np.radians(145.0)


def _hanging_target(body: _Body, side: int) -> np.ndarray:
    """(3,) wrist target of an arm hanging relaxed (elbow slightly bent), thorax frame."""
    return body.shoulder(side) + np.array([0.04, _LATERAL[side] * 0.05, -0.96 * body.reach])


def _arm_ik(target: np.ndarray, pole: np.ndarray, upper: float, fore: float) -> tuple[np.ndarray, np.ndarray]:
    """Two-bone inverse kinematics of one arm.

    target: (T, 3) wrist relative to the shoulder, shoulder's parent frame (the thorax frame), metres.
    pole: (T, 3) the direction the elbow should point, same frame. Returns the shoulder rotation (T, 3, 3)
    and the elbow flexion (T,) in [0, _MAX_ELBOW_FLEX]; out-of-reach targets are reached as far as possible.
    """
    distance = np.linalg.norm(target, axis=-1)
    shortest = np.sqrt(upper**2 + fore**2 - 2.0 * upper * fore * np.cos(np.pi - _MAX_ELBOW_FLEX))
    distance_c = np.clip(distance, shortest + 1e-9, 0.999 * (upper + fore))
    cos_inner = (upper**2 + fore**2 - distance_c**2) / (2.0 * upper * fore)
    flex = np.clip(np.pi - np.arccos(np.clip(cos_inner, -1.0, 1.0)), 0.0, _MAX_ELBOW_FLEX)
    direction = target / np.maximum(distance, 1e-9)[:, None]
    # The wrist in the upper arm's rest frame: the bones hang along -z and the elbow bends about +y.
    wrist_local = np.stack([fore * np.sin(flex), np.zeros_like(flex), -upper - fore * np.cos(flex)], axis=-1)
    wrist_local /= np.linalg.norm(wrist_local, axis=-1, keepdims=True)
    hinge = np.cross(direction, pole)
    fallback = np.cross(direction, np.array([-1.0, 0.0, 0.0]))  # a pole along the arm picks no plane
    hinge = np.where(np.linalg.norm(hinge, axis=-1, keepdims=True) < 1e-6, fallback, hinge)
    hinge /= np.linalg.norm(hinge, axis=-1, keepdims=True)
    unit_y = np.broadcast_to(np.array([0.0, 1.0, 0.0]), wrist_local.shape)
    local_basis = np.stack([wrist_local, unit_y, np.cross(wrist_local, unit_y)], axis=-1)
    world_basis = np.stack([direction, hinge, np.cross(direction, hinge)], axis=-1)
    return world_basis @ np.swapaxes(local_basis, -1, -2), flex


def _neck_rotations(motion: _Motion) -> tuple[np.ndarray, np.ndarray]:
    """Local rotations (T, 3, 3) of the neck (orients thorax -> nose) and the head (nose -> head top)."""
    neck = _chain(_rot(2, 0.4 * motion.head_yaw), _rot(1, motion.neck_pitch))
    head = _chain(_rot(2, 0.6 * motion.head_yaw), _rot(1, motion.head_pitch), _rot(0, motion.head_roll))
    return neck, head


def _head_point(motion: _Motion, body: _Body, local: np.ndarray) -> np.ndarray:
    """(T, 3) thorax-frame position (relative to the thorax joint) of a point fixed to the head.

    local: (3,) metres, relative to the nose joint in the head's frame (x forward, y left, z up).
    """
    neck, head = _neck_rotations(motion)
    return neck @ body.offsets[_NOSE] + neck @ head @ np.asarray(local, dtype=np.float64)


def _local_rotations(motion: _Motion, body: _Body) -> np.ndarray:
    """(T, 32, 3, 3) the rotation at every joint relative to its parent."""
    frames = motion.frames
    local = np.broadcast_to(np.eye(3), (frames, 32, 3, 3)).copy()
    local[:, _PELVIS] = _chain(_rot(2, motion.heading), _rot(1, motion.pelvis_pitch),
                               _rot(0, motion.pelvis_roll))
    for side, (hip, knee, ankle, _, _) in enumerate(_LEG):
        sign = _LATERAL[side]
        local[:, hip] = _chain(_rot(1, -motion.hip_flex[:, side]), _rot(0, sign * motion.hip_abd[:, side]),
                               _rot(2, sign * motion.hip_rot[:, side]))
        local[:, knee] = _rot(1, motion.knee[:, side])
        local[:, ankle] = _rot(1, -motion.ankle[:, side])
    for joint, share in ((_SPINE_BASE, 0.4), (_SPINE, 0.6)):
        local[:, joint] = _chain(_rot(2, share * motion.spine_twist), _rot(1, 0.5 * motion.spine_bend),
                                 _rot(0, -0.5 * motion.spine_side))
    local[:, _THORAX], local[:, _NOSE] = _neck_rotations(motion)
    for side, (_, shoulder, elbow, wrist, *_) in enumerate(_ARM):
        target = motion.wrist_target[:, side] - body.offsets[shoulder]
        local[:, shoulder], flex = _arm_ik(target, motion.elbow_pole[:, side], body.upper_arm, body.forearm)
        local[:, elbow] = _rot(1, -flex)
        local[:, wrist] = _rot(1, -motion.wrist_flex[:, side])
    return local


def _forward_kinematics(local: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Joint positions (T, 32, 3) metres relative to the root, world-aligned axes.

    local: (T, 32, 3, 3) rotations at each joint relative to its parent; offsets: (32, 3) metres.
    """
    frames = local.shape[0]
    rotations = np.empty_like(local)
    positions = np.zeros((frames, 32, 3))
    for joint, parent in enumerate(SKELETON32.parents):
        if parent < 0:
            rotations[:, joint] = local[:, joint]
            continue
        positions[:, joint] = positions[:, parent] + rotations[:, parent] @ offsets[joint]
        rotations[:, joint] = rotations[:, parent] @ local[:, joint]
    return positions


def _pose(motion: _Motion, body: _Body, ground_clearance: float) -> np.ndarray:
    """(T, 32, 3) metres, programme frame: the posed body standing on the floor (lowest foot joint at
    z = ``ground_clearance``), pelvis over ``root_xy`` (or the ankles planted, see ``_Motion.plant_feet``)."""
    relative = _forward_kinematics(_local_rotations(motion, body), body.offsets)
    shift = np.zeros((motion.frames, 3))
    shift[:, :2] = motion.root_xy
    if motion.plant_feet:
        ankles = relative[:, [_LEG[_RIGHT][2], _LEG[_LEFT][2]], :2].mean(axis=1)
        shift[:, :2] -= ankles - ankles[:1]
    shift[:, 2] = ground_clearance - relative[:, list(_FOOT_JOINTS), 2].min(axis=1)
    return relative + shift[:, None, :]


# --------------------------------------------------------------------------------------------------------
# Signals


def _smoothstep(x: np.ndarray) -> np.ndarray:
    """Quintic ease 0 -> 1 over x in [0, 1] (zero velocity and acceleration at both ends), clipped."""
    x = np.clip(x, 0.0, 1.0)
    return x * x * x * (x * (6.0 * x - 15.0) + 10.0)


def _keyframes(t: np.ndarray, times: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Ease between key values: (K,) increasing times (s), (K, ...) values -> (T, ...) at times ``t``.

    Held before the first and after the last key; a key repeated at two times is held between them.
    """
    times = np.asarray(times, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    index = np.clip(np.searchsorted(times, t, side="right") - 1, 0, len(times) - 2)
    span = np.maximum(times[index + 1] - times[index], 1e-9)
    ease = _smoothstep((t - times[index]) / span).reshape(-1, *([1] * (values.ndim - 1)))
    return values[index] + ease * (values[index + 1] - values[index])


def _blend_targets(start: np.ndarray, end: np.ndarray, weight: np.ndarray, origin: np.ndarray) -> np.ndarray:
    """Move hand targets (..., 3) from ``start`` to ``end`` by ``weight`` (T,) in [0, 1], swinging around
    ``origin`` (3,) (the shoulder): direction and distance are blended, not the points, so the hand does not
    pass through the shoulder."""
    weight = np.asarray(weight)[:, None]
    start_vec, end_vec = start - origin, end - origin
    start_len = np.linalg.norm(start_vec, axis=-1, keepdims=True)
    end_len = np.linalg.norm(end_vec, axis=-1, keepdims=True)
    direction = (1.0 - weight) * start_vec / start_len + weight * end_vec / end_len
    direction /= np.maximum(np.linalg.norm(direction, axis=-1, keepdims=True), 1e-9)
    return origin + direction * ((1.0 - weight) * start_len + weight * end_len)


def _keyed_targets(t: np.ndarray, times: np.ndarray, targets: np.ndarray, origin: np.ndarray) -> np.ndarray:
    """Like ``_keyframes`` for hand targets (K, 3) -> (T, 3), blending around ``origin`` (the shoulder)."""
    times = np.asarray(times, dtype=np.float64)
    index = np.clip(np.searchsorted(times, t, side="right") - 1, 0, len(times) - 2)
    span = np.maximum(times[index + 1] - times[index], 1e-9)
    ease = _smoothstep((t - times[index]) / span)
    return _blend_targets(targets[index], targets[index + 1], ease, origin)


def _wobble(rng: np.random.Generator, t: np.ndarray, frequency: float, dims: int = 1) -> np.ndarray:
    """(T, dims) smooth random signal of unit-order amplitude: three sinusoids per dimension around
    ``frequency`` Hz with random phases (RMS about 0.5)."""
    freqs = frequency * rng.uniform(0.6, 1.6, size=(3, dims))
    phases = rng.uniform(0.0, 2.0 * np.pi, size=(3, dims))
    weights = np.array([0.5, 0.3, 0.2])[:, None]
    signal = (weights[None] * np.sin(2.0 * np.pi * freqs[None] * t[:, None, None] + phases[None])).sum(axis=1)
    return signal


def _pulse(cycle: np.ndarray, rise: float, hold: float, fall: float) -> np.ndarray:
    """A smooth pulse over a cycle position in [0, 1): 0 -> 1 over ``rise``, held ``hold``, -> 0 over
    ``fall`` (fractions of the cycle), then 0."""
    return _smoothstep(cycle / rise) - _smoothstep((cycle - rise - hold) / fall)


def _periodic_bump(phase: np.ndarray, centre: float, width: float) -> np.ndarray:
    """Gaussian bump on the gait cycle: ``phase`` in cycles (any real), centre/width in cycles."""
    distance = (phase - centre + 0.5) % 1.0 - 0.5
    return np.exp(-0.5 * (distance / width) ** 2)


def _degrees(value: float | np.ndarray) -> np.ndarray:
    return np.radians(value)


# --------------------------------------------------------------------------------------------------------
# Motion building blocks


def _arc_path(t: np.ndarray, speed: np.ndarray, radius: float, turn: float,
              start_angle: float) -> tuple[np.ndarray, np.ndarray]:
    """Walk along a circle of ``radius`` m around the origin at ``speed`` (T,) m/s, turning ``turn`` = +1
    (counter-clockwise) or -1. Returns root_xy (T, 2) metres and heading (T,) radians (the path tangent)."""
    distance = np.concatenate([[0.0], np.cumsum(speed[:-1])]) / FPS
    angle = start_angle + turn * distance / radius
    root_xy = radius * np.stack([np.cos(angle), np.sin(angle)], axis=-1)
    return root_xy, angle + turn * np.pi / 2.0


def _gait_phase(t: np.ndarray, speed: np.ndarray, body: _Body, rng: np.random.Generator) -> np.ndarray:
    """(T,) gait cycle position in cycles: advances by one stride (~1.45 leg lengths) of travel."""
    stride = 1.45 * body.leg * rng.uniform(0.92, 1.08)
    travelled = np.concatenate([[0.0], np.cumsum(speed[:-1])]) / FPS
    return rng.uniform(0.0, 1.0) + travelled / stride


def _apply_gait(motion: _Motion, body: _Body, phase: np.ndarray, amplitude: np.ndarray | float,
                arm_swing: float) -> None:
    """Walking legs, pelvis and arm swing for gait ``phase`` (T,) cycles; ``amplitude`` (T,) or scalar in
    [0, 1] scales every excursion (0: standing). Right heel strike at phase 0, left at 0.5."""
    amplitude = np.broadcast_to(np.asarray(amplitude, dtype=np.float64), phase.shape)
    for side, offset in ((_RIGHT, 0.0), (_LEFT, 0.5)):
        cycle = phase + offset
        hip = amplitude * _degrees(8.0 + 22.0 * np.cos(2.0 * np.pi * cycle))
        knee = _degrees(3.0) + amplitude * _degrees(
            13.0 * _periodic_bump(cycle, 0.15, 0.07) + 55.0 * _periodic_bump(cycle, 0.72, 0.09))
        push_off = amplitude * _degrees(12.0) * _periodic_bump(cycle, 0.58, 0.06)
        motion.hip_flex[:, side] = hip
        motion.knee[:, side] = knee
        # The foot stays flat in stance (ankle = knee - hip), toes point down a little in swing.
        motion.ankle[:, side] = np.clip(knee - hip, _degrees(-20.0), _degrees(20.0)) - push_off
    right_cycle = 2.0 * np.pi * phase
    pelvis_yaw = amplitude * _degrees(5.0) * np.cos(right_cycle)
    motion.heading = motion.heading + pelvis_yaw
    motion.spine_twist = motion.spine_twist - 1.8 * pelvis_yaw  # shoulders counter-rotate
    motion.pelvis_roll = motion.pelvis_roll + amplitude * _degrees(3.0) * np.sin(2.0 * right_cycle)
    for side, opposite_offset in ((_RIGHT, 0.5), (_LEFT, 0.0)):
        # An arm swings forward with the opposite leg.
        forward = arm_swing * amplitude * np.cos(2.0 * np.pi * (phase + opposite_offset))
        length = 0.95 * body.reach
        target = np.stack([forward + 0.03, np.full_like(forward, _LATERAL[side] * 0.06),
                           -np.sqrt(length**2 - forward**2)], axis=-1)
        motion.wrist_target[:, side] = body.shoulder(side) + target
        motion.elbow_pole[:, side] = _BACK_POLE[side]


def _apply_weight_shift(motion: _Motion, t: np.ndarray, rng: np.random.Generator, amount: float) -> None:
    """Slow shifts of the weight from leg to leg: the unloaded knee bends, the pelvis tilts."""
    shift = _wobble(rng, t, rng.uniform(0.12, 0.25))[:, 0] * 2.0 * amount
    motion.knee[:, _RIGHT] += _degrees(10.0) * np.clip(shift, 0.0, 1.0)
    motion.knee[:, _LEFT] += _degrees(10.0) * np.clip(-shift, 0.0, 1.0)
    motion.ankle[:, _RIGHT] += _degrees(5.0) * np.clip(shift, 0.0, 1.0)
    motion.ankle[:, _LEFT] += _degrees(5.0) * np.clip(-shift, 0.0, 1.0)
    motion.pelvis_roll += _degrees(3.0) * shift
    motion.spine_side -= _degrees(2.0) * shift


def _apply_squat(motion: _Motion, knee: np.ndarray, pelvis_pitch: np.ndarray) -> None:
    """Bend both knees by ``knee`` (T,) with the pelvis pitched ``pelvis_pitch`` (T,) and the hips over
    the feet: hip flexion = pitch + knee / 2, ankle flexion = knee / 2 (the shank and thigh lean equally)."""
    motion.pelvis_pitch = motion.pelvis_pitch + pelvis_pitch
    for side in (_RIGHT, _LEFT):
        motion.knee[:, side] = _degrees(3.0) + knee
        motion.hip_flex[:, side] = pelvis_pitch + knee / 2.0
        motion.ankle[:, side] = _degrees(3.0) + knee / 2.0


def _apply_seated(motion: _Motion, weight: np.ndarray, rng: np.random.Generator, t: np.ndarray) -> None:
    """Blend the legs into a seated pose on a knee-high chair by ``weight`` (T,) in [0, 1]: thighs level,
    shanks about vertical, feet flat (ankle = pitch - hip + knee)."""
    spread = rng.uniform(5.0, 15.0)
    for side in (_RIGHT, _LEFT):
        knee = _degrees(rng.uniform(80.0, 100.0)) + _degrees(6.0) * _wobble(rng, t, 0.15)[:, 0]
        hip = _degrees(90.0) + motion.pelvis_pitch
        motion.knee[:, side] = (1.0 - weight) * motion.knee[:, side] + weight * knee
        motion.hip_flex[:, side] = (1.0 - weight) * motion.hip_flex[:, side] + weight * hip
        motion.hip_abd[:, side] += weight * _degrees(spread)
        flat = motion.pelvis_pitch - motion.hip_flex[:, side] + motion.knee[:, side]
        motion.ankle[:, side] = (1.0 - weight) * motion.ankle[:, side] + weight * flat


def _look_around(motion: _Motion, t: np.ndarray, rng: np.random.Generator, reach: float, hold: float) -> None:
    """Head yaw between random directions within +-``reach`` degrees, each held about ``hold`` seconds."""
    count = max(2, int(t[-1] / hold) + 2)
    times = np.cumsum(rng.uniform(0.6, 1.4, size=count) * hold) - hold
    yaws = _degrees(rng.uniform(-reach, reach, size=count))
    motion.head_yaw = motion.head_yaw + _keyframes(t, times, yaws)
    motion.neck_pitch = motion.neck_pitch + _degrees(5.0) * _wobble(rng, t, 0.2)[:, 0]


# Hand positions in the thorax frame (relative to the thorax joint), functions of the body.
def _mouth_target(motion: _Motion, body: _Body, side: int) -> np.ndarray:
    """(T, 3) wrist position that puts the fingers at the mouth (follows the head)."""
    return _head_point(motion, body, np.array([0.10, _LATERAL[side] * 0.04, -0.12]))


def _ear_target(motion: _Motion, body: _Body, side: int) -> np.ndarray:
    """(T, 3) wrist position holding a phone at the ear on ``side`` (follows the head)."""
    return _head_point(motion, body, np.array([0.0, _LATERAL[side] * 0.10, -0.10]))


def _crossed_target(body: _Body, side: int) -> np.ndarray:
    """(3,) wrist of an arm folded across the chest, the hand near the other elbow."""
    other = body.shoulder(1 - side)
    return np.array([0.17, other[1] * 0.9, -0.27 * body.arm_scale])


# --------------------------------------------------------------------------------------------------------
# The 15 motion programmes: (t (T,) seconds, rng, body) -> _Motion in the programme frame


def _walking(t: np.ndarray, rng: np.random.Generator, body: _Body) -> _Motion:
    motion = _Motion.neutral(len(t), body)
    motion.plant_feet = False
    speed = rng.uniform(1.05, 1.35) * (1.0 + 0.06 * _wobble(rng, t, 0.2)[:, 0])
    motion.root_xy, motion.heading = _arc_path(t, speed, rng.uniform(0.8, 1.0), rng.choice([-1.0, 1.0]),
                                              rng.uniform(0.0, 2.0 * np.pi))
    _apply_gait(motion, body, _gait_phase(t, speed, body, rng), 1.0, rng.uniform(0.15, 0.25))
    motion.spine_bend += _degrees(rng.uniform(2.0, 6.0))
    motion.head_yaw += _degrees(8.0) * _wobble(rng, t, 0.3)[:, 0]
    return motion


def _walk_dog(t: np.ndarray, rng: np.random.Generator, body: _Body) -> _Motion:
    motion = _Motion.neutral(len(t), body)
    motion.plant_feet = False
    duration = t[-1]
    stop_start = rng.uniform(0.3, 0.55) * duration
    stop_length = rng.uniform(0.2, 0.3) * duration
    ramp = 0.4
    moving = 1.0 - _smoothstep((t - stop_start) / ramp) + _smoothstep((t - stop_start - stop_length) / ramp)
    speed = rng.uniform(0.7, 0.95) * moving * (1.0 + 0.08 * _wobble(rng, t, 0.3)[:, 0])
    motion.root_xy, motion.heading = _arc_path(t, speed, rng.uniform(0.7, 0.95), rng.choice([-1.0, 1.0]),
                                              rng.uniform(0.0, 2.0 * np.pi))
    _apply_gait(motion, body, _gait_phase(t, speed, body, rng), 0.8 * moving, rng.uniform(0.08, 0.15))
    leash = int(rng.integers(2))
    tug = 0.04 * _wobble(rng, t, 0.8, dims=3)
    motion.wrist_target[:, leash] = body.shoulder(leash) + np.array(
        [0.32 * body.arm_scale, _LATERAL[leash] * 0.08, -0.30 * body.arm_scale]) + tug
    motion.elbow_pole[:, leash] = np.array([-1.0, _LATERAL[leash] * 0.5, -0.6])
    motion.neck_pitch += _degrees(rng.uniform(10.0, 20.0))
    motion.head_yaw += _degrees(15.0) * _wobble(rng, t, 0.25)[:, 0]
    return motion


def _walk_together(t: np.ndarray, rng: np.random.Generator, body: _Body) -> _Motion:
    motion = _Motion.neutral(len(t), body)
    motion.plant_feet = False
    speed = rng.uniform(0.8, 1.0) * (1.0 + 0.05 * _wobble(rng, t, 0.2)[:, 0])
    turn = rng.choice([-1.0, 1.0])
    motion.root_xy, motion.heading = _arc_path(t, speed, rng.uniform(0.8, 1.0), turn,
                                              rng.uniform(0.0, 2.0 * np.pi))
    _apply_gait(motion, body, _gait_phase(t, speed, body, rng), 0.8, rng.uniform(0.06, 0.12))
    # The partner walks on the inside of the turn half of the time; the head turns to them, talking.
    partner = turn if rng.uniform() < 0.5 else -turn
    motion.head_yaw += (partner * _degrees(rng.uniform(25.0, 45.0))
                        + _degrees(8.0) * _wobble(rng, t, 0.3)[:, 0])
    motion.spine_twist += partner * _degrees(rng.uniform(4.0, 10.0))
    return motion


def _sitting_down(t: np.ndarray, rng: np.random.Generator, body: _Body) -> _Motion:
    motion = _Motion.neutral(len(t), body)
    duration = t[-1]
    start = rng.uniform(0.15, 0.3) * duration
    length = min(rng.uniform(1.2, 1.8), 0.45 * duration)
    progress = _smoothstep((t - start) / length)
    lean = np.sin(np.pi * progress) ** 1.5
    _apply_weight_shift(motion, t, rng, 0.5 * (1.0 - progress))
    motion.pelvis_pitch += _degrees(rng.uniform(20.0, 30.0)) * lean
    motion.spine_bend += _degrees(rng.uniform(15.0, 25.0)) * lean - _degrees(5.0) * progress
    _apply_seated(motion, progress, rng, t)
    for side in (_RIGHT, _LEFT):
        # Arms reach forward for balance on the way down, then rest on the thighs.
        forward = body.shoulder(side) + np.array([0.35, _LATERAL[side] * 0.05, -0.35]) * body.arm_scale
        on_thigh = np.array([0.30, _LATERAL[side] * 0.13, -0.50]) * body.arm_scale
        rest = _blend_targets(forward[None], on_thigh[None], _smoothstep((progress - 0.5) / 0.5),
                              body.shoulder(side))
        motion.wrist_target[:, side] = _blend_targets(motion.wrist_target[:, side], rest, np.sin(
            0.5 * np.pi * progress), body.shoulder(side))
        motion.elbow_pole[:, side] = _BACK_POLE[side]
    motion.neck_pitch += _degrees(10.0) * lean
    return motion


def _sitting(t: np.ndarray, rng: np.random.Generator, body: _Body) -> _Motion:
    motion = _Motion.neutral(len(t), body)
    motion.pelvis_pitch += _degrees(rng.uniform(-8.0, 5.0)) + _degrees(6.0) * _wobble(rng, t, 0.2)[:, 0]
    motion.spine_bend += _degrees(rng.uniform(0.0, 10.0)) + _degrees(8.0) * _wobble(rng, t, 0.25)[:, 0]
    motion.spine_twist += _degrees(10.0) * _wobble(rng, t, 0.2)[:, 0]
    _apply_seated(motion, np.ones_like(t), rng, t)
    gesturing = int(rng.integers(2))
    for side in (_RIGHT, _LEFT):
        on_thigh = np.array([0.30, _LATERAL[side] * 0.13, -0.48]) * body.arm_scale
        motion.wrist_target[:, side] = on_thigh
    scale = body.arm_scale
    centre = body.shoulder(gesturing) + np.array([0.30, _LATERAL[gesturing] * 0.05, -0.25]) * scale
    gesture = centre + np.array([0.10, 0.10, 0.12]) * _wobble(rng, t, rng.uniform(0.4, 0.8), dims=3)
    activity = _smoothstep(_wobble(rng, t, 0.15)[:, 0] * 3.0 + 0.5)
    motion.wrist_target[:, gesturing] = _blend_targets(motion.wrist_target[:, gesturing], gesture, activity,
                                                       body.shoulder(gesturing))
    _look_around(motion, t, rng, 40.0, 1.5)
    return motion


def _eating(t: np.ndarray, rng: np.random.Generator, body: _Body) -> _Motion:
    motion = _Motion.neutral(len(t), body)
    seated = rng.uniform() < 0.5
    motion.neck_pitch += _degrees(rng.uniform(8.0, 15.0))
    if seated:
        motion.pelvis_pitch += _degrees(rng.uniform(0.0, 8.0))
        _apply_seated(motion, np.ones_like(t), rng, t)
    else:
        _apply_weight_shift(motion, t, rng, 0.6)
    hand = int(rng.integers(2))
    plate = 1 - hand
    plate_target = body.shoulder(plate) + np.array([0.30, -_LATERAL[plate] * 0.10, -0.30]) * body.arm_scale
    motion.wrist_target[:, plate] = plate_target
    rest = body.shoulder(hand) + np.array([0.30, -_LATERAL[hand] * 0.08, -0.32]) * body.arm_scale
    period = rng.uniform(2.0, 3.0)
    cycle = (t / period + rng.uniform()) % 1.0
    to_mouth = _pulse(cycle, 0.25, 0.15, 0.25)
    motion.head_pitch -= _degrees(8.0) * to_mouth
    motion.wrist_target[:, hand] = _blend_targets(np.broadcast_to(rest, (len(t), 3)),
                                                  _mouth_target(motion, body, hand), to_mouth,
                                                  body.shoulder(hand))
    motion.elbow_pole[:, hand] = _DOWN_OUT_POLE[hand]
    motion.elbow_pole[:, plate] = _DOWN_OUT_POLE[plate]
    motion.wrist_flex[:, hand] = _degrees(30.0) * to_mouth
    return motion


def _smoking(t: np.ndarray, rng: np.random.Generator, body: _Body) -> _Motion:
    motion = _Motion.neutral(len(t), body)
    _apply_weight_shift(motion, t, rng, 0.8)
    _look_around(motion, t, rng, 30.0, 2.0)
    hand = int(rng.integers(2))
    other = 1 - hand
    # The other forearm lies across the belly and holds the smoking arm's elbow.
    motion.wrist_target[:, other] = np.array([0.17, _LATERAL[hand] * 0.10, -0.36]) * body.arm_scale
    motion.elbow_pole[:, other] = _BACK_POLE[other]
    rest = np.array([0.22, _LATERAL[hand] * 0.12, -0.30]) * body.arm_scale
    period = rng.uniform(4.0, 6.0)
    cycle = (t / period + rng.uniform()) % 1.0
    to_mouth = _pulse(cycle, 0.25, 0.2, 0.25)
    motion.wrist_target[:, hand] = _blend_targets(np.broadcast_to(rest, (len(t), 3)),
                                                  _mouth_target(motion, body, hand), to_mouth,
                                                  body.shoulder(hand))
    motion.elbow_pole[:, hand] = _DOWN_OUT_POLE[hand]
    motion.wrist_flex[:, hand] = _degrees(20.0)
    return motion


def _phoning(t: np.ndarray, rng: np.random.Generator, body: _Body) -> _Motion:
    motion = _Motion.neutral(len(t), body)
    motion.plant_feet = False
    # Pacing slowly around a small circle, pausing now and then.
    moving = _smoothstep(_wobble(rng, t, 0.15)[:, 0] * 3.0 + 0.6)
    speed = rng.uniform(0.25, 0.4) * moving
    motion.root_xy, motion.heading = _arc_path(t, speed, rng.uniform(0.3, 0.45), rng.choice([-1.0, 1.0]),
                                              rng.uniform(0.0, 2.0 * np.pi))
    _apply_gait(motion, body, _gait_phase(t, 2.2 * speed, body, rng), 0.45 * moving, 0.05)
    hand = int(rng.integers(2))
    motion.head_roll += -_LATERAL[hand] * _degrees(rng.uniform(3.0, 10.0))
    motion.neck_pitch += _degrees(rng.uniform(0.0, 12.0)) + _degrees(4.0) * _wobble(rng, t, 0.3)[:, 0]
    motion.head_yaw += _degrees(10.0) * _wobble(rng, t, 0.2)[:, 0]
    motion.wrist_target[:, hand] = _ear_target(motion, body, hand)
    motion.elbow_pole[:, hand] = np.array([0.4, _LATERAL[hand] * 0.7, -1.0])
    other = 1 - hand
    if rng.uniform() < 0.5:
        motion.wrist_target[:, other] = body.hip_side(other)
        motion.elbow_pole[:, other] = np.array([-0.5, _LATERAL[other], 0.0])
    return motion


def _photo(t: np.ndarray, rng: np.random.Generator, body: _Body) -> _Motion:
    motion = _Motion.neutral(len(t), body)
    count = max(3, int(t[-1] / 1.2) + 2)
    times = np.cumsum(rng.uniform(0.8, 1.6, size=count)) - 1.0
    depths = rng.uniform(0.0, 70.0, size=count) * (rng.uniform(size=count) < 0.7)
    crouch = _keyframes(t, times, _degrees(depths))
    _apply_squat(motion, crouch, 0.35 * crouch)
    motion.heading += _keyframes(t, times, _degrees(rng.uniform(-35.0, 35.0, size=count)))
    motion.spine_twist += _degrees(8.0) * _wobble(rng, t, 0.2)[:, 0]
    motion.spine_bend -= 0.3 * crouch  # keep the camera level while crouching
    motion.neck_pitch += _degrees(5.0) * _wobble(rng, t, 0.3)[:, 0]
    for side in (_RIGHT, _LEFT):
        # Both hands hold a camera in front of the face.
        camera_grip = np.array([0.18, _LATERAL[side] * 0.07, -0.08])
        motion.wrist_target[:, side] = _head_point(motion, body, camera_grip)
        motion.elbow_pole[:, side] = _DOWN_OUT_POLE[side]
        motion.wrist_flex[:, side] = _degrees(-20.0)
    return motion


def _greeting(t: np.ndarray, rng: np.random.Generator, body: _Body) -> _Motion:
    motion = _Motion.neutral(len(t), body)
    motion.plant_feet = False
    duration = t[-1]
    walk_end = rng.uniform(0.2, 0.3) * duration
    moving = 1.0 - _smoothstep((t - walk_end + 0.5) / 0.5)
    speed = rng.uniform(0.6, 0.8) * moving
    motion.root_xy[:, 0] = np.concatenate([[0.0], np.cumsum(speed[:-1])]) / FPS
    motion.heading += _degrees(rng.uniform(-10.0, 10.0))
    _apply_gait(motion, body, _gait_phase(t, speed, body, rng), moving, 0.12)
    hand = int(rng.integers(2))
    shoulder = body.shoulder(hand)
    wave_start = walk_end - 0.2
    wave_end = min(wave_start + rng.uniform(1.6, 2.6), duration - 0.6)
    raised = _smoothstep((t - wave_start) / 0.5) - _smoothstep((t - wave_end) / 0.5)
    frequency = rng.uniform(1.5, 2.5)
    sway = 0.11 * np.sin(2.0 * np.pi * frequency * t)
    scale = body.arm_scale
    wave = shoulder + np.stack([np.full_like(t, 0.12), _LATERAL[hand] * (0.22 + sway), np.full_like(t, 0.30)],
                               axis=-1) * scale
    # After the wave, a hand stretched out to shake.
    shake = shoulder + np.array([0.45, -_LATERAL[hand] * 0.05, -0.20]) * scale
    after = _smoothstep((t - wave_end - 0.2) / 0.6)
    motion.wrist_target[:, hand] = _blend_targets(
        _blend_targets(motion.wrist_target[:, hand], wave, raised, shoulder),
        np.broadcast_to(shake, (len(t), 3)), after, shoulder)
    motion.elbow_pole[:, hand] = _blend_targets(
        np.broadcast_to(_BACK_POLE[hand], (len(t), 3)),
        np.broadcast_to(np.array([0.0, _LATERAL[hand], -1.0]), (len(t), 3)), raised, np.zeros(3))
    motion.head_yaw += _degrees(rng.uniform(-15.0, 15.0))
    motion.neck_pitch -= _degrees(5.0) * raised
    return motion


def _pose_library(body: _Body) -> list[dict[str, np.ndarray]]:
    """Static key poses for Posing: fields of ``_Motion`` (one frame each), missing fields neutral."""
    scale = body.arm_scale
    sh = [body.shoulder(side) for side in (_RIGHT, _LEFT)]
    lat = _LATERAL

    def arms(right: np.ndarray, left: np.ndarray, right_pole: np.ndarray, left_pole: np.ndarray,
             ) -> dict[str, np.ndarray]:
        return {"wrist_target": np.stack([right, left]), "elbow_pole": np.stack([right_pole, left_pole])}

    hips = [body.hip_side(side) for side in (_RIGHT, _LEFT)]
    hip_pole = [np.array([-0.5, lat[side], 0.0]) for side in (_RIGHT, _LEFT)]
    # Straight arms: 0.995 of the reach leaves the elbows bent by ~10 degrees.
    out = [sh[side] + 0.995 * body.reach * np.array([0.0, lat[side], 0.04]) for side in (_RIGHT, _LEFT)]
    up = [sh[side] + 0.99 * body.reach * np.array([0.15, lat[side] * 0.45, 0.88]) for side in (_RIGHT, _LEFT)]
    flex = [sh[side] + np.array([0.05, lat[side] * body.upper_arm, 0.9 * body.forearm])
            for side in (_RIGHT, _LEFT)]
    behind_head = [np.array([-0.06, lat[side] * 0.10, 0.20]) * scale for side in (_RIGHT, _LEFT)]
    up_pole = [np.array([0.2, lat[side], 0.3]) for side in (_RIGHT, _LEFT)]
    back = list(_BACK_POLE)
    wide = {"hip_abd": np.radians([12.0, 12.0]), "hip_rot": np.radians([15.0, 15.0])}
    lunge = {"hip_flex": np.radians([45.0, -12.0]), "knee": np.radians([70.0, 8.0]),
             "ankle": np.radians([25.0, 12.0]), "pelvis_pitch": np.radians(5.0)}
    return [
        {**arms(hips[0], hips[1], hip_pole[0], hip_pole[1]), **wide},
        {**arms(out[0], out[1], back[0], back[1]), **wide},
        {**arms(up[0], up[1], back[0], back[1]), "spine_bend": np.radians(-5.0),
         "head_pitch": np.radians(-15.0)},
        {**arms(flex[0], flex[1], _DOWN_OUT_POLE[0], _DOWN_OUT_POLE[1]), **wide},
        {**arms(behind_head[0], hips[1], up_pole[0], hip_pole[1]), "spine_side": np.radians(8.0)},
        {**arms(_crossed_target(body, 0), _crossed_target(body, 1), back[0], back[1]),
         "head_yaw": np.radians(25.0)},
        {**arms(sh[0] + np.array([0.35, -0.05, -0.35]) * scale, sh[1] + np.array([0.35, 0.05, -0.35]) * scale,
                back[0], back[1]), **lunge},
        {**arms(up[0], hips[1], back[0], hip_pole[1]), "spine_side": np.radians(-12.0),
         "hip_abd": np.radians([10.0, 10.0])},
    ]


def _apply_key_poses(motion: _Motion, body: _Body, t: np.ndarray, times: np.ndarray,
                     poses: list[dict[str, np.ndarray]]) -> None:
    """Ease ``motion`` through key ``poses`` at key ``times`` (K,) seconds; a field a pose leaves out takes
    the motion's first-frame value. Hand targets swing around the shoulders."""
    fields = sorted({name for pose in poses for name in pose})
    for name in fields:
        neutral = getattr(motion, name)[0]
        values = np.stack([np.asarray(pose.get(name, neutral), dtype=np.float64) for pose in poses])
        if name == "wrist_target":
            keyed = np.stack([_keyed_targets(t, times, values[:, side], body.shoulder(side))
                              for side in (_RIGHT, _LEFT)], axis=1)
        else:
            keyed = _keyframes(t, times, values)
        setattr(motion, name, keyed)


def _hold_times(t: np.ndarray, weights: np.ndarray, rng: np.random.Generator,
                transition: float) -> np.ndarray:
    """(2 * K,) key times holding K poses over the trial, hold lengths in proportion to ``weights`` (K,)
    (jittered by +-30 %), ``transition`` s between consecutive poses."""
    duration = t[-1] + 1.0 / FPS
    holds = np.asarray(weights, dtype=np.float64) * rng.uniform(0.7, 1.3, size=len(weights))
    transition = min(transition, 0.5 * duration / len(weights))
    holds *= (duration - transition * (len(weights) - 1)) / holds.sum()
    starts = np.concatenate([[0.0], np.cumsum(holds[:-1] + transition)])
    return np.stack([starts, starts + holds], axis=-1).reshape(-1)


def _posing(t: np.ndarray, rng: np.random.Generator, body: _Body) -> _Motion:
    motion = _Motion.neutral(len(t), body)
    library = _pose_library(body)
    count = 3 if t[-1] < 5.0 else 4
    chosen = rng.choice(len(library), size=count, replace=False)
    poses = []
    for index in chosen:
        pose = dict(library[index])
        pose["spine_twist"] = np.radians(rng.uniform(-15.0, 15.0))
        pose["head_yaw"] = pose.get("head_yaw", 0.0) + np.radians(rng.uniform(-20.0, 20.0))
        poses.extend([pose, pose])
    _apply_key_poses(motion, body, t, _hold_times(t, np.ones(count), rng, 0.5), poses)
    return motion


def _purchases(t: np.ndarray, rng: np.random.Generator, body: _Body) -> _Motion:
    motion = _Motion.neutral(len(t), body)
    scale = body.arm_scale
    count = 4  # stand, bend and pick up, hold it up to look, put it in a bag at the side
    both = rng.uniform() < 0.5
    hand = int(rng.integers(2))
    knee = rng.uniform(20.0, 60.0)
    stand = {"knee": np.radians([3.0, 3.0])}
    bend = {"pelvis_pitch": np.radians(rng.uniform(25.0, 40.0)),
            "spine_bend": np.radians(rng.uniform(30.0, 45.0)), "neck_pitch": np.radians(15.0)}
    bend["knee"] = np.radians([knee, knee]) + np.radians(3.0)
    bend["hip_flex"] = bend["pelvis_pitch"] + np.radians([knee, knee]) / 2.0
    bend["ankle"] = np.radians([knee, knee]) / 2.0 + np.radians(3.0)
    reach_down = [body.shoulder(side) + np.array([0.25, -_LATERAL[side] * 0.05, -0.46]) * scale
                  for side in (_RIGHT, _LEFT)]
    look = [body.shoulder(side) + np.array([0.35, -_LATERAL[side] * 0.12, -0.20]) * scale
            for side in (_RIGHT, _LEFT)]
    bag = body.shoulder(hand) + np.array([0.05, _LATERAL[hand] * 0.15, -0.48]) * scale
    hanging = [_hanging_target(body, side) for side in (_RIGHT, _LEFT)]

    def hands(chosen: np.ndarray, other: np.ndarray) -> np.ndarray:
        targets = [other, other]
        targets[hand] = chosen
        return np.stack(targets)

    poses = [
        {**stand, "wrist_target": np.stack(hanging)},
        {**bend,
         "wrist_target": np.stack(reach_down) if both else hands(reach_down[hand], hanging[1 - hand])},
        {**stand, "wrist_target": np.stack(look) if both else hands(look[hand], hanging[1 - hand]),
         "neck_pitch": np.radians(20.0)},
        {**stand, "wrist_target": hands(bag, hanging[1 - hand]),
         "spine_side": _LATERAL[hand] * np.radians(8.0)},
    ][: count]
    start = rng.integers(count)
    poses = [poses[(start + k) % count] for k in range(count)]
    keyed = [pose for pose in poses for _ in (0, 1)]
    _apply_key_poses(motion, body, t, _hold_times(t, np.ones(count), rng, 0.7), keyed)
    _look_around(motion, t, rng, 15.0, 2.0)
    return motion


def _waiting(t: np.ndarray, rng: np.random.Generator, body: _Body) -> _Motion:
    motion = _Motion.neutral(len(t), body)
    _apply_weight_shift(motion, t, rng, 1.0)
    _look_around(motion, t, rng, 60.0, 1.2)
    style = int(rng.integers(3))
    for side in (_RIGHT, _LEFT):
        if style == 0:
            motion.wrist_target[:, side] = _crossed_target(body, side)
        elif style == 1:
            motion.wrist_target[:, side] = body.hip_side(side)
            motion.elbow_pole[:, side] = np.array([-0.5, _LATERAL[side], 0.0])
        else:  # hands clasped behind the back
            motion.wrist_target[:, side] = np.array([-0.22, _LATERAL[side] * 0.04, -0.40]) * body.arm_scale
            motion.elbow_pole[:, side] = np.array([-0.3, _LATERAL[side], -0.5])
    motion.spine_twist += _degrees(6.0) * _wobble(rng, t, 0.2)[:, 0]
    return motion


def _discussion(t: np.ndarray, rng: np.random.Generator, body: _Body) -> _Motion:
    motion = _Motion.neutral(len(t), body)
    _apply_weight_shift(motion, t, rng, 0.8)
    twist = _degrees(rng.uniform(12.0, 25.0)) * _wobble(rng, t, 0.2)[:, 0] * 2.0
    motion.spine_twist += twist
    motion.head_yaw += 0.8 * twist + _degrees(10.0) * _wobble(rng, t, 0.3)[:, 0]
    motion.neck_pitch += _degrees(6.0) * _wobble(rng, t, 0.4)[:, 0]
    scale = body.arm_scale
    for side in (_RIGHT, _LEFT):
        centre = body.shoulder(side) + np.array([0.28, -_LATERAL[side] * 0.02, -0.28]) * scale
        swing = _wobble(rng, t, rng.uniform(0.5, 1.0), dims=3)
        gesture = centre + np.array([0.10, 0.12, 0.16]) * scale * swing
        activity = _smoothstep(_wobble(rng, t, 0.2)[:, 0] * 3.0 + 0.6)
        motion.wrist_target[:, side] = _blend_targets(motion.wrist_target[:, side], gesture, activity,
                                                      body.shoulder(side))
        motion.elbow_pole[:, side] = _DOWN_OUT_POLE[side]
    return motion


def _directions(t: np.ndarray, rng: np.random.Generator, body: _Body) -> _Motion:
    motion = _Motion.neutral(len(t), body)
    _apply_weight_shift(motion, t, rng, 0.5)
    count = 3 if t[-1] < 5.0 else 4
    hanging = np.stack([_hanging_target(body, side) for side in (_RIGHT, _LEFT)])
    rest = {"wrist_target": hanging, "spine_twist": np.asarray(0.0), "head_yaw": np.asarray(0.0),
            "head_pitch": np.asarray(0.0)}
    poses: list[dict[str, np.ndarray]] = [rest]
    for _ in range(count):
        azimuth = rng.uniform(15.0, 80.0) * rng.choice([-1.0, 1.0])
        elevation = np.radians(rng.uniform(-10.0, 30.0))
        side = _LEFT if azimuth > 0 else _RIGHT  # point with the arm on that side, never across the body
        twist = 0.4 * azimuth
        relative = np.radians(azimuth - twist)  # the arm points relative to the turned chest
        direction = np.array([np.cos(elevation) * np.cos(relative), np.cos(elevation) * np.sin(relative),
                              np.sin(elevation)])
        targets = hanging.copy()
        targets[side] = body.shoulder(side) + 0.995 * body.reach * direction  # straight (~10°)
        poses.extend([{"wrist_target": targets, "spine_twist": np.radians(twist),
                       "head_yaw": np.radians(0.5 * azimuth), "head_pitch": -0.5 * elevation}, rest])
    # Pointings are held about three times as long as the rests between them.
    weights = np.array([1.0 if index % 2 else 0.35 for index in range(len(poses))])
    times = _hold_times(t, weights, rng, 0.45)
    _apply_key_poses(motion, body, t, times, [pose for pose in poses for _ in (0, 1)])
    for side in (_RIGHT, _LEFT):
        motion.elbow_pole[:, side] = _BACK_POLE[side]
    return motion


_PROGRAMMES: dict[str, Callable[[np.ndarray, np.random.Generator, _Body], _Motion]] = {
    "Directions": _directions,
    "Discussion": _discussion,
    "Eating": _eating,
    "Greeting": _greeting,
    "Phoning": _phoning,
    "Photo": _photo,
    "Posing": _posing,
    "Purchases": _purchases,
    "Sitting": _sitting,
    "SittingDown": _sitting_down,
    "Smoking": _smoking,
    "Waiting": _waiting,
    "WalkDog": _walk_dog,
    "Walking": _walking,
    "WalkTogether": _walk_together,
}

# Where each action's length falls in [min_frames, max_frames] (before a per-trial jitter).
_LENGTH_FRACTION: dict[str, float] = {
    "Directions": 0.6, "Discussion": 0.5, "Eating": 0.5, "Greeting": 0.5, "Phoning": 0.5, "Photo": 0.5,
    "Posing": 0.7, "Purchases": 0.6, "Sitting": 0.4, "SittingDown": 0.9, "Smoking": 0.6, "Waiting": 0.4,
    "WalkDog": 0.6, "Walking": 0.4, "WalkTogether": 0.4,
}


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
    track = positions[:, _PELVIS, :2]
    middle = (track.min(axis=0) + track.max(axis=0)) / 2.0
    rotation = _rot(2, np.asarray(yaw))
    placed = (positions - np.array([*middle, 0.0])) @ rotation.T
    placed[..., :2] += centre
    return placed


def _trial_frames(action: str, config: SyntheticConfig, rng: np.random.Generator) -> int:
    fraction = np.clip(_LENGTH_FRACTION[action] + rng.uniform(-0.25, 0.25), 0.0, 1.0)
    return int(config.min_frames + round(fraction * (config.max_frames - config.min_frames)))


def perform_action(action: str, offsets: np.ndarray, frames: int, rng: np.random.Generator) -> np.ndarray:
    """(frames, 32, 3) metres, programme frame (z up, floor z = 0, near the origin): the body of bone
    ``offsets`` (32, 3) metres performing ``action``'s motion programme at 50 fps, drawing from ``rng``."""
    body = _Body(offsets)
    t = np.arange(frames) / FPS
    return _pose(_PROGRAMMES[action](t, rng, body), body, ground_clearance=rng.uniform(0.0, 0.01))


def _generate_trial(subject: str, action: str, trial: int, config: SyntheticConfig) -> np.ndarray:
    """(T, 32, 3) float32 metres, world frame: one trial, seen whole by all four cameras of ``subject``."""
    rng = np.random.default_rng([config.seed, ALL_SUBJECTS.index(subject), ACTIONS.index(action), trial])
    frames = _trial_frames(action, config, rng)
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


def generate_positions_3d(config: SyntheticConfig = SyntheticConfig()) -> dict[str, dict[str, np.ndarray]]:
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


# --------------------------------------------------------------------------------------------------------
# Files

CONFIG_FILE = "synthetic_config.json"
"""Written beside the data files: the SyntheticConfig they were generated with."""

_DETECTOR_STREAM = 1_000_003  # keeps the detector's random stream apart from the trials' streams


def metadata_2d() -> dict[str, object]:
    """The ``metadata`` entry of a 2D file: Human3.6M 17-joint layout and its left/right lists."""
    return {"layout_name": "h36m", "num_joints": SKELETON17.num_joints,
            "keypoints_symmetry": [list(SKELETON17.joints_left), list(SKELETON17.joints_right)]}


def _save_atomically(contents: dict[Path, dict[str, object]]) -> None:
    """Write each ``path -> arrays`` as a compressed npz (dicts pickled, as VideoPose3D does): all to
    temporary files beside their targets first, then renamed over the targets."""
    with ExitStack() as renames:  # every file written before the first rename; any failure renames none
        for path, arrays in contents.items():
            temporary = renames.enter_context(atomic_output(path))
            with temporary.open("wb") as stream:
                np.savez_compressed(stream, **arrays)


def write_synthetic_dataset(directory: str | Path, config: SyntheticConfig = SyntheticConfig(),
                            ) -> dict[str, Path]:
    """Generate the synthetic Human3.6M and write its three VideoPose3D files into ``directory`` (created
    if missing). Existing files of the same names are replaced atomically only in a directory that holds an
    embedded data set (its ``synthetic_config.json``); anywhere else they may be real Human3.6M files (from
    ``jointformer prepare``), so they are an OutputError naming the file, and nothing is written.

    Returns {"3d": data_3d_h36m.npz, "gt": data_2d_h36m_gt.npz, config.detector_name: its 2D file}.
    """
    if not isinstance(config, SyntheticConfig):
        raise ValueError(f"config must be a SyntheticConfig, got {type(config).__name__}")
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise OutputError(f"{directory} exists and is not a directory; give a directory for the data set")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"cannot create the data directory {directory}: "
                          f"{error.strerror or type(error).__name__}") from error
    targets = (directory / FILE_3D, directory / file_2d_name("gt"),
               directory / file_2d_name(config.detector_name))
    if not (directory / CONFIG_FILE).is_file():
        for path in targets:
            if path.exists():
                raise OutputError(f"{path} exists and is not part of an embedded data set (no {CONFIG_FILE} "
                                  f"beside it: real data?); it is not overwritten: give another directory")
    positions_3d = generate_positions_3d(config)
    positions_2d = project_positions_2d(positions_3d)
    detections = add_detector_noise(positions_2d, np.random.default_rng([config.seed, _DETECTOR_STREAM]))
    paths = dict(zip(("3d", "gt", config.detector_name), targets, strict=True))
    _save_atomically({
        paths["3d"]: {"positions_3d": positions_3d},
        paths["gt"]: {"positions_2d": positions_2d, "metadata": metadata_2d()},
        paths[config.detector_name]: {"positions_2d": detections, "metadata": metadata_2d()},
    })
    write_text_atomically(directory / CONFIG_FILE, json.dumps(asdict(config), indent=2) + "\n")
    return paths


def stored_synthetic_config(directory: str | Path) -> dict[str, object] | None:
    """The generation settings that :func:`write_synthetic_dataset` recorded in ``directory``
    (``synthetic_config.json``, fields of SyntheticConfig), or None when the directory has none."""
    path = Path(directory) / CONFIG_FILE
    if not path.is_file():
        return None
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise DataError(f"{path}: cannot be read as the data set's settings ({error}); delete the directory "
                        f"and let it be written again") from error
    if not isinstance(stored, dict):
        raise DataError(f"{path}: expected a JSON object of SyntheticConfig fields")
    return stored


def same_data(stored: dict[str, object], config: SyntheticConfig) -> bool:
    """Whether the recorded settings ``stored`` generate the same 3D and gt 2D data as ``config`` (the
    detector-like file's name does not change them)."""
    wanted = json.loads(json.dumps(asdict(config)))
    return all(stored.get(name) == value for name, value in wanted.items() if name != "detector_name")
