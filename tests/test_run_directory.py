"""Issue 13 item 1: a run writes only into a directory it created; the demo never overwrites a data set
of other settings."""

from pathlib import Path

import pytest

from jointformer import run_directory
from jointformer.data.h36m import load_pose_sets
from jointformer.data.synthetic import SyntheticConfig, write_synthetic_dataset
from jointformer.demo import ensure_dataset
from jointformer.errors import DataError, OutputError
from jointformer.models.jointformer import JointFormerConfig
from jointformer.run_directory import claim_run_directory, unique_directory
from jointformer.training import TrainOptions, train

TINY_MODEL = JointFormerConfig(hid_dim=8, num_layers=1, d_inner=16, num_heads=2, d_head=4)


def test_runs_started_in_the_same_second_get_their_own_directories(tmp_path, monkeypatch):
    monkeypatch.setattr(run_directory, "_timestamp", lambda: "2026-01-01-00-00-00")
    first, second, third = (unique_directory(tmp_path, "_stage1_gt") for _ in range(3))
    assert [path.name for path in (first, second, third)] == [
        "2026-01-01-00-00-00_stage1_gt", "2026-01-01-00-00-00_stage1_gt-2", "2026-01-01-00-00-00_stage1_gt-3"]


def test_a_claimed_directory_cannot_be_claimed_again(tmp_path):
    claim_run_directory(tmp_path / "run")
    with pytest.raises(OutputError, match="already holds another run"):
        claim_run_directory(tmp_path / "run")
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "ckpt_last.pth.tar").write_bytes(b"someone's weights")
    with pytest.raises(OutputError, match="ckpt_last"):
        claim_run_directory(tmp_path / "old")
    assert (tmp_path / "old" / "ckpt_last.pth.tar").read_bytes() == b"someone's weights"


def test_a_second_run_into_the_same_directory_touches_nothing(tmp_path, tiny_data_dir):
    pose_sets = load_pose_sets(tiny_data_dir, "gt", downsample=8)
    options = TrainOptions(data_dir=str(tiny_data_dir), epochs=1, batch_size=64, device="cpu",
                           run_dir=str(tmp_path / "run"), progress="none")
    first = train(options, TINY_MODEL, pose_sets=pose_sets)
    before = {path.name: path.read_bytes() for path in first.run_dir.iterdir() if path.is_file()}
    with pytest.raises(OutputError, match="already holds another run"):
        train(TrainOptions(**{**options.__dict__, "seed": 2}), TINY_MODEL, pose_sets=pose_sets)
    after = {path.name: path.read_bytes() for path in first.run_dir.iterdir() if path.is_file()}
    assert after == before


def test_the_demo_does_not_overwrite_the_data_set_of_another_seed(tmp_path):
    directory = tmp_path / "synthetic"
    write_synthetic_dataset(directory, SyntheticConfig(seed=0, trials=1, min_frames=20, max_frames=20,
                                                       subjects=("S1",), actions=("Walking",)))
    before = {path.name: path.read_bytes() for path in directory.iterdir()}
    with pytest.raises(DataError, match="seed 0, not 1"):
        ensure_dataset(directory, "other_detector", seed=1)  # would have to write the data set anew
    assert {path.name: path.read_bytes() for path in directory.iterdir()} == before


def test_the_demo_uses_a_complete_data_set_as_it_is(tmp_path, capsys):
    directory = Path(tmp_path / "synthetic")
    config = SyntheticConfig(seed=0, trials=1, min_frames=20, max_frames=20, subjects=("S1",),
                             actions=("Walking",))
    write_synthetic_dataset(directory, config)
    before = {path.name: path.stat().st_mtime_ns for path in directory.iterdir()}
    ensure_dataset(directory, "cpn_ft_h36m_dbb", seed=1)  # all files there: nothing rewritten
    assert {path.name: path.stat().st_mtime_ns for path in directory.iterdir()} == before
    assert "generated with seed 0" in capsys.readouterr().out
