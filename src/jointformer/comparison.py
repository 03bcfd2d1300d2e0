"""Side-by-side comparison of trained checkpoints (any model family): accuracy per action, size and speed.

For each checkpoint: Protocol #1 / #2 per action on a test set (mm, the published protocol of
``jointformer.evaluation``), the learnable parameter count, forward speed (poses/s at batch 1024, eval mode,
no autograd, float32) and training speed (poses/s of a training step at batch 256: forward, the family's
loss, backward, the family's optimiser step, on a fresh copy of the architecture so the loaded weights are
untouched). Speeds are medians of repeated timed runs after a warm-up on this machine, with torch's
current thread count; on a shared machine they are noisy, so compare ratios from one run.

Inputs to the speed runs are random (B, 17, 2) normalised screen coordinates; speed does not depend on them.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path

import torch
from torch import nn

from jointformer.atomic_files import write_text_atomically
from jointformer.data.poseset import PoseSet
from jointformer.evaluation import EvaluationResult, evaluate_model
from jointformer.models.inference import predict
from jointformer.models.jointformer import TwoStage
from jointformer.models.registry import build, model_name, parameter_count
from jointformer.recipes import build_optimizer

FORWARD_BATCH = 1024
TRAIN_BATCH = 256
FAMILY_LABELS = {"jointformer": "JointFormer", "semgcn": "SemGCN", "linear": "Linear (Martinez)"}


@dataclass
class ModelComparison:
    """One checkpoint's figures: errors in mm, speeds in poses per second."""

    checkpoint: str
    label: str
    parameters: int
    protocol1: dict[str, float]
    protocol2: dict[str, float]
    forward_poses_per_s: float
    train_poses_per_s: float


def describe(model: nn.Module) -> str:
    """A short name of the model: its family, "non-local" for SemGCN with non-local blocks, "+ refiner"."""
    if isinstance(model, TwoStage):
        return f"{describe(model.stage1)} + refiner"
    config = model.config  # every model of the package carries its config
    name = FAMILY_LABELS[model_name(config)]
    return f"{name} non-local" if getattr(config, "non_local", False) else name


def call_seconds(step: Callable[[], object], repeats: int, warmup: int = 2) -> list[float]:
    """Wall time in seconds of each of ``repeats`` calls of ``step``, after ``warmup`` untimed calls."""
    for _ in range(warmup):
        step()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        step()
        times.append(time.perf_counter() - started)
    return times


def median_seconds(step: Callable[[], object], repeats: int, warmup: int = 2) -> float:
    """Median wall time of ``repeats`` calls of ``step`` after ``warmup`` untimed calls, in seconds."""
    return statistics.median(call_seconds(step, repeats, warmup))


def forward_speed(model: nn.Module, *, batch: int = FORWARD_BATCH, repeats: int = 5) -> float:
    """Poses per second of ``model`` (eval mode, no autograd) on a (batch, 17, 2) input, on its device."""
    device = next(model.parameters()).device
    inputs = torch.rand(batch, 17, 2, generator=torch.Generator().manual_seed(0)).mul_(2).sub_(1).to(device)
    model.eval()

    def step() -> None:
        with torch.no_grad():
            predict(model, inputs)

    return batch / median_seconds(step, repeats, warmup=1)


def training_speed(model: nn.Module, *, batch: int = TRAIN_BATCH, repeats: int = 5) -> float:
    """Poses per second of a training step of ``model``'s architecture (a fresh copy; a TwoStage trains its
    refiner on top of its fixed stage 1, as stage 2 does)."""
    from jointformer.training import refine_forward, refinement_loss, stage1_loss

    device = next(model.parameters()).device
    if isinstance(model, TwoStage):
        trainable = build(model.refiner.config).to(device)
        forward: Callable = partial(refine_forward, model.stage1, trainable)
        loss_function = refinement_loss
    else:
        trainable = build(model.config).to(device)
        forward, loss_function = trainable, stage1_loss
    trainable.train()
    optimizer = build_optimizer(trainable.config, trainable.parameters(), lr=1e-4)
    generator = torch.Generator().manual_seed(0)
    inputs = (torch.rand(batch, 17, 2, generator=generator) * 2 - 1).to(device)
    targets = (torch.randn(batch, 17, 3, generator=generator) * 0.2).to(device)

    def step() -> None:
        optimizer.zero_grad(set_to_none=True)
        loss_function(forward(inputs), targets).backward()
        optimizer.step()

    return batch / median_seconds(step, repeats, warmup=2)


def compare_model(checkpoint: str | Path, model: nn.Module, test_set: PoseSet, *, flip: bool = True,
                  repeats: int = 5) -> ModelComparison:
    """The figures of one loaded ``model`` (from ``checkpoint``) on ``test_set``."""
    result: EvaluationResult = evaluate_model(model, test_set, flip=flip)
    return ModelComparison(checkpoint=str(checkpoint), label=describe(model),
                           parameters=parameter_count(model), protocol1=dict(result.protocol1),
                           protocol2=dict(result.protocol2),
                           forward_poses_per_s=forward_speed(model, repeats=repeats),
                           train_poses_per_s=training_speed(model, repeats=repeats))


