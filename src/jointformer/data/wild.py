"""The in-the-wild training set: motion and bodies seen through randomly drawn virtual cameras.

Beside the Human3.6M-layout embedded data set (:mod:`jointformer.data.synthetic`, the four published
cameras, kept for the protocol), this module renders 17-joint motion through cameras like the ones people
film with: phones held anywhere from the floor to above the head, 1.5-10 m away, any yaw, pitched and
rolled, wide-angle to tele lenses, portrait or landscape, the person anywhere in the frame. The result is a
:class:`~jointformer.data.poseset.PoseSet` whose 2D inputs are normalised exactly as
:class:`jointformer.lift.lifter.Lifter` normalises a track ("extent" normalisation): each pose's root moved
to ``root_median``, the track scaled so that its median 2D extent is ``extent_median``
(:func:`wild_input_frame`), so training and lifting agree by construction.

How it differs from the Human3.6M-layout files:

- cameras: drawn per sequence (``draw_camera``), pinhole without lens distortion, static over a sequence;
- bodies: every sequence is retargeted to a body drawn from the adult population (stature 1.45-1.95 m,
  per-segment proportions, shoulder and hip width; ``draw_bone_lengths``);
- keypoint definitions: detectors' joints are not mocap joint centres (MediaPipe's hips sit higher and
  wider, its "head" is eye level). Per sequence a definition is drawn between Human3.6M's and a detector's
  (``DETECTOR_OFFSETS``) and applied to the 2D input and the 3D target alike: the model learns to lift the
  keypoints it is given, whichever definition they follow, instead of mapping them onto one definition;
- motion: beside the embedded programmes, real motion clips (BVH) and an articulated body moved within
  human joint limits (random articulation, crouching, kneeling, lying, reaching overhead, sports-like
  moves; :mod:`jointformer.data.articulated_motion`);
- whole-body tilt: 15 % of sequences are turned about a horizontal axis (bending over, lying);
- 2D noise: per-sequence Gaussian jitter relative to the person's size, per-joint scales, 1 % gross
  outliers.

Shapes: ``T`` frames, 17 joints (``SKELETON17`` order). World frame: metres, z up. Camera frame: x right,
y down, z forward, metres.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from jointformer.data.articulated_motion import articulated_motions
from jointformer.data.input_stats import default_input_stats
from jointformer.data.mocap_files import read_bvh_h36m
from jointformer.data.poseset import PoseSet
from jointformer.data.skeleton import SKELETON17, reduce_to_17
from jointformer.data.synthetic import SyntheticConfig, generate_positions_3d

_BONES = SKELETON17.bones()  # (child, parent), parents before children
_SIDE_PAIRS = ((1, 4), (2, 5), (3, 6), (11, 14), (12, 15), (13, 16))  # (right, left) 17-joint indices
# Reference bone lengths (metres) of a 1.70 m adult, per child joint; the embedded bodies' median.
_LEG_BONES, _ARM_BONES, _TORSO_BONES = (2, 3, 5, 6), (12, 13, 15, 16), (7, 8)
_HIP_BONES, _SHOULDER_BONES, _HEAD_BONES = (1, 4), (11, 14), (9, 10)

# Human3.6M joint -> (up, outward, forward) metres of a detector's keypoint relative to the mocap joint,
# in the body frame (outward: away from the body's mid-plane on that joint's side). Measured with
# benchmarks/in_the_wild.py on the Pose2Sim videos (MediaPipe, triangulated over four views) against the
# Human3.6M reference body scaled to the subject's leg length: shoulders 50 mm further out, hips 15 mm
# further in, the eyes/ears "head" ~35 mm lower and well forward, the nose ~30 mm higher and ~100 mm forward
# of Human3.6M's neck/nose joint. The trunk measured 27 % longer than the reference's, which the torso
# spread of ``draw_bone_lengths`` only partly covers (README, "In the wild").
DETECTOR_OFFSETS: dict[int, tuple[float, float, float]] = {
    1: (-0.02, -0.015, 0.0), 4: (-0.02, -0.015, 0.0),  # hips: a little lower and narrower
    11: (0.0, 0.05, 0.0), 14: (0.0, 0.05, 0.0),  # shoulders: the outer shoulder, not the joint centre
    10: (-0.035, 0.0, 0.07),  # head: eye/ear level, in front of the top of the head
    9: (0.03, 0.0, 0.10),  # nose: the face's front
}
_JOINT_NOISE = np.array([1.0, 1.0, 1.4, 2.0, 1.0, 1.4, 2.0, 1.2, 1.1, 1.1, 1.3,
                         1.15, 1.5, 2.0, 1.15, 1.5, 2.0])  # relative 2D noise per joint (ends are noisier)


@dataclass(frozen=True)
class WildConfig:
    """What to render. Every random draw comes from ``seed``.

    synthetic_seeds: seeds of the embedded motion programmes used (each one full set of programmes).
    synthetic_subjects: whose programmes (the Human3.6M training subjects; bodies are redrawn anyway).
    bvh_files: real motion clips (BVH, ``CC_Base_*`` rig) to use beside the programmes.
    cameras_per_sequence: virtual cameras drawn per synthetic sequence / per BVH clip.
    fps: frames per second kept (both sources are subsampled to it).
    """

    seed: int = 0
    synthetic_seeds: tuple[int, ...] = (1, 2)
    synthetic_subjects: tuple[str, ...] = ("S1", "S5", "S6", "S7", "S8")
    bvh_files: tuple[str, ...] = ()
    cameras_per_sequence: int = 4
    bvh_cameras_per_clip: int = 8
    fps: float = 20.0
    tilt_probability: float = 0.15
    noise_relative: tuple[float, float] = (0.004, 0.02)  # per-sequence 2D noise std, fraction of extent
    gross_rate: float = 0.01
    detector_definition: bool = True  # draw keypoint definitions between Human3.6M's and a detector's
    articulation: bool = True
    articulation_clips: int = 10
    articulation_seconds: float = 10.0
    articulation_cameras: int = 3

    def describe(self) -> dict[str, object]:
        """A JSON-able record of this configuration (stored in checkpoints)."""
        return {**asdict(self), "bvh_files": [Path(path).name for path in self.bvh_files]}


# ------------------------------------------------------------------------------------------ bodies
def bone_lengths(positions: np.ndarray) -> np.ndarray:
    """(..., 17, 3) metres -> (..., 17) length of the bone ending at each joint (0 for the root)."""
    lengths = np.zeros(positions.shape[:-1])
    for child, parent in _BONES:
        lengths[..., child] = np.linalg.norm(positions[..., child, :] - positions[..., parent, :], axis=-1)
    return lengths


# Reference lengths (m) per child joint of a 1.70 m adult with Human3.6M-like proportions (the embedded
# synthetic bodies scaled to 1.70 m).
REFERENCE_BONE_LENGTHS = np.array([0.0, 0.132, 0.442, 0.454, 0.132, 0.442, 0.454, 0.233, 0.254, 0.115,
                                   0.115, 0.151, 0.278, 0.251, 0.151, 0.278, 0.251])


def draw_bone_lengths(rng: np.random.Generator) -> np.ndarray:
    """(17,) metres: a body drawn from the adult population: stature 1.45-1.95 m (uniform), then legs,
    arms +-5 %, torso +-8 %, hip width +-15 %, shoulder width +-10 %, neck and head +-10 % (normal, std)."""
    lengths = REFERENCE_BONE_LENGTHS * rng.uniform(1.45, 1.95) / 1.70
    for bones, spread in ((_LEG_BONES, 0.05), (_ARM_BONES, 0.05), (_TORSO_BONES, 0.08), (_HIP_BONES, 0.15),
                          (_SHOULDER_BONES, 0.10), (_HEAD_BONES, 0.10)):
        lengths[list(bones)] *= np.clip(1.0 + spread * rng.standard_normal(), 0.6, 1.4)
    return lengths


def retarget(positions: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """(T, 17, 3) metres -> (T, 17, 3): every bone keeps its direction and takes ``lengths`` (17,) metres;
    the root stays where it was."""
    result = positions.copy()
    for child, parent in _BONES:
        direction = positions[:, child] - positions[:, parent]
        direction /= np.linalg.norm(direction, axis=-1, keepdims=True).clip(1e-9)
        result[:, child] = result[:, parent] + lengths[child] * direction
    return result


def body_frames(positions: np.ndarray) -> np.ndarray:
    """(T, 3, 3) per frame: rows are the body's up, left and forward unit axes (world frame)."""
    left = positions[:, 4] - positions[:, 1]
    up = positions[:, 8] - positions[:, 0]
    up /= np.linalg.norm(up, axis=-1, keepdims=True).clip(1e-9)
    left -= np.sum(left * up, axis=-1, keepdims=True) * up
    left /= np.linalg.norm(left, axis=-1, keepdims=True).clip(1e-9)
    forward = np.cross(left, up)
    return np.stack([up, left, forward], axis=1)


