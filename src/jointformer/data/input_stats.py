"""Input statistics: what a model's 2D training inputs looked like, stored with the model.

All coordinates are normalised screen units (see :mod:`jointformer.data.camera`): x in [-1, 1] across the
image width, y scaled alike. ``extent`` is :func:`~jointformer.data.poseset.pose_extent_2d`, the larger
side of a pose's 2D bounding box. Lifting uses these statistics to bring other cameras' keypoints into the
training distribution (root position, size) and to place missing joints (pose templates).

On disk (a checkpoint's ``input_stats`` entry) they are a plain dict of numbers and nested lists:
:meth:`InputStats.to_dict` writes exactly that dict and :meth:`InputStats.from_dict` reads it back.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from jointformer.data.poseset import pose_extent_2d, pose_templates_2d
from jointformer.data.skeleton import TRAIN_SUBJECTS

if TYPE_CHECKING:
    from jointformer.data.poseset import PoseSet

Point2 = tuple[float, float]
Pose2 = tuple[Point2, ...]

_QUANTILE_SUBSET = 100_000  # torch.quantile caps its input size; a fixed random subset of poses is plenty


@dataclass(frozen=True)
class InputStats:
    """Statistics of a set of 2D inputs (normalised screen units).

    extent_median: median pose extent. root_median: (2,) median root (joint 0) position.
    mean_pose_2d: (17, 2) mean root-relative pose. extent_p05, extent_p95: 5th and 95th percentile of
    the extent (None where a checkpoint stores none). pose_templates_2d: (M, 17, 2) representative
    root-relative poses of unit extent (:func:`~jointformer.data.poseset.pose_templates_2d`; None in
    checkpoints trained before they were stored). source: where the statistics come from, for statistics
    that are not a checkpoint's own (None for a checkpoint's).
    """

    extent_median: float
    root_median: Point2
    mean_pose_2d: Pose2
    extent_p05: float | None = None
    extent_p95: float | None = None
    pose_templates_2d: tuple[Pose2, ...] | None = None
    source: str | None = None

    @classmethod
    def from_pose_set(cls, pose_set: PoseSet) -> InputStats:
        """The statistics of ``pose_set.inputs_2d`` (N, 17, 2): extent quantiles, median root, the mean
        root-relative pose (rounded to 5 decimals) and 64 pose templates (rounded to 4 decimals)."""
        inputs_2d = pose_set.inputs_2d
        if len(inputs_2d) == 0:
            raise ValueError("input statistics of an empty pose set are undefined")
        extent = pose_extent_2d(inputs_2d).float().cpu()
        subset = torch.randperm(len(extent), generator=torch.Generator().manual_seed(0))[:_QUANTILE_SUBSET]
        quantiles = torch.quantile(extent[subset], torch.tensor([0.05, 0.5, 0.95]))
        root = inputs_2d[:, 0].float().cpu().median(dim=0).values
        centred = (inputs_2d - inputs_2d[:, :1]).double().mean(dim=0).cpu()  # (17, 2)
        templates = np.round(pose_templates_2d(inputs_2d), 4).tolist()
        return cls(
            extent_p05=float(quantiles[0]), extent_median=float(quantiles[1]), extent_p95=float(quantiles[2]),
            root_median=(float(root[0]), float(root[1])),
            mean_pose_2d=tuple((round(float(x), 5), round(float(y), 5)) for x, y in centred),
            pose_templates_2d=_nested_tuples(templates),
        )

    @classmethod
    def from_dict(cls, stats: Mapping[str, Any]) -> InputStats:
        """The statistics of a checkpoint's ``input_stats`` dict (checked by
        :func:`jointformer.checkpoint.read_input_stats`); keys other than the fields are ignored."""
        templates = stats.get("pose_templates_2d")
        return cls(
            extent_median=stats["extent_median"], root_median=_nested_tuples(stats["root_median"]),
            mean_pose_2d=_nested_tuples(stats["mean_pose_2d"]),
            extent_p05=stats.get("extent_p05"), extent_p95=stats.get("extent_p95"),
            pose_templates_2d=None if templates is None else _nested_tuples(templates),
            source=stats.get("source"),
        )

    def to_dict(self) -> dict[str, Any]:
        """The on-disk dict: the fields that are set, numbers as stored and nested lists for the arrays,
        in the order the training loop has always written them."""
        entries = {
            "extent_p05": self.extent_p05, "extent_median": self.extent_median, "extent_p95": self.extent_p95,
            "root_median": _nested_lists(self.root_median), "mean_pose_2d": _nested_lists(self.mean_pose_2d),
            "pose_templates_2d": None if self.pose_templates_2d is None else _nested_lists(
                self.pose_templates_2d),
            "source": self.source,
        }
        return {name: value for name, value in entries.items() if value is not None}


def _nested_tuples(values: Any) -> Any:
    """Nested lists (or tuples) -> the same numbers as nested tuples (the objects themselves kept)."""
    return tuple(_nested_tuples(value) for value in values) if isinstance(values, list | tuple) else values


def _nested_lists(values: Any) -> Any:
    """Nested tuples -> the same numbers as nested lists."""
    return [_nested_lists(value) for value in values] if isinstance(values, tuple) else values


DEFAULT_STATS_SOURCE = "defaults from the embedded data set (the checkpoint stores no input statistics)"
DEFAULT_STATS_DECIMALS = 4
"""Decimals of the default statistics' extents, root and mean pose (the templates keep their own 4)."""


@cache
def default_input_stats() -> InputStats:
    """Statistics of the embedded data set's 2D poses (detector-like file, training subjects, every frame,
    default :class:`~jointformer.data.synthetic.SyntheticConfig`, seed 0), rounded to
    ``DEFAULT_STATS_DECIMALS``. They stand in for checkpoints that carry none (the published ones): both
    describe people seen by the four published Human3.6M cameras. Generated on first use (about 5 s: the
    training subjects' sequences are written to a temporary directory and read back as training reads
    them), then kept for the process."""
    # Imported here: only checkpoints without statistics need the generator (60 ms of imports otherwise).
    from jointformer.data.h36m import load_pose_set
    from jointformer.data.synthetic import DEFAULT_DETECTOR_NAME, SyntheticConfig, write_synthetic_dataset

    with tempfile.TemporaryDirectory(prefix="jointformer-stats-") as directory:
        config = SyntheticConfig(subjects=TRAIN_SUBJECTS)  # each subject's draws do not depend on the others
        write_synthetic_dataset(directory, config)
        train_set = load_pose_set(directory, DEFAULT_DETECTOR_NAME, TRAIN_SUBJECTS)
    stats = InputStats.from_pose_set(train_set)
    decimals = DEFAULT_STATS_DECIMALS
    return replace(
        stats, extent_p05=round(stats.extent_p05, decimals),
        extent_median=round(stats.extent_median, decimals), extent_p95=round(stats.extent_p95, decimals),
        root_median=(round(stats.root_median[0], decimals), round(stats.root_median[1], decimals)),
        mean_pose_2d=tuple((round(x, decimals), round(y, decimals)) for x, y in stats.mean_pose_2d),
        source=DEFAULT_STATS_SOURCE)
