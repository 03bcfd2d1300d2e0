"""Lifting measured on real video: the Pose2Sim 0.10.49 demo (four calibrated 60 fps portrait cameras).

    pip download --no-deps -d /tmp/p2s pose2sim==0.10.49 pose2sim==0.2.6   # (two commands; see README)
    python benchmarks/in_the_wild.py --videos DIR/Pose2Sim/Demo_SinglePerson/videos \
        --calibration Calib_qca.toml --model packaged --model demo=runs/demo/stage1/ckpt_best.pth.tar

Needs the ``video`` extra (``pip install -e '.[video]'``: mediapipe 0.10.14, which brings OpenCV); not in CI.

1. MediaPipe Pose on every frame of the four videos, through the package's detection
   (:mod:`jointformer.lift.video`: legacy solution, ``model_complexity=1``, video mode): 33 landmarks in
   pixels and BlazePose's metric "world landmarks" (cached as ``<cache>/camNN.npz``).
2. Reference: every MediaPipe landmark triangulated over the views where it was detected (undistorted
   pixels, linear DLT); while its worst view reprojects more than 25 px away the worst view is dropped (at
   least two views stay, else the landmark is missing). Landmarks are mapped to the Human3.6M 17 joints
   the way :mod:`jointformer.lift.layouts` maps 2D ("mediapipe33": means of the sources); a frame whose 17
   joints are not all present is skipped and counted.
3. Per camera, over the frames with a complete reference and a detection in that camera: each model lifts
   the camera's 2D track (``Lifter.lift``, layout mediapipe33, sequence mode, default normalisation and
   flip test); BlazePose's world landmarks of the same frames, mapped the same way.
4. Figures per camera and averaged over the cameras: P-MPJPE (Procrustes-aligned per frame, mm); the
   same after removing each joint's mean aligned residual over the sequence (cancels constant offsets
   between joint definitions); PCK@150 mm (aligned joints within 150 mm).
5. Keypoint-definition check: the reference skeleton's hip and shoulder half-widths and its head and nose
   positions in the body frame, next to Human3.6M's (``jointformer.data.wild`` models the difference).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import tomllib
import torch

from jointformer.lift.layouts import get_layout
from jointformer.lift.lifter import Lifter
from jointformer.metrics import procrustes_align

MEDIAPIPE = get_layout("mediapipe33")
REPROJECTION_LIMIT_PX = 25.0
PCK_THRESHOLD_MM = 150.0


@dataclass(frozen=True)
class CalibratedCamera:
    """OpenCV calibration: ``matrix`` (3, 3), ``distortion`` (k1, k2, p1, p2), ``rotation`` (3, 3) and
    ``translation`` (3,) metres, world -> camera (x_cam = R x_world + t)."""

    name: str
    matrix: np.ndarray
    distortion: np.ndarray
    rotation: np.ndarray
    translation: np.ndarray

    @property
    def projection(self) -> np.ndarray:
        """(3, 4) pixel projection of undistorted points."""
        return self.matrix @ np.hstack([self.rotation, self.translation[:, None]])


def read_calibration(path: Path) -> list[CalibratedCamera]:
    """The cameras of a Pose2Sim ``Calib_*.toml`` (Rodrigues rotations), in file order."""
    import cv2

    document = tomllib.loads(path.read_text(encoding="utf-8"))
    cameras = []
    for key, entry in document.items():
        if key == "metadata":
            continue
        rotation, _ = cv2.Rodrigues(np.asarray(entry["rotation"], dtype=np.float64))
        cameras.append(CalibratedCamera(entry["name"], np.asarray(entry["matrix"], dtype=np.float64),
                                        np.asarray(entry["distortions"], dtype=np.float64), rotation,
                                        np.asarray(entry["translation"], dtype=np.float64)))
    return cameras


# --------------------------------------------------------------------------------------------- detection
def detect_camera(video: Path) -> dict[str, np.ndarray]:
    """The package's MediaPipe detection (:func:`jointformer.lift.video.run_detection`,
    ``model_complexity=1``, video mode) on every frame, keeping BlazePose's world landmarks: ``pixels``
    (T, 33, 2), ``visibility`` (T, 33), ``world`` (T, 33, 3) metres (hip-centred), NaN where no person was
    found; ``size`` (2,)."""
    from jointformer.lift.video import MediaPipePoseDetector, run_detection

    detector = MediaPipePoseDetector(model_complexity=1, world_landmarks=True)
    try:
        run = run_detection(video, detector)
    finally:
        detector.close()
    assert detector.world_landmarks is not None
    return {"pixels": run.detections.keypoints, "visibility": run.detections.scores,
            "world": np.stack(detector.world_landmarks), "size": np.array(run.detections.size)}


def detections(videos: Path, cache: Path, names: list[str]) -> dict[str, dict[str, np.ndarray]]:
    """Detections per camera name, from ``cache`` when there, else computed and cached."""
    cache.mkdir(parents=True, exist_ok=True)
    found = {}
    for name in names:
        cached = cache / f"{name}.npz"
        if not cached.is_file():
            print(f"==> MediaPipe on {videos / (name + '.mp4')}", flush=True)
            np.savez(cached, **detect_camera(videos / f"{name}.mp4"))
        with np.load(cached) as data:
            found[name] = {key: data[key] for key in data.files}
    return found


# --------------------------------------------------------------------------------------------- reference
def undistort(pixels: np.ndarray, camera: CalibratedCamera) -> np.ndarray:
    """(N, 2) distorted pixels -> (N, 2) undistorted pixels (NaN stays NaN)."""
    import cv2

    out = np.full_like(pixels, np.nan)
    finite = np.isfinite(pixels).all(axis=-1)
    if finite.any():
        points = cv2.undistortPoints(pixels[finite].reshape(-1, 1, 2), camera.matrix, camera.distortion,
                                     P=camera.matrix)
        out[finite] = points.reshape(-1, 2)
    return out


def triangulate(points: np.ndarray, projections: np.ndarray) -> np.ndarray:
    """DLT: (V, 2) undistorted pixels seen by V views with (V, 3, 4) projections -> (3,) world point."""
    rows = np.concatenate([points[:, :1] * projections[:, 2] - projections[:, 0],
                           points[:, 1:] * projections[:, 2] - projections[:, 1]])
    _, _, vh = np.linalg.svd(rows)
    return vh[-1, :3] / vh[-1, 3]


def reprojection_errors(point: np.ndarray, points: np.ndarray, projections: np.ndarray) -> np.ndarray:
    """(V,) pixel distances between each view's point (V, 2) and the world point (3,) projected."""
    homogeneous = projections @ np.append(point, 1.0)
    return np.linalg.norm(homogeneous[:, :2] / homogeneous[:, 2:] - points, axis=-1)


