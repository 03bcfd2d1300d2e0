"""The embedded synthetic Human3.6M: file layout, exact projections, body geometry, motion, detector noise."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from jointformer.data import synthetic
from jointformer.data.camera import CAMERA_ORDER, h36m_cameras, project_to_pixels, world_to_camera
from jointformer.data.skeleton import ACTIONS, ALL_SUBJECTS, SKELETON17, SKELETON32, reduce_to_17
from jointformer.data.synthetic import (
    CONFIG_FILE,
    DEFAULT_DETECTOR_NAME,
    SyntheticConfig,
    add_detector_noise,
    generate_positions_3d,
    project_positions_2d,
    subject_bone_lengths,
    write_synthetic_dataset,
)
from jointformer.errors import OutputError

# Two subjects (a short and a tall one, one per split), every action, both trials, short sequences.
SMALL = SyntheticConfig(seed=3, subjects=("S1", "S9"), min_frames=100, max_frames=140)
FOOT_JOINTS = [3, 4, 5, 8, 9, 10]


def load(path: Path, key: str) -> dict:
    with np.load(path, allow_pickle=True) as archive:
        return archive[key].item()


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_synthetic_dataset(tmp_path_factory.mktemp("synthetic") / "new" / "dir", SMALL)


@pytest.fixture(scope="module")
def positions_3d(written: dict[str, Path]) -> dict[str, dict[str, np.ndarray]]:
    return load(written["3d"], "positions_3d")


@pytest.fixture(scope="module")
def gt_2d(written: dict[str, Path]) -> dict:
    return load(written["gt"], "positions_2d")


@pytest.fixture(scope="module")
def detected_2d(written: dict[str, Path]) -> dict:
    return load(written[DEFAULT_DETECTOR_NAME], "positions_2d")


def sequences(positions_3d: dict, action: str) -> list[np.ndarray]:
    """Every trial of ``action`` over the subjects, (T, 32, 3) float64 metres, world frame."""
    return [array.astype(np.float64) for actions in positions_3d.values()
            for key, array in actions.items() if key.split(" ")[0] == action]


def flexion(positions: np.ndarray, top: int, middle: int, bottom: int) -> np.ndarray:
    """(T,) degrees: 0 for a straight limb (top -> middle -> bottom collinear), 180 folded back."""
    upper = positions[:, middle] - positions[:, top]
    lower = positions[:, bottom] - positions[:, middle]
    cosine = np.sum(upper * lower, axis=-1) / np.linalg.norm(upper, axis=-1) / np.linalg.norm(lower, axis=-1)
    return np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0)))


def test_files_have_the_videopose3d_layout(written: dict[str, Path], positions_3d: dict, gt_2d: dict,
                                           detected_2d: dict) -> None:
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
            assert SMALL.min_frames <= frames <= SMALL.max_frames
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


def test_gt_file_is_the_exact_projection_of_the_mocap(positions_3d: dict, gt_2d: dict) -> None:
    worst = 0.0
    for subject, actions in positions_3d.items():
        for key, positions in actions.items():
            kept = reduce_to_17(positions.astype(np.float64))
            for camera, view in zip(h36m_cameras(subject), gt_2d[subject][key], strict=True):
                expected = project_to_pixels(world_to_camera(kept, camera), camera)
                worst = max(worst, float(np.abs(expected - view).max()))
    assert worst < 0.01


def test_everyone_is_inside_every_image(gt_2d: dict) -> None:
    for subject, actions in gt_2d.items():
        cameras = h36m_cameras(subject)
        for views in actions.values():
            for camera, view in zip(cameras, views, strict=True):
                assert view.min() >= 0.0
                assert view[..., 0].max() < camera.res_w and view[..., 1].max() < camera.res_h


def test_bone_lengths_are_constant_and_differ_between_subjects(positions_3d: dict) -> None:
    bones = SKELETON32.bones()
    children = [child for child, _ in bones]
    for subject, actions in positions_3d.items():
        expected = subject_bone_lengths(subject)[children]
        for positions in actions.values():
            positions = positions.astype(np.float64)
            lengths = np.linalg.norm(positions[:, children] - positions[:, [p for _, p in bones]], axis=-1)
            assert np.abs(lengths - expected).max() < 1e-6
    all_lengths = {subject: subject_bone_lengths(subject) for subject in ALL_SUBJECTS}
    thigh = [all_lengths[subject][2] for subject in ALL_SUBJECTS]
    assert len({round(value, 4) for value in thigh}) == len(ALL_SUBJECTS)
    # Proportions differ too, not only the overall size.
    shapes = np.stack([lengths / lengths[2] for lengths in all_lengths.values()])
    assert np.ptp(shapes[:, 25]) > 0.03 and np.ptp(shapes[:, 18]) > 0.03  # shoulder width, upper arm


def test_statures_are_adult() -> None:
    for subject in ALL_SUBJECTS:
        assert 1.55 <= synthetic.subject_stature(subject) <= 1.90
    with pytest.raises(ValueError, match="S2"):
        subject_bone_lengths("S2")


def test_feet_touch_the_floor_and_nobody_sinks(positions_3d: dict) -> None:
    for actions in positions_3d.values():
        for positions in actions.values():
            lowest = positions[:, FOOT_JOINTS, 2].min(axis=1)
            assert lowest.min() >= 0.0 and lowest.max() <= 0.011  # every frame a foot on the ground
            assert positions[..., 2].min() >= 0.0
            assert np.abs(positions[..., :2]).max() < 2.5  # inside the capture area


def test_knees_and_elbows_stay_within_human_limits(positions_3d: dict) -> None:
    for actions in positions_3d.values():
        for positions in actions.values():
            positions = positions.astype(np.float64)
            lateral = positions[:, 6] - positions[:, 1]  # right hip -> left hip
            for hip, knee, ankle in ((1, 2, 3), (6, 7, 8)):
                bend = flexion(positions, hip, knee, ankle)
                assert bend.max() <= 150.0
                # Knees bend one way: the shank swings backward, so the hinge axis points to the left.
                thigh = positions[:, knee] - positions[:, hip]
                hinge = np.cross(thigh, positions[:, ankle] - positions[:, knee])
                bent = bend > 10.0
                assert np.all(np.sum(hinge[bent] * lateral[bent], axis=-1) > 0.0)
            for shoulder, elbow, wrist in ((17, 18, 19), (25, 26, 27)):
                assert flexion(positions, shoulder, elbow, wrist).max() <= 150.0


def test_generation_is_deterministic() -> None:
    config = SyntheticConfig(seed=11, subjects=("S5",), actions=("Walking", "Eating"), min_frames=40,
                             max_frames=60)
    first, second = generate_positions_3d(config), generate_positions_3d(config)
    other = generate_positions_3d(replace(config, seed=12))
    for key in first["S5"]:
        assert np.array_equal(first["S5"][key], second["S5"][key])
        assert first["S5"][key].shape != other["S5"][key].shape or not np.allclose(
            first["S5"][key], other["S5"][key], atol=0.01)
    projected = project_positions_2d(first)
    noisy_a = add_detector_noise(projected, np.random.default_rng(5))
    noisy_b = add_detector_noise(projected, np.random.default_rng(5))
    for key, views in noisy_a["S5"].items():
        for view_a, view_b in zip(views, noisy_b["S5"][key], strict=True):
            assert np.array_equal(view_a, view_b)


def test_a_subset_gives_the_same_sequences_as_the_full_set() -> None:
    both = generate_positions_3d(SyntheticConfig(subjects=("S1", "S7"), actions=("Posing",), min_frames=40,
                                                 max_frames=50))
    alone = generate_positions_3d(SyntheticConfig(subjects=("S7",), actions=("Posing",), min_frames=40,
                                                  max_frames=50))
    assert np.array_equal(both["S7"]["Posing 2"], alone["S7"]["Posing 2"])


def detector_errors(gt_2d: dict, detected_2d: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per pose and joint: error (N, 17) px, and the gt (N, 17, 2) and detections (N, 17, 2), cut to gt."""
    truth, found = [], []
    for subject, actions in gt_2d.items():
        for key, views in actions.items():
            for view, detection in zip(views, detected_2d[subject][key], strict=True):
                truth.append(view)
                found.append(detection[: len(view)])
    truth_all, found_all = np.concatenate(truth), np.concatenate(found)
    return np.linalg.norm(found_all - truth_all, axis=-1), truth_all, found_all


