"""Motion programmes for the articulated body of :mod:`jointformer.data.articulation`.

Each programme turns times ``t`` (T,) seconds and a random generator into a :class:`Performance`: joint
angles (T, P) degrees within the limits, the body's rotation (T, 3, 3) in the world (columns: forward,
left, up), a flight height (T,) metres above the floor and a horizontal travel (T, 3) metres. Poses are
keys held for a drawn time and reached by smooth transitions of drawn durations (``keyframes``); every key
is drawn around the programme's posture with per-angle spreads, then clipped into the limits, so every
frame is within them. :func:`articulated_sequence` poses the body, grounds it and returns (T, 17, 3) metres
world z up. Programmes (``PROGRAMMES``):

- ``random``: every angle drawn anywhere in its range (40 %) or near standing (60 %) at each key;
- ``crouch``: standing <-> squatting and half squats (feet flat: the shin leans forward);
- ``kneel``: on both knees, on one knee (the other foot planted), sitting back towards the heels;
- ``lie``: on the back, the sides and the front, rolling between them, limbs moving;
- ``reach``: one or both arms overhead, looking up;
- ``run``: running on the spot or jogging slowly with high knee lift and opposite arm swing;
- ``jump``: crouch, arm swing, take-off, flight (tucked or straight, 0.1-0.5 m), landing;
- ``kick``: guard, chamber, front or side kick, back to guard;
- ``throw``: wind-up, trunk rotation, release, follow-through, either hand;
- ``punch``: guard, straight punches, hooks and uppercuts with trunk rotation;
- ``swing``: two-handed swings (bat, club, racket) from a backswing through to a follow-through;
- ``lunge``: alternating forward lunges (the back knee near the floor), hands on hips, forward or up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from jointformer.data.articulation import (
    COLUMN,
    HIGHEST_DEG,
    LOWEST_DEG,
    PARAMETERS,
    clip_to_limits,
    forward_kinematics,
    ground,
    heading_rotation,
    keyframes,
    lying_rotation,
    mirror,
    pose,
    rest_pose,
)

_GRAVITY = 9.81  # m/s^2


@dataclass(frozen=True)
class Performance:
    """One programme's motion: angles (T, P) degrees, body rotation (T, 3, 3), flight (T,) metres above the
    floor, travel (T, 3) metres world (horizontal)."""

    angles: np.ndarray
    rotation: np.ndarray
    flight: np.ndarray
    travel: np.ndarray


@dataclass(frozen=True)
class _Key:
    """A key pose reached after ``transition`` seconds and held ``hold`` seconds, ``flight`` m up."""

    transition: float
    hold: float
    angles: np.ndarray
    flight: float = 0.0


def _u(rng: np.random.Generator, low: float, high: float) -> float:
    return float(rng.uniform(low, high))


def _play(
    t: np.ndarray,
    rng: np.random.Generator,
    make_cycle: Callable[[np.random.Generator], list[_Key]],
    start: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Repeat drawn cycles of keys until ``t`` is covered: ((T, P) degrees, (T,) flight metres). The
    sequence starts at ``start`` (default: standing) and, so that clips do not all begin alike, at a drawn
    time within the first cycle."""
    keys = [_Key(0.0, 0.0, rest_pose() if start is None else start)]
    elapsed = 0.0
    offset = 0.0
    while elapsed < t[-1] + offset:
        cycle = make_cycle(rng)
        keys.extend(cycle)
        elapsed += sum(key.transition + key.hold for key in cycle)
        if offset == 0.0:
            offset = _u(rng, 0.0, 0.5) * elapsed
    times = np.cumsum([[key.transition, key.hold] for key in keys]).astype(np.float64)
    angles = clip_to_limits(np.repeat(np.stack([key.angles for key in keys]), 2, axis=0))
    flight = np.repeat(np.array([[key.flight] for key in keys]), 2, axis=0)
    return keyframes(t + offset, times, angles), keyframes(t + offset, times, flight)[:, 0]


def _heading(t: np.ndarray, rng: np.random.Generator, drift_deg: float = 60.0) -> np.ndarray:
    """(T,) degrees: a drawn facing direction turning slowly by up to ``drift_deg`` per key (3-8 s)."""
    count = int(t[-1] / 3.0) + 2
    times = np.cumsum(rng.uniform(3.0, 8.0, size=count)) - 3.0
    values = rng.uniform(0.0, 360.0) + np.cumsum(rng.uniform(-drift_deg, drift_deg, size=count))
    return keyframes(t, times, values[:, None])[:, 0]


