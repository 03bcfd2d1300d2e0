"""Reading keypoint files: every format written small in tmp_path, the tracks that come out, and the
errors for malformed files (each must name the file and the problem)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from jointformer.errors import InputError
from jointformer.lift.keypoint_files import KeypointTrack, read_keypoints


def pose(seed: float, num_joints: int = 3) -> np.ndarray:
    """(K, 3) x, y pixels and a score, distinct per seed and joint."""
    joints = np.arange(num_joints, dtype=np.float64)
    return np.stack([100.0 * seed + joints, 200.0 * seed + joints, np.full(num_joints, 0.5)], axis=1)


def coco_entry(image_id: int | str, seed: float, num_joints: int = 3, **fields: object) -> dict:
    return {"image_id": image_id, "category_id": 1, "keypoints": pose(seed, num_joints).ravel().tolist(),
            "score": 0.9, **fields}


def write_json(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data))
    return path


def expect_error(path: Path, *fragments: str, num_joints: int | None = None) -> str:
    with pytest.raises(InputError) as caught:
        read_keypoints(path, num_joints=num_joints)
    message = str(caught.value)
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    return message


def by_id(tracks: list[KeypointTrack]) -> dict[str, KeypointTrack]:
    return {track.track_id: track for track in tracks}


# --- COCO keypoint results -------------------------------------------------------------------------------


def test_coco_tracks_are_grouped_by_id_and_ordered_by_image(tmp_path: Path) -> None:
    entries = [coco_entry(3, 3.0, track_id=7), coco_entry(1, 1.0, track_id=7), coco_entry(2, 2.5, track_id=2),
               coco_entry(2, 2.0, track_id=7), coco_entry(1, 1.5, track_id=2)]
    tracks = read_keypoints(write_json(tmp_path / "results.json", entries), num_joints=3)
    assert [track.track_id for track in tracks] == ["2", "7"]
    seven = by_id(tracks)["7"]
    assert seven.frame_ids == [1, 2, 3] and seven.is_sequence
    assert seven.keypoints.shape == (3, 3, 2) and seven.keypoints.dtype == np.float64
    np.testing.assert_array_equal(seven.keypoints, np.stack([pose(s)[:, :2] for s in (1.0, 2.0, 3.0)]))
    np.testing.assert_array_equal(seven.scores, np.full((3, 3), 0.5))
    assert by_id(tracks)["2"].frame_ids == [1, 2]
    assert seven.source == str(tmp_path / "results.json") and seven.image_size is None


def test_coco_track_fields_and_natural_image_order(tmp_path: Path) -> None:
    entries = [coco_entry("frame10.jpg", 10, track="a"), coco_entry("frame2.jpg", 2, track="a"),
               coco_entry("frame1.jpg", 1, idx=4), coco_entry("frame9.jpg", 9, idx=4.0)]
    tracks = by_id(read_keypoints(write_json(tmp_path / "r.json", entries)))
    assert tracks["a"].frame_ids == ["frame2.jpg", "frame10.jpg"]
    assert tracks["4"].frame_ids == ["frame1.jpg", "frame9.jpg"]


def test_coco_untracked_entries_become_single_images(tmp_path: Path) -> None:
    # AlphaPose without tracking writes "idx" as a list of merged detection ids: not a track id
    entries = [coco_entry(42, 1.0), coco_entry(7, 2.0, idx=[0.0]), coco_entry(7, 3.0, track_id=None),
               coco_entry(5, 4.0, track_id=1)]
    tracks = read_keypoints(write_json(tmp_path / "r.json", entries))
    assert [track.track_id for track in tracks] == ["1", "image 7 person 0", "image 7 person 1", "image 42"]
    singles = by_id(tracks)
    assert not singles["image 42"].is_sequence and singles["image 42"].frame_ids == [42]
    assert singles["image 42"].keypoints.shape == (1, 3, 2)
    np.testing.assert_array_equal(singles["image 7 person 1"].keypoints[0], pose(3.0)[:, :2])
    assert singles["1"].is_sequence  # a track id makes a sequence, even of one image


def test_coco_video_without_track_ids_is_one_track_with_its_gaps(tmp_path: Path) -> None:
    """A detector run on a video: one detection per image_id, no track ids, frames 4 and 5 missing."""
    entries = [coco_entry(image_id, float(image_id)) for image_id in (7, 1, 3, 2, 6)]
    path = write_json(tmp_path / "video.json", entries)
    (track,) = read_keypoints(path, num_joints=3)
    assert track.is_sequence and track.track_id == "0"
    assert track.frame_ids == [1, 2, 3, 6, 7]  # ordered by image_id, the gap kept
    np.testing.assert_array_equal(track.frame_numbers, [1.0, 2.0, 3.0, 6.0, 7.0])
    np.testing.assert_array_equal(track.keypoints, np.stack([pose(s)[:, :2] for s in (1, 2, 3, 6, 7)]))
    np.testing.assert_array_equal(track.scores, np.full((5, 3), 0.5))
    assert track.note is not None and "one track of 5 frames" in track.note and "--images" in track.note
    independent = read_keypoints(path, num_joints=3, images=True)
    assert [t.track_id for t in independent] == [f"image {i}" for i in (1, 2, 3, 6, 7)]
    assert not any(t.is_sequence or t.note for t in independent)


def test_coco_two_people_in_one_image_stay_single_images(tmp_path: Path) -> None:
    entries = [coco_entry(1, 1.0), coco_entry(2, 2.0), coco_entry(2, 2.5), coco_entry(4, 4.0)]
    tracks = read_keypoints(write_json(tmp_path / "crowd.json", entries))
    assert [track.track_id for track in tracks] == ["image 1", "image 2 person 0", "image 2 person 1",
                                                    "image 4"]
    assert not any(track.is_sequence or track.note for track in tracks)


def test_images_flag_makes_every_format_independent_images(tmp_path: Path) -> None:
    path = tmp_path / "clip.npy"
    np.save(path, np.stack([pose(s) for s in (1.0, 2.0, 3.0)]))
    (as_read,) = read_keypoints(path)
    (as_images,) = read_keypoints(path, images=True)
    assert as_read.is_sequence and not as_images.is_sequence
    np.testing.assert_array_equal(as_read.keypoints, as_images.keypoints)
    tracked = [coco_entry(1, 1.0, track_id=3), coco_entry(2, 2.0, track_id=3)]
    (track,) = read_keypoints(write_json(tmp_path / "tracked.json", tracked), images=True)
    assert not track.is_sequence and track.frame_ids == [1, 2]


def test_coco_missing_values_and_score_clipping(tmp_path: Path) -> None:
    keypoints = [10.0, 20.0, 1.3, None, None, 0.0, 30.0, float("nan"), 0.4]
    path = tmp_path / "r.json"
    path.write_text(json.dumps([{"image_id": 1, "keypoints": keypoints}]))  # json writes NaN as NaN
    track = read_keypoints(path)[0]
    np.testing.assert_array_equal(track.keypoints[0, 0], [10.0, 20.0])
    assert np.isnan(track.keypoints[0, 1:]).all()  # null, and a joint missing only its y
    np.testing.assert_array_equal(track.scores[0], [1.0, 0.0, 0.4])  # 1.3 clipped to 1


@pytest.mark.parametrize(("content", "fragments"), [
    ("[{\"image_id\": 1, ", ["not valid JSON", "line 1"]),
    (json.dumps({"annotations": [], "images": []}), ["top level", "'annotations'", "expected"]),
    (json.dumps([]), ["no entries"]),
    (json.dumps([[1, 2, 3]]), ["entry 0", "expected an object"]),
    (json.dumps([{"keypoints": [1, 2, 3]}]), ["entry 0", "'image_id'"]),
    (json.dumps([{"image_id": 1, "keypoints": [1, 2, 3, 4]}]), ["entry 0", "'keypoints'", "multiple of 3"]),
    (json.dumps([{"image_id": 1, "keypoints": "1 2 3"}]), ["entry 0", "'keypoints'", "list"]),
    (json.dumps([{"image_id": 1, "keypoints": [1, 2, 3]}, {"image_id": 2, "keypoints": [1, 2, 3, 4, 5, 6]}]),
     ["entry 1", "'keypoints'", "6 numbers", "same joints"]),
    (json.dumps([{"image_id": 1, "keypoints": [1, "2", 3]}]), ["entry 0", "keypoints[1]", "'2'"]),
    (json.dumps([{"image_id": 1, "keypoints": [1, 2, True]}]), ["entry 0", "keypoints[2]", "score"]),
    ('[{"image_id": 1, "keypoints": [1, Infinity, 3]}]', ["entry 0", "keypoints[1]", "not finite"]),
    (json.dumps([{"image_id": [1], "keypoints": [1, 2, 3]}]), ["entry 0", "'image_id'"]),
    (json.dumps([{"image_id": 1, "keypoints": [1, 2, 3], "track_id": {"a": 1}}]), ["entry 0", "'track_id'"]),
    (json.dumps([coco_entry(1, 1.0, track_id=3), coco_entry(1, 2.0, track_id=3)]),
     ["entries 0 and 1", "track 3", "image_id"]),
    (json.dumps([{"image_id": 1, "keypoints": [1, 2, -0.5]}]), ["joint 0", "score", "-0.5"]),
])
def test_coco_malformed(tmp_path: Path, content: str, fragments: list[str]) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    expect_error(path, *fragments)


def test_coco_joint_count_must_match_the_layout(tmp_path: Path) -> None:
    path = write_json(tmp_path / "r.json", [coco_entry(1, 1.0)])
    expect_error(path, "entry 0", "3 joints", "expected 17", num_joints=17)


# --- NumPy ---------------------------------------------------------------------------------------------


def test_npy_sequence_with_scores(tmp_path: Path) -> None:
    array = np.stack([pose(seed, 5) for seed in range(4)]).astype(np.float32)
    array[2, 1, 0] = np.nan
    np.save(tmp_path / "poses.npy", array)
    (track,) = read_keypoints(tmp_path / "poses.npy", num_joints=5)
    assert track.track_id == "0" and track.frame_ids == [0, 1, 2, 3] and track.is_sequence
    assert track.keypoints.shape == (4, 5, 2) and track.keypoints.dtype == np.float64
    assert np.isnan(track.keypoints[2, 1]).all() and np.isfinite(track.keypoints[2, 0]).all()
    np.testing.assert_allclose(track.scores, array[..., 2])


@pytest.mark.parametrize("shape", [(6, 2), (1, 6, 2)])
def test_npy_single_pose(tmp_path: Path, shape: tuple[int, ...]) -> None:
    np.save(tmp_path / "one.npy", np.arange(12.0).reshape(shape))
    (track,) = read_keypoints(tmp_path / "one.npy")
    assert track.keypoints.shape == (1, 6, 2) and track.scores is None and not track.is_sequence
    np.testing.assert_array_equal(track.keypoints.reshape(-1), np.arange(12.0))


@pytest.mark.parametrize(("array", "fragments"), [
    (np.zeros((2, 3, 2, 1)), ["shape (2, 3, 2, 1)", "(T, K, 2)"]),
    (np.zeros((2, 3, 4)), ["shape (2, 3, 4)"]),
    (np.zeros(5), ["shape (5,)"]),
    (np.zeros((0, 3, 2)), ["no poses"]),
    (np.array([[1.0, np.inf]]), ["frame 0", "joint 0", "y", "not finite"]),
    (np.array(["a", "b"]), ["dtype <U1"]),
    (np.array([{"x": 1}], dtype=object), ["Python objects", "allow_pickle"]),
])
def test_npy_malformed(tmp_path: Path, array: np.ndarray, fragments: list[str]) -> None:
    path = tmp_path / "bad.npy"
    np.save(path, array, allow_pickle=True)
    expect_error(path, *fragments)


def test_npy_wrong_content(tmp_path: Path) -> None:
    np.savez(tmp_path / "archive.npz", keypoints=np.zeros((2, 3, 2)))
    (tmp_path / "archive.npz").rename(tmp_path / "archive.npy")
    expect_error(tmp_path / "archive.npy", "npz archive")
    (tmp_path / "text.npy").write_text("1, 2, 3")
    expect_error(tmp_path / "text.npy", "not a .npy file")


def test_npz_plain_arrays(tmp_path: Path) -> None:
    np.savez(tmp_path / "one.npz", anything=np.ones((3, 4, 2)))
    (track,) = read_keypoints(tmp_path / "one.npz")
    assert track.keypoints.shape == (3, 4, 2) and track.is_sequence
    np.savez(tmp_path / "named.npz", boxes=np.ones((3, 4)), keypoints=np.full((2, 4, 3), 0.25))
    (track,) = read_keypoints(tmp_path / "named.npz")
    assert track.keypoints.shape == (2, 4, 2) and np.all(track.scores == 0.25)


def test_npz_several_arrays_without_keypoints(tmp_path: Path) -> None:
    np.savez(tmp_path / "many.npz", poses=np.ones((3, 4, 2)), boxes=np.ones((3, 4)))
    expect_error(tmp_path / "many.npz", "'poses'", "'boxes'", "'keypoints'")


def test_npz_object_array_is_not_unpickled(tmp_path: Path) -> None:
    np.savez(tmp_path / "objects.npz", keypoints=np.array([{"x": 1}], dtype=object))
    expect_error(tmp_path / "objects.npz", "'keypoints'", "Python objects")


def videopose3d_file(path: Path, positions: dict, metadata: dict) -> Path:
    np.savez_compressed(path, positions_2d=positions, metadata=metadata)
    return path


def test_videopose3d_custom_file(tmp_path: Path) -> None:
    walk = np.stack([pose(seed, 17)[:, :2] for seed in range(5)]).astype(np.float32)
    run = np.zeros((3, 17, 2), dtype=np.float32)
    metadata = {"layout_name": "coco", "num_joints": 17,
                "keypoints_symmetry": [[1, 3, 5, 7, 9, 11, 13, 15], [2, 4, 6, 8, 10, 12, 14, 16]],
                "video_metadata": {"walk": {"w": 1920, "h": 1080}}}
    path = videopose3d_file(tmp_path / "data_2d_custom_myvideos.npz",
                            {"walk": {"custom": [walk]}, "run": {"custom": [run]}}, metadata)
    tracks = read_keypoints(path, num_joints=17)
    assert [track.track_id for track in tracks] == ["walk", "run"]
    assert tracks[0].image_size == (1920, 1080) and tracks[1].image_size is None
    assert tracks[0].frame_ids == [0, 1, 2, 3, 4] and tracks[0].scores is None
    assert all(track.is_sequence for track in tracks)
    np.testing.assert_array_equal(tracks[0].keypoints, walk.astype(np.float64))
    assert tracks[1].keypoints.shape == (3, 17, 2)


@pytest.mark.parametrize(("positions", "metadata", "fragments"), [
    ({"walk": {"S1": [np.zeros((3, 17, 2))]}}, {}, ["video 'walk'", "'custom'"]),
    ({"walk": {"custom": np.zeros((3, 17, 2))}}, {}, ["video 'walk'", "list of one array"]),
    ({"walk": {"custom": [np.zeros((3, 17))]}}, {}, ["video 'walk'", "(T, K, 2)"]),
    ({"walk": {"custom": [np.zeros((3, 17, 2))]}}, {"num_joints": 16}, ["num_joints", "16", "17"]),
    ({"walk": {"custom": [np.zeros((3, 17, 2))]}}, {"video_metadata": {"walk": {"w": 0, "h": 5}}},
     ["video_metadata['walk']", "'w'"]),
    ({}, {}, ["positions_2d"]),
])
def test_videopose3d_malformed(tmp_path: Path, positions: dict, metadata: dict, fragments: list[str]) -> None:
    expect_error(videopose3d_file(tmp_path / "vp3d.npz", positions, metadata), *fragments)


def test_npz_wrong_content(tmp_path: Path) -> None:
    (tmp_path / "text.npz").write_text("not a zip")
    expect_error(tmp_path / "text.npz", "not an npz archive")


# --- CSV -------------------------------------------------------------------------------------------------


def write_csv(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n")
    return path


def test_csv_numbered_columns_with_scores(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "k.csv", [
        "frame,x0,y0,s0,x1,y1,s1",
        "2,20,21,0.5,22,23,0.6",
        "0,0,1,0.9,2,3,",
        "1,10,,0.7,12,13,1.0",
    ])
    (track,) = read_keypoints(path, num_joints=2)
    assert track.track_id == "0" and track.frame_ids == [0, 1, 2] and track.is_sequence
    np.testing.assert_array_equal(track.keypoints[0], [[0, 1], [2, 3]])
    assert np.isnan(track.keypoints[1, 0]).all()  # an empty y blanks the joint
    np.testing.assert_array_equal(track.keypoints[2], [[20, 21], [22, 23]])
    np.testing.assert_array_equal(track.scores[:, 0], [0.9, 0.7, 0.5])
    assert np.isnan(track.scores[0, 1])


def test_csv_named_columns_and_tracks(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "k.csv", [
        " Frame , Track , nose_x, nose_y, left_eye_x, left_eye_y",
        "img10,b,1,2,3,4",
        "img2,b,5,6,7,8",
        "img1,a,9,10,11,12",
    ])
    tracks = read_keypoints(path)
    assert [track.track_id for track in tracks] == ["a", "b"]
    b = by_id(tracks)["b"]
    assert b.frame_ids == ["img2", "img10"] and b.scores is None
    np.testing.assert_array_equal(b.keypoints, [[[5, 6], [7, 8]], [[1, 2], [3, 4]]])


def test_csv_named_columns_with_scores_in_any_order(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "k.csv", ["hip_score,frame,hip_y,hip_x,knee_x,knee_y,knee_score",
                                          "0.5,0,2,1,3,4,0.25"])
    (track,) = read_keypoints(path)
    np.testing.assert_array_equal(track.keypoints[0], [[1, 2], [3, 4]])
    np.testing.assert_array_equal(track.scores[0], [0.5, 0.25])


@pytest.mark.parametrize(("lines", "fragments"), [
    (["x0,y0", "1,2"], ["header", "'frame'"]),
    (["frame,x0,y0,confidence", "0,1,2,3"], ["header", "'confidence'"]),
    (["frame,x0,y0,x1", "0,1,2,3"], ["header", "joint '1'", "'y1'"]),
    (["frame,a_x,a_y,a_score,b_x,b_y", "0,1,2,3,4,5"], ["header", "score", "'b'"]),
    (["frame,x0,y0,a_x,a_y", "0,1,2,3,4"], ["header", "mixes"]),
    (["frame,x0,y0,x2,y2", "0,1,2,3,4"], ["header", "0 .. K-1"]),
    (["frame,x0,y0,x0", "0,1,2,3"], ["header", "'x0'", "more than once"]),
    (["frame,track,track_id,x0,y0", "0,a,a,1,2"], ["both 'track' and 'track_id'"]),
    (["frame"], ["no joint columns"]),
    (["frame,x0,y0"], ["no data rows"]),
    ([""], ["empty"]),
    (["frame,x0,y0", "0,1,two"], ["line 2", "column 'y0'", "'two'", "not a number"]),
    (["frame,x0,y0", "0,1,inf"], ["line 2", "column 'y0'", "not finite"]),
    (["frame,x0,y0", "0,1"], ["line 2", "2 cells", "3 columns"]),
    (["frame,x0,y0", ",1,2"], ["line 2", "'frame'", "empty"]),
    (["frame,x0,y0", "3,1,2", "3,4,5"], ["lines 2 and 3", "frame", "3"]),
    (["frame,x0,y0,s0", "0,1,2,-1"], ["frame 0", "joint 0", "score"]),
])
def test_csv_malformed(tmp_path: Path, lines: list[str], fragments: list[str]) -> None:
    expect_error(write_csv(tmp_path / "bad.csv", lines), *fragments)


def test_csv_joint_count_must_match_the_layout(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "k.csv", ["frame,x0,y0", "0,1,2"])
    expect_error(path, "header", "1 joints", "expected 17", num_joints=17)


# --- dispatch --------------------------------------------------------------------------------------------


def test_unknown_extension_lists_the_supported_ones(tmp_path: Path) -> None:
    path = tmp_path / "poses.txt"
    path.write_text("1 2 3")
    expect_error(path, "'.txt'", ".json", ".npy", ".npz", ".csv")


def test_missing_file_and_directory(tmp_path: Path) -> None:
    expect_error(tmp_path / "absent.json", "no such file")
    (tmp_path / "folder.json").mkdir()
    expect_error(tmp_path / "folder.json", "not a file")


def test_bad_num_joints_argument(tmp_path: Path) -> None:
    path = write_json(tmp_path / "r.json", [coco_entry(1, 1.0)])
    for bad in (0, "17", True, 2.5):
        with pytest.raises(InputError, match="num_joints"):
            read_keypoints(path, num_joints=bad)


def test_extension_is_case_insensitive_and_nothing_is_written(tmp_path: Path) -> None:
    path = write_json(tmp_path / "R.JSON", [coco_entry(1, 1.0)])
    before = sorted(tmp_path.iterdir())
    assert len(read_keypoints(str(path))) == 1
    with pytest.raises(InputError):
        read_keypoints(write_csv(tmp_path / "bad.csv", ["x0"]))
    assert sorted(tmp_path.iterdir()) == sorted([*before, tmp_path / "bad.csv"])
