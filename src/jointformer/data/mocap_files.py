"""Reading real optical motion capture (BVH; Acclaim ASF/AMC) as Human3.6M 17-joint positions.

Both readers run forward kinematics of the file's bone hierarchy and return ``(T, 17, 3)`` float64 metres
in a world frame with z up (the package's world convention, :mod:`jointformer.data.synthetic`), joints in
the order of ``SKELETON17.names``, at the file's own frame rate (returned beside the positions).

Joint choices (the mocap skeletons have no Human3.6M joints; these are the documented stand-ins):

================  ==========================================  ===========================================
Human3.6M joint   ASF/AMC (CMU subjects 02, 03)               BVH ``CC_Base_*`` rig (CMU 05, 06, 07)
================  ==========================================  ===========================================
RHip / LHip       start of ``rfemur`` / ``lfemur``            ``R_Thigh`` / ``L_Thigh``
Hip (pelvis)      mid-point of the two hips                   mid-point of the two hips
RKnee / LKnee     start of ``rtibia`` / ``ltibia``            ``R_Calf`` / ``L_Calf``
RFoot / LFoot     start of ``rfoot`` / ``lfoot`` (ankle)      ``R_Foot`` / ``L_Foot``
Thorax            start of ``lowerneck``                      ``NeckTwist01``
Spine             mid-point of pelvis and thorax              mid-point of pelvis and thorax
Neck/Nose         start of ``head`` (end of ``upperneck``)    ``Head`` (the skull-base joint)
Head              end of ``head`` (top of the head segment)   ``Head`` + 0.12 m along NeckTwist01->Head
Shoulders         start of ``lhumerus`` / ``rhumerus``        ``L_Upperarm`` / ``R_Upperarm``
Elbows            start of ``lradius`` / ``rradius``          ``L_Forearm`` / ``R_Forearm``
Wrists            start of ``lhand`` / ``rhand``              ``L_Hand`` / ``R_Hand``
================  ==========================================  ===========================================

Human3.6M's spine joint is a mocap marker-based point near the middle of the back; the mid-point of
pelvis and thorax stands in for it here (and in every detector layout, :mod:`jointformer.lift.layouts`).

Conventions: rotation matrices act on column vectors; Euler channels are applied in the order the file
lists them (``R = R_first @ R_second @ R_third``), angles in degrees in the files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from jointformer.data.skeleton import SKELETON17
from jointformer.errors import InputError

INCH_M = 0.0254
_HEAD_ABOVE_SKULL_BASE_M = 0.12  # BVH rig: Human3.6M's head-top joint above the skull-base joint
_AXIS_INDEX = {"x": 0, "y": 1, "z": 2}


def _axis_rotation(axis: str, angle_rad: np.ndarray) -> np.ndarray:
    """(..., 3, 3) rotation about the named axis ("x", "y" or "z") by ``angle_rad`` (...,) radians."""
    cos, sin = np.cos(angle_rad), np.sin(angle_rad)
    zero, one = np.zeros_like(angle_rad), np.ones_like(angle_rad)
    rows = {
        "x": ((one, zero, zero), (zero, cos, -sin), (zero, sin, cos)),
        "y": ((cos, zero, sin), (zero, one, zero), (-sin, zero, cos)),
        "z": ((cos, -sin, zero), (sin, cos, zero), (zero, zero, one)),
    }[axis]
    return np.stack([np.stack(row, axis=-1) for row in rows], axis=-2)


def euler_to_matrix(angles_deg: np.ndarray, order: str) -> np.ndarray:
    """(..., 3) degrees about the axes named in ``order`` (e.g. "zyx": first angle about z) -> (..., 3, 3),
    the product in the listed order ``R_order[0] @ R_order[1] @ R_order[2]``."""
    angles = np.radians(np.asarray(angles_deg, dtype=np.float64))
    matrix = np.broadcast_to(np.eye(3), (*angles.shape[:-1], 3, 3)).copy()
    for index, axis in enumerate(order.lower()):
        matrix = matrix @ _axis_rotation(axis, angles[..., index])
    return matrix


def _to_z_up(positions: np.ndarray, up_axis: int) -> np.ndarray:
    """(T, J, 3) with ``up_axis`` (0, 1 or 2) pointing up -> (T, J, 3) with z up, a proper rotation."""
    if up_axis == 2:
        return positions
    if up_axis == 1:  # (x, y, z) y up -> (x, -z, y)
        return np.stack([positions[..., 0], -positions[..., 2], positions[..., 1]], axis=-1)
    return np.stack([positions[..., 1], positions[..., 2], positions[..., 0]], axis=-1)  # x up -> (y, z, x)


def _assemble_17(named: dict[str, np.ndarray], head_top: np.ndarray) -> np.ndarray:
    """(T, 17, 3) from named (T, 3) points: keys rhip lhip rknee lknee rankle lankle thorax neck
    lshoulder rshoulder lelbow relbow lwrist rwrist, plus the head top (T, 3)."""
    pelvis = (named["rhip"] + named["lhip"]) / 2.0
    spine = (pelvis + named["thorax"]) / 2.0
    order = [pelvis, named["rhip"], named["rknee"], named["rankle"], named["lhip"], named["lknee"],
             named["lankle"], spine, named["thorax"], named["neck"], head_top, named["lshoulder"],
             named["lelbow"], named["lwrist"], named["rshoulder"], named["relbow"], named["rwrist"]]
    assert len(order) == SKELETON17.num_joints
    return np.stack(order, axis=1)


# --------------------------------------------------------------------------------------------------- BVH
@dataclass
class _BvhJoint:
    name: str
    parent: int
    offset: np.ndarray  # (3,) file units, parent frame
    channels: list[str]
    first_channel: int


def _parse_bvh(text: str, path: Path) -> tuple[list[_BvhJoint], np.ndarray, float]:
    tokens = text.split()
    joints: list[_BvhJoint] = []
    stack: list[int] = []
    channel_count = 0
    index = 0
    pending_end_site = False
    while index < len(tokens):
        token = tokens[index]
        if token in ("ROOT", "JOINT"):
            joints.append(_BvhJoint(tokens[index + 1], stack[-1] if stack else -1, np.zeros(3), [], 0))
            index += 2
        elif token == "End":
            pending_end_site = True
            index += 2
        elif token == "{":
            stack.append(-2 if pending_end_site else len(joints) - 1)
            pending_end_site = False
            index += 1
        elif token == "}":
            stack.pop()
            index += 1
        elif token == "OFFSET":
            if stack and stack[-1] >= 0:
                joints[stack[-1]].offset = np.array(tokens[index + 1:index + 4], dtype=np.float64)
            index += 4
        elif token == "CHANNELS":
            count = int(tokens[index + 1])
            joints[-1].channels = tokens[index + 2:index + 2 + count]
            joints[-1].first_channel = channel_count
            channel_count += count
            index += 2 + count
        elif token == "MOTION":
            break
        else:
            index += 1
    match = re.search(r"Frames:\s*(\d+)\s*Frame Time:\s*([0-9.eE+-]+)", text)
    if match is None or not joints:
        raise InputError(f"{path}: not a BVH file (no HIERARCHY joints or no 'Frames:'/'Frame Time:' lines)")
    frames, frame_time = int(match.group(1)), float(match.group(2))
    values = np.array(text[match.end():].split(), dtype=np.float64)
    if frames < 1 or values.size != frames * channel_count:
        raise InputError(f"{path}: MOTION holds {values.size} numbers, expected {frames} frames x "
                         f"{channel_count} channels")
    return joints, values.reshape(frames, channel_count), frame_time


def _bvh_forward_kinematics(joints: list[_BvhJoint], motion: np.ndarray) -> np.ndarray:
    """(T, J, 3) file units: every joint's world position."""
    frames = motion.shape[0]
    positions = np.zeros((frames, len(joints), 3))
    rotations = np.zeros((frames, len(joints), 3, 3))
    for index, joint in enumerate(joints):
        values = motion[:, joint.first_channel:joint.first_channel + len(joint.channels)]
        rotation_names = [name[0].lower() for name in joint.channels if name.endswith("rotation")]
        rotation_values = values[:, [i for i, name in enumerate(joint.channels) if name.endswith("rotation")]]
        local = euler_to_matrix(rotation_values, "".join(rotation_names)) if rotation_names else np.eye(3)
        translation = np.zeros((frames, 3))
        for axis, column in ((name[0].lower(), i) for i, name in enumerate(joint.channels)
                             if name.endswith("position")):
            translation[:, _AXIS_INDEX[axis]] = values[:, column]
        if joint.parent < 0:
            positions[:, index] = joint.offset + translation
            rotations[:, index] = local
        else:
            parent_rotation = rotations[:, joint.parent]
            positions[:, index] = (positions[:, joint.parent]
                                   + np.einsum("tij,j->ti", parent_rotation, joint.offset) + translation)
            rotations[:, index] = parent_rotation @ local
    return positions