def _upright(
    t: np.ndarray, rng: np.random.Generator, angles: np.ndarray, flight: np.ndarray | None = None
) -> Performance:
    return Performance(
        angles=angles,
        rotation=heading_rotation(_heading(t, rng)),
        flight=np.zeros_like(t) if flight is None else flight,
        travel=np.zeros((len(t), 3)),
    )


def _near(
    rng: np.random.Generator, base: np.ndarray, spread: float, **ranges: tuple[float, float]
) -> np.ndarray:
    """(P,) degrees: ``base`` jittered by normal noise of std ``spread`` degrees, with the named angles drawn
    uniformly from their ranges."""
    key = base + rng.normal(0.0, spread, size=base.shape)
    for name, (low, high) in ranges.items():
        key = pose(key, **{name: _u(rng, low, high)})
    return clip_to_limits(key)


def _side(rng: np.random.Generator, key: np.ndarray) -> np.ndarray:
    """Keys are written for the right side; half of the draws use the left (the mirror pose)."""
    return key if rng.uniform() < 0.5 else mirror(key)


def _stand(rng: np.random.Generator) -> np.ndarray:
    return _near(rng, rest_pose(), 4.0)


# ------------------------------------------------------------------------------------------ programmes
def _random(t: np.ndarray, rng: np.random.Generator) -> Performance:
    def cycle(rng: np.random.Generator) -> list[_Key]:
        anywhere = rng.uniform(LOWEST_DEG, HIGHEST_DEG)
        near = rest_pose() + rng.normal(0.0, 0.15, size=len(PARAMETERS)) * (HIGHEST_DEG - LOWEST_DEG)
        key = np.where(rng.uniform(size=len(PARAMETERS)) < 0.4, anywhere, near)
        return [_Key(_u(rng, 0.4, 1.5), _u(rng, 0.0, 0.8), clip_to_limits(key))]

    return _upright(t, rng, _play(t, rng, cycle)[0])


def _crouch(t: np.ndarray, rng: np.random.Generator) -> Performance:
    def cycle(rng: np.random.Generator) -> list[_Key]:
        hip = _u(rng, 45.0, 125.0)
        knee = min(150.0, hip + _u(rng, 5.0, 35.0))  # knee - hip: the shin's forward lean
        arms = _near(
            rng,
            rest_pose(),
            6.0,
            r_shoulder_elevation=(10, 90),
            l_shoulder_elevation=(10, 90),
            r_shoulder_plane=(60, 100),
            l_shoulder_plane=(60, 100),
            r_elbow_flexion=(10, 100),
            l_elbow_flexion=(10, 100),
        )
        squat = _near(rng, arms, 3.0, lumbar_flexion=(5, 40), thoracic_flexion=(0, 20), neck_flexion=(-35, 0))
        squat = pose(
            squat,
            r_hip_flexion=hip + _u(rng, -5, 5),
            l_hip_flexion=hip + _u(rng, -5, 5),
            r_knee_flexion=knee,
            l_knee_flexion=knee,
            r_hip_abduction=_u(rng, 0, 30),
            l_hip_abduction=_u(rng, 0, 30),
        )
        return [
            _Key(_u(rng, 0.6, 1.8), _u(rng, 0.5, 3.0), squat),
            _Key(_u(rng, 0.6, 1.8), _u(rng, 0.2, 2.0), _stand(rng)),
        ]

    return _upright(t, rng, _play(t, rng, cycle)[0])


