"""The command line and the root-level scripts with the seed README's commands."""

import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from jointformer import __version__
from jointformer.checkpoint import read_checkpoint
from jointformer.cli import main

ROOT = Path(__file__).resolve().parents[1]
# The seed README's commands, with the epoch count cut to 1 for the test.
SEED_STAGE1 = shlex.split("--batch_size 256 --num_workers 2 --epochs 1 --keypoints cpn_ft_h36m_dbb "
                          "--hid_dim 64 --intermediate --pred_dropout 0.2 --augment")
SEED_REFINE = shlex.split("--batch_size 256 --num_workers 2 --epochs 1 --keypoints cpn_ft_h36m_dbb "
                          "--hid_dim 256 --num_layers 2 --pred_dropout 0.1 --augment --d_inner 1024")


def test_help_lists_the_subcommands(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    for command in ("demo", "synth", "data-summary", "train", "refine", "evaluate", "lift", "export"):
        assert command in text


def test_version(capsys):
    with pytest.raises(SystemExit):
        main(["--version"])
    assert __version__ in capsys.readouterr().out


def test_conflicting_flags_are_a_parser_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "--resume", "a.pth.tar", "--evaluate", "b.pth.tar"])
    assert exit_info.value.code == 2
    assert "cannot be set at the same time" in capsys.readouterr().err


def test_missing_data_directory_is_a_clear_error(tmp_path, capsys):
    status = main(["train", "--data-dir", str(tmp_path / "nowhere"), "--epochs", "1"])
    assert status == 2
    error = capsys.readouterr().err
    assert "nowhere" in error and "data_3d_h36m.npz" in error


@pytest.fixture(scope="module")
def seed_workdir(tmp_path_factory, tiny_data_dir) -> Path:
    """A working directory with data/ holding the tiny embedded data set, as the seed's commands expect."""
    workdir = tmp_path_factory.mktemp("seed_workdir")
    shutil.copytree(tiny_data_dir, workdir / "data")
    return workdir


def run_script(script: str, arguments: list[str], workdir: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / script), *arguments, "--progress", "none"], cwd=workdir,
                          capture_output=True, text=True, timeout=600)


def only_run_dir(parent: Path) -> Path:
    (run_dir,) = [path for path in parent.iterdir() if path.is_dir()]
    return run_dir


@pytest.mark.slow
def test_seed_readme_commands_train_and_evaluate(seed_workdir):
    stage1 = run_script("run_jointformer.py", [*SEED_STAGE1, "--checkpoint", "stage1"], seed_workdir)
    assert stage1.returncode == 0, stage1.stderr
    stage1_ckpt = only_run_dir(seed_workdir / "stage1") / "ckpt_best.pth.tar"
    assert stage1_ckpt.is_file()

    # A checkpoint written exactly in the published layout (no config, DDP prefix) must evaluate too.
    ours = read_checkpoint(stage1_ckpt)
    published = {"epoch": ours["epoch"], "lr": ours["lr"], "step": ours["step"], "error": ours["error"],
                 "optimizer": ours["optimizer"],
                 "state_dict": {f"module.{key}": value for key, value in ours["state_dict"].items()}}
    torch.save(published, seed_workdir / "published.pth.tar")
    evaluation = run_script("run_jointformer.py", [*SEED_STAGE1, "--evaluate", "published.pth.tar"],
                            seed_workdir)
    assert evaluation.returncode == 0, evaluation.stderr
    assert "Protocol #1   (MPJPE) action-wise average:" in evaluation.stdout
    assert "Protocol #2 (P-MPJPE) action-wise average:" in evaluation.stdout
    rows = (seed_workdir / "results.csv").read_text().splitlines()
    assert rows[0] == "TimeStamp,checkpoint,Eating,Walking,avg" and len(rows) == 3
    document = json.loads((seed_workdir / "results.json").read_text())
    assert document["keypoints"] == "cpn_ft_h36m_dbb" and document["frames"] > 0

    refine = run_script("run_refinement.py", [*SEED_REFINE, "--pose_weights", str(stage1_ckpt),
                                              "--checkpoint", "refine"], seed_workdir)
    assert refine.returncode == 0, refine.stderr
    refine_ckpt = only_run_dir(seed_workdir / "refine") / "ckpt_best.pth.tar"
    evaluation = run_script("run_refinement.py", [*SEED_REFINE, "--pose_weights", str(stage1_ckpt),
                                                  "--evaluate", str(refine_ckpt)], seed_workdir)
    assert evaluation.returncode == 0, evaluation.stderr
    assert len((seed_workdir / "results.csv").read_text().splitlines()) == 5

    # A flag that contradicts the stored architecture is a parser error (status 2), not a silent override.
    contradiction = run_script("run_jointformer.py", [*SEED_STAGE1[:-3], "--hid_dim", "128",
                                                      "--evaluate", str(stage1_ckpt)], seed_workdir)
    assert contradiction.returncode == 2
    assert "hid_dim" in contradiction.stderr