_BVH_NAMES = {"rhip": "R_Thigh", "lhip": "L_Thigh", "rknee": "R_Calf", "lknee": "L_Calf",
              "rankle": "R_Foot", "lankle": "L_Foot", "thorax": "NeckTwist01", "neck": "Head",
              "lshoulder": "L_Upperarm", "rshoulder": "R_Upperarm", "lelbow": "L_Forearm",
              "relbow": "R_Forearm", "lwrist": "L_Hand", "rwrist": "R_Hand"}


def read_bvh_h36m(path: str | Path, units_m: float = 0.01) -> tuple[np.ndarray, float]:
    """A BVH file on the ``CC_Base_*`` rig -> ((T, 17, 3) metres, world frame z up, frames per second).

    ``units_m``: metres per file unit (the CMU BVH conversion is in centimetres). The up axis is the one
    along which the head stands highest above the ankles on average (the files differ: y up or z up).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as error:
        raise InputError(f"{path}: cannot read the BVH file ({error.strerror})") from error
    joints, motion, frame_time = _parse_bvh(text, path)
    index = {joint.name.removeprefix("CC_Base_"): i for i, joint in enumerate(joints)}
    missing = [name for name in (*_BVH_NAMES.values(), "NeckTwist01") if name not in index]
    if missing:
        raise InputError(f"{path}: BVH rig lacks the joints {', '.join('CC_Base_' + m for m in missing)}")
    world = _bvh_forward_kinematics(joints, motion) * units_m
    named = {key: world[:, index[name]] for key, name in _BVH_NAMES.items()}
    neck_direction = named["neck"] - named["thorax"]
    neck_direction /= np.linalg.norm(neck_direction, axis=-1, keepdims=True).clip(1e-9)
    head_top = named["neck"] + _HEAD_ABOVE_SKULL_BASE_M * neck_direction
    positions = _assemble_17(named, head_top)
    rise = (positions[:, 10] - (positions[:, 3] + positions[:, 6]) / 2.0).mean(axis=0)
    up_axis = int(np.argmax(np.abs(rise)))
    if rise[up_axis] < 0:
        raise InputError(f"{path}: the head is below the feet on average along the up axis; not a standing "
                         f"motion this reader understands")
    return _to_z_up(positions, up_axis), 1.0 / frame_time


# ----------------------------------------------------------------------------------------------- ASF/AMC
@dataclass
class _AsfBone:
    name: str
    direction: np.ndarray  # (3,) unit, world frame of the rest pose
    length: float  # file length units
    axis: np.ndarray  # (3, 3) the bone's local frame C
    dof: list[str]


def _asf_section(text: str, name: str) -> str:
    match = re.search(rf"^:{name}\b(.*?)(?=^:|\Z)", text, flags=re.S | re.M)
    return "" if match is None else match.group(1)


def _parse_asf(path: Path) -> tuple[dict[str, _AsfBone], dict[str, list[str]], float, np.ndarray, list[str]]:
    """Bones, children per bone ("root" included), metres per length unit, root axis C (3, 3) and the
    root's channel order (e.g. TX TY TZ RX RY RZ)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as error:
        raise InputError(f"{path}: cannot read the ASF skeleton ({error.strerror})") from error
    units = re.search(r"^\s*length\s+([0-9.eE+-]+)", _asf_section(text, "units"), flags=re.M)
    root = _asf_section(text, "root")
    root_axis = re.search(r"axis\s+([XYZxyz]{3})", root)
    root_order = re.search(r"order\s+(.+)", root)
    if units is None or root_order is None:
        raise InputError(f"{path}: ASF needs ':units length' and ':root order'; not found")
    bones: dict[str, _AsfBone] = {}
    for block in re.findall(r"begin(.*?)end", _asf_section(text, "bonedata"), flags=re.S):
        fields = {line.split()[0]: line.split()[1:] for line in block.strip().splitlines() if line.split()}
        try:
            axis_values = fields["axis"]
            # ASF "axis a b c XYZ" is R = Rz(c) Ry(b) Rx(a): the reversed order of the letters.
            axis = euler_to_matrix(np.array(axis_values[:3], dtype=np.float64)[::-1], axis_values[3][::-1])
            bones[fields["name"][0]] = _AsfBone(
                fields["name"][0], np.array(fields["direction"], dtype=np.float64),
                float(fields["length"][0]), axis, [d.lower() for d in fields.get("dof", [])])
        except (KeyError, IndexError, ValueError) as error:
            raise InputError(f"{path}: a bonedata block lacks name/direction/length/axis "
                             f"({error})") from error
    children: dict[str, list[str]] = {}
    for line in _asf_section(text, "hierarchy").splitlines():
        words = line.split()
        if len(words) >= 2 and words[0] not in ("begin", "end"):
            children[words[0]] = words[1:]
    orientation = re.search(r"orientation\s+(\S+)\s+(\S+)\s+(\S+)", root)
    root_c = np.eye(3)
    if root_axis is not None and orientation is not None:
        root_c = euler_to_matrix(np.array(orientation.groups(), dtype=np.float64)[::-1],
                                 root_axis.group(1)[::-1])
    return bones, children, INCH_M / float(units.group(1)), root_c, root_order.group(1).split()