def _kneel_pose(rng: np.random.Generator) -> np.ndarray:
    """Both knees down, one knee down (right; the left foot planted), or sitting back towards the heels."""
    key = _near(rng, rest_pose(), 8.0, lumbar_flexion=(-5, 30), neck_flexion=(-20, 30))
    variant = rng.integers(3)
    if variant == 0:  # upright on both knees: thighs near vertical, shins on the floor
        hip = _u(rng, -5.0, 25.0)
        return pose(
            key,
            r_hip_flexion=hip,
            l_hip_flexion=hip,
            r_knee_flexion=hip + _u(rng, 80, 95),
            l_knee_flexion=hip + _u(rng, 80, 95),
        )
    if variant == 1:  # sitting back towards the heels
        hip = _u(rng, 30.0, 60.0)
        return pose(
            key,
            r_hip_flexion=hip,
            l_hip_flexion=hip,
            r_knee_flexion=hip + _u(rng, 85, 95),
            l_knee_flexion=hip + _u(rng, 85, 95),
        )
    back_hip, front_hip = _u(rng, -15.0, 10.0), _u(rng, 70.0, 100.0)
    return _side(
        rng,
        pose(
            key,
            r_hip_flexion=back_hip,
            r_knee_flexion=back_hip + _u(rng, 80, 95),
            l_hip_flexion=front_hip,
            l_knee_flexion=front_hip + _u(rng, -10, 10),
        ),
    )


def _kneel(t: np.ndarray, rng: np.random.Generator) -> Performance:
    def cycle(rng: np.random.Generator) -> list[_Key]:
        keys = [_Key(_u(rng, 0.8, 2.0), _u(rng, 1.0, 4.0), _kneel_pose(rng))]
        if rng.uniform() < 0.5:
            keys.append(_Key(_u(rng, 0.8, 1.5), _u(rng, 1.0, 3.0), _kneel_pose(rng)))
        return [*keys, _Key(_u(rng, 0.8, 2.0), _u(rng, 0.3, 2.0), _stand(rng))]

    return _upright(t, rng, _play(t, rng, cycle, start=_kneel_pose(rng))[0])


def _lie(t: np.ndarray, rng: np.random.Generator) -> Performance:
    def limbs(rng: np.random.Generator) -> list[_Key]:
        key = _near(
            rng,
            rest_pose(),
            6.0,
            r_hip_flexion=(0, 90),
            l_hip_flexion=(0, 90),
            r_knee_flexion=(0, 120),
            l_knee_flexion=(0, 120),
            r_shoulder_elevation=(0, 180),
            l_shoulder_elevation=(0, 180),
            r_shoulder_plane=(0, 100),
            l_shoulder_plane=(0, 100),
            r_elbow_flexion=(0, 130),
            l_elbow_flexion=(0, 130),
            neck_flexion=(-10, 40),
            neck_turn=(-60, 60),
            lumbar_flexion=(-10, 25),
        )
        return [_Key(_u(rng, 0.6, 1.8), _u(rng, 0.2, 2.0), key)]

    angles = _play(t, rng, limbs)[0]
    count = int(t[-1] / 2.0) + 2
    roll_steps = rng.choice([-90.0, 0.0, 0.0, 90.0], size=count)  # stay, or roll a quarter turn
    roll_steps[0] = rng.choice([-90.0, 0.0, 90.0, 180.0])
    times = np.repeat(np.cumsum(rng.uniform(1.5, 4.0, size=count)), 2) + np.tile([0.0, 0.8], count) - 1.5
    roll = keyframes(t, times, np.repeat(np.cumsum(roll_steps), 2)[:, None])[:, 0]
    return Performance(
        angles=angles,
        rotation=lying_rotation(_heading(t, rng, 20.0), roll),
        flight=np.zeros_like(t),
        travel=np.zeros((len(t), 3)),
    )


def _reach(t: np.ndarray, rng: np.random.Generator) -> Performance:
    def cycle(rng: np.random.Generator) -> list[_Key]:
        key = _near(
            rng,
            rest_pose(),
            4.0,
            lumbar_flexion=(-20, 0),
            thoracic_flexion=(-10, 0),
            neck_flexion=(-45, -10),
            r_shoulder_elevation=(150, 180),
            r_shoulder_plane=(30, 110),
            r_elbow_flexion=(0, 25),
            r_shoulder_rotation=(-20, 20),
        )
        if rng.uniform() < 0.5:  # both arms
            key = pose(
                key,
                l_shoulder_elevation=_u(rng, 150, 180),
                l_shoulder_plane=_u(rng, 30, 110),
                l_elbow_flexion=_u(rng, 0, 25),
            )
        return [
            _Key(_u(rng, 0.5, 1.5), _u(rng, 0.3, 2.5), _side(rng, key)),
            _Key(_u(rng, 0.5, 1.5), _u(rng, 0.2, 1.5), _stand(rng)),
        ]

    return _upright(t, rng, _play(t, rng, cycle)[0])


