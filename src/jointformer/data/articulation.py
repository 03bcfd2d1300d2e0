"""A 17-joint kinematic body within human joint limits (moved by :mod:`jointformer.data.articulated_motion`).

A motion source of the in-the-wild training set (:mod:`jointformer.data.wild`) beside the embedded motion
programmes and the BVH clips: random articulation of every joint within its range of motion, and programmes
for postures and moves those sources lack (crouching, kneeling, lying, reaching overhead, running with high
knees, jumping, kicking, throwing, punching, two-handed swings, lunges).

Conventions. ``T`` frames, 17 joints in ``SKELETON17`` order, ``P`` = ``len(PARAMETERS)`` joint angles in
degrees. World frame: metres, z up. Every body segment (pelvis, lumbar, thorax, head, each thigh, shin,
upper arm and forearm) carries a frame that, in the rest pose (standing upright, arms hanging, facing +x),
equals the body frame: x forward, y the body's left, z up. A joint's angles rotate its distal segment's
frame relative to its proximal segment's frame; ``side`` is +1 on the left and -1 on the right, so that
positive abduction is always away from the body's mid-plane and positive rotation always internal.

Range of motion (degrees, relative to the proximal segment's frame; the ranges of active motion of a healthy
adult, rounded and slightly narrowed so that drawn poses are reachable by most people):

====================  ==============  =================================================================
angle                 range (deg)     rotation (proximal segment frame)
====================  ==============  =================================================================
lumbar_flexion        -25 .. 50       pelvis -> lumbar about y; + bends forward
lumbar_bend           -25 .. 25       about x; + bends to the left
lumbar_twist          -30 .. 30       about z; + turns to the left
thoracic_flexion      -15 .. 40       lumbar -> thorax, as the lumbar angles
thoracic_bend         -20 .. 20
thoracic_twist        -20 .. 20
neck_flexion          -50 .. 60       thorax -> head about y; + chin to the chest, - looking up
neck_bend             -35 .. 35       about x; + ear to the left shoulder
neck_turn             -70 .. 70       about z; + looks to the left
hip_flexion           -25 .. 125      pelvis -> thigh about y; + thigh forward (0: thigh along the trunk)
hip_abduction         -25 .. 45       about x; + thigh away from the mid-plane
hip_rotation          -40 .. 45       about the thigh's long axis; + internal (knee turns inward)
knee_flexion          0 .. 150        thigh -> shin about y; flexion only (the shin folds backward)
shoulder_elevation    0 .. 180        thorax -> upper arm: angle between the arm and hanging straight down
shoulder_plane        -90 .. 135      direction the arm is raised towards: 0 sideways, 90 forward, 135
                                      across the chest, -90 straight back; behind the frontal plane
                                      (plane < 0) the elevation is at most 180 + 4/3 plane (60 at -90:
                                      the shoulder's extension range)
shoulder_rotation     -80 .. 90       about the upper arm's long axis; + internal (forearm across the belly)
elbow_flexion         0 .. 150        upper arm -> forearm about y; flexion only (the forearm folds forward)
====================  ==============  =================================================================

The shoulder uses elevation, plane of elevation and axial rotation (the swing-twist angles of the
shoulder, free of the gimbal lock that flexion/abduction angles have with the arm raised sideways). The
ankles and wrists are end points of the 17-joint skeleton: no keypoint lies beyond them, so their rotations
(ankle 20 dorsiflexion .. 50 plantar flexion, wrist 70 extension .. 80 flexion) move no keypoint and are not
articulated. The clavicle is rigid (shoulders move with the thorax).

Grounding: every frame is lifted so that its lowest body surface touches the floor (z = 0), each joint's
surface lying ``SURFACE_CLEARANCE`` metres below its centre (the ankle centre 75 mm above the sole), plus a
programme's flight height (jumps, running).
"""

from __future__ import annotations

import numpy as np

from jointformer.data.skeleton import SKELETON17

_SIDES = {"l": 1.0, "r": -1.0}
_AXIAL = (("lumbar", (-25, 50), (-25, 25), (-30, 30)), ("thoracic", (-15, 40), (-20, 20), (-20, 20)))
_LIMB_LIMITS = {
    "hip_flexion": (-25, 125),
    "hip_abduction": (-25, 45),
    "hip_rotation": (-40, 45),
    "knee_flexion": (0, 150),
    "shoulder_elevation": (0, 180),
    "shoulder_plane": (-90, 135),
    "shoulder_rotation": (-80, 90),
    "elbow_flexion": (0, 150),
}


