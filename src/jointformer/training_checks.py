"""Checks that keep a training run honest: divergence detection and the conditions of an exact resume.

- Divergence: the first iteration whose loss is NaN or infinite is recorded on the device (no extra
  synchronisation per step) and checked every 50 iterations and at the end of each epoch; training then
  stops with :class:`TrainingDivergedError`, before the bad weights are validated or saved, so the run's
  ``ckpt_last.pth.tar`` keeps the last good epoch. A validation whose poses are not finite (weights grown
  so large that the loss stayed finite while evaluation overflows) stops training the same way.
- Resume: the checkpoint's fields are validated, its stored architecture must equal the one the run is
  built with, and the cosine schedule it was planned with (``T_max`` iterations) must equal this run's
  ``epochs × iterations per epoch``: resuming with another ``--epochs`` (or ``--batch_size``) would restart
  the cosine mid-way, so it is refused.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from jointformer.atomic_files import remove_stale_temporaries
from jointformer.checkpoint import validate_resume_state
from jointformer.errors import CheckpointError, JointformerError
from jointformer.models.registry import ModelConfig, config_from_dict, config_to_dict


class TrainingDivergedError(JointformerError):
    """The training loss became NaN or infinite; ``step``: the run's 1-based iteration where it first did."""

    def __init__(self, step: int, what: str = "the loss became NaN or infinite",
                 message: str | None = None) -> None:
        super().__init__(message or f"training diverged: {what} at iteration {step}")
        self.step, self.what = step, what

    def with_checkpoint(self, last_checkpoint: Path, finished_epochs: int) -> TrainingDivergedError:
        """The same error, saying which checkpoint holds the last good weights (``finished_epochs``: the
        epochs saved before the one that diverged)."""
        if finished_epochs == 0:
            where = ("no checkpoint was written (it diverged in the first epoch); start again with a lower "
                     "--lr")
        else:
            where = (f"{last_checkpoint} holds the last good weights (epoch {finished_epochs}); resuming it "
                     f"repeats the same iterations exactly, so start again with a lower --lr")
        return TrainingDivergedError(
            self.step, self.what, f"training diverged: {self.what} at iteration {self.step} (epoch "
                       f"{finished_epochs + 1}); nothing of this epoch was saved; {where}")


def new_divergence_monitor(device: torch.device) -> torch.Tensor:
    """A () int64 tensor on ``device``: -1, or the first iteration whose loss was not finite."""
    return torch.full((), -1, dtype=torch.int64, device=device)


def record_divergence(monitor: torch.Tensor, loss: torch.Tensor, step: int) -> None:
    """Note ``step`` in ``monitor`` if ``loss`` is not finite and no step was noted before (on the device)."""
    first = (monitor < 0) & ~torch.isfinite(loss.detach())
    monitor.copy_(torch.where(first, torch.full_like(monitor, step), monitor))


def raise_if_diverged(monitor: torch.Tensor) -> None:
    """Raise TrainingDivergedError when ``monitor`` noted a step (this synchronises with the device)."""
    step = int(monitor)
    if step >= 0:
        raise TrainingDivergedError(step)


def checked_validation(evaluate: Callable[[], Any], step: int, last_checkpoint: Path,
                       finished_epochs: int) -> Any:
    """Run ``evaluate`` (the end-of-epoch validation); predictions so large or undefined that the metrics
    cannot be computed (a diverged model whose loss still looked finite) raise TrainingDivergedError
    before anything of the epoch is saved. ``finished_epochs``: epochs saved before this one."""
    try:
        result = evaluate()
    except torch.linalg.LinAlgError:
        result = None
    if result is None or not (math.isfinite(result.overall_protocol1)
                              and math.isfinite(result.overall_protocol2)):
        error = TrainingDivergedError(step, "the validation poses are not finite")
        raise error.with_checkpoint(last_checkpoint, finished_epochs)
    return result


def _architecture_conflicts(stored: ModelConfig, given: ModelConfig) -> list[str]:
    stored_fields, given_fields = config_to_dict(stored), config_to_dict(given)
    return [f"{name} (checkpoint {stored_fields[name]!r}, this run {given_fields[name]!r})"
            for name in stored_fields if stored_fields[name] != given_fields.get(name)]


def check_resume(checkpoint: dict[str, Any], path: str | Path, model_config: ModelConfig,
                 planned_steps: int) -> None:
    """Refuse a resume that cannot continue the checkpoint's run exactly.

    checkpoint: as read by :func:`~jointformer.checkpoint.read_checkpoint`. model_config: the architecture
    the run builds. planned_steps: this run's epochs × iterations per epoch (the cosine schedule's length).
    Raises CheckpointError (malformed fields, another architecture) or JointformerError (another schedule).
    """
    validate_resume_state(checkpoint, path)
    if checkpoint.get("config") is not None:
        try:
            stored = config_from_dict(checkpoint["config"])
        except (TypeError, ValueError) as error:
            raise CheckpointError(f"{path}: stored 'config' is not a valid model config: {error}") from error
        conflicts = _architecture_conflicts(stored, model_config)
        if conflicts:
            raise CheckpointError(f"{path}: the run's architecture differs from the one stored in the "
                                  f"checkpoint: {'; '.join(conflicts)}; resume takes the stored one, drop "
                                  f"the contradicting flags")
    planned_before = checkpoint["scheduler"].get("T_max")  # only the cosine schedule has a planned length
    if planned_before is not None and planned_before != planned_steps:
        raise JointformerError(
            f"{path}: this run's cosine schedule spans {planned_before} iterations; resuming it over "
            f"{planned_steps} (another --epochs or --batch_size) would restart the cosine part-way and train "
            f"at a high learning rate again. Resume with the run's own --epochs and --batch_size (see its "
            f"config.json), or start a new run")


def remove_stale_run_temporaries(run_dir: Path) -> None:
    """Delete the partial temporary files that a killed earlier process of this run left in ``run_dir``."""
    removed = remove_stale_temporaries(run_dir)
    if removed:
        print(f"==> removed {len(removed)} partial file(s) left by an interrupted write: "
              f"{', '.join(path.name for path in removed)}", flush=True)
