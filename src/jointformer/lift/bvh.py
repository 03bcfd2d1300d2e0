"""BVH (Biovision hierarchy) export of lifted poses, for animation tools (Blender, Unity, MotionBuilder).

A lifted track (T frames of the 17 Human3.6M joints) becomes a standard BVH file: a ``HIERARCHY`` of the
17 joints rooted at the pelvis (``Hip``), with an end site at each leaf (feet, wrists, head), and a
``MOTION`` block of T frames.

Conventions (stated once, used throughout this module):
- BVH frame: y up, x to the right of the image, z towards the camera, metres. It is the camera frame of
  :mod:`jointformer.lift.lifter` (x right, y down, z forward) turned 180 degrees about x: ``(x, -y, -z)``
  (:func:`camera_to_bvh`). A person facing the camera faces +z.
- Rest pose (all channels zero): a T-pose, y up, facing +z, the subject's left along +x: legs straight
  down, spine and neck straight up, arms straight out sideways; the pelvis and the shoulder girdle keep the
  track's own average shape (hip and shoulder joints are not exactly on the x axis). This is what Blender's
  BVH importer expects (its defaults: y up).
- Bone lengths are constant: each bone's median length over the track. The joints' offsets are those
  lengths along the rest directions.
- Channels: the root has ``Xposition Yposition Zposition Zrotation Xrotation Yrotation``, every other joint
  ``Zrotation Xrotation Yrotation``, in degrees. As in every BVH reader, a joint's local rotation matrix is
  ``Rz(z) @ Rx(x) @ Ry(y)`` (the order of the channels), acting on column vectors, and a child sits at
  ``p[child] = p[joint] + R_world[joint] @ offset[child]`` with ``R_world[joint] = R_world[parent] @
  R_local[joint]``: the rotation *at* a joint orients the bones that hang from it.
- Rotations are solved from positions. A joint with one child (knee, elbow, ...) gets the smallest rotation
  that turns its rest bone onto the lifted bone, relative to its parent: no twist about the bone is ever
  added, so the twist follows the parent smoothly and the angles are continuous wherever the positions are.
  The two joints with several children (the pelvis: both hips and the spine; the thorax: neck and both
  shoulders) get the rotation that best fits all their children at once (least squares, Kabsch). Leaves
  (feet, wrists, head) have no child to orient and keep a zero local rotation. Euler angles are unwrapped
  over time, so a channel never jumps by 360 degrees.

What is reproduced: every bone with a single-child parent points exactly along the lifted bone, with the
median length; at the pelvis and thorax, the children sit where the rigid average pelvis / shoulder girdle
best fits them (a body part that the 17 joints describe with one rotation cannot also change shape).
:func:`normalised_positions` returns these positions; the BVH file reproduces them to float precision.

Shapes: ``T`` frames, ``J = 17`` joints in ``SKELETON17`` order; rotation matrices (T, J, 3, 3).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from jointformer.atomic_files import atomic_output
from jointformer.data.skeleton import SKELETON17
from jointformer.errors import InputError

NAMES: tuple[str, ...] = SKELETON17.names
PARENTS: tuple[int, ...] = SKELETON17.parents
NUM_JOINTS = len(NAMES)
_INDEX = {name: index for index, name in enumerate(NAMES)}

# Rest directions (BVH frame, T-pose) of the bones that hang from a single-child joint, by child name.
_UP, _DOWN, _LEFT, _RIGHT = (0.0, 1.0, 0.0), (0.0, -1.0, 0.0), (1.0, 0.0, 0.0), (-1.0, 0.0, 0.0)
_CHAIN_REST_DIRECTIONS: dict[str, tuple[float, float, float]] = {
    "RKnee": _DOWN, "RFoot": _DOWN, "LKnee": _DOWN, "LFoot": _DOWN,
    "Thorax": _UP, "Head": _UP, "LElbow": _LEFT, "LWrist": _LEFT, "RElbow": _RIGHT, "RWrist": _RIGHT,
}
# Joints with several children: (left child, right child, up child) define their local frame.
_BRANCHES: dict[str, tuple[str, str, str]] = {"Hip": ("LHip", "RHip", "Spine"),
                                              "Thorax": ("LShoulder", "RShoulder", "Neck/Nose")}
# End sites (metres, in the leaf joint's frame): toes forward, fingers along the arm, crown above the head.
END_SITES: dict[str, tuple[float, float, float]] = {
    "RFoot": (0.0, -0.05, 0.12), "LFoot": (0.0, -0.05, 0.12), "Head": (0.0, 0.1, 0.0),
    "LWrist": (0.08, 0.0, 0.0), "RWrist": (-0.08, 0.0, 0.0),
}
ROTATION_CHANNELS = ("Zrotation", "Xrotation", "Yrotation")
POSITION_CHANNELS = ("Xposition", "Yposition", "Zposition")
_CAMERA_TO_BVH = np.array([1.0, -1.0, -1.0])


def camera_to_bvh(points_camera: np.ndarray) -> np.ndarray:
    """(..., 3) metres in the camera frame (x right, y down, z forward) -> (..., 3) metres in the BVH frame
    (x right, y up, z towards the camera). The map is its own inverse."""
    return np.asarray(points_camera, dtype=np.float64) * _CAMERA_TO_BVH


bvh_to_camera = camera_to_bvh


def _children(joint: int) -> list[int]:
    return [child for child, parent in enumerate(PARENTS) if parent == joint]


def _unit(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.maximum(np.linalg.norm(vectors, axis=-1, keepdims=True), 1e-12)


# ------------------------------------------------------------------------------------------ rotations
def euler_zxy_to_matrix(angles_deg: np.ndarray) -> np.ndarray:
    """(..., 3) degrees (z, x, y), the BVH channel order -> (..., 3, 3) ``Rz @ Rx @ Ry``."""
    z, x, y = np.moveaxis(np.radians(np.asarray(angles_deg, dtype=np.float64)), -1, 0)
    cz, sz, cx, sx, cy, sy = np.cos(z), np.sin(z), np.cos(x), np.sin(x), np.cos(y), np.sin(y)
    rows = [
        [cz * cy - sz * sx * sy, -sz * cx, cz * sy + sz * sx * cy],
        [sz * cy + cz * sx * sy, cz * cx, sz * sy - cz * sx * cy],
        [-cx * sy, sx, cx * cy],
    ]
    return np.stack([np.stack(row, axis=-1) for row in rows], axis=-2)


def matrix_to_euler_zxy(matrices: np.ndarray) -> np.ndarray:
    """(..., 3, 3) rotation matrices -> (..., 3) degrees (z, x, y) with ``R = Rz @ Rx @ Ry``, x in
    [-90, 90]. At x = +-90 (gimbal lock) y is set to 0 and z carries the remaining rotation."""
    matrices = np.asarray(matrices, dtype=np.float64)
    x = np.arcsin(np.clip(matrices[..., 2, 1], -1.0, 1.0))
    locked = np.abs(matrices[..., 2, 1]) > 1.0 - 1e-12
    z = np.where(locked, np.arctan2(matrices[..., 1, 0], matrices[..., 0, 0]),
                 np.arctan2(-matrices[..., 0, 1], matrices[..., 1, 1]))
    y = np.where(locked, 0.0, np.arctan2(-matrices[..., 2, 0], matrices[..., 2, 2]))
    return np.degrees(np.stack([z, x, y], axis=-1))


def _smallest_rotation(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """(T, 3) unit vectors -> (T, 3, 3) the rotation of least angle taking each source onto its target.
    Opposite vectors (no unique answer) turn by 180 degrees about an axis perpendicular to the source."""
    axis = np.cross(source, target)
    sine = np.linalg.norm(axis, axis=-1)
    cosine = np.sum(source * target, axis=-1)
    opposite = (sine < 1e-9) & (cosine < 0)
    fallback = np.cross(source, np.array([1.0, 0.0, 0.0]))
    fallback = np.where(np.linalg.norm(fallback, axis=-1, keepdims=True) < 1e-6,
                        np.cross(source, np.array([0.0, 1.0, 0.0])), fallback)
    axis = np.where(opposite[:, None], _unit(fallback), axis / np.maximum(sine, 1e-300)[:, None])
    sine = np.where(opposite, 0.0, sine)
    cross_matrix = np.zeros((*source.shape[:-1], 3, 3))
    cross_matrix[..., 0, 1], cross_matrix[..., 0, 2] = -axis[..., 2], axis[..., 1]
    cross_matrix[..., 1, 0], cross_matrix[..., 1, 2] = axis[..., 2], -axis[..., 0]
    cross_matrix[..., 2, 0], cross_matrix[..., 2, 1] = -axis[..., 1], axis[..., 0]
    identity = np.broadcast_to(np.eye(3), cross_matrix.shape)
    return (identity + sine[:, None, None] * cross_matrix
            + (1.0 - cosine)[:, None, None] * (cross_matrix @ cross_matrix))


def _best_fit_rotation(rest: np.ndarray, actual: np.ndarray) -> np.ndarray:
    """Kabsch: rest (C, 3) child offsets, actual (T, C, 3) child vectors -> (T, 3, 3) rotations R that
    minimise sum |R @ rest - actual|^2 (proper rotations, det +1)."""
    covariance = np.einsum("tci,cj->tij", actual, rest)
    left, _, right = np.linalg.svd(covariance)
    sign = np.sign(np.linalg.det(left @ right))
    fix = np.broadcast_to(np.eye(3), covariance.shape).copy()
    fix[:, 2, 2] = np.where(sign == 0, 1.0, sign)
    return left @ fix @ right


# ------------------------------------------------------------------------------------------- skeleton
@dataclass(frozen=True)
class BvhSkeleton:
    """The written hierarchy: offsets (17, 3) metres, BVH frame, each joint's rest offset from its parent
    (the root's is zero); end sites (metres, in the leaf's frame) by leaf name."""

    offsets: np.ndarray
    end_sites: dict[str, tuple[float, float, float]]

    @property
    def bone_lengths(self) -> np.ndarray:
        """(17,) metres; 0 for the root."""
        return np.linalg.norm(self.offsets, axis=-1)


def _branch_frames(points: np.ndarray, branch: str) -> np.ndarray:
    """(T, 17, 3) BVH-frame positions -> (T, 3, 3) per-frame orthonormal frames of a branching joint:
    columns x (towards the left child), y (towards the up child, made perpendicular to x), z = x cross y."""
    left, right, up = (_INDEX[name] for name in _BRANCHES[branch])
    x_axis = _unit(points[:, left] - points[:, right])
    upward = points[:, up] - points[:, _INDEX[branch]]
    y_axis = _unit(upward - np.sum(upward * x_axis, axis=-1, keepdims=True) * x_axis)
    return np.stack([x_axis, y_axis, np.cross(x_axis, y_axis)], axis=-1)


def fit_skeleton(poses_bvh: np.ndarray) -> BvhSkeleton:
    """The constant skeleton of a track: poses (T, 17, 3) metres, BVH frame (root-relative or not).

    Bone lengths are the medians over the track; chain bones point along the T-pose directions; the
    children of the pelvis and the thorax keep their mean direction in the branch's own frame (x left,
    y up), placed in the T-pose with that frame on the BVH axes.
    """
    lengths = np.median(np.linalg.norm(poses_bvh[:, 1:] - poses_bvh[:, list(PARENTS[1:])], axis=-1), axis=0)
    lengths = np.concatenate([[0.0], lengths])
    if np.any(lengths[1:] <= 1e-6):
        zero = [NAMES[joint] for joint in np.flatnonzero(lengths <= 1e-6) if joint > 0]
        raise InputError(f"BVH export: bones ending at {zero} have zero median length; nothing to orient")
    offsets = np.zeros((NUM_JOINTS, 3))
    for name, direction in _CHAIN_REST_DIRECTIONS.items():
        offsets[_INDEX[name]] = lengths[_INDEX[name]] * np.asarray(direction)
    for branch in _BRANCHES:
        frames = _branch_frames(poses_bvh, branch)
        for child in _children(_INDEX[branch]):
            vectors = poses_bvh[:, child] - poses_bvh[:, _INDEX[branch]]
            local = np.einsum("tij,ti->tj", frames, _unit(vectors))  # frames^T @ direction
            offsets[child] = lengths[child] * _unit(local.mean(axis=0))
    return BvhSkeleton(offsets=offsets, end_sites=dict(END_SITES))


def solve_world_rotations(poses_bvh: np.ndarray, skeleton: BvhSkeleton) -> np.ndarray:
    """(T, 17, 3) metres, BVH frame -> (T, 17, 3, 3) each joint's world rotation (see the module
    docstring: best fit at the two branching joints, smallest swing relative to the parent elsewhere)."""
    count = poses_bvh.shape[0]
    world = np.zeros((count, NUM_JOINTS, 3, 3))
    for joint in range(NUM_JOINTS):  # parents come before children in SKELETON17's order
        children = _children(joint)
        parent_world = np.broadcast_to(np.eye(3), (count, 3, 3)) if PARENTS[joint] < 0 \
            else world[:, PARENTS[joint]]
        if len(children) > 1:
            vectors = poses_bvh[:, children] - poses_bvh[:, joint:joint + 1]
            world[:, joint] = _best_fit_rotation(skeleton.offsets[children], vectors)
        elif len(children) == 1:
            child = children[0]
            posed_rest = parent_world @ _unit(skeleton.offsets[child])
            target = _unit(poses_bvh[:, child] - poses_bvh[:, joint])
            world[:, joint] = _smallest_rotation(posed_rest, target) @ parent_world
        else:
            world[:, joint] = parent_world
    return world


def world_to_local(world: np.ndarray) -> np.ndarray:
    """(T, 17, 3, 3) world rotations -> (T, 17, 3, 3) local rotations ``R_world[parent]^T @ R_world``."""
    local = world.copy()
    for joint, parent in enumerate(PARENTS):
        if parent >= 0:
            local[:, joint] = np.swapaxes(world[:, parent], -1, -2) @ world[:, joint]
    return local


def forward_kinematics(skeleton: BvhSkeleton, root_positions: np.ndarray,
                       local_rotations: np.ndarray) -> np.ndarray:
    """root_positions (T, 3) metres, BVH frame; local_rotations (T, 17, 3, 3) -> positions (T, 17, 3)
    metres, BVH frame."""
    count = root_positions.shape[0]
    world = np.zeros((count, NUM_JOINTS, 3, 3))
    positions = np.zeros((count, NUM_JOINTS, 3))
    for joint, parent in enumerate(PARENTS):
        if parent < 0:
            world[:, joint], positions[:, joint] = local_rotations[:, joint], root_positions
            continue
        world[:, joint] = world[:, parent] @ local_rotations[:, joint]
        positions[:, joint] = positions[:, parent] + world[:, parent] @ skeleton.offsets[joint]
    return positions


# ------------------------------------------------------------------------------------------- motion
@dataclass(frozen=True)
class BvhMotion:
    """What a BVH file holds: skeleton, root positions (T, 3) metres in the BVH frame, Euler angles
    (T, 17, 3) degrees in channel order (z, x, y), and the frame time in seconds."""

    skeleton: BvhSkeleton
    root_positions: np.ndarray
    euler_zxy_deg: np.ndarray
    frame_time: float

    def positions(self) -> np.ndarray:
        """(T, 17, 3) metres, BVH frame: the joints as any BVH reader places them."""
        return forward_kinematics(self.skeleton, self.root_positions, euler_zxy_to_matrix(self.euler_zxy_deg))


def motion_from_poses(poses_3d: np.ndarray, fps: float, root_position: np.ndarray | None = None) -> BvhMotion:
    """Solve a BVH motion from a lifted track.

    poses_3d: (T, 17, 3) metres, camera frame, root-relative (as
    :class:`~jointformer.lift.lifter.LiftResult`); fps: frames per second (> 0); root_position: (T, 3)
    metres, camera frame, the pelvis' absolute position (:mod:`jointformer.lift.root_position`), or None
    to keep the pelvis at the origin.
    """
    poses = np.asarray(poses_3d, dtype=np.float64)
    if poses.ndim != 3 or poses.shape[1:] != (NUM_JOINTS, 3) or poses.shape[0] == 0:
        raise InputError(f"BVH export: poses must have shape (T, {NUM_JOINTS}, 3) with T >= 1; "
                         f"got {poses.shape}")
    if not np.isfinite(poses).all():
        raise InputError("BVH export: the poses contain NaN or infinite values")
    if not (np.isfinite(fps) and fps > 0):
        raise InputError(f"BVH export: fps must be positive, got {fps}")
    roots = np.zeros((poses.shape[0], 3)) if root_position is None else np.asarray(root_position, np.float64)
    if roots.shape != (poses.shape[0], 3) or not np.isfinite(roots).all():
        raise InputError(f"BVH export: root_position must be finite with shape ({poses.shape[0]}, 3); "
                         f"got {roots.shape}")
    poses_bvh = camera_to_bvh(poses - poses[:, :1])
    skeleton = fit_skeleton(poses_bvh)
    local = world_to_local(solve_world_rotations(poses_bvh, skeleton))
    angles = np.unwrap(matrix_to_euler_zxy(local), axis=0, period=360.0)
    return BvhMotion(skeleton=skeleton, root_positions=camera_to_bvh(roots), euler_zxy_deg=angles,
                     frame_time=1.0 / float(fps))


def normalised_positions(motion: BvhMotion) -> np.ndarray:
    """(T, 17, 3) metres, camera frame: the joints the BVH file reproduces (constant bone lengths, rigid
    pelvis and shoulder girdle), root-relative plus the motion's root position."""
    return bvh_to_camera(motion.positions())