def _run(t: np.ndarray, rng: np.random.Generator) -> Performance:
    """Cyclic: hips and knees follow the stride phase (the left leg half a cycle later), each arm swings
    with the opposite leg, the trunk leans forward and counter-rotates."""
    phase = 2.0 * np.pi * _u(rng, 1.1, 1.6) * t + _u(rng, 0.0, 2.0 * np.pi)
    extension, lift = _u(rng, -25.0, -10.0), _u(rng, 55.0, 110.0)
    knee_low, knee_high, knee_lag = _u(rng, 10.0, 25.0), _u(rng, 90.0, 140.0), _u(rng, 0.0, 1.2)
    arm_swing, elbow = _u(rng, 25.0, 60.0), _u(rng, 70.0, 100.0)
    angles = np.repeat(
        _near(rng, rest_pose(), 3.0, lumbar_flexion=(5, 20), neck_flexion=(-10, 10))[None], len(t), axis=0
    )
    for side, shift in (("r", 0.0), ("l", np.pi)):
        leg = phase + shift
        angles[:, COLUMN[f"{side}_hip_flexion"]] = extension + (lift - extension) * (1 + np.sin(leg)) / 2
        angles[:, COLUMN[f"{side}_knee_flexion"]] = (
            knee_low + (knee_high - knee_low) * ((1 + np.cos(leg - knee_lag)) / 2) ** 2
        )
        swing = -arm_swing * np.sin(leg)  # forward (+) when this side's leg is back
        angles[:, COLUMN[f"{side}_shoulder_elevation"]] = np.abs(swing) + 5.0
        angles[:, COLUMN[f"{side}_shoulder_plane"]] = np.where(swing >= 0, 80.0, -85.0)
        angles[:, COLUMN[f"{side}_elbow_flexion"]] = elbow + 10.0 * np.sin(leg)
    angles[:, COLUMN["thoracic_twist"]] = _u(rng, 4.0, 12.0) * np.sin(phase)
    heading = _heading(t, rng, 45.0)
    speed = _u(rng, 0.0, 1.5)  # m/s: the camera does not follow
    step = (
        np.gradient(t)[:, None]
        * speed
        * np.stack([np.cos(np.radians(heading)), np.sin(np.radians(heading)), 0 * heading], axis=1)
    )
    flight = _u(rng, 0.0, 0.08) * np.maximum(0.0, -np.cos(2.0 * phase)) ** 2
    return Performance(
        angles=clip_to_limits(angles),
        rotation=heading_rotation(heading),
        flight=flight,
        travel=np.cumsum(step, axis=0),
    )


def _jump(t: np.ndarray, rng: np.random.Generator) -> Performance:
    def cycle(rng: np.random.Generator) -> list[_Key]:
        hip = _u(rng, 45.0, 85.0)
        arms_back = dict(
            r_shoulder_elevation=(30, 60),
            l_shoulder_elevation=(30, 60),
            r_shoulder_plane=(-90, -60),
            l_shoulder_plane=(-90, -60),
            r_elbow_flexion=(0, 30),
            l_elbow_flexion=(0, 30),
        )
        crouch = pose(
            _near(rng, rest_pose(), 3.0, lumbar_flexion=(20, 40), **arms_back),
            r_hip_flexion=hip,
            l_hip_flexion=hip,
            r_knee_flexion=hip + _u(rng, 0, 30),
            l_knee_flexion=hip + _u(rng, 0, 30),
        )
        arms_up = dict(
            r_shoulder_elevation=(110, 175),
            l_shoulder_elevation=(110, 175),
            r_shoulder_plane=(50, 100),
            l_shoulder_plane=(50, 100),
            r_elbow_flexion=(0, 30),
            l_elbow_flexion=(0, 30),
        )
        take_off = _near(rng, rest_pose(), 3.0, r_hip_flexion=(-10, 5), l_hip_flexion=(-10, 5), **arms_up)
        height = _u(rng, 0.1, 0.5)
        rise = float(np.sqrt(2.0 * height / _GRAVITY))
        tuck = _u(rng, 0.0, 1.0)
        apex = pose(
            take_off,
            r_hip_flexion=tuck * _u(rng, 40, 110),
            l_hip_flexion=tuck * _u(rng, 40, 110),
            r_knee_flexion=tuck * _u(rng, 60, 140),
            l_knee_flexion=tuck * _u(rng, 60, 140),
        )
        reach_floor = _near(
            rng,
            rest_pose(),
            3.0,
            r_hip_flexion=(5, 30),
            l_hip_flexion=(5, 30),
            r_knee_flexion=(5, 30),
            l_knee_flexion=(5, 30),
            **arms_up,
        )
        landing = pose(crouch, r_hip_flexion=hip * 0.8, l_hip_flexion=hip * 0.8)
        return [
            _Key(_u(rng, 0.4, 0.8), _u(rng, 0.0, 0.2), crouch),
            _Key(_u(rng, 0.15, 0.25), 0.0, take_off),
            _Key(rise, 0.0, apex, height),
            _Key(rise, 0.0, reach_floor),
            _Key(_u(rng, 0.12, 0.25), _u(rng, 0.1, 0.4), landing),
            _Key(_u(rng, 0.5, 1.0), _u(rng, 0.1, 1.5), _stand(rng)),
        ]

    angles, flight = _play(t, rng, cycle)
    return _upright(t, rng, angles, flight)


