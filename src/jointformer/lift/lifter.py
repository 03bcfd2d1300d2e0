"""Lifting anyone's 2D keypoints to 3D: the :class:`Lifter` API behind ``jointformer lift``.

Pipeline for keypoints (N, K, 2) in pixels of any image, in any supported layout:

1. Layout conversion to the Human3.6M 17-joint order (:mod:`jointformer.lift.layouts`); keypoints scored
   below ``min_score`` or NaN are missing.
2. Missing joints: in a sequence (one track of frames) they are filled by linear interpolation over time
   (held constant before the first and after the last detection); a single image with missing joints is an
   error naming them, unless ``allow_missing`` fills them from the training pose template (k-means centres
   of the training poses, ``pose_templates_2d`` in the input statistics) that a 2D similarity transform
   (rotation, uniform scale, translation) best aligns to the joints that are present, taken through that
   transform. Every filled joint is flagged in the result.
3. Normalisation into the distribution the model was trained on (:mod:`jointformer.lift.normalization`).
   The model saw Human3.6M's screen normalisation (x / w * 2 - [1, h / w] for 1000-pixel-wide images, a
   person a few hundred pixels tall). Keypoints from other cameras — portrait phones, 4K video, crops, a
   small person far away — would land far outside it, so by default (``normalization="extent"``) each pose
   is centred and scaled: its root (pelvis) is moved to the training data's median root position and its
   size (the larger side of its 2D bounding box; for a sequence, the median over the track, so the scale
   does not pump when arms move) is scaled to the training data's median size. These statistics are stored
   with the model when it is trained (``input_stats`` in the checkpoint). The result no longer depends on
   where the person is in the image or how large: the 3D output is a metric pose of the training subjects'
   typical size (the scale of a single view is ambiguous; the model's metres are Human3.6M-sized people).
   ``normalization="screen"`` applies the training normalisation itself with ``image_size``: use it for
   Human3.6M-like cameras.
4. The model (stage 1, or stage 1 + refiner), with flip test-time augmentation by default, batched, no
   gradient. The predicted error is stage 1's error head (also when the refiner is used), averaged over the
   flip like the pose, reported per joint as the Euclidean norm of the per-coordinate error, in mm.

Outputs: 3D joints (N, 17, 3) metres, camera frame (x right, y down, z forward), root-relative (joint 0 at
the origin); predicted error (N, 17) mm; filled-joint flags (N, 17). Files of them:
:mod:`jointformer.lift.outputs`.
"""

from __future__ import annotations

import tempfile
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from jointformer.data.input_stats import InputStats, default_input_stats
from jointformer.data.poseset import pose_extent_2d
from jointformer.data.skeleton import SKELETON17, flip_horizontal
from jointformer.errors import InputError, JointformerError
from jointformer.lift.layouts import get_layout, to_h36m
from jointformer.lift.normalization import normalise_extent, pose_extents, screen_inputs
from jointformer.metrics import MM_PER_M
from jointformer.models.inference import flip_averaged


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

    def __init__(self, model: nn.Module, input_stats: InputStats, flip_test: bool = True) -> None:
        super().__init__()
        self.model = model.eval()
        self.flip_test = flip_test
        self.register_buffer("target_extent", torch.tensor(float(input_stats.extent_median)))
        self.register_buffer("target_root", torch.tensor(input_stats.root_median, dtype=torch.float32))

    def normalise(self, keypoints_px: torch.Tensor, extent_px: torch.Tensor) -> torch.Tensor:
        """(B, 17, 2) pixels -> (B, 17, 2) normalised-screen-like inputs at the training scale
        (:func:`~jointformer.lift.normalization.normalise_extent`)."""
        return normalise_extent(keypoints_px, extent_px, self.target_root, self.target_extent)

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


def interpolate_missing(points: np.ndarray, valid: np.ndarray, times: np.ndarray | None = None) -> np.ndarray:
    """Fill missing joints of a track by linear interpolation over time, holding the ends.

    points: (T, 17, 2) pixels (NaN where missing); valid: (T, 17) bool; times: (T,) increasing frame
    numbers of the rows (default 0 .. T-1), so that a gap in the frames weighs as its length. A joint never
    seen in the track is left NaN (the caller decides). Returns a new (T, 17, 2) array.
    """
    filled = points.copy()
    frames = np.arange(points.shape[0]) if times is None else np.asarray(times, dtype=np.float64)
    for joint in range(points.shape[1]):
        seen = valid[:, joint]
        if seen.all() or not seen.any():
            continue
        for axis in range(2):
            filled[:, joint, axis] = np.interp(frames, frames[seen], points[seen, joint, axis])
    return filled