def robust_point(points: np.ndarray, projections: np.ndarray) -> np.ndarray:
    """Triangulate, dropping the worst view while it reprojects beyond the limit; NaN when under two
    views remain or the last two disagree."""
    views = np.flatnonzero(np.isfinite(points).all(axis=-1))
    while len(views) >= 2:
        point = triangulate(points[views], projections[views])
        errors = reprojection_errors(point, points[views], projections[views])
        if errors.max() <= REPROJECTION_LIMIT_PX:
            return point
        views = np.delete(views, int(np.argmax(errors)))
    return np.full(3, np.nan)


def reference_3d(found: dict[str, dict[str, np.ndarray]], cameras: list[CalibratedCamera]) -> np.ndarray:
    """(T, 17, 3) metres world frame (NaN joints where the reference is missing)."""
    frames = min(len(found[camera.name]["pixels"]) for camera in cameras)
    undistorted = np.stack([undistort(found[c.name]["pixels"][:frames].reshape(-1, 2), c)
                            .reshape(frames, 33, 2) for c in cameras], axis=1)  # (T, V, 33, 2)
    projections = np.stack([camera.projection for camera in cameras])
    landmarks = np.array([[robust_point(undistorted[t, :, k], projections) for k in range(33)]
                          for t in range(frames)])  # (T, 33, 3)
    return to_h36m_3d(landmarks)


