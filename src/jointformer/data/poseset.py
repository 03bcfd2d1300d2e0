"""Pose sets: every (2D input, 3D target) pair of a split as flat, contiguous float32 tensors.

Shapes: ``N`` poses, 17 joints.
- ``inputs_2d``: (N, 17, 2) normalised screen coordinates (see :mod:`jointformer.data.camera`).
- ``targets_3d``: (N, 17, 3) metres, camera frame, root-relative (joint 0 is exactly zero).
- ``action``, ``subject``, ``camera``: (N,) int64 indices into ``actions``, ``subjects`` and the camera
  order of :data:`jointformer.data.camera.CAMERA_ORDER`.

Batches are drawn by index from the tensors themselves (no DataLoader, no per-sample Python code), so a
pose set moved to a GPU serves batches without host-device copies.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

import numpy as np
import torch

from jointformer.data.skeleton import flip_horizontal


def pose_extent_2d(points_2d: torch.Tensor) -> torch.Tensor:
    """Size of each 2D pose: the larger side of its bounding box.

    points_2d: (..., J, 2), any units (normalised screen for the statistics stored with a model). Returns
    (...,) in the same units. NaN joints are ignored.
    """
    low = torch.where(points_2d.isnan(), torch.inf, points_2d).amin(dim=-2)
    high = torch.where(points_2d.isnan(), -torch.inf, points_2d).amax(dim=-2)
    return (high - low).amax(dim=-1)


@dataclass(frozen=True)
class PoseSet:
    """A split of a data set, held as tensors on one device (see the module docstring for shapes)."""

    inputs_2d: torch.Tensor
    targets_3d: torch.Tensor
    action: torch.Tensor
    subject: torch.Tensor
    camera: torch.Tensor
    actions: tuple[str, ...]
    subjects: tuple[str, ...]
    joints_left_2d: tuple[int, ...]
    joints_right_2d: tuple[int, ...]
    joints_left_3d: tuple[int, ...]
    joints_right_3d: tuple[int, ...]

    def __len__(self) -> int:
        return self.inputs_2d.shape[0]

    @property
    def device(self) -> torch.device:
        return self.inputs_2d.device

    def nbytes(self) -> int:
        """Bytes held by the tensors of this set."""
        tensors = (self.inputs_2d, self.targets_3d, self.action, self.subject, self.camera)
        return sum(tensor.element_size() * tensor.nelement() for tensor in tensors)

    def to(self, device: torch.device | str) -> PoseSet:
        """The same set with every tensor on ``device``."""
        return replace(
            self,
            inputs_2d=self.inputs_2d.to(device),
            targets_3d=self.targets_3d.to(device),
            action=self.action.to(device),
            subject=self.subject.to(device),
            camera=self.camera.to(device),
        )

    def select(self, mask_or_indices: torch.Tensor) -> PoseSet:
        """The subset picked by a (N,) bool mask or a (M,) int64 index tensor, as contiguous tensors."""
        return replace(
            self,
            inputs_2d=self.inputs_2d[mask_or_indices].contiguous(),
            targets_3d=self.targets_3d[mask_or_indices].contiguous(),
            action=self.action[mask_or_indices].contiguous(),
            subject=self.subject[mask_or_indices].contiguous(),
            camera=self.camera[mask_or_indices].contiguous(),
        )

    def of_action(self, action: str) -> PoseSet:
        """The poses of one action group (e.g. "Walking"), all subjects and cameras."""
        if action not in self.actions:
            raise ValueError(f"action {action!r} is not in this pose set; it holds {', '.join(self.actions)}")
        return self.select(self.action == self.actions.index(action))

    def batch(self, indices: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(B,) int64 indices -> inputs (B, 17, 2) normalised screen, targets (B, 17, 3) metres."""
        return self.inputs_2d[indices], self.targets_3d[indices]

    def shuffled_batches(self, batch_size: int, generator: torch.Generator | None = None,
                         drop_last: bool = False) -> Iterator[torch.Tensor]:
        """Index tensors (B,) of one epoch in random order; every pose once (the last batch may be short)."""
        order = torch.randperm(len(self), generator=generator, device="cpu").to(self.device)
        stop = len(self) - len(self) % batch_size if drop_last else len(self)
        for start in range(0, stop, batch_size):
            yield order[start:start + batch_size]

    def ordered_batches(self, batch_size: int) -> Iterator[torch.Tensor]:
        """Index tensors (B,) covering the set in its stored order (for evaluation)."""
        for start in range(0, len(self), batch_size):
            yield torch.arange(start, min(start + batch_size, len(self)), device=self.device)

    def flip_2d(self, inputs_2d: torch.Tensor) -> torch.Tensor:
        """Mirror (..., 17, 2) normalised-screen inputs with the 2D file's left/right lists."""
        return flip_horizontal(inputs_2d, self.joints_left_2d, self.joints_right_2d)

    def flip_3d(self, poses_3d: torch.Tensor) -> torch.Tensor:
        """Mirror (..., 17, 3) camera-frame poses with the skeleton's left/right lists."""
        return flip_horizontal(poses_3d, self.joints_left_3d, self.joints_right_3d)

    def random_flip(self, inputs_2d: torch.Tensor, targets_3d: torch.Tensor,
                    generator: torch.Generator | None = None,
                    probability: float = 0.5) -> tuple[torch.Tensor, torch.Tensor]:
        """Flip augmentation: mirror each pose of a batch independently with ``probability``.

        inputs_2d (B, 17, 2) normalised screen, targets_3d (B, 17, 3) metres camera frame; returns new
        tensors of the same shapes. Vectorised: one draw of B uniforms, one gather, one select.
        """
        draws = torch.rand(inputs_2d.shape[0], generator=generator, device="cpu").to(inputs_2d.device)
        flip = (draws < probability)[:, None, None]
        return (torch.where(flip, self.flip_2d(inputs_2d), inputs_2d),
                torch.where(flip, self.flip_3d(targets_3d), targets_3d))