def _limit_table() -> dict[str, tuple[float, float]]:
    limits: dict[str, tuple[float, float]] = {}
    for segment, flexion, bend, twist in _AXIAL:
        limits.update({f"{segment}_flexion": flexion, f"{segment}_bend": bend, f"{segment}_twist": twist})
    limits.update({"neck_flexion": (-50, 60), "neck_bend": (-35, 35), "neck_turn": (-70, 70)})
    for side in _SIDES:
        limits.update({f"{side}_{name}": value for name, value in _LIMB_LIMITS.items()})
    return {name: (float(low), float(high)) for name, (low, high) in limits.items()}


JOINT_LIMITS_DEG: dict[str, tuple[float, float]] = _limit_table()
"""Angle name -> (lowest, highest) degrees; the module docstring's table (limb angles per side l_/r_)."""

PARAMETERS: tuple[str, ...] = tuple(JOINT_LIMITS_DEG)
"""Column order of angle arrays (T, P)."""

COLUMN: dict[str, int] = {name: index for index, name in enumerate(PARAMETERS)}
"""Angle name -> its column in angle arrays."""

LOWEST_DEG = np.array([JOINT_LIMITS_DEG[name][0] for name in PARAMETERS])
"""(P,) degrees: the lower end of each angle's range."""

HIGHEST_DEG = np.array([JOINT_LIMITS_DEG[name][1] for name in PARAMETERS])
"""(P,) degrees: the upper end of each angle's range."""
# Standing at ease: arms hanging a little away from the body with the elbows slightly bent.
_REST = {
    "l_shoulder_elevation": 8.0,
    "r_shoulder_elevation": 8.0,
    "l_shoulder_plane": 20.0,
    "r_shoulder_plane": 20.0,
    "l_elbow_flexion": 12.0,
    "r_elbow_flexion": 12.0,
    "l_knee_flexion": 3.0,
    "r_knee_flexion": 3.0,
}

# Rest directions (x forward, y left, z up) of the bone ending at each joint, in its segment's frame;
# measured on the embedded synthetic bodies standing (the head bones lean as a standing person's do).
_REST_DIRECTIONS = np.array(
    [
        (0, 0, 0),
        (0, -1, 0),
        (0, 0, -1),
        (0, 0, -1),
        (0, 1, 0),
        (0, 0, -1),
        (0, 0, -1),
        (0, 0, 1),
        (0, 0, 1),
        (0.54, 0, 0.84),
        (-0.27, 0, 0.96),
        (0, 0.97, -0.2),
        (0, 0, -1),
        (0, 0, -1),
        (0, -0.97, -0.2),
        (0, 0, -1),
        (0, 0, -1),
    ],
    dtype=np.float64,
)
_REST_DIRECTIONS[1:] /= np.linalg.norm(_REST_DIRECTIONS[1:], axis=-1, keepdims=True)

SURFACE_CLEARANCE = np.array(
    [0.10, 0.09, 0.05, 0.075, 0.09, 0.05, 0.075, 0.10, 0.10, 0.05, 0.08, 0.06, 0.04, 0.03, 0.06, 0.04, 0.03]
)
"""(17,) metres from each joint centre down to the body surface that rests on the floor (sole, kneecap,
buttocks, back, skull, ...); approximate adult figures."""

assert SKELETON17.parents == (-1, 0, 1, 2, 0, 4, 5, 0, 7, 8, 9, 8, 11, 12, 8, 14, 15)  # the tree below


# ------------------------------------------------------------------------------------------ rotations
def _rotation(axis: int, degrees: np.ndarray) -> np.ndarray:
    """(T,) degrees -> (T, 3, 3) right-handed rotations about coordinate axis ``axis`` (0 x, 1 y, 2 z)."""
    radians = np.radians(degrees)
    cos, sin = np.cos(radians), np.sin(radians)
    first, second = [(1, 2), (2, 0), (0, 1)][axis]
    matrices = np.zeros((len(radians), 3, 3))
    matrices[:, axis, axis] = 1.0
    matrices[:, first, first] = matrices[:, second, second] = cos
    matrices[:, first, second], matrices[:, second, first] = -sin, sin
    return matrices


