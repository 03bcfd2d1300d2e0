"""Keypoint layouts: official orders, the H36M recipes, round trips, mirror symmetry, missing joints, errors.

The expectations below are written by joint *name*, independently of the module's index tables, so a
wrong index in a table (or a wrong official order) fails a test instead of being copied into it.
"""

from __future__ import annotations

import numpy as np
import pytest

from jointformer.data.skeleton import SKELETON17, flip_horizontal, flip_permutation
from jointformer.lift import layouts
from jointformer.lift.layouts import LAYOUTS, KeypointLayout, from_h36m, get_layout, to_h36m

H36M = SKELETON17.names
LIMBS = {"Hip": "hip", "Knee": "knee", "Foot": "ankle", "Shoulder": "shoulder", "Elbow": "elbow",
         "Wrist": "wrist"}


def limb_copies(left: str, right: str, capitalised: bool = False) -> dict[str, str]:
    copies = {}
    for h36m_part, part in LIMBS.items():
        part = part.capitalize() if capitalised else part
        copies["L" + h36m_part], copies["R" + h36m_part] = left + part, right + part
    return copies


# H36M joint -> the layout joint it copies, and H36M joint -> the layout joints it averages.
EXPECTED: dict[str, tuple[int, dict[str, str], dict[str, set[str]]]] = {
    "h36m": (17, {name: name for name in H36M}, {}),
    "coco": (17, {**limb_copies("left_", "right_"), "Neck/Nose": "nose"}, {
        "Hip": {"left_hip", "right_hip"},
        "Spine": {"left_hip", "right_hip", "left_shoulder", "right_shoulder"},
        "Thorax": {"left_shoulder", "right_shoulder"},
        "Head": {"left_eye", "right_eye", "left_ear", "right_ear"},
    }),
    "halpe26": (26, {**limb_copies("left_", "right_"), "Hip": "hip", "Thorax": "neck", "Neck/Nose": "nose",
                     "Head": "head"}, {"Spine": {"hip", "neck"}}),
    "openpose25": (25, {**limb_copies("L", "R", capitalised=True), "Hip": "MidHip", "Thorax": "Neck",
                        "Neck/Nose": "Nose"}, {
        "Spine": {"MidHip", "Neck"},
        "Head": {"LEye", "REye", "LEar", "REar"},
    }),
    "mediapipe33": (33, {**limb_copies("left_", "right_"), "Neck/Nose": "nose"}, {
        "Hip": {"left_hip", "right_hip"},
        "Spine": {"left_hip", "right_hip", "left_shoulder", "right_shoulder"},
        "Thorax": {"left_shoulder", "right_shoulder"},
        "Head": {"left_eye", "right_eye", "left_ear", "right_ear"},
    }),
    "mpii16": (16, {**limb_copies("l_", "r_"), "Hip": "pelvis", "Thorax": "thorax", "Neck/Nose": "upper_neck",
                    "Head": "head_top"}, {"Spine": {"pelvis", "thorax"}}),
}

# Spot checks of the official orders (index -> name), from the layouts' own documentation.
OFFICIAL = {
    "coco": {0: "nose", 1: "left_eye", 4: "right_ear", 5: "left_shoulder", 10: "right_wrist", 11: "left_hip",
             16: "right_ankle"},
    "halpe26": {17: "head", 18: "neck", 19: "hip", 20: "left_big_toe", 21: "right_big_toe",
                22: "left_small_toe", 25: "right_heel"},
    "openpose25": {0: "Nose", 1: "Neck", 2: "RShoulder", 5: "LShoulder", 8: "MidHip", 9: "RHip", 12: "LHip",
                   15: "REye", 18: "LEar", 19: "LBigToe", 21: "LHeel", 22: "RBigToe", 24: "RHeel"},
    "mediapipe33": {0: "nose", 2: "left_eye", 5: "right_eye", 7: "left_ear", 8: "right_ear",
                    11: "left_shoulder", 16: "right_wrist", 23: "left_hip", 24: "right_hip", 27: "left_ankle",
                    29: "left_heel", 32: "right_foot_index"},
    "mpii16": {0: "r_ankle", 2: "r_hip", 3: "l_hip", 6: "pelvis", 7: "thorax", 8: "upper_neck", 9: "head_top",
               10: "r_wrist", 12: "r_shoulder", 15: "l_wrist"},
}