def fill_from_templates(points: np.ndarray, valid: np.ndarray, templates: np.ndarray) -> np.ndarray:
    """Fill missing joints from the pose template that agrees best with the joints that are present.

    points: (N, 17, 2) pixels (any value where missing); valid: (N, 17) bool; templates: (M, 17, 2) poses
    in any units and frame (``pose_templates_2d``: root-relative, unit extent). For each incomplete pose,
    every template is aligned to the present joints by the least-squares 2D similarity transform
    (rotation, uniform scale, translation; no reflection), the one with the smallest residual is chosen,
    and its missing joints are taken through that transform. Poses with fewer than two present joints
    cannot be aligned and raise InputError. Returns a new (N, 17, 2) array.
    """
    filled = points.copy()
    # Complex numbers x + iy: a similarity transform is z -> a z + b, with a complex.
    complex_templates = templates[..., 0] + 1j * templates[..., 1]  # (M, 17)
    for index in np.flatnonzero(~valid.all(axis=1)):
        present = valid[index]
        if present.sum() < 2:
            raise InputError(f"pose {index}: only {int(present.sum())} joint(s) present; at least 2 are "
                             f"needed to place a pose template")
        seen = points[index, present, 0] + 1j * points[index, present, 1]  # (n,)
        seen_centre = seen.mean()
        template_centre = complex_templates[:, present].mean(axis=1, keepdims=True)  # (M, 1)
        centred = complex_templates[:, present] - template_centre  # (M, n)
        gain = (np.conj(centred) * (seen - seen_centre)).sum(axis=1) / np.maximum(
            (np.abs(centred) ** 2).sum(axis=1), 1e-12)  # (M,): rotation and scale
        residual = (np.abs(gain[:, None] * centred - (seen - seen_centre)) ** 2).sum(axis=1)
        best = int(residual.argmin())
        placed = gain[best] * (complex_templates[best] - template_centre[best]) + seen_centre  # (17,)
        filled[index, ~present, 0] = placed[~present].real
        filled[index, ~present, 1] = placed[~present].imag
    return filled


ONNX_SMALL_BATCH = 16
"""Batches of at most this many poses may run in ONNX Runtime (see ``Lifter``): at batch 1 its session
runs ~7x faster than the PyTorch module (benchmarks/onnx_speed.py, benchmarks/lift_speed.py); at large
batches PyTorch is as fast or faster."""

ONNX_AFTER_SMALL_CALLS = 50
"""Small-batch calls a Lifter makes in PyTorch before it exports its model to ONNX Runtime (a few seconds,
once): a loop over single poses (a webcam, a game) switches after its first 50 calls; one-off calls never
pay for the export."""


