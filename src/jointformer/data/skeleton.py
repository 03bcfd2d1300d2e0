"""The Human3.6M skeletons and the one flip function of the package.

Facts come from ``h36m.json`` (shipped beside this module, a copy of the published calibration and
skeleton tables). Conventions used throughout the package:

- ``J`` is the number of joints (17 for the model, 32 for the raw mocap), ``C`` the coordinate count
  (2 for image or normalised-screen points, 3 for metric points).
- Joint order is the Human3.6M 17-joint order of ``SKELETON17.names``; joint 0 (``Hip``, the pelvis) is the
  root.
- "Left" and "right" are the subject's own left and right.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, TypeVar

import numpy as np
import torch

ArrayT = TypeVar("ArrayT", np.ndarray, torch.Tensor)


@dataclass(frozen=True)
class Skeleton:
    """A kinematic tree: ``parents[j]`` is the parent of joint ``j`` (-1 for the root)."""

    names: tuple[str, ...]
    parents: tuple[int, ...]
    joints_left: tuple[int, ...]
    joints_right: tuple[int, ...]

    @property
    def num_joints(self) -> int:
        return len(self.parents)

    def bones(self) -> list[tuple[int, int]]:
        """(child, parent) pairs, one per non-root joint, in joint order."""
        return [(child, parent) for child, parent in enumerate(self.parents) if parent >= 0]

    def adjacency(self) -> np.ndarray:
        """(J, J) bool, True where two joints share a bone (both directions), diagonal False."""
        adjacency = np.zeros((self.num_joints, self.num_joints), dtype=bool)
        for child, parent in self.bones():
            adjacency[child, parent] = adjacency[parent, child] = True
        return adjacency


@cache
def h36m_facts() -> dict[str, Any]:
    """The parsed ``h36m.json``: cameras, subjects, actions and skeleton tables (see its ``_about``)."""
    text = resources.files("jointformer.data").joinpath("h36m.json").read_text(encoding="utf-8")
    return json.loads(text)


def _skeleton17() -> Skeleton:
    table = h36m_facts()["skeleton17"]
    return Skeleton(
        names=tuple(table["names"]),
        parents=tuple(table["parents"]),
        joints_left=tuple(table["joints_left"]),
        joints_right=tuple(table["joints_right"]),
    )


def _skeleton32() -> Skeleton:
    table = h36m_facts()["skeleton32"]
    return Skeleton(
        names=tuple(f"joint{index}" for index in range(len(table["parents"]))),
        parents=tuple(table["parents"]),
        joints_left=tuple(table["joints_left"]),
        joints_right=tuple(table["joints_right"]),
    )


SKELETON17: Skeleton = _skeleton17()
"""The 17-joint skeleton the model predicts (names, parents, left/right lists)."""

SKELETON32: Skeleton = _skeleton32()
"""The 32-joint Human3.6M mocap skeleton of ``data_3d_h36m.npz``."""

KEPT_FROM_32: tuple[int, ...] = tuple(h36m_facts()["skeleton17"]["kept_from_32"])
"""Indices into the 32 mocap joints of the 17 kept joints, in 17-joint order."""

ACTIONS: tuple[str, ...] = tuple(h36m_facts()["actions"])
TRAIN_SUBJECTS: tuple[str, ...] = tuple(h36m_facts()["train_subjects"])
TEST_SUBJECTS: tuple[str, ...] = tuple(h36m_facts()["test_subjects"])
ALL_SUBJECTS: tuple[str, ...] = TRAIN_SUBJECTS + TEST_SUBJECTS
FPS: int = int(h36m_facts()["fps"])


def reduce_to_17(positions_32: np.ndarray) -> np.ndarray:
    """Keep the 17 model joints of a 32-joint mocap array.

    positions_32: (..., 32, C), any units and frame. Returns (..., 17, C), same units and frame, a copy.
    """
    return positions_32[..., list(KEPT_FROM_32), :]


def action_group(action_key: str) -> str:
    """The action a sequence key belongs to: its first word ("SittingDown 2" -> "SittingDown")."""
    return action_key.split(" ")[0]


def flip_permutation(num_joints: int, joints_left: tuple[int, ...] | list[int],
                     joints_right: tuple[int, ...] | list[int]) -> list[int]:
    """Index list that swaps each left joint with its right partner: ``flipped = pose[..., perm, :]``."""
    if len(joints_left) != len(joints_right):
        raise ValueError(
            f"left/right joint lists differ in length: {len(joints_left)} left vs {len(joints_right)} right")
    permutation = list(range(num_joints))
    for left, right in zip(joints_left, joints_right, strict=True):
        permutation[left], permutation[right] = right, left
    return permutation


def flip_horizontal(poses: ArrayT, joints_left: tuple[int, ...] | list[int],
                    joints_right: tuple[int, ...] | list[int]) -> ArrayT:
    """Mirror poses left-right: negate x, then swap the left and right joints.

    poses: (..., J, C) with C >= 1, numpy or torch, in any frame whose x axis is the image's horizontal
    (normalised screen coordinates for 2D inputs, camera frame for 3D targets). Returns a new array of the
    same shape and type. Applying it twice returns the input.
    """
    permutation = flip_permutation(poses.shape[-2], joints_left, joints_right)
    flipped = poses[..., permutation, :]  # advanced indexing copies, so the input is left untouched
    flipped[..., 0] = -flipped[..., 0]
    return flipped
