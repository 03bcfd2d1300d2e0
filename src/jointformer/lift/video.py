"""From a video file or a folder of images to 2D keypoints, and on to 3D: ``jointformer video``.

Frames come from OpenCV (any video it decodes) or from a folder of images (sorted by name, natural order).
2D keypoints come from MediaPipe Pose through its legacy ``mediapipe.solutions.pose`` API:
``mediapipe==0.10.14`` ships the models it needs (``pose_detection.tflite``, ``pose_landmark_full.tflite``)
inside its wheel, so nothing is downloaded at run time. Both come with the optional extra
``pip install 'jointformer[video]'`` (mediapipe brings its OpenCV); without it, :class:`MissingExtraError`
names the extra.

MediaPipe's legacy pose finds and follows **one person**: the result is one track. A frame where nobody is
found is a gap: it has no row in the track (its frame id is missing), and its keypoints are NaN in
:func:`detect_video`'s arrays. The 33 landmarks are the ``mediapipe33`` layout of
:mod:`jointformer.lift.layouts`; their ``visibility`` is the score (a landmark scored below ``min_score`` is
missing and is interpolated over time by the lifter, as ``jointformer lift`` does).

Any detector with the :class:`PoseDetector` interface can stand in for MediaPipe (the tests use a stub that
replays real keypoints).

Shapes: ``T`` frames of the input, ``N`` frames with a person, ``K = 33`` landmarks. Pixels: origin at the
top-left image corner; images are RGB uint8 (H, W, 3).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, Protocol

import numpy as np

from jointformer.errors import InputError, MissingExtraError
from jointformer.lift.lifter import Lifter, LiftResult

LAYOUT = "mediapipe33"
NUM_LANDMARKS = 33
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")
DEFAULT_FOLDER_FPS = 25.0  # a folder of images has no frame rate; --fps overrides this
EXTRA_HINT = "pip install 'jointformer[video]'"


def _import_cv2() -> Any:
    try:
        import cv2
    except ImportError as error:
        raise MissingExtraError(f"reading videos needs OpenCV, which is not installed: {EXTRA_HINT} "
                                f"(the 'video' extra: mediapipe==0.10.14, which brings OpenCV)") from error
    return cv2


def _import_mediapipe_pose() -> Any:
    try:
        import mediapipe
    except ImportError as error:
        raise MissingExtraError(f"2D detection needs MediaPipe, which is not installed: {EXTRA_HINT} "
                                f"(the 'video' extra: mediapipe==0.10.14, which brings OpenCV)") from error
    return mediapipe.solutions.pose


# ------------------------------------------------------------------------------------------- frames
@dataclass
class FrameSource:
    """An opened video or image folder. ``fps`` frames per second; ``size`` (width, height) pixels of the
    first frame; ``frame_count`` as the container reports it (videos; may be approximate) or the number of
    images; ``frame_names`` the image file names (folders) or None."""

    path: Path
    fps: float
    size: tuple[int, int]
    frame_count: int
    frame_names: list[str] | None = None
    _capture: Any = field(default=None, repr=False)
    _first: np.ndarray | None = field(default=None, repr=False)

    def frames(self) -> Iterator[np.ndarray]:
        """Every frame, RGB uint8 (H, W, 3), in order. Raises InputError for an image that cannot be read."""
        cv2 = _import_cv2()
        if self.frame_names is not None:
            for name in self.frame_names:
                yield _read_image(self.path / name, cv2)
            return
        assert self._first is not None and self._capture is not None
        yield self._first
        try:
            while True:
                ok, frame = self._capture.read()
                if not ok:
                    break
                yield cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
        finally:
            self._capture.release()


def _natural_key(name: str) -> list:
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", name)]


def _read_image(path: Path, cv2: Any) -> np.ndarray:
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise InputError(f"{path}: cannot be read as an image (expected {', '.join(IMAGE_SUFFIXES)})")
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def _open_folder(path: Path, fps: float | None) -> FrameSource:
    files = sorted((entry for entry in path.iterdir() if not entry.name.startswith(".")),
                   key=lambda entry: _natural_key(entry.name))
    others = [entry.name for entry in files
              if entry.suffix.lower() not in IMAGE_SUFFIXES or not entry.is_file()]
    if others:
        raise InputError(f"{path}: a folder of frames may hold only images ({', '.join(IMAGE_SUFFIXES)}); "
                         f"found {len(others)} other entr{'y' if len(others) == 1 else 'ies'}: "
                         f"{', '.join(others[:5])}{' ...' if len(others) > 5 else ''}")
    if not files:
        raise InputError(f"{path}: the folder holds no images")
    first = _read_image(files[0], _import_cv2())
    return FrameSource(path=path, fps=float(fps or DEFAULT_FOLDER_FPS), size=(first.shape[1], first.shape[0]),
                       frame_count=len(files), frame_names=[entry.name for entry in files])


def _open_video(path: Path, fps: float | None) -> FrameSource:
    cv2 = _import_cv2()
    capture = cv2.VideoCapture(str(path))
    if not capture.isOpened():
        capture.release()
        raise InputError(f"{path}: cannot be opened as a video (not a video file, or a container or codec "
                         f"this OpenCV build cannot read)")
    count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
    ok, frame = capture.read()
    if not ok or frame is None:
        capture.release()
        if count <= 0:
            raise InputError(f"{path}: the video holds no frames")
        raise InputError(f"{path}: no frame could be decoded (the container announces {count} frames; its "
                         f"codec may be one this OpenCV build cannot decode)")
    reported = float(capture.get(cv2.CAP_PROP_FPS) or 0.0)
    if fps is None and not (np.isfinite(reported) and reported > 0):
        capture.release()
        raise InputError(f"{path}: the video does not say its frame rate; pass --fps")
    return FrameSource(path=path, fps=float(fps or reported), size=(frame.shape[1], frame.shape[0]),
                       frame_count=max(count, 1), _capture=capture,
                       _first=cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))


def open_frames(path: str | Path, fps: float | None = None) -> FrameSource:
    """Open a video file (anything OpenCV decodes) or a folder of images. ``fps``: overrides the video's
    frame rate; a folder's (default 25). Raises InputError for a missing path, a file that is not a video,
    an empty video, an undecodable codec, an empty folder or a folder with other files than images."""
    path = Path(path)
    if fps is not None and not (np.isfinite(fps) and fps > 0):
        raise InputError(f"fps must be positive, got {fps}")
    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    if path.is_dir():
        return _open_folder(path, fps)
    if path.stat().st_size == 0:
        raise InputError(f"{path}: the file is empty (0 bytes)")
    return _open_video(path, fps)


# ----------------------------------------------------------------------------------------- detection
class PoseDetector(Protocol):
    """One person's 2D keypoints per frame, frame after frame (a detector may track between calls)."""

    def detect(self, image_rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        """image (H, W, 3) RGB uint8 -> keypoints (33, 2) pixels and scores (33,) in [0, 1], or None when
        nobody is found."""

    def close(self) -> None:
        """Release the detector's resources."""


class MediaPipePoseDetector:
    """MediaPipe Pose (legacy solution API, BlazePose full model from the mediapipe 0.10.14 wheel), in video
    mode: it detects the person once and then tracks them, re-detecting when the track is lost.

    With ``world_landmarks=True`` it also keeps BlazePose's own metric 3D estimate: ``world_landmarks``
    gets one (33, 3) array per :meth:`detect` call, metres, hip-centred (MediaPipe's world frame: y down),
    NaN when nobody was found."""

    def __init__(self, model_complexity: int = 1, min_detection_confidence: float = 0.5,
                 min_tracking_confidence: float = 0.5, static_images: bool = False,
                 world_landmarks: bool = False) -> None:
        pose = _import_mediapipe_pose()
        self._pose = pose.Pose(static_image_mode=static_images, model_complexity=model_complexity,
                               smooth_landmarks=not static_images, enable_segmentation=False,
                               min_detection_confidence=min_detection_confidence,
                               min_tracking_confidence=min_tracking_confidence)
        self.world_landmarks: list[np.ndarray] | None = [] if world_landmarks else None

    def detect(self, image_rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        height, width = image_rgb.shape[:2]
        result = self._pose.process(image_rgb)
        landmarks = result.pose_landmarks
        if self.world_landmarks is not None:
            world = result.pose_world_landmarks
            missing = world is None or landmarks is None
            self.world_landmarks.append(np.full((NUM_LANDMARKS, 3), np.nan) if missing
                                        else np.array([(mark.x, mark.y, mark.z) for mark in world.landmark]))
        if landmarks is None:
            return None
        values = np.array([(mark.x, mark.y, mark.visibility) for mark in landmarks.landmark],
                          dtype=np.float64)
        return values[:, :2] * [width, height], np.clip(values[:, 2], 0.0, 1.0)

    def close(self) -> None:
        self._pose.close()


class Detections(NamedTuple):
    """:func:`detect_video`'s result: keypoints (T, 33, 2) pixels (NaN where nobody was found), scores
    (T, 33) in [0, 1] (0 where nobody was found), fps, size (width, height) pixels."""

    keypoints: np.ndarray
    scores: np.ndarray
    fps: float
    size: tuple[int, int]


@dataclass
class DetectionRun:
    """Detections with what the command line reports: the source, seconds spent decoding + detecting."""

    detections: Detections
    source: FrameSource
    seconds: float

    @property
    def found(self) -> np.ndarray:
        """(T,) bool: frames where a person was found."""
        return np.isfinite(self.detections.keypoints).all(axis=(1, 2))

    def frame_ids(self) -> list:
        """(T,) ids: image file names for folders, frame indices (0-based) for videos."""
        names = self.source.frame_names
        return list(names) if names is not None else list(range(len(self.found)))


def run_detection(path: str | Path, detector: PoseDetector | None = None, fps: float | None = None,
                  progress: bool = False) -> DetectionRun:
    """Detect one person in every frame of a video or image folder (see :func:`detect_video`), timed."""
    source = open_frames(path, fps)
    owned = detector is None
    detector = MediaPipePoseDetector() if detector is None else detector
    keypoints, scores = [], []
    start = time.perf_counter()
    try:
        frames = source.frames()
        if progress:
            from tqdm import tqdm

            frames = tqdm(frames, total=source.frame_count, desc="detecting", unit="frame")
        for image in frames:
            found = detector.detect(image)
            if found is None:
                keypoints.append(np.full((NUM_LANDMARKS, 2), np.nan))
                scores.append(np.zeros(NUM_LANDMARKS))
            else:
                keypoints.append(_checked_landmarks(found[0], (NUM_LANDMARKS, 2), "keypoints"))
                scores.append(_checked_landmarks(found[1], (NUM_LANDMARKS,), "scores"))
    finally:
        if owned:
            detector.close()
    seconds = time.perf_counter() - start
    detections = Detections(np.stack(keypoints), np.stack(scores), source.fps, source.size)
    run = DetectionRun(detections, source, seconds)
    if not run.found.any():
        raise InputError(f"{path}: nobody was found in any of its {len(run.found)} frame(s)")
    return run


def _checked_landmarks(values: Any, shape: tuple[int, ...], what: str) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64)
    if array.shape != shape:
        raise InputError(f"detector returned {what} of shape {array.shape}; expected {shape}")
    return array


def detect_video(path: str | Path, detector: PoseDetector | None = None, fps: float | None = None,
                 progress: bool = False) -> Detections:
    """2D keypoints of the one person in a video file or an image folder.

    path: a video (anything OpenCV decodes) or a folder of images; detector: MediaPipe Pose by default (needs
    the ``video`` extra); fps: overrides the video's frame rate (a folder's default is 25). Returns
    ``keypoints, scores, fps, size``: keypoints (T, 33, 2) pixels in the ``mediapipe33`` layout, NaN in
    frames where nobody was found; scores (T, 33) landmark visibilities, 0 there; fps; size (width, height)
    pixels. Raises InputError for unreadable input and when nobody is found in any frame.
    """
    return run_detection(path, detector, fps, progress).detections


# ------------------------------------------------------------------------------------------- tracks
def detection_track(run: DetectionRun) -> Any:
    """The frames with a person as one :class:`~jointformer.lift.keypoint_files.KeypointTrack` (gaps left
    out)."""
    from jointformer.lift.keypoint_files import KeypointTrack

    found = run.found
    ids = [frame_id for frame_id, present in zip(run.frame_ids(), found, strict=True) if present]
    return KeypointTrack(track_id="0", frame_ids=ids, keypoints=run.detections.keypoints[found],
                         scores=run.detections.scores[found], is_sequence=True, source=str(run.source.path),
                         image_size=run.detections.size)


def fill_gaps(frame_indices: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Values at the frames of a track with gaps -> values at every frame from its first to its last one,
    gap frames linearly interpolated. frame_indices: (N,) increasing ints; values: (N, ...) any units.
    Returns (frames (M,), values (M, ...)), M = last - first + 1."""
    frame_indices = np.asarray(frame_indices)
    every = np.arange(frame_indices[0], frame_indices[-1] + 1)
    flat = values.reshape(len(values), -1)
    filled = np.stack([np.interp(every, frame_indices, column) for column in flat.T], axis=1)
    return every, filled.reshape((len(every), *values.shape[1:]))


# -------------------------------------------------------------------------------------------- lifting
@dataclass
class VideoLiftResult(LiftResult):
    """A :class:`~jointformer.lift.lifter.LiftResult` over the N frames with a person, plus where they are.

    frame_ids: (N,) the frames' indices (videos) or file names (folders); gaps are the ids not listed.
    fps, image_size (width, height) pixels, frame_count (T, every frame of the input), focal_length pixels
    and where it came from; root_position (N, 3) metres, camera frame: the pelvis; pose_3d_camera
    (N, 17, 3) metres, camera frame, absolute (``root_position + poses_3d``)."""

    frame_ids: list = field(default_factory=list)
    fps: float = 0.0
    image_size: tuple[int, int] = (0, 0)
    frame_count: int = 0
    focal_length: float = 0.0
    focal_length_source: str = ""
    root_position: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)))
    pose_3d_camera: np.ndarray = field(default_factory=lambda: np.zeros((0, 17, 3)))


def lift_detections(lifter: Lifter, run: DetectionRun, focal_length: float | None = None,
                    flip_test: bool = True, min_score: float = 0.3, allow_missing: bool = False,
                    smooth: bool = False, progress: bool = False) -> VideoLiftResult:
    """Lift a detection run's track (missing joints interpolated over time, as ``lift`` does), then place it
    in the camera frame (:mod:`jointformer.lift.root_position`). focal_length: pixels, default
    :func:`~jointformer.lift.root_position.default_focal_length` of the frame size; smooth: One-Euro filter
    over the track's frames (poses and root) at the input's frame rate."""
    from jointformer.lift.root_position import (
        camera_frame_poses,
        default_focal_length,
        estimate_root_position,
    )
    from jointformer.lift.smoothing import one_euro_filter

    track = detection_track(run)
    width, height = run.detections.size
    if focal_length is not None and not (np.isfinite(focal_length) and focal_length > 0):
        raise InputError(f"focal length must be a positive number of pixels, got {focal_length}")
    source = "given" if focal_length is not None else "default: 26 mm equivalent of the frame diagonal"
    focal = float(focal_length) if focal_length is not None else default_focal_length(width, height)
    lifted = lifter.lift(track.keypoints, image_size=(width, height), layout=LAYOUT, scores=track.scores,
                         flip_test=flip_test, min_score=min_score, allow_missing=allow_missing, sequence=True,
                         progress=progress)
    root = estimate_root_position(lifted.keypoints_2d, lifted.poses_3d, focal, (width / 2.0, height / 2.0))
    poses = lifted.poses_3d
    if smooth and len(lifted) > 1:
        poses = one_euro_filter(poses, fps=run.detections.fps)
        root = one_euro_filter(root, fps=run.detections.fps)
    return VideoLiftResult(
        poses_3d=poses, errors_mm=lifted.errors_mm, filled=lifted.filled, keypoints_2d=lifted.keypoints_2d,
        joint_names=lifted.joint_names, frame_ids=track.frame_ids, fps=run.detections.fps,
        image_size=(width, height), frame_count=len(run.found), focal_length=focal,
        focal_length_source=source, root_position=root, pose_3d_camera=camera_frame_poses(poses, root))


def lift_video(lifter: Lifter, path: str | Path, detector: PoseDetector | None = None,
               fps: float | None = None, progress: bool = False, **options: Any) -> VideoLiftResult:
    """Detect (:func:`run_detection`) and lift (:func:`lift_detections`, ``options``) a video or folder."""
    return lift_detections(lifter, run_detection(path, detector, fps, progress), progress=progress, **options)


def write_detections(path: str | Path, run: DetectionRun) -> Path:
    """The 2D detections as a COCO-results JSON that ``jointformer lift --layout mediapipe33`` reads back:
    one entry per frame with a person, ``{"image_id", "track_id": 0, "category_id": 1, "keypoints":
    [x, y, visibility] * 33, "score"}``, written atomically."""
    import json

    from jointformer.atomic_files import atomic_output

    entries = []
    for frame_id, points, scores in zip(run.frame_ids(), run.detections.keypoints, run.detections.scores,
                                        strict=True):
        if np.isfinite(points).all():
            triples = np.concatenate([points, scores[:, None]], axis=1)
            entries.append({"image_id": frame_id, "track_id": 0, "category_id": 1,
                            "keypoints": np.round(triples, 3).reshape(-1).tolist(),
                            "score": round(float(scores.mean()), 4)})
    path = Path(path)
    if path.suffix.lower() != ".json":
        raise InputError(f"{path}: the detections file must end in .json")
    with atomic_output(path, suffix=".json") as temporary:
        temporary.write_text(json.dumps(entries), encoding="utf-8")
    return path


__all__ = ["LAYOUT", "DetectionRun", "Detections", "FrameSource", "MediaPipePoseDetector", "PoseDetector",
           "VideoLiftResult", "detect_video", "detection_track", "fill_gaps", "lift_detections", "lift_video",
           "open_frames", "run_detection", "write_detections"]
