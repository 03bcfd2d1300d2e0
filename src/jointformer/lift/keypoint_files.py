"""Reading practitioners' 2D keypoint files into per-person tracks, for lifting.

A file holds the keypoints of one detector layout (K joints per pose, in that layout's own order; see
:mod:`jointformer.lift.layouts`). :func:`read_keypoints` turns it into a list of :class:`KeypointTrack`, one
per person (a tracked person over a video, or one person in one image). Shapes: ``T`` rows of a track (frames
or images), ``K`` joints. Keypoints are (T, K, 2) float64 pixels (x right, y down, the image's own origin),
NaN where a joint is absent; scores are (T, K) float64 confidences.

The format is chosen by the file's extension (case-insensitive):

``.json`` -- COCO keypoint results (what COCO-style detectors and trackers write): a list of entries
    ``{"image_id": int | str, "keypoints": [x0, y0, s0, x1, y1, s1, ...], ...}`` with 3K numbers, the same
    K for every entry. A coordinate or score may be ``NaN`` or ``null`` (missing); no other non-finite
    value is accepted. ``category_id`` and the pose's ``score`` are ignored. The first of the fields
    ``track_id``, ``track``, ``idx`` that is present and not null is the entry's track id (an integer or a
    string; an integral float such as ``3.0`` counts as ``3``). Exception: an ``idx`` holding a *list*
    is AlphaPose's bookkeeping of merged detections (zeros when tracking is off), not a track id, and is
    ignored. Entries with a track id are grouped into one track per id, rows ordered by ``image_id``
    (``is_sequence=True``); two entries of one track may not share an image. Entries without a track id
    become one single-image track each (``is_sequence=False``), named ``"image <id>"``, or
    ``"image <id> person <n>"`` (n = 0, 1, ... in file order) when the image holds several people --
    except in a detector's output for a video: when no entry has a track id and every ``image_id`` holds
    at most one detection (and there are at least two), the file is read as one track ``"0"`` ordered by
    ``image_id`` (``is_sequence=True``; the ids are kept as they are, so frame gaps stay gaps) and the
    track's ``note`` says so. ``images=True`` keeps them independent images.
``.npy`` -- one numeric array, loaded with ``allow_pickle=False``: (T, K, 2) or (T, K, 3) (the third column
    a score), one track ``"0"`` with frame ids 0..T-1 (``is_sequence`` when T > 1); or (K, 2|3), a single
    pose (T = 1).
``.npz`` -- either VideoPose3D's custom 2D file (written by its ``prepare_data_2d_custom.py``; recognised by
    the key ``positions_2d``), or an archive of plain arrays. VideoPose3D: ``positions_2d`` is a pickled
    dict video name -> ``{"custom": [array (T, K, 2)]}``, ``metadata`` a pickled dict with
    ``layout_name``, ``num_joints``, ``keypoints_symmetry`` and ``video_metadata`` = {name: {"w", "h"}};
    one track per video (track id = video name, frame ids 0..T-1, ``is_sequence=True``, ``image_size`` =
    (w, h) from ``video_metadata`` where present). Pickles can run code when loaded, so this format is read
    with ``allow_pickle=True``: only read VideoPose3D files you trust. Plain archives are read with
    ``allow_pickle=False`` and must hold a single array, or one named ``keypoints``, shaped as for
    ``.npy``.
``.csv`` -- comma-separated UTF-8 text, one row per frame, the first row a header. Header names are
    stripped of surrounding spaces; the fixed names and the ``x``/``y``/``s``/``score`` parts are matched
    case-insensitively. Columns, in any order:

    - ``frame`` (required): the frame id, an integer where the cell parses as one, else the cell's text.
    - ``track`` or ``track_id`` (optional): rows with the same value form one track (track id = the
      cell's text); without it all rows are track ``"0"``.
    - the joints, in exactly one of two schemes:

      * numbered: ``x<i>``, ``y<i>`` and optionally ``s<i>`` for i = 0 .. K-1 (joint i is row i of the
        keypoints);
      * named: ``<joint>_x``, ``<joint>_y`` and optionally ``<joint>_score`` (joints in the order in which
        their names first appear in the header).

      Either every joint has a score column or none has. Any other column is an error.

    An empty cell is NaN (missing); other cells must parse as numbers (``nan`` included; infinities are
    rejected). Each track's rows are ordered by frame; a frame may appear once per track. CSV input is
    always ``is_sequence=True``.

Common to all formats: ``read_keypoints(..., images=True)`` reads every pose as an independent image
(``is_sequence=False`` on every track: no interpolation or smoothing over time, one scale per pose).
A joint whose x or y is missing is missing altogether (both NaN). Scores must not be
negative (a negative third column is usually depth or a visibility code, not a confidence); scores above 1
(the heatmap maxima of some detectors exceed 1) are clipped to 1. Detectors that mark undetected joints as
(0, 0) with score 0 keep those values here; ``layouts.to_h36m(..., min_score=...)`` treats them as missing.
Frame / image ids that are strings are ordered "naturally" (``frame2`` before ``frame10``), integers by
value. Every problem raises :class:`~jointformer.errors.InputError` naming the file, the entry or row, and
the field; nothing is written.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import math
import numbers
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from jointformer.errors import InputError

TRACK_ID_FIELDS: tuple[str, ...] = ("track_id", "track", "idx")
"""COCO-results fields that may carry a track id, in order of precedence."""

_ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")  # a zip with entries, an empty zip
_NPY_SIGNATURE = b"\x93NUMPY"
_COCO_FORMAT = 'a list of {"image_id", "keypoints": [x, y, score] * K, ...}'
_ARRAY_FORMAT = "(T, K, 2) or (T, K, 3) frames x joints x (x, y[, score]), or (K, 2|3) for one pose"
_COLUMN_NAMES = ("x", "y", "score")
_CSV_FORMAT = ("columns 'frame', optionally 'track' or 'track_id', then per joint i either x<i>, y<i>"
               "[, s<i>] or <joint>_x, <joint>_y[, <joint>_score]")


@dataclass
class KeypointTrack:
    """One person's keypoints over time (a single image is a track of length 1)."""

    track_id: str  # e.g. "0", a COCO track id, a video name, or "image 42" for an untracked single image
    frame_ids: list  # (T,) the frame / image id of each row as found in the file (int or str)
    keypoints: np.ndarray  # (T, K, 2) float64 pixels, NaN where absent
    scores: np.ndarray | None  # (T, K) float64 confidences in [0, 1], None when the file has none
    is_sequence: bool  # True for video-like input (npy/npz with T > 1, csv, VideoPose3D, a COCO track id)
    source: str  # the file path, for messages and for the output document
    image_size: tuple[int, int] | None = None  # (width, height) pixels, where the file says (VideoPose3D)
    note: str | None = None  # how the rows were grouped, where the reader decided it (for the log)

    @property
    def num_frames(self) -> int:
        return int(self.keypoints.shape[0])

    @property
    def num_joints(self) -> int:
        return int(self.keypoints.shape[1])

    @property
    def frame_numbers(self) -> np.ndarray | None:
        """(T,) float64 frame numbers when every frame id is an integer (so gaps between ids are known),
        else None (string ids, e.g. file names: the rows are taken as consecutive)."""
        if all(isinstance(frame_id, int) for frame_id in self.frame_ids):
            return np.asarray(self.frame_ids, dtype=np.float64)
        return None


