"""Keypoint layouts: converting a 2D detector's keypoints into the Human3.6M 17-joint order.

The lifter reads 2D poses in the joint order of ``SKELETON17.names`` (Hip, RHip, RKnee, RFoot, LHip, LKnee,
LFoot, Spine, Thorax, Neck/Nose, Head, LShoulder, LElbow, LWrist, RShoulder, RElbow, RWrist). Detectors
emit other layouts; each :class:`KeypointLayout` below says, for every H36M joint, which of the layout's
own joints it is taken from: one joint (copied as is) or several (their mean, "synthesised").

Shapes and units: ``K`` is the layout's joint count; keypoints are (..., K, 2) pixels (x right, y down,
any origin) with any number of leading dimensions, which every function broadcasts over. Left and right
are the subject's own. Layout names resolve case-insensitively (``"COCO"`` is ``"coco"``); the
registry's keys are lower case.

Conventions shared by the tables (what Human3.6M's joints are, and what stands in for them):

- ``Hip`` is the pelvis centre: the layout's own pelvis joint where it has one (Halpe ``hip``, OpenPose
  ``MidHip``, MPII ``pelvis``), else the mid-point of the two hips.
- ``Thorax`` is the base of the neck, between the shoulders: the layout's own neck-base joint where it
  has one (Halpe ``neck``, OpenPose ``Neck`` -- trained on COCO as the shoulders' mid-point --, MPII
  ``thorax``), else the mid-point of the two shoulders.
- ``Spine`` is the mid-point of the pelvis and the thorax as defined above (no layout has it).
- ``Neck/Nose`` is the nose where the layout has one, else MPII's ``upper_neck``.
- ``Head`` is the top of the head where the layout has it (Halpe ``head``, MPII ``head_top``), else the
  mean of both eyes and both ears. That point sits at eye level, a few centimetres below the crown that
  Human3.6M calls ``Head``, and it stays near the head's centre in profile views, where the mid-eyes point
  used by some converters drifts to the face. It is built from whichever eyes and ears are present (see
  "Synthesised joints from the sides that are seen" below).
- ``RFoot``/``LFoot`` are Human3.6M's ankles: they copy the layout's ankle, never a heel or toe.

Per layout (copied joints not listed are the same-named limb joint; "stand-in" marks a copy whose point is
defined differently from Human3.6M's):

============  =======================================  =============================================
layout        synthesised (mean of several joints)     copied stand-ins
============  =======================================  =============================================
h36m          none                                     none
coco          Hip, Spine, Thorax, Head                 Neck/Nose <- nose
halpe26       Spine                                    Thorax <- neck, Neck/Nose <- nose, Head <- head
openpose25    Spine, Head                              Thorax <- Neck, Neck/Nose <- Nose
mediapipe33   Hip, Spine, Thorax, Head                 Neck/Nose <- nose
mpii16        Spine                                    Neck/Nose <- upper_neck, Head <- head_top
============  =======================================  =============================================

Accuracy warning: the model was trained on Human3.6M's own joint definitions (motion-capture joint
centres). Every synthesised or stand-in joint, and every detector's hips (COCO-style hips are marked
higher and wider than Human3.6M's hip joint centres), shifts the input away from that training
distribution, and 3D accuracy drops accordingly; expect the largest errors on the head and the pelvis.

A source joint is missing when its score is below ``min_score`` or a coordinate is not finite; an H36M
joint is missing when any of its sources is, except for the joints listed in a layout's ``any_side``.
Detectors that write undetected joints as ``(0, 0)`` with score 0 (OpenPose) need ``min_score > 0`` for
those to count as missing.

Synthesised joints from the sides that are seen (``any_side``: ``Head`` of coco, openpose25 and
mediapipe33). Seen from the side, one ear (or eye) is hidden behind the head in every frame. In such a view
a hidden left/right partner projects close to the visible one (the two lie along the viewing direction), so
a missing source is replaced by its present mirror partner: with one ear missing, Head is the mean of both
eyes, the visible ear and the visible ear again -- the complete recipe's weights, with the hidden side's
weight moved to its partner. When both of a pair are missing (both ears, say), Head is the mean of the
other pair (the eyes' mid-point, biased towards the face); only with no eye and no ear is Head missing.
Joints whose geometry needs both sides keep needing them: ``Hip`` (mid-hips), ``Thorax`` (mid-shoulders) and
``Spine`` (from the hips and the thorax) are missing when any of their sources is.

Per layout and synthesised joint, what it needs (every other joint is a copy and needs its one source):

============  ==========  ====================================================
layout        joint       needs
============  ==========  ====================================================
coco          Hip         both hips
coco          Thorax      both shoulders
coco          Spine       both hips and both shoulders
coco          Head        any eye or ear (missing ones replaced by the partner)
halpe26       Spine       hip and neck
openpose25    Spine       MidHip and Neck
openpose25    Head        any eye or ear (missing ones replaced by the partner)
mediapipe33   Hip         both hips
mediapipe33   Thorax      both shoulders
mediapipe33   Spine       both hips and both shoulders
mediapipe33   Head        any eye or ear (missing ones replaced by the partner)
mpii16        Spine       pelvis and thorax
============  ==========  ====================================================
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from jointformer.data.skeleton import SKELETON17
from jointformer.errors import InputError

H36M_NAMES: tuple[str, ...] = SKELETON17.names


@dataclass(frozen=True)
class KeypointLayout:
    """One detector's keypoint layout and how the 17 H36M joints are made from it.

    ``sources[j]`` lists the layout's joint indices whose mean gives H36M joint ``j`` (H36M order); one
    index means a plain copy. ``joints_left[i]`` and ``joints_right[i]`` are mirror partners in the
    layout's own indexing. ``any_side`` lists the H36M indices of synthesised joints made from whichever
    sources are present, a missing source replaced by its present mirror partner (see the module
    docstring). The table is checked on construction (ValueError naming the fault).
    """

    name: str
    joint_names: tuple[str, ...]
    joints_left: tuple[int, ...]
    joints_right: tuple[int, ...]
    sources: tuple[tuple[int, ...], ...]
    any_side: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        _check_table(self)

    @property
    def num_joints(self) -> int:
        """K, the number of keypoints the detector emits."""
        return len(self.joint_names)

    @property
    def synthesized(self) -> tuple[str, ...]:
        """H36M joint names made as the mean of several source joints, in H36M order."""
        return tuple(name for name, source in zip(H36M_NAMES, self.sources, strict=True) if len(source) > 1)


def _check_table(layout: KeypointLayout) -> None:
    where = f"keypoint layout {layout.name!r}"
    if not layout.name or layout.name != layout.name.lower():
        raise ValueError(f"{where}: the name must be non-empty and lower case (lookups are case-insensitive)")
    num_joints = len(layout.joint_names)
    if len(set(layout.joint_names)) != num_joints:
        raise ValueError(f"{where}: joint names are not unique: {layout.joint_names}")
    if len(layout.joints_left) != len(layout.joints_right):
        raise ValueError(
            f"{where}: {len(layout.joints_left)} left joints but {len(layout.joints_right)} right joints")
    sided = layout.joints_left + layout.joints_right
    if len(set(sided)) != len(sided):
        raise ValueError(f"{where}: a joint appears twice in the left/right lists "
                         f"(left {layout.joints_left}, right {layout.joints_right})")
    if len(layout.sources) != len(H36M_NAMES):
        raise ValueError(f"{where}: sources has {len(layout.sources)} entries, expected one per H36M joint "
                         f"({len(H36M_NAMES)})")
    for h36m_name, source in zip(H36M_NAMES, layout.sources, strict=True):
        if not source:
            raise ValueError(f"{where}: H36M joint {h36m_name!r} has no source joints")
    indices = sided + tuple(index for source in layout.sources for index in source)
    bad = [index for index in indices if not 0 <= index < num_joints]
    if bad:
        raise ValueError(f"{where}: joint indices {bad} out of range for {num_joints} joints")
    for joint in layout.any_side:
        if not 0 <= joint < len(H36M_NAMES) or len(layout.sources[joint]) < 2:
            raise ValueError(f"{where}: any_side lists H36M joint {joint}, which is not synthesised from "
                             f"several sources")
    copied = [source[0] for source in layout.sources if len(source) == 1]
    if len(set(copied)) != len(copied):
        # from_h36m would not know which H36M joint to put there
        raise ValueError(f"{where}: one source joint is copied into two H36M joints: {layout.sources}")


def _layout(name: str, joint_names: tuple[str, ...], pairs: tuple[tuple[str, str], ...],
            recipe: dict[str, tuple[str, ...]], any_side: tuple[str, ...] = ()) -> KeypointLayout:
    """Build a layout from names: ``pairs`` are (left, right) names, ``recipe`` maps H36M names to sources,
    ``any_side`` names the H36M joints made from whichever of their sources are present."""
    if set(recipe) != set(H36M_NAMES):
        raise ValueError(f"keypoint layout {name!r}: recipe must name every H36M joint exactly once; "
                         f"missing {sorted(set(H36M_NAMES) - set(recipe))}, "
                         f"unknown {sorted(set(recipe) - set(H36M_NAMES))}")
    index = {joint: position for position, joint in enumerate(joint_names)}
    named = {joint for pair in pairs for joint in pair} | {joint for src in recipe.values() for joint in src}
    unknown = sorted(named - set(index))
    if unknown:
        raise ValueError(f"keypoint layout {name!r}: unknown joint names {unknown}")
    return KeypointLayout(
        name=name,
        joint_names=joint_names,
        joints_left=tuple(index[left] for left, _ in pairs),
        joints_right=tuple(index[right] for _, right in pairs),
        sources=tuple(tuple(index[joint] for joint in recipe[h36m_name]) for h36m_name in H36M_NAMES),
        any_side=tuple(H36M_NAMES.index(h36m_name) for h36m_name in any_side),
    )


_LIMB_PARTS = {"Hip": "hip", "Knee": "knee", "Foot": "ankle", "Shoulder": "shoulder", "Elbow": "elbow",
               "Wrist": "wrist"}
"""H36M limb part -> the detector's part; H36M's "Foot" joint is the ankle."""


def _limbs(left: str, right: str, capitalised: bool = False) -> dict[str, tuple[str, ...]]:
    """The 12 H36M limb joints, copied from the layout's ``{left}{part}`` / ``{right}{part}`` joints."""
    recipe = {}
    for h36m_part, part in _LIMB_PARTS.items():
        spelled = part.capitalize() if capitalised else part
        recipe["L" + h36m_part] = (left + spelled,)
        recipe["R" + h36m_part] = (right + spelled,)
    return recipe


