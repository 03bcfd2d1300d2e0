"""The lift package's place in the layers: data/, models/ and checkpoint.py never import it, and it never
imports the training side or the command line (checked on the source, import statement by statement)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import jointformer

PACKAGE = Path(jointformer.__file__).parent


def imported_modules(path: Path) -> set[str]:
    """Every ``jointformer...`` module a source file imports, at any depth (lazy imports included)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.update([node.module, *(f"{node.module}.{alias.name}" for alias in node.names)])
    return {name for name in names if name.startswith("jointformer")}


def _below(*parts: str) -> list[Path]:
    return sorted(path for part in parts for path in (PACKAGE / part).rglob("*.py"))


@pytest.mark.parametrize("path", [*_below("data", "models"), PACKAGE / "checkpoint.py"],
                         ids=lambda path: str(path.relative_to(PACKAGE)))
def test_lower_layers_do_not_import_lifting(path: Path) -> None:
    upward = {name for name in imported_modules(path)
              if name.startswith(("jointformer.lift", "jointformer.lifting"))}
    assert not upward, f"{path.relative_to(PACKAGE)} imports {sorted(upward)} from the lift layer above it"


@pytest.mark.parametrize("path", _below("lift"), ids=lambda path: str(path.relative_to(PACKAGE)))
def test_lift_does_not_import_training_or_the_command_line(path: Path) -> None:
    above = ("jointformer.training", "jointformer.cli", "jointformer.demo", "jointformer.comparison",
             "jointformer.video_command", "jointformer.lift_flags", "jointformer.dataset_commands")
    upward = {name for name in imported_modules(path) if name.startswith(above)}
    assert not upward, f"{path.relative_to(PACKAGE)} imports {sorted(upward)} from a layer above it"