def read_keypoints(path: str | Path, num_joints: int | None = None,
                   images: bool = False) -> list[KeypointTrack]:
    """Read a 2D keypoint file (COCO results ``.json``, ``.npy``, ``.npz``, ``.csv``) into tracks.

    The formats are described in the module docstring. ``num_joints``, when given, is the K the caller's
    layout expects; a file with another K is an error. Returns one :class:`KeypointTrack` per person: for
    COCO files the tracked people first (ordered by track id), then the untracked single images (ordered by
    image id) -- or one track of them all when each image holds one detection (a video); for VideoPose3D
    files one per video in the file's order; for CSV files one per track, ordered by track id.
    ``images=True`` makes every pose an independent image (``is_sequence=False``). Raises InputError
    naming the file, entry / row and field for anything malformed, for a missing file and for an unknown
    extension (listing the supported ones).
    """
    path = Path(path)
    valid_count = isinstance(num_joints, numbers.Integral) and not isinstance(num_joints, bool)
    if num_joints is not None and not (valid_count and num_joints >= 1):
        raise InputError(f"num_joints: expected a positive integer or None, got {num_joints!r}")
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if not path.is_file():
        raise InputError(f"{path}: not a file (expected a keypoint file)")
    suffix = path.suffix.lower()
    if suffix not in _READERS:
        supported = "; ".join(f"{extension} ({what})" for extension, (_, what) in _READERS.items())
        raise InputError(f"{path}: unsupported file type {suffix or '(no extension)'!r}; "
                         f"supported: {supported}")
    reader, _ = _READERS[suffix]
    tracks = reader(path, None if num_joints is None else int(num_joints))
    assert tracks, "readers reject files without poses"
    if images:
        for track in tracks:
            track.is_sequence = False
        return tracks
    return _single_images_as_one_track(tracks)


