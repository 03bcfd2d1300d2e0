"""The BVH and ASF/AMC readers on tiny hand-written files whose joint positions are known."""

from pathlib import Path

import numpy as np
import pytest

from jointformer.data.mocap_files import INCH_M, euler_to_matrix, read_asf_amc_h36m, read_bvh_h36m
from jointformer.errors import InputError

# A y-up rig in centimetres: hips 10 cm to each side, thigh and shin 40 cm down, spine 50 cm up to the
# neck, head 10 cm above, arms 20 cm out then 25 cm and 25 cm further.
_JOINTS = [
    ("R_Thigh", "Hip", (-10, 0, 0)), ("R_Calf", "R_Thigh", (0, -40, 0)), ("R_Foot", "R_Calf", (0, -40, 0)),
    ("L_Thigh", "Hip", (10, 0, 0)), ("L_Calf", "L_Thigh", (0, -40, 0)), ("L_Foot", "L_Calf", (0, -40, 0)),
    ("NeckTwist01", "Hip", (0, 50, 0)), ("Head", "NeckTwist01", (0, 10, 0)),
    ("L_Upperarm", "NeckTwist01", (20, 0, 0)), ("L_Forearm", "L_Upperarm", (25, 0, 0)),
    ("L_Hand", "L_Forearm", (25, 0, 0)), ("R_Upperarm", "NeckTwist01", (-20, 0, 0)),
    ("R_Forearm", "R_Upperarm", (-25, 0, 0)), ("R_Hand", "R_Forearm", (-25, 0, 0)),
]


def _bvh_text(root_yaw_deg: float) -> str:
    children: dict[str, list[tuple[str, tuple[int, int, int]]]] = {}
    for name, parent, offset in _JOINTS:
        children.setdefault(parent, []).append((name, offset))

    def block(name: str, offset: tuple[float, ...], root: bool) -> list[str]:
        channels = "CHANNELS 6 Xposition Yposition Zposition Zrotation Yrotation Xrotation" if root else \
            "CHANNELS 3 Zrotation Yrotation Xrotation"
        lines = [f"{'ROOT' if root else 'JOINT'} CC_Base_{name}", "{", f"OFFSET {' '.join(map(str, offset))}",
                 channels]
        for child, child_offset in children.get(name, []):
            lines += block(child, child_offset, False)
        if name not in children:
            lines += ["End Site", "{", "OFFSET 0 1 0", "}"]
        return [*lines, "}"]

    channel_count = 6 + 3 * len(_JOINTS)
    frame = ["0", "90", "0", "0", str(root_yaw_deg), "0"] + ["0"] * (channel_count - 6)
    return "\n".join(["HIERARCHY", *block("Hip", (0, 0, 0), True), "MOTION", "Frames: 2",
                      "Frame Time: 0.0333333", " ".join(frame), " ".join(frame)]) + "\n"


def test_bvh_rest_pose_maps_to_h36m_joints_in_metres_z_up(tmp_path: Path) -> None:
    path = tmp_path / "rest.bvh"
    path.write_text(_bvh_text(0.0))
    positions, fps = read_bvh_h36m(path)
    assert positions.shape == (2, 17, 3) and fps == pytest.approx(30.0, rel=1e-4)
    pose = positions[0]
    # y up (0.9 m root height) becomes z up; x stays x.
    np.testing.assert_allclose(pose[0], [0.0, 0.0, 0.9], atol=1e-9)  # pelvis: mid-point of the hips
    np.testing.assert_allclose(pose[3], [-0.1, 0.0, 0.1], atol=1e-9)  # right ankle
    np.testing.assert_allclose(pose[8], [0.0, 0.0, 1.4], atol=1e-9)  # thorax
    np.testing.assert_allclose(pose[7], [0.0, 0.0, 1.15], atol=1e-9)  # spine: pelvis-thorax mid-point
    np.testing.assert_allclose(pose[10], [0.0, 0.0, 1.62], atol=1e-9)  # head top 12 cm above the skull base
    np.testing.assert_allclose(pose[16], [-0.7, 0.0, 1.4], atol=1e-9)  # right wrist


def test_bvh_root_rotation_turns_the_body(tmp_path: Path) -> None:
    path = tmp_path / "turned.bvh"
    path.write_text(_bvh_text(90.0))  # 90 degrees about the (up) y axis
    pose = read_bvh_h36m(path)[0][0]
    # +x (the left hip's side) turns to -z in the file's y-up frame, which is +y in the z-up frame.
    np.testing.assert_allclose(pose[4], [0.0, 0.1, 0.9], atol=1e-9)


def test_bvh_without_the_rig_joints_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.bvh"
    path.write_text(_bvh_text(0.0).replace("CC_Base_L_Hand", "Other_Hand"))
    with pytest.raises(InputError, match="L_Hand"):
        read_bvh_h36m(path)