def _guard(rng: np.random.Generator) -> np.ndarray:
    """Fighting stance: fists up in front of the face and chest, knees soft."""
    return _near(
        rng,
        rest_pose(),
        4.0,
        r_shoulder_elevation=(30, 55),
        l_shoulder_elevation=(30, 55),
        r_shoulder_plane=(70, 100),
        l_shoulder_plane=(70, 100),
        r_elbow_flexion=(110, 145),
        l_elbow_flexion=(110, 145),
        r_shoulder_rotation=(20, 50),
        l_shoulder_rotation=(20, 50),
        r_hip_flexion=(10, 25),
        l_hip_flexion=(10, 25),
        r_knee_flexion=(15, 35),
        l_knee_flexion=(15, 35),
    )


def _kick(t: np.ndarray, rng: np.random.Generator) -> Performance:
    def cycle(rng: np.random.Generator) -> list[_Key]:
        guard = _guard(rng)
        chamber = pose(
            guard,
            r_hip_flexion=_u(rng, 70, 110),
            r_knee_flexion=_u(rng, 100, 140),
            l_knee_flexion=_u(rng, 5, 25),
            l_hip_flexion=_u(rng, 0, 20),
        )
        strike = _near(
            rng,
            chamber,
            2.0,
            r_hip_flexion=(60, 120),
            r_hip_abduction=(0, 45),
            r_knee_flexion=(0, 20),
            r_hip_rotation=(-30, 30),
            lumbar_flexion=(-15, 5),
            lumbar_bend=(0, 20),
        )
        return [
            _Key(_u(rng, 0.3, 0.8), _u(rng, 0.2, 1.0), guard),
            _Key(_u(rng, 0.15, 0.3), 0.0, chamber),
            _Key(_u(rng, 0.12, 0.25), _u(rng, 0.0, 0.3), strike),
            _Key(_u(rng, 0.15, 0.3), 0.0, chamber),
        ]

    return _upright(t, rng, _play(t, rng, _mirrored(cycle))[0])


def _mirrored(
    cycle: Callable[[np.random.Generator], list[_Key]],
) -> Callable[[np.random.Generator], list[_Key]]:
    """A cycle written for the right side, played by the left side half of the time."""

    def either_side(rng: np.random.Generator) -> list[_Key]:
        keys = cycle(rng)
        if rng.uniform() < 0.5:
            return keys
        return [_Key(key.transition, key.hold, mirror(key.angles), key.flight) for key in keys]

    return either_side


