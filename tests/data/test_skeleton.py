"""Skeleton tables and the flip function."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from jointformer.data.skeleton import (
    KEPT_FROM_32,
    SKELETON17,
    SKELETON32,
    Skeleton,
    action_group,
    flip_horizontal,
    flip_permutation,
    h36m_facts,
    reduce_to_17,
)

LEFT, RIGHT = SKELETON17.joints_left, SKELETON17.joints_right
SHOULDERS = (SKELETON17.names.index("LShoulder"), SKELETON17.names.index("RShoulder"))


@pytest.mark.parametrize("skeleton", [SKELETON17, SKELETON32], ids=["17", "32"])
def test_parents_precede_children(skeleton: Skeleton) -> None:
    assert skeleton.parents[0] == -1
    assert all(0 <= parent < child for child, parent in enumerate(skeleton.parents) if child > 0)
    assert len(skeleton.names) == skeleton.num_joints


@pytest.mark.parametrize("skeleton", [SKELETON17, SKELETON32], ids=["17", "32"])
def test_left_and_right_lists_pair_up(skeleton: Skeleton) -> None:
    assert len(skeleton.joints_left) == len(skeleton.joints_right)
    assert not set(skeleton.joints_left) & set(skeleton.joints_right)
    assert all(0 < joint < skeleton.num_joints for joint in skeleton.joints_left + skeleton.joints_right)


def test_17_joint_names_match_their_sides() -> None:
    assert SKELETON17.num_joints == 17 and SKELETON32.num_joints == 32
    assert all(SKELETON17.names[joint].startswith("L") for joint in LEFT)
    assert all(SKELETON17.names[joint].startswith("R") for joint in RIGHT)
    # Partners are the same body part: "LKnee" pairs with "RKnee".
    names = SKELETON17.names
    assert all(names[left][1:] == names[right][1:] for left, right in zip(LEFT, RIGHT, strict=True))


def test_kept_joints_are_the_complement_of_the_removed_ones() -> None:
    removed = h36m_facts()["skeleton32"]["removed_to_get_17"]
    assert list(KEPT_FROM_32) == [joint for joint in range(32) if joint not in removed]


def _nearest_kept_ancestor(joint_32: int) -> int:
    parent = SKELETON32.parents[joint_32]
    while parent not in KEPT_FROM_32:
        parent = SKELETON32.parents[parent]
    return parent


def test_17_joint_parents_are_the_nearest_kept_ancestors_except_the_rewired_shoulders() -> None:
    for joint_17, joint_32 in enumerate(KEPT_FROM_32):
        if joint_17 == 0:
            assert SKELETON17.parents[0] == -1
            continue
        ancestor = KEPT_FROM_32.index(_nearest_kept_ancestor(joint_32))
        if joint_17 in SHOULDERS:
            # In the mocap tree the shoulders hang from the spine; the 17-joint skeleton rewires both to the
            # thorax (as the published data code does).
            assert SKELETON17.names[ancestor] == "Spine"
            assert SKELETON17.names[SKELETON17.parents[joint_17]] == "Thorax"
        else:
            assert SKELETON17.parents[joint_17] == ancestor, SKELETON17.names[joint_17]


def test_kept_left_right_joints_keep_their_side() -> None:
    left = [KEPT_FROM_32.index(joint) for joint in SKELETON32.joints_left if joint in KEPT_FROM_32]
    right = [KEPT_FROM_32.index(joint) for joint in SKELETON32.joints_right if joint in KEPT_FROM_32]
    assert sorted(left) == sorted(LEFT) and sorted(right) == sorted(RIGHT)


def test_reduce_to_17_picks_the_kept_joints() -> None:
    positions = np.arange(2 * 32 * 3, dtype=np.float32).reshape(2, 32, 3)
    reduced = reduce_to_17(positions)
    assert reduced.shape == (2, 17, 3)
    np.testing.assert_array_equal(reduced[:, 3], positions[:, KEPT_FROM_32[3]])


def test_bones_and_adjacency() -> None:
    assert len(SKELETON17.bones()) == 16
    adjacency = SKELETON17.adjacency()
    assert adjacency.sum() == 32 and np.array_equal(adjacency, adjacency.T) and not adjacency.diagonal().any()


@pytest.mark.parametrize(("key", "group"), [("SittingDown 2", "SittingDown"), ("Walking", "Walking"),
                                            ("Eating 1", "Eating")])
def test_action_group(key: str, group: str) -> None:
    assert action_group(key) == group


def _poses(module: str, coordinates: int):
    poses = np.random.default_rng(coordinates).normal(size=(5, 17, coordinates))
    return torch.from_numpy(poses) if module == "torch" else poses


@pytest.mark.parametrize("module", ["numpy", "torch"])
@pytest.mark.parametrize("coordinates", [2, 3])
def test_flipping_twice_is_the_identity(module: str, coordinates: int) -> None:
    poses = _poses(module, coordinates)
    once = flip_horizontal(poses, LEFT, RIGHT)
    assert type(once) is type(poses) and once.shape == poses.shape
    assert not np.allclose(np.asarray(once), np.asarray(poses))
    np.testing.assert_array_equal(np.asarray(flip_horizontal(once, LEFT, RIGHT)), np.asarray(poses))


@pytest.mark.parametrize("module", ["numpy", "torch"])
def test_flip_swaps_exactly_the_named_joints_and_negates_x(module: str) -> None:
    poses = _poses(module, 3)
    original = poses.numpy().copy() if module == "torch" else poses.copy()
    flipped = np.asarray(flip_horizontal(poses, LEFT, RIGHT))
    np.testing.assert_array_equal(np.asarray(poses), original)  # the input is left untouched
    for left, right in zip(LEFT, RIGHT, strict=True):
        np.testing.assert_array_equal(flipped[:, left, 1:], original[:, right, 1:])
        np.testing.assert_array_equal(flipped[:, right, 1:], original[:, left, 1:])
        np.testing.assert_array_equal(flipped[:, left, 0], -original[:, right, 0])
    for centre in sorted(set(range(17)) - set(LEFT) - set(RIGHT)):
        np.testing.assert_array_equal(flipped[:, centre, 1:], original[:, centre, 1:])
        np.testing.assert_array_equal(flipped[:, centre, 0], -original[:, centre, 0])


def test_flip_permutation() -> None:
    assert flip_permutation(5, [1], [3]) == [0, 3, 2, 1, 4]
    with pytest.raises(ValueError, match="2 left vs 1 right"):
        flip_permutation(17, [1, 2], [4])