def apply_definition(positions: np.ndarray, weight: float) -> np.ndarray:
    """(T, 17, 3) metres, mocap joint centres -> keypoints ``weight`` (0: Human3.6M's, 1: a detector's,
    ``DETECTOR_OFFSETS``) of the way to a detector's definitions. Pelvis and spine follow the hips and the
    thorax as the layouts synthesise them (mid-points)."""
    frames = body_frames(positions)
    moved = positions.copy()
    for joint, (up, out, forward) in DETECTOR_OFFSETS.items():
        side = -1.0 if joint in (1, 14) else (1.0 if joint in (4, 11) else 0.0)  # right side is -left
        offset = np.array([up, side * out, forward])
        moved[:, joint] += weight * np.einsum("tij,i->tj", frames, offset)
    moved[:, 0] = (moved[:, 1] + moved[:, 4]) / 2.0
    moved[:, 7] = moved[:, 7] + weight * ((moved[:, 0] + moved[:, 8]) / 2.0 - moved[:, 7])
    return moved


def _tilt(positions: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Turn the whole sequence about a random horizontal axis through its mean pelvis, 30-90 degrees."""
    angle = np.radians(rng.uniform(30.0, 90.0))
    axis = np.array([np.cos(heading := rng.uniform(0, 2 * np.pi)), np.sin(heading), 0.0])
    cross = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    rotation = np.eye(3) + np.sin(angle) * cross + (1 - np.cos(angle)) * cross @ cross
    centre = positions[:, 0].mean(axis=0)
    return (positions - centre) @ rotation.T + centre


# ------------------------------------------------------------------------------------------ cameras
@dataclass(frozen=True)
class VirtualCamera:
    """A pinhole camera without distortion: ``rotation`` (3, 3) world -> camera rows (right, down,
    forward), ``position`` (3,) metres world frame, ``focal`` pixels, image ``width`` x ``height`` pixels,
    principal point at the image centre."""

    rotation: np.ndarray
    position: np.ndarray
    focal: float
    width: int
    height: int

    def to_camera(self, points_world: np.ndarray) -> np.ndarray:
        """(..., 3) metres world -> (..., 3) metres camera frame."""
        return (points_world - self.position) @ self.rotation.T

    def project(self, points_camera: np.ndarray) -> np.ndarray:
        """(..., 3) metres camera frame (z > 0) -> (..., 2) pixels."""
        return (points_camera[..., :2] / points_camera[..., 2:3] * self.focal
                + np.array([self.width / 2.0, self.height / 2.0]))


_IMAGE_SIZES = ((1920, 1080), (1280, 720), (1000, 1000), (1440, 1080), (3840, 2160))
_FULL_FRAME_DIAGONAL_MM = 43.27


def draw_camera(target: np.ndarray, rng: np.random.Generator) -> VirtualCamera:
    """A camera like a person films with, looking roughly at ``target`` (3,) metres world (the subject's
    mean pelvis): distance 1.5-10 m (log-uniform), height 0.1-2.6 m, any yaw, roll (std 6 degrees, 10 % of
    cameras std 25 degrees), aim off the target by up to a third of the field of view, 35 mm-equivalent
    focal length 13-85 mm (log-uniform), portrait or landscape."""
    width, height = _IMAGE_SIZES[rng.integers(len(_IMAGE_SIZES))]
    if rng.uniform() < 0.5:
        width, height = height, width
    focal_35mm = np.exp(rng.uniform(np.log(13.0), np.log(85.0)))
    focal = focal_35mm / _FULL_FRAME_DIAGONAL_MM * np.hypot(width, height)
    distance = np.exp(rng.uniform(np.log(1.5), np.log(10.0)))
    yaw = rng.uniform(0.0, 2.0 * np.pi)
    position = target + np.array([distance * np.cos(yaw), distance * np.sin(yaw), 0.0])
    position[2] = rng.uniform(0.1, 2.6)
    half_fov = np.arctan2(np.array([width, height]) / 2.0, focal)
    aim = target - position
    forward = aim / np.linalg.norm(aim)
    right = np.cross(forward, np.array([0.0, 0.0, 1.0]))
    right /= np.linalg.norm(right)
    down = np.cross(forward, right)
    # Aim off the subject (it lands away from the image centre) by turning the camera a little.
    pan, tilt = rng.uniform(-1.0, 1.0, size=2) * half_fov / 3.0
    roll = np.radians(rng.normal(0.0, 25.0 if rng.uniform() < 0.1 else 6.0))
    rows = np.stack([right, down, forward])
    turn = _small_rotation(tilt, pan, roll)
    return VirtualCamera(rotation=turn @ rows, position=position, focal=float(focal), width=int(width),
                         height=int(height))


def _small_rotation(about_x: float, about_y: float, about_z: float) -> np.ndarray:
    """(3, 3) camera-frame rotation: tilt about x, pan about y, roll about z (radians)."""
    cx, sx, cy, sy, cz, sz = (np.cos(about_x), np.sin(about_x), np.cos(about_y), np.sin(about_y),
                              np.cos(about_z), np.sin(about_z))
    rx = np.array([[1, 0, 0], [0, cx, -sx], [0, sx, cx]])
    ry = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    rz = np.array([[cz, -sz, 0], [sz, cz, 0], [0, 0, 1]])
    return rz @ rx @ ry


def in_frame(pixels: np.ndarray, depth: np.ndarray, camera: VirtualCamera) -> np.ndarray:
    """(T,) bool: every joint of the frame in front of the camera (> 0.3 m) and inside the image.
    pixels (T, 17, 2), depth (T, 17) metres."""
    inside = ((pixels[..., 0] >= 0) & (pixels[..., 0] < camera.width) & (pixels[..., 1] >= 0)
              & (pixels[..., 1] < camera.height) & (depth > 0.3))
    return inside.all(axis=-1)


# ------------------------------------------------------------------------------------------ 2D inputs
def wild_input_frame() -> tuple[np.ndarray, float]:
    """The normalised frame of the inputs: root position (2,) and median pose extent, normalised screen
    units. They are the embedded data set's statistics (:func:`~jointformer.data.input_stats.
    default_input_stats`), so a wild model's inputs look like a Human3.6M model's."""
    stats = default_input_stats()
    return np.asarray(stats.root_median), stats.extent_median


def extent_normalise(points_px: np.ndarray, track_extent_px: float) -> np.ndarray:
    """(T, 17, 2) pixels of one track -> (T, 17, 2) in :func:`wild_input_frame`: each pose's root moved to
    the frame's root, scaled by extent / ``track_extent_px`` (the median pose extent of the track). The same
    arithmetic as ``jointformer.lift.normalization.normalise_extent`` with a track's median extent."""
    root, extent = wild_input_frame()
    return (points_px - points_px[:, :1]) * (extent / track_extent_px) + root


def _pose_extents(points: np.ndarray) -> np.ndarray:
    """(T, 17, 2) -> (T,): the larger side of each pose's bounding box (as ``pose_extent_2d``)."""
    return (points.max(axis=1) - points.min(axis=1)).max(axis=-1)


def add_wild_noise(points_px: np.ndarray, rng: np.random.Generator, config: WildConfig) -> np.ndarray:
    """(T, 17, 2) pixels -> noisy copy: Gaussian jitter with a per-sequence std (a fraction of the median
    extent, ``config.noise_relative``) times each joint's scale, plus gross errors (5-15 % of the extent)
    on ``config.gross_rate`` of the joints."""
    extent = float(np.median(_pose_extents(points_px)))
    sigma = rng.uniform(*config.noise_relative) * extent
    noisy = points_px + rng.standard_normal(points_px.shape) * sigma * _JOINT_NOISE[:, None]
    gross = rng.uniform(size=points_px.shape[:2]) < config.gross_rate
    directions = rng.standard_normal(points_px.shape)
    directions /= np.linalg.norm(directions, axis=-1, keepdims=True).clip(1e-9)
    noisy[gross] += directions[gross] * rng.uniform(0.05, 0.15, size=(int(gross.sum()), 1)) * extent
    return noisy


# ------------------------------------------------------------------------------------------ sequences
@dataclass
class _Rendered:
    inputs: list[np.ndarray] = field(default_factory=list)  # (T, 17, 2) normalised
    targets: list[np.ndarray] = field(default_factory=list)  # (T, 17, 3) metres camera root-relative
    source: list[np.ndarray] = field(default_factory=list)  # (T,) int64 index into source names
    camera: list[np.ndarray] = field(default_factory=list)  # (T,) int64 camera draw index


def render_sequence(positions_world: np.ndarray, camera: VirtualCamera, rng: np.random.Generator,
                    config: WildConfig) -> tuple[np.ndarray, np.ndarray] | None:
    """One track through one camera: ((T', 17, 2) normalised inputs, (T', 17, 3) metres camera frame
    root-relative targets) of the frames fully in the image, or None when fewer than 10 are."""
    points_camera = camera.to_camera(positions_world)
    pixels = camera.project(np.where(points_camera[..., 2:3] > 1e-3, points_camera, 1e-3))
    visible = in_frame(pixels, points_camera[..., 2], camera)
    if visible.sum() < 10:
        return None
    noisy = add_wild_noise(pixels[visible], rng, config)
    inputs = extent_normalise(noisy, float(np.median(_pose_extents(noisy))))
    targets = points_camera[visible] - points_camera[visible][:, :1]
    return inputs.astype(np.float32), targets.astype(np.float32)


def _prepare_body(positions: np.ndarray, rng: np.random.Generator, config: WildConfig) -> np.ndarray:
    """(T, 17, 3) metres world -> the same motion on a drawn body, keypoint definition and tilt."""
    body = retarget(positions, draw_bone_lengths(rng))
    if config.detector_definition:
        body = apply_definition(body, float(rng.uniform(0.0, 1.2)))
    if rng.uniform() < config.tilt_probability:
        body = _tilt(body, rng)
    return body


def _render_all(positions: np.ndarray, cameras: int, rng: np.random.Generator, config: WildConfig,
                rendered: _Rendered, source_index: int) -> None:
    for _ in range(cameras):
        body = _prepare_body(positions, rng, config)
        for _attempt in range(5):
            result = render_sequence(body, draw_camera(body[:, 0].mean(axis=0), rng), rng, config)
            if result is not None:
                break
        if result is None:
            continue
        rendered.inputs.append(result[0])
        rendered.targets.append(result[1])
        rendered.source.append(np.full(len(result[0]), source_index, dtype=np.int64))
        rendered.camera.append(np.full(len(result[0]), len(rendered.camera), dtype=np.int64))


def motion_sources(config: WildConfig) -> list[tuple[str, np.ndarray, int]]:
    """(name, (T, 17, 3) metres world z up at ``config.fps``, cameras to draw) for every motion used."""
    sources: list[tuple[str, np.ndarray, int]] = []
    for seed in config.synthetic_seeds:
        synthetic = generate_positions_3d(SyntheticConfig(seed=seed, subjects=config.synthetic_subjects))
        for subject, actions in synthetic.items():
            for action, positions in actions.items():
                step = max(1, round(50.0 / config.fps))
                kept = reduce_to_17(positions.astype(np.float64))[::step]
                sources.append((f"synthetic seed {seed} {subject} {action}", kept,
                                config.cameras_per_sequence))
    for path in config.bvh_files:
        positions, fps = read_bvh_h36m(path)
        step = max(1, round(fps / config.fps))
        sources.append((f"bvh {Path(path).name}", positions[::step], config.bvh_cameras_per_clip))
    if config.articulation:
        clips = articulated_motions(config.seed, config.articulation_clips, config.articulation_seconds,
                                    config.fps, REFERENCE_BONE_LENGTHS)
        sources.extend((name, positions, config.articulation_cameras) for name, positions in clips)
    return sources


def build_wild_pose_set(config: WildConfig) -> PoseSet:
    """Render every motion of ``config`` through its drawn cameras into one pose set (inputs in the
    input frame of :func:`wild_input_frame`, targets metres camera frame root-relative). ``action`` indexes
    the motion's name (``actions``), ``subject`` is 0 ("wild"), ``camera`` the camera draw."""
    rng = np.random.default_rng([config.seed, 7_771])
    sources = motion_sources(config)
    rendered = _Rendered()
    for index, (_name, positions, cameras) in enumerate(sources):
        _render_all(positions, cameras, rng, config, rendered, index)
    if not rendered.inputs:
        raise ValueError("the wild configuration rendered no frame (no motion sources?)")
    return _pose_set(rendered, tuple(name for name, _positions, _cameras in sources))


def _pose_set(rendered: _Rendered, names: Sequence[str]) -> PoseSet:
    count = sum(len(part) for part in rendered.inputs)
    return PoseSet(
        inputs_2d=torch.from_numpy(np.concatenate(rendered.inputs)),
        targets_3d=torch.from_numpy(np.concatenate(rendered.targets)),
        action=torch.from_numpy(np.concatenate(rendered.source)),
        subject=torch.zeros(count, dtype=torch.int64),
        camera=torch.from_numpy(np.concatenate(rendered.camera)),
        actions=tuple(names), subjects=("wild",),
        joints_left_2d=SKELETON17.joints_left, joints_right_2d=SKELETON17.joints_right,
        joints_left_3d=SKELETON17.joints_left, joints_right_3d=SKELETON17.joints_right)
