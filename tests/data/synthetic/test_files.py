"""Writing the embedded data set: the VideoPose3D layout, atomic writes, never overwriting real data."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from jointformer.data.camera import CAMERA_ORDER
from jointformer.data.skeleton import ACTIONS, ALL_SUBJECTS, SKELETON17
from jointformer.data.synthetic import (
    CONFIG_FILE,
    DEFAULT_DETECTOR_NAME,
    SyntheticConfig,
    write_synthetic_dataset,
)
from jointformer.errors import OutputError


def load(path: Path, key: str) -> dict:
    with np.load(path, allow_pickle=True) as archive:
        return archive[key].item()


def test_files_have_the_videopose3d_layout(written: dict[str, Path], positions_3d: dict, gt_2d: dict,
                                           detected_2d: dict, small_config: SyntheticConfig) -> None:
    assert set(written) == {"3d", "gt", DEFAULT_DETECTOR_NAME}
    assert [path.name for path in written.values()] == [
        "data_3d_h36m.npz", "data_2d_h36m_gt.npz", f"data_2d_h36m_{DEFAULT_DETECTOR_NAME}.npz"]
    assert sorted(path.name for path in written["3d"].parent.iterdir()) == sorted(
        [CONFIG_FILE, *(path.name for path in written.values())])  # no temporary files left behind
    expected_keys = {f"{action} {trial}" for action in ACTIONS for trial in (1, 2)}
    assert list(positions_3d) == ["S1", "S9"]
    for subject, actions in positions_3d.items():
        assert set(actions) == expected_keys
        for key, positions in actions.items():
            frames = len(positions)
            assert positions.dtype == np.float32 and positions.shape == (frames, 32, 3)
            assert small_config.min_frames <= frames <= small_config.max_frames
            for table, longest in ((gt_2d, frames), (detected_2d, frames + 3)):
                views = table[subject][key]
                assert len(views) == len(CAMERA_ORDER)
                for view in views:
                    assert view.dtype == np.float32 and view.shape[1:] == (17, 2)
                    assert frames <= len(view) <= longest
    for name in ("gt", DEFAULT_DETECTOR_NAME):
        metadata = load(written[name], "metadata")
        symmetry = [list(SKELETON17.joints_left), list(SKELETON17.joints_right)]
        assert metadata == {"layout_name": "h36m", "num_joints": 17, "keypoints_symmetry": symmetry}
    extra = {len(views[0]) - len(positions_3d[subject][key])
             for subject, actions in detected_2d.items() for key, views in actions.items()}
    assert extra == {0, 1, 2, 3}  # the detector runs a few frames past the mocap, like the real files


def test_an_interrupted_write_leaves_no_file_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = SyntheticConfig(subjects=("S11",), actions=("Waiting",), trials=1, min_frames=30, max_frames=30)
    (tmp_path / "data_3d_h36m.npz").write_bytes(b"old")  # an earlier embedded data set, so replaceable
    (tmp_path / "synthetic_config.json").write_text("{}")
    calls = []
    original = np.savez_compressed

    def failing_save(file: object, **arrays: object) -> None:
        calls.append(file)
        if len(calls) == 3:
            raise OSError("disk full")
        original(file, **arrays)

    monkeypatch.setattr(np, "savez_compressed", failing_save)
    with pytest.raises(OutputError, match=r"data_2d_h36m_cpn_ft_h36m_dbb\.npz: disk full"):
        write_synthetic_dataset(tmp_path, config)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["data_3d_h36m.npz", "synthetic_config.json"]
    assert (tmp_path / "data_3d_h36m.npz").read_bytes() == b"old"


def test_detector_name_names_the_file(tmp_path: Path) -> None:
    config = SyntheticConfig(subjects=("S6",), actions=("Smoking",), trials=1, min_frames=30, max_frames=30,
                             detector_name="my_detector")
    paths = write_synthetic_dataset(tmp_path, config)
    assert paths["my_detector"].name == "data_2d_h36m_my_detector.npz"
    assert paths["my_detector"].is_file()


@pytest.mark.slow
def test_full_default_data_set(tmp_path: Path) -> None:
    started = time.perf_counter()
    paths = write_synthetic_dataset(tmp_path)
    elapsed = time.perf_counter() - started
    positions_3d = load(paths["3d"], "positions_3d")
    assert list(positions_3d) == list(ALL_SUBJECTS)
    frames = [len(array) for actions in positions_3d.values() for array in actions.values()]
    assert len(frames) == 7 * 15 * 2
    assert min(frames) >= 200 and max(frames) <= 300
    assert 45_000 < sum(frames) < 60_000
    assert elapsed < 60.0  # ~10 s measured on 2 shared CPU cores; generous for slower machines


def test_real_data_files_are_never_overwritten(tmp_path):
    """A directory whose data files carry no synthetic_config.json (e.g. from `jointformer prepare`)."""
    real = tmp_path / "data_3d_h36m.npz"
    real.write_bytes(b"real Human3.6M")
    with pytest.raises(OutputError, match="not part of an embedded data set"):
        write_synthetic_dataset(tmp_path, SyntheticConfig(seed=0, trials=1, max_frames=30, min_frames=24))
    assert real.read_bytes() == b"real Human3.6M"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["data_3d_h36m.npz"]
