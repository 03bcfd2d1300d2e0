"""The articulated body (joint limits, kinematics) and its motion programmes."""

from functools import cache

import numpy as np
import pytest

from jointformer.data.articulated_motion import PROGRAMMES, articulated_motions, articulated_sequence
from jointformer.data.articulation import (
    COLUMN,
    HIGHEST_DEG,
    LOWEST_DEG,
    SURFACE_CLEARANCE,
    clip_to_limits,
    forward_kinematics,
    heading_rotation,
    keyframes,
    max_shoulder_elevation,
    mirror,
    pose,
)
from jointformer.data.wild import (
    REFERENCE_BONE_LENGTHS,
    WildConfig,
    body_frames,
    bone_lengths,
    motion_sources,
)

FPS = 20.0


@cache
def clips(programme: str) -> tuple[np.ndarray, ...]:
    """Three 10 s clips of ``programme`` (T, 17, 3) metres world z up, seeds 0-2."""
    return tuple(
        articulated_sequence(programme, 10.0, FPS, REFERENCE_BONE_LENGTHS, np.random.default_rng(seed))
        for seed in range(3)
    )


def _pose_of(**degrees: float) -> np.ndarray:
    """(17, 3) metres: one pose facing +x."""
    return forward_kinematics(pose(**degrees)[None], REFERENCE_BONE_LENGTHS, heading_rotation(np.zeros(1)))[0]


def _angle_deg(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    cosine = (
        np.sum(first * second, axis=-1) / np.linalg.norm(first, axis=-1) / np.linalg.norm(second, axis=-1)
    )
    return np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0)))


@pytest.mark.parametrize("programme", list(PROGRAMMES))
def test_every_frame_is_within_the_limits_and_knees_and_elbows_bend_by_their_angles(programme: str) -> None:
    t = np.arange(200) / FPS
    performance = PROGRAMMES[programme](t, np.random.default_rng(4))
    angles = performance.angles
    assert np.all(angles >= LOWEST_DEG - 1e-9) and np.all(angles <= HIGHEST_DEG + 1e-9)
    for side in "lr":
        plane, elevation = (
            angles[:, COLUMN[f"{side}_shoulder_plane"]],
            angles[:, COLUMN[f"{side}_shoulder_elevation"]],
        )
        assert np.all(elevation <= max_shoulder_elevation(plane) + 1e-9)
    positions = forward_kinematics(angles, REFERENCE_BONE_LENGTHS, performance.rotation)
    for side, (hip, knee, ankle), (shoulder, elbow, wrist) in (
        ("r", (1, 2, 3), (14, 15, 16)),
        ("l", (4, 5, 6), (11, 12, 13)),
    ):
        knee_bend = _angle_deg(
            positions[:, knee] - positions[:, hip], positions[:, ankle] - positions[:, knee]
        )
        elbow_bend = _angle_deg(
            positions[:, elbow] - positions[:, shoulder], positions[:, wrist] - positions[:, elbow]
        )
        np.testing.assert_allclose(knee_bend, angles[:, COLUMN[f"{side}_knee_flexion"]], atol=1e-4)
        np.testing.assert_allclose(elbow_bend, angles[:, COLUMN[f"{side}_elbow_flexion"]], atol=1e-4)


def test_joints_bend_the_human_way() -> None:
    rest = _pose_of()
    knee = _pose_of(r_knee_flexion=90.0)
    assert knee[3, 0] < knee[2, 0] - 0.3  # the shin folds backward (x is forward)
    elbow = _pose_of(l_elbow_flexion=90.0)
    assert elbow[13, 0] > elbow[12, 0] + 0.2  # the forearm folds forward
    hip = _pose_of(l_hip_flexion=90.0)
    assert hip[5, 0] > 0.35 and abs(hip[5, 2] - hip[4, 2]) < 0.01  # thigh forward, horizontal
    abducted = _pose_of(r_hip_abduction=40.0, l_hip_abduction=40.0)
    assert (
        abducted[2, 1] < rest[2, 1] - 0.2 and abducted[5, 1] > rest[5, 1] + 0.2
    )  # both away from the middle
    raised = _pose_of(r_shoulder_elevation=180.0, r_elbow_flexion=0.0)
    assert raised[16, 2] > raised[10, 2] + 0.2  # wrist above the head
    sideways = _pose_of(l_shoulder_elevation=90.0, l_shoulder_plane=0.0)
    assert sideways[12, 1] > sideways[11, 1] + 0.25 and abs(sideways[12, 2] - sideways[11, 2]) < 0.01
    behind = _pose_of(l_shoulder_elevation=60.0, l_shoulder_plane=-90.0)
    assert behind[12, 0] < behind[11, 0] - 0.2  # shoulder extension: the arm goes back
    bowed = _pose_of(lumbar_flexion=40.0)
    assert bowed[8, 0] > 0.1  # flexion bends forward
    assert mirror(mirror(pose(lumbar_twist=20.0, r_knee_flexion=30.0))) == pytest.approx(
        pose(lumbar_twist=20.0, r_knee_flexion=30.0)
    )