# -------------------------------------------------------------------------------------------- writing
def _format(values: Sequence[float], decimals: int) -> str:
    # round first and add 0.0, so that a tiny negative value is written "0.000000", not "-0.000000"
    return " ".join(f"{round(float(value), decimals) + 0.0:.{decimals}f}" for value in values)


def _hierarchy_lines(skeleton: BvhSkeleton, joint: int, depth: int) -> list[str]:
    indent = "  " * depth
    is_root = PARENTS[joint] < 0
    channels = (*POSITION_CHANNELS, *ROTATION_CHANNELS) if is_root else ROTATION_CHANNELS
    lines = [f"{indent}{'ROOT' if is_root else 'JOINT'} {NAMES[joint].replace('/', '_')}", f"{indent}{{",
             f"{indent}  OFFSET {_format(skeleton.offsets[joint], 6)}",
             f"{indent}  CHANNELS {len(channels)} {' '.join(channels)}"]
    children = _children(joint)
    for child in children:
        lines += _hierarchy_lines(skeleton, child, depth + 1)
    if not children:
        end = skeleton.end_sites[NAMES[joint]]
        lines += [f"{indent}  End Site", f"{indent}  {{", f"{indent}    OFFSET {_format(end, 6)}",
                  f"{indent}  }}"]
    return [*lines, f"{indent}}}"]