def _throw(t: np.ndarray, rng: np.random.Generator) -> Performance:
    def cycle(rng: np.random.Generator) -> list[_Key]:
        ready = _near(
            rng,
            rest_pose(),
            4.0,
            r_shoulder_elevation=(20, 40),
            r_shoulder_plane=(80, 100),
            r_elbow_flexion=(80, 110),
            l_knee_flexion=(5, 20),
            r_knee_flexion=(5, 20),
        )
        wind_up = _near(
            rng,
            ready,
            3.0,
            r_shoulder_elevation=(80, 100),
            r_shoulder_plane=(-40, -10),
            r_shoulder_rotation=(-80, -50),
            r_elbow_flexion=(70, 100),
            l_shoulder_elevation=(60, 90),
            l_shoulder_plane=(80, 110),
            lumbar_twist=(-30, -15),
            thoracic_twist=(-20, -10),
            l_hip_flexion=(20, 50),
            l_knee_flexion=(10, 40),
            lumbar_bend=(-15, 0),
        )
        release = _near(
            rng,
            ready,
            3.0,
            r_shoulder_elevation=(90, 140),
            r_shoulder_plane=(80, 110),
            r_shoulder_rotation=(30, 60),
            r_elbow_flexion=(10, 40),
            lumbar_twist=(10, 30),
            thoracic_twist=(10, 20),
            lumbar_flexion=(10, 30),
            l_hip_flexion=(25, 50),
            l_knee_flexion=(20, 45),
            l_shoulder_elevation=(20, 50),
            l_shoulder_plane=(-30, 20),
        )
        follow = _near(
            rng,
            release,
            3.0,
            r_shoulder_elevation=(30, 60),
            r_shoulder_plane=(110, 135),
            r_elbow_flexion=(20, 50),
            lumbar_flexion=(20, 40),
        )
        return [
            _Key(_u(rng, 0.4, 1.0), _u(rng, 0.2, 1.2), ready),
            _Key(_u(rng, 0.4, 0.8), _u(rng, 0.0, 0.3), wind_up),
            _Key(_u(rng, 0.12, 0.25), 0.0, release),
            _Key(_u(rng, 0.2, 0.4), _u(rng, 0.1, 0.6), follow),
        ]

    return _upright(t, rng, _play(t, rng, _mirrored(cycle))[0])


def _punch(t: np.ndarray, rng: np.random.Generator) -> Performance:
    def cycle(rng: np.random.Generator) -> list[_Key]:
        guard = _guard(rng)
        kind = rng.integers(3)
        if kind == 0:  # straight punch
            strike = pose(
                guard,
                r_shoulder_elevation=_u(rng, 75, 95),
                r_shoulder_plane=_u(rng, 80, 105),
                r_elbow_flexion=_u(rng, 0, 15),
                r_shoulder_rotation=_u(rng, 40, 80),
            )
        elif kind == 1:  # hook
            strike = pose(
                guard,
                r_shoulder_elevation=_u(rng, 75, 90),
                r_shoulder_plane=_u(rng, 60, 95),
                r_elbow_flexion=_u(rng, 80, 100),
                r_shoulder_rotation=_u(rng, 30, 70),
            )
        else:  # uppercut
            strike = pose(
                guard,
                r_shoulder_elevation=_u(rng, 40, 70),
                r_shoulder_plane=_u(rng, 85, 100),
                r_elbow_flexion=_u(rng, 70, 100),
                r_shoulder_rotation=_u(rng, -20, 0),
            )
        strike = pose(strike, lumbar_twist=_u(rng, 10, 30), thoracic_twist=_u(rng, 5, 20))
        return [
            _Key(_u(rng, 0.1, 0.25), _u(rng, 0.05, 0.15), strike),
            _Key(_u(rng, 0.12, 0.3), _u(rng, 0.0, 0.8), guard),
        ]

    return _upright(t, rng, _play(t, rng, _mirrored(cycle), start=_guard(rng))[0])


