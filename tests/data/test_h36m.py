"""The Human3.6M reader on a tiny hand-written data set in the VideoPose3D layout."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from jointformer.data.camera import CAMERA_ORDER, h36m_cameras, project_to_pixels, world_to_camera
from jointformer.data.h36m import (
    canonical_action_group,
    data_paths,
    load_pose_set,
    load_pose_sets,
    parse_action_filter,
    summarize_dataset,
)
from jointformer.data.skeleton import ACTIONS, KEPT_FROM_32, SKELETON17
from jointformer.errors import DataError

KEYPOINTS = "test"
TRAIN = ("S1",)
TEST = ("S9",)
# subject -> action key -> frames. "Walking" and "Walking 1" share a group, "TakingPhoto" is Photo, and
# "SittingDown 2" must not be pulled into Sitting.
FRAMES = {
    "S1": {"Walking 1": 5, "Walking": 4, "TakingPhoto 1": 6},
    "S9": {"Sitting 1": 3, "SittingDown 2": 7},
}
EXTRA_2D_FRAMES = {("S1", "Walking"): 3}  # a 2D sequence longer than its mocap
SYMMETRY_17 = [list(SKELETON17.joints_left), list(SKELETON17.joints_right)]


def _mocap(rng: np.random.Generator, frames: int) -> np.ndarray:
    """(frames, 32, 3) metres, world frame: a person-sized cloud inside the capture volume."""
    centre = np.array([0.3, -0.2, 0.9]) + rng.uniform(-0.5, 0.5, size=3) * np.array([1.0, 1.0, 0.1])
    return (centre + rng.normal(scale=0.3, size=(frames, 32, 3))).astype(np.float32)


def _projected(positions_32: np.ndarray, subject: str) -> list[np.ndarray]:
    """4 x (T, 17, 2) pixels: the kept joints of (T, 32, 3) world metres seen by each camera."""
    kept = positions_32[:, list(KEPT_FROM_32)].astype(np.float64)
    return [project_to_pixels(world_to_camera(kept, camera), camera).astype(np.float32)
            for camera in h36m_cameras(subject)]


def _dataset(seed: int = 0) -> tuple[dict[str, Any], dict[str, Any]]:
    """positions_3d and positions_2d dicts whose 2D is the projection of the 3D, plus S2 with 2D only."""
    rng = np.random.default_rng(seed)
    positions_3d: dict[str, Any] = {}
    positions_2d: dict[str, Any] = {}
    for subject, actions in FRAMES.items():
        positions_3d[subject], positions_2d[subject] = {}, {}
        for action, frames in actions.items():
            extra = EXTRA_2D_FRAMES.get((subject, action), 0)
            mocap = _mocap(rng, frames + extra)
            positions_3d[subject][action] = mocap[:frames]
            positions_2d[subject][action] = _projected(mocap, subject)
    positions_2d["S2"] = {"Walking 1": [np.full((4, 17, 2), 500.0, dtype=np.float32)] * 4}
    return positions_3d, positions_2d


def _write(directory: Path, positions_3d: Any, positions_2d: Any, metadata: Any = None,
           keypoints: str = KEYPOINTS) -> Path:
    """Write the two npz files the way VideoPose3D's scripts do (pickled dicts)."""
    directory.mkdir(parents=True, exist_ok=True)
    if metadata is None:
        metadata = {"num_joints": 17, "keypoints_symmetry": SYMMETRY_17, "layout_name": "h36m"}
    path_3d, path_2d = data_paths(directory, keypoints)
    np.savez_compressed(path_3d, positions_3d=positions_3d)
    np.savez_compressed(path_2d, positions_2d=positions_2d, metadata=metadata)
    return directory


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return _write(tmp_path / "data", *_dataset())


