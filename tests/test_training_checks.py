"""Issue 13 items 5, 7, 8, 9, 10 and 11: resume against the stored architecture and schedule, hand-edited
checkpoints, divergence, implausible data, and the temporaries a killed write leaves."""

import shutil
import subprocess
import sys

import numpy as np
import pytest
import torch

from jointformer import training
from jointformer.checkpoint import read_checkpoint
from jointformer.cli import main
from jointformer.data.h36m import load_pose_sets
from jointformer.errors import CheckpointError, DataError, JointformerError
from jointformer.lift.lifter import Lifter
from jointformer.training_checks import TrainingDivergedError

ARCHITECTURE = ["--hid_dim", "16", "--num_layers", "2", "--d_inner", "32"]


def train_args(data_dir, checkpoint_dir, *extra: str) -> list[str]:
    return ["train", "--data-dir", str(data_dir), "-c", str(checkpoint_dir), "--epochs", "2", "-b", "128",
            "--downsample", "4", "--device", "cpu", "--progress", "none", *extra]


@pytest.fixture(scope="module")
def half_run(tmp_path_factory, tiny_data_dir):
    """A run of 2 planned epochs stopped after the first: its run directory (copied per test)."""
    parent = tmp_path_factory.mktemp("half_run")
    assert main(train_args(tiny_data_dir, parent, *ARCHITECTURE, "--stop-after-epoch", "1")) == 0
    (run_dir,) = list(parent.iterdir())
    return run_dir


@pytest.fixture
def run_dir(half_run, tmp_path):
    return shutil.copytree(half_run, tmp_path / "run")


def test_resume_takes_the_architecture_from_the_checkpoint(run_dir, tiny_data_dir, tmp_path):
    last = run_dir / "ckpt_last.pth.tar"
    assert main(train_args(tiny_data_dir, tmp_path, "--resume", str(last))) == 0  # no architecture flags
    resumed = read_checkpoint(last)
    assert resumed["epoch"] == 2 and resumed["config"]["hid_dim"] == 16


def test_resume_with_a_contradicting_flag_names_both_values(run_dir, tiny_data_dir, tmp_path, capsys):
    with pytest.raises(SystemExit) as caught:
        main(train_args(tiny_data_dir, tmp_path, "--hid_dim", "32", "--resume",
                        str(run_dir / "ckpt_last.pth.tar")))
    assert caught.value.code == 2
    assert "--hid_dim (given 32, checkpoint has 16)" in capsys.readouterr().err


def test_resume_with_more_epochs_is_refused_instead_of_restarting_the_cosine(run_dir, tiny_data_dir, tmp_path,
                                                                              capsys):
    last = run_dir / "ckpt_last.pth.tar"
    before = last.read_bytes()
    code = main([*train_args(tiny_data_dir, tmp_path, "--resume", str(last)), "--epochs", "4"])
    assert code == 2
    assert "cosine schedule" in capsys.readouterr().err
    assert last.read_bytes() == before


def edited(path, **changes):
    checkpoint = torch.load(path, weights_only=False)
    for key, value in changes.items():
        if value is None:
            checkpoint.pop(key)
        elif key == "rng_flip":
            checkpoint["rng"]["flip"] = value
        else:
            checkpoint[key] = value
    torch.save(checkpoint, path)


@pytest.mark.parametrize("changes,field", [
    ({"epoch": -1}, "'epoch'"),
    ({"step": "12"}, "'step'"),
    ({"optimizer": {"lr": 1}}, "'optimizer'"),
    ({"history": "none"}, "'history'"),
    ({"history": []}, "'history'"),
    ({"rng": {"torch": 1}}, "'rng.torch'"),
    ({"rng_flip": torch.zeros(3)}, "'rng.flip'"),
    ({"scheduler": None}, "lacks ['scheduler']"),
    ({"best_protocol1": float("nan")}, "'best_protocol1'"),
])
def test_a_hand_edited_checkpoint_is_refused_naming_the_field(run_dir, tiny_data_dir, tmp_path, capsys,
                                                             changes, field):
    last = run_dir / "ckpt_last.pth.tar"
    edited(last, **changes)
    assert main(train_args(tiny_data_dir, tmp_path, "--resume", str(last))) == 2
    error = capsys.readouterr().err
    assert field in error and "Traceback" not in error


def test_input_stats_without_the_mean_pose_are_refused_naming_the_field(run_dir):
    best = run_dir / "ckpt_best.pth.tar"
    checkpoint = torch.load(best, weights_only=False)
    del checkpoint["input_stats"]["mean_pose_2d"]
    torch.save(checkpoint, best)
    with pytest.raises(CheckpointError, match="lacks 'mean_pose_2d'"):
        Lifter.from_checkpoint(best)


def test_a_checkpoint_with_nan_weights_is_refused(run_dir, tmp_path, capsys):
    best = run_dir / "ckpt_best.pth.tar"
    checkpoint = torch.load(best, weights_only=False)
    next(iter(checkpoint["state_dict"].values())).fill_(float("nan"))
    torch.save(checkpoint, best)
    code = main(["export", str(best), "--onnx", str(tmp_path / "m.onnx")])
    assert code == 2 and "NaN" in capsys.readouterr().err
    assert not (tmp_path / "m.onnx").exists()


