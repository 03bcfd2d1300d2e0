"""The motion programmes: feet on the floor, joints within human limits, each action recognisable."""

from __future__ import annotations

import numpy as np

from jointformer.data.synthetic.body import ARMS, HEAD, LEFT, LEGS, NOSE, PELVIS, RIGHT, THORAX

FOOT_JOINTS = [joint for leg in LEGS for joint in (leg.ankle, leg.toe, leg.toe_tip)]
WRISTS = [arm.wrist for arm in ARMS]


def sequences(positions_3d: dict, action: str) -> list[np.ndarray]:
    """Every trial of ``action`` over the subjects, (T, 32, 3) float64 metres, world frame."""
    return [array.astype(np.float64) for actions in positions_3d.values()
            for key, array in actions.items() if key.split(" ")[0] == action]


def flexion(positions: np.ndarray, top: int, middle: int, bottom: int) -> np.ndarray:
    """(T,) degrees: 0 for a straight limb (top -> middle -> bottom collinear), 180 folded back."""
    upper = positions[:, middle] - positions[:, top]
    lower = positions[:, bottom] - positions[:, middle]
    cosine = np.sum(upper * lower, axis=-1) / np.linalg.norm(upper, axis=-1) / np.linalg.norm(lower, axis=-1)
    return np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0)))


def test_feet_touch_the_floor_and_nobody_sinks(positions_3d: dict) -> None:
    for actions in positions_3d.values():
        for positions in actions.values():
            lowest = positions[:, FOOT_JOINTS, 2].min(axis=1)
            assert lowest.min() >= 0.0 and lowest.max() <= 0.011  # every frame a foot on the ground
            assert positions[..., 2].min() >= 0.0
            assert np.abs(positions[..., :2]).max() < 2.5  # inside the capture area


def test_knees_and_elbows_stay_within_human_limits(positions_3d: dict) -> None:
    for actions in positions_3d.values():
        for positions in actions.values():
            positions = positions.astype(np.float64)
            lateral = positions[:, LEGS[LEFT].hip] - positions[:, LEGS[RIGHT].hip]
            for hip, knee, ankle, *_ in LEGS:
                bend = flexion(positions, hip, knee, ankle)
                assert bend.max() <= 150.0
                # Knees bend one way: the shank swings backward, so the hinge axis points to the left.
                thigh = positions[:, knee] - positions[:, hip]
                hinge = np.cross(thigh, positions[:, ankle] - positions[:, knee])
                bent = bend > 10.0
                assert np.all(np.sum(hinge[bent] * lateral[bent], axis=-1) > 0.0)
            for _, shoulder, elbow, wrist, *_ in ARMS:
                assert flexion(positions, shoulder, elbow, wrist).max() <= 150.0


def test_actions_are_distinct(positions_3d: dict) -> None:
    def travel(positions: np.ndarray) -> float:
        """Farthest the pelvis gets from where it starts, on the floor, metres."""
        return float(np.linalg.norm(positions[:, PELVIS, :2] - positions[0, PELVIS, :2], axis=-1).max())

    def wrist_to_head(positions: np.ndarray) -> float:
        """Median over frames of the nearer wrist's distance to the head, metres."""
        distance = np.linalg.norm(positions[:, WRISTS] - positions[:, [HEAD]], axis=-1)
        return float(np.median(distance.min(axis=1)))

    def torso_lean(positions: np.ndarray) -> np.ndarray:
        """(T,) degrees between the pelvis -> thorax direction and the vertical."""
        spine = positions[:, THORAX] - positions[:, PELVIS]
        return np.degrees(np.arccos(spine[:, 2] / np.linalg.norm(spine, axis=-1)))

    def arm_extended(positions: np.ndarray) -> float:
        """Fraction of frames with an arm straight and raised near shoulder height, away from the body."""
        out = np.zeros(len(positions), dtype=bool)
        for _, shoulder, elbow, wrist, *_ in ARMS:
            straight = flexion(positions, shoulder, elbow, wrist) < 20.0
            level = positions[:, wrist, 2] > positions[:, shoulder, 2] - 0.25
            out |= straight & level
        return float(out.mean())

    for positions in sequences(positions_3d, "Walking"):
        assert travel(positions) > 1.0
        assert wrist_to_head(positions) > 0.45
        assert torso_lean(positions).max() < 20.0
        assert arm_extended(positions) == 0.0
    for positions in sequences(positions_3d, "Sitting"):
        assert travel(positions) < 0.3
        assert positions[:, PELVIS, 2].max() < 0.7  # the pelvis stays at chair height
        assert arm_extended(positions) == 0.0
    for positions in sequences(positions_3d, "SittingDown"):
        start, end = positions[:10, PELVIS, 2].mean(), positions[-10:, PELVIS, 2].mean()
        assert end < start - 0.25
    for positions in sequences(positions_3d, "Phoning"):
        assert wrist_to_head(positions) < 0.25
    for positions in sequences(positions_3d, "Directions"):
        assert arm_extended(positions) > 0.2
    for positions in sequences(positions_3d, "Greeting"):
        above_head = positions[:, WRISTS, 2].max(axis=1) > positions[:, HEAD, 2] - 0.1
        assert above_head.mean() > 0.1  # a hand raised to wave
    for positions in sequences(positions_3d, "Purchases"):
        assert torso_lean(positions).max() > 35.0  # bending down to pick something up
    for positions in sequences(positions_3d, "Photo"):
        hands_to_face = np.linalg.norm(positions[:, WRISTS] - positions[:, [NOSE]], axis=-1)
        assert np.median(hands_to_face) < 0.3  # both hands at the face
