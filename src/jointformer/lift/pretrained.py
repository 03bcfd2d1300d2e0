"""The packaged lifting model: where its weights live, and the figures it is checked against.

``weights/wild_stage1.pth.tar`` is a stage-1 JointFormer trained on the in-the-wild set
(:mod:`jointformer.data.wild`) by ``python tools/train_wild.py`` (the exact command, the data configuration,
the seed and its figures are stored in the checkpoint under ``provenance``). :meth:`jointformer.lift.lifter.
Lifter.pretrained` loads it.

The check set: the embedded Human3.6M-layout data set's test subjects (S9, S11, seed 0, one trial per
action, every 4th frame, the four published cameras' exact 2D), lifted pose by pose with the lifter's
default "extent" normalisation and flip test. Poses: (N, 17, 2) normalised screen in, (N, 17, 3) metres
camera frame root-relative out.
"""

from __future__ import annotations

import tempfile
from importlib import resources
from pathlib import Path
from typing import Any

import torch

from jointformer.checkpoint import read_checkpoint
from jointformer.data.h36m import TEST_SUBJECTS, load_pose_set
from jointformer.data.poseset import PoseSet, pose_extent_2d
from jointformer.data.synthetic import SyntheticConfig, write_synthetic_dataset
from jointformer.errors import CheckpointError, JointformerError
from jointformer.metrics import MM_PER_M, mpjpe, p_mpjpe

PRETRAINED_NAME = "wild_stage1.pth.tar"
CHECK_SET_DOWNSAMPLE = 4


def pretrained_path() -> Path:
    """Path of the packaged checkpoint (CheckpointError if the package was installed without it)."""
    path = Path(str(resources.files("jointformer").joinpath("weights", PRETRAINED_NAME)))
    if not path.is_file():
        raise CheckpointError(f"the packaged weights {path} are missing: reinstall jointformer, or train "
                              f"them with `python tools/train_wild.py` (see the README, 'In the wild')")
    return path


def checkpoint_or_packaged(checkpoint: str | None, refiner: str | None) -> tuple[str, bool]:
    """The command line's lifting checkpoint: ``checkpoint`` when given, else the packaged model's path.
    Returns (path, whether it is the packaged model). A refiner needs its own stage 1, so ``refiner``
    without ``checkpoint`` is a JointformerError."""
    if checkpoint is not None:
        return checkpoint, False
    if refiner is not None:
        raise JointformerError("--refiner needs --checkpoint (the stage-1 model it was trained on top of); "
                               "the packaged model has no refiner")
    return str(pretrained_path()), True


def provenance(path: str | Path | None = None) -> dict[str, Any]:
    """The ``provenance`` record of a wild checkpoint (command, data configuration, seed, figures)."""
    path = pretrained_path() if path is None else Path(path)
    record = read_checkpoint(path).get("provenance")
    if not isinstance(record, dict):
        raise CheckpointError(f"{path}: no 'provenance' record (not written by tools/train_wild.py)")
    return record


def embedded_check_set() -> PoseSet:
    """The check set of the module docstring (written to a temporary directory in a few seconds)."""
    with tempfile.TemporaryDirectory() as directory:
        write_synthetic_dataset(directory, SyntheticConfig(seed=0, trials=1, subjects=TEST_SUBJECTS))
        return load_pose_set(directory, "gt", TEST_SUBJECTS, downsample=CHECK_SET_DOWNSAMPLE)


@torch.no_grad()
def check_set_figures(lifting_model: torch.nn.Module, check_set: PoseSet) -> dict[str, float]:
    """Protocol #1 and #2 (mm) of a ``LiftingModel`` on ``check_set``: each pose extent-normalised on its
    own (the lifter's single-image path), flip test as configured in the model."""
    inputs = check_set.inputs_2d.float()
    predicted, _error = lifting_model(inputs, pose_extent_2d(inputs))
    return {"protocol1_mm": float(mpjpe(predicted, check_set.targets_3d).double().mean()) * MM_PER_M,
            "protocol2_mm": float(p_mpjpe(predicted, check_set.targets_3d).double().mean()) * MM_PER_M,
            "poses": len(check_set)}