NAMES = sorted(LAYOUTS)


def mirror_name(name: str) -> str:
    """The name of a joint's mirror partner under each layout's spelling of left and right."""
    for side, other in (("left", "right"), ("right", "left")):
        if side in name:
            return name.replace(side, other)
    if name[:2] in ("l_", "r_"):
        return {"l_": "r_", "r_": "l_"}[name[:2]] + name[2:]
    if len(name) > 1 and name[0] in "LR" and name[1].isupper():
        return {"L": "R", "R": "L"}[name[0]] + name[1:]
    return name


# Synthesised joints made from whichever of their sources are present (one missing source never removes them).
ANY_SIDE = {"coco": {"Head"}, "openpose25": {"Head"}, "mediapipe33": {"Head"}}


def dependents(layout_name: str, joint: str) -> set[str]:
    """H36M joints that go missing with layout joint ``joint``, from the EXPECTED tables."""
    _, copies, means = EXPECTED[layout_name]
    using = ({h36m for h36m, source in copies.items() if source == joint}
             | {h36m for h36m, sources in means.items() if joint in sources})
    return using - ANY_SIDE.get(layout_name, set())


def random_keypoints(layout: KeypointLayout, batch: tuple[int, ...], seed: int = 0) -> np.ndarray:
    """(*batch, K, 2) float64 pixels."""
    return np.random.default_rng(seed).uniform(0.0, 1000.0, size=(*batch, layout.num_joints, 2))


def test_expectations_cover_every_layout():
    assert set(EXPECTED) == set(LAYOUTS)


@pytest.mark.parametrize("name", NAMES)
def test_table_sanity(name):
    layout = LAYOUTS[name]
    expected_k, copies, means = EXPECTED[name]
    assert layout.name == name
    assert layout.num_joints == expected_k == len(layout.joint_names)
    assert len(set(layout.joint_names)) == layout.num_joints
    assert len(layout.joints_left) == len(layout.joints_right)
    assert not set(layout.joints_left) & set(layout.joints_right)
    indices = [*layout.joints_left, *layout.joints_right, *(i for source in layout.sources for i in source)]
    assert all(0 <= index < layout.num_joints for index in indices)
    assert len(layout.sources) == len(H36M)
    # every sided joint is paired with its namesake, and every unpaired joint is central
    paired = {layout.joint_names[i] for i in (*layout.joints_left, *layout.joints_right)}
    for left, right in zip(layout.joints_left, layout.joints_right, strict=True):
        assert mirror_name(layout.joint_names[left]) == layout.joint_names[right]
        assert mirror_name(layout.joint_names[left]) != layout.joint_names[left]
    for joint in set(layout.joint_names) - paired:
        assert mirror_name(joint) == joint, f"{name}: {joint} has a side but no partner"
    for h36m, source in zip(H36M, layout.sources, strict=True):
        used = {layout.joint_names[i] for i in source}
        assert used == ({copies[h36m]} if h36m in copies else means[h36m]), h36m
    assert layout.synthesized == tuple(h36m for h36m in H36M if h36m in means)


@pytest.mark.parametrize("name", sorted(OFFICIAL))
def test_official_orders(name):
    joint_names = LAYOUTS[name].joint_names
    for index, joint in OFFICIAL[name].items():
        assert joint_names[index] == joint


def test_h36m_layout_is_skeleton17():
    layout = LAYOUTS["h36m"]
    assert layout.joint_names == H36M
    assert (layout.joints_left, layout.joints_right) == (SKELETON17.joints_left, SKELETON17.joints_right)


