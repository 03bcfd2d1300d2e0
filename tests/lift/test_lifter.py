"""Lifting anyone's keypoints: equivalence with the evaluation protocol, camera invariance, layouts,
missing joints, output files, the command line and ONNX parity."""

import json
import os
import stat

import numpy as np
import pytest
import torch

from jointformer.data.camera import CAMERA_ORDER, h36m_cameras, image_coordinates
from jointformer.data.h36m import load_pose_sets
from jointformer.errors import InputError
from jointformer.evaluation import evaluate_model, predict_poses
from jointformer.lift.layouts import LAYOUTS, from_h36m, to_h36m
from jointformer.lift.lifter import Lifter, interpolate_missing
from jointformer.lift.outputs import write_lift_output
from jointformer.models.jointformer import JointFormerConfig
from jointformer.training import TrainOptions, train

SMALL = JointFormerConfig(hid_dim=32, num_layers=2, d_inner=64, num_heads=2, d_head=16, pred_dropout=0.1)


@pytest.fixture(scope="module")
def trained(tmp_path_factory, tiny_data_dir):
    """A small stage-1 model trained briefly on the tiny embedded data set, and that data's test set."""
    pose_sets = load_pose_sets(tiny_data_dir, "gt")
    run_dir = tmp_path_factory.mktemp("lift_model")
    options = TrainOptions(data_dir=str(tiny_data_dir), batch_size=64, epochs=4, lr=2e-3, augment=True,
                           device="cpu", run_dir=str(run_dir), progress="none")
    result = train(options, SMALL, pose_sets=pose_sets)
    return result.best_checkpoint, pose_sets[1]


def pixels_of(test_set, camera_index: int):
    """The test poses of one camera in pixels (all of them share that camera's resolution)."""
    camera = h36m_cameras("S9")[camera_index]
    chosen = test_set.select(test_set.camera == camera_index)
    return chosen, image_coordinates(chosen.inputs_2d.double().numpy(), camera.res_w, camera.res_h), camera


def mpjpe_mm(predicted: np.ndarray, target: np.ndarray) -> float:
    return float(np.linalg.norm(predicted - target, axis=-1).mean() * 1000)


def test_screen_normalisation_reproduces_the_evaluation_exactly(trained):
    checkpoint, test_set = trained
    lifter = Lifter.from_checkpoint(checkpoint, device="cpu")
    chosen, pixels, camera = pixels_of(test_set, 0)
    result = lifter.lift(pixels, image_size=(camera.res_w, camera.res_h), layout="h36m",
                         normalization="screen", sequence=False)
    with torch.no_grad():
        expected = predict_poses(lifter.model, chosen.inputs_2d, chosen, flip=True).numpy()
    assert np.abs(result.poses_3d - expected).max() < 1e-5
    assert result.poses_3d.shape == (len(chosen), 17, 3) and result.errors_mm.shape == (len(chosen), 17)
    assert np.all(result.errors_mm > 0)
    assert not result.filled.any()


def test_lift_recovers_projected_poses_within_the_models_test_error(trained):
    checkpoint, test_set = trained
    lifter = Lifter.from_checkpoint(checkpoint, device="cpu")
    model_error = evaluate_model(lifter.model, test_set, flip=True).overall_protocol1
    errors = []
    for camera_index in range(len(CAMERA_ORDER)):
        chosen, pixels, _ = pixels_of(test_set, camera_index)
        result = lifter.lift(pixels, layout="h36m", sequence=False)  # default: extent normalisation
        errors.append(mpjpe_mm(result.poses_3d, chosen.targets_3d.double().numpy()))
    assert np.mean(errors) < 1.25 * model_error, (errors, model_error)


@pytest.mark.parametrize(("name", "scale", "offset"), [
    ("portrait phone 1080x1920", 1.9, (40.0, 700.0)),
    ("4K landscape", 3.6, (1500.0, 300.0)),
    ("small person far away", 0.15, (820.0, 90.0)),
])
def test_rescaled_and_moved_keypoints_lift_to_the_same_pose(trained, name, scale, offset):
    checkpoint, test_set = trained
    lifter = Lifter.from_checkpoint(checkpoint, device="cpu")
    _, pixels, _ = pixels_of(test_set, 1)
    pixels = pixels[:64]
    original = lifter.lift(pixels, layout="h36m", sequence=False)
    moved = lifter.lift(pixels * scale + np.array(offset), layout="h36m", sequence=False)
    assert np.abs(moved.poses_3d - original.poses_3d).max() < 1e-4, name
    assert np.abs(moved.errors_mm - original.errors_mm).max() < 1e-2, name