class Lifter:
    """Lift 2D keypoints from any detector to 3D with a trained JointFormer (optionally + refiner).

    Build it with :meth:`from_checkpoint`; call :meth:`lift` (or :meth:`lift_tracks` for many tracks).
    On CPU, once it has lifted ``onnx_after_calls`` batches of at most ``ONNX_SMALL_BATCH`` poses, it runs
    such batches in ONNX Runtime when onnxruntime, onnx and onnxscript are installed (the ``[export]``
    extra): the same outputs to float rounding (tested within 1e-4 m). ``onnx_after_calls=math.inf``
    keeps PyTorch throughout. ``input_stats``: the model's :class:`~jointformer.data.input_stats.InputStats`
    (or a checkpoint's ``input_stats`` dict); None: those of the embedded data set
    (:func:`~jointformer.data.input_stats.default_input_stats`). It is kept as ``self.input_stats``.
    """

    def __init__(self, model: nn.Module, input_stats: InputStats | Mapping[str, Any] | None = None,
                 device: torch.device | str = "cpu", checkpoint: str | None = None,
                 refiner: str | None = None, batch_size: int = 4096,
                 onnx_after_calls: float = ONNX_AFTER_SMALL_CALLS) -> None:
        self.device = torch.device(device)
        if isinstance(input_stats, Mapping):
            input_stats = InputStats.from_dict(input_stats) if input_stats else None
        self.input_stats: InputStats = default_input_stats() if input_stats is None else input_stats
        self.model = model.to(self.device).eval()
        self.checkpoint, self.refiner, self.batch_size = checkpoint, refiner, batch_size
        self._lifting_models: dict[bool, LiftingModel] = {}
        self.onnx_after_calls = onnx_after_calls
        self._small_calls = 0
        self._onnx_sessions: dict[bool, Any] = {}
        if self.input_stats.pose_templates_2d is None:
            warnings.warn(f"{checkpoint or 'the model'}: its input statistics hold no pose templates "
                          f"(trained before they were stored): missing joints are placed from those of the "
                          f"embedded data set, jointformer.data.input_stats.default_input_stats()",
                          stacklevel=2)
            self.input_stats = replace(self.input_stats,
                                       pose_templates_2d=default_input_stats().pose_templates_2d)
        self.pose_templates_2d = np.asarray(self.input_stats.pose_templates_2d, dtype=np.float64)

    @classmethod
    def from_checkpoint(cls, path: str | Path, device: str | torch.device = "auto",
                        refiner: str | Path | None = None) -> Lifter:
        """A lifter from any checkpoint: ours or published, stage 1 alone or a refinement checkpoint
        (stage 1 + refiner). ``refiner``: a refinement checkpoint whose refiner runs on top of the stage 1
        in ``path``. ``device``: "auto" (CUDA if present), "cpu", "cuda", ..."""
        from jointformer.checkpoint import load_checkpoint, with_refiner

        if str(device) == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        checkpoint = load_checkpoint(path, map_location=device)  # read once: model and input statistics
        if refiner is None:
            model = checkpoint.model(map_location=device)
        else:
            model = with_refiner(checkpoint.stage1(device), load_checkpoint(refiner, device), device)
        input_stats = checkpoint.input_stats()
        if input_stats is None:
            warnings.warn(f"{path} stores no input statistics (a published checkpoint?): using those of the "
                          f"embedded data set, jointformer.data.input_stats.default_input_stats()",
                          stacklevel=2)
        return cls(model, input_stats, device=device, checkpoint=str(path),
                   refiner=None if refiner is None else str(refiner))

    @classmethod
    def pretrained(cls, device: str | torch.device = "auto") -> Lifter:
        """The packaged in-the-wild model (:mod:`jointformer.lift.pretrained`: stage 1 trained on drawn
        cameras and bodies; how it was made and its figures are in its ``provenance``)."""
        from jointformer.lift.pretrained import pretrained_path

        return cls.from_checkpoint(pretrained_path(), device=device)

    def lifting_model(self, flip_test: bool = True) -> LiftingModel:
        """The model with its normalisation and flip test as one module (used by :meth:`lift` and export)."""
        return LiftingModel(self.model, self.input_stats, flip_test=flip_test).to(self.device)

    def _cached_lifting_model(self, flip_test: bool) -> LiftingModel:
        """One LiftingModel per flip setting, built once: a call on one pose should not pay to build it."""
        if flip_test not in self._lifting_models:
            self._lifting_models[flip_test] = self.lifting_model(flip_test)
        return self._lifting_models[flip_test]

    @torch.no_grad()
    def lift(self, keypoints: Any, image_size: tuple[float, float] | None = None, layout: str = "coco",
             scores: Any = None, flip_test: bool = True, min_score: float = 0.0, allow_missing: bool = False,
             sequence: bool | None = None, normalization: str = "extent",
             progress: bool = False, frame_numbers: Any = None) -> LiftResult:
        """Lift one pose (J, 2) or many (N, J, 2) pixel keypoints (or (…, J, 3) with scores).

        keypoints: pixels, origin at the top-left image corner, in ``layout``'s joint order. scores: (N, J)
        confidences or None. sequence: whether the N poses are consecutive frames of one person (default:
        True when N > 1); it decides how missing joints are filled and how the scale is chosen.
        image_size: (width, height) pixels, needed for ``normalization="screen"``. progress: show a progress
        bar over the batches (for long inputs). frame_numbers: (N,) increasing frame numbers of a sequence's
        poses (default 0 .. N-1): missing joints are interpolated over these, so frame gaps count.
        """
        points, filled, inputs = self._prepare(keypoints, image_size, layout, scores, min_score,
                                               allow_missing, sequence, normalization, frame_numbers)
        poses, errors_mm = self._predict(inputs, flip_test, progress)
        return LiftResult(poses_3d=poses, errors_mm=errors_mm, filled=filled, keypoints_2d=points,
                          joint_names=SKELETON17.names)

    @torch.no_grad()
    def lift_tracks(self, tracks: Sequence[Any], image_size: tuple[float, float] | None = None,
                    layout: str = "coco", flip_test: bool = True, min_score: float = 0.0,
                    allow_missing: bool = False, normalization: str = "extent",
                    progress: bool = False) -> list[LiftResult]:
        """Lift many tracks (:class:`~jointformer.lift.keypoint_files.KeypointTrack`) in one pass of the
        model.

        The same results as :meth:`lift` on each track (with ``sequence=track.is_sequence``, its frame
        numbers and ``image_size`` or else the track's own), up to float rounding of differently sized
        batches: what is per track (interpolation over time, a sequence's one scale) is done per track, but
        independent images are prepared together, and every pose goes through the model in shared batches,
        so a photo collection of one-pose tracks runs as fast as a video. Returns one LiftResult per track.
        """
        prepared: dict[int, tuple[np.ndarray, np.ndarray, torch.Tensor]] = {}
        for indices in _independent_groups(tracks, image_size):
            group = [tracks[index] for index in indices]
            keypoints = np.concatenate([track.keypoints for track in group])
            scores = None if group[0].scores is None else np.concatenate([track.scores for track in group])
            names = [track.track_id if track.num_frames == 1 else f"{track.track_id} frame {frame}"
                     for track in group for frame in track.frame_ids]
            points, filled, inputs = self._prepare(
                keypoints, image_size or group[0].image_size, layout, scores, min_score, allow_missing, False,
                normalization, None, pose_names=names)
            for index, rows in zip(indices, _row_slices([track.num_frames for track in group]), strict=True):
                prepared[index] = (points[rows], filled[rows], inputs[rows])
        for index, track in enumerate(tracks):
            if track.is_sequence:
                prepared[index] = self._prepare(
                    track.keypoints, image_size or track.image_size, layout, track.scores, min_score,
                    allow_missing, True, normalization, track.frame_numbers)
        poses, errors_mm = self._predict(torch.cat([prepared[index][2] for index in range(len(tracks))]),
                                         flip_test, progress)
        results = []
        for index, rows in enumerate(_row_slices([len(prepared[index][0]) for index in range(len(tracks))])):
            points, filled, _ = prepared[index]
            results.append(LiftResult(poses_3d=poses[rows], errors_mm=None if errors_mm is None else
                                      errors_mm[rows], filled=filled, keypoints_2d=points,
                                      joint_names=SKELETON17.names))
        return results

    def _prepare(self, keypoints: Any, image_size: tuple[float, float] | None, layout: str, scores: Any,
                 min_score: float, allow_missing: bool, sequence: bool | None, normalization: str,
                 frame_numbers: Any, pose_names: Sequence[str] | None = None,
                 ) -> tuple[np.ndarray, np.ndarray, torch.Tensor]:
        """Steps 1-3 of the module docstring: (N, 17, 2) filled pixels, (N, 17) filled flags and the
        (N, 17, 2) float32 normalised model inputs on the lifter's device."""
        points, valid = self._to_h36m(keypoints, layout, scores, min_score)
        is_sequence = points.shape[0] > 1 if sequence is None else sequence
        times = None if frame_numbers is None else _check_frame_numbers(frame_numbers, len(points))
        points, filled = self._fill(points, valid, is_sequence, allow_missing, times, pose_names)
        if normalization == "extent":
            extents = pose_extents(points, is_sequence)
            lifting = self._cached_lifting_model(True)  # normalise() does not depend on the flip setting
            inputs = lifting.normalise(torch.as_tensor(points, dtype=torch.float32).to(self.device),
                                       extents.to(self.device))
        elif normalization == "screen":
            inputs = screen_inputs(points, image_size).to(self.device)
        else:
            raise InputError(f"normalization must be 'extent' or 'screen', got {normalization!r}")
        return points, filled, inputs

    def _predict(self, inputs: torch.Tensor, flip_test: bool,
                 progress: bool) -> tuple[np.ndarray, np.ndarray | None]:
        """Step 4 on (N, 17, 2) normalised inputs, in batches: poses (N, 17, 3) m and errors (N, 17) mm
        (None without an error head), float64."""
        if len(inputs) <= ONNX_SMALL_BATCH and self.device.type == "cpu":
            self._small_calls += 1
            session = self._onnx_session(flip_test) if self._small_calls > self.onnx_after_calls else None
            if session is not None:
                pose, error = session.run(None, {"inputs": inputs.numpy()})
                return (pose.astype(np.float64),
                        error.astype(np.float64) if has_error_head(self.model) else None)
        lifting = self._cached_lifting_model(flip_test)
        poses, errors = [], []
        for start in self._batch_starts(len(inputs), progress):
            pose, error = lifting.lift_normalised(inputs[start:start + self.batch_size])
            poses.append(pose.cpu())
            errors.append(error.cpu())
        error_mm = torch.cat(errors).numpy().astype(np.float64)
        return (torch.cat(poses).numpy().astype(np.float64),
                error_mm if has_error_head(self.model) else None)

    def _onnx_session(self, flip_test: bool) -> Any:
        """An ONNX Runtime session of the model and flip test over normalised inputs, exported on first use
        (seconds, once per flip setting), or None where onnxruntime, onnx or onnxscript is missing."""
        if flip_test not in self._onnx_sessions:
            try:
                import onnxruntime

                # Imported here: the export module builds on this one.
                from jointformer.lift.export import export_normalised_onnx
            except ImportError:
                self._onnx_sessions[flip_test] = None
                return None
            with tempfile.TemporaryDirectory() as directory:
                try:
                    path = export_normalised_onnx(self._cached_lifting_model(flip_test),
                                                  Path(directory) / "model.onnx")
                except JointformerError:  # onnx or onnxscript missing: PyTorch it stays
                    self._onnx_sessions[flip_test] = None
                    return None
                options = onnxruntime.SessionOptions()
                options.intra_op_num_threads = torch.get_num_threads()
                self._onnx_sessions[flip_test] = onnxruntime.InferenceSession(
                    str(path), options, providers=["CPUExecutionProvider"])
        return self._onnx_sessions[flip_test]

    def lift_video(self, path: str | Path, **options: Any) -> LiftResult:
        """Detect one person in a video file or image folder with MediaPipe Pose and lift the track: see
        :func:`jointformer.lift.video.lift_video` (options: detector, fps, focal_length, flip_test,
        min_score, allow_missing, smooth, progress). Returns a
        :class:`~jointformer.lift.video.VideoLiftResult`, a :class:`LiftResult` with the frame ids, frame
        rate, size and the absolute root position."""
        from jointformer.lift.video import lift_video

        return lift_video(self, path, **options)

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

    def _fill(self, points: np.ndarray, valid: np.ndarray, is_sequence: bool, allow_missing: bool,
              times: np.ndarray | None,
              pose_names: Sequence[str] | None = None) -> tuple[np.ndarray, np.ndarray]:
        filled = ~valid
        if valid.all():
            return points, filled
        if is_sequence:
            points = interpolate_missing(points, valid, times)
            never_seen = ~valid.any(axis=0)
            if never_seen.any():
                names = _names(never_seen)
                if not allow_missing:
                    raise InputError(f"joints {names} are missing in every frame of the sequence; pass "
                                     f"allow_missing=True (--allow-missing) to place them from a pose "
                                     f"template")
                points = fill_from_templates(points, ~np.isnan(points).any(axis=-1), self.pose_templates_2d)
            return points, filled
        if not allow_missing:
            incomplete = np.flatnonzero(~valid.all(axis=1))[:5]
            details = "; ".join(f"{f'pose {index}' if pose_names is None else pose_names[index]}: "
                                f"{_names(~valid[index])}" for index in incomplete)
            raise InputError(f"missing joints in a single image ({details}); pass allow_missing=True "
                             f"(--allow-missing) to fill them from a pose template (flagged in the output)")
        return fill_from_templates(points, valid, self.pose_templates_2d), filled