def test_coupled_shoulder_limit_and_blends_stay_within_limits() -> None:
    beyond = pose(r_shoulder_plane=-90.0, r_shoulder_elevation=170.0, l_knee_flexion=170.0)
    clipped = clip_to_limits(beyond)
    assert clipped[COLUMN["r_shoulder_elevation"]] == pytest.approx(60.0)
    assert clipped[COLUMN["l_knee_flexion"]] == 150.0
    values = np.stack([pose(l_knee_flexion=0.0), pose(l_knee_flexion=150.0)])
    blended = keyframes(np.linspace(-1.0, 3.0, 41), np.array([0.0, 2.0]), values)
    assert (
        blended[:, COLUMN["l_knee_flexion"]].min() == 0.0
        and blended[:, COLUMN["l_knee_flexion"]].max() == 150.0
    )
    assert np.all(np.diff(blended[:, COLUMN["l_knee_flexion"]]) >= 0)  # a transition, not an overshoot


@pytest.mark.parametrize("programme", list(PROGRAMMES))
def test_bone_lengths_are_constant(programme: str) -> None:
    for positions in clips(programme):
        np.testing.assert_allclose(
            bone_lengths(positions), np.broadcast_to(REFERENCE_BONE_LENGTHS, (200, 17)), atol=1e-9
        )


def test_deterministic_per_seed() -> None:
    first = articulated_motions(5, 1, 3.0, FPS, REFERENCE_BONE_LENGTHS)
    again = articulated_motions(5, 1, 3.0, FPS, REFERENCE_BONE_LENGTHS)
    other = articulated_motions(6, 1, 3.0, FPS, REFERENCE_BONE_LENGTHS)
    assert [name for name, _ in first] == [f"articulated {name} 0" for name in PROGRAMMES]
    for (_, ours), (_, same), (_, different) in zip(first, again, other, strict=True):
        np.testing.assert_array_equal(ours, same)
        assert not np.allclose(ours, different)


def test_feet_or_knees_carry_the_standing_programmes() -> None:
    for programme in ("crouch", "kneel", "reach", "kick", "throw", "punch", "swing", "lunge"):
        for positions in clips(programme):
            lowest = np.argmin(positions[..., 2] - SURFACE_CLEARANCE, axis=-1)
            assert np.isin(lowest, (2, 3, 5, 6)).mean() > 0.99, programme
            assert np.abs((positions[..., 2] - SURFACE_CLEARANCE).min(axis=-1)).max() < 1e-9  # on the floor


def test_each_programme_does_what_it_says() -> None:
    standing_pelvis = _pose_of()[0, 2] - (_pose_of()[:, 2] - SURFACE_CLEARANCE).min()
    for positions in clips("crouch"):
        assert positions[:, 0, 2].min() < 0.6 * standing_pelvis
    for positions in clips("kneel"):
        assert positions[:, (2, 5), 2].min() < 0.12  # a knee near the floor
    for positions in clips("lunge"):
        back, front = positions[:, (2, 5), 2].min(axis=1), positions[:, (2, 5), 2].max(axis=1)
        assert np.any((back < 0.2) & (front > 0.35))
    for positions in clips("reach"):
        assert (
            positions[:, (13, 16), 2].max(axis=1) - positions[:, 10, 2]
        ).max() > 0.1  # wrist above the head
    for positions in clips("lie"):
        up = body_frames(positions)[:, 0]
        assert np.median(np.abs(up[:, 2])) < 0.3 and np.median(positions[:, (0, 8), 2]) < 0.4
    for positions in clips("jump"):
        assert positions[:, (3, 6), 2].min(axis=1).max() > 0.075 + 0.08  # both feet off the floor
    for positions in clips("kick"):
        assert positions[:, (3, 6), 2].max() > 0.6
    for positions in clips("run"):
        assert (positions[:, (2, 5), 2] - positions[:, (1, 4), 2]).max() > -0.3  # high knee lift
    for positions in clips("punch"):
        reach = np.linalg.norm(positions[:, (13, 16)] - positions[:, (11, 14)], axis=-1).max()
        assert reach > 0.9 * (REFERENCE_BONE_LENGTHS[12] + REFERENCE_BONE_LENGTHS[13])
    for programme in ("throw", "swing"):
        for positions in clips(programme):
            shoulders, hips = positions[:, 11] - positions[:, 14], positions[:, 4] - positions[:, 1]
            twist = np.degrees(
                np.arctan2(shoulders[:, 1], shoulders[:, 0]) - np.arctan2(hips[:, 1], hips[:, 0])
            )
            twist = (twist + 180.0) % 360.0 - 180.0
            assert np.ptp(twist) > 30.0, programme


def test_wild_set_uses_the_articulated_programmes_unless_switched_off() -> None:
    config = WildConfig(
        synthetic_seeds=(), articulation_clips=1, articulation_seconds=2.0, articulation_cameras=2
    )
    sources = motion_sources(config)
    assert [name for name, _, _ in sources] == [f"articulated {name} 0" for name in PROGRAMMES]
    assert all(cameras == 2 and positions.shape == (40, 17, 3) for _, positions, cameras in sources)
    off = WildConfig(synthetic_seeds=(), articulation=False)
    assert motion_sources(off) == []