_SNAKE_LIMBS = _limbs("left_", "right_")

# Official orders: COCO keypoints (person category), AlphaPose's Halpe-FullBody 26 body keypoints,
# OpenPose's BODY_25 (poseBodyPartMapping, background channel excluded), MediaPipe BlazePose's 33 pose
# landmarks, and the MPII Human Pose joint ids.
_COCO_NAMES = (
    "nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder",
    "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip", "left_knee",
    "right_knee", "left_ankle", "right_ankle",
)
_COCO_PAIRS = tuple((f"left_{part}", f"right_{part}")
                    for part in ("eye", "ear", "shoulder", "elbow", "wrist", "hip", "knee", "ankle"))
_HALPE_NAMES = (
    *_COCO_NAMES, "head", "neck", "hip", "left_big_toe", "right_big_toe", "left_small_toe", "right_small_toe",
    "left_heel", "right_heel",
)
_OPENPOSE_NAMES = (
    "Nose", "Neck", "RShoulder", "RElbow", "RWrist", "LShoulder", "LElbow", "LWrist", "MidHip", "RHip",
    "RKnee", "RAnkle", "LHip", "LKnee", "LAnkle", "REye", "LEye", "REar", "LEar", "LBigToe", "LSmallToe",
    "LHeel", "RBigToe", "RSmallToe", "RHeel",
)
_MEDIAPIPE_NAMES = (
    "nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner", "right_eye",
    "right_eye_outer", "left_ear", "right_ear", "mouth_left", "mouth_right", "left_shoulder",
    "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_pinky", "right_pinky",
    "left_index", "right_index", "left_thumb", "right_thumb", "left_hip", "right_hip", "left_knee",
    "right_knee", "left_ankle", "right_ankle", "left_heel", "right_heel", "left_foot_index",
    "right_foot_index",
)
_MPII_NAMES = (
    "r_ankle", "r_knee", "r_hip", "l_hip", "l_knee", "l_ankle", "pelvis", "thorax", "upper_neck",
    "head_top", "r_wrist", "r_elbow", "r_shoulder", "l_shoulder", "l_elbow", "l_wrist",
)