def _independent_groups(tracks: Sequence[Any], image_size: tuple[float, float] | None) -> list[list[int]]:
    """Indices of the tracks that are not sequences, grouped by what their preparation shares (the image
    size used for screen normalisation, and whether they carry scores), in track order."""
    groups: dict[tuple, list[int]] = {}
    for index, track in enumerate(tracks):
        if not track.is_sequence:
            key = (image_size or track.image_size, track.scores is None)
            groups.setdefault(key, []).append(index)
    return list(groups.values())


def _row_slices(lengths: Sequence[int]) -> list[slice]:
    """Consecutive slices of the given lengths: [0:l0], [l0:l0+l1], ..."""
    ends = np.cumsum(lengths)
    return [slice(int(end - length), int(end)) for end, length in zip(ends, lengths, strict=True)]


def _names(mask: np.ndarray) -> str:
    return ", ".join(name for name, missing in zip(SKELETON17.names, mask, strict=True) if missing)


def _check_frame_numbers(frame_numbers: Any, count: int) -> np.ndarray:
    """frame_numbers as a (count,) float64 array, finite and strictly increasing; InputError otherwise."""
    times = np.asarray(frame_numbers, dtype=np.float64)
    if times.shape != (count,) or not np.isfinite(times).all() or np.any(np.diff(times) <= 0):
        raise InputError(f"frame_numbers must be {count} finite, strictly increasing numbers (one per pose); "
                         f"got shape {times.shape}")
    return times