def _single_images_as_one_track(tracks: list[KeypointTrack]) -> list[KeypointTrack]:
    """One track of the rows of ``tracks`` when they are all untracked single images with distinct ids
    (a detector run on a video without a tracker: one person, one detection per frame); else ``tracks``.

    The rows keep their frame ids (already in natural order), so gaps in the ids stay gaps.
    """
    frame_ids = [frame_id for track in tracks for frame_id in track.frame_ids]
    singles = all(not track.is_sequence and track.num_frames == 1 for track in tracks)
    if len(tracks) < 2 or not singles or len(set(frame_ids)) != len(frame_ids):
        return tracks
    with_scores = all(track.scores is not None for track in tracks)
    first = tracks[0]
    note = (f"no track ids and one detection per image_id: read as one track of {len(tracks)} frames "
            f"ordered by image_id (ids {frame_ids[0]!r} .. {frame_ids[-1]!r}); pass images=True (--images) "
            f"to lift them as independent images")
    return [KeypointTrack(
        track_id="0", frame_ids=frame_ids, keypoints=np.concatenate([track.keypoints for track in tracks]),
        scores=np.concatenate([track.scores for track in tracks]) if with_scores else None,
        is_sequence=True, source=first.source, image_size=first.image_size, note=note)]


# --- shared checks ---------------------------------------------------------------------------------------


def _natural_key(frame_id: int | str) -> tuple:
    """Sort key: integers by value, before strings; strings with their digit runs compared as numbers."""
    if isinstance(frame_id, int):
        return (0, frame_id)
    # re.split with a group alternates text and digit runs, so equal positions always hold equal types
    parts = re.split(r"(\d+)", frame_id)
    return (1, tuple(int(part) if index % 2 else part for index, part in enumerate(parts)))


def _order_rows(rows: Sequence[tuple[int | str, np.ndarray, int]], origins: str, what: str,
                suffix: str = "") -> list[tuple[int | str, np.ndarray, int]]:
    """A track's rows (frame id, pose, entry index or line) sorted by frame id; a repeated id is an error.

    The error reads "{origins} A and B both give {what} {frame id}{suffix}".
    """
    ordered = sorted(rows, key=lambda row: _natural_key(row[0]))
    for previous, row in itertools.pairwise(ordered):
        if previous[0] == row[0]:
            raise InputError(f"{origins} {previous[2]} and {row[2]} both give {what} {row[0]!r}{suffix}; a "
                             f"track has one pose per frame")
    return ordered


def _check_num_joints(found: int, expected: int | None, where: str) -> None:
    if expected is not None and found != expected:
        raise InputError(f"{where}: poses have {found} joints; expected {expected} (the layout's joint "
                         f"count)")


def _check_pose_array(points: np.ndarray, where: str, frame_ids: Sequence[Any]) -> None:
    """Reject infinities and negative scores in ``points`` (T, K, 2|3) pixels [, score]."""
    infinite = np.argwhere(np.isinf(points))
    if len(infinite):
        row, joint, column = infinite[0]
        raise InputError(f"{where}: frame {frame_ids[row]!r}, joint {joint}, {_COLUMN_NAMES[column]} is "
                         f"{points[row, joint, column]} (not finite); write missing values as NaN")
    if points.shape[-1] == 3:
        negative = np.argwhere(points[..., 2] < 0)
        if len(negative):
            row, joint = negative[0]
            raise InputError(f"{where}: frame {frame_ids[row]!r}, joint {joint}, score is "
                             f"{points[row, joint, 2]}; scores are confidences in [0, 1] (is the third "
                             f"column depth or a visibility code?)")