def test_docstring_table_lists_the_synthesised_joints():
    rows: dict[str, str] = {}
    for line in layouts.__doc__.splitlines():  # the first table: one row per layout
        if line.split()[:1] in [[name] for name in LAYOUTS]:
            rows.setdefault(line.split()[0], line)
    assert set(rows) == set(LAYOUTS)
    for name, row in rows.items():
        synthesised_column = row[14:55]
        listed = {word.strip(",") for word in synthesised_column.split()} - {"none"}
        assert listed == set(LAYOUTS[name].synthesized), name


@pytest.mark.parametrize("name", NAMES)
def test_round_trip(name):
    """H36M -> layout -> H36M: copied joints come back bit for bit; a synthesised joint is the mean of the
    H36M joints copied into its sources, or missing when a source has no H36M counterpart (eyes, ears)."""
    layout = LAYOUTS[name]
    _, copies, means = EXPECTED[name]
    pose = np.random.default_rng(1).uniform(0.0, 1000.0, size=(4, 3, 17, 2))
    placed = from_h36m(pose, layout)
    assert placed.shape == (4, 3, layout.num_joints, 2)
    counterpart = {joint: H36M.index(h36m) for h36m, joint in copies.items()}
    for index, joint in enumerate(layout.joint_names):
        if joint in counterpart:
            np.testing.assert_array_equal(placed[..., index, :], pose[..., counterpart[joint], :])
        else:
            assert np.isnan(placed[..., index, :]).all(), joint
    points, valid = to_h36m(placed, name)
    for j, h36m in enumerate(H36M):
        if h36m in copies:
            assert valid[..., j].all(), h36m
            np.testing.assert_array_equal(points[..., j, :], pose[..., j, :])
        elif all(joint in counterpart for joint in means[h36m]):
            assert valid[..., j].all(), h36m
            expected = np.mean([pose[..., counterpart[joint], :] for joint in means[h36m]], axis=0)
            np.testing.assert_allclose(points[..., j, :], expected, rtol=1e-12, atol=1e-9)
        else:
            assert not valid[..., j].any(), h36m
            assert np.isnan(points[..., j, :]).all(), h36m


@pytest.mark.parametrize("name", NAMES)
def test_conversion_commutes_with_mirroring(name):
    layout = LAYOUTS[name]
    rng = np.random.default_rng(2)
    keypoints = np.concatenate([random_keypoints(layout, (6,), seed=3),
                                rng.uniform(0.0, 1.0, size=(6, layout.num_joints, 1))], axis=-1)
    keypoints[0, rng.integers(layout.num_joints), 0] = np.nan  # a missing coordinate travels with its joint
    mirrored = flip_horizontal(keypoints, layout.joints_left, layout.joints_right)
    points_of_mirrored, valid_of_mirrored = to_h36m(mirrored, layout, min_score=0.3)
    points, valid = to_h36m(keypoints, layout, min_score=0.3)
    expected_points = flip_horizontal(points, SKELETON17.joints_left, SKELETON17.joints_right)
    permutation = flip_permutation(17, SKELETON17.joints_left, SKELETON17.joints_right)
    np.testing.assert_array_equal(valid_of_mirrored, valid[..., permutation])
    assert (~valid).any() and valid.any()  # the scores really exercised both cases
    np.testing.assert_allclose(points_of_mirrored, expected_points, rtol=1e-12, atol=1e-9, equal_nan=True)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("how", ["low_score", "nan"])
def test_a_missing_source_removes_exactly_its_dependents(name, how):
    layout = LAYOUTS[name]
    keypoints = random_keypoints(layout, (2,))
    for index, joint in enumerate(layout.joint_names):
        damaged = keypoints.copy()
        scores = np.ones(damaged.shape[:-1])
        if how == "low_score":
            scores[1, index] = 0.49
        else:
            damaged[1, index, 1] = np.nan
        points, valid = to_h36m(damaged, layout, scores=scores, min_score=0.5)
        assert valid[0].all()
        missing = {H36M[j] for j in np.flatnonzero(~valid[1])}
        assert missing == dependents(name, joint), joint
        assert np.isnan(points[1][~valid[1]]).all()
        assert np.isfinite(points[1][valid[1]]).all()