def _channel_order() -> list[int]:
    """Joint indices in the order the hierarchy lists them (depth first), which is the MOTION column order."""
    order: list[int] = []

    def visit(joint: int) -> None:
        order.append(joint)
        for child in _children(joint):
            visit(child)

    visit(0)
    return order


def bvh_text(motion: BvhMotion) -> str:
    """The BVH file's text: positions in metres with 6 decimals, angles in degrees with 6 decimals."""
    lines = ["HIERARCHY", *_hierarchy_lines(motion.skeleton, 0, 0), "MOTION",
             f"Frames: {motion.root_positions.shape[0]}", f"Frame Time: {motion.frame_time:.8f}"]
    order = _channel_order()
    for frame in range(motion.root_positions.shape[0]):
        values = [*motion.root_positions[frame], *motion.euler_zxy_deg[frame, order].reshape(-1)]
        lines.append(_format(values, 6))
    return "\n".join(lines) + "\n"


def write_bvh(path: str | os.PathLike[str], motion: BvhMotion) -> Path:
    """Write ``motion`` as a BVH file, atomically (complete under its name, or absent). Returns the path."""
    path = Path(path)
    if path.suffix.lower() != ".bvh":
        raise InputError(f"{path}: a BVH file must end in .bvh")
    text = bvh_text(motion)
    with atomic_output(path, suffix=".bvh") as temporary:
        temporary.write_text(text, encoding="ascii")
    return path


def write_poses_as_bvh(path: str | os.PathLike[str], poses_3d: np.ndarray, fps: float,
                       root_position: np.ndarray | None = None) -> tuple[Path, BvhMotion]:
    """:func:`motion_from_poses` then :func:`write_bvh`; returns the path and the motion written."""
    motion = motion_from_poses(poses_3d, fps, root_position)
    return write_bvh(path, motion), motion


__all__ = ["BvhMotion", "BvhSkeleton", "bvh_text", "camera_to_bvh", "euler_zxy_to_matrix",
           "fit_skeleton", "forward_kinematics", "matrix_to_euler_zxy", "motion_from_poses",
           "normalised_positions", "solve_world_rotations", "world_to_local", "write_bvh",
           "write_poses_as_bvh"]