def _spine_rotation(angles: np.ndarray, segment: str) -> np.ndarray:
    """(T, P) degrees -> (T, 3, 3): twist about z, then flexion about y, then side bend about x."""
    prefix = f"{segment}_"
    twist = "turn" if segment == "neck" else "twist"
    return (
        _rotation(2, angles[:, COLUMN[prefix + twist]])
        @ _rotation(1, angles[:, COLUMN[prefix + "flexion"]])
        @ _rotation(0, -angles[:, COLUMN[prefix + "bend"]])
    )


def _hip_rotation(angles: np.ndarray, side: str) -> np.ndarray:
    sign = _SIDES[side]
    return (
        _rotation(1, -angles[:, COLUMN[f"{side}_hip_flexion"]])
        @ _rotation(0, sign * angles[:, COLUMN[f"{side}_hip_abduction"]])
        @ _rotation(2, -sign * angles[:, COLUMN[f"{side}_hip_rotation"]])
    )


def _shoulder_rotation(angles: np.ndarray, side: str) -> np.ndarray:
    """Swing-twist: the arm swings up by the elevation towards the plane's direction, then twists."""
    sign = _SIDES[side]
    plane = np.radians(angles[:, COLUMN[f"{side}_shoulder_plane"]])
    heading = np.degrees(np.arctan2(sign * np.cos(plane), np.sin(plane)))  # 0: forward, +90: to the left
    return (
        _rotation(2, heading)
        @ _rotation(1, -angles[:, COLUMN[f"{side}_shoulder_elevation"]])
        @ _rotation(2, -heading)
        @ _rotation(2, -sign * angles[:, COLUMN[f"{side}_shoulder_rotation"]])
    )


# ------------------------------------------------------------------------------------------ the body
def forward_kinematics(angles_deg: np.ndarray, lengths: np.ndarray, body_rotation: np.ndarray) -> np.ndarray:
    """Joint positions of a posed body.

    angles_deg: (T, P) degrees (``PARAMETERS`` order); lengths: (17,) metres, the bone ending at each joint
    (``jointformer.data.wild.bone_lengths`` order); body_rotation: (T, 3, 3) the pelvis frame's axes in the
    world (columns: forward, left, up). Returns (T, 17, 3) metres world frame, pelvis at the origin.
    """
    offsets = _REST_DIRECTIONS * lengths[:, None]
    positions = np.zeros((len(angles_deg), 17, 3))

    def place(child: int, parent: int, frame: np.ndarray) -> None:
        positions[:, child] = positions[:, parent] + frame @ offsets[child]

    lumbar = body_rotation @ _spine_rotation(angles_deg, "lumbar")
    thorax = lumbar @ _spine_rotation(angles_deg, "thoracic")
    head = thorax @ _spine_rotation(angles_deg, "neck")
    place(7, 0, lumbar)
    place(8, 7, thorax)
    place(9, 8, head)
    place(10, 9, head)
    for side, (hip, knee, ankle), (shoulder, elbow, wrist) in (
        ("r", (1, 2, 3), (14, 15, 16)),
        ("l", (4, 5, 6), (11, 12, 13)),
    ):
        thigh = body_rotation @ _hip_rotation(angles_deg, side)
        shin = thigh @ _rotation(1, angles_deg[:, COLUMN[f"{side}_knee_flexion"]])
        place(hip, 0, body_rotation)
        place(knee, hip, thigh)
        place(ankle, knee, shin)
        upper_arm = thorax @ _shoulder_rotation(angles_deg, side)
        forearm = upper_arm @ _rotation(1, -angles_deg[:, COLUMN[f"{side}_elbow_flexion"]])
        place(shoulder, 8, thorax)
        place(elbow, shoulder, upper_arm)
        place(wrist, elbow, forearm)
    return positions


def ground(positions: np.ndarray, flight: np.ndarray) -> np.ndarray:
    """(T, 17, 3) metres world -> the same poses moved up or down so that each frame's lowest body surface
    (``SURFACE_CLEARANCE`` below its joint) is ``flight`` (T,) metres above the floor z = 0."""
    lowest = (positions[..., 2] - SURFACE_CLEARANCE).min(axis=-1)
    return (
        positions
        + np.stack([np.zeros_like(flight), np.zeros_like(flight), flight - lowest], axis=-1)[:, None]
    )


def heading_rotation(heading_deg: np.ndarray) -> np.ndarray:
    """(T,) degrees about the vertical -> (T, 3, 3) body rotations of an upright body."""
    return _rotation(2, heading_deg)