_H36M = KeypointLayout(
    name="h36m",
    joint_names=H36M_NAMES,
    joints_left=SKELETON17.joints_left,
    joints_right=SKELETON17.joints_right,
    sources=tuple((index,) for index in range(len(H36M_NAMES))),
)

# COCO and MediaPipe name the hips, shoulders, nose, eyes and ears alike: one recipe for both.
_SNAKE_TORSO_AND_HEAD = {
    "Hip": ("left_hip", "right_hip"),
    "Spine": ("left_hip", "right_hip", "left_shoulder", "right_shoulder"),
    "Thorax": ("left_shoulder", "right_shoulder"),
    "Neck/Nose": ("nose",),
    "Head": ("left_eye", "right_eye", "left_ear", "right_ear"),
}

_COCO = _layout("coco", _COCO_NAMES, _COCO_PAIRS, {
    **_SNAKE_LIMBS, **_SNAKE_TORSO_AND_HEAD,
}, any_side=("Head",))

_HALPE26 = _layout("halpe26", _HALPE_NAMES, (
    *_COCO_PAIRS,
    ("left_big_toe", "right_big_toe"), ("left_small_toe", "right_small_toe"), ("left_heel", "right_heel"),
), {
    **_SNAKE_LIMBS,
    "Hip": ("hip",),
    "Spine": ("hip", "neck"),
    "Thorax": ("neck",),
    "Neck/Nose": ("nose",),
    "Head": ("head",),
})