def _make_track(track_id: str, frame_ids: list, points: np.ndarray, is_sequence: bool, path: Path,
                where: str, image_size: tuple[int, int] | None = None) -> KeypointTrack:
    """A track from ``points`` (T, K, 2|3) float64 pixels [, score]: checked, half-missing joints blanked."""
    _check_pose_array(points, where, frame_ids)
    keypoints = np.array(points[..., :2], dtype=np.float64)
    keypoints[np.isnan(keypoints).any(axis=-1)] = np.nan
    scores = None
    if points.shape[-1] == 3:
        scores = np.minimum(points[..., 2].astype(np.float64), 1.0)  # np.minimum keeps NaN
    return KeypointTrack(track_id=track_id, frame_ids=list(frame_ids), keypoints=keypoints, scores=scores,
                         is_sequence=is_sequence, source=str(path), image_size=image_size)


def _id_value(value: Any, where: str, field: str) -> int | str:
    """A frame / image / track id as found in a file: an int or a str (an integral float becomes an int)."""
    if isinstance(value, str):
        return value
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise InputError(f"{where}, field {field!r}: expected an integer or a string, got {value!r}")


# --- COCO keypoint results (.json) ----------------------------------------------------------------------


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(f"{path}: not UTF-8 text ({error.reason} at byte {error.start})") from None
    except OSError as error:
        raise InputError(f"{path}: cannot read ({error.strerror or error})") from None


def _coco_pose(entry: Mapping[str, Any], where: str, expected_count: int | None) -> np.ndarray:
    """The entry's keypoints as (K, 3) float64 (x, y pixels, score); NaN for NaN / null."""
    keypoints = entry["keypoints"]
    if not isinstance(keypoints, list):
        raise InputError(f"{where}, field 'keypoints': expected a list of numbers [x, y, score] * K, "
                         f"got {type(keypoints).__name__}")
    if expected_count is not None and len(keypoints) != expected_count:
        raise InputError(f"{where}, field 'keypoints': holds {len(keypoints)} numbers; expected "
                         f"{expected_count} (3 x {expected_count // 3} joints, as in entry 0): every entry "
                         f"must have the same joints")
    if not keypoints or len(keypoints) % 3:
        raise InputError(f"{where}, field 'keypoints': holds {len(keypoints)} numbers; expected a positive "
                         f"multiple of 3 ([x, y, score] per joint)")
    for position, value in enumerate(keypoints):
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise InputError(f"{where}, field 'keypoints[{position}]' (joint {position // 3}, "
                             f"{_COLUMN_NAMES[position % 3]}): expected a number, got {value!r}")
    pose = np.array(keypoints, dtype=np.float64).reshape(-1, 3)  # None -> NaN
    infinite = np.flatnonzero(np.isinf(pose))
    if len(infinite):
        position = int(infinite[0])
        raise InputError(f"{where}, field 'keypoints[{position}]' (joint {position // 3}, "
                         f"{_COLUMN_NAMES[position % 3]}): {keypoints[position]} is not finite; write "
                         f"missing values as NaN or null")
    return pose


def _coco_track_id(entry: Mapping[str, Any], where: str) -> int | str | None:
    for field in TRACK_ID_FIELDS:
        value = entry.get(field)
        if value is None or (field == "idx" and isinstance(value, list)):
            continue
        return _id_value(value, where, field)
    return None


def _read_coco_json(path: Path, num_joints: int | None) -> list[KeypointTrack]:
    try:
        data = json.loads(_read_text(path))
    except json.JSONDecodeError as error:
        raise InputError(f"{path}: not valid JSON ({error.msg} at line {error.lineno}, column "
                         f"{error.colno}); expected COCO keypoint results, {_COCO_FORMAT}") from None
    if not isinstance(data, list):
        found = f"an object with keys {', '.join(map(repr, list(data)[:5]))}" if isinstance(data, dict) else \
            f"a {type(data).__name__}"
        raise InputError(f"{path}: the top level is {found}; expected COCO keypoint results, {_COCO_FORMAT} "
                         f"(COCO annotation files with 'annotations' and 'images' are not results files)")
    if not data:
        raise InputError(f"{path}: holds no entries; expected COCO keypoint results, {_COCO_FORMAT}")
    tracked: dict[int | str, list[tuple[int | str, np.ndarray, int]]] = {}
    untracked: list[tuple[int | str, np.ndarray]] = []
    expected_count = None
    for index, entry in enumerate(data):
        where = f"{path}: entry {index}"
        if not isinstance(entry, dict):
            raise InputError(f"{where}: expected an object {{\"image_id\", \"keypoints\", ...}}, "
                             f"got {type(entry).__name__}")
        for field in ("image_id", "keypoints"):
            if field not in entry:
                raise InputError(f"{where}: lacks the field {field!r} (it has {', '.join(map(repr, entry))})")
        image_id = _id_value(entry["image_id"], where, "image_id")
        pose = _coco_pose(entry, where, expected_count)
        if expected_count is None:
            expected_count = 3 * len(pose)
            _check_num_joints(len(pose), num_joints, f"{where}, field 'keypoints'")
        track_id = _coco_track_id(entry, where)
        if track_id is None:
            untracked.append((image_id, pose))
        else:
            tracked.setdefault(track_id, []).append((image_id, pose, index))
        data[index] = None  # the parsed entry is no longer needed: do not hold it and its array at once
    return [*_coco_tracks(tracked, path), *_coco_singles(untracked, path)]


