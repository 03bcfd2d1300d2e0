"""Training curves: panels by key, gaps for missing values, history checks."""

from __future__ import annotations

from pathlib import Path

import pytest
from picture_helpers import assert_nontrivial, rgb

from jointformer.visualization import plot_training_curves


def test_training_curves(tmp_path: Path) -> None:
    history = [{"epoch": epoch, "train_loss": 1 / (epoch + 1), "val_protocol1_mm": 60.0 - epoch,
                "val_protocol2_mm": 45.0 - epoch, "lr": 1e-3 * 0.9**epoch} for epoch in range(8)]
    history[3]["val_protocol2_mm"] = None
    full = rgb(plot_training_curves(tmp_path / "curves.png", history))
    assert_nontrivial(full)
    loss_only = rgb(plot_training_curves(tmp_path / "loss.png", [{"train_loss": 0.5}, {"train_loss": 0.4}]))
    assert full.shape[1] > 2.5 * loss_only.shape[1]  # three panels against one


@pytest.mark.parametrize("history", [[], {"epoch": 1}, [{"epoch": 1}], [{"train_loss": "low"}], ["x"]])
def test_training_curves_reject_bad_history(tmp_path: Path, history: object) -> None:
    with pytest.raises(ValueError, match="history"):
        plot_training_curves(tmp_path / "curves.png", history)