_OPENPOSE25 = _layout("openpose25", _OPENPOSE_NAMES, tuple(
    (f"L{part}", f"R{part}")
    for part in ("Shoulder", "Elbow", "Wrist", "Hip", "Knee", "Ankle", "Eye", "Ear", "BigToe", "SmallToe",
                 "Heel")
), {
    **_limbs("L", "R", capitalised=True),
    "Hip": ("MidHip",),
    "Spine": ("MidHip", "Neck"),
    "Thorax": ("Neck",),
    "Neck/Nose": ("Nose",),
    "Head": ("LEye", "REye", "LEar", "REar"),
}, any_side=("Head",))

_MEDIAPIPE33 = _layout("mediapipe33", _MEDIAPIPE_NAMES, (
    ("left_eye_inner", "right_eye_inner"), ("left_eye", "right_eye"), ("left_eye_outer", "right_eye_outer"),
    ("left_ear", "right_ear"), ("mouth_left", "mouth_right"),
    *((f"left_{part}", f"right_{part}")
      for part in ("shoulder", "elbow", "wrist", "pinky", "index", "thumb", "hip", "knee", "ankle", "heel",
                   "foot_index")),
), {
    **_SNAKE_LIMBS, **_SNAKE_TORSO_AND_HEAD,
}, any_side=("Head",))

_MPII16 = _layout("mpii16", _MPII_NAMES, tuple(
    (f"l_{part}", f"r_{part}") for part in ("ankle", "knee", "hip", "shoulder", "elbow", "wrist")
), {
    **_limbs("l_", "r_"),
    "Hip": ("pelvis",),
    "Spine": ("pelvis", "thorax"),
    "Thorax": ("thorax",),
    "Neck/Nose": ("upper_neck",),
    "Head": ("head_top",),
})

