"""Training: the loss, a run that learns, exact resume, the 2-process gloo DDP run."""

import math

import pytest
import torch

from jointformer.checkpoint import read_checkpoint
from jointformer.data.h36m import load_pose_sets
from jointformer.evaluation import evaluate_model
from jointformer.models.jointformer import JointFormerConfig, LiftOutput, build_model
from jointformer.training import TrainOptions, launch, parameter_digest, stage1_loss, train

SMALL = JointFormerConfig(hid_dim=32, num_layers=2, d_inner=64, num_heads=2, d_head=16, pred_dropout=0.1)


def options(tmp_path, data_dir, **overrides) -> TrainOptions:
    values = {"data_dir": str(data_dir), "keypoints": "gt", "batch_size": 64, "epochs": 2, "lr": 2e-3,
              "augment": True, "device": "cpu", "run_dir": str(tmp_path / "run"), "progress": "none"}
    values.update(overrides)
    return TrainOptions(**values)


def test_stage1_loss_matches_the_published_formula():
    generator = torch.Generator().manual_seed(0)
    target = torch.randn(4, 17, 3, generator=generator)
    poses = [torch.randn(4, 17, 3, generator=generator) for _ in range(3)]
    errors = [torch.rand(4, 17, 3, generator=generator) for _ in range(3)]
    loss = stage1_loss(LiftOutput(poses=poses, errors=errors), target)
    expected = sum(((p - target) ** 2).mean() / 2 + ((e - (p - target).abs()) ** 2).mean() / 2
                   for p, e in zip(poses, errors, strict=True)) / 3
    assert float(loss) == pytest.approx(float(expected), rel=1e-6)
    without_errors = stage1_loss(LiftOutput(poses=poses[:1]), target)
    assert float(without_errors) == pytest.approx(float(((poses[0] - target) ** 2).mean()), rel=1e-6)


def test_error_target_is_detached():
    target = torch.zeros(2, 17, 3)
    pose = torch.ones(2, 17, 3, requires_grad=True)
    error = torch.zeros(2, 17, 3, requires_grad=True)
    stage1_loss(LiftOutput(poses=[pose], errors=[error]), target).backward()
    # Only the pose MSE reaches the pose: d/dp (mean((p - t)^2) / 2) = (p - t) / N.
    assert torch.allclose(pose.grad, torch.full_like(pose, 1.0 / pose.numel()))


def test_short_training_reduces_validation_error(tmp_path, tiny_data_dir):
    pose_sets = load_pose_sets(tiny_data_dir, "gt")
    torch.manual_seed(0)
    untrained = evaluate_model(build_model(SMALL), pose_sets[1], flip=False).overall_protocol1
    result = train(options(tmp_path, tiny_data_dir, epochs=3), SMALL, pose_sets=pose_sets)
    assert result.best_protocol1 < 0.7 * untrained
    assert [row["epoch"] for row in result.history] == [1, 2, 3]
    for name in ("ckpt_best.pth.tar", "ckpt_last.pth.tar", "metrics.csv", "config.json",
                 "training_curves.png"):
        assert (result.run_dir / name).is_file(), name
    checkpoint = read_checkpoint(result.best_checkpoint)
    for key in ("epoch", "lr", "step", "state_dict", "optimizer", "error"):
        assert key in checkpoint
    assert checkpoint["error"] == pytest.approx(result.best_protocol1)
    assert "extent_median" in checkpoint["input_stats"]


def test_resume_continues_exactly(tmp_path, tiny_data_dir):
    pose_sets = load_pose_sets(tiny_data_dir, "gt")
    whole = train(options(tmp_path / "a", tiny_data_dir), SMALL, pose_sets=pose_sets)
    first = train(options(tmp_path / "b", tiny_data_dir, stop_after_epoch=1), SMALL, pose_sets=pose_sets)
    assert len(first.history) == 1
    one_epoch = read_checkpoint(first.last_checkpoint)["state_dict"]
    resumed = train(options(tmp_path / "c", tiny_data_dir, resume=str(first.last_checkpoint)), SMALL,
                    pose_sets=pose_sets)
    assert resumed.run_dir == first.run_dir
    whole_weights = read_checkpoint(whole.last_checkpoint)["state_dict"]
    resumed_weights = read_checkpoint(resumed.last_checkpoint)["state_dict"]
    assert all(torch.equal(whole_weights[key], resumed_weights[key]) for key in whole_weights)
    assert [row["train_loss"] for row in resumed.history] == [row["train_loss"] for row in whole.history]
    assert not all(torch.equal(one_epoch[key], resumed_weights[key]) for key in one_epoch)


