"""BVH export: Euler conventions, a hand-made motion and a whole embedded sequence read back by an independent
parser (bvhio, a test-only dependency) whose forward kinematics must reproduce our joints."""

from pathlib import Path

import bvhio
import numpy as np
import pytest

from jointformer.data.camera import h36m_cameras, world_to_camera
from jointformer.data.skeleton import reduce_to_17
from jointformer.data.synthetic import SyntheticConfig, generate_positions_3d
from jointformer.errors import InputError
from jointformer.lift import bvh

BVH_NAMES = [name.replace("/", "_") for name in bvh.NAMES]


def read_with_bvhio(path: Path) -> np.ndarray:
    """(T, 17, 3) metres, BVH frame: joint positions by bvhio's own forward kinematics."""
    root = bvhio.readAsHierarchy(str(path))
    joints = {joint.Name: joint for joint, _, _ in root.layout()}
    frames = bvhio.readAsBvh(str(path)).FrameCount
    positions = np.zeros((frames, len(BVH_NAMES), 3))
    for frame in range(frames):
        root.loadPose(frame)
        positions[frame] = [np.array(joints[name].PositionWorld) for name in BVH_NAMES]
    return positions


def quaternion_to_matrix(quaternion) -> np.ndarray:
    w, x, y, z = quaternion.w, quaternion.x, quaternion.y, quaternion.z
    return np.array([[1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
                     [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
                     [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)]])


def test_euler_zxy_round_trips_random_rotations_in_float64():
    rng = np.random.default_rng(0)
    angles = rng.uniform([-180, -89, -180], [180, 89, 180], size=(500, 3))
    matrices = bvh.euler_zxy_to_matrix(angles)
    assert np.allclose(matrices @ np.swapaxes(matrices, -1, -2), np.eye(3), atol=1e-12)
    assert np.allclose(bvh.matrix_to_euler_zxy(matrices), angles, atol=1e-9)


def test_euler_zxy_is_z_then_x_then_y_as_channels_are_listed():
    z = bvh.euler_zxy_to_matrix([[90.0, 0.0, 0.0]])[0]
    x = bvh.euler_zxy_to_matrix([[0.0, 90.0, 0.0]])[0]
    y = bvh.euler_zxy_to_matrix([[0.0, 0.0, 90.0]])[0]
    assert np.allclose(z @ [1, 0, 0], [0, 1, 0]) and np.allclose(x @ [0, 1, 0], [0, 0, 1])
    assert np.allclose(y @ [0, 0, 1], [1, 0, 0])
    assert np.allclose(bvh.euler_zxy_to_matrix([[90.0, 90.0, 90.0]])[0], z @ x @ y)


def hand_made_motion() -> bvh.BvhMotion:
    """3 frames with known angles on a small skeleton: zero, one joint bent, everything turned."""
    offsets = np.zeros((17, 3))
    for name, offset in {"RHip": (-0.1, 0, 0), "LHip": (0.1, 0, 0), "Spine": (0, 0.25, 0),
                         "RKnee": (0, -0.45, 0), "RFoot": (0, -0.42, 0), "LKnee": (0, -0.45, 0),
                         "LFoot": (0, -0.42, 0), "Thorax": (0, 0.25, 0), "Neck/Nose": (0, 0.1, 0.05),
                         "Head": (0, 0.12, 0), "LShoulder": (0.15, 0.0, 0.0), "RShoulder": (-0.15, 0.0, 0.0),
                         "LElbow": (0.28, 0, 0), "LWrist": (0.25, 0, 0), "RElbow": (-0.28, 0, 0),
                         "RWrist": (-0.25, 0, 0)}.items():
        offsets[bvh.NAMES.index(name)] = offset
    angles = np.zeros((3, 17, 3))
    angles[1, bvh.NAMES.index("LElbow")] = [0.0, 0.0, -90.0]  # forearm turned forward (+z) about y
    angles[2] = (np.arange(17 * 3) * 1.5 - 37.5).reshape(17, 3)  # exact in 6 decimals
    angles[2, 0] = [30.0, -45.0, 10.0]
    roots = np.array([[0.0, 0.9, 0.0], [0.1, 0.9, -0.2], [-0.5, 1.0, -3.0]])
    return bvh.BvhMotion(bvh.BvhSkeleton(offsets, dict(bvh.END_SITES)), roots, angles, frame_time=0.04)


def test_hand_made_three_frames_round_trip_exactly(tmp_path):
    motion = hand_made_motion()
    path = bvh.write_bvh(tmp_path / "hand.bvh", motion)
    text = path.read_text()
    assert text.startswith("HIERARCHY\nROOT Hip\n")
    assert "\nMOTION\nFrames: 3\nFrame Time: 0.04000000\n" in text
    assert text.count("End Site") == 5 and text.count("JOINT ") == 16
    # the numbers written are the known angles, exactly, in the hierarchy's depth-first order
    rows = np.array([[float(value) for value in line.split()] for line in text.strip().splitlines()[-3:]])
    order = bvh._channel_order()
    assert np.array_equal(rows[:, :3], motion.root_positions)
    assert np.array_equal(rows[:, 3:].reshape(3, 17, 3), motion.euler_zxy_deg[:, order])
    # an independent parser turns them into the same rotations and positions
    container = bvhio.readAsBvh(str(path))
    assert container.FrameCount == 3 and container.FrameTime == pytest.approx(0.04)
    parsed = {entry[0].Name: entry[0] for entry in container.Root.layout()}
    for joint, name in enumerate(BVH_NAMES):
        read = np.stack([quaternion_to_matrix(parsed[name].Keyframes[f].Rotation) for f in range(3)])
        assert np.allclose(read, bvh.euler_zxy_to_matrix(motion.euler_zxy_deg[:, joint]), atol=1e-6), name
    assert np.allclose(read_with_bvhio(path), motion.positions(), atol=1e-6)
    # the bent elbow moves the wrist forward (+z) by the forearm's length, nothing else moves
    wrist = bvh.NAMES.index("LWrist")
    positions = motion.positions() - motion.root_positions[:, None]
    assert np.allclose(positions[1, wrist] - positions[0, wrist], [-0.25, 0.0, 0.25])


@pytest.fixture(scope="module")
def clean_sequence() -> np.ndarray:
    """A whole embedded test-subject sequence (S9 Walking, 220 frames at 50 fps), camera frame, (T, 17, 3)
    metres, absolute: constant bone lengths, a rigid pelvis, shoulders that move on the thorax."""
    world = generate_positions_3d(SyntheticConfig(seed=0, trials=1, subjects=("S9",), actions=("Walking",)))
    return reduce_to_17(world_to_camera(world["S9"]["Walking 1"].astype(np.float64), h36m_cameras("S9")[0]))


@pytest.fixture(scope="module")
def embedded_test_sequence(clean_sequence) -> np.ndarray:
    """The same with 15 mm noise, so that bone lengths vary from frame to frame as lifted ones do."""
    return clean_sequence + np.random.default_rng(1).normal(0.0, 0.015, clean_sequence.shape)


def test_whole_sequence_round_trips_through_bvhio_within_a_millimetre(embedded_test_sequence, tmp_path):
    poses = embedded_test_sequence
    relative = poses - poses[:, :1]
    path, motion = bvh.write_poses_as_bvh(tmp_path / "walk.bvh", relative, fps=50.0,
                                          root_position=poses[:, 0])
    normalised = bvh.normalised_positions(motion)
    read = bvh.bvh_to_camera(read_with_bvhio(path))
    assert read.shape == poses.shape
    assert np.abs(np.linalg.norm(read - normalised, axis=-1)).max() < 1e-3
    assert np.allclose(read[:, 0], poses[:, 0], atol=1e-5)  # the root travels as written
    # normalisation: every bone has its median length; bones hanging from one-child joints keep the lifted
    # direction exactly; the children of the pelvis and the thorax are fitted
    parents = list(bvh.PARENTS[1:])
    lengths = np.linalg.norm(normalised[:, 1:] - normalised[:, parents], axis=-1)
    assert np.allclose(lengths, np.median(np.linalg.norm(relative[:, 1:] - relative[:, parents], axis=-1), 0))
    for child in range(1, 17):
        parent = bvh.PARENTS[child]
        if len(bvh._children(parent)) == 1:
            lifted = bvh._unit(poses[:, child] - poses[:, parent])
            written = bvh._unit(normalised[:, child] - normalised[:, parent])
            assert np.allclose(lifted, written, atol=1e-9), bvh.NAMES[child]


def test_a_skeleton_of_constant_bone_lengths_is_reproduced_within_millimetres(clean_sequence):
    """The noiseless sequence: only the shoulder girdle's change of shape is lost."""
    poses = clean_sequence
    motion = bvh.motion_from_poses(poses - poses[:, :1], fps=50.0, root_position=poses[:, 0])
    deviation = np.linalg.norm(bvh.normalised_positions(motion) - poses, axis=-1)
    assert deviation[:, :9].max() < 1e-4  # legs, pelvis, spine: exact (up to the float32 source data)
    assert deviation.max() < 0.005


def test_angles_are_continuous_over_a_smooth_sequence(clean_sequence):
    motion = bvh.motion_from_poses(clean_sequence - clean_sequence[:, :1], fps=50.0)
    steps = np.abs(np.diff(motion.euler_zxy_deg, axis=0))
    assert steps.max() < 15.0  # at 50 fps: no 360-degree wraps, no twist flips between frames
    assert np.isfinite(motion.euler_zxy_deg).all()


def test_rest_pose_is_a_t_pose_with_y_up(embedded_test_sequence):
    skeleton = bvh.motion_from_poses(embedded_test_sequence - embedded_test_sequence[:, :1], 50.0).skeleton
    zero = bvh.forward_kinematics(skeleton, np.zeros((1, 3)), np.broadcast_to(np.eye(3), (1, 17, 3, 3)))[0]
    height, side = {n: zero[bvh.NAMES.index(n), 1] for n in bvh.NAMES}, {n: zero[bvh.NAMES.index(n), 0]
                                                                           for n in bvh.NAMES}
    assert height["Head"] > height["Thorax"] > 0 > height["RKnee"] > height["RFoot"]
    assert side["LWrist"] > side["LElbow"] > 0 > side["RElbow"] > side["RWrist"]
    assert np.isclose(height["LWrist"], height["LShoulder"])  # arms level


def test_bad_inputs_are_errors_and_write_nothing(tmp_path):
    with pytest.raises(InputError, match="shape"):
        bvh.motion_from_poses(np.zeros((4, 16, 3)), fps=25.0)
    with pytest.raises(InputError, match="NaN"):
        bvh.motion_from_poses(np.full((2, 17, 3), np.nan), fps=25.0)
    with pytest.raises(InputError, match="zero median length"):
        bvh.motion_from_poses(np.zeros((2, 17, 3)), fps=25.0)
    with pytest.raises(InputError, match=r"\.bvh"):
        bvh.write_bvh(tmp_path / "out.txt", hand_made_motion())
    assert list(tmp_path.iterdir()) == []