def to_h36m_3d(landmarks: np.ndarray) -> np.ndarray:
    """(..., 33, 3) MediaPipe landmarks -> (..., 17, 3) Human3.6M joints, means of the layout's sources
    (NaN where a source is NaN)."""
    return np.stack([landmarks[..., list(source), :].mean(axis=-2) for source in MEDIAPIPE.sources], axis=-2)


# --------------------------------------------------------------------------------------------- figures
def pose_figures(predicted: np.ndarray, reference: np.ndarray) -> dict[str, float]:
    """predicted, reference (N, 17, 3) metres, any frames -> P-MPJPE (mm), the same with each joint's mean
    aligned residual removed (mm), PCK@150 mm (%)."""
    aligned = procrustes_align(torch.from_numpy(predicted).double(), torch.from_numpy(reference).double())
    residual = (aligned - torch.from_numpy(reference).double()).numpy() * 1000.0
    errors = np.linalg.norm(residual, axis=-1)
    centred = np.linalg.norm(residual - residual.mean(axis=0, keepdims=True), axis=-1)
    return {"p_mpjpe": float(errors.mean()), "p_mpjpe_offsets_removed": float(centred.mean()),
            "pck150": float((errors < PCK_THRESHOLD_MM).mean() * 100.0)}


def body_frame_report(reference: np.ndarray) -> list[str]:
    """Lines: the reference skeleton's definition-sensitive measures next to Human3.6M's reference body
    (``jointformer.data.wild.REFERENCE_BONE_LENGTHS`` scaled by the subject's leg length)."""
    from jointformer.data.wild import REFERENCE_BONE_LENGTHS, body_frames

    frames = body_frames(reference)  # rows up, left, forward
    leg = np.nanmedian(np.linalg.norm(reference[:, [2, 5]] - reference[:, [1, 4]], axis=-1)
                       + np.linalg.norm(reference[:, [3, 6]] - reference[:, [2, 5]], axis=-1))
    scale = leg / (REFERENCE_BONE_LENGTHS[2] + REFERENCE_BONE_LENGTHS[3])
    scale_mm = scale * 1000.0

    def local(joint: int, origin: int) -> np.ndarray:
        offsets = reference[:, joint] - reference[:, origin]
        return np.nanmedian(np.einsum("tij,tj->ti", frames, offsets), axis=0)

    hip_half = np.nanmedian(np.linalg.norm(reference[:, 4] - reference[:, 1], axis=-1)) / 2
    shoulder_half = np.nanmedian(np.linalg.norm(reference[:, 11] - reference[:, 14], axis=-1)) / 2
    trunk = np.nanmedian(np.linalg.norm(reference[:, 8] - reference[:, 0], axis=-1))
    h36m_trunk = (REFERENCE_BONE_LENGTHS[7] + REFERENCE_BONE_LENGTHS[8]) * scale
    head, nose = local(10, 8), local(9, 8)
    return [
        f"leg length {leg * 1000:.0f} mm -> Human3.6M reference body scaled x{scale:.2f}",
        f"hip half-width      {hip_half * 1000:6.0f} mm "
        f"(Human3.6M {REFERENCE_BONE_LENGTHS[1] * scale_mm:.0f})",
        f"shoulder half-width {shoulder_half * 1000:6.0f} mm "
        f"(Human3.6M {REFERENCE_BONE_LENGTHS[11] * scale_mm:.0f})",
        f"pelvis->thorax      {trunk * 1000:6.0f} mm (Human3.6M {h36m_trunk * 1000:.0f})",
        f"head above thorax (up, left, forward) {np.round(head * 1000).astype(int).tolist()} mm "
        f"(Human3.6M up ~{(REFERENCE_BONE_LENGTHS[9] + REFERENCE_BONE_LENGTHS[10]) * scale * 1000:.0f})",
        f"nose from thorax (up, left, forward) {np.round(nose * 1000).astype(int).tolist()} mm "
        f"(Human3.6M up ~{REFERENCE_BONE_LENGTHS[9] * scale * 1000:.0f})",
    ]