@pytest.mark.parametrize("layout", sorted(name for name in LAYOUTS if name != "h36m"))
def test_every_layout_lifts(trained, layout):
    checkpoint, test_set = trained
    lifter = Lifter.from_checkpoint(checkpoint, device="cpu")
    _, pixels, _ = pixels_of(test_set, 2)
    keypoints = from_h36m(pixels[:20], layout)
    _, valid = to_h36m(keypoints, layout)
    if not valid.all():  # built from joints H36M has no counterpart for (eyes, ears): missing here
        with pytest.raises(InputError, match="missing joints"):
            lifter.lift(keypoints[:1], layout=layout)
    result = lifter.lift(keypoints, layout=layout, sequence=False, allow_missing=True)
    assert result.poses_3d.shape == (20, 17, 3) and np.isfinite(result.poses_3d).all()


def test_missing_joint_in_a_sequence_is_interpolated_and_flagged(trained):
    checkpoint, test_set = trained
    lifter = Lifter.from_checkpoint(checkpoint, device="cpu")
    _, pixels, _ = pixels_of(test_set, 0)
    track = pixels[:10].copy()
    scores = np.ones(track.shape[:2])
    scores[3:6, 13] = 0.05  # LWrist undetected in frames 3-5
    result = lifter.lift(track, layout="h36m", scores=scores, min_score=0.3, sequence=True)
    assert result.filled[3:6, 13].all() and result.filled.sum() == 3
    expected = track[2, 13] + (track[6, 13] - track[2, 13]) * (4 - 2) / 4
    assert np.allclose(result.keypoints_2d[4, 13], expected)


def test_single_image_with_a_missing_joint_is_an_error_naming_it(trained):
    checkpoint, test_set = trained
    lifter = Lifter.from_checkpoint(checkpoint, device="cpu")
    _, pixels, _ = pixels_of(test_set, 0)
    pose = pixels[0].copy()
    pose[16] = np.nan
    with pytest.raises(InputError, match="RWrist"):
        lifter.lift(pose, layout="h36m")
    result = lifter.lift(pose, layout="h36m", allow_missing=True)
    assert result.filled[0, 16] and result.filled.sum() == 1
    assert np.isfinite(result.keypoints_2d).all()


def test_output_files_follow_the_documented_schema(trained, tmp_path):
    checkpoint, test_set = trained
    lifter = Lifter.from_checkpoint(checkpoint, device="cpu")
    _, pixels, _ = pixels_of(test_set, 0)
    result = lifter.lift(pixels[:5], layout="h36m")

    class Track:
        track_id, frame_ids, is_sequence = "0", list(range(5)), True

    metadata = {"checkpoint": str(checkpoint)}
    document_path = write_lift_output(tmp_path / "out.json", [Track], [result], metadata)
    document = json.loads(document_path.read_text())
    assert document["format"] == "jointformer-lift" and document["version"] == 1
    assert document["units"] == "m" and document["error_units"] == "mm"
    assert len(document["joint_names"]) == 17 and "camera" in document["frame"]
    frame = document["tracks"][0]["frames"][4]
    assert frame["frame_id"] == 4 and np.array(frame["pose_3d"]).shape == (17, 3)
    assert len(frame["error_mm"]) == 17 and len(frame["filled"]) == 17
    assert np.allclose(frame["pose_3d"], result.poses_3d[4], atol=1e-6)
    arrays = np.load(write_lift_output(tmp_path / "out.npz", [Track], [result], {}))
    assert arrays["poses_3d"].shape == (5, 17, 3)
    assert arrays["frame_ids"].tolist() == ["0", "1", "2", "3", "4"]
    with pytest.raises(InputError, match=r"\.json or \.npz"):
        write_lift_output(tmp_path / "out.txt", [Track], [result], {})
    assert not (tmp_path / "out.txt").exists()