def _coco_tracks(tracked: Mapping[int | str, list[tuple[int | str, np.ndarray, int]]],
                 path: Path) -> list[KeypointTrack]:
    tracks = []
    for track_id in sorted(tracked, key=_natural_key):
        rows = _order_rows(tracked[track_id], f"{path}: entries", f"track {track_id!r} a pose in image_id")
        points = np.stack([row[1] for row in rows])
        tracks.append(_make_track(str(track_id), [row[0] for row in rows], points, True, path,
                                  f"{path}: track {track_id!r}"))
    return tracks


def _coco_singles(untracked: Sequence[tuple[int | str, np.ndarray]], path: Path) -> list[KeypointTrack]:
    by_image: dict[int | str, list[np.ndarray]] = {}
    for image_id, pose in untracked:
        by_image.setdefault(image_id, []).append(pose)
    tracks = []
    for image_id in sorted(by_image, key=_natural_key):
        people = by_image[image_id]
        for person, pose in enumerate(people):
            name = f"image {image_id}" if len(people) == 1 else f"image {image_id} person {person}"
            tracks.append(_make_track(name, [image_id], pose[None], False, path, f"{path}: {name}"))
    return tracks


# --- NumPy arrays (.npy, .npz) ---------------------------------------------------------------------------


def _read_signature(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(len(_NPY_SIGNATURE))
    except OSError as error:
        raise InputError(f"{path}: cannot read ({error.strerror or error})") from None


def _array_track(array: Any, path: Path, where: str, num_joints: int | None) -> KeypointTrack:
    """One track from an array (T, K, 2|3) or (K, 2|3) read from ``path``."""
    if not isinstance(array, np.ndarray) or array.dtype.kind not in "iuf":
        found = f"dtype {array.dtype}" if isinstance(array, np.ndarray) else type(array).__name__
        raise InputError(f"{where}: expected a numeric array {_ARRAY_FORMAT}; got {found}")
    if array.ndim not in (2, 3) or array.shape[-1] not in (2, 3):
        raise InputError(f"{where}: expected shape {_ARRAY_FORMAT}; got shape {array.shape}")
    single = array.ndim == 2
    points = array[None] if single else array
    if points.shape[0] == 0 or points.shape[1] == 0:
        raise InputError(f"{where}: holds no poses (shape {array.shape}); expected {_ARRAY_FORMAT}")
    _check_num_joints(points.shape[1], num_joints, where)
    frame_ids = list(range(points.shape[0]))
    return _make_track("0", frame_ids, points.astype(np.float64), points.shape[0] > 1, path, where)


def _read_npy(path: Path, num_joints: int | None) -> list[KeypointTrack]:
    signature = _read_signature(path)
    if signature.startswith(_ZIP_SIGNATURES[0][:2]):
        raise InputError(f"{path}: is an npz archive (a zip), not a .npy array; rename it to .npz")
    if signature != _NPY_SIGNATURE:
        raise InputError(f"{path}: not a .npy file (no NumPy header); expected an array {_ARRAY_FORMAT}")
    try:
        array = np.load(path, allow_pickle=False)
    except ValueError as error:
        if "pickle" in str(error):
            raise InputError(f"{path}: holds Python objects, which are not read from .npy files "
                             f"(allow_pickle=False); save a numeric array {_ARRAY_FORMAT}") from None
        raise InputError(f"{path}: cannot read as a .npy array ({error})") from None
    except (OSError, EOFError) as error:
        raise InputError(f"{path}: cannot read as a .npy array ({error})") from None
    return [_array_track(array, path, str(path), num_joints)]


def _read_npz(path: Path, num_joints: int | None) -> list[KeypointTrack]:
    signature = _read_signature(path)
    if signature == _NPY_SIGNATURE:
        raise InputError(f"{path}: is a .npy array, not an npz archive; rename it to .npy")
    # Checked before np.load, which would otherwise try to read whatever the file holds as a pickle.
    if signature[:4] not in _ZIP_SIGNATURES:
        raise InputError(f"{path}: not an npz archive (a zip of NumPy arrays)")
    key = keys = None
    try:
        with np.load(path, allow_pickle=False) as archive:
            keys = list(archive.files)
            if "positions_2d" in keys:
                array = None
            else:
                key = _plain_npz_key(keys, path)
                array = archive[key]
    except InputError:
        raise
    except ValueError as error:
        if "pickle" in str(error) and key is not None:
            raise InputError(f"{path}: array {key!r} holds Python objects, which are only read from "
                             f"VideoPose3D files (key 'positions_2d'); save a numeric array "
                             f"{_ARRAY_FORMAT}") from None
        raise InputError(f"{path}: cannot read as an npz archive ({error})") from None
    except Exception as error:  # a damaged archive fails in zipfile or numpy, each its own way
        raise InputError(f"{path}: cannot read as an npz archive ({type(error).__name__}: {error})") from None
    if array is None:
        return _read_videopose3d(path, keys, num_joints)
    return [_array_track(array, path, f"{path}: array {key!r}", num_joints)]


def _plain_npz_key(keys: Sequence[str], path: Path) -> str:
    if "keypoints" in keys:
        return "keypoints"
    if len(keys) == 1:
        return keys[0]
    held = ", ".join(map(repr, keys)) or "nothing"
    raise InputError(f"{path}: holds {held}; expected a single array, or one named 'keypoints', "
                     f"{_ARRAY_FORMAT} (or a VideoPose3D file with 'positions_2d')")


def _read_videopose3d(path: Path, keys: Sequence[str], num_joints: int | None) -> list[KeypointTrack]:
    """Tracks from VideoPose3D's custom 2D file: one per video, with its image size from the metadata."""
    values = {}
    try:
        with np.load(path, allow_pickle=True) as archive:
            for key in ("positions_2d", "metadata"):
                if key in keys:
                    value = archive[key]
                    values[key] = value.item() if value.dtype == object and value.shape == () else value
    except Exception as error:  # zipfile, numpy or pickle, each its own way
        raise InputError(f"{path}: cannot read the VideoPose3D archive ({type(error).__name__}: "
                         f"{error})") from None
    positions = values["positions_2d"]
    if not isinstance(positions, Mapping) or not positions:
        raise InputError(f"{path}: 'positions_2d' holds {type(positions).__name__}; expected a non-empty "
                         f"pickled dict video name -> {{'custom': [array (T, K, 2)]}}")
    metadata = values.get("metadata", {})
    if not isinstance(metadata, Mapping):
        raise InputError(f"{path}: 'metadata' holds {type(metadata).__name__}; expected a pickled dict")
    video_metadata = metadata.get("video_metadata", {})
    if not isinstance(video_metadata, Mapping):
        raise InputError(f"{path}: metadata 'video_metadata' holds {type(video_metadata).__name__}; "
                         f"expected a dict video name -> {{'w', 'h'}}")
    tracks = []
    for name, video in positions.items():
        where = f"{path}: video {name!r}"
        if not isinstance(video, Mapping) or "custom" not in video:
            found = f"keys {', '.join(map(repr, video))}" if isinstance(video, Mapping) else \
                type(video).__name__
            raise InputError(f"{where}: holds {found}; expected {{'custom': [array (T, K, 2)]}} (the layout "
                             f"prepare_data_2d_custom.py writes)")
        arrays = video["custom"]
        if not isinstance(arrays, (list, tuple)) or len(arrays) != 1:
            found = f"a list of {len(arrays)}" if isinstance(arrays, (list, tuple)) else type(arrays).__name__
            raise InputError(f"{where}, field 'custom': expected a list of one array (T, K, 2), got {found}")
        array = arrays[0]
        if not isinstance(array, np.ndarray) or array.ndim != 3:
            raise InputError(f"{where}, field 'custom': expected an array (T, K, 2) frames x joints x "
                             f"(x, y), got {getattr(array, 'shape', type(array).__name__)}")
        track = _array_track(array, path, f"{where}, field 'custom'", num_joints)
        track.track_id, track.is_sequence = str(name), True
        track.image_size = _video_size(video_metadata.get(name), f"{path}: metadata video_metadata[{name!r}]")
        tracks.append(track)
    _check_metadata_joints(metadata, tracks, path)
    return tracks


def _video_size(entry: Any, where: str) -> tuple[int, int] | None:
    if entry is None:
        return None
    if not isinstance(entry, Mapping) or "w" not in entry or "h" not in entry:
        raise InputError(f"{where}: expected {{'w': width, 'h': height}} in pixels, got {entry!r}")
    size = []
    for field in ("w", "h"):
        value = entry[field]
        if (isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value)
                or value != int(value) or value < 1):
            raise InputError(f"{where}, field {field!r}: expected a positive whole number of pixels, "
                             f"got {value!r}")
        size.append(int(value))
    return size[0], size[1]


