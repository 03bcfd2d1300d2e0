"""The synthetic subjects' bodies and their kinematics: bone offsets, pose parameters, joint positions.

Bodies are the 32-joint Human3.6M kinematic tree (``SKELETON32``) posed by forward kinematics from constant
per-subject bone offsets, so bone lengths are constant by construction. A :class:`Motion` holds one trial's
pose parameters per frame (joint angles, hand targets reached by two-bone inverse kinematics);
:func:`pose_body` turns it into joint positions standing on the floor.

Conventions:
- ``T`` frames, 32 mocap joints, named below (``PELVIS``, ``LEGS``, ``ARMS``, ...).
- Body frame (the root's and every joint's frame in the rest pose): x forward, y to the subject's left,
  z up. The rest pose stands upright with the arms hanging. Lengths are metres.
- Rotation matrices act on column vectors. ``R[j] = R[parent(j)] @ L[j]`` and
  ``p[j] = p[parent(j)] + R[parent(j)] @ offset[j]``: the rotation *at* a joint orients the bones that hang
  from it (the hip rotation orients the thigh).
- Angles are radians. Per-side arrays put the right side in column 0 and the left in column 1 (the
  Human3.6M order, ``RIGHT`` and ``LEFT``); ``LATERAL`` gives each side's sign along the body's y axis.
- Flexion angles are positive in the anatomical direction: hip flexion swings the thigh forward, knee
  flexion swings the shank backward, elbow flexion swings the forearm forward, ankle flexion lifts the toes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from jointformer.data.skeleton import SKELETON32

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

# --------------------------------------------------------------------------------------------------------
# The 32 mocap joints by name (SKELETON32 only numbers them). A bone is named by the joint it ends at: the
# knee's offset is the thigh.

RIGHT, LEFT = 0, 1
LATERAL = (-1.0, 1.0)  # body-frame y sign of each side
PELVIS, SPINE_BASE, SPINE, THORAX, NOSE, HEAD = 0, 11, 12, 13, 14, 15


class Leg(NamedTuple):
    """32-joint indices of one leg, from the hip down."""

    hip: int
    knee: int
    ankle: int
    toe: int  # the ball of the foot
    toe_tip: int


class Arm(NamedTuple):
    """32-joint indices of one arm, from the shoulder girdle out (the girdle joint coincides with the
    thorax, as in the mocap)."""

    girdle: int
    shoulder: int
    elbow: int
    wrist: int
    thumb: int
    thumb_tip: int
    hand: int
    hand_tip: int


LEGS = (Leg(1, 2, 3, 4, 5), Leg(6, 7, 8, 9, 10))  # [right, left]
ARMS = (Arm(24, 25, 26, 27, 28, 29, 30, 31), Arm(16, 17, 18, 19, 20, 21, 22, 23))  # [right, left]
_FOOT_JOINTS = tuple(joint for leg in LEGS for joint in (leg.ankle, leg.toe, leg.toe_tip))
# The bones each build deviation scales: legs (thighs and shanks), arms (upper arm to hand tip), torso
# (spine and shoulder girdles); shoulder and hip width scale the y offsets of the shoulders and hips.
_LEG_BONES = tuple(joint for leg in LEGS for joint in (leg.knee, leg.ankle))
_ARM_BONES = tuple(joint for arm in (ARMS[LEFT], ARMS[RIGHT])
                   for joint in (arm.elbow, arm.wrist, arm.thumb, arm.thumb_tip, arm.hand, arm.hand_tip))
_TORSO_BONES = (SPINE_BASE, SPINE, THORAX, ARMS[LEFT].girdle, ARMS[RIGHT].girdle)
_SHOULDERS = (ARMS[LEFT].shoulder, ARMS[RIGHT].shoulder)
_HIPS = (LEGS[RIGHT].hip, LEGS[LEFT].hip)
# The vertical chains of the standing rest pose: the hip joint down to the ball of the foot, the pelvis up
# to the thorax and on to the head joint.
_HIP_TO_FLOOR = (LEGS[RIGHT].knee, LEGS[RIGHT].ankle, LEGS[RIGHT].toe)
_PELVIS_TO_THORAX = (SPINE_BASE, SPINE, THORAX)
_PELVIS_TO_HEAD = (*_PELVIS_TO_THORAX, NOSE, HEAD)


# --------------------------------------------------------------------------------------------------------
# Bodies


def _reference_offsets() -> np.ndarray:
    """(32, 3) bone offsets of the 1.70 m reference body, metres, parent's rest frame (see module doc)."""
    offsets = np.zeros((32, 3))
    for side, (hip, knee, ankle, toe, tip) in enumerate(LEGS):
        offsets[hip] = (0.0, LATERAL[side] * 0.130, 0.0)
        offsets[knee] = (0.0, 0.0, -0.445)
        offsets[ankle] = (0.0, 0.0, -0.445)
        offsets[toe] = (0.130, 0.0, -0.075)  # ball of the foot, on the floor when standing
        offsets[tip] = (0.050, 0.0, 0.0)
    offsets[SPINE_BASE] = (0.0, 0.0, 0.030)  # a point just above the pelvis
    offsets[SPINE] = (-0.010, 0.0, 0.200)
    offsets[THORAX] = (0.010, 0.0, 0.255)
    offsets[NOSE] = (0.070, 0.0, 0.100)
    offsets[HEAD] = (-0.030, 0.0, 0.110)
    for side, (girdle, shoulder, elbow, wrist, thumb, thumb_tip, hand, hand_tip) in enumerate(ARMS):
        offsets[girdle] = offsets[THORAX]
        offsets[shoulder] = (-0.010, LATERAL[side] * 0.145, -0.030)
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
    offsets[list(_LEG_BONES)] *= 1.0 + legs
    offsets[list(_ARM_BONES)] *= 1.0 + arms
    offsets[list(_TORSO_BONES)] *= 1.0 + torso
    offsets[list(_SHOULDERS), 1] *= 1.0 + shoulders
    offsets[list(_HIPS), 1] *= 1.0 + hips
    standing_head_height = (-offsets[list(_HIP_TO_FLOOR), 2].sum()
                            + offsets[list(_PELVIS_TO_HEAD), 2].sum())
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
class Body:
    """A subject's bone offsets (32, 3) metres, with the dimensions the motion programmes use."""

    offsets: np.ndarray

    @property
    def upper_arm(self) -> float:
        """Shoulder to elbow, metres (both arms are equally long; measured on the left)."""
        return float(np.linalg.norm(self.offsets[ARMS[LEFT].elbow]))

    @property
    def forearm(self) -> float:
        """Elbow to wrist, metres."""
        return float(np.linalg.norm(self.offsets[ARMS[LEFT].wrist]))

    @property
    def reach(self) -> float:
        return self.upper_arm + self.forearm

    @property
    def arm_scale(self) -> float:
        """Hand positions below are laid out for the reference body's 0.53 m arm; scale them by this."""
        return self.reach / 0.53

    @property
    def leg(self) -> float:
        """Hip to ankle (thigh plus shank), metres (both legs are equally long; measured on the right)."""
        thigh, shank = self.offsets[LEGS[RIGHT].knee], self.offsets[LEGS[RIGHT].ankle]
        return float(np.linalg.norm(thigh) + np.linalg.norm(shank))

    def shoulder(self, side: int) -> np.ndarray:
        """(3,) the shoulder joint relative to the thorax joint, thorax frame, metres."""
        return self.offsets[ARMS[side].shoulder].copy()

    def hip_side(self, side: int) -> np.ndarray:
        """(3,) a point on the side of the hip (where a hand rests), thorax frame relative to the thorax."""
        drop = self.offsets[list(_PELVIS_TO_THORAX), 2].sum()
        return np.array([0.0, LATERAL[side] * 1.25 * abs(self.offsets[LEGS[RIGHT].hip, 1]), -drop + 0.06])


