"""The one table of architecture defaults: ``JointFormerConfig``'s field defaults and the training commands'
flag defaults are both generated from it.

Two sets of defaults exist, and both are kept on purpose:

- ``published``: the published stage-1 model (``JointFormerConfig()``): hid 64, intermediate supervision,
  prediction dropout 0.2 -- what the published code's stage-1 commands train.
- ``published_cli``: the defaults of the published scripts' argparse (``run_jointformer.py`` /
  ``run_refinement.py``), which those commands override: ``--hid_dim`` 128 and ``--pred_dropout`` 0 there,
  so a bare ``jointformer train`` behaves as a bare ``python run_jointformer.py`` did.

``overridden_by`` says which of the published README's commands pass the flag (and with what), so each
flag's help text can say when the published code's command overrides its default.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

ModelKind = Literal["jointformer", "refiner"]
"""The two JointFormer models, and the two training stages that make them: "jointformer" (stage 1, lifting
2D keypoints) and "refiner" (stage 2, refining stage 1's pose from its predicted error). The same words
name a config's ``kind``, a run's ``TrainOptions.stage``, the architectures a checkpoint stores and the
command line's stages (``jointformer train`` and ``jointformer refine``)."""
MODEL_KINDS: tuple[ModelKind, ...] = get_args(ModelKind)

REFINER_IN_FEATURES = 2 + 3 + 3
"""Refiner input per joint: the 2D keypoint, the stage-1 3D position and the stage-1 predicted error."""


@dataclass(frozen=True)
class ArchitectureDefault:
    """One architecture field: its published-model default, the published CLI's default, and its help text."""

    published: int | float | bool | str
    published_cli: int | float | bool | str
    help: str
    overridden_by: str = ""  # the published README's commands passing this flag, e.g. "stage 1: --hid_dim 64"


ARCHITECTURE_DEFAULTS: dict[str, ArchitectureDefault] = {
    "num_layers": ArchitectureDefault(4, 4, "encoder layers", "refiner: --num_layers 2"),
    "hid_dim": ArchitectureDefault(64, 128, "hidden size", "stage 1: --hid_dim 64; refiner: --hid_dim 256"),
    "d_inner": ArchitectureDefault(512, 512, "feed-forward inner size", "refiner: --d_inner 1024"),
    "dropout": ArchitectureDefault(0.0, 0.0, "encoder dropout"),
    "pred_dropout": ArchitectureDefault(0.2, 0.0, "prediction-head dropout",
                                        "stage 1: --pred_dropout 0.2; refiner: --pred_dropout 0.1"),
    "embedding_type": ArchitectureDefault("conv", "conv", "joint embedding"),
    "intermediate": ArchitectureDefault(True, False, "intermediate supervision", "stage 1: --intermediate"),
    "spatial_encoding": ArchitectureDefault(False, False, "learned spatial encoding"),
    "error_prediction": ArchitectureDefault(True, True, "error-prediction heads"),
}
"""Field name -> defaults. The published CLI's booleans are store-true flags (``--intermediate``) or, for
``error_prediction``, the store-true ``--no_error_prediction``."""


def published_default(name: str) -> int | float | bool | str:
    """The published model's default of config field ``name`` (what ``JointFormerConfig`` uses)."""
    return ARCHITECTURE_DEFAULTS[name].published


def _shown(value: int | float | bool | str) -> str:
    return ("on" if value else "off") if isinstance(value, bool) else str(value)


def flag_help(name: str) -> str:
    """Help text of the training commands' flag for field ``name``: what it sets, the published CLI's default,
    and when the published code's commands override that default."""
    entry = ARCHITECTURE_DEFAULTS[name]
    text = f"{entry.help} (default {_shown(entry.published_cli)}, as the published code's argparse"
    if entry.overridden_by:
        text += f"; the published code's commands override it: {entry.overridden_by}"
    if entry.published != entry.published_cli:
        text += f"; the published model has {_shown(entry.published)}"
    return text + ")"
