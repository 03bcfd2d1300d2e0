"""Training curves: losses, validation errors (mm, best epoch marked) and learning rate, a panel each."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from jointformer.visualization.panels import new_figure, save_figure

_CURVE_GROUPS: tuple[tuple[str, Callable[[str], bool], str], ...] = (
    ("loss", lambda key: "loss" in key, "loss"),
    ("validation error", lambda key: key.endswith("_mm"), "mm"),
    ("learning rate", lambda key: key == "lr", "learning rate"),
)


def plot_training_curves(path: str | os.PathLike[str], history: Sequence[dict[str, float]]) -> Path:
    """Curves of a training run: losses, validation errors (mm, best epoch marked) and learning rate.

    history: one dict per epoch, e.g. {"epoch": 3, "train_loss": 0.05, "val_protocol1_mm": 51.2,
    "val_protocol2_mm": 40.1, "lr": 1e-4}. Keys containing "loss" share the loss panel (log scale when all
    positive), keys ending in "_mm" the error panel, "lr" its own panel; other keys and missing or None
    values are skipped. The x axis is "epoch" when every entry has it, else 1, 2, ... Returns the path.
    """
    if isinstance(history, dict) or not isinstance(history, Sequence) or len(history) == 0:
        raise ValueError(f"history: expected a non-empty list of dicts (one per epoch), got {history!r:.80}")
    for index, entry in enumerate(history):
        if not isinstance(entry, dict):
            raise ValueError(f"history[{index}]: expected a dict of floats, got {type(entry).__name__}")
        for key, value in entry.items():
            if value is not None and not isinstance(value, int | float | np.number):
                raise ValueError(f"history[{index}][{key!r}]: expected a number or None, got {value!r:.80}")
    keys = list(dict.fromkeys(key for entry in history for key in entry))
    has_epochs = all(entry.get("epoch") is not None for entry in history)
    epochs = np.array([entry["epoch"] if has_epochs else index + 1 for index, entry in enumerate(history)],
                      dtype=np.float64)
    panels = [(title, [key for key in keys if belongs(key)], unit) for title, belongs, unit in _CURVE_GROUPS]
    panels = [panel for panel in panels if panel[1]]
    if not panels:
        raise ValueError(f"history: no key to plot (expected keys containing 'loss', ending in '_mm', "
                         f"or 'lr'), got keys {keys}")

    figure = new_figure(4.2 * len(panels), 3.4)
    figure.subplots_adjust(left=0.08, right=0.98, bottom=0.15, top=0.9, wspace=0.3)
    for slot, (title, panel_keys, unit) in enumerate(panels):
        axes = figure.add_subplot(1, len(panels), slot + 1)
        all_positive = True
        for key in panel_keys:
            values = np.array([np.nan if entry.get(key) is None else entry[key] for entry in history],
                              dtype=np.float64)
            shown = np.isfinite(values)
            if not shown.any():
                continue
            all_positive &= bool(np.all(values[shown] > 0))
            lines = axes.plot(epochs[shown], values[shown], marker="." if shown.sum() < 30 else None,
                              label=key)
            if unit == "mm":
                best = int(np.nanargmin(values))
                axes.scatter([epochs[best]], [values[best]], s=40, color=lines[0].get_color(), zorder=3)
                axes.annotate(f"{values[best]:.1f}", (epochs[best], values[best]), textcoords="offset points",
                              xytext=(0, 6), ha="center", fontsize=7)
        if unit != "mm" and all_positive and axes.lines:
            axes.set_yscale("log")
        axes.set_title(title, fontsize=9)
        axes.set_xlabel("epoch" if has_epochs else "entry", fontsize=8)
        axes.set_ylabel(unit, fontsize=8)
        axes.tick_params(labelsize=7)
        axes.grid(True, alpha=0.3)
        if axes.lines:
            axes.legend(fontsize=7)
    return save_figure(figure, path)
