"""The synthetic bodies: named joints, constant bone lengths, adult statures and proportions."""

from __future__ import annotations

import numpy as np
import pytest

from jointformer.data.skeleton import ALL_SUBJECTS, SKELETON32
from jointformer.data.synthetic import subject_bone_lengths, subject_stature
from jointformer.data.synthetic.body import (
    ARMS,
    HEAD,
    LEFT,
    LEGS,
    NOSE,
    PELVIS,
    RIGHT,
    SPINE,
    SPINE_BASE,
    THORAX,
)


def test_named_joints_follow_the_mocap_tree() -> None:
    parents = SKELETON32.parents
    assert parents[PELVIS] == -1
    assert [parents[joint] for joint in (SPINE_BASE, SPINE, THORAX, NOSE, HEAD)] == [
        PELVIS, SPINE_BASE, SPINE, THORAX, NOSE]
    for leg in LEGS:
        assert [parents[joint] for joint in leg] == [PELVIS, *leg[:-1]]  # a chain hanging from the pelvis
    for arm in ARMS:  # the girdle hangs from the spine joint (at the thorax), thumb and hand from the wrist
        assert [parents[joint] for joint in arm] == [SPINE, arm.girdle, arm.shoulder, arm.elbow, arm.wrist,
                                                     arm.thumb, arm.wrist, arm.hand]
    # The mocap's left and right lists name the same sides.
    assert set(LEGS[LEFT]) | set(ARMS[LEFT]) <= set(SKELETON32.joints_left)
    assert set(LEGS[RIGHT]) | set(ARMS[RIGHT]) <= set(SKELETON32.joints_right)


def test_bone_lengths_are_constant_and_differ_between_subjects(positions_3d: dict) -> None:
    bones = SKELETON32.bones()
    children = [child for child, _ in bones]
    for subject, actions in positions_3d.items():
        expected = subject_bone_lengths(subject)[children]
        for positions in actions.values():
            positions = positions.astype(np.float64)
            lengths = np.linalg.norm(positions[:, children] - positions[:, [p for _, p in bones]], axis=-1)
            assert np.abs(lengths - expected).max() < 1e-6
    all_lengths = {subject: subject_bone_lengths(subject) for subject in ALL_SUBJECTS}
    thigh = [all_lengths[subject][LEGS[RIGHT].knee] for subject in ALL_SUBJECTS]
    assert len({round(value, 4) for value in thigh}) == len(ALL_SUBJECTS)
    # Proportions differ too, not only the overall size.
    shapes = np.stack([lengths / lengths[LEGS[RIGHT].knee] for lengths in all_lengths.values()])
    shoulder_width, upper_arm = shapes[:, ARMS[RIGHT].shoulder], shapes[:, ARMS[LEFT].elbow]
    assert np.ptp(shoulder_width) > 0.03 and np.ptp(upper_arm) > 0.03


def test_statures_are_adult() -> None:
    for subject in ALL_SUBJECTS:
        assert 1.55 <= subject_stature(subject) <= 1.90
    with pytest.raises(ValueError, match="S2"):
        subject_bone_lengths("S2")
