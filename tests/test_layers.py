"""The package's folders are its layers: no module imports one from a layer above it.

The test reads every module's source (``ast``, nothing is imported), collects each ``jointformer.*`` import,
including those inside functions, and fails on an import that points up the list below. Imports within one
layer are allowed.
"""

from __future__ import annotations

import ast
from pathlib import Path

import jointformer

PACKAGE_DIR = Path(jointformer.__file__).parent

# Lowest first. A module belongs to the first entry that is its name or a prefix of it ("data" holds
# "data.skeleton", ...).
LAYERS: tuple[tuple[str, ...], ...] = (
    ("errors", "atomic_files", "allocator"),
    ("metrics",),
    ("data",),
    ("models",),
    ("checkpoint", "baseline_layouts"),
    ("visualization",),
    ("evaluation", "evaluation_3dhp", "lift"),
    ("training", "training_checks", "recipes", "run_directory"),
    ("comparison",),
    ("demo",),
    ("cli", "lifting"),
)
# Pairs that share a layer but must not meet: lifting runs a trained model and knows nothing of the protocol.
FORBIDDEN = (("lift", "evaluation"), ("lift", "evaluation_3dhp"), ("evaluation", "lift"))


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE_DIR).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(name: str) -> tuple[int, str]:
    for rank, entries in enumerate(LAYERS):
        for entry in entries:
            if name == entry or name.startswith(entry + "."):
                return rank, entry
    raise AssertionError(f"module jointformer.{name} is in no layer: add it to LAYERS")


def imported_modules(path: Path) -> set[str]:
    """The jointformer modules a source file imports, without the ``jointformer.`` prefix."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            if name.startswith("jointformer."):
                found.add(name.removeprefix("jointformer."))
    return found


def existing_module(name: str) -> str | None:
    """``name`` if it is a module or package of the package, else its parent's (``from m import f``)."""
    while name:
        as_path = PACKAGE_DIR.joinpath(*name.split("."))
        if as_path.with_suffix(".py").is_file() or (as_path / "__init__.py").is_file():
            return name
        name = name.rpartition(".")[0]
    return None


def upward_imports() -> list[str]:
    problems = []
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        importer = module_name(path)
        if not importer:  # the package's __init__ re-exports the public API from every layer
            continue
        importer_rank, importer_entry = layer_of(importer)
        for imported in sorted(set(filter(None, map(existing_module, imported_modules(path))))):
            rank, entry = layer_of(imported)
            if rank > importer_rank or (importer_entry, entry) in FORBIDDEN:
                problems.append(f"jointformer.{importer} imports jointformer.{imported}")
    return problems


def test_no_module_imports_from_a_layer_above_it():
    assert upward_imports() == []


def test_the_walk_sees_an_upward_import(tmp_path, monkeypatch):
    fake = tmp_path / "jointformer"
    (fake / "models").mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    (fake / "models" / "__init__.py").write_text("")
    (fake / "training.py").write_text("")
    (fake / "models" / "bad.py").write_text("def f():\n    from jointformer.training import train\n")
    monkeypatch.setattr(__import__(__name__), "PACKAGE_DIR", fake)
    assert upward_imports() == ["jointformer.models.bad imports jointformer.training"]
