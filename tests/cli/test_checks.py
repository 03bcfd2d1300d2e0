"""Issue 13 items 2, 4 and 6: outputs never overwrite inputs, output places are checked before the work,
and bad flag values are parser errors that list what is accepted."""

import json
import os
from pathlib import Path

import numpy as np
import pytest

from jointformer.checkpoint import save_checkpoint
from jointformer.cli import main
from jointformer.models.jointformer import JointFormerConfig, build_model

TINY_MODEL = JointFormerConfig(hid_dim=8, num_layers=1, d_inner=16, num_heads=2, d_head=4)


@pytest.fixture
def lift_inputs(tmp_path):
    """An untrained tiny checkpoint and a COCO keypoint-results file of two images."""
    checkpoint = save_checkpoint(tmp_path / "ckpt.pth.tar", state_dict=build_model(TINY_MODEL).state_dict(),
                                 config=TINY_MODEL)
    rng = np.random.default_rng(0)
    entries = [{"image_id": image, "keypoints": [float(v) for point in rng.uniform(100, 400, (17, 2))
                                                 for v in (*point, 0.9)]} for image in (1, 2)]
    keypoints = tmp_path / "same.json"
    keypoints.write_text(json.dumps(entries))
    return checkpoint, keypoints


def lift(checkpoint: Path, keypoints: Path, *extra: str) -> list[str]:
    return ["lift", str(keypoints), "--checkpoint", str(checkpoint), "--device", "cpu", *extra]


def snapshot(directory: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in directory.iterdir() if path.is_file()}


@pytest.mark.parametrize("flag,target", [("--out", "same.json"), ("--html", "same.json"),
                                         ("--gif", "ckpt.pth.tar"), ("--out", "ckpt.pth.tar"),
                                         ("--plot", "same.json")])
def test_an_output_never_overwrites_an_input(lift_inputs, tmp_path, capsys, flag, target):
    checkpoint, keypoints = lift_inputs
    before = snapshot(tmp_path)
    extra = [flag, str(tmp_path / target)] + ([] if flag == "--out" else ["--out", str(tmp_path / "o.json")])
    assert main(lift(checkpoint, keypoints, *extra)) == 2
    assert flag in capsys.readouterr().err
    assert snapshot(tmp_path) == before


def test_an_existing_data_file_is_not_replaced_by_lift_output(lift_inputs, tmp_path, capsys):
    checkpoint, keypoints = lift_inputs
    data = tmp_path / "data_2d_h36m_gt.npz"
    np.savez(data, positions_2d=np.zeros(3))
    before = data.read_bytes()
    assert main(lift(checkpoint, keypoints, "--out", str(data))) == 2
    assert "not recognised as lifted poses written by jointformer" in capsys.readouterr().err
    assert data.read_bytes() == before


def test_an_earlier_lift_output_is_replaced(lift_inputs, tmp_path):
    checkpoint, keypoints = lift_inputs
    out = tmp_path / "lifted.json"
    assert main(lift(checkpoint, keypoints, "--out", str(out))) == 0
    assert main(lift(checkpoint, keypoints, "--out", str(out), "--no-flip")) == 0
    assert json.loads(out.read_text())["flip_test"] is False


@pytest.mark.parametrize("where", ["parent_is_a_file", "is_a_directory", "not_utf8"])
def test_an_unwritable_output_is_reported_before_the_work(lift_inputs, tmp_path, capsys, where):
    checkpoint, keypoints = lift_inputs
    (tmp_path / "file").write_text("x")
    out = {"parent_is_a_file": str(tmp_path / "file" / "out.json"), "is_a_directory": str(tmp_path),
           "not_utf8": os.fsdecode(bytes(tmp_path / "out") + b"\xff.json")}[where]
    assert main(lift(checkpoint, keypoints, "--out", out)) == 2
    error = capsys.readouterr().err
    assert "--out" in error and ".tmp" not in error and "Traceback" not in error


def test_evaluate_checks_its_result_files_before_evaluating(lift_inputs, tmp_path, capsys):
    checkpoint, _ = lift_inputs
    (tmp_path / "file").write_text("x")
    code = main(["evaluate", str(checkpoint), "--data-dir", str(tmp_path / "no_data"),
                 "--results", str(tmp_path / "file" / "results.json")])
    assert code == 2
    assert "--results" in capsys.readouterr().err  # not the missing data: the output was checked first


def test_training_checks_its_checkpoint_directory_first(tmp_path, capsys):
    (tmp_path / "file").write_text("x")
    code = main(["train", "-c", str(tmp_path / "file"), "--data-dir", str(tmp_path / "no_data")])
    assert code == 2
    assert "--checkpoint" in capsys.readouterr().err


@pytest.mark.parametrize("arguments,accepted", [
    (["train", "--actions", "Bogus"], "Walking"),
    (["train", "--keypoints", "../gt"], "cpn_ft_h36m_dbb"),
    (["train", "--device", "foo"], "cuda:N"),
    (["train", "--lr", "nan"], "greater than 0"),
    (["train", "--lr", "-1"], "greater than 0"),
    (["lift", "k.json", "--checkpoint", "c", "--out", "o.json", "--image-size", "0", "0"], "greater than 0"),
    (["export", "c.pth.tar", "--onnx", "m.onnx", "--opset", "99"], "use 17 to"),
    (["demo", "--device", "gpu0"], "cuda:N"),
    (["synth", "d", "--seed", "-5"], ">= 0"),
    (["lift", "k.json", "--out", "o.json", "--min-score", "7"], "from 0 to 1"),
    (["video", "v.mp4", "--out", "o.json", "--min-score", "-5"], "from 0 to 1"),
    (["train", "--model", "semgcn", "--hid_dim", "-1"], "valid model"),
    (["train", "--hid_dim", "0"], "valid model"),
    (["evaluate", "c.pth.tar", "--downsample", "0"], "positive whole number"),
    (["synth", "d", "--layout", "3dhp", "--seed", "x"], ">= 0"),
])
def test_bad_flag_values_are_parser_errors_listing_what_is_accepted(arguments, accepted, capsys):
    with pytest.raises(SystemExit) as caught:
        main(arguments)
    assert caught.value.code == 2
    assert accepted in capsys.readouterr().err
