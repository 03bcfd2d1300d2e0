"""``jointformer video``: detection loop, gaps, lifting with the absolute root, outputs, BVH, errors.

Most tests need neither OpenCV nor MediaPipe: a stub detector replays MediaPipe's real landmarks on the
committed clip (``tests/data/cam01_clip_mediapipe.npz``) over blank frames. Tests that read real files need
OpenCV, the end-to-end ones MediaPipe: they are marked ``video`` and skipped without the extra."""

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from jointformer.checkpoint import save_checkpoint
from jointformer.cli import main
from jointformer.data.input_stats import default_input_stats
from jointformer.errors import InputError, MissingExtraError
from jointformer.lift import video
from jointformer.lift.keypoint_files import read_keypoints
from jointformer.lift.lifter import Lifter, LiftResult
from jointformer.models.jointformer import JointFormer, JointFormerConfig

DATA = Path(__file__).parents[1] / "data"
CLIP = DATA / "cam01_clip.mp4"
STORED = np.load(DATA / "cam01_clip_mediapipe.npz")
SIZE = (240, 426)
TINY = JointFormerConfig(hid_dim=32, num_layers=1, d_inner=64, num_heads=2, d_head=16)


class ReplayDetector:
    """Stands in for MediaPipe: returns the stored landmarks frame after frame, None for ``missing``."""

    missing: frozenset = frozenset()

    def __init__(self) -> None:
        self.calls, self.closed = 0, False

    def detect(self, image_rgb: np.ndarray):
        assert image_rgb.shape == (SIZE[1], SIZE[0], 3) and image_rgb.dtype == np.uint8
        frame, self.calls = self.calls, self.calls + 1
        if frame in self.missing:
            return None
        return STORED["keypoints"][frame].astype(np.float64), STORED["scores"][frame].astype(np.float64)

    def close(self) -> None:
        self.closed = True


class BlankFrames(video.FrameSource):
    def frames(self):
        for _ in range(self.frame_count):
            yield np.zeros((self.size[1], self.size[0], 3), dtype=np.uint8)


@pytest.fixture
def no_decoding(monkeypatch):
    """open_frames gives 30 blank frames at 30 fps and MediaPipe is the replaying stub (no extra needed)."""
    def fake_open(path, fps=None):
        if not Path(path).exists():
            raise InputError(f"{path}: no such file or folder")
        return BlankFrames(path=Path(path), fps=fps or 30.0, size=SIZE, frame_count=len(STORED["keypoints"]))

    monkeypatch.setattr(video, "open_frames", fake_open)
    monkeypatch.setattr(video, "MediaPipePoseDetector", ReplayDetector)
    return ReplayDetector


@pytest.fixture(scope="module")
def model() -> JointFormer:
    torch.manual_seed(0)
    return JointFormer(TINY).eval()


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory, model) -> Path:
    return save_checkpoint(tmp_path_factory.mktemp("video_model") / "tiny.pth.tar",
                           state_dict=model.state_dict(), config=TINY,
                           extra={"input_stats": default_input_stats().to_dict()})


def test_detection_replays_every_frame_and_writes_gaps_as_nan(no_decoding, monkeypatch):
    monkeypatch.setattr(ReplayDetector, "missing", frozenset({3, 4, 17}))
    detector = ReplayDetector()
    keypoints, scores, fps, size = video.detect_video(CLIP, detector=detector)
    assert keypoints.shape == (30, 33, 2) and scores.shape == (30, 33) and (fps, size) == (30.0, SIZE)
    gaps = ~np.isfinite(keypoints).all(axis=(1, 2))
    assert np.flatnonzero(gaps).tolist() == [3, 4, 17] and (scores[gaps] == 0).all()
    assert np.array_equal(keypoints[~gaps], STORED["keypoints"][~gaps])
    assert detector.calls == 30 and not detector.closed  # a detector passed in belongs to the caller


def test_nobody_in_any_frame_is_an_error(no_decoding, monkeypatch):
    monkeypatch.setattr(ReplayDetector, "missing", frozenset(range(30)))
    with pytest.raises(InputError, match="nobody was found in any of its 30 frame"):
        video.detect_video(CLIP)


