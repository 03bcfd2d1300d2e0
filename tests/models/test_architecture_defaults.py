"""One table gives JointFormerConfig's defaults (the published model) and the training flags' defaults (the
published code's argparse); each flag's help says when the published code's commands override it."""

from __future__ import annotations

import dataclasses
import shlex

import pytest

from jointformer.cli.commands import _model_config, build_parser, build_parsers
from jointformer.models.architecture_defaults import ARCHITECTURE_DEFAULTS
from jointformer.models.jointformer import JointFormerConfig

# The published README's stage-1 and refinement commands, architecture flags only.
SEED_COMMANDS = {"jointformer": "--hid_dim 64 --intermediate --pred_dropout 0.2",
                 "refiner": "--hid_dim 256 --num_layers 2 --pred_dropout 0.1 --d_inner 1024"}


def test_config_defaults_are_the_tables_published_column() -> None:
    defaults = {field.name: field.default for field in dataclasses.fields(JointFormerConfig)}
    for name, entry in ARCHITECTURE_DEFAULTS.items():
        assert defaults[name] == entry.published, name
    # the published stage-1 model, as the reference describes it
    assert (defaults["hid_dim"], defaults["pred_dropout"], defaults["intermediate"]) == (64, 0.2, True)


def test_bare_training_commands_take_the_seed_argparse_defaults() -> None:
    parser = build_parser()
    stage1 = _model_config(parser.parse_args(["train"]), "jointformer")
    for name, entry in ARCHITECTURE_DEFAULTS.items():
        assert getattr(stage1, name) == entry.published_cli, name
    assert (stage1.hid_dim, stage1.pred_dropout, stage1.intermediate) == (128, 0.0, False)


def _flag_settings(command: str) -> list[str]:
    """"--hid_dim 64 --intermediate" -> ["--hid_dim 64", "--intermediate"]: each flag with its value."""
    settings: list[str] = []
    for word in shlex.split(command):
        if word.startswith("--"):
            settings.append(word)
        else:
            settings[-1] += f" {word}"
    return settings


@pytest.mark.parametrize("command, stage", [("train", "jointformer"), ("refine", "refiner")])
def test_each_flag_the_seed_command_sets_says_so_in_its_help(command: str, stage: str) -> None:
    subparser = build_parsers()[1][command]
    helps = {action.dest: action.help or "" for action in subparser._actions}
    label = "stage 1" if stage == "jointformer" else "refiner"
    for setting in _flag_settings(SEED_COMMANDS[stage]):
        flag = setting.split()[0][2:]
        assert f"{label}: {setting}" in helps[flag], (setting, helps[flag])
    # the two defaults that differ from the published model say both values
    assert "default 128" in helps["hid_dim"] and "the published model has 64" in helps["hid_dim"]
    assert "default 0.0" in helps["pred_dropout"] and "the published model has 0.2" in helps["pred_dropout"]


def test_the_seed_stage1_command_builds_the_published_model() -> None:
    args = build_parser().parse_args(["train", *shlex.split(SEED_COMMANDS["jointformer"])])
    config, published = _model_config(args, "jointformer"), JointFormerConfig()
    for name in ARCHITECTURE_DEFAULTS:
        assert getattr(config, name) == getattr(published, name), name