def test_detector_file_has_realistic_errors(gt_2d: dict, detected_2d: dict) -> None:
    errors, truth, found = detector_errors(gt_2d, detected_2d)
    assert 1.0 < np.median(errors) < 10.0
    per_joint = np.median(errors, axis=0)
    hips = per_joint[[0, 1, 4]].max()
    for joint in (3, 6, 13, 16):  # ankles and wrists
        assert per_joint[joint] > 1.5 * hips
    gross = np.mean(errors > 20.0)
    assert 0.005 < gross < 0.08
    # Left/right confusions: a left joint detected where the right one is, and vice versa.
    left, right = list(SKELETON17.joints_left), list(SKELETON17.joints_right)
    apart = np.linalg.norm(truth[:, left] - truth[:, right], axis=-1) > 30.0
    crossed = (np.linalg.norm(found[:, left] - truth[:, right], axis=-1) < 15.0) & (
        np.linalg.norm(found[:, right] - truth[:, left], axis=-1) < 15.0) & apart
    assert crossed.sum() >= 20
    assert crossed.mean() < 0.05


def test_detector_errors_are_correlated_in_time(gt_2d: dict, detected_2d: dict) -> None:
    view, detection = gt_2d["S1"]["Waiting 1"][0], detected_2d["S1"]["Waiting 1"][0]
    error = (detection[: len(view)] - view)[:, 0, 0].astype(np.float64)  # pelvis x
    error -= error.mean()
    correlation = np.sum(error[1:] * error[:-1]) / np.sum(error * error)
    assert 0.2 < correlation < 0.95