def test_lift_video_returns_a_lift_result_placed_in_the_camera_frame(no_decoding, monkeypatch, model):
    monkeypatch.setattr(ReplayDetector, "missing", frozenset({10, 11}))
    lifter = Lifter(model)
    result = lifter.lift_video(CLIP, focal_length=400.0)
    assert isinstance(result, LiftResult) and isinstance(result, video.VideoLiftResult)
    assert len(result) == 28 and result.frame_ids == [i for i in range(30) if i not in (10, 11)]
    assert (result.fps, result.image_size, result.frame_count, result.focal_length) == (30.0, SIZE, 30, 400.0)
    assert result.poses_3d.shape == (28, 17, 3) and np.isfinite(result.poses_3d).all()
    assert result.root_position.shape == (28, 3) and (result.root_position[:, 2] > 0).all()
    assert np.allclose(result.pose_3d_camera, result.poses_3d + result.root_position[:, None])
    # the same as lifting the stored landmarks directly
    found = np.ones(30, bool)
    found[[10, 11]] = False
    direct = lifter.lift(STORED["keypoints"][found], layout="mediapipe33", scores=STORED["scores"][found],
                         min_score=0.3, sequence=True)
    assert np.allclose(direct.poses_3d, result.poses_3d)
    # a longer focal length places the person proportionally farther away
    farther = lifter.lift_video(CLIP, focal_length=800.0)
    mean_depth = result.poses_3d[..., 2].mean(axis=1)
    depth_of_mean = result.root_position[:, 2] + mean_depth
    assert np.allclose(farther.root_position[:, 2] + mean_depth, 2 * depth_of_mean)


def test_smoothing_reduces_frame_to_frame_jitter(no_decoding, model):
    lifter = Lifter(model)
    raw, smooth = lifter.lift_video(CLIP), lifter.lift_video(CLIP, smooth=True)

    def jitter(poses):
        return np.abs(np.diff(poses, n=2, axis=0)).mean()

    assert jitter(smooth.poses_3d) < 0.7 * jitter(raw.poses_3d)
    assert jitter(smooth.root_position) < 0.7 * jitter(raw.root_position)


def test_fill_gaps_interpolates_linearly():
    frames, values = video.fill_gaps(np.array([2, 3, 6]), np.array([[0.0], [1.0], [4.0]]))
    assert frames.tolist() == [2, 3, 4, 5, 6] and values[:, 0].tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]


def run_command(tmp_path, checkpoint, *extra: str) -> tuple[int, dict[str, Path]]:
    outputs = {"out": tmp_path / "poses.json", "bvh": tmp_path / "poses.bvh",
               "keypoints-out": tmp_path / "detections.json", "html": tmp_path / "viewer.html"}
    arguments = ["video", str(CLIP), "--checkpoint", str(checkpoint), *extra]
    for flag, path in outputs.items():
        arguments += [f"--{flag}", str(path)]
    return main(arguments), outputs


def test_video_command_writes_poses_root_bvh_and_detections(no_decoding, monkeypatch, checkpoint, tmp_path,
                                                             capsys):
    monkeypatch.setattr(ReplayDetector, "missing", frozenset({0, 12, 13}))
    status, outputs = run_command(tmp_path, checkpoint, "--smooth")
    assert status == 0
    printed = capsys.readouterr().out
    assert "27 of 30 frames with a person (3 gap frames)" in printed
    assert "detection 30 frames in" in printed and "lifting 27 frames in" in printed and "frames/s" in printed
    document = json.loads(outputs["out"].read_text())
    assert document["fps"] == 30.0 and document["image_size"] == list(SIZE)
    assert document["gaps"] == [0, 12, 13]
    assert document["focal_length_px"] == pytest.approx(0.6009 * np.hypot(*SIZE), rel=1e-3)
    frames = document["tracks"][0]["frames"]
    assert [frame["frame_id"] for frame in frames] == [i for i in range(30) if i not in (0, 12, 13)]
    first = frames[0]
    assert np.allclose(np.array(first["pose_3d_camera"]),
                       np.array(first["pose_3d"]) + np.array(first["root_position"]), atol=2e-6)
    # BVH: every frame from the first to the last with a person (the inner gap interpolated), video's rate
    text = outputs["bvh"].read_text()
    assert "Frames: 29\nFrame Time: 0.03333333\n" in text
    # the 2D detections read back as a mediapipe33 track
    tracks = read_keypoints(outputs["keypoints-out"], num_joints=33)
    assert len(tracks) == 1 and tracks[0].frame_ids == [frame["frame_id"] for frame in frames]
    assert np.allclose(tracks[0].keypoints, STORED["keypoints"][[f["frame_id"] for f in frames]], atol=1e-3)
    assert outputs["html"].exists()


def test_npz_output_holds_the_root_and_camera_frame_poses(no_decoding, checkpoint, tmp_path):
    out = tmp_path / "poses.npz"
    assert main(["video", str(CLIP), "--checkpoint", str(checkpoint), "--out", str(out)]) == 0
    with np.load(out) as arrays:
        assert arrays["root_position"].shape == (30, 3) and arrays["pose_3d_camera"].shape == (30, 17, 3)
        assert np.allclose(arrays["pose_3d_camera"], arrays["poses_3d"] + arrays["root_position"][:, None])