# --------------------------------------------------------------------------------------------------------
# Rotations and forward kinematics


def rot(axis: int, angle: np.ndarray) -> np.ndarray:
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
class Motion:
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
    def neutral(cls, frames: int, body: Body) -> Motion:
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
        for side in (RIGHT, LEFT):
            motion.wrist_target[:, side] = hanging_target(body, side)
            motion.elbow_pole[:, side] = BACK_POLE[side]
        return motion

    @property
    def frames(self) -> int:
        return self.heading.shape[0]


# Elbow directions per side [right, left], thorax frame: elbows pointing back (arms relaxed, hands low or at
# the sides) and down and out (hands raised in front of the body).
BACK_POLE = (np.array([-1.0, -0.3, -0.4]), np.array([-1.0, 0.3, -0.4]))
DOWN_OUT_POLE = (np.array([-0.3, -1.0, -1.0]), np.array([-0.3, 1.0, -1.0]))
_MAX_ELBOW_FLEX = np.radians(145.0)


def hanging_target(body: Body, side: int) -> np.ndarray:
    """(3,) wrist target of an arm hanging relaxed (elbow slightly bent), thorax frame."""
    return body.shoulder(side) + np.array([0.04, LATERAL[side] * 0.05, -0.96 * body.reach])


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


def _neck_rotations(motion: Motion) -> tuple[np.ndarray, np.ndarray]:
    """Local rotations (T, 3, 3) of the neck (orients thorax -> nose) and the head (nose -> head top)."""
    neck = _chain(rot(2, 0.4 * motion.head_yaw), rot(1, motion.neck_pitch))
    head = _chain(rot(2, 0.6 * motion.head_yaw), rot(1, motion.head_pitch), rot(0, motion.head_roll))
    return neck, head


