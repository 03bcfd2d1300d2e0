"""Lifting anyone's 2D keypoints to 3D: the :class:`Lifter` API behind ``jointformer lift``.

Pipeline for keypoints (N, K, 2) in pixels of any image, in any supported layout:

1. Layout conversion to the Human3.6M 17-joint order (:mod:`jointformer.layouts`); keypoints scored below
   ``min_score`` or NaN are missing.
2. Missing joints: in a sequence (one track of frames) they are filled by linear interpolation over time
   (held constant before the first and after the last detection); a single image with missing joints is an
   error naming them, unless ``allow_missing`` fills them from the mean training pose fitted (scale and
   translation) to the joints that are present. Every filled joint is flagged in the result.
3. Normalisation into the distribution the model was trained on. The model saw Human3.6M's screen
   normalisation (x / w * 2 - [1, h / w] for 1000-pixel-wide images, a person a few hundred pixels tall).
   Keypoints from other cameras — portrait phones, 4K video, crops, a small person far away — would land
   far outside it, so by default (``normalization="extent"``) each pose is centred and scaled: its root
   (pelvis) is moved to the training data's median root position and its size (the larger side of its 2D
   bounding box; for a sequence, the median over the track, so the scale does not pump when arms move) is
   scaled to the training data's median size. These statistics are stored with the model when it is
   trained (``input_stats`` in the checkpoint). The result no longer depends on where the person is in the
   image or how large: the 3D output is a metric pose of the training subjects' typical size (the scale of
   a single view is ambiguous; the model's metres are Human3.6M-sized people). ``normalization="screen"``
   applies the training normalisation itself with ``image_size``: use it for Human3.6M-like cameras.
4. The model (stage 1, or stage 1 + refiner), with flip test-time augmentation by default, batched, no
   gradient. The predicted error is stage 1's error head (also when the refiner is used), averaged over the
   flip like the pose, reported per joint as the Euclidean norm of the per-coordinate error, in mm.

Outputs: 3D joints (N, 17, 3) metres, camera frame (x right, y down, z forward), root-relative (joint 0 at
the origin); predicted error (N, 17) mm; filled-joint flags (N, 17).
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from jointformer.atomic_files import atomic_output
from jointformer.data.camera import normalize_screen_coordinates
from jointformer.data.poseset import pose_extent_2d
from jointformer.data.skeleton import SKELETON17, flip_horizontal
from jointformer.errors import InputError
from jointformer.evaluation import MM_PER_M, flip_averaged
from jointformer.layouts import get_layout, to_h36m

# Statistics of the embedded data set's 2D poses (detector-like file, training subjects, every frame, seed 0),
# printed by `python benchmarks/input_stats.py`. They stand in for checkpoints that carry none (the published
# ones): both describe people seen by the four published Human3.6M cameras, in normalised screen units.
DEFAULT_INPUT_STATS: dict[str, Any] = {
    "extent_p05": 0.4573, "extent_median": 0.6750, "extent_p95": 0.8797,
    "root_median": [0.0774, -0.2113],
    "mean_pose_2d": [
        [0.0000, 0.0000], [-0.0001, 0.0001], [-0.0032, 0.1629], [-0.0063, 0.3467],
        [0.0001, 0.0001], [-0.0029, 0.1633], [-0.0060, 0.3473], [0.0017, -0.1013],
        [0.0036, -0.2143], [0.0042, -0.2565], [0.0052, -0.3065], [0.0035, -0.2010],
        [0.0022, -0.1022], [0.0010, -0.0575], [0.0034, -0.2009], [0.0011, -0.1049],
        [-0.0001, -0.0602],
    ],
    "source": "defaults from the embedded data set (the checkpoint stores no input statistics)",
}


@dataclass
class LiftResult:
    """Lifted poses. Shapes: N poses, 17 joints in ``joint_names`` order (Human3.6M)."""

    poses_3d: np.ndarray  # (N, 17, 3) metres, camera frame, root-relative
    errors_mm: np.ndarray | None  # (N, 17) predicted per-joint error, mm (None without an error head)
    filled: np.ndarray  # (N, 17) bool, True where the 2D joint was missing and filled in
    keypoints_2d: np.ndarray  # (N, 17, 2) pixels, Human3.6M order, after filling (what was lifted)
    joint_names: tuple[str, ...]

    def __len__(self) -> int:
        return self.poses_3d.shape[0]


class LiftingModel(nn.Module):
    """A trained model with its input normalisation and flip test, as one module (what ONNX exports).

    ``forward(keypoints_px, extent_px=None)``: keypoints (B, 17, 2) pixels, Human3.6M order, complete (no
    NaN); extent (B,) pixels, the size each pose is scaled from (default: each pose's own). Returns
    pose (B, 17, 3) metres, camera frame, root-relative, and error (B, 17) mm (zeros without an error head).
    """

    def __init__(self, model: nn.Module, input_stats: dict[str, Any], flip_test: bool = True) -> None:
        super().__init__()
        self.model = model.eval()
        self.flip_test = flip_test
        self.register_buffer("target_extent", torch.tensor(float(input_stats["extent_median"])))
        self.register_buffer("target_root", torch.tensor(input_stats["root_median"], dtype=torch.float32))

    def normalise(self, keypoints_px: torch.Tensor, extent_px: torch.Tensor) -> torch.Tensor:
        """(B, 17, 2) pixels -> (B, 17, 2) normalised-screen-like inputs at the training scale."""
        scale = (self.target_extent / extent_px.clamp_min(1e-6))[:, None, None]
        return (keypoints_px - keypoints_px[:, :1]) * scale + self.target_root

    def lift_normalised(self, inputs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, 17, 2) normalised inputs -> pose (B, 17, 3) m root-relative, error (B, 17) mm."""
        mirror = partial(flip_horizontal, joints_left=SKELETON17.joints_left,
                         joints_right=SKELETON17.joints_right)
        pose, error = flip_averaged(self.model, inputs, mirror, mirror, self.flip_test)
        if error is None:
            return pose, torch.zeros(pose.shape[:2], dtype=pose.dtype, device=pose.device)
        return pose, torch.linalg.vector_norm(error, dim=-1) * MM_PER_M

    def forward(self, keypoints_px: torch.Tensor,
                extent_px: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        if extent_px is None:
            extent_px = pose_extent_2d(keypoints_px)
        return self.lift_normalised(self.normalise(keypoints_px, extent_px))


def has_error_head(model: nn.Module) -> bool:
    """Whether the model (stage 1, or stage 1 + refiner) predicts errors: stage 1's config says."""
    stage1 = getattr(model, "stage1", model)
    return bool(stage1.config.error_prediction)


def interpolate_missing(points: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Fill missing joints of a track by linear interpolation over time, holding the ends.

    points: (T, 17, 2) pixels (NaN where missing); valid: (T, 17) bool. A joint never seen in the track
    is left NaN (the caller decides). Returns a new (T, 17, 2) array.
    """
    filled = points.copy()
    frames = np.arange(points.shape[0])
    for joint in range(points.shape[1]):
        seen = valid[:, joint]
        if seen.all() or not seen.any():
            continue
        for axis in range(2):
            filled[:, joint, axis] = np.interp(frames, frames[seen], points[seen, joint, axis])
    return filled


def fill_from_mean_pose(points: np.ndarray, valid: np.ndarray, mean_pose: np.ndarray) -> np.ndarray:
    """Fill missing joints from a mean 2D pose fitted (uniform scale + translation, least squares) to the
    joints that are present. points (N, 17, 2) pixels, valid (N, 17) bool, mean_pose (17, 2) any units.
    Poses with fewer than two present joints cannot be fitted and raise InputError."""
    filled = points.copy()
    for index in np.flatnonzero(~valid.all(axis=1)):
        present = valid[index]
        if present.sum() < 2:
            raise InputError(f"pose {index}: only {int(present.sum())} joint(s) present; at least 2 are "
                             f"needed to place the mean pose")
        source = mean_pose[present] - mean_pose[present].mean(axis=0)
        goal = points[index, present] - points[index, present].mean(axis=0)
        scale = float((source * goal).sum() / max((source * source).sum(), 1e-12))
        placed = (mean_pose - mean_pose[present].mean(axis=0)) * scale + points[index, present].mean(axis=0)
        filled[index, ~present] = placed[~present]
    return filled


class Lifter:
    """Lift 2D keypoints from any detector to 3D with a trained JointFormer (optionally + refiner).

    Build it with :meth:`from_checkpoint`; call :meth:`lift`.
    """

    def __init__(self, model: nn.Module, input_stats: dict[str, Any] | None = None,
                 device: torch.device | str = "cpu", checkpoint: str | None = None,
                 refiner: str | None = None, batch_size: int = 4096) -> None:
        self.device = torch.device(device)
        self.input_stats = dict(input_stats or DEFAULT_INPUT_STATS)
        self.model = model.to(self.device).eval()
        self.checkpoint, self.refiner, self.batch_size = checkpoint, refiner, batch_size
        self.mean_pose_2d = np.asarray(self.input_stats["mean_pose_2d"], dtype=np.float64)

    @classmethod
    def from_checkpoint(cls, path: str | Path, device: str | torch.device = "auto",
                        refiner: str | Path | None = None) -> Lifter:
        """A lifter from any checkpoint: ours or published, stage 1 alone or a refinement checkpoint
        (stage 1 + refiner). ``refiner``: a refinement checkpoint whose refiner runs on top of the stage 1
        in ``path``. ``device``: "auto" (CUDA if present), "cpu", "cuda", ..."""
        from jointformer.checkpoint import load_model, load_two_stage, read_input_stats

        if str(device) == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        if refiner is None:
            model = load_model(path, map_location=device)
        else:
            model = load_two_stage(path, refiner, map_location=device)
        input_stats = read_input_stats(path)
        if input_stats is None:
            warnings.warn(f"{path} stores no input statistics (a published checkpoint?): using those of the "
                          f"embedded data set, jointformer.lifting.DEFAULT_INPUT_STATS", stacklevel=2)
        return cls(model, input_stats, device=device, checkpoint=str(path),
                   refiner=None if refiner is None else str(refiner))

    @classmethod
    def pretrained(cls, device: str | torch.device = "auto") -> Lifter:
        """The packaged in-the-wild model (:mod:`jointformer.pretrained`: stage 1 trained on drawn cameras
        and bodies; how it was made and its figures are in its ``provenance``)."""
        from jointformer.pretrained import pretrained_path

        return cls.from_checkpoint(pretrained_path(), device=device)

    def lifting_model(self, flip_test: bool = True) -> LiftingModel:
        """The model with its normalisation and flip test as one module (used by :meth:`lift` and export)."""
        return LiftingModel(self.model, self.input_stats, flip_test=flip_test).to(self.device)

    @torch.no_grad()
    def lift(self, keypoints: Any, image_size: tuple[float, float] | None = None, layout: str = "coco",
             scores: Any = None, flip_test: bool = True, min_score: float = 0.0, allow_missing: bool = False,
             sequence: bool | None = None, normalization: str = "extent",
             progress: bool = False) -> LiftResult:
        """Lift one pose (J, 2) or many (N, J, 2) pixel keypoints (or (…, J, 3) with scores).

        keypoints: pixels, origin at the top-left image corner, in ``layout``'s joint order. scores: (N, J)
        confidences or None. sequence: whether the N poses are consecutive frames of one person (default:
        True when N > 1); it decides how missing joints are filled and how the scale is chosen.
        image_size: (width, height) pixels, needed for ``normalization="screen"``. progress: show a progress
        bar over the batches (for long inputs).
        """
        points, valid = self._to_h36m(keypoints, layout, scores, min_score)
        is_sequence = points.shape[0] > 1 if sequence is None else sequence
        points, filled = self._fill(points, valid, is_sequence, allow_missing)
        lifting = self.lifting_model(flip_test)
        if normalization == "extent":
            extents = pose_extent_2d(torch.as_tensor(points, dtype=torch.float32))
            if is_sequence:
                extents = torch.full_like(extents, float(extents.median()))
            if torch.any(extents <= 0):
                raise InputError("a pose has zero extent (all its joints at one point): nothing to lift")
            inputs = lifting.normalise(torch.as_tensor(points, dtype=torch.float32).to(self.device),
                                       extents.to(self.device))
        elif normalization == "screen":
            if image_size is None:
                raise InputError("normalization='screen' needs image_size=(width, height) in pixels")
            width, height = _check_image_size(image_size)
            inputs = torch.as_tensor(normalize_screen_coordinates(points, width, height), dtype=torch.float32)
        else:
            raise InputError(f"normalization must be 'extent' or 'screen', got {normalization!r}")
        poses, errors = [], []
        for start in self._batch_starts(len(points), progress):
            pose, error = lifting.lift_normalised(inputs[start:start + self.batch_size].to(self.device))
            poses.append(pose.cpu())
            errors.append(error.cpu())
        error_mm = torch.cat(errors).numpy().astype(np.float64)
        return LiftResult(poses_3d=torch.cat(poses).numpy().astype(np.float64),
                          errors_mm=error_mm if has_error_head(self.model) else None, filled=filled,
                          keypoints_2d=points, joint_names=SKELETON17.names)

    def _batch_starts(self, count: int, progress: bool) -> Any:
        starts = range(0, count, self.batch_size)
        if not progress or len(starts) < 2:
            return starts
        from tqdm import tqdm

        return tqdm(starts, desc="lifting", unit="batch")

    def _to_h36m(self, keypoints: Any, layout: str, scores: Any,
                 min_score: float) -> tuple[np.ndarray, np.ndarray]:
        array = np.asarray(keypoints, dtype=np.float64)
        if array.ndim == 2:
            array = array[None]
            scores = None if scores is None else np.asarray(scores, dtype=np.float64)[None]
        if array.ndim != 3:
            raise InputError(f"keypoints must have shape (J, 2|3) or (N, J, 2|3); got {array.shape}")
        if array.shape[0] == 0:
            raise InputError("keypoints hold no pose (N = 0)")
        points, valid = to_h36m(array, get_layout(layout), scores=scores, min_score=min_score)
        return points, valid

    def _fill(self, points: np.ndarray, valid: np.ndarray, is_sequence: bool,
              allow_missing: bool) -> tuple[np.ndarray, np.ndarray]:
        filled = ~valid
        if valid.all():
            return points, filled
        if is_sequence:
            points = interpolate_missing(points, valid)
            never_seen = ~valid.any(axis=0)
            if never_seen.any():
                names = _names(never_seen)
                if not allow_missing:
                    raise InputError(f"joints {names} are missing in every frame of the sequence; pass "
                                     f"allow_missing=True (--allow-missing) to place them from the mean pose")
                points = fill_from_mean_pose(points, ~np.isnan(points).any(axis=-1), self.mean_pose_2d)
            return points, filled
        if not allow_missing:
            details = "; ".join(f"pose {index}: {_names(~valid[index])}"
                                for index in np.flatnonzero(~valid.all(axis=1))[:5])
            raise InputError(f"missing joints in a single image ({details}); pass allow_missing=True "
                             f"(--allow-missing) to fill them from the mean pose (flagged in the output)")
        return fill_from_mean_pose(points, valid, self.mean_pose_2d), filled


def _names(mask: np.ndarray) -> str:
    return ", ".join(name for name, missing in zip(SKELETON17.names, mask, strict=True) if missing)


def _check_image_size(image_size: Sequence[float]) -> tuple[float, float]:
    if len(image_size) != 2 or not all(np.isfinite(value) and value > 0 for value in image_size):
        raise InputError(f"image_size must be (width, height) in pixels, both positive; got {image_size}")
    return float(image_size[0]), float(image_size[1])


# ------------------------------------------------------------------------------------------- output files
LIFT_FORMAT = "jointformer-lift"
LIFT_FORMAT_VERSION = 1


def lift_document(tracks: Sequence[Any], results: Sequence[LiftResult], metadata: dict[str, Any]) -> dict:
    """The JSON document of ``jointformer lift`` (schema version 1).

    ``{"format": "jointformer-lift", "version": 1, "joint_names": [17 names], "units": "m",
    "error_units": "mm", "frame": ..., "root": ..., **metadata (checkpoint, refiner, layout, ...),
    "tracks": [{"track_id", "is_sequence", "frames": [{"frame_id", "pose_3d": [[x, y, z] * 17],
    "error_mm": [17] or null, "filled": [17 bools]}]}]}``. Tracks and results are matched by position;
    a track has ``track_id``, ``frame_ids`` and ``is_sequence`` (see :mod:`jointformer.keypoint_files`).
    """
    document: dict[str, Any] = {
        "format": LIFT_FORMAT, "version": LIFT_FORMAT_VERSION, "joint_names": list(SKELETON17.names),
        "units": "m", "error_units": "mm",
        "frame": "camera: x right, y down, z forward (away from the camera)",
        "root": "root-relative: joint 0 (Hip, the pelvis) is at the origin",
        **metadata, "tracks": [],
    }
    for track, result in zip(tracks, results, strict=True):
        frames = []
        for row, frame_id in enumerate(track.frame_ids):
            frames.append({
                "frame_id": frame_id.item() if hasattr(frame_id, "item") else frame_id,
                "pose_3d": np.round(result.poses_3d[row], 6).tolist(),
                "error_mm": None if result.errors_mm is None else np.round(result.errors_mm[row], 3).tolist(),
                "filled": result.filled[row].tolist(),
            })
        document["tracks"].append({"track_id": track.track_id, "is_sequence": bool(track.is_sequence),
                                   "frames": frames})
    return document


def write_lift_output(path: str | Path, tracks: Sequence[Any], results: Sequence[LiftResult],
                      metadata: dict[str, Any]) -> Path:
    """Write lifted poses as ``.json`` (:func:`lift_document`) or ``.npz`` (arrays ``poses_3d`` (N, 17, 3)
    m, ``errors_mm`` (N, 17) (NaN without an error head), ``filled`` (N, 17), ``track_index`` (N,),
    ``frame_ids`` (N,) str, ``joint_names`` (17,), ``metadata`` (a JSON string)), atomically."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".json", ".npz"):
        raise InputError(f"{path}: the output must end in .json or .npz")
    with atomic_output(path, suffix=suffix) as temporary, temporary.open("wb") as handle:
        if suffix == ".json":
            text = json.dumps(lift_document(tracks, results, metadata), indent=1)
            handle.write(text.encode("utf-8"))
        else:
            np.savez_compressed(
                handle,
                poses_3d=np.concatenate([result.poses_3d for result in results]),
                errors_mm=np.concatenate([
                    result.errors_mm if result.errors_mm is not None
                    else np.full(result.filled.shape, np.nan) for result in results]),
                filled=np.concatenate([result.filled for result in results]),
                track_index=np.concatenate([np.full(len(result), index) for index, result
                                            in enumerate(results)]),
                frame_ids=np.array([str(frame) for track in tracks for frame in track.frame_ids]),
                joint_names=np.array(SKELETON17.names),
                metadata=np.array(json.dumps(metadata)),
            )
    return path
