"""Each family's optimiser and schedule: SemGCN's step decay reproduces its published update rule."""

import pytest
import torch

from jointformer.models.jointformer import JointFormerConfig
from jointformer.models.linear import LinearModelConfig
from jointformer.models.semgcn import SemGCNConfig
from jointformer.recipes import StepDecay, build_optimizer, build_scheduler


def published_rates(lr: float, decay: int, gamma: float, iterations: int) -> list[float]:
    """garyzhao/SemGCN main_gcn.py: at step 1 and every multiple of decay, lr * gamma ** (step / decay)."""
    rates, lr_now = [], lr
    for step in range(1, iterations + 1):
        if step % decay == 0 or step == 1:
            lr_now = lr * gamma ** (step / decay)
        rates.append(lr_now)
    return rates


@pytest.mark.parametrize("config", [SemGCNConfig(hid_dim=8, num_layers=1), LinearModelConfig(linear_size=8)])
def test_baselines_get_adam_and_the_published_step_decay(config) -> None:
    parameter = torch.nn.Parameter(torch.zeros(3))
    optimizer = build_optimizer(config, [parameter], lr=1e-3)
    assert type(optimizer) is torch.optim.Adam
    scheduler = build_scheduler(config, optimizer, total_iterations=100, lr_decay=7, lr_gamma=0.5)
    rates = []
    for iteration in range(40):  # the training loop steps the scheduler before every iteration but the first
        if iteration > 0:
            scheduler.step()
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
    assert rates == pytest.approx(published_rates(1e-3, 7, 0.5, 40), rel=1e-12)
    assert rates[6] < rates[5]  # the staircase: iteration 7 is the first decay


def test_jointformer_keeps_adamw_and_cosine() -> None:
    parameter = torch.nn.Parameter(torch.zeros(3))
    optimizer = build_optimizer(JointFormerConfig(), [parameter], lr=1e-3)
    assert type(optimizer) is torch.optim.AdamW
    scheduler = build_scheduler(JointFormerConfig(), optimizer, total_iterations=10, lr_decay=1, lr_gamma=0.1)
    assert isinstance(scheduler, torch.optim.lr_scheduler.CosineAnnealingLR)


def test_step_decay_refuses_bad_values() -> None:
    with pytest.raises(ValueError, match="lr_decay"):
        StepDecay(0, 0.9)
    with pytest.raises(ValueError, match="lr_gamma"):
        StepDecay(10, 0.0)
