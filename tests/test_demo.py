"""The main job end to end, on a reduced schedule and the tiny data set (the full demo runs in minutes)."""

import json
from pathlib import Path

import pytest

from jointformer.demo import DemoOptions, run_demo


@pytest.mark.slow
def test_demo_writes_its_run_directory_and_summary(tmp_path, tiny_data_dir, capsys):
    options = DemoOptions(data_dir=str(tiny_data_dir), out=str(tmp_path / "runs"), downsample=1,
                          stage1_epochs=1, refiner_epochs=1, device="cpu")
    summary = run_demo(options)
    (run_dir,) = list((tmp_path / "runs").iterdir())
    on_disk = json.loads((run_dir / "demo_summary.json").read_text())
    assert on_disk["stage1"] == pytest.approx(summary["stage1"])
    assert set(on_disk) >= {"mean_pose_p1", "stage1", "refiner", "seconds", "checkpoints"}
    assert on_disk["mean_pose_p1"] > 0 and on_disk["stage1"]["protocol1"] > 0
    for path in (*on_disk["checkpoints"].values(), *on_disk["figures"].values()):
        assert Path(path).is_file(), path
    output = capsys.readouterr().out
    assert "Protocol #1   (MPJPE) action-wise average:" in output
    assert str(run_dir / "demo_summary.json") in output


@pytest.mark.slow
def test_demo_writes_the_embedded_data_set_when_absent(tmp_path):
    from jointformer.demo import ensure_dataset

    data_dir = tmp_path / "data" / "synthetic"
    ensure_dataset(data_dir, "gt", seed=0)
    names = sorted(path.name for path in data_dir.iterdir())
    assert names == ["data_2d_h36m_cpn_ft_h36m_dbb.npz", "data_2d_h36m_gt.npz", "data_3d_h36m.npz",
                     "synthetic_config.json"]
    before = (data_dir / "data_3d_h36m.npz").stat().st_mtime_ns
    ensure_dataset(data_dir, "cpn_ft_h36m_dbb", seed=0)  # all there: nothing rewritten
    assert (data_dir / "data_3d_h36m.npz").stat().st_mtime_ns == before