LAYOUTS: dict[str, KeypointLayout] = {
    layout.name: layout for layout in (_H36M, _COCO, _HALPE26, _OPENPOSE25, _MEDIAPIPE33, _MPII16)
}
"""Every known layout, keyed by its lower-case name."""


def get_layout(name: str) -> KeypointLayout:
    """The layout called ``name`` (case-insensitive). ValueError listing the known names otherwise."""
    if isinstance(name, str) and name.lower() in LAYOUTS:
        return LAYOUTS[name.lower()]
    raise InputError(f"unknown keypoint layout {name!r}; known layouts: {', '.join(LAYOUTS)}")


def _resolve(layout: str | KeypointLayout) -> KeypointLayout:
    return layout if isinstance(layout, KeypointLayout) else get_layout(layout)


def _as_float_array(values: object, what: str) -> np.ndarray:
    """``values`` as a real floating numpy array (integers become float64)."""
    try:
        array = np.asarray(values)
    except (TypeError, ValueError, RuntimeError) as error:
        raise InputError(f"{what}: cannot be read as a numeric array ({error})") from None
    if array.dtype.kind in "biu":
        return array.astype(np.float64)
    if array.dtype.kind != "f":
        raise InputError(f"{what}: expected real numbers, got dtype {array.dtype}")
    return array


def _split_keypoints(keypoints: object, scores: object, layout: KeypointLayout,
                     min_score: float) -> tuple[np.ndarray, np.ndarray]:
    """Check the input; return coordinates (..., K, 2) pixels and presence (..., K) bool."""
    array = _as_float_array(keypoints, "keypoints")
    if array.ndim < 2 or array.shape[-1] not in (2, 3):
        raise InputError(f"keypoints: expected shape (..., K, 2) or (..., K, 3) with the score last, "
                         f"got {array.shape}")
    if array.shape[-2] != layout.num_joints:
        raise InputError(f"keypoints: layout {layout.name!r} has K = {layout.num_joints} joints, "
                         f"got {array.shape[-2]} (keypoints shape {array.shape})")
    coordinates = array[..., :2]
    if array.shape[-1] == 3:
        if scores is not None:
            raise InputError("keypoints carry scores in their last column (shape (..., K, 3)); "
                             "pass scores=None or (..., K, 2) keypoints")
        scores = array[..., 2]
    present = np.isfinite(coordinates).all(axis=-1)
    if scores is not None:
        score_array = _as_float_array(scores, "scores")
        if score_array.shape != coordinates.shape[:-1]:
            raise InputError(f"scores: expected shape {coordinates.shape[:-1]} to match keypoints "
                             f"{array.shape}, got {score_array.shape}")
        present &= score_array >= min_score  # a NaN score compares False: missing
    return coordinates, present