def test_evaluating_a_checkpoint_whose_poses_overflow_is_an_error(run_dir, tiny_data_dir, tmp_path, capsys):
    best = run_dir / "ckpt_best.pth.tar"
    checkpoint = torch.load(best, weights_only=False)
    for key, tensor in checkpoint["state_dict"].items():
        if key.startswith(("intermediate_pred.", "decoder.")) and key.endswith("weight"):
            tensor.mul_(1e30)  # finite weights, poses of ~1e30 m: the Procrustes sums overflow float32
    torch.save(checkpoint, best)
    results = tmp_path / "results.json"
    code = main(["evaluate", str(best), "--data-dir", str(tiny_data_dir), "--downsample", "8", "--device",
                 "cpu", "--results", str(results), "--results-csv", str(tmp_path / "results.csv")])
    assert code == 2
    assert "not finite" in capsys.readouterr().err
    assert not results.exists()


def test_divergence_stops_training_and_keeps_the_last_good_checkpoint(tmp_path, tiny_data_dir, monkeypatch):
    pose_sets = load_pose_sets(tiny_data_dir, "gt", downsample=4)
    options = training.TrainOptions(data_dir=str(tiny_data_dir), epochs=3, batch_size=128, device="cpu",
                                    run_dir=str(tmp_path / "run"), progress="none")
    iterations_per_epoch = -(-len(pose_sets[0]) // 128)
    diverging_step = iterations_per_epoch + 2  # the second iteration of the second epoch
    real_loss = training.stage1_loss
    calls = []

    def loss_that_diverges(output, target):
        calls.append(1)
        loss = real_loss(output, target)
        return loss * float("inf") if len(calls) >= diverging_step else loss

    monkeypatch.setattr(training, "stage1_loss", loss_that_diverges)
    config = training.JointFormerConfig(hid_dim=16, num_layers=1, d_inner=32, num_heads=2, d_head=8)
    with pytest.raises(TrainingDivergedError, match=f"iteration {diverging_step} \\(epoch 2\\)"):
        training.train(options, config, pose_sets=pose_sets)
    last = read_checkpoint(tmp_path / "run" / "ckpt_last.pth.tar")
    assert last["epoch"] == 1
    assert all(torch.isfinite(tensor).all() for tensor in last["state_dict"].values())
    assert len((tmp_path / "run" / "metrics.csv").read_text().splitlines()) == 2  # header and epoch 1


def test_a_learning_rate_that_diverges_is_an_error_not_a_traceback(tmp_path, tiny_data_dir, capsys):
    code = main(train_args(tiny_data_dir, tmp_path, *ARCHITECTURE, "--lr", "1e4"))
    assert code == 2
    assert "training diverged" in capsys.readouterr().err


def test_stale_temporaries_are_removed_on_resume(run_dir, tiny_data_dir, tmp_path, capsys):
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                              text=True, check=True)
    stale = run_dir / f".ckpt_last.pth.tar.{int(finished.stdout)}-89abcdef.tmp"
    stale.write_bytes(b"partial checkpoint")
    assert main(train_args(tiny_data_dir, tmp_path, "--resume", str(run_dir / "ckpt_last.pth.tar"))) == 0
    assert not stale.exists()
    assert stale.name in capsys.readouterr().out


def rewrite_npz(path, key, edit):
    """Apply ``edit`` to the pickled dict ``key`` of the npz file ``path`` and write the file back."""
    contents = dict(np.load(path, allow_pickle=True))
    table = contents[key].item()
    edit(table)
    np.savez(path, **{**contents, key: np.array(table, dtype=object)})


def test_two_d_values_beyond_float32_are_refused_naming_subject_and_camera(tiny_data_dir, tmp_path):
    data = shutil.copytree(tiny_data_dir, tmp_path / "data")

    def huge(table):
        view = table["S1"]["Walking 1"][2].astype(np.float64)  # finite in float64, not in float32
        view[5, 3, 0] = 1e300
        table["S1"]["Walking 1"][2] = view

    rewrite_npz(data / "data_2d_h36m_gt.npz", "positions_2d", huge)
    with pytest.raises(DataError, match=r"subject S1, action 'Walking 1', camera 2 .*float32"):
        load_pose_sets(data, "gt")


def test_three_d_in_millimetres_is_refused_at_load_time(tiny_data_dir, tmp_path):
    data = shutil.copytree(tiny_data_dir, tmp_path / "data")

    def millimetres(table):
        for actions in table.values():
            for key in actions:
                actions[key] = actions[key] * 1000

    rewrite_npz(data / "data_3d_h36m.npz", "positions_3d", millimetres)
    with pytest.raises(DataError, match="millimetres"):
        load_pose_sets(data, "gt")


def test_lift_never_writes_non_finite_poses(run_dir, tmp_path, capsys):
    keypoints = tmp_path / "huge.npy"
    np.save(keypoints, np.random.default_rng(0).uniform(1e39, 1e40, (3, 17, 2)))  # inf in float32
    out = tmp_path / "lifted.json"
    code = main(["lift", str(keypoints), "--checkpoint", str(run_dir / "ckpt_best.pth.tar"), "--layout",
                 "h36m", "--out", str(out), "--device", "cpu"])
    assert code == 2
    assert "not finite" in capsys.readouterr().err
    assert not out.exists()


def test_the_package_error_types_cover_divergence():
    assert issubclass(TrainingDivergedError, JointformerError)