def test_actions_are_distinct(positions_3d: dict) -> None:
    def travel(positions: np.ndarray) -> float:
        """Farthest the pelvis gets from where it starts, on the floor, metres."""
        return float(np.linalg.norm(positions[:, 0, :2] - positions[0, 0, :2], axis=-1).max())

    def wrist_to_head(positions: np.ndarray) -> float:
        """Median over frames of the nearer wrist's distance to the head, metres."""
        distance = np.linalg.norm(positions[:, [19, 27]] - positions[:, [15]], axis=-1)
        return float(np.median(distance.min(axis=1)))

    def torso_lean(positions: np.ndarray) -> np.ndarray:
        """(T,) degrees between the pelvis -> thorax direction and the vertical."""
        spine = positions[:, 13] - positions[:, 0]
        return np.degrees(np.arccos(spine[:, 2] / np.linalg.norm(spine, axis=-1)))

    def arm_extended(positions: np.ndarray) -> float:
        """Fraction of frames with an arm straight and raised near shoulder height, away from the body."""
        out = np.zeros(len(positions), dtype=bool)
        for shoulder, elbow, wrist in ((17, 18, 19), (25, 26, 27)):
            straight = flexion(positions, shoulder, elbow, wrist) < 20.0
            level = positions[:, wrist, 2] > positions[:, shoulder, 2] - 0.25
            out |= straight & level
        return float(out.mean())

    for positions in sequences(positions_3d, "Walking"):
        assert travel(positions) > 1.0
        assert wrist_to_head(positions) > 0.45
        assert torso_lean(positions).max() < 20.0
        assert arm_extended(positions) == 0.0
    for positions in sequences(positions_3d, "Sitting"):
        assert travel(positions) < 0.3
        assert positions[:, 0, 2].max() < 0.7  # the pelvis stays at chair height
        assert arm_extended(positions) == 0.0
    for positions in sequences(positions_3d, "SittingDown"):
        start, end = positions[:10, 0, 2].mean(), positions[-10:, 0, 2].mean()
        assert end < start - 0.25
    for positions in sequences(positions_3d, "Phoning"):
        assert wrist_to_head(positions) < 0.25
    for positions in sequences(positions_3d, "Directions"):
        assert arm_extended(positions) > 0.2
    for positions in sequences(positions_3d, "Greeting"):
        above_head = np.maximum(positions[:, 19, 2], positions[:, 27, 2]) > positions[:, 15, 2] - 0.1
        assert above_head.mean() > 0.1  # a hand raised to wave
    for positions in sequences(positions_3d, "Purchases"):
        assert torso_lean(positions).max() > 35.0  # bending down to pick something up
    for positions in sequences(positions_3d, "Photo"):
        wrists = positions[:, [19, 27]]
        assert np.median(np.linalg.norm(wrists - positions[:, [14]], axis=-1)) < 0.3  # both hands at the face


def test_config_is_validated() -> None:
    for bad in ({"trials": 0}, {"min_frames": 5}, {"min_frames": 300, "max_frames": 200},
                {"subjects": ("S2",)}, {"actions": ("Dancing",)}, {"subjects": ()},
                {"detector_name": "gt"}, {"detector_name": "a/b"}, {"seed": -1}):
        with pytest.raises(ValueError):
            SyntheticConfig(**bad)
    with pytest.raises(ValueError, match="positions_3d"):
        project_positions_2d({"S1": {"Walking 1": np.zeros((5, 17, 3))}})
    with pytest.raises(ValueError, match="4 arrays"):
        add_detector_noise({"S1": {"Walking 1": [np.zeros((5, 17, 2))]}}, np.random.default_rng(0))


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
    from jointformer.errors import OutputError

    real = tmp_path / "data_3d_h36m.npz"
    real.write_bytes(b"real Human3.6M")
    with pytest.raises(OutputError, match="not part of an embedded data set"):
        write_synthetic_dataset(tmp_path, SyntheticConfig(seed=0, trials=1, max_frames=30, min_frames=24))
    assert real.read_bytes() == b"real Human3.6M"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["data_3d_h36m.npz"]