def test_coco_missing_joints_by_hand():
    keypoints = random_keypoints(LAYOUTS["coco"], ())
    scores = np.ones(17)
    scores[[1, 5]] = 0.0  # left_eye, left_shoulder
    _, valid = to_h36m(keypoints, "coco", scores=scores, min_score=0.1)
    assert {H36M[j] for j in np.flatnonzero(~valid)} == {"Spine", "Thorax", "LShoulder"}


FACE = {"coco": ("left_eye", "right_eye", "left_ear", "right_ear"),
        "mediapipe33": ("left_eye", "right_eye", "left_ear", "right_ear"),
        "openpose25": ("LEye", "REye", "LEar", "REar")}


@pytest.mark.parametrize("name", sorted(FACE))
def test_head_from_the_eyes_and_ears_that_are_seen(name):
    """A face seen from the side: a hidden eye or ear is replaced by its visible partner (the complete
    recipe's weights); a pair wholly hidden drops out; no eye and no ear leaves Head missing."""
    layout = LAYOUTS[name]
    face = FACE[name]  # left eye, right eye, left ear, right ear
    left_eye, right_eye, left_ear, right_ear = (layout.joint_names.index(joint) for joint in face)
    keypoints = random_keypoints(layout, (4,), seed=5)
    scores = np.ones((4, layout.num_joints))
    scores[0, right_ear] = 0.0  # profile: one ear hidden
    scores[1, [right_ear, right_eye]] = 0.0  # one side of the face hidden
    scores[2, [left_ear, right_ear]] = 0.0  # both ears hidden
    scores[3, [left_eye, right_eye, left_ear, right_ear]] = 0.0
    points, valid = to_h36m(keypoints, layout, scores=scores, min_score=0.5)
    head = H36M.index("Head")
    assert valid[:3, head].all() and not valid[3, head] and np.isnan(points[3, head]).all()
    eyes = keypoints[:, [left_eye, right_eye]]
    np.testing.assert_allclose(points[0, head], (eyes[0].sum(0) + 2 * keypoints[0, left_ear]) / 4)
    np.testing.assert_allclose(points[1, head], (keypoints[1, left_eye] + keypoints[1, left_ear]) / 2)
    np.testing.assert_allclose(points[2, head], eyes[2].mean(0))
    # Joints whose geometry needs both sides still need them: the mid-hip without the left hip.
    one_hip = np.ones((1, layout.num_joints))
    one_hip[0, layout.sources[H36M.index("LHip")][0]] = 0.0
    _, valid = to_h36m(keypoints[:1], layout, scores=one_hip, min_score=0.5)
    assert valid[0, H36M.index("Hip")] == (name == "openpose25")  # OpenPose has its own MidHip


def test_docstring_table_of_what_each_synthesised_joint_needs():
    needs: dict[tuple[str, str], str] = {}
    for line in layouts.__doc__.splitlines():
        words = line.split()
        if len(words) > 2 and words[0] in LAYOUTS and words[1] in H36M:
            needs[(words[0], words[1])] = " ".join(words[2:])
    assert set(needs) == {(name, joint) for name, layout in LAYOUTS.items() for joint in layout.synthesized}
    for (name, joint), text in needs.items():
        assert ("any eye or ear" in text) == (joint in ANY_SIDE.get(name, set())), (name, joint)


def test_coco_values_by_hand():
    keypoints = random_keypoints(LAYOUTS["coco"], ())
    points, valid = to_h36m(keypoints, "coco")
    assert valid.all()
    np.testing.assert_array_equal(points[H36M.index("RWrist")], keypoints[10])
    np.testing.assert_array_equal(points[H36M.index("LFoot")], keypoints[15])
    np.testing.assert_allclose(points[H36M.index("Hip")], (keypoints[11] + keypoints[12]) / 2)
    thorax = (keypoints[5] + keypoints[6]) / 2
    np.testing.assert_allclose(points[H36M.index("Spine")], (points[H36M.index("Hip")] + thorax) / 2)


