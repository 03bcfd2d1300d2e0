"""Each model family's published optimiser and learning-rate schedule, for the shared training loop.

- JointFormer (stage 1 and refiner), as published: AdamW (PyTorch defaults but ``lr``),
  cosine annealing over the whole run; ``--lr_decay`` / ``--lr_gamma`` are accepted and have no effect.
- SemGCN and the linear baseline, as in garyzhao/SemGCN's ``main_gcn.py`` / ``main_linear.py``: Adam
  (PyTorch defaults but ``lr``) and a staircase exponential decay: at iteration 1 and at every multiple
  of ``lr_decay`` iterations the rate is set to ``lr * lr_gamma ** (iteration / lr_decay)`` and kept until
  the next such iteration. (Both clip the gradient norm to 1 unless ``--no_max``; the loop does that.)

The training loop steps the scheduler before every iteration but the first, so after n steps iteration
n + 1 runs; the schedules here are written in those terms.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import nn

from jointformer.models.registry import ModelConfig, model_name


class StepDecay:
    """SemGCN's staircase decay as a LambdaLR factor: after ``steps`` scheduler steps (iteration
    ``steps + 1``), ``gamma ** (s / decay_steps)`` with s the last iteration <= steps + 1 that is 1 or a
    multiple of ``decay_steps``. A plain object, so the scheduler's state dict can hold it."""

    def __init__(self, decay_steps: int, gamma: float) -> None:
        if decay_steps < 1:
            raise ValueError(f"lr_decay must be a positive number of iterations, got {decay_steps}")
        if not gamma > 0:
            raise ValueError(f"lr_gamma must be positive, got {gamma}")
        self.decay_steps = decay_steps
        self.gamma = gamma

    def __call__(self, steps: int) -> float:
        iteration = steps + 1
        last_update = max(1, iteration - iteration % self.decay_steps)
        return self.gamma ** (last_update / self.decay_steps)


def build_optimizer(config: ModelConfig, parameters: Iterable[nn.Parameter],
                    lr: float) -> torch.optim.Optimizer:
    """AdamW for JointFormer, Adam for SemGCN and the linear baseline (PyTorch defaults but ``lr``)."""
    if model_name(config) == "jointformer":
        return torch.optim.AdamW(parameters, lr=lr)
    return torch.optim.Adam(parameters, lr=lr)


def build_scheduler(config: ModelConfig, optimizer: torch.optim.Optimizer, total_iterations: int,
                    lr_decay: int, lr_gamma: float) -> torch.optim.lr_scheduler.LRScheduler:
    """Cosine annealing over ``total_iterations`` for JointFormer; SemGCN's step decay (``lr_decay``
    iterations, factor ``lr_gamma``) for SemGCN and the linear baseline."""
    if model_name(config) == "jointformer":
        return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=total_iterations)
    return torch.optim.lr_scheduler.LambdaLR(optimizer, StepDecay(lr_decay, lr_gamma))