def test_lift_command_on_a_coco_results_file(trained, tmp_path):
    from jointformer.cli import main

    checkpoint, test_set = trained
    _, pixels, _ = pixels_of(test_set, 3)
    coco = from_h36m(pixels[:12], "coco")
    coco[..., 1:5, :] = coco[..., :1, :]  # eyes and ears at the nose: the head is synthesised from them
    entries = [{"image_id": frame, "category_id": 1, "track_id": 7, "score": 0.9,
                "keypoints": np.concatenate([coco[frame], np.ones((17, 1))], axis=1).ravel().tolist()}
               for frame in range(12)]
    source = tmp_path / "people.json"
    source.write_text(json.dumps(entries))
    out = tmp_path / "lifted.json"
    status = main(["lift", str(source), "--checkpoint", str(checkpoint), "--layout", "coco",
                   "--image-size", "1000", "1000", "--out", str(out), "--plot", str(tmp_path / "poses.png"),
                   "--gif", str(tmp_path / "poses.gif"), "--html", str(tmp_path / "poses.html"), "--smooth"])
    assert status == 0
    document = json.loads(out.read_text())
    assert document["tracks"][0]["track_id"] == "7" and len(document["tracks"][0]["frames"]) == 12
    assert document["smoothed"] is True and "Head" in document["synthesized_joints"]
    for name in ("poses.png", "poses.gif", "poses.html"):
        assert (tmp_path / name).stat().st_size > 5000, name


