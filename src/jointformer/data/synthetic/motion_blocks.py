"""The pieces the motion programmes are made of: smooth time signals and movements applied to a Motion.

Signals map times ``t`` (T,) seconds to (T, ...) values: eases, key frames, smooth random wobble, pulses.
Building blocks change a :class:`~jointformer.data.synthetic.body.Motion` in place (walking along an arc,
shifting the weight, squatting, sitting, looking around, easing through key poses) or give hand targets
that follow the head (mouth, ear). Hand targets are wrist positions in the thorax frame relative to the
thorax joint, metres; angles are radians (conventions of :mod:`~jointformer.data.synthetic.body`).
"""

from __future__ import annotations

import numpy as np

from jointformer.data.skeleton import FPS
from jointformer.data.synthetic.body import BACK_POLE, LATERAL, LEFT, RIGHT, Body, Motion, head_point

# --------------------------------------------------------------------------------------------------------
# Signals


def smoothstep(x: np.ndarray) -> np.ndarray:
    """Quintic ease 0 -> 1 over x in [0, 1] (zero velocity and acceleration at both ends), clipped."""
    x = np.clip(x, 0.0, 1.0)
    return x * x * x * (x * (6.0 * x - 15.0) + 10.0)


def keyframes(t: np.ndarray, times: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Ease between key values: (K,) increasing times (s), (K, ...) values -> (T, ...) at times ``t``.

    Held before the first and after the last key; a key repeated at two times is held between them.
    """
    times = np.asarray(times, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    index = np.clip(np.searchsorted(times, t, side="right") - 1, 0, len(times) - 2)
    span = np.maximum(times[index + 1] - times[index], 1e-9)
    ease = smoothstep((t - times[index]) / span).reshape(-1, *([1] * (values.ndim - 1)))
    return values[index] + ease * (values[index + 1] - values[index])


def blend_targets(start: np.ndarray, end: np.ndarray, weight: np.ndarray, origin: np.ndarray) -> np.ndarray:
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
    """Like ``keyframes`` for hand targets (K, 3) -> (T, 3), blending around ``origin`` (the shoulder)."""
    times = np.asarray(times, dtype=np.float64)
    index = np.clip(np.searchsorted(times, t, side="right") - 1, 0, len(times) - 2)
    span = np.maximum(times[index + 1] - times[index], 1e-9)
    ease = smoothstep((t - times[index]) / span)
    return blend_targets(targets[index], targets[index + 1], ease, origin)


def wobble(rng: np.random.Generator, t: np.ndarray, frequency: float, dims: int = 1) -> np.ndarray:
    """(T, dims) smooth random signal of unit-order amplitude: three sinusoids per dimension around
    ``frequency`` Hz with random phases (RMS about 0.5)."""
    freqs = frequency * rng.uniform(0.6, 1.6, size=(3, dims))
    phases = rng.uniform(0.0, 2.0 * np.pi, size=(3, dims))
    weights = np.array([0.5, 0.3, 0.2])[:, None]
    signal = (weights[None] * np.sin(2.0 * np.pi * freqs[None] * t[:, None, None] + phases[None])).sum(axis=1)
    return signal


def pulse(cycle: np.ndarray, rise: float, hold: float, fall: float) -> np.ndarray:
    """A smooth pulse over a cycle position in [0, 1): 0 -> 1 over ``rise``, held ``hold``, -> 0 over
    ``fall`` (fractions of the cycle), then 0."""
    return smoothstep(cycle / rise) - smoothstep((cycle - rise - hold) / fall)


def _periodic_bump(phase: np.ndarray, centre: float, width: float) -> np.ndarray:
    """Gaussian bump on the gait cycle: ``phase`` in cycles (any real), centre/width in cycles."""
    distance = (phase - centre + 0.5) % 1.0 - 0.5
    return np.exp(-0.5 * (distance / width) ** 2)


def degrees(value: float | np.ndarray) -> np.ndarray:
    """An angle written in degrees, as radians (the programmes' figures read as degrees)."""
    return np.radians(value)


# --------------------------------------------------------------------------------------------------------
# Motion building blocks


def arc_path(t: np.ndarray, speed: np.ndarray, radius: float, turn: float,
             start_angle: float) -> tuple[np.ndarray, np.ndarray]:
    """Walk along a circle of ``radius`` m around the origin at ``speed`` (T,) m/s, turning ``turn`` = +1
    (counter-clockwise) or -1. Returns root_xy (T, 2) metres and heading (T,) radians (the path tangent)."""
    distance = np.concatenate([[0.0], np.cumsum(speed[:-1])]) / FPS
    angle = start_angle + turn * distance / radius
    root_xy = radius * np.stack([np.cos(angle), np.sin(angle)], axis=-1)
    return root_xy, angle + turn * np.pi / 2.0


def gait_phase(t: np.ndarray, speed: np.ndarray, body: Body, rng: np.random.Generator) -> np.ndarray:
    """(T,) gait cycle position in cycles: advances by one stride (~1.45 leg lengths) of travel."""
    stride = 1.45 * body.leg * rng.uniform(0.92, 1.08)
    travelled = np.concatenate([[0.0], np.cumsum(speed[:-1])]) / FPS
    return rng.uniform(0.0, 1.0) + travelled / stride


def apply_gait(motion: Motion, body: Body, phase: np.ndarray, amplitude: np.ndarray | float,
               arm_swing: float) -> None:
    """Walking legs, pelvis and arm swing for gait ``phase`` (T,) cycles; ``amplitude`` (T,) or scalar in
    [0, 1] scales every excursion (0: standing). Right heel strike at phase 0, left at 0.5."""
    amplitude = np.broadcast_to(np.asarray(amplitude, dtype=np.float64), phase.shape)
    for side, offset in ((RIGHT, 0.0), (LEFT, 0.5)):
        cycle = phase + offset
        hip = amplitude * degrees(8.0 + 22.0 * np.cos(2.0 * np.pi * cycle))
        knee = degrees(3.0) + amplitude * degrees(
            13.0 * _periodic_bump(cycle, 0.15, 0.07) + 55.0 * _periodic_bump(cycle, 0.72, 0.09))
        push_off = amplitude * degrees(12.0) * _periodic_bump(cycle, 0.58, 0.06)
        motion.hip_flex[:, side] = hip
        motion.knee[:, side] = knee
        # The foot stays flat in stance (ankle = knee - hip), toes point down a little in swing.
        motion.ankle[:, side] = np.clip(knee - hip, degrees(-20.0), degrees(20.0)) - push_off
    right_cycle = 2.0 * np.pi * phase
    pelvis_yaw = amplitude * degrees(5.0) * np.cos(right_cycle)
    motion.heading = motion.heading + pelvis_yaw
    motion.spine_twist = motion.spine_twist - 1.8 * pelvis_yaw  # shoulders counter-rotate
    motion.pelvis_roll = motion.pelvis_roll + amplitude * degrees(3.0) * np.sin(2.0 * right_cycle)
    for side, opposite_offset in ((RIGHT, 0.5), (LEFT, 0.0)):
        # An arm swings forward with the opposite leg.
        forward = arm_swing * amplitude * np.cos(2.0 * np.pi * (phase + opposite_offset))
        length = 0.95 * body.reach
        target = np.stack([forward + 0.03, np.full_like(forward, LATERAL[side] * 0.06),
                           -np.sqrt(length**2 - forward**2)], axis=-1)
        motion.wrist_target[:, side] = body.shoulder(side) + target
        motion.elbow_pole[:, side] = BACK_POLE[side]


def apply_weight_shift(motion: Motion, t: np.ndarray, rng: np.random.Generator, amount: float) -> None:
    """Slow shifts of the weight from leg to leg: the unloaded knee bends, the pelvis tilts."""
    shift = wobble(rng, t, rng.uniform(0.12, 0.25))[:, 0] * 2.0 * amount
    motion.knee[:, RIGHT] += degrees(10.0) * np.clip(shift, 0.0, 1.0)
    motion.knee[:, LEFT] += degrees(10.0) * np.clip(-shift, 0.0, 1.0)
    motion.ankle[:, RIGHT] += degrees(5.0) * np.clip(shift, 0.0, 1.0)
    motion.ankle[:, LEFT] += degrees(5.0) * np.clip(-shift, 0.0, 1.0)
    motion.pelvis_roll += degrees(3.0) * shift
    motion.spine_side -= degrees(2.0) * shift


def apply_squat(motion: Motion, knee: np.ndarray, pelvis_pitch: np.ndarray) -> None:
    """Bend both knees by ``knee`` (T,) with the pelvis pitched ``pelvis_pitch`` (T,) and the hips over
    the feet: hip flexion = pitch + knee / 2, ankle flexion = knee / 2 (the shank and thigh lean equally)."""
    motion.pelvis_pitch = motion.pelvis_pitch + pelvis_pitch
    for side in (RIGHT, LEFT):
        motion.knee[:, side] = degrees(3.0) + knee
        motion.hip_flex[:, side] = pelvis_pitch + knee / 2.0
        motion.ankle[:, side] = degrees(3.0) + knee / 2.0


def apply_seated(motion: Motion, weight: np.ndarray, rng: np.random.Generator, t: np.ndarray) -> None:
    """Blend the legs into a seated pose on a knee-high chair by ``weight`` (T,) in [0, 1]: thighs level,
    shanks about vertical, feet flat (ankle = pitch - hip + knee)."""
    spread = rng.uniform(5.0, 15.0)
    for side in (RIGHT, LEFT):
        knee = degrees(rng.uniform(80.0, 100.0)) + degrees(6.0) * wobble(rng, t, 0.15)[:, 0]
        hip = degrees(90.0) + motion.pelvis_pitch
        motion.knee[:, side] = (1.0 - weight) * motion.knee[:, side] + weight * knee
        motion.hip_flex[:, side] = (1.0 - weight) * motion.hip_flex[:, side] + weight * hip
        motion.hip_abd[:, side] += weight * degrees(spread)
        flat = motion.pelvis_pitch - motion.hip_flex[:, side] + motion.knee[:, side]
        motion.ankle[:, side] = (1.0 - weight) * motion.ankle[:, side] + weight * flat


def look_around(motion: Motion, t: np.ndarray, rng: np.random.Generator, reach: float, hold: float) -> None:
    """Head yaw between random directions within +-``reach`` degrees, each held about ``hold`` seconds."""
    count = max(2, int(t[-1] / hold) + 2)
    times = np.cumsum(rng.uniform(0.6, 1.4, size=count) * hold) - hold
    yaws = degrees(rng.uniform(-reach, reach, size=count))
    motion.head_yaw = motion.head_yaw + keyframes(t, times, yaws)
    motion.neck_pitch = motion.neck_pitch + degrees(5.0) * wobble(rng, t, 0.2)[:, 0]


# Hand positions in the thorax frame (relative to the thorax joint), functions of the body.
def mouth_target(motion: Motion, body: Body, side: int) -> np.ndarray:
    """(T, 3) wrist position that puts the fingers at the mouth (follows the head)."""
    return head_point(motion, body, np.array([0.10, LATERAL[side] * 0.04, -0.12]))


def ear_target(motion: Motion, body: Body, side: int) -> np.ndarray:
    """(T, 3) wrist position holding a phone at the ear on ``side`` (follows the head)."""
    return head_point(motion, body, np.array([0.0, LATERAL[side] * 0.10, -0.10]))


def crossed_target(body: Body, side: int) -> np.ndarray:
    """(3,) wrist of an arm folded across the chest, the hand near the other elbow."""
    other = body.shoulder(1 - side)
    return np.array([0.17, other[1] * 0.9, -0.27 * body.arm_scale])


# --------------------------------------------------------------------------------------------------------
# Key poses


def apply_key_poses(motion: Motion, body: Body, t: np.ndarray, times: np.ndarray,
                    poses: list[dict[str, np.ndarray]]) -> None:
    """Ease ``motion`` through key ``poses`` at key ``times`` (K,) seconds; a field a pose leaves out takes
    the motion's first-frame value. Hand targets swing around the shoulders."""
    fields = sorted({name for pose in poses for name in pose})
    for name in fields:
        neutral = getattr(motion, name)[0]
        values = np.stack([np.asarray(pose.get(name, neutral), dtype=np.float64) for pose in poses])
        if name == "wrist_target":
            keyed = np.stack([_keyed_targets(t, times, values[:, side], body.shoulder(side))
                              for side in (RIGHT, LEFT)], axis=1)
        else:
            keyed = keyframes(t, times, values)
        setattr(motion, name, keyed)


def hold_times(t: np.ndarray, weights: np.ndarray, rng: np.random.Generator,
               transition: float) -> np.ndarray:
    """(2 * K,) key times holding K poses over the trial, hold lengths in proportion to ``weights`` (K,)
    (jittered by +-30 %), ``transition`` s between consecutive poses."""
    duration = t[-1] + 1.0 / FPS
    holds = np.asarray(weights, dtype=np.float64) * rng.uniform(0.7, 1.3, size=len(weights))
    transition = min(transition, 0.5 * duration / len(weights))
    holds *= (duration - transition * (len(weights) - 1)) / holds.sum()
    starts = np.concatenate([[0.0], np.cumsum(holds[:-1] + transition)])
    return np.stack([starts, starts + holds], axis=-1).reshape(-1)