def test_refiner_trains_on_a_stage1_checkpoint(tmp_path, tiny_data_dir):
    pose_sets = load_pose_sets(tiny_data_dir, "gt")
    first = train(options(tmp_path / "s1", tiny_data_dir, epochs=1), SMALL, pose_sets=pose_sets)
    refiner = JointFormerConfig(kind="refiner", in_features=8, hid_dim=32, num_layers=1, d_inner=64,
                                num_heads=2, d_head=16, intermediate=False, error_prediction=False)
    second = train(options(tmp_path / "s2", tiny_data_dir, stage="refiner", epochs=1,
                           pose_weights=str(first.best_checkpoint)), refiner, pose_sets=pose_sets)
    checkpoint = read_checkpoint(second.best_checkpoint)
    assert "jt_state_dict" in checkpoint
    stage1_weights = read_checkpoint(first.best_checkpoint)["state_dict"]
    # Stage 1 is not optimised: the refinement checkpoint carries it unchanged.
    assert all(torch.equal(stage1_weights[key], checkpoint["jt_state_dict"][key]) for key in stage1_weights)
    assert math.isfinite(second.best_protocol1)


def test_refine_without_pose_weights_is_an_error(tmp_path, tiny_data_dir):
    refiner = JointFormerConfig.published_refiner()
    with pytest.raises(ValueError, match="pose_weights"):
        train(options(tmp_path, tiny_data_dir, stage="refiner"), refiner)


@pytest.mark.slow
def test_two_process_gloo_run_keeps_ranks_identical(tmp_path, tiny_data_dir):
    run = options(tmp_path, tiny_data_dir, epochs=1, num_gpus=2, batch_size=32)
    assert launch(run, SMALL) is None  # spawned; rank 0 wrote the files
    checkpoint = read_checkpoint(tmp_path / "run" / "ckpt_last.pth.tar")
    digests = checkpoint["parameter_digests"]
    assert len(digests) == 2 and digests[0] == digests[1]
    model = build_model(SMALL)
    model.load_state_dict(checkpoint["state_dict"])
    assert parameter_digest(model) == digests[0]
    torch.manual_seed(0)
    assert parameter_digest(build_model(SMALL)) != digests[0]  # the weights did train


def test_bfloat16_autocast_training_runs_and_learns(tmp_path, tiny_data_dir):
    pose_sets = load_pose_sets(tiny_data_dir, "gt")
    result = train(options(tmp_path, tiny_data_dir, epochs=2, amp=True), SMALL, pose_sets=pose_sets)
    assert all(math.isfinite(row["train_loss"]) for row in result.history)
    assert result.history[1]["train_loss"] < result.history[0]["train_loss"]


def test_refiner_opt_outs_change_what_is_trained(tmp_path, tiny_data_dir):
    from jointformer.training import build_task

    pose_sets = load_pose_sets(tiny_data_dir, "gt")
    first = train(options(tmp_path / "s1", tiny_data_dir, epochs=1), SMALL, pose_sets=pose_sets)
    refiner = JointFormerConfig(kind="refiner", in_features=8, hid_dim=32, num_layers=1, d_inner=64,
                                num_heads=2, d_head=16, intermediate=False, error_prediction=False)
    weights = str(first.best_checkpoint)
    published = build_task(options(tmp_path, tiny_data_dir, stage="refiner", pose_weights=weights), refiner,
                           torch.device("cpu"))
    published.set_train_mode()
    assert published.stage1.training and published.clip_parameters == []  # the two published quirks
    opted_out = build_task(options(tmp_path, tiny_data_dir, stage="refiner", pose_weights=weights,
                                   freeze_stage1_dropout=True, clip_refiner=True),
                           refiner, torch.device("cpu"))
    opted_out.set_train_mode()
    assert not opted_out.stage1.training
    assert len(opted_out.clip_parameters) == len(list(opted_out.trainable.parameters()))


@pytest.mark.slow
def test_compiled_training_learns_and_saves_the_plain_layout(tmp_path, tiny_data_dir):
    pose_sets = load_pose_sets(tiny_data_dir, "gt")
    result = train(options(tmp_path, tiny_data_dir, epochs=2, compile=True), SMALL, pose_sets=pose_sets)
    assert all(math.isfinite(row["train_loss"]) for row in result.history)
    assert result.history[1]["train_loss"] < result.history[0]["train_loss"]
    # torch.compile wraps the forward only: the checkpoint keeps the published names (no _orig_mod.).
    state_dict = read_checkpoint(result.last_checkpoint)["state_dict"]
    assert not any("_orig_mod" in key for key in state_dict)
    model = build_model(SMALL)
    model.load_state_dict(state_dict)
    assert parameter_digest(model) == result.parameter_digests[0]
