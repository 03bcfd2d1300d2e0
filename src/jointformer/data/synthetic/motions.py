"""The 15 motion programmes of the embedded data set, one per Human3.6M action, and the pose library.

A programme maps (t (T,) seconds at 50 fps, a random generator, a
:class:`~jointformer.data.synthetic.body.Body`) to a :class:`~jointformer.data.synthetic.body.Motion` in
the programme frame (near the origin, facing anywhere). Each is made of building blocks of
:mod:`~jointformer.data.synthetic.motion_blocks` (gait cycles, key poses eased into one another, hand
targets reached by inverse kinematics) with per-trial random phase, speed, amplitude and choices (which
hand, seated or standing). :func:`perform_action` runs one programme on a body and returns joint positions.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from jointformer.data.skeleton import FPS
from jointformer.data.synthetic.body import (
    BACK_POLE,
    DOWN_OUT_POLE,
    LATERAL,
    LEFT,
    RIGHT,
    Body,
    Motion,
    hanging_target,
    head_point,
    pose_body,
)
from jointformer.data.synthetic.config import SyntheticConfig
from jointformer.data.synthetic.motion_blocks import (
    apply_gait,
    apply_key_poses,
    apply_seated,
    apply_squat,
    apply_weight_shift,
    arc_path,
    blend_targets,
    crossed_target,
    degrees,
    ear_target,
    gait_phase,
    hold_times,
    keyframes,
    look_around,
    mouth_target,
    pulse,
    smoothstep,
    wobble,
)


def _walking(t: np.ndarray, rng: np.random.Generator, body: Body) -> Motion:
    motion = Motion.neutral(len(t), body)
    motion.plant_feet = False
    speed = rng.uniform(1.05, 1.35) * (1.0 + 0.06 * wobble(rng, t, 0.2)[:, 0])
    motion.root_xy, motion.heading = arc_path(t, speed, rng.uniform(0.8, 1.0), rng.choice([-1.0, 1.0]),
                                              rng.uniform(0.0, 2.0 * np.pi))
    apply_gait(motion, body, gait_phase(t, speed, body, rng), 1.0, rng.uniform(0.15, 0.25))
    motion.spine_bend += degrees(rng.uniform(2.0, 6.0))
    motion.head_yaw += degrees(8.0) * wobble(rng, t, 0.3)[:, 0]
    return motion


def _walk_dog(t: np.ndarray, rng: np.random.Generator, body: Body) -> Motion:
    motion = Motion.neutral(len(t), body)
    motion.plant_feet = False
    duration = t[-1]
    stop_start = rng.uniform(0.3, 0.55) * duration
    stop_length = rng.uniform(0.2, 0.3) * duration
    ramp = 0.4
    moving = 1.0 - smoothstep((t - stop_start) / ramp) + smoothstep((t - stop_start - stop_length) / ramp)
    speed = rng.uniform(0.7, 0.95) * moving * (1.0 + 0.08 * wobble(rng, t, 0.3)[:, 0])
    motion.root_xy, motion.heading = arc_path(t, speed, rng.uniform(0.7, 0.95), rng.choice([-1.0, 1.0]),
                                              rng.uniform(0.0, 2.0 * np.pi))
    apply_gait(motion, body, gait_phase(t, speed, body, rng), 0.8 * moving, rng.uniform(0.08, 0.15))
    leash = int(rng.integers(2))
    tug = 0.04 * wobble(rng, t, 0.8, dims=3)
    motion.wrist_target[:, leash] = body.shoulder(leash) + np.array(
        [0.32 * body.arm_scale, LATERAL[leash] * 0.08, -0.30 * body.arm_scale]) + tug
    motion.elbow_pole[:, leash] = np.array([-1.0, LATERAL[leash] * 0.5, -0.6])
    motion.neck_pitch += degrees(rng.uniform(10.0, 20.0))
    motion.head_yaw += degrees(15.0) * wobble(rng, t, 0.25)[:, 0]
    return motion


def _walk_together(t: np.ndarray, rng: np.random.Generator, body: Body) -> Motion:
    motion = Motion.neutral(len(t), body)
    motion.plant_feet = False
    speed = rng.uniform(0.8, 1.0) * (1.0 + 0.05 * wobble(rng, t, 0.2)[:, 0])
    turn = rng.choice([-1.0, 1.0])
    motion.root_xy, motion.heading = arc_path(t, speed, rng.uniform(0.8, 1.0), turn,
                                              rng.uniform(0.0, 2.0 * np.pi))
    apply_gait(motion, body, gait_phase(t, speed, body, rng), 0.8, rng.uniform(0.06, 0.12))
    # The partner walks on the inside of the turn half of the time; the head turns to them, talking.
    partner = turn if rng.uniform() < 0.5 else -turn
    motion.head_yaw += (partner * degrees(rng.uniform(25.0, 45.0))
                        + degrees(8.0) * wobble(rng, t, 0.3)[:, 0])
    motion.spine_twist += partner * degrees(rng.uniform(4.0, 10.0))
    return motion


def _sitting_down(t: np.ndarray, rng: np.random.Generator, body: Body) -> Motion:
    motion = Motion.neutral(len(t), body)
    duration = t[-1]
    start = rng.uniform(0.15, 0.3) * duration
    length = min(rng.uniform(1.2, 1.8), 0.45 * duration)
    progress = smoothstep((t - start) / length)
    lean = np.sin(np.pi * progress) ** 1.5
    apply_weight_shift(motion, t, rng, 0.5 * (1.0 - progress))
    motion.pelvis_pitch += degrees(rng.uniform(20.0, 30.0)) * lean
    motion.spine_bend += degrees(rng.uniform(15.0, 25.0)) * lean - degrees(5.0) * progress
    apply_seated(motion, progress, rng, t)
    for side in (RIGHT, LEFT):
        # Arms reach forward for balance on the way down, then rest on the thighs.
        forward = body.shoulder(side) + np.array([0.35, LATERAL[side] * 0.05, -0.35]) * body.arm_scale
        on_thigh = np.array([0.30, LATERAL[side] * 0.13, -0.50]) * body.arm_scale
        rest = blend_targets(forward[None], on_thigh[None], smoothstep((progress - 0.5) / 0.5),
                             body.shoulder(side))
        motion.wrist_target[:, side] = blend_targets(motion.wrist_target[:, side], rest, np.sin(
            0.5 * np.pi * progress), body.shoulder(side))
        motion.elbow_pole[:, side] = BACK_POLE[side]
    motion.neck_pitch += degrees(10.0) * lean
    return motion


def _sitting(t: np.ndarray, rng: np.random.Generator, body: Body) -> Motion:
    motion = Motion.neutral(len(t), body)
    motion.pelvis_pitch += degrees(rng.uniform(-8.0, 5.0)) + degrees(6.0) * wobble(rng, t, 0.2)[:, 0]
    motion.spine_bend += degrees(rng.uniform(0.0, 10.0)) + degrees(8.0) * wobble(rng, t, 0.25)[:, 0]
    motion.spine_twist += degrees(10.0) * wobble(rng, t, 0.2)[:, 0]
    apply_seated(motion, np.ones_like(t), rng, t)
    gesturing = int(rng.integers(2))
    for side in (RIGHT, LEFT):
        on_thigh = np.array([0.30, LATERAL[side] * 0.13, -0.48]) * body.arm_scale
        motion.wrist_target[:, side] = on_thigh
    scale = body.arm_scale
    centre = body.shoulder(gesturing) + np.array([0.30, LATERAL[gesturing] * 0.05, -0.25]) * scale
    gesture = centre + np.array([0.10, 0.10, 0.12]) * wobble(rng, t, rng.uniform(0.4, 0.8), dims=3)
    activity = smoothstep(wobble(rng, t, 0.15)[:, 0] * 3.0 + 0.5)
    motion.wrist_target[:, gesturing] = blend_targets(motion.wrist_target[:, gesturing], gesture, activity,
                                                      body.shoulder(gesturing))
    look_around(motion, t, rng, 40.0, 1.5)
    return motion


def _eating(t: np.ndarray, rng: np.random.Generator, body: Body) -> Motion:
    motion = Motion.neutral(len(t), body)
    seated = rng.uniform() < 0.5
    motion.neck_pitch += degrees(rng.uniform(8.0, 15.0))
    if seated:
        motion.pelvis_pitch += degrees(rng.uniform(0.0, 8.0))
        apply_seated(motion, np.ones_like(t), rng, t)
    else:
        apply_weight_shift(motion, t, rng, 0.6)
    hand = int(rng.integers(2))
    plate = 1 - hand
    plate_target = body.shoulder(plate) + np.array([0.30, -LATERAL[plate] * 0.10, -0.30]) * body.arm_scale
    motion.wrist_target[:, plate] = plate_target
    rest = body.shoulder(hand) + np.array([0.30, -LATERAL[hand] * 0.08, -0.32]) * body.arm_scale
    period = rng.uniform(2.0, 3.0)
    cycle = (t / period + rng.uniform()) % 1.0
    to_mouth = pulse(cycle, 0.25, 0.15, 0.25)
    motion.head_pitch -= degrees(8.0) * to_mouth
    motion.wrist_target[:, hand] = blend_targets(np.broadcast_to(rest, (len(t), 3)),
                                                 mouth_target(motion, body, hand), to_mouth,
                                                 body.shoulder(hand))
    motion.elbow_pole[:, hand] = DOWN_OUT_POLE[hand]
    motion.elbow_pole[:, plate] = DOWN_OUT_POLE[plate]
    motion.wrist_flex[:, hand] = degrees(30.0) * to_mouth
    return motion


def _smoking(t: np.ndarray, rng: np.random.Generator, body: Body) -> Motion:
    motion = Motion.neutral(len(t), body)
    apply_weight_shift(motion, t, rng, 0.8)
    look_around(motion, t, rng, 30.0, 2.0)
    hand = int(rng.integers(2))
    other = 1 - hand
    # The other forearm lies across the belly and holds the smoking arm's elbow.
    motion.wrist_target[:, other] = np.array([0.17, LATERAL[hand] * 0.10, -0.36]) * body.arm_scale
    motion.elbow_pole[:, other] = BACK_POLE[other]
    rest = np.array([0.22, LATERAL[hand] * 0.12, -0.30]) * body.arm_scale
    period = rng.uniform(4.0, 6.0)
    cycle = (t / period + rng.uniform()) % 1.0
    to_mouth = pulse(cycle, 0.25, 0.2, 0.25)
    motion.wrist_target[:, hand] = blend_targets(np.broadcast_to(rest, (len(t), 3)),
                                                 mouth_target(motion, body, hand), to_mouth,
                                                 body.shoulder(hand))
    motion.elbow_pole[:, hand] = DOWN_OUT_POLE[hand]
    motion.wrist_flex[:, hand] = degrees(20.0)
    return motion


def _phoning(t: np.ndarray, rng: np.random.Generator, body: Body) -> Motion:
    motion = Motion.neutral(len(t), body)
    motion.plant_feet = False
    # Pacing slowly around a small circle, pausing now and then.
    moving = smoothstep(wobble(rng, t, 0.15)[:, 0] * 3.0 + 0.6)
    speed = rng.uniform(0.25, 0.4) * moving
    motion.root_xy, motion.heading = arc_path(t, speed, rng.uniform(0.3, 0.45), rng.choice([-1.0, 1.0]),
                                              rng.uniform(0.0, 2.0 * np.pi))
    apply_gait(motion, body, gait_phase(t, 2.2 * speed, body, rng), 0.45 * moving, 0.05)
    hand = int(rng.integers(2))
    motion.head_roll += -LATERAL[hand] * degrees(rng.uniform(3.0, 10.0))
    motion.neck_pitch += degrees(rng.uniform(0.0, 12.0)) + degrees(4.0) * wobble(rng, t, 0.3)[:, 0]
    motion.head_yaw += degrees(10.0) * wobble(rng, t, 0.2)[:, 0]
    motion.wrist_target[:, hand] = ear_target(motion, body, hand)
    motion.elbow_pole[:, hand] = np.array([0.4, LATERAL[hand] * 0.7, -1.0])
    other = 1 - hand
    if rng.uniform() < 0.5:
        motion.wrist_target[:, other] = body.hip_side(other)
        motion.elbow_pole[:, other] = np.array([-0.5, LATERAL[other], 0.0])
    return motion


def _photo(t: np.ndarray, rng: np.random.Generator, body: Body) -> Motion:
    motion = Motion.neutral(len(t), body)
    count = max(3, int(t[-1] / 1.2) + 2)
    times = np.cumsum(rng.uniform(0.8, 1.6, size=count)) - 1.0
    depths = rng.uniform(0.0, 70.0, size=count) * (rng.uniform(size=count) < 0.7)
    crouch = keyframes(t, times, degrees(depths))
    apply_squat(motion, crouch, 0.35 * crouch)
    motion.heading += keyframes(t, times, degrees(rng.uniform(-35.0, 35.0, size=count)))
    motion.spine_twist += degrees(8.0) * wobble(rng, t, 0.2)[:, 0]
    motion.spine_bend -= 0.3 * crouch  # keep the camera level while crouching
    motion.neck_pitch += degrees(5.0) * wobble(rng, t, 0.3)[:, 0]
    for side in (RIGHT, LEFT):
        # Both hands hold a camera in front of the face.
        camera_grip = np.array([0.18, LATERAL[side] * 0.07, -0.08])
        motion.wrist_target[:, side] = head_point(motion, body, camera_grip)
        motion.elbow_pole[:, side] = DOWN_OUT_POLE[side]
        motion.wrist_flex[:, side] = degrees(-20.0)
    return motion


def _greeting(t: np.ndarray, rng: np.random.Generator, body: Body) -> Motion:
    motion = Motion.neutral(len(t), body)
    motion.plant_feet = False
    duration = t[-1]
    walk_end = rng.uniform(0.2, 0.3) * duration
    moving = 1.0 - smoothstep((t - walk_end + 0.5) / 0.5)
    speed = rng.uniform(0.6, 0.8) * moving
    motion.root_xy[:, 0] = np.concatenate([[0.0], np.cumsum(speed[:-1])]) / FPS
    motion.heading += degrees(rng.uniform(-10.0, 10.0))
    apply_gait(motion, body, gait_phase(t, speed, body, rng), moving, 0.12)
    hand = int(rng.integers(2))
    shoulder = body.shoulder(hand)
    wave_start = walk_end - 0.2
    wave_end = min(wave_start + rng.uniform(1.6, 2.6), duration - 0.6)
    raised = smoothstep((t - wave_start) / 0.5) - smoothstep((t - wave_end) / 0.5)
    frequency = rng.uniform(1.5, 2.5)
    sway = 0.11 * np.sin(2.0 * np.pi * frequency * t)
    scale = body.arm_scale
    wave = shoulder + np.stack([np.full_like(t, 0.12), LATERAL[hand] * (0.22 + sway), np.full_like(t, 0.30)],
                               axis=-1) * scale
    # After the wave, a hand stretched out to shake.
    shake = shoulder + np.array([0.45, -LATERAL[hand] * 0.05, -0.20]) * scale
    after = smoothstep((t - wave_end - 0.2) / 0.6)
    motion.wrist_target[:, hand] = blend_targets(
        blend_targets(motion.wrist_target[:, hand], wave, raised, shoulder),
        np.broadcast_to(shake, (len(t), 3)), after, shoulder)
    motion.elbow_pole[:, hand] = blend_targets(
        np.broadcast_to(BACK_POLE[hand], (len(t), 3)),
        np.broadcast_to(np.array([0.0, LATERAL[hand], -1.0]), (len(t), 3)), raised, np.zeros(3))
    motion.head_yaw += degrees(rng.uniform(-15.0, 15.0))
    motion.neck_pitch -= degrees(5.0) * raised
    return motion


def _pose_library(body: Body) -> list[dict[str, np.ndarray]]:
    """Static key poses for Posing: fields of ``Motion`` (one frame each), missing fields neutral."""
    scale = body.arm_scale
    sh = [body.shoulder(side) for side in (RIGHT, LEFT)]
    lat = LATERAL

    def arms(right: np.ndarray, left: np.ndarray, right_pole: np.ndarray, left_pole: np.ndarray,
             ) -> dict[str, np.ndarray]:
        return {"wrist_target": np.stack([right, left]), "elbow_pole": np.stack([right_pole, left_pole])}

    hips = [body.hip_side(side) for side in (RIGHT, LEFT)]
    hip_pole = [np.array([-0.5, lat[side], 0.0]) for side in (RIGHT, LEFT)]
    # Straight arms: 0.995 of the reach leaves the elbows bent by ~10 degrees.
    out = [sh[side] + 0.995 * body.reach * np.array([0.0, lat[side], 0.04]) for side in (RIGHT, LEFT)]
    up = [sh[side] + 0.99 * body.reach * np.array([0.15, lat[side] * 0.45, 0.88]) for side in (RIGHT, LEFT)]
    flex = [sh[side] + np.array([0.05, lat[side] * body.upper_arm, 0.9 * body.forearm])
            for side in (RIGHT, LEFT)]
    behind_head = [np.array([-0.06, lat[side] * 0.10, 0.20]) * scale for side in (RIGHT, LEFT)]
    up_pole = [np.array([0.2, lat[side], 0.3]) for side in (RIGHT, LEFT)]
    back = list(BACK_POLE)
    wide = {"hip_abd": np.radians([12.0, 12.0]), "hip_rot": np.radians([15.0, 15.0])}
    lunge = {"hip_flex": np.radians([45.0, -12.0]), "knee": np.radians([70.0, 8.0]),
             "ankle": np.radians([25.0, 12.0]), "pelvis_pitch": np.radians(5.0)}
    return [
        {**arms(hips[0], hips[1], hip_pole[0], hip_pole[1]), **wide},
        {**arms(out[0], out[1], back[0], back[1]), **wide},
        {**arms(up[0], up[1], back[0], back[1]), "spine_bend": np.radians(-5.0),
         "head_pitch": np.radians(-15.0)},
        {**arms(flex[0], flex[1], DOWN_OUT_POLE[0], DOWN_OUT_POLE[1]), **wide},
        {**arms(behind_head[0], hips[1], up_pole[0], hip_pole[1]), "spine_side": np.radians(8.0)},
        {**arms(crossed_target(body, 0), crossed_target(body, 1), back[0], back[1]),
         "head_yaw": np.radians(25.0)},
        {**arms(sh[0] + np.array([0.35, -0.05, -0.35]) * scale, sh[1] + np.array([0.35, 0.05, -0.35]) * scale,
                back[0], back[1]), **lunge},
        {**arms(up[0], hips[1], back[0], hip_pole[1]), "spine_side": np.radians(-12.0),
         "hip_abd": np.radians([10.0, 10.0])},
    ]


def _posing(t: np.ndarray, rng: np.random.Generator, body: Body) -> Motion:
    motion = Motion.neutral(len(t), body)
    library = _pose_library(body)
    count = 3 if t[-1] < 5.0 else 4
    chosen = rng.choice(len(library), size=count, replace=False)
    poses = []
    for index in chosen:
        pose = dict(library[index])
        pose["spine_twist"] = np.radians(rng.uniform(-15.0, 15.0))
        pose["head_yaw"] = pose.get("head_yaw", 0.0) + np.radians(rng.uniform(-20.0, 20.0))
        poses.extend([pose, pose])
    apply_key_poses(motion, body, t, hold_times(t, np.ones(count), rng, 0.5), poses)
    return motion


def _purchases(t: np.ndarray, rng: np.random.Generator, body: Body) -> Motion:
    motion = Motion.neutral(len(t), body)
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
    reach_down = [body.shoulder(side) + np.array([0.25, -LATERAL[side] * 0.05, -0.46]) * scale
                  for side in (RIGHT, LEFT)]
    look = [body.shoulder(side) + np.array([0.35, -LATERAL[side] * 0.12, -0.20]) * scale
            for side in (RIGHT, LEFT)]
    bag = body.shoulder(hand) + np.array([0.05, LATERAL[hand] * 0.15, -0.48]) * scale
    hanging = [hanging_target(body, side) for side in (RIGHT, LEFT)]

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
         "spine_side": LATERAL[hand] * np.radians(8.0)},
    ][: count]
    start = rng.integers(count)
    poses = [poses[(start + k) % count] for k in range(count)]
    keyed = [pose for pose in poses for _ in (0, 1)]
    apply_key_poses(motion, body, t, hold_times(t, np.ones(count), rng, 0.7), keyed)
    look_around(motion, t, rng, 15.0, 2.0)
    return motion


def _waiting(t: np.ndarray, rng: np.random.Generator, body: Body) -> Motion:
    motion = Motion.neutral(len(t), body)
    apply_weight_shift(motion, t, rng, 1.0)
    look_around(motion, t, rng, 60.0, 1.2)
    style = int(rng.integers(3))
    for side in (RIGHT, LEFT):
        if style == 0:
            motion.wrist_target[:, side] = crossed_target(body, side)
        elif style == 1:
            motion.wrist_target[:, side] = body.hip_side(side)
            motion.elbow_pole[:, side] = np.array([-0.5, LATERAL[side], 0.0])
        else:  # hands clasped behind the back
            motion.wrist_target[:, side] = np.array([-0.22, LATERAL[side] * 0.04, -0.40]) * body.arm_scale
            motion.elbow_pole[:, side] = np.array([-0.3, LATERAL[side], -0.5])
    motion.spine_twist += degrees(6.0) * wobble(rng, t, 0.2)[:, 0]
    return motion


def _discussion(t: np.ndarray, rng: np.random.Generator, body: Body) -> Motion:
    motion = Motion.neutral(len(t), body)
    apply_weight_shift(motion, t, rng, 0.8)
    twist = degrees(rng.uniform(12.0, 25.0)) * wobble(rng, t, 0.2)[:, 0] * 2.0
    motion.spine_twist += twist
    motion.head_yaw += 0.8 * twist + degrees(10.0) * wobble(rng, t, 0.3)[:, 0]
    motion.neck_pitch += degrees(6.0) * wobble(rng, t, 0.4)[:, 0]
    scale = body.arm_scale
    for side in (RIGHT, LEFT):
        centre = body.shoulder(side) + np.array([0.28, -LATERAL[side] * 0.02, -0.28]) * scale
        swing = wobble(rng, t, rng.uniform(0.5, 1.0), dims=3)
        gesture = centre + np.array([0.10, 0.12, 0.16]) * scale * swing
        activity = smoothstep(wobble(rng, t, 0.2)[:, 0] * 3.0 + 0.6)
        motion.wrist_target[:, side] = blend_targets(motion.wrist_target[:, side], gesture, activity,
                                                     body.shoulder(side))
        motion.elbow_pole[:, side] = DOWN_OUT_POLE[side]
    return motion


def _directions(t: np.ndarray, rng: np.random.Generator, body: Body) -> Motion:
    motion = Motion.neutral(len(t), body)
    apply_weight_shift(motion, t, rng, 0.5)
    count = 3 if t[-1] < 5.0 else 4
    hanging = np.stack([hanging_target(body, side) for side in (RIGHT, LEFT)])
    rest = {"wrist_target": hanging, "spine_twist": np.asarray(0.0), "head_yaw": np.asarray(0.0),
            "head_pitch": np.asarray(0.0)}
    poses: list[dict[str, np.ndarray]] = [rest]
    for _ in range(count):
        azimuth = rng.uniform(15.0, 80.0) * rng.choice([-1.0, 1.0])
        elevation = np.radians(rng.uniform(-10.0, 30.0))
        side = LEFT if azimuth > 0 else RIGHT  # point with the arm on that side, never across the body
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
    times = hold_times(t, weights, rng, 0.45)
    apply_key_poses(motion, body, t, times, [pose for pose in poses for _ in (0, 1)])
    for side in (RIGHT, LEFT):
        motion.elbow_pole[:, side] = BACK_POLE[side]
    return motion


PROGRAMMES: dict[str, Callable[[np.ndarray, np.random.Generator, Body], Motion]] = {
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


def trial_frames(action: str, config: SyntheticConfig, rng: np.random.Generator) -> int:
    """Frames of one trial of ``action``: the action's place in [min_frames, max_frames] of ``config``
    (``_LENGTH_FRACTION``) moved by up to +-0.25 of the range, drawn from ``rng``, clipped to the range."""
    fraction = np.clip(_LENGTH_FRACTION[action] + rng.uniform(-0.25, 0.25), 0.0, 1.0)
    return int(config.min_frames + round(fraction * (config.max_frames - config.min_frames)))


def perform_action(action: str, offsets: np.ndarray, frames: int, rng: np.random.Generator) -> np.ndarray:
    """(frames, 32, 3) metres, programme frame (z up, floor z = 0, near the origin): the body of bone
    ``offsets`` (32, 3) metres performing ``action``'s motion programme at 50 fps, drawing from ``rng``."""
    body = Body(offsets)
    t = np.arange(frames) / FPS
    return pose_body(PROGRAMMES[action](t, rng, body), body, ground_clearance=rng.uniform(0.0, 0.01))