def _check_metadata_joints(metadata: Mapping[str, Any], tracks: Sequence[KeypointTrack], path: Path) -> None:
    counts = {track.num_joints for track in tracks}
    if len(counts) > 1:
        raise InputError(f"{path}: videos have different joint counts {sorted(counts)}; one file holds one "
                         f"layout")
    stated = metadata.get("num_joints")
    if stated is not None and stated not in counts:
        raise InputError(f"{path}: metadata 'num_joints' is {stated!r} but the arrays hold "
                         f"{counts.pop()} joints")


# --- CSV -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _CsvColumns:
    """Where each field of a CSV row is: column indices into the row."""

    frame: int
    track: int | None
    joints: tuple[tuple[int, int, int | None], ...]  # per joint: (x, y, score or None)
    names: tuple[str, ...]  # the header, stripped


_NUMBERED = re.compile(r"^([xys])(\d+)$", re.IGNORECASE)
_NAMED = re.compile(r"^(.+)_(x|y|score)$", re.IGNORECASE)


def _csv_columns(header: Sequence[str], path: Path) -> _CsvColumns:
    names = tuple(name.strip() for name in header)
    where = f"{path}: header (line 1)"
    lowered = [name.lower() for name in names]
    duplicates = sorted({name for name in lowered if lowered.count(name) > 1})
    if duplicates:
        raise InputError(f"{where}: column(s) {', '.join(map(repr, duplicates))} appear more than once")
    if "frame" not in lowered:
        raise InputError(f"{where}: no 'frame' column; expected {_CSV_FORMAT}")
    track_columns = [index for index, name in enumerate(lowered) if name in ("track", "track_id")]
    if len(track_columns) > 1:
        raise InputError(f"{where}: both 'track' and 'track_id' columns; give one")
    fixed = {lowered.index("frame"), *track_columns}
    numbered: dict[int, dict[str, int]] = {}
    named: dict[str, dict[str, int]] = {}
    for index, name in enumerate(names):
        if index in fixed:
            continue
        if match := _NUMBERED.match(name):
            numbered.setdefault(int(match[2]), {})[match[1].lower()] = index
        elif match := _NAMED.match(name):
            part = match[2].lower()
            named.setdefault(match[1], {})["s" if part == "score" else part] = index
        else:
            raise InputError(f"{where}: column {name!r} is not a joint column; expected {_CSV_FORMAT}")
    if numbered and named:
        raise InputError(f"{where}: mixes numbered columns (x0, y0, ...) with named ones (<joint>_x, ...); "
                         f"use one scheme")
    if not numbered and not named:
        raise InputError(f"{where}: no joint columns; expected {_CSV_FORMAT}")
    if numbered:
        if sorted(numbered) != list(range(len(numbered))):
            raise InputError(f"{where}: numbered joints {sorted(numbered)} are not 0 .. K-1 without gaps")
        parts = [(str(index), numbered[index]) for index in range(len(numbered))]
        label = "{part}{joint}"
    else:
        parts = list(named.items())
        label = "{joint}_{part}"
    return _CsvColumns(frame=lowered.index("frame"), track=track_columns[0] if track_columns else None,
                       joints=_joint_columns(parts, label, where), names=names)


