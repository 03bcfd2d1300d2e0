"""Metrics against hand-computed cases (float64 where geometry is involved)."""

import math

import pytest
import torch

from jointformer.metrics import (
    ErrorSums,
    joint_errors,
    mpjpe,
    n_mpjpe,
    p_mpjpe,
    procrustes_align,
    root_centre,
)


def _random_poses(count: int, seed: int = 0) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(count, 17, 3, generator=generator, dtype=torch.float64) * 0.3


def _rotation(axis: torch.Tensor, angle: float) -> torch.Tensor:
    axis = axis / axis.norm()
    x, y, z = axis.tolist()
    skew = torch.tensor([[0, -z, y], [z, 0, -x], [-y, x, 0]], dtype=torch.float64)
    return torch.eye(3, dtype=torch.float64) + math.sin(angle) * skew + (1 - math.cos(angle)) * skew @ skew


def test_constant_offset_gives_that_offset_as_mpjpe():
    target = _random_poses(5)
    offset = torch.tensor([0.03, -0.04, 0.0], dtype=torch.float64)  # 5 cm
    assert torch.allclose(mpjpe(target + offset, target), torch.full((5,), 0.05, dtype=torch.float64))


def test_root_centring_removes_a_translation():
    target = root_centre(_random_poses(3))
    shifted = target + torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)
    assert torch.allclose(mpjpe(root_centre(shifted), target), torch.zeros(3, dtype=torch.float64))
    assert torch.all(root_centre(shifted)[:, 0] == 0)


def test_root_centring_is_out_of_place_unlike_the_published_aliased_subtraction():
    """The published evaluation writes ``x[:, :, :] -= x[:, :1, :]``: the subtrahend is a view of the target,
    and on a CPU joint 0 is zeroed before the other joints read it, so they are not centred at all. The
    package centres out of place (the intent); on a prediction whose root is off zero the two differ."""
    prediction = _random_poses(4, seed=3) + torch.tensor([0.2, -0.1, 0.05], dtype=torch.float64)
    assert torch.all(prediction[:, 0].abs() > 0)
    published = prediction.clone()
    published[:, :, :] -= published[:, :1, :]
    ours = root_centre(prediction)
    torch.testing.assert_close(ours, prediction - prediction[:, :1], rtol=0, atol=0)
    assert torch.all(ours[:, 0] == 0) and torch.all(published[:, 0] == 0)
    torch.testing.assert_close(published[:, 1:], prediction[:, 1:], rtol=0, atol=0)  # never centred
    target = ours.clone()
    assert torch.all(mpjpe(ours, target) == 0) and torch.all(mpjpe(published, target) > 0.05)


def test_joint_errors_hand_computed():
    target = torch.zeros(1, 17, 3, dtype=torch.float64)
    predicted = target.clone()
    predicted[0, 3] = torch.tensor([0.3, 0.4, 0.0])  # one joint 0.5 m off
    errors = joint_errors(predicted, target)
    assert errors[0, 3] == pytest.approx(0.5)
    assert float(errors.sum()) == pytest.approx(0.5)
    assert float(mpjpe(predicted, target)) == pytest.approx(0.5 / 17)


def test_similarity_transform_gives_zero_p_mpjpe():
    target = _random_poses(8)
    rotation = _rotation(torch.tensor([0.3, -1.0, 0.5], dtype=torch.float64), 1.1)
    predicted = 1.7 * target @ rotation.T + torch.tensor([0.5, -0.2, 3.0], dtype=torch.float64)
    assert torch.all(mpjpe(predicted, target) > 0.1)
    assert torch.allclose(p_mpjpe(predicted, target), torch.zeros(8, dtype=torch.float64), atol=1e-9)
    assert torch.allclose(procrustes_align(predicted, target), target, atol=1e-9)


def test_reflection_is_not_aligned_away():
    target = _random_poses(8, seed=1)
    mirrored = target * torch.tensor([-1.0, 1.0, 1.0], dtype=torch.float64)
    assert torch.all(p_mpjpe(mirrored, target) > 0.01)


def test_scale_only_alignment():
    target = _random_poses(4, seed=2)
    assert torch.allclose(n_mpjpe(0.5 * target, target), torch.zeros(4, dtype=torch.float64), atol=1e-12)
    rotation = _rotation(torch.tensor([0.0, 0.0, 1.0], dtype=torch.float64), 0.5)
    assert torch.all(n_mpjpe(target @ rotation.T, target) > 1e-3)  # rotation is not removed by protocol 3


def test_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"\(2, 17, 3\).*\(2, 16, 3\)"):
        mpjpe(torch.zeros(2, 17, 3), torch.zeros(2, 16, 3))


def test_error_sums_are_exact_frame_weighted_means_per_group():
    target = _random_poses(10, seed=3)
    predicted = target + 0.01 * _random_poses(10, seed=4)
    groups = torch.tensor([0, 0, 0, 1, 1, 1, 1, 1, 1, 1])
    sums = ErrorSums(num_groups=3)
    sums.update(predicted[:4], target[:4], groups[:4])  # batches cut across groups
    sums.update(predicted[4:], target[4:], groups[4:])
    means = sums.group_means()
    per_pose = mpjpe(predicted, target)
    assert float(means["protocol1"][0]) == pytest.approx(float(per_pose[:3].mean()))
    assert float(means["protocol1"][1]) == pytest.approx(float(per_pose[3:].mean()))
    assert math.isnan(float(means["protocol1"][2]))
    assert float(sums.overall_means()["protocol1"]) == pytest.approx(float(per_pose.mean()))
    assert float(sums.overall_means()["protocol2"]) == pytest.approx(float(p_mpjpe(predicted, target).mean()))
    assert sums.overall_means()["per_joint"].shape == (17,)


def test_error_sums_without_poses_is_an_error():
    with pytest.raises(ValueError, match="no poses"):
        ErrorSums().overall_means()
