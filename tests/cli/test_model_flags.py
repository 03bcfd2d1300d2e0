"""--model on the command line and the root scripts, SemGCN's flags, the published inert flags, compare."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from jointformer.checkpoint import load_model, read_checkpoint, save_checkpoint
from jointformer.cli import build_parser, main
from jointformer.cli.model_flags import baseline_config
from jointformer.data.h36m import load_pose_sets
from jointformer.evaluation import evaluate_model
from jointformer.models.linear import LinearModelConfig
from jointformer.models.registry import build
from jointformer.models.semgcn import SemGCN, SemGCNConfig

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("flags", [
    ["--model", "linear", "--non_local"],
    ["--non_local"],  # JointFormer has no non-local blocks
    ["--model", "semgcn", "--intermediate"],
    ["--model", "linear", "--hid_dim", "64"],
    ["--model", "semgcn", "--lr_decay", "0"],
])
def test_flags_of_another_model_are_a_parser_error(flags, capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["train", *flags])
    assert exit_info.value.code == 2
    assert "--model" in capsys.readouterr().err or "lr_decay" in flags


def test_baseline_trains_with_inert_seed_flags_warned(tmp_path, tiny_data_dir, capsys) -> None:
    run = tmp_path / "run"
    inert = ["--conv_enc", "--conv_dec", "--joint_mask", "--image_names", "names.npz", "-id", "exp1"]
    status = main(["train", "--model", "semgcn", "-z", "8", "-l", "1", "-e", "1", "-b", "128",
                   "--lr_decay", "5", "--dropout", "0.25", "--data-dir", str(tiny_data_dir), "-c", str(run),
                   "--progress", "none", *inert])
    assert status == 0
    captured = capsys.readouterr()
    for flag in ("--conv_enc", "--conv_dec", "--joint_mask", "--image_names", "-id/--id"):
        assert f"warning: {flag}:" in captured.err
    assert "==> semgcn: 0.00M parameters (607)" in captured.out
    (checkpoint_path,) = run.glob("*/ckpt_best.pth.tar")
    checkpoint = read_checkpoint(checkpoint_path)
    assert checkpoint["config"] == {"model": "semgcn", "num_joints": 17, "hid_dim": 8, "num_layers": 1,
                                    "dropout": 0.25, "non_local": False}
    assert len(checkpoint["optimizer"]["state"]) > 0 and "lr_lambdas" in checkpoint["scheduler"]
    assert isinstance(load_model(checkpoint_path), SemGCN)

    # Evaluation reads the family from the checkpoint (`evaluate` takes no --model); a contradicting
    # --model of the published code's `--evaluate` is a parser error.
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "--evaluate", str(checkpoint_path), "--model", "linear", "--data-dir",
              str(tiny_data_dir)])
    assert exit_info.value.code == 2
    assert "holds a semgcn model" in capsys.readouterr().err


def test_linear_flags_map_onto_its_config() -> None:
    args = build_parser().parse_args(["train", "--model", "linear", "--dropout", "0.25"])
    assert baseline_config(args) == LinearModelConfig(dropout=0.25)
    args = build_parser().parse_args(["train", "--model", "semgcn", "--non_local", "-z", "64"])
    assert baseline_config(args) == SemGCNConfig(hid_dim=64, non_local=True)


def test_a_16_joint_published_semgcn_is_refused_by_evaluate(tmp_path, tiny_data_dir, capsys) -> None:
    model = build(SemGCNConfig(num_joints=16, hid_dim=8, num_layers=1))
    path = tmp_path / "ckpt_semgcn.pth.tar"
    torch.save({"epoch": 1, "lr": 1e-3, "step": 1, "state_dict": model.state_dict(), "optimizer": None,
                "error": 50.0}, path)
    with pytest.raises(SystemExit) as exit_info:
        main(["evaluate", str(path), "--data-dir", str(tiny_data_dir)])
    assert exit_info.value.code == 2
    assert "16-joint semgcn" in capsys.readouterr().err


@pytest.mark.slow
def test_root_script_takes_model(tmp_path, tiny_data_dir) -> None:
    arguments = ["--model", "semgcn", "--non_local", "-z", "16", "-l", "1", "-e", "1", "-b", "128",
                 "--data-dir", str(tiny_data_dir), "-c", str(tmp_path), "--progress", "none"]
    result = subprocess.run([sys.executable, str(ROOT / "run_jointformer.py"), *arguments], cwd=tmp_path,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "==> semgcn: 0.00M parameters (2,727)" in result.stdout
    (checkpoint_path,) = tmp_path.glob("*/ckpt_best.pth.tar")
    assert read_checkpoint(checkpoint_path)["config"]["non_local"] is True


def test_compare_writes_table_json_and_chart(tmp_path, tiny_data_dir, capsys) -> None:
    torch.manual_seed(0)
    paths = []
    for name, config in (("semgcn", SemGCNConfig(hid_dim=8, num_layers=1, non_local=True)),
                         ("linear", LinearModelConfig(linear_size=32))):
        model = build(config)
        paths.append(save_checkpoint(tmp_path / name / "ckpt_best.pth.tar", state_dict=model.state_dict(),
                                     config=config))
    out = tmp_path / "comparison"
    assert main(["compare", *map(str, paths), "--data-dir", str(tiny_data_dir), "--out", str(out),
                 "--repeats", "1"]) == 0
    table = capsys.readouterr().out
    assert "| | SemGCN non-local | Linear (Martinez) |" in table
    document = json.loads((out / "comparison.json").read_text())
    _, test_set = load_pose_sets(tiny_data_dir, "gt")
    for row, path in zip(document["models"], paths, strict=True):
        expected = evaluate_model(load_model(path), test_set, flip=True)
        assert row["protocol1"]["avg"] == pytest.approx(expected.protocol1["avg"])
        assert row["forward_poses_per_s"] > 0 and row["train_poses_per_s"] > 0
        assert f"{row['protocol1']['Walking']:.1f} / {row['protocol2']['Walking']:.1f}" in table
    assert (out / "comparison.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # An output path that is one of the inputs is refused, and the checkpoint is left as it was.
    before = paths[0].read_bytes()
    clash = tmp_path / "clash"
    clash.mkdir()
    (clash / "comparison.json").write_bytes(before)
    with pytest.raises(ValueError, match="overwrite"):
        from jointformer.comparison import compare_checkpoints, write_comparison
        write_comparison(clash, compare_checkpoints([clash / "comparison.json"], test_set, repeats=1))
    assert (clash / "comparison.json").read_bytes() == before
    # The command checks its outputs before any work: the same clash, a user's file under an output's name,
    # and --out naming a file are errors that leave everything as it was.
    assert main(["compare", str(clash / "comparison.json"), "--data-dir", str(tiny_data_dir),
                 "--out", str(clash)]) == 2
    assert "is an input of this command" in capsys.readouterr().err
    notes = tmp_path / "mine"
    notes.mkdir()
    (notes / "comparison.md").write_text("my notes\n")
    assert main(["compare", str(paths[0]), "--data-dir", str(tiny_data_dir), "--out", str(notes)]) == 2
    assert "not recognised as comparison table" in capsys.readouterr().err
    assert (notes / "comparison.md").read_text() == "my notes\n"
    assert main(["compare", str(paths[0]), "--data-dir", str(tiny_data_dir), "--out", str(paths[1])]) == 2
    assert "is a file, not a directory" in capsys.readouterr().err
    for bad in (["--device", "nonsense"], ["-k", "../x"], ["-a", "Foo"], ["--repeats", "0"]):
        with pytest.raises(SystemExit) as parser_exit:
            main(["compare", str(paths[0]), *bad])
        assert parser_exit.value.code == 2