def lifters(specs: list[str]) -> dict[str, Lifter]:
    """``packaged`` (Lifter.pretrained()) or ``name=checkpoint`` -> named lifters on the CPU."""
    found = {}
    for spec in specs:
        if spec == "packaged":
            found["packaged"] = Lifter.pretrained(device="cpu")
        else:
            name, _, path = spec.partition("=")
            found[name] = Lifter.from_checkpoint(path, device="cpu")
    return found


def evaluate(found: dict[str, dict[str, np.ndarray]], reference: np.ndarray, cameras: list[CalibratedCamera],
             models: dict[str, Lifter]) -> dict[str, dict[str, dict[str, float]]]:
    """method -> camera -> figures (see :func:`pose_figures`)."""
    complete = np.isfinite(reference).all(axis=(1, 2))
    results: dict[str, dict[str, dict[str, float]]] = {name: {} for name in [*models, "BlazePose world"]}
    for camera in cameras:
        detection = found[camera.name]
        frames = np.flatnonzero(complete & np.isfinite(detection["pixels"][:len(complete)]).all(axis=(1, 2)))
        target = reference[frames]
        for name, lifter in models.items():
            lifted = lifter.lift(detection["pixels"][frames], layout="mediapipe33", sequence=True)
            results[name][camera.name] = pose_figures(lifted.poses_3d, target)
        world = to_h36m_3d(detection["world"][frames])
        results["BlazePose world"][camera.name] = pose_figures(world, target)
    return results


def print_table(results: dict[str, dict[str, dict[str, float]]]) -> None:
    print("| what lifts the 2D | P-MPJPE (mm), mean (per camera) | offsets removed (mm) | PCK@150 mm (%) |")
    print("|---|---|---|---|")
    for name, per_camera in results.items():
        raw = [figures["p_mpjpe"] for figures in per_camera.values()]
        centred = [figures["p_mpjpe_offsets_removed"] for figures in per_camera.values()]
        pck = [figures["pck150"] for figures in per_camera.values()]
        print(f"| {name} | {np.mean(raw):.1f} ({', '.join(f'{value:.0f}' for value in raw)}) | "
              f"{np.mean(centred):.1f} | {np.mean(pck):.1f} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--videos", type=Path, required=True, help="folder with cam01.mp4 .. cam04.mp4")
    parser.add_argument("--calibration", type=Path, required=True, help="Pose2Sim Calib_qca.toml")
    parser.add_argument("--model", action="append", default=[],
                        help="'packaged' or NAME=CHECKPOINT; repeatable (default: packaged)")
    parser.add_argument("--cache", type=Path, default=Path("runs/in_the_wild"), help="detections cache")
    args = parser.parse_args(argv)
    cameras = read_calibration(args.calibration)
    found = detections(args.videos, args.cache, [camera.name for camera in cameras])
    reference = reference_3d(found, cameras)
    complete = np.isfinite(reference).all(axis=(1, 2))
    print(f"==> reference: {int(complete.sum())} complete frames of {len(complete)} "
          f"({int((~complete).sum())} skipped: a joint not triangulated within "
          f"{REPROJECTION_LIMIT_PX:.0f} px)")
    for line in body_frame_report(reference[complete]):
        print(f"    {line}")
    print_table(evaluate(found, reference, cameras, lifters(args.model or ["packaged"])))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