TEMPLATE_COUNT = 64
"""Poses in ``pose_templates_2d``: enough to hold the training set's postures and view directions (measured
on the embedded test set, one joint hidden at a time: median fill error 14.9 px with 64 random training
poses, 10.7 px with 64 k-means centres, 9.6 px with 128)."""


def pose_templates_2d(inputs_2d: torch.Tensor, count: int = TEMPLATE_COUNT, iterations: int = 15,
                      sample: int = 30_000) -> np.ndarray:
    """Representative 2D poses of a set: k-means centres of its root-relative poses, each scaled to unit
    extent (:func:`pose_extent_2d`), so that poses of any size cluster by posture and view direction.

    inputs_2d: (N, 17, 2) normalised screen coordinates. Returns (count, 17, 2) float64, root-relative,
    unit extent (fewer rows when the set holds fewer poses). Deterministic: a fixed random subset of at
    most ``sample`` poses and seeded starting centres; ``iterations`` Lloyd steps.
    """
    generator = torch.Generator().manual_seed(0)
    chosen = torch.randperm(len(inputs_2d), generator=generator)[:sample]
    poses = inputs_2d[chosen.to(inputs_2d.device)].double().cpu()
    poses = poses - poses[:, :1]
    poses = poses / pose_extent_2d(poses).clamp_min(1e-9)[:, None, None]
    flat = poses.reshape(len(poses), -1)  # (S, 34)
    centres = flat[torch.randperm(len(flat), generator=generator)[:count]].clone()
    for _ in range(iterations):
        nearest = torch.cdist(flat, centres).argmin(dim=1)  # (S,)
        sums = torch.zeros_like(centres).index_add_(0, nearest, flat)
        counts = torch.bincount(nearest, minlength=len(centres)).double()[:, None]
        centres = torch.where(counts > 0, sums / counts.clamp_min(1), centres)  # an empty cluster stays put
    return centres.reshape(-1, 17, 2).numpy()
