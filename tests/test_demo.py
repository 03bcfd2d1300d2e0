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