_ASF_BONES = [  # name, parent, direction, length (file units), dof
    ("lhipjoint", "root", (1, 0, 0), 4, ""), ("lfemur", "lhipjoint", (0, -1, 0), 16, "rx ry rz"),
    ("ltibia", "lfemur", (0, -1, 0), 16, "rx"), ("lfoot", "ltibia", (0, 0, 1), 4, "rx"),
    ("rhipjoint", "root", (-1, 0, 0), 4, ""), ("rfemur", "rhipjoint", (0, -1, 0), 16, "rx ry rz"),
    ("rtibia", "rfemur", (0, -1, 0), 16, "rx"), ("rfoot", "rtibia", (0, 0, 1), 4, "rx"),
    ("lowerback", "root", (0, 1, 0), 20, "rx"), ("lowerneck", "lowerback", (0, 1, 0), 4, "rx"),
    ("head", "lowerneck", (0, 1, 0), 5, "rx"),
    ("lhumerus", "lowerback", (1, 0, 0), 8, "rx"), ("lradius", "lhumerus", (1, 0, 0), 10, "rx"),
    ("lhand", "lradius", (1, 0, 0), 10, "rx"),
    ("rhumerus", "lowerback", (-1, 0, 0), 8, "rx"), ("rradius", "rhumerus", (-1, 0, 0), 10, "rx"),
    ("rhand", "rradius", (-1, 0, 0), 10, "rx"),
]


def _asf_amc(tmp_path: Path, knee_deg: float) -> tuple[Path, Path]:
    blocks = []
    for index, (name, _parent, direction, length, dof) in enumerate(_ASF_BONES):
        blocks.append(f"  begin\n     id {index + 1}\n     name {name}\n     direction "
                      f"{' '.join(map(str, direction))}\n     length {length}\n     axis 0 0 0 XYZ\n"
                      + (f"    dof {dof}\n" if dof else "") + "  end")
    hierarchy: dict[str, list[str]] = {}
    for name, parent, *_rest in _ASF_BONES:
        hierarchy.setdefault(parent, []).append(name)
    asf = "\n".join([":version 1.10", ":units", "  mass 1.0", "  length 0.45", "  angle deg",
                     ":root", "   order TX TY TZ RX RY RZ", "   axis XYZ", "   position 0 0 0",
                     "   orientation 0 0 0", ":bonedata", *blocks, ":hierarchy", "  begin",
                     *(f"    {parent} {' '.join(children)}" for parent, children in hierarchy.items()),
                     "  end", ""])
    lines = [":FULLY-SPECIFIED", ":DEGREES", "1", "root 0 40 0 0 0 0"]
    for name, _parent, _direction, _length, dof in _ASF_BONES:
        if dof:
            angles = [knee_deg if name == "ltibia" else 0.0] + [0.0] * (len(dof.split()) - 1)
            lines.append(f"{name} {' '.join(map(str, angles))}")
    (tmp_path / "s.asf").write_text(asf)
    (tmp_path / "s_01.amc").write_text("\n".join(lines) + "\n")
    return tmp_path / "s.asf", tmp_path / "s_01.amc"


def test_asf_amc_forward_kinematics_and_units(tmp_path: Path) -> None:
    unit = INCH_M / 0.45
    pose = read_asf_amc_h36m(*_asf_amc(tmp_path, 0.0))[0][0]
    np.testing.assert_allclose(pose[4], np.array([4, 0, 40]) * unit, atol=1e-9)  # left hip, z up
    np.testing.assert_allclose(pose[6], np.array([4, 0, 8]) * unit, atol=1e-9)  # left ankle
    np.testing.assert_allclose(pose[10], np.array([0, 0, 69]) * unit, atol=1e-9)  # head top: end of head
    np.testing.assert_allclose(pose[9], np.array([0, 0, 64]) * unit, atol=1e-9)  # neck/nose: head start
    np.testing.assert_allclose(pose[13], np.array([18, 0, 60]) * unit, atol=1e-9)  # left wrist


def test_asf_amc_knee_flexion_moves_the_ankle_back(tmp_path: Path) -> None:
    unit = INCH_M / 0.45
    pose = read_asf_amc_h36m(*_asf_amc(tmp_path, 90.0))[0][0]
    # The shin keeps its length and turns by rx = 90 degrees in the file's y-up frame; (x, y, z) of the
    # file is (x, -z, y) z-up.
    shin = pose[6] - pose[5]
    np.testing.assert_allclose(np.linalg.norm(shin), 16 * unit, atol=1e-9)
    expected = euler_to_matrix(np.array([0.0, 0.0, 90.0]), "zyx") @ np.array([0.0, -1.0, 0.0]) * 16 * unit
    np.testing.assert_allclose(shin, [expected[0], -expected[2], expected[1]], atol=1e-9)


def test_amc_missing_bone_is_an_input_error(tmp_path: Path) -> None:
    asf, amc = _asf_amc(tmp_path, 0.0)
    amc.write_text("\n".join(line for line in amc.read_text().splitlines() if not line.startswith("rtibia")))
    with pytest.raises(InputError, match="rtibia"):
        read_asf_amc_h36m(asf, amc)
