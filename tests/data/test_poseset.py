"""PoseSet batching, selection and flip augmentation on random tensors."""

from __future__ import annotations

import pytest
import torch

from jointformer.data.poseset import PoseSet
from jointformer.data.skeleton import SKELETON17

# A 2D symmetry unlike the 3D one, so a mix-up of the two lists shows.
LEFT_2D, RIGHT_2D = (1, 2, 3), (4, 5, 6)


def _pose_set(size: int, seed: int = 0) -> PoseSet:
    generator = torch.Generator().manual_seed(seed)
    return PoseSet(
        inputs_2d=torch.randn(size, 17, 2, generator=generator),
        targets_3d=torch.randn(size, 17, 3, generator=generator),
        action=torch.arange(size) % 3,
        subject=torch.arange(size) % 2,
        camera=torch.arange(size) % 4,
        actions=("Eating", "Walking", "WalkDog"),
        subjects=("S9", "S11"),
        joints_left_2d=LEFT_2D,
        joints_right_2d=RIGHT_2D,
        joints_left_3d=SKELETON17.joints_left,
        joints_right_3d=SKELETON17.joints_right,
    )


def test_batch_shapes() -> None:
    pose_set = _pose_set(10)
    inputs, targets = pose_set.batch(torch.tensor([3, 1, 4]))
    assert inputs.shape == (3, 17, 2) and targets.shape == (3, 17, 3)
    assert torch.equal(inputs[1], pose_set.inputs_2d[1]) and torch.equal(targets[2], pose_set.targets_3d[4])
    assert len(pose_set) == 10
    assert pose_set.nbytes() == 10 * 17 * 5 * 4 + 3 * 10 * 8


@pytest.mark.parametrize("drop_last", [False, True])
def test_shuffled_batches_cover_each_index_once(drop_last: bool) -> None:
    pose_set = _pose_set(23)
    generator = torch.Generator().manual_seed(0)
    batches = list(pose_set.shuffled_batches(5, generator=generator, drop_last=drop_last))
    assert [len(batch) for batch in batches] == ([5] * 4 if drop_last else [5] * 4 + [3])
    seen = torch.cat(batches)
    assert len(set(seen.tolist())) == len(seen)  # no index twice
    if not drop_last:
        assert torch.equal(seen.sort().values, torch.arange(23))
    assert not torch.equal(seen, torch.arange(len(seen)))  # shuffled


def test_ordered_batches_follow_the_stored_order() -> None:
    batches = list(_pose_set(7).ordered_batches(3))
    assert [batch.tolist() for batch in batches] == [[0, 1, 2], [3, 4, 5], [6]]


def test_random_flip_with_probability_zero_and_one() -> None:
    pose_set = _pose_set(32)
    inputs, targets = pose_set.inputs_2d, pose_set.targets_3d
    unchanged = pose_set.random_flip(inputs, targets, torch.Generator().manual_seed(0), probability=0.0)
    assert torch.equal(unchanged[0], inputs) and torch.equal(unchanged[1], targets)
    flipped = pose_set.random_flip(inputs, targets, torch.Generator().manual_seed(0), probability=1.0)
    assert torch.equal(flipped[0], pose_set.flip_2d(inputs))
    assert torch.equal(flipped[1], pose_set.flip_3d(targets))
    # Each modality is mirrored with its own left/right lists.
    assert torch.equal(flipped[0][:, 1, 1], inputs[:, 4, 1])
    assert torch.equal(flipped[1][:, SKELETON17.joints_left[0], 2], targets[:, SKELETON17.joints_right[0], 2])


def test_random_flip_flips_about_half_of_a_large_batch_consistently() -> None:
    pose_set = _pose_set(20_000)
    inputs, targets = pose_set.inputs_2d, pose_set.targets_3d
    flipped_2d, flipped_3d = pose_set.random_flip(inputs, targets, torch.Generator().manual_seed(7))
    mirrored_2d = torch.all(flipped_2d == pose_set.flip_2d(inputs), dim=(1, 2))
    mirrored_3d = torch.all(flipped_3d == pose_set.flip_3d(targets), dim=(1, 2))
    kept_2d = torch.all(flipped_2d == inputs, dim=(1, 2))
    assert torch.equal(mirrored_2d, mirrored_3d)  # a pose's input and target flip together
    assert torch.all(mirrored_2d ^ kept_2d)
    assert 0.48 < mirrored_2d.float().mean().item() < 0.52


def test_to_cpu_keeps_the_values() -> None:
    pose_set = _pose_set(6)
    moved = pose_set.to("cpu")
    assert moved.device == torch.device("cpu")
    assert torch.equal(moved.inputs_2d, pose_set.inputs_2d) and moved.actions == pose_set.actions


def test_select_by_mask_and_by_indices() -> None:
    pose_set = _pose_set(12)
    by_mask = pose_set.select(pose_set.camera == 2)
    assert len(by_mask) == 3 and torch.all(by_mask.camera == 2)
    assert torch.equal(by_mask.targets_3d, pose_set.targets_3d[[2, 6, 10]])
    by_index = pose_set.select(torch.tensor([11, 0]))
    assert torch.equal(by_index.inputs_2d, pose_set.inputs_2d[[11, 0]])
    assert by_index.inputs_2d.is_contiguous() and by_index.subjects == pose_set.subjects


def test_of_action() -> None:
    pose_set = _pose_set(12)
    walking = pose_set.of_action("Walking")
    assert len(walking) == 4 and torch.all(walking.action == 1)
    assert torch.equal(walking.inputs_2d, pose_set.inputs_2d[1::3])
    with pytest.raises(ValueError, match=r"'Sitting'.*Eating, Walking, WalkDog"):
        pose_set.of_action("Sitting")