def lying_rotation(heading_deg: np.ndarray, roll_deg: np.ndarray) -> np.ndarray:
    """(T,) degrees -> (T, 3, 3) rotations of a lying body: feet towards ``heading`` (from the head), rolled
    about its long axis by ``roll`` (0: on the back, 90: on the right side, 180: on the front, -90: on the
    left side)."""
    return _rotation(2, heading_deg) @ _rotation(0, roll_deg) @ _rotation(1, np.full_like(roll_deg, -90.0))


# ------------------------------------------------------------------------------------------ poses in time
def rest_pose() -> np.ndarray:
    """(P,) degrees: standing at ease."""
    pose = np.zeros(len(PARAMETERS))
    for name, value in _REST.items():
        pose[COLUMN[name]] = value
    return pose


def pose(base: np.ndarray | None = None, **degrees: float) -> np.ndarray:
    """(P,) degrees: ``base`` (default: the rest pose) with the named angles set (``l_knee_flexion=90``)."""
    result = rest_pose() if base is None else base.copy()
    for name, value in degrees.items():
        result[COLUMN[name]] = value
    return result


def clip_to_limits(angles_deg: np.ndarray) -> np.ndarray:
    """(..., P) degrees -> each angle clipped into its range of motion (with the shoulder's coupled limit:
    the region allowed is convex, so blends of poses within it stay within it)."""
    clipped = np.clip(angles_deg, LOWEST_DEG, HIGHEST_DEG)
    for side in _SIDES:
        elevation = clipped[..., COLUMN[f"{side}_shoulder_elevation"]]
        highest = max_shoulder_elevation(clipped[..., COLUMN[f"{side}_shoulder_plane"]])
        clipped[..., COLUMN[f"{side}_shoulder_elevation"]] = np.minimum(elevation, highest)
    return clipped


def max_shoulder_elevation(plane_deg: np.ndarray) -> np.ndarray:
    """(...) degrees of the plane of elevation -> (...) the highest elevation reachable in it, degrees."""
    return np.minimum(180.0, 180.0 + 4.0 / 3.0 * plane_deg)


def smoothstep(fraction: np.ndarray) -> np.ndarray:
    """Ease in and out between 0 and 1 (zero velocity at both ends; values outside [0, 1] are held)."""
    fraction = np.clip(fraction, 0.0, 1.0)
    return fraction * fraction * (3.0 - 2.0 * fraction)


def keyframes(t: np.ndarray, times: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Smooth transitions between key values held at key times.

    t: (T,) seconds; times: (K,) seconds, non-decreasing (a repeated value value holds a key); values:
    (K, D). Returns (T, D): before the first and after the last key the key value, in between an
    ease-in-out blend of the two surrounding keys (never outside them, so limits that hold for every key
    hold for every frame)."""
    index = np.clip(np.searchsorted(times, t, side="right") - 1, 0, len(times) - 2)
    span = np.maximum(times[index + 1] - times[index], 1e-9)
    weight = smoothstep((t - times[index]) / span)[:, None]
    return values[index] + weight * (values[index + 1] - values[index])


def key_times(
    rng: np.random.Generator, keys: int, transition: tuple[float, float], hold: tuple[float, float]
) -> np.ndarray:
    """(2 * keys,) seconds: each key reached after a drawn transition and held for a drawn time (pairs of
    equal values in ``values`` for :func:`keyframes`)."""
    durations = np.stack([rng.uniform(*transition, size=keys), rng.uniform(*hold, size=keys)], axis=1)
    durations[0, 0] = 0.0
    return np.cumsum(durations.ravel())


def held(key_values: np.ndarray) -> np.ndarray:
    """(K, D) -> (2K, D): every key twice (its arrival and the end of its hold)."""
    return np.repeat(key_values, 2, axis=0)


def jitter(rng: np.random.Generator, key: np.ndarray, degrees: float) -> np.ndarray:
    """(P,) or (K, P) degrees + normal noise of std ``degrees``, clipped to the limits."""
    return clip_to_limits(key + rng.normal(0.0, degrees, size=key.shape))


def mirror(key: np.ndarray) -> np.ndarray:
    """(..., P) degrees -> the mirror pose (left and right swapped, bends, twists and turns negated)."""
    result = key.copy()
    for name in PARAMETERS:
        if name.startswith("l_"):
            result[..., COLUMN[name]], result[..., COLUMN["r_" + name[2:]]] = (
                key[..., COLUMN["r_" + name[2:]]],
                key[..., COLUMN[name]],
            )
        elif name.endswith(("_bend", "_twist", "_turn")):
            result[..., COLUMN[name]] = -key[..., COLUMN[name]]
    return result