def test_a_hidden_joint_is_placed_from_a_template_at_half_the_mean_poses_error(trained):
    """benchmarks/missing_fill.py on the tiny test set: one joint hidden at a time, the template fill puts it
    at most half as far from where it was as the mean pose did, and moves the other joints' 3D less."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "benchmarks" / "missing_fill.py"
    spec = importlib.util.spec_from_file_location("missing_fill", path)
    missing_fill = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(missing_fill)
    checkpoint, test_set = trained
    lifter = Lifter.from_checkpoint(checkpoint, device="cpu")
    _, pixels, _ = pixels_of(test_set, 1)
    figures = missing_fill.measure(lifter, pixels[np.linspace(0, len(pixels) - 1, 30).astype(int)])
    templates, mean_pose = figures["templates (similarity)"], figures["mean pose (scale + translation)"]
    assert templates["median_px"] <= 0.5 * mean_pose["median_px"], figures
    assert templates["others_moved_mm"] < mean_pose["others_moved_mm"], figures


def test_lift_command_reads_a_video_without_track_ids_as_one_track(trained, tmp_path, capsys):
    from jointformer.cli import main

    checkpoint, test_set = trained
    _, pixels, _ = pixels_of(test_set, 3)
    coco = from_h36m(pixels[:8], "coco")
    coco[..., 1:5, :] = coco[..., :1, :]
    image_ids = [0, 1, 2, 3, 6, 7, 8, 9]  # frames 4 and 5 lost by the detector
    entries = [{"image_id": image_id, "category_id": 1, "score": 0.9,
                "keypoints": np.concatenate([coco[row], np.ones((17, 1))], axis=1).ravel().tolist()}
               for row, image_id in enumerate(image_ids)]
    entries[5]["keypoints"][3 * 9 + 2] = 0.0  # the left wrist unseen in frame 7: interpolated over time
    source = tmp_path / "video.json"
    source.write_text(json.dumps(entries))
    out = tmp_path / "lifted.json"
    assert main(["lift", str(source), "--checkpoint", str(checkpoint), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "one track of 8 frames ordered by image_id" in printed and "8 poses in 1 track(s)" in printed
    (track,) = json.loads(out.read_text())["tracks"]
    assert track["is_sequence"] and [frame["frame_id"] for frame in track["frames"]] == image_ids
    assert track["frames"][5]["filled"][13] and sum(map(sum, (f["filled"] for f in track["frames"]))) == 1
    assert main(["lift", str(source), "--checkpoint", str(checkpoint), "--out", str(out), "--images",
                 "--allow-missing"]) == 0
    assert "8 poses in 8 track(s)" in capsys.readouterr().out


def test_interpolation_weighs_frame_gaps_by_their_length():
    points = np.zeros((3, 17, 2))
    points[:, 13] = [[0.0, 0.0], [np.nan, np.nan], [40.0, 80.0]]
    valid = ~np.isnan(points).any(axis=-1)
    np.testing.assert_allclose(interpolate_missing(points, valid)[1, 13], [20.0, 40.0])  # rows 0, 1, 2
    np.testing.assert_allclose(interpolate_missing(points, valid, np.array([0.0, 1.0, 4.0]))[1, 13],
                               [10.0, 20.0])  # frames 0, 1, 4: a quarter of the way


def test_lift_tracks_gives_each_tracks_own_lift(trained):
    """Independent images prepared together and every pose in shared model batches: the same results as
    lifting each track on its own (to float rounding of the batched matrix products)."""
    from jointformer.lift.keypoint_files import KeypointTrack

    checkpoint, test_set = trained
    lifter = Lifter.from_checkpoint(checkpoint, device="cpu")
    lifter.batch_size = 7  # several model batches, cutting across tracks
    _, pixels, _ = pixels_of(test_set, 2)
    coco = np.concatenate([from_h36m(pixels[:20], "coco"), np.ones((20, 17, 1))], axis=-1)
    coco[..., 1:5, :2] = coco[..., :1, :2]
    coco[3, 9, 2] = 0.0  # a hidden left wrist: interpolated in the track, filled in the image
    coco[15, 9, 2] = 0.0

    def track(name, rows, sequence, frames=None):
        frames = list(range(len(rows))) if frames is None else frames
        return KeypointTrack(name, frames, coco[rows, :, :2], coco[rows, :, 2], sequence, "test")

    tracks = [track("image 1", [15], False), track("walk", list(range(0, 8)), True, [0, 1, 2, 3, 5, 6, 7, 9]),
              track("image 2", [10], False), track("image 3", [11], False), track("images", [12, 13], False),
              track("run", list(range(16, 20)), True)]
    options = {"layout": "coco", "min_score": 0.3, "allow_missing": True}
    batched = lifter.lift_tracks(tracks, **options)
    for one, together in zip(tracks, batched, strict=True):
        alone = lifter.lift(one.keypoints, scores=one.scores, sequence=one.is_sequence,
                            frame_numbers=one.frame_numbers if one.is_sequence else None, **options)
        # 5e-6 m: float32 rounding of differently sized batched products (measured 1.0e-6 m with 2 threads),
        # the same bound as the float32 model against its float64 reference.
        np.testing.assert_allclose(together.poses_3d, alone.poses_3d, rtol=0, atol=5e-6)
        np.testing.assert_allclose(together.errors_mm, alone.errors_mm, rtol=0, atol=1e-3)
        np.testing.assert_array_equal(together.filled, alone.filled)
        np.testing.assert_array_equal(together.keypoints_2d, alone.keypoints_2d)
    assert batched[0].filled[0, 13] and batched[1].filled[3, 13]
    with pytest.raises(InputError, match="image 1: LWrist"):
        lifter.lift_tracks(tracks, layout="coco", min_score=0.3)


def test_small_batches_switch_to_onnx_runtime_with_the_same_outputs(trained):
    pytest.importorskip("onnxruntime", reason="onnxruntime comes with the [dev] extra")
    pytest.importorskip("onnxscript", reason="onnxscript comes with the [dev] extra")
    checkpoint, test_set = trained
    _, pixels, _ = pixels_of(test_set, 0)
    torch_only = Lifter.from_checkpoint(checkpoint, device="cpu")
    torch_only.onnx_after_calls = float("inf")
    switching = Lifter.from_checkpoint(checkpoint, device="cpu")
    switching.onnx_after_calls = 2
    for index in range(4):
        ours = switching.lift(pixels[index], layout="h36m")
        theirs = torch_only.lift(pixels[index], layout="h36m")
        np.testing.assert_allclose(ours.poses_3d, theirs.poses_3d, rtol=0, atol=1e-4)
        np.testing.assert_allclose(ours.errors_mm, theirs.errors_mm, rtol=0, atol=0.1)
    assert switching._onnx_sessions[True] is not None and not torch_only._onnx_sessions


def test_streamed_json_is_the_documents_text(tmp_path):
    """write_lift_output writes the JSON frame by frame; the text is json.dumps(lift_document, indent=1)."""
    from jointformer.lift.keypoint_files import KeypointTrack
    from jointformer.lift.lifter import LiftResult
    from jointformer.lift.outputs import lift_document

    rng = np.random.default_rng(0)
    tracks = [KeypointTrack("0", [1, 2, 5], np.zeros((3, 17, 2)), None, True, "x"),
              KeypointTrack("image 7", ["a.jpg"], np.zeros((1, 17, 2)), None, False, "x")]
    results = [LiftResult(rng.normal(size=(rows, 17, 3)), rng.random((rows, 17)) * 100 if rows == 3 else None,
                          rng.random((rows, 17)) > 0.5, np.zeros((rows, 17, 2)), ()) for rows in (3, 1)]
    metadata = {"checkpoint": "c.pth", "image_size": [1920.0, 1080.0], "synthesized_joints": ["Head"],
                "smoothed": False, "refiner": None}
    path = write_lift_output(tmp_path / "out.json", tracks, results, metadata)
    assert path.read_text(encoding="utf-8") == json.dumps(lift_document(tracks, results, metadata), indent=1)


def test_lift_command_rejects_a_malformed_file_and_writes_nothing(trained, tmp_path, capsys):
    from jointformer.cli import main

    checkpoint, _ = trained
    source = tmp_path / "broken.json"
    source.write_text('[{"image_id": 1, "keypoints": [1, 2]}]')
    out = tmp_path / "lifted.json"
    assert main(["lift", str(source), "--checkpoint", str(checkpoint), "--out", str(out)]) == 2
    assert "broken.json" in capsys.readouterr().err
    assert not out.exists()


def test_onnx_export_matches_pytorch(trained, tmp_path):
    onnxruntime = pytest.importorskip("onnxruntime", reason="onnxruntime comes with the [dev] extra")
    from jointformer.cli import main

    checkpoint, test_set = trained
    path = tmp_path / "lifter.onnx"
    assert main(["export", str(checkpoint), "--onnx", str(path)]) == 0
    umask = os.umask(0o022)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask  # as open(path, "w") would make it
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    _, pixels, _ = pixels_of(test_set, 0)
    for count in (1, 37):
        keypoints = pixels[:count].astype(np.float32)
        pose, error = session.run(None, {"keypoints": keypoints})
        expected = Lifter.from_checkpoint(checkpoint, device="cpu").lift(keypoints, layout="h36m",
                                                                         sequence=False)
        assert np.abs(pose - expected.poses_3d).max() < 1e-4
        assert np.abs(error - expected.errors_mm).max() < 1e-1  # mm


def test_refiner_on_top_lifts_and_exports(trained, tmp_path, tiny_data_dir):
    onnxruntime = pytest.importorskip("onnxruntime", reason="onnxruntime comes with the [dev] extra")
    from jointformer.cli import main

    checkpoint, test_set = trained
    refiner_config = JointFormerConfig(kind="refiner", in_features=8, hid_dim=16, num_layers=1, d_inner=32,
                                       num_heads=2, d_head=8, intermediate=False, error_prediction=False)
    options = TrainOptions(stage="refiner", data_dir=str(tiny_data_dir), batch_size=64, epochs=1,
                           device="cpu", pose_weights=str(checkpoint), run_dir=str(tmp_path / "refine"),
                           progress="none")
    refined = train(options, refiner_config, pose_sets=load_pose_sets(tiny_data_dir, "gt"))
    _, pixels, _ = pixels_of(test_set, 0)
    alone = Lifter.from_checkpoint(checkpoint, device="cpu").lift(pixels[:8], layout="h36m", sequence=False)
    both = Lifter.from_checkpoint(checkpoint, device="cpu", refiner=refined.best_checkpoint)
    result = both.lift(pixels[:8], layout="h36m", sequence=False)
    assert np.abs(result.poses_3d - alone.poses_3d).max() > 1e-4  # the refiner changed the poses
    assert np.allclose(result.errors_mm, alone.errors_mm, atol=1e-3)  # the error stays stage 1's
    path = tmp_path / "two_stage.onnx"
    status = main(["export", str(checkpoint), "--refiner", str(refined.best_checkpoint), "--onnx", str(path)])
    assert status == 0
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    pose, _ = session.run(None, {"keypoints": pixels[:8].astype(np.float32)})
    assert np.abs(pose - result.poses_3d).max() < 1e-4