def head_point(motion: Motion, body: Body, local: np.ndarray) -> np.ndarray:
    """(T, 3) thorax-frame position (relative to the thorax joint) of a point fixed to the head.

    local: (3,) metres, relative to the nose joint in the head's frame (x forward, y left, z up).
    """
    neck, head = _neck_rotations(motion)
    return neck @ body.offsets[NOSE] + neck @ head @ np.asarray(local, dtype=np.float64)


def _local_rotations(motion: Motion, body: Body) -> np.ndarray:
    """(T, 32, 3, 3) the rotation at every joint relative to its parent."""
    frames = motion.frames
    local = np.broadcast_to(np.eye(3), (frames, 32, 3, 3)).copy()
    local[:, PELVIS] = _chain(rot(2, motion.heading), rot(1, motion.pelvis_pitch),
                              rot(0, motion.pelvis_roll))
    for side, (hip, knee, ankle, _, _) in enumerate(LEGS):
        sign = LATERAL[side]
        local[:, hip] = _chain(rot(1, -motion.hip_flex[:, side]), rot(0, sign * motion.hip_abd[:, side]),
                               rot(2, sign * motion.hip_rot[:, side]))
        local[:, knee] = rot(1, motion.knee[:, side])
        local[:, ankle] = rot(1, -motion.ankle[:, side])
    for joint, share in ((SPINE_BASE, 0.4), (SPINE, 0.6)):
        local[:, joint] = _chain(rot(2, share * motion.spine_twist), rot(1, 0.5 * motion.spine_bend),
                                 rot(0, -0.5 * motion.spine_side))
    local[:, THORAX], local[:, NOSE] = _neck_rotations(motion)
    for side, (_, shoulder, elbow, wrist, *_) in enumerate(ARMS):
        target = motion.wrist_target[:, side] - body.offsets[shoulder]
        local[:, shoulder], flex = _arm_ik(target, motion.elbow_pole[:, side], body.upper_arm, body.forearm)
        local[:, elbow] = rot(1, -flex)
        local[:, wrist] = rot(1, -motion.wrist_flex[:, side])
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


def pose_body(motion: Motion, body: Body, ground_clearance: float) -> np.ndarray:
    """(T, 32, 3) metres, programme frame: the posed body standing on the floor (lowest foot joint at
    z = ``ground_clearance``), pelvis over ``root_xy`` (or the ankles planted, see ``Motion.plant_feet``)."""
    relative = _forward_kinematics(_local_rotations(motion, body), body.offsets)
    shift = np.zeros((motion.frames, 3))
    shift[:, :2] = motion.root_xy
    if motion.plant_feet:
        ankles = relative[:, [LEGS[RIGHT].ankle, LEGS[LEFT].ankle], :2].mean(axis=1)
        shift[:, :2] -= ankles - ankles[:1]
    shift[:, 2] = ground_clearance - relative[:, list(_FOOT_JOINTS), 2].min(axis=1)
    return relative + shift[:, None, :]