def _joint_columns(parts: Sequence[tuple[str, dict[str, int]]], label: str,
                   where: str) -> tuple[tuple[int, int, int | None], ...]:
    for joint, columns in parts:
        for part in ("x", "y"):
            if part not in columns:
                missing = label.format(joint=joint, part=part)
                raise InputError(f"{where}: joint {joint!r} lacks its column {missing!r}")
    with_score = [joint for joint, columns in parts if "s" in columns]
    if with_score and len(with_score) != len(parts):
        without = [joint for joint, columns in parts if "s" not in columns]
        raise InputError(f"{where}: joints {', '.join(map(repr, with_score))} have a score column but "
                         f"{', '.join(map(repr, without))} do not; give every joint a score or none")
    return tuple((columns["x"], columns["y"], columns.get("s")) for _, columns in parts)


def _csv_number(cell: str, where: str) -> float:
    text = cell.strip()
    if not text:
        return math.nan
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"{where}: {cell!r} is not a number (leave the cell empty for a missing "
                         f"value)") from None
    if math.isinf(value):
        raise InputError(f"{where}: {cell!r} is not finite (leave the cell empty for a missing value)")
    return value


def _csv_frame_id(cell: str, where: str) -> int | str:
    text = cell.strip()
    if not text:
        raise InputError(f"{where}: the frame id is empty")
    try:
        return int(text)
    except ValueError:
        return text