def test_without_checkpoint_the_packaged_model_lifts_and_says_so(no_decoding, tmp_path, capsys):
    from jointformer.lift.pretrained import pretrained_path

    out = tmp_path / "p.json"
    assert main(["video", str(CLIP), "--out", str(out)]) == 0
    assert "using the packaged in-the-wild model" in capsys.readouterr().out
    document = json.loads(out.read_text())
    assert document["checkpoint"] == str(pretrained_path())
    assert len(document["tracks"][0]["frames"]) == 30


def test_a_refiner_without_its_checkpoint_is_an_error(tmp_path, capsys):
    assert main(["video", str(CLIP), "--refiner", "r.pth.tar", "--out", str(tmp_path / "p.json")]) == 2
    assert "--refiner needs --checkpoint" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("flag, name", [("--out", "p.csv"), ("--bvh", "p.txt"), ("--html", "p.png"),
                                        ("--keypoints-out", "d.npz")])
def test_bad_output_paths_are_errors_before_any_work(checkpoint, tmp_path, capsys, flag, name):
    arguments = ["video", str(CLIP), "--checkpoint", str(checkpoint), "--out", str(tmp_path / "p.json")]
    assert main([*arguments, flag, str(tmp_path / name)]) == 2
    assert flag in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_an_output_over_the_input_is_refused(checkpoint, tmp_path, capsys):
    movie = tmp_path / "movie.json"  # a video under an odd name, and --out pointing at it
    movie.write_bytes(CLIP.read_bytes())
    assert main(["video", str(movie), "--checkpoint", str(checkpoint), "--out", str(movie)]) == 2
    assert "is an input of this command" in capsys.readouterr().err
    assert movie.read_bytes() == CLIP.read_bytes()


def test_an_existing_file_of_another_kind_is_not_replaced(checkpoint, tmp_path, capsys):
    notes = tmp_path / "notes.bvh"
    notes.write_text("my notes\n")
    arguments = ["video", str(CLIP), "--checkpoint", str(checkpoint), "--out", str(tmp_path / "p.json")]
    assert main([*arguments, "--bvh", str(notes)]) == 2
    assert "not recognised as BVH motion written by jointformer" in capsys.readouterr().err
    assert notes.read_text() == "my notes\n"

def test_nobody_found_writes_no_outputs(no_decoding, monkeypatch, checkpoint, tmp_path, capsys):
    monkeypatch.setattr(ReplayDetector, "missing", frozenset(range(30)))
    status, _ = run_command(tmp_path, checkpoint)
    assert status == 2 and "nobody was found" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("module, what", [("cv2", "OpenCV"), ("mediapipe", "MediaPipe")])
def test_a_missing_extra_is_named(monkeypatch, module, what):
    monkeypatch.setitem(__import__("sys").modules, module, None)  # makes `import module` fail
    importer = video._import_cv2 if module == "cv2" else video._import_mediapipe_pose
    with pytest.raises(MissingExtraError, match=rf"{what}.*pip install 'jointformer\[video\]'"):
        importer()


# ------------------------------------------------------------------------------- with the video extra
@pytest.mark.video
def test_the_clip_opens_with_its_rate_size_and_frames():
    pytest.importorskip("cv2")
    source = video.open_frames(CLIP)
    assert (source.fps, source.size, source.frame_count) == (30.0, SIZE, 30)
    frames = list(source.frames())
    assert len(frames) == 30 and frames[0].shape == (426, 240, 3) and frames[0].dtype == np.uint8


@pytest.mark.video
def test_a_folder_of_images_is_read_in_natural_order(tmp_path, monkeypatch):
    cv2 = pytest.importorskip("cv2")
    frames = list(video.open_frames(CLIP).frames())
    for index in (0, 1, 2, 10):  # natural order: 2 before 10
        cv2.imwrite(str(tmp_path / f"frame{index}.png"), cv2.cvtColor(frames[index], cv2.COLOR_RGB2BGR))
    source = video.open_frames(tmp_path, fps=12.0)
    assert source.frame_names == ["frame0.png", "frame1.png", "frame2.png", "frame10.png"]
    assert (source.fps, source.size) == (12.0, SIZE) and len(list(source.frames())) == 4
    run = video.run_detection(tmp_path, detector=ReplayDetector(), fps=12.0)
    assert run.frame_ids() == source.frame_names