def _rotation_camera_to_world(quaternion: tuple[float, float, float, float]) -> np.ndarray:
    """(3, 3) rotation matrix of a scalar-first unit quaternion (the textbook formula)."""
    w, x, y, z = quaternion
    return np.array([
        [1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
        [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
        [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)],
    ])


def _expected(positions_3d: dict, positions_2d: dict, subjects: tuple[str, ...],
              downsample: int = 1) -> tuple[np.ndarray, np.ndarray, list[tuple[str, str, int]]]:
    """Hand-computed inputs (N, 17, 2) normalised screen, targets (N, 17, 3) metres camera frame
    root-relative, and (subject, group, camera) per pose, in file order."""
    inputs, targets, labels = [], [], []
    for subject in subjects:
        for action, mocap in positions_3d[subject].items():
            kept = mocap[::downsample, list(KEPT_FROM_32)].astype(np.float64)
            for index, camera in enumerate(h36m_cameras(subject)):
                rotation = _rotation_camera_to_world(camera.orientation)
                in_camera = (kept - np.array(camera.translation)) @ rotation  # R^T (X - t), row vectors
                targets.append(in_camera - in_camera[:, :1])
                pixels = positions_2d[subject][action][index][:len(mocap)][::downsample].astype(np.float64)
                inputs.append(pixels / camera.res_w * 2 - np.array([1.0, camera.res_h / camera.res_w]))
                group = {"TakingPhoto": "Photo"}.get(action.split(" ")[0], action.split(" ")[0])
                labels += [(subject, group, index)] * len(kept)
    return np.concatenate(inputs), np.concatenate(targets), labels


def _labels(pose_set) -> list[tuple[str, str, int]]:
    return [(pose_set.subjects[s], pose_set.actions[a], int(c))
            for s, a, c in zip(pose_set.subject, pose_set.action, pose_set.camera, strict=True)]


# --- round trip -------------------------------------------------------------------------------------------


def test_round_trip_matches_hand_computed_poses(data_dir: Path) -> None:
    positions_3d, positions_2d = _dataset()
    train, test = load_pose_sets(data_dir, KEYPOINTS, train_subjects=TRAIN, test_subjects=TEST)
    for pose_set, subjects in ((train, TRAIN), (test, TEST)):
        inputs, targets, labels = _expected(positions_3d, positions_2d, subjects)
        frames = sum(FRAMES[subject][action] for subject in subjects for action in FRAMES[subject])
        assert len(pose_set) == 4 * frames
        assert pose_set.inputs_2d.shape == (4 * frames, 17, 2)
        assert pose_set.targets_3d.shape == (4 * frames, 17, 3)
        for tensor in (pose_set.inputs_2d, pose_set.targets_3d):
            assert tensor.dtype == torch.float32 and tensor.is_contiguous()
        for tensor in (pose_set.action, pose_set.subject, pose_set.camera):
            assert tensor.dtype == torch.int64
        np.testing.assert_allclose(pose_set.targets_3d.numpy(), targets, atol=1e-6)
        np.testing.assert_allclose(pose_set.inputs_2d.numpy(), inputs, atol=1e-6)
        assert _labels(pose_set) == labels
        assert pose_set.subjects == subjects
        assert torch.all(pose_set.targets_3d[:, 0] == 0.0)
    assert train.actions == ("Photo", "Walking")  # Walking, Walking 1 -> Walking; TakingPhoto -> Photo
    assert test.actions == ("Sitting", "SittingDown")


def test_targets_are_in_front_of_the_camera_and_person_sized(data_dir: Path) -> None:
    # A frame convention error (e.g. rotating the wrong way) would put the person behind some cameras.
    positions_3d, _ = _dataset()
    train = load_pose_set(data_dir, KEYPOINTS, TRAIN)
    absolute = world_to_camera(positions_3d["S1"]["Walking 1"][:, list(KEPT_FROM_32)].astype(np.float64),
                               h36m_cameras("S1")[0])
    assert np.all(absolute[..., 2] > 2.0)
    extent = train.targets_3d.abs().amax().item()
    assert 0.3 < extent < 3.0


def test_longer_2d_is_cut_to_the_mocap_length(data_dir: Path) -> None:
    train = load_pose_set(data_dir, KEYPOINTS, TRAIN, actions="Walking")
    assert len(train) == 4 * (FRAMES["S1"]["Walking 1"] + FRAMES["S1"]["Walking"])


def test_load_pose_set_equals_the_split_of_load_pose_sets(data_dir: Path) -> None:
    _, test = load_pose_sets(data_dir, KEYPOINTS, train_subjects=TRAIN, test_subjects=TEST)
    alone = load_pose_set(data_dir, KEYPOINTS, TEST)
    assert torch.equal(alone.inputs_2d, test.inputs_2d)
    assert torch.equal(alone.targets_3d, test.targets_3d)


def test_subjects_follow_the_split_order(data_dir: Path) -> None:
    both = load_pose_set(data_dir, KEYPOINTS, ("S9", "S1"))
    assert both.subjects == ("S9", "S1")
    first_s1 = int(torch.nonzero(both.subject == 1)[0])
    assert torch.all(both.subject[:first_s1] == 0)
    assert set(both.actions) == {"Photo", "Walking", "Sitting", "SittingDown"}
    assert list(both.actions) == [action for action in ACTIONS if action in both.actions]


def test_subject_with_2d_only_is_ignored(data_dir: Path) -> None:
    train = load_pose_set(data_dir, KEYPOINTS, TRAIN)
    assert "S2" not in train.subjects
    with pytest.raises(DataError, match=r"S2.*no 3D"):
        load_pose_set(data_dir, KEYPOINTS, ("S2",))


# --- grouping, filter, downsample, symmetry ----------------------------------------------------------------


@pytest.mark.parametrize(("key", "group"), [
    ("Walking 1", "Walking"), ("Walking", "Walking"), ("TakingPhoto", "Photo"), ("TakingPhoto 1", "Photo"),
    ("WalkingDog 1", "WalkDog"), ("WalkDog", "WalkDog"), ("SittingDown 2", "SittingDown"),
    ("WalkTogether 1", "WalkTogether"),
])
def test_canonical_action_group(key: str, group: str) -> None:
    assert canonical_action_group(key) == group


def test_action_filter_matches_whole_group_names(data_dir: Path) -> None:
    test = load_pose_set(data_dir, KEYPOINTS, TEST, actions="Sitting")
    assert test.actions == ("Sitting",)
    assert len(test) == 4 * FRAMES["S9"]["Sitting 1"]  # SittingDown stays out
    both = load_pose_set(data_dir, KEYPOINTS, TEST, actions="SittingDown, Sitting")
    assert both.actions == ("Sitting", "SittingDown")


def test_parse_action_filter() -> None:
    assert parse_action_filter("*") == ACTIONS
    assert parse_action_filter("Walking,Eating") == ("Eating", "Walking")
    with pytest.raises(ValueError, match=r"'Walk'.*Directions, Discussion"):
        parse_action_filter("Walk")


def test_action_filter_with_no_matching_sequence_is_an_error(data_dir: Path) -> None:
    with pytest.raises(DataError, match=r"no poses for subjects S9"):
        load_pose_set(data_dir, KEYPOINTS, TEST, actions="Eating")


@pytest.mark.parametrize("downsample", [2, 3])
def test_downsample_keeps_every_kth_frame(data_dir: Path, downsample: int) -> None:
    positions_3d, positions_2d = _dataset()
    train = load_pose_set(data_dir, KEYPOINTS, TRAIN, downsample=downsample)
    inputs, targets, _ = _expected(positions_3d, positions_2d, TRAIN, downsample)
    expected_frames = sum(len(range(0, frames, downsample)) for frames in FRAMES["S1"].values())
    assert len(train) == 4 * expected_frames
    np.testing.assert_allclose(train.targets_3d.numpy(), targets, atol=1e-6)
    np.testing.assert_allclose(train.inputs_2d.numpy(), inputs, atol=1e-6)


@pytest.mark.parametrize("downsample", [0, -1, 1.5, True])
def test_downsample_must_be_a_positive_whole_number(data_dir: Path, downsample: Any) -> None:
    with pytest.raises(ValueError, match="downsample"):
        load_pose_set(data_dir, KEYPOINTS, TRAIN, downsample=downsample)


def test_symmetry_comes_from_the_2d_metadata(tmp_path: Path) -> None:
    symmetry = [[1, 2, 3], [4, 5, 6]]
    directory = _write(tmp_path, *_dataset(), metadata={"num_joints": 17, "keypoints_symmetry": symmetry})
    train = load_pose_set(directory, KEYPOINTS, TRAIN)
    assert (train.joints_left_2d, train.joints_right_2d) == ((1, 2, 3), (4, 5, 6))
    assert (train.joints_left_3d, train.joints_right_3d) == (SKELETON17.joints_left, SKELETON17.joints_right)


# --- summary ------------------------------------------------------------------------------------------------


def test_summary_of_projected_2d(data_dir: Path) -> None:
    summary = summarize_dataset(data_dir, KEYPOINTS)
    assert summary.subjects == ("S1", "S9")
    assert summary.subjects_2d_only == ("S2",)
    assert summary.actions == ("Photo", "Sitting", "SittingDown", "Walking")
    assert summary.sequences == 5
    frames = {subject: sum(actions.values()) for subject, actions in FRAMES.items()}
    assert summary.frames_per_subject == frames
    s2_frames = 4
    all_2d = 4 * (sum(frames.values()) + sum(EXTRA_2D_FRAMES.values()) + s2_frames)
    assert summary.poses_2d == all_2d
    assert summary.poses_paired == 4 * sum(summary.frames_per_subject.values())
    assert summary.cameras == CAMERA_ORDER
    assert summary.layout_name == "h36m"
    assert summary.reprojection_error_px < 1e-3
    text = summary.format()
    assert "data_2d_h36m_test.npz" in text and "S2" in text and "0.000 px" in text
    assert f"S1 {sum(FRAMES['S1'].values())}; S9 {sum(FRAMES['S9'].values())}" in text


def test_summary_of_perturbed_2d(tmp_path: Path) -> None:
    positions_3d, positions_2d = _dataset()
    rng = np.random.default_rng(1)
    for subject in FRAMES:
        for action, views in positions_2d[subject].items():
            positions_2d[subject][action] = [view + rng.normal(scale=2.0, size=view.shape).astype(np.float32)
                                             for view in views]
    summary = summarize_dataset(_write(tmp_path, positions_3d, positions_2d), KEYPOINTS)
    # The mean length of a 2D normal offset of sigma 2 px is 2 * sqrt(pi / 2) = 2.5 px.
    assert 2.0 < summary.reprojection_error_px < 3.0


# --- bad input ----------------------------------------------------------------------------------------------


def test_missing_data_directory(tmp_path: Path) -> None:
    with pytest.raises(DataError) as caught:
        load_pose_sets(tmp_path / "nowhere", "cpn_ft_h36m_dbb")
    message = str(caught.value)
    for part in ("nowhere", "data_3d_h36m.npz", "data_2d_h36m_cpn_ft_h36m_dbb.npz", "prepare_data_h36m.py",
                 "jointformer synth DIR"):
        assert part in message


def test_missing_2d_file(data_dir: Path) -> None:
    with pytest.raises(DataError) as caught:
        summarize_dataset(data_dir, "gt")
    message = str(caught.value)
    assert "not found: " + str(data_dir / "data_2d_h36m_gt.npz") in message
    assert "prepare_data_h36m.py" in message and "jointformer synth" in message


def test_keypoints_name_must_be_a_plain_name(data_dir: Path) -> None:
    with pytest.raises(ValueError, match="keypoints"):
        load_pose_set(data_dir, "../gt", TRAIN)


def test_text_file_renamed_to_npz(data_dir: Path) -> None:
    (data_dir / "data_3d_h36m.npz").write_text("subject,action\nS1,Walking\n")
    with pytest.raises(DataError, match=r"data_3d_h36m\.npz is not an npz archive.*positions_3d"):
        load_pose_sets(data_dir, KEYPOINTS, train_subjects=TRAIN, test_subjects=TEST)


def test_damaged_npz(data_dir: Path) -> None:
    path = data_dir / f"data_2d_h36m_{KEYPOINTS}.npz"
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(DataError, match=r"cannot read .*data_2d_h36m_test\.npz as an npz archive"):
        load_pose_set(data_dir, KEYPOINTS, TRAIN)


def test_npz_without_the_expected_keys(data_dir: Path) -> None:
    np.savez(data_dir / "data_3d_h36m.npz", positions=np.zeros(3))
    expected = r"data_3d_h36m\.npz lacks the key\(s\) positions_3d \(it holds positions\)"
    with pytest.raises(DataError, match=expected):
        load_pose_set(data_dir, KEYPOINTS, TRAIN)


def test_key_holding_an_array_instead_of_a_dict(data_dir: Path) -> None:
    np.savez(data_dir / "data_3d_h36m.npz", positions_3d=np.zeros((3, 32, 3)))
    expected = r"data_3d_h36m\.npz: key 'positions_3d' holds an array of shape \(3, 32, 3\)"
    with pytest.raises(DataError, match=expected):
        load_pose_set(data_dir, KEYPOINTS, TRAIN)


def test_2d_file_without_metadata(data_dir: Path) -> None:
    _, positions_2d = _dataset()
    np.savez(data_dir / f"data_2d_h36m_{KEYPOINTS}.npz", positions_2d=positions_2d)
    with pytest.raises(DataError, match=r"data_2d_h36m_test\.npz lacks the key\(s\) metadata"):
        load_pose_set(data_dir, KEYPOINTS, TRAIN)


@pytest.mark.parametrize(("metadata", "expected"), [
    ({"num_joints": 17}, r"metadata lacks 'keypoints_symmetry'"),
    ({"keypoints_symmetry": SYMMETRY_17}, r"metadata lacks 'num_joints'"),
    ({"num_joints": 16, "keypoints_symmetry": SYMMETRY_17}, r"metadata num_joints is 16; expected 17"),
    ({"num_joints": 17, "keypoints_symmetry": [[1, 2], [3]]}, r"metadata keypoints_symmetry .*equal length"),
    ({"num_joints": 17, "keypoints_symmetry": [[1, 2], [3, 17]]}, r"metadata keypoints_symmetry .*0\.\.16"),
    ({"num_joints": 17, "keypoints_symmetry": [1, 2]}, r"metadata keypoints_symmetry is \[1, 2\]; expected"),
])
def test_bad_metadata(tmp_path: Path, metadata: dict, expected: str) -> None:
    directory = _write(tmp_path, *_dataset(), metadata=metadata)
    with pytest.raises(DataError, match=r"data_2d_h36m_test\.npz: " + expected):
        load_pose_set(directory, KEYPOINTS, TRAIN)


def _set_3d(subject: str, action: str, value: Callable[[np.ndarray], Any]):
    def mutate(positions_3d: dict, positions_2d: dict) -> None:
        positions_3d[subject][action] = value(positions_3d[subject][action])
    return mutate


def _set_2d(subject: str, action: str, value: Callable[[list], Any]):
    def mutate(positions_3d: dict, positions_2d: dict) -> None:
        positions_2d[subject][action] = value(positions_2d[subject][action])
    return mutate


def _with_camera(index: int, value: Callable[[np.ndarray], np.ndarray]) -> Callable[[list], list]:
    return lambda views: [value(view) if camera == index else view for camera, view in enumerate(views)]


def _poisoned(value: float) -> Callable[[np.ndarray], np.ndarray]:
    def poison(array: np.ndarray) -> np.ndarray:
        array = array.copy()
        array[2, 5, 1] = value
        return array
    return poison


def _drop_2d_subject(positions_3d: dict, positions_2d: dict) -> None:
    del positions_2d["S9"]


def _drop_2d_action(positions_3d: dict, positions_2d: dict) -> None:
    del positions_2d["S1"]["TakingPhoto 1"]


def _unknown_action(positions_3d: dict, positions_2d: dict) -> None:
    positions_3d["S1"]["Dancing 1"] = positions_3d["S1"]["Walking 1"]
    positions_2d["S1"]["Dancing 1"] = positions_2d["S1"]["Walking 1"]


BAD_SEQUENCES = {
    "2d subject missing": (_drop_2d_subject,
                           r"data_2d_h36m_test\.npz: subject S9 has 3D in data_3d_h36m\.npz but no 2D"),
    "2d action missing": (_drop_2d_action,
                          r"data_2d_h36m_test\.npz: subject S1 has no 2D keypoints for action "
                          r"'TakingPhoto 1'"),
    "2d shorter": (_set_2d("S9", "Sitting 1", _with_camera(2, lambda view: view[:2])),
                   r"subject S9, action 'Sitting 1', camera 2 \(58860488\) has 2 frames, fewer than the 3 "
                   r"frames of its mocap"),
    "three cameras": (_set_2d("S1", "Walking", lambda views: views[:3]),
                      r"subject S1, action 'Walking' holds 3 camera views; expected a list of 4"),
    "3d with 17 joints": (_set_3d("S1", "Walking 1", lambda mocap: mocap[:, :17]),
                          r"data_3d_h36m\.npz: subject S1, action 'Walking 1' has shape \(5, 17, 3\); "
                          r"expected \(frames, 32, 3\)"),
    "3d with 2 coordinates": (_set_3d("S9", "SittingDown 2", lambda mocap: mocap[..., :2]),
                              r"subject S9, action 'SittingDown 2' has shape \(7, 32, 2\); expected "
                              r"\(frames, 32, 3\)"),
    "2d with 16 joints": (_set_2d("S1", "Walking 1", _with_camera(1, lambda view: view[:, :16])),
                          r"data_2d_h36m_test\.npz: subject S1, action 'Walking 1', camera 1 \(55011271\) "
                          r"has shape \(5, 16, 2\); expected \(frames, 17, 2\)"),
    "2d with 3 coordinates": (_set_2d("S1", "Walking 1", _with_camera(0, lambda view: np.zeros((5, 17, 3)))),
                              r"camera 0 \(54138969\) has shape \(5, 17, 3\); expected \(frames, 17, 2\)"),
    "3d not numeric": (_set_3d("S1", "Walking 1", lambda mocap: "positions"),
                       r"subject S1, action 'Walking 1' holds str; expected a numeric array "
                       r"\(frames, 32, 3\)"),
    "3d NaN": (_set_3d("S9", "Sitting 1", _poisoned(np.nan)),
               r"data_3d_h36m\.npz: subject S9, action 'Sitting 1' holds NaN or infinite values in "
               r"1 frame\(s\), the first at frame 2"),
    "2d infinite": (_set_2d("S1", "TakingPhoto 1", _with_camera(3, _poisoned(np.inf))),
                    r"data_2d_h36m_test\.npz: subject S1, action 'TakingPhoto 1', camera 3 \(60457274\) "
                    r"holds NaN or infinite values"),
    "unknown action": (_unknown_action, r"subject S1, action 'Dancing 1' belongs to no Human3\.6M action"),
}


@pytest.mark.parametrize("case", list(BAD_SEQUENCES))
def test_bad_sequence(tmp_path: Path, case: str) -> None:
    mutate, expected = BAD_SEQUENCES[case]
    positions_3d, positions_2d = _dataset()
    mutate(positions_3d, positions_2d)
    directory = _write(tmp_path, positions_3d, positions_2d)
    with pytest.raises(DataError, match=expected):
        load_pose_sets(directory, KEYPOINTS, train_subjects=TRAIN, test_subjects=TEST)
    with pytest.raises(DataError, match=expected):
        summarize_dataset(directory, KEYPOINTS)


def test_nan_in_the_cut_off_2d_frames_is_ignored(tmp_path: Path) -> None:
    positions_3d, positions_2d = _dataset()
    views = positions_2d["S1"]["Walking"]
    views[0] = views[0].copy()
    views[0][-1] = np.nan  # a frame past the mocap length, never used
    train = load_pose_set(_write(tmp_path, positions_3d, positions_2d), KEYPOINTS, TRAIN)
    assert torch.isfinite(train.inputs_2d).all()


def test_unknown_subject_for_a_split(data_dir: Path) -> None:
    with pytest.raises(DataError, match=r"data_3d_h36m\.npz: subject 'S11' was requested.*holds S1, S9"):
        load_pose_sets(data_dir, KEYPOINTS, train_subjects=TRAIN, test_subjects=("S9", "S11"))


def test_default_splits_need_every_subject(data_dir: Path) -> None:
    with pytest.raises(DataError, match=r"subject 'S5' was requested"):
        load_pose_sets(data_dir, KEYPOINTS)


def test_subjects_must_be_a_sequence_of_names(data_dir: Path) -> None:
    with pytest.raises(ValueError, match="subjects must be"):
        load_pose_set(data_dir, KEYPOINTS, "S1")