def _parse_amc(path: Path) -> list[dict[str, np.ndarray]]:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as error:
        raise InputError(f"{path}: cannot read the AMC motion ({error.strerror})") from error
    frames: list[dict[str, np.ndarray]] = []
    for line in lines:
        words = line.split()
        if not words or words[0].startswith(("#", ":")):
            continue
        if len(words) == 1 and words[0].isdigit():
            frames.append({})
        elif frames:
            frames[-1][words[0]] = np.array(words[1:], dtype=np.float64)
    if not frames:
        raise InputError(f"{path}: no frames (expected a frame number line, then one line per bone)")
    return frames


def _bone_rotation(values: np.ndarray, dof: list[str]) -> np.ndarray:
    """(T, len(dof)) degrees of rotational dofs -> (T, 3, 3), R = Rz Ry Rx of the named angles."""
    angles = np.zeros((values.shape[0], 3))
    for column, name in enumerate(dof):
        if name in ("rx", "ry", "rz"):
            angles[:, _AXIS_INDEX[name[1]]] = values[:, column]
    return euler_to_matrix(angles[:, ::-1], "zyx")


def read_asf_amc_h36m(asf_path: str | Path, amc_path: str | Path) -> tuple[np.ndarray, float]:
    """An Acclaim skeleton and motion -> ((T, 17, 3) metres, world frame z up, 120.0 frames per second).

    Forward kinematics as in the Acclaim format: a bone's world rotation is
    ``parent @ C @ R(dof angles) @ C^-1``, its end is its start plus ``length * rotation @ direction``.
    """
    asf_path, amc_path = Path(asf_path), Path(amc_path)
    bones, children, metres_per_unit, root_c, root_order = _parse_asf(asf_path)
    frames = _parse_amc(amc_path)
    try:
        root_values = np.stack([frame["root"] for frame in frames])
    except KeyError as error:
        raise InputError(f"{amc_path}: a frame has no 'root' line") from error
    translation = np.zeros((len(frames), 3))
    root_dof = [name.lower() for name in root_order]
    for column, name in enumerate(root_dof):
        if name in ("tx", "ty", "tz"):
            translation[:, _AXIS_INDEX[name[1]]] = root_values[:, column]
    root_rotation = root_c @ _bone_rotation(root_values, root_dof) @ root_c.T
    starts: dict[str, np.ndarray] = {}
    ends: dict[str, np.ndarray] = {"root": translation}
    rotations: dict[str, np.ndarray] = {"root": root_rotation}
    queue = ["root"]
    while queue:
        parent = queue.pop(0)
        for name in children.get(parent, []):
            bone = bones.get(name)
            if bone is None:
                raise InputError(f"{asf_path}: hierarchy names bone {name!r} that has no bonedata block")
            if bone.dof:
                try:
                    values = np.stack([frame[name] for frame in frames])
                except KeyError as error:
                    raise InputError(f"{amc_path}: bone {name!r} is missing in a frame") from error
                local = bone.axis @ _bone_rotation(values, bone.dof) @ bone.axis.T
            else:
                local = np.eye(3)
            rotations[name] = rotations[parent] @ local
            starts[name] = ends[parent]
            ends[name] = starts[name] + bone.length * np.einsum("tij,j->ti", rotations[name], bone.direction)
            queue.append(name)
    needed = ("rfemur", "lfemur", "rtibia", "ltibia", "rfoot", "lfoot", "lowerneck", "head", "lhumerus",
              "rhumerus", "lradius", "rradius", "lhand", "rhand")
    missing = [name for name in needed if name not in starts]
    if missing:
        raise InputError(f"{asf_path}: the skeleton lacks the bones {', '.join(missing)}")
    named = {"rhip": starts["rfemur"], "lhip": starts["lfemur"], "rknee": starts["rtibia"],
             "lknee": starts["ltibia"], "rankle": starts["rfoot"], "lankle": starts["lfoot"],
             "thorax": starts["lowerneck"], "neck": starts["head"], "lshoulder": starts["lhumerus"],
             "rshoulder": starts["rhumerus"], "lelbow": starts["lradius"], "relbow": starts["rradius"],
             "lwrist": starts["lhand"], "rwrist": starts["rhand"]}
    positions = _assemble_17(named, ends["head"]) * metres_per_unit
    return _to_z_up(positions, up_axis=1), 120.0