def test_score_at_threshold_counts_as_present_and_score_column_is_read():
    layout = LAYOUTS["mpii16"]
    keypoints = np.concatenate([random_keypoints(layout, ()), np.full((16, 1), 0.5)], axis=-1)
    keypoints[6, 2] = 0.4999  # pelvis
    _, valid = to_h36m(keypoints, layout, min_score=0.5)
    assert {H36M[j] for j in np.flatnonzero(~valid)} == {"Hip", "Spine"}
    _, valid_default = to_h36m(keypoints, layout)
    assert valid_default.all()


def test_dtypes_and_single_pose():
    layout = LAYOUTS["openpose25"]
    points, valid = to_h36m(random_keypoints(layout, ()).astype(np.float32), "openpose25")
    assert points.shape == (17, 2) and valid.shape == (17,) and points.dtype == np.float32
    integers = np.arange(50).reshape(25, 2)
    points, _ = to_h36m(integers, layout)
    assert points.dtype == np.float64
    np.testing.assert_array_equal(points[H36M.index("RWrist")], integers[4])


def test_layout_names_resolve_case_insensitively():
    assert get_layout("COCO") is LAYOUTS["coco"]
    assert get_layout("OpenPose25") is LAYOUTS["openpose25"]
    points, _ = to_h36m(random_keypoints(LAYOUTS["mpii16"], (1,)), "MPII16")
    assert points.shape == (1, 17, 2)


def test_unknown_layout_lists_the_known_ones():
    with pytest.raises(ValueError, match=r"unknown keypoint layout 'body_25'.*coco.*mediapipe33"):
        get_layout("body_25")


@pytest.mark.parametrize("name", NAMES)
def test_wrong_joint_count_names_layout_and_counts(name):
    layout = LAYOUTS[name]
    wrong = np.zeros((3, layout.num_joints + 1, 2))
    message = rf"'{name}' has K = {layout.num_joints} joints, got {layout.num_joints + 1}"
    with pytest.raises(ValueError, match=message):
        to_h36m(wrong, name)


@pytest.mark.parametrize("shape", [(17, 4), (17, 1), (17,), ()])
def test_wrong_last_dimension(shape):
    with pytest.raises(ValueError, match=r"\(\.\.\., K, 2\) or \(\.\.\., K, 3\)"):
        to_h36m(np.zeros(shape), "coco")


def test_bad_scores_and_arguments():
    keypoints = np.zeros((2, 17, 2))
    with pytest.raises(ValueError, match="scores: expected shape"):
        to_h36m(keypoints, "coco", scores=np.ones((2, 16)))
    with pytest.raises(ValueError, match="scores in their last column"):
        to_h36m(np.zeros((2, 17, 3)), "coco", scores=np.ones((2, 17)))
    with pytest.raises(ValueError, match="min_score"):
        to_h36m(keypoints, "coco", min_score=float("nan"))
    with pytest.raises(ValueError, match="real numbers"):
        to_h36m(np.full((17, 2), "a"), "coco")
    with pytest.raises(ValueError, match=r"points_17: expected shape \(\.\.\., 17, C\)"):
        from_h36m(np.zeros((16, 2)), "coco")


def good_table() -> dict:
    return dict(name="toy", joint_names=tuple(f"j{i}" for i in range(17)), joints_left=(1,),
                joints_right=(2,), sources=tuple((i,) for i in range(17)))


@pytest.mark.parametrize("change, message", [
    ({"name": "Toy"}, "lower case"),
    ({"joint_names": ("j0",) * 17}, "not unique"),
    ({"joints_left": (1, 3)}, "left joints but"),
    ({"joints_right": (1,)}, "appears twice"),
    ({"sources": tuple((i,) for i in range(16))}, "one per H36M joint"),
    ({"sources": ((), *((i,) for i in range(1, 17)))}, "no source joints"),
    ({"sources": ((17,), *((i,) for i in range(1, 17)))}, "out of range"),
    ({"sources": ((1,), *((i,) for i in range(1, 17)))}, "copied into two H36M joints"),
])
def test_bad_tables_are_refused(change, message):
    KeypointLayout(**good_table())  # the unchanged table is fine
    with pytest.raises(ValueError, match=message):
        KeypointLayout(**{**good_table(), **change})
