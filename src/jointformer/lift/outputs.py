"""Output files of ``jointformer lift`` and ``jointformer video``: lifted poses as a JSON document (schema
version 1, written frame by frame) or an NPZ of arrays, written atomically.

Poses (N, 17, 3) metres, camera frame (x right, y down, z forward), root-relative; predicted errors (N, 17)
mm; filled-joint flags (N, 17); N counts the poses of all tracks in order.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import numpy as np

from jointformer.atomic_files import atomic_output
from jointformer.data.skeleton import SKELETON17
from jointformer.errors import InputError

if TYPE_CHECKING:
    from jointformer.lift.lifter import LiftResult

LIFT_FORMAT = "jointformer-lift"
LIFT_FORMAT_VERSION = 1


def lift_document(tracks: Sequence[Any], results: Sequence[LiftResult], metadata: dict[str, Any],
                  per_frame: dict[str, np.ndarray] | None = None) -> dict:
    """The JSON document of ``jointformer lift`` (schema version 1).

    ``{"format": "jointformer-lift", "version": 1, "joint_names": [17 names], "units": "m",
    "error_units": "mm", "frame": ..., "root": ..., **metadata (checkpoint, refiner, layout, ...),
    "tracks": [{"track_id", "is_sequence", "frames": [{"frame_id", "pose_3d": [[x, y, z] * 17],
    "error_mm": [17] or null, "filled": [17 bools]}]}]}``. Tracks and results are matched by position;
    a track has ``track_id``, ``frame_ids`` and ``is_sequence`` (see :mod:`jointformer.lift.keypoint_files`).
    ``per_frame``: more fields for every frame, name -> array with one row per pose over all tracks in order
    (e.g. ``root_position`` (N, 3) m from ``jointformer video``), rounded to 6 decimals.
    """
    document = _document_head(metadata)
    offset = 0
    for track, result in zip(tracks, results, strict=True):
        frames = list(_frames(track, result, per_frame, offset))
        document["tracks"].append({**_track_head(track), "frames": frames})
        offset += len(result)
    return document


def _document_head(metadata: dict[str, Any]) -> dict[str, Any]:
    """The lift document without its tracks (``"tracks": []`` last)."""
    return {
        "format": LIFT_FORMAT, "version": LIFT_FORMAT_VERSION, "joint_names": list(SKELETON17.names),
        "units": "m", "error_units": "mm",
        "frame": "camera: x right, y down, z forward (away from the camera)",
        "root": "root-relative: joint 0 (Hip, the pelvis) is at the origin",
        **metadata, "tracks": [],
    }


def _track_head(track: Any) -> dict[str, Any]:
    return {"track_id": track.track_id, "is_sequence": bool(track.is_sequence)}


def _frames(track: Any, result: LiftResult, per_frame: dict[str, np.ndarray] | None = None,
            offset: int = 0) -> Iterator[dict[str, Any]]:
    """The document's frame entries of one track, one at a time; ``per_frame`` rows start at ``offset``."""
    for row, frame_id in enumerate(track.frame_ids):
        yield {
            "frame_id": frame_id.item() if hasattr(frame_id, "item") else frame_id,
            "pose_3d": np.round(result.poses_3d[row], 6).tolist(),
            "error_mm": None if result.errors_mm is None else np.round(result.errors_mm[row], 3).tolist(),
            "filled": result.filled[row].tolist(),
            **{name: np.round(rows[offset + row], 6).tolist() for name, rows in (per_frame or {}).items()},
        }


def _write_lift_json(handle: IO[str], tracks: Sequence[Any], results: Sequence[LiftResult],
                     metadata: dict[str, Any], per_frame: dict[str, np.ndarray] | None = None) -> None:
    """Write ``json.dumps(lift_document(...), indent=1)`` piece by piece, the same text, holding one frame's
    objects at a time instead of the whole document (a 100,000-frame track needed 2 GB). Strict JSON: a NaN
    or infinity is an error, never a bare ``NaN`` token."""

    def nested(value: Any, depth: int) -> str:
        # json.dumps indents a value at depth d by d spaces per level: dump it alone, then shift its lines.
        return json.dumps(value, indent=1, allow_nan=False).replace("\n", "\n" + " " * depth)

    head = nested(_document_head(metadata), 0)
    handle.write(head[:-len("[]\n}")] + "[")
    offset = 0
    for index, (track, result) in enumerate(zip(tracks, results, strict=True)):
        track_head = nested({**_track_head(track), "frames": []}, 2)
        handle.write(("," if index else "") + "\n  " + track_head[:-len("[]\n  }")] + "[")
        for row, frame in enumerate(_frames(track, result, per_frame, offset)):
            handle.write(("," if row else "") + "\n    " + nested(frame, 4))
        handle.write("\n   ]\n  }")
        offset += len(result)
    handle.write("\n ]\n}")


def _check_finite_results(tracks: Sequence[Any], results: Sequence[LiftResult], source: Any) -> None:
    """Lifted poses are never written with NaN or infinity: a non-finite pose (keypoints so large that
    float32 overflows, or a broken model) is an InputError naming the track and frame."""
    for track, result in zip(tracks, results, strict=True):
        finite = np.isfinite(result.poses_3d).reshape(len(result), -1).all(axis=1)
        if not finite.all():
            row = int(np.flatnonzero(~finite)[0])
            raise InputError(f"{source or 'input'}: track {track.track_id}, frame {track.frame_ids[row]}: "
                             f"the lifted pose is not finite ({int((~finite).sum())} pose(s)); check that "
                             f"the keypoints are pixel coordinates of a plausible size. Nothing was written")


def write_lift_output(path: str | Path, tracks: Sequence[Any], results: Sequence[LiftResult],
                      metadata: dict[str, Any], per_frame: dict[str, np.ndarray] | None = None) -> Path:
    """Write lifted poses as ``.json`` (:func:`lift_document`) or ``.npz`` (arrays ``poses_3d`` (N, 17, 3)
    m, ``errors_mm`` (N, 17) (NaN without an error head), ``filled`` (N, 17), ``track_index`` (N,),
    ``frame_ids`` (N,) str, ``joint_names`` (17,), ``metadata`` (a JSON string), and each ``per_frame``
    array under its name), atomically."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".json", ".npz"):
        raise InputError(f"{path}: the output must end in .json or .npz")
    _check_finite_results(tracks, results, metadata.get("input"))
    if suffix == ".json":
        with atomic_output(path, suffix=suffix) as temporary, \
                temporary.open("w", encoding="utf-8", newline="") as text:
            _write_lift_json(text, tracks, results, metadata, per_frame)
        return path
    with atomic_output(path, suffix=suffix) as temporary, temporary.open("wb") as handle:
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
            **(per_frame or {}),
        )
    return path