def to_h36m(keypoints: object, layout: str | KeypointLayout, scores: object = None,
            min_score: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Convert a layout's keypoints into the H36M 17-joint order.

    keypoints: (..., K, 2) pixels, or (..., K, 3) with the detector's score in the last column; numpy or
        anything ``np.asarray`` reads. scores: (..., K) or None (only with 2-column keypoints).
    A source joint is missing when its score is below ``min_score`` or a coordinate is not finite.
    Returns ``(points, valid)``: points (..., 17, 2) pixels in ``SKELETON17.names`` order, each the mean
    of its sources (a copy for single-source joints, bit for bit); valid (..., 17) bool, False (and the
    point NaN) where any source is missing -- except for the layout's ``any_side`` joints, made from the
    sources that are present (module docstring). Raises InputError (a ValueError) for a wrong shape,
    naming the layout, the expected K and the shape that arrived.
    """
    layout = _resolve(layout)
    if not np.isfinite(min_score):
        raise InputError(f"min_score: expected a finite number, got {min_score!r}")
    coordinates, present = _split_keypoints(keypoints, scores, layout, min_score)
    copied, copied_from, means = _conversion_plan(layout)
    points = np.empty((*coordinates.shape[:-2], len(H36M_NAMES), 2), dtype=coordinates.dtype)
    valid = np.empty((*coordinates.shape[:-2], len(H36M_NAMES)), dtype=bool)
    points[..., copied, :] = coordinates[..., copied_from, :]
    valid[..., copied] = present[..., copied_from]
    for joint, source in means:
        points[..., joint, :] = coordinates[..., source, :].mean(axis=-2)
        valid[..., joint] = present[..., source].all(axis=-1)
    for joint in layout.any_side:
        if valid[..., joint].all():
            continue
        partial, seen = _from_present_sides(coordinates, present, layout, layout.sources[joint])
        rescued = ~valid[..., joint] & seen  # where every source is present the plain mean stands
        points[rescued, joint] = partial[rescued]
        valid[..., joint] |= seen
    points[~valid] = np.nan
    return points, valid


_Plan = tuple[np.ndarray, np.ndarray, tuple[tuple[int, list[int]], ...]]


@functools.cache
def _conversion_plan(layout: KeypointLayout) -> _Plan:
    """How ``to_h36m`` builds the 17 joints, worked out once per layout: the copied H36M joints and their
    source indices (one gather), and (joint, sources) of the synthesised ones."""
    copied = [joint for joint, source in enumerate(layout.sources) if len(source) == 1]
    return (np.array(copied), np.array([layout.sources[joint][0] for joint in copied]),
            tuple((joint, list(source)) for joint, source in enumerate(layout.sources) if len(source) > 1))


def _from_present_sides(coordinates: np.ndarray, present: np.ndarray, layout: KeypointLayout,
                        source: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """The mean of ``source`` with each missing joint replaced by its present mirror partner.

    coordinates (..., K, 2) pixels, present (..., K) bool. Sources are grouped into mirror pairs (a source
    without its partner in ``source`` is a group of one); a group counts with its full weight (its size)
    at the mean of its present members, and a group with none present drops out. Returns (..., 2) pixels
    (NaN where no group is present) and (...) bool, whether any source is present.
    """
    partner = {**dict(zip(layout.joints_left, layout.joints_right, strict=True)),
               **dict(zip(layout.joints_right, layout.joints_left, strict=True))}
    groups: list[tuple[int, ...]] = []
    for joint in source:
        if not any(joint in group for group in groups):
            groups.append((joint, partner[joint]) if partner.get(joint) in source else (joint,))
    total = np.zeros((*coordinates.shape[:-2], 2))
    weight = np.zeros(coordinates.shape[:-2])
    for group in groups:
        seen = present[..., list(group)]  # (..., n)
        count = seen.sum(axis=-1)
        summed = np.where(seen[..., None], coordinates[..., list(group), :], 0.0).sum(axis=-2)  # (..., 2)
        group_mean = summed / np.maximum(count, 1)[..., None]
        total += np.where((count > 0)[..., None], group_mean * len(group), 0.0)
        weight += np.where(count > 0, len(group), 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return total / weight[..., None], weight > 0


def from_h36m(points_17: object, layout: str | KeypointLayout) -> np.ndarray:
    """Place H36M joints into a layout: the inverse of ``to_h36m`` for copied joints.

    points_17: (..., 17, C) in H36M order, any units and frame. Returns (..., K, C) in the same units:
    each layout joint that some H36M joint copies gets that joint; the others (eyes, ears, toes, the
    sources of synthesised joints that H36M has no copy of) are NaN.
    """
    layout = _resolve(layout)
    array = _as_float_array(points_17, "points_17")
    if array.ndim < 2 or array.shape[-2] != len(H36M_NAMES) or array.shape[-1] < 1:
        raise InputError(f"points_17: expected shape (..., {len(H36M_NAMES)}, C), got {array.shape}")
    out = np.full((*array.shape[:-2], layout.num_joints, array.shape[-1]), np.nan, dtype=array.dtype)
    for h36m_index, source in enumerate(layout.sources):
        if len(source) == 1:
            out[..., source[0], :] = array[..., h36m_index, :]
    return out