def _broken_inputs(tmp_path: Path, cv2) -> dict[str, tuple[Path, str]]:
    not_video = tmp_path / "notes.mp4"
    not_video.write_text("not a video")
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    data = bytearray(CLIP.read_bytes())  # the clip with its frames' payload zeroed: nothing decodes
    start = data.find(b"mdat") + 4
    data[start:start + 100_000] = bytes(len(data[start:start + 100_000]))
    zeroed = tmp_path / "zeroed.mp4"
    zeroed.write_bytes(bytes(data))
    writer = cv2.VideoWriter(str(tmp_path / "mjpg.avi"), cv2.VideoWriter_fourcc(*"MJPG"), 10, (64, 64))
    for _ in range(3):
        writer.write(np.zeros((64, 64, 3), np.uint8))
    writer.release()
    unknown = tmp_path / "unknown_codec.avi"  # a codec no decoder knows
    unknown.write_bytes((tmp_path / "mjpg.avi").read_bytes().replace(b"MJPG", b"XXXX"))
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    (mixed / "frame0.png").write_bytes(b"")
    (mixed / "readme.txt").write_text("hello")
    (tmp_path / "nothing").mkdir()
    return {"not a video": (not_video, "cannot be opened as a video"),
            "empty file": (empty, "empty"),
            "undecodable frames": (zeroed, "no frame could be decoded"),
            "unknown codec": (unknown, "cannot be opened as a video"),
            "folder with non-images": (mixed, "only images.*readme.txt"),
            "empty folder": (tmp_path / "nothing", "holds no images"),
            "missing": (tmp_path / "absent.mp4", "no such file")}


@pytest.mark.video
def test_bad_inputs_are_clear_errors_and_leave_no_outputs(tmp_path, checkpoint, capsys):
    cv2 = pytest.importorskip("cv2")
    outputs = tmp_path / "outputs"
    for case, (path, message) in _broken_inputs(tmp_path, cv2).items():
        with pytest.raises(InputError, match=message):
            video.open_frames(path)
        status = main(["video", str(path), "--checkpoint", str(checkpoint), "--out", str(outputs / "p.json"),
                       "--bvh", str(outputs / "p.bvh")])
        assert status == 2, case
        assert str(path) in capsys.readouterr().err, case
        assert not outputs.exists(), case


@pytest.mark.video
@pytest.mark.slow
def test_mediapipe_finds_the_person_in_every_frame_of_the_clip_and_the_track_is_smooth(checkpoint, tmp_path,
                                                                                    capsys):
    pytest.importorskip("mediapipe")
    keypoints, _, fps, size = video.detect_video(CLIP)
    assert np.isfinite(keypoints).all() and (fps, size) == (30.0, SIZE)
    assert np.median(np.abs(keypoints - STORED["keypoints"])) < 1.0  # the stored landmarks are MediaPipe's
    status, outputs = run_command(tmp_path, checkpoint)
    assert status == 0 and "30 of 30 frames with a person (0 gap frames)" in capsys.readouterr().out
    frames = json.loads(outputs["out"].read_text())["tracks"][0]["frames"]
    poses = np.array([frame["pose_3d"] for frame in frames])
    assert poses.shape == (30, 17, 3) and not any(any(frame["filled"]) for frame in frames)
    # smooth: no joint jumps by more than a fifth of the body's size between frames (1/30 s)
    size_3d = np.linalg.norm(poses.max(axis=1) - poses.min(axis=1), axis=-1).mean()
    assert np.linalg.norm(np.diff(poses, axis=0), axis=-1).max() < 0.2 * size_3d


@pytest.mark.video
def test_a_video_without_a_person_is_an_error(tmp_path, checkpoint, capsys):
    cv2 = pytest.importorskip("cv2")
    pytest.importorskip("mediapipe")
    path = tmp_path / "wall.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (160, 120))
    for _ in range(5):
        writer.write(np.full((120, 160, 3), 128, np.uint8))
    writer.release()
    out = tmp_path / "p.json"
    assert main(["video", str(path), "--checkpoint", str(checkpoint), "--out", str(out)]) == 2
    assert "nobody was found in any of its 5 frame(s)" in capsys.readouterr().err and not out.exists()


@pytest.mark.video
def test_mediapipe_can_keep_blazepose_world_landmarks():
    """The in-the-wild benchmark compares with BlazePose's own metric 3D, kept beside the 2D detection."""
    pytest.importorskip("mediapipe")
    detector = video.MediaPipePoseDetector(world_landmarks=True)
    try:
        run = video.run_detection(CLIP, detector)
    finally:
        detector.close()
    world = np.stack(detector.world_landmarks)
    assert world.shape == (30, 33, 3) and np.isfinite(world).all() and run.found.all()
    hips_centre = world[:, [23, 24]].mean(axis=1)
    assert np.abs(hips_centre).max() < 0.05  # metres, hip-centred
    height = np.linalg.norm(world[:, [27, 28]].mean(axis=1) - world[:, [7, 8]].mean(axis=1), axis=-1)
    assert np.all((height > 1.0) & (height < 2.0))  # ankles to ears of an adult, metres
    plain = video.MediaPipePoseDetector()
    assert plain.world_landmarks is None  # off by default
    plain.close()