def compare_checkpoints(paths: Sequence[str | Path], test_set: PoseSet, *, flip: bool = True,
                        repeats: int = 5) -> list[ModelComparison]:
    """Load every checkpoint (ours or published, any family) onto the test set's device and compare them."""
    from jointformer.checkpoint import load_model

    rows = []
    for path in paths:
        model = load_model(path, map_location=test_set.device)
        rows.append(compare_model(path, model, test_set, flip=flip, repeats=repeats))
    _disambiguate(rows)
    return rows


def _disambiguate(rows: list[ModelComparison]) -> None:
    """Labels that occur twice get the checkpoint's parent directory name appended."""
    labels = [row.label for row in rows]
    for row in rows:
        if labels.count(row.label) > 1:
            row.label = f"{row.label} ({Path(row.checkpoint).parent.name})"


def format_comparison(rows: Sequence[ModelComparison]) -> str:
    """A Markdown table: one row per action, ``avg``, parameters and speeds; one column per checkpoint,
    cells "P1 / P2" in mm."""
    actions = list(rows[0].protocol1)
    header = "| | " + " | ".join(row.label for row in rows) + " |"
    lines = [header, "|" + "---|" * (len(rows) + 1)]
    for action in actions:
        name = "**Average (P1 / P2, mm)**" if action == "avg" else action
        cells = [f"{row.protocol1[action]:.1f} / {row.protocol2[action]:.1f}" for row in rows]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines.append("| Parameters | " + " | ".join(f"{row.parameters / 1e6:.2f} M" for row in rows) + " |")
    lines.append(f"| Forward, poses/s (batch {FORWARD_BATCH}) | "
                 + " | ".join(f"{row.forward_poses_per_s:,.0f}" for row in rows) + " |")
    lines.append(f"| Training, poses/s (batch {TRAIN_BATCH}) | "
                 + " | ".join(f"{row.train_poses_per_s:,.0f}" for row in rows) + " |")
    return "\n".join(lines)


def plot_comparison(path: str | Path, rows: Sequence[ModelComparison]) -> Path:
    """Bar charts: Protocol #1 per action (and the average) for each checkpoint, and the two speeds."""
    import numpy as np

    from jointformer.visualization.panels import new_figure, save_figure

    actions = list(rows[0].protocol1)
    figure = new_figure(min(14.0, max(8.0, 3.0 + 0.3 * len(actions) * len(rows))), 4.0)
    grid = figure.add_gridspec(1, 4)
    errors_axes = figure.add_subplot(grid[0, :3])
    speed_axes = figure.add_subplot(grid[0, 3])
    width = 0.8 / len(rows)
    positions = np.arange(len(actions))
    for index, row in enumerate(rows):
        errors_axes.bar(positions + (index - (len(rows) - 1) / 2) * width,
                        [row.protocol1[action] for action in actions], width, label=row.label)
    errors_axes.set_xticks(positions, [action if action != "avg" else "Average" for action in actions],
                           rotation=45, ha="right", fontsize=7)
    errors_axes.set_ylabel("Protocol #1 (mm), lower is better")
    errors_axes.legend(fontsize=7, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(rows),
                       frameon=False)
    kinds = ["forward", "training"]
    for index, row in enumerate(rows):
        speed_axes.bar(np.arange(2) + (index - (len(rows) - 1) / 2) * width,
                       [row.forward_poses_per_s, row.train_poses_per_s], width, label=row.label)
    speed_axes.set_xticks(np.arange(2), kinds, fontsize=8)
    speed_axes.set_yscale("log")
    speed_axes.set_title("poses/s (higher is better)", fontsize=9)
    figure.subplots_adjust(left=0.07, right=0.98, bottom=0.25, top=0.92, wspace=0.5)
    return save_figure(figure, path)


def write_comparison(out_dir: str | Path, rows: Sequence[ModelComparison]) -> dict[str, Path]:
    """Write ``comparison.md`` (the table), ``comparison.json`` (every figure) and ``comparison.png`` into
    ``out_dir`` (created); refuses to write over one of the compared checkpoints."""
    out_dir = Path(out_dir)
    paths = {"table": out_dir / "comparison.md", "json": out_dir / "comparison.json",
             "figure": out_dir / "comparison.png"}
    inputs = {Path(row.checkpoint).resolve() for row in rows}
    clashes = [str(path) for path in paths.values() if path.resolve() in inputs]
    if clashes:
        raise ValueError(f"compare: output {clashes} would overwrite a compared checkpoint; choose --out")
    out_dir.mkdir(parents=True, exist_ok=True)
    write_text_atomically(paths["table"], format_comparison(rows) + "\n")
    document = {"units": {"errors": "mm", "speeds": "poses/s"}, "forward_batch": FORWARD_BATCH,
                "train_batch": TRAIN_BATCH, "threads": torch.get_num_threads(),
                "models": [asdict(row) for row in rows]}
    write_text_atomically(paths["json"], json.dumps(document, indent=2) + "\n")
    plot_comparison(paths["figure"], rows)
    return paths