def _swing(t: np.ndarray, rng: np.random.Generator) -> Performance:
    def cycle(rng: np.random.Generator) -> list[_Key]:
        hands_low = dict(
            r_shoulder_elevation=(20, 50),
            l_shoulder_elevation=(20, 50),
            r_shoulder_plane=(90, 120),
            l_shoulder_plane=(110, 135),
            r_elbow_flexion=(0, 20),
            l_elbow_flexion=(0, 20),
        )
        address = _near(
            rng,
            rest_pose(),
            3.0,
            lumbar_flexion=(0, 40),
            r_hip_flexion=(15, 45),
            l_hip_flexion=(15, 45),
            r_knee_flexion=(10, 30),
            l_knee_flexion=(10, 30),
            **hands_low,
        )
        back = _near(
            rng,
            address,
            3.0,
            lumbar_twist=(-30, -20),
            thoracic_twist=(-20, -12),
            l_shoulder_elevation=(80, 120),
            l_shoulder_plane=(110, 135),
            l_elbow_flexion=(0, 20),
            r_shoulder_elevation=(80, 130),
            r_shoulder_plane=(10, 60),
            r_elbow_flexion=(60, 110),
            r_shoulder_rotation=(-60, -30),
        )
        through = mirror(_near(rng, back, 3.0))
        return [
            _Key(_u(rng, 0.5, 1.2), _u(rng, 0.2, 1.5), address),
            _Key(_u(rng, 0.6, 1.2), _u(rng, 0.0, 0.3), back),
            _Key(_u(rng, 0.15, 0.3), 0.0, _near(rng, address, 2.0)),
            _Key(_u(rng, 0.2, 0.4), _u(rng, 0.2, 1.0), through),
        ]

    return _upright(t, rng, _play(t, rng, _mirrored(cycle))[0])


def _lunge(t: np.ndarray, rng: np.random.Generator) -> Performance:
    def cycle(rng: np.random.Generator) -> list[_Key]:
        arms = [
            dict(
                r_shoulder_elevation=(25, 40),
                l_shoulder_elevation=(25, 40),
                r_shoulder_plane=(-20, 10),
                l_shoulder_plane=(-20, 10),
                r_elbow_flexion=(90, 130),
                l_elbow_flexion=(90, 130),
            ),
            dict(
                r_shoulder_elevation=(70, 95),
                l_shoulder_elevation=(70, 95),
                r_shoulder_plane=(80, 100),
                l_shoulder_plane=(80, 100),
            ),
            dict(r_shoulder_elevation=(150, 180), l_shoulder_elevation=(150, 180)),
        ][rng.integers(3)]
        front_hip, back_hip = _u(rng, 70.0, 100.0), _u(rng, -25.0, -5.0)
        lunge = pose(
            _near(rng, rest_pose(), 3.0, lumbar_flexion=(-5, 10), **arms),
            l_hip_flexion=front_hip,
            l_knee_flexion=front_hip + _u(rng, -5, 10),
            r_hip_flexion=back_hip,
            r_knee_flexion=_u(rng, 70, 110),
        )
        return [
            _Key(_u(rng, 0.6, 1.2), _u(rng, 0.2, 1.5), lunge),
            _Key(_u(rng, 0.6, 1.2), _u(rng, 0.1, 1.0), _stand(rng)),
        ]

    return _upright(t, rng, _play(t, rng, _mirrored(cycle))[0])


PROGRAMMES: dict[str, Callable[[np.ndarray, np.random.Generator], Performance]] = {
    "random": _random,
    "crouch": _crouch,
    "kneel": _kneel,
    "lie": _lie,
    "reach": _reach,
    "run": _run,
    "jump": _jump,
    "kick": _kick,
    "throw": _throw,
    "punch": _punch,
    "swing": _swing,
    "lunge": _lunge,
}
"""Programme name -> (t (T,) seconds, generator) -> :class:`Performance`."""


def articulated_sequence(
    programme: str, seconds: float, fps: float, lengths: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """One clip of ``programme`` on a body with ``lengths`` (17,) metres: (T, 17, 3) metres world z up, the
    lowest body surface on the floor (or ``flight`` above it), T = ``seconds * fps``."""
    if programme not in PROGRAMMES:
        raise ValueError(
            f"articulated motion programme {programme!r}: expected one of {', '.join(PROGRAMMES)}"
        )
    t = np.arange(max(2, round(seconds * fps))) / fps
    performance = PROGRAMMES[programme](t, rng)
    positions = forward_kinematics(performance.angles, lengths, performance.rotation)
    return ground(positions, performance.flight) + performance.travel[:, None]


def articulated_motions(
    seed: int, clips_per_programme: int, seconds: float, fps: float, lengths: np.ndarray
) -> list[tuple[str, np.ndarray]]:
    """(name, (T, 17, 3) metres world z up) for ``clips_per_programme`` clips of every programme;
    deterministic per ``seed``."""
    rng = np.random.default_rng([seed, 9_113])
    return [
        (f"articulated {programme} {clip}", articulated_sequence(programme, seconds, fps, lengths, rng))
        for programme in PROGRAMMES
        for clip in range(clips_per_programme)
    ]