def _read_csv(path: Path, num_joints: int | None) -> list[KeypointTrack]:
    text = _read_text(path)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None or not any(cell.strip() for cell in header):
            raise InputError(f"{path}: empty; expected a header row with {_CSV_FORMAT}")
        columns = _csv_columns(header, path)
        _check_num_joints(len(columns.joints), num_joints, f"{path}: header (line 1)")
        rows: dict[str, list[tuple[int | str, np.ndarray, int]]] = {}
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            line = reader.line_num
            if len(cells) != len(columns.names):
                raise InputError(f"{path}: line {line}: {len(cells)} cells; the header has "
                                 f"{len(columns.names)} columns")
            rows_of_track = rows.setdefault(_csv_track(cells, columns, path, line), [])
            rows_of_track.append((_csv_frame_id(cells[columns.frame], f"{path}: line {line}, column 'frame'"),
                                  _csv_pose(cells, columns, path, line), line))
    except csv.Error as error:
        raise InputError(f"{path}: line {reader.line_num}: malformed CSV ({error})") from None
    if not rows:
        raise InputError(f"{path}: holds a header but no data rows")
    tracks = []
    for track_id in sorted(rows, key=_natural_key):
        of_track = f" of track {track_id!r}" if columns.track is not None else ""
        ordered = _order_rows(rows[track_id], f"{path}: lines", "frame", of_track)
        points = np.stack([row[1] for row in ordered])
        tracks.append(_make_track(track_id, [row[0] for row in ordered], points, True, path,
                                  f"{path}: track {track_id!r}"))
    return tracks


def _csv_track(cells: Sequence[str], columns: _CsvColumns, path: Path, line: int) -> str:
    if columns.track is None:
        return "0"
    track_id = cells[columns.track].strip()
    if not track_id:
        raise InputError(f"{path}: line {line}, column {columns.names[columns.track]!r}: the track id is "
                         f"empty")
    return track_id


def _csv_pose(cells: Sequence[str], columns: _CsvColumns, path: Path, line: int) -> np.ndarray:
    """One row's joints as (K, 2|3) float64: x, y pixels [, score]."""
    def number(index: int) -> float:
        return _csv_number(cells[index], f"{path}: line {line}, column {columns.names[index]!r}")

    return np.array([[number(index) for index in joint if index is not None] for joint in columns.joints],
                    dtype=np.float64)


_READERS: dict[str, tuple[Callable[[Path, int | None], list[KeypointTrack]], str]] = {
    ".json": (_read_coco_json, "COCO keypoint results"),
    ".npy": (_read_npy, "NumPy array (T, K, 2|3)"),
    ".npz": (_read_npz, "NumPy archive, or VideoPose3D custom 2D"),
    ".csv": (_read_csv, "one row per frame"),
}
