"""The command line and the root-level scripts with the published README's commands."""

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

ROOT = Path(__file__).resolve().parents[2]
# The published README's commands, with the epoch count cut to 1 for the test.
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
    """A working directory with data/ holding the tiny embedded data set, as the published commands expect."""
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


@pytest.fixture
def refinement_checkpoints(tmp_path):
    """A tiny untrained stage-1 checkpoint, a refinement checkpoint on it, and a COCO keypoint file."""
    from jointformer.checkpoint import save_checkpoint
    from jointformer.models.jointformer import REFINER_IN_FEATURES, JointFormerConfig, build_model

    torch.manual_seed(0)
    tiny = {"hid_dim": 16, "num_layers": 1, "d_inner": 32, "num_heads": 2, "d_head": 8, "intermediate": False}
    stage1_config = JointFormerConfig(**tiny)
    refiner_config = JointFormerConfig(kind="refiner", in_features=REFINER_IN_FEATURES,
                                       error_prediction=False, **tiny)
    stage1 = build_model(stage1_config)
    stage1_path = save_checkpoint(tmp_path / "stage1.pth.tar", state_dict=stage1.state_dict(),
                                  config=stage1_config)
    refiner = build_model(refiner_config)
    refined_path = save_checkpoint(tmp_path / "refined.pth.tar", state_dict=refiner.state_dict(),
                                   config=refiner_config, jt_state_dict=stage1.state_dict(),
                                   jt_config=stage1_config)
    keypoints = tmp_path / "keypoints.json"
    points = torch.rand(17, 2).mul(300).add(100).tolist()
    entry = {"image_id": 1, "keypoints": [value for x, y in points for value in (x, y, 0.9)]}
    keypoints.write_text(json.dumps([entry]))
    return stage1_path, refined_path, keypoints


def count_checkpoint_reads(monkeypatch) -> dict[str, int]:
    """Every torch.load from now on, counted by file name."""
    reads: dict[str, int] = {}
    real_load = torch.load

    def counting_load(source, *args, **kwargs):
        name = Path(source).name
        reads[name] = reads.get(name, 0) + 1
        return real_load(source, *args, **kwargs)

    monkeypatch.setattr(torch, "load", counting_load)
    return reads


@pytest.mark.filterwarnings("ignore:.*stores no input statistics")
def test_each_command_reads_each_checkpoint_once(refinement_checkpoints, tiny_data_dir, tmp_path,
                                                 monkeypatch):
    stage1, refined, keypoints = refinement_checkpoints
    results = ["--results", str(tmp_path / "r.json"), "--results-csv", str(tmp_path / "r.csv")]
    commands = {
        "evaluate": ["evaluate", str(refined), "--data-dir", str(tiny_data_dir), "--downsample", "8",
                     "--device", "cpu", *results],
        "train --evaluate": ["train", "--evaluate", str(stage1), "--data-dir", str(tiny_data_dir),
                             "--downsample", "8", "--device", "cpu", *results],
        "lift": ["lift", str(keypoints), "--checkpoint", str(refined), "--device", "cpu",
                 "--out", str(tmp_path / "lifted.json")],
        "lift --refiner": ["lift", str(keypoints), "--checkpoint", str(stage1), "--refiner", str(refined),
                           "--device", "cpu", "--out", str(tmp_path / "lifted.json")],
    }
    expected = {"evaluate": {"refined.pth.tar": 1}, "train --evaluate": {"stage1.pth.tar": 1},
                "lift": {"refined.pth.tar": 1},
                "lift --refiner": {"stage1.pth.tar": 1, "refined.pth.tar": 1}}
    for name, argv in commands.items():
        reads = count_checkpoint_reads(monkeypatch)
        assert main(argv) == 0, name
        assert reads == expected[name], name
    tiny = ["-l", "1", "-z", "16", "--d_inner", "32", "-b", "256", "--downsample", "8", "-e", "2",
            "--data-dir", str(tiny_data_dir), "--device", "cpu", "--progress", "none"]
    assert main(["train", *tiny, "--stop-after-epoch", "1", "-c", str(tmp_path / "runs")]) == 0
    (last,) = (tmp_path / "runs").glob("*/ckpt_last.pth.tar")
    reads = count_checkpoint_reads(monkeypatch)
    assert main(["train", *tiny, "--resume", str(last)]) == 0
    assert reads == {"ckpt_last.pth.tar": 1}


def test_evaluate_takes_its_own_flags_not_the_training_ones(capsys):
    from jointformer.cli import build_parsers

    evaluate = build_parsers()[1]["evaluate"]
    flags = {flag for action in evaluate._actions for flag in action.option_strings}
    assert flags == {"-h", "--help", "-d", "--dataset", "--data-dir-3dhp", "--3dhp-joints", "-k",
                     "--keypoints", "-a", "--actions", "--downsample", "--data-dir", "--device", "--amp",
                     "--results", "--results-csv", "--no-flip"}
    for training_flag in (["--epochs", "3"], ["--pose_weights", "x"], ["--hid_dim", "64"],
                          ["--model", "linear"]):
        with pytest.raises(SystemExit) as exit_info:
            main(["evaluate", "ckpt.pth.tar", *training_flag])
        assert exit_info.value.code == 2
        assert "unrecognized arguments" in capsys.readouterr().err
    # The published code's flags stay on the training commands, --evaluate included.
    train = build_parsers()[1]["train"].parse_args(["--evaluate", "c", "--epochs", "3", "--hid_dim", "64"])
    assert (train.evaluate, train.epochs, train.hid_dim) == ("c", 3, 64)
