"""jointformer.lifting: the deprecated home of the lifting API, kept working for one release."""

from __future__ import annotations

import importlib

import pytest

import jointformer
from jointformer.lift import lifter, outputs


@pytest.mark.parametrize(("name", "home"), [("Lifter", lifter), ("LiftResult", lifter),
                                            ("LiftingModel", lifter), ("interpolate_missing", lifter),
                                            ("fill_from_templates", lifter), ("ONNX_SMALL_BATCH", lifter),
                                            ("write_lift_output", outputs), ("lift_document", outputs),
                                            ("LIFT_FORMAT", outputs)])
def test_old_imports_work_with_a_deprecation_warning_naming_the_new_home(name: str, home: object) -> None:
    with pytest.warns(DeprecationWarning, match=rf"import {name} from {home.__name__}"):
        value = getattr(importlib.import_module("jointformer.lifting"), name)
    assert value is getattr(home, name)


def test_from_import_warns_and_gives_the_same_class() -> None:
    with pytest.warns(DeprecationWarning, match="jointformer.lifting is deprecated"):
        from jointformer.lifting import Lifter
    assert Lifter is jointformer.Lifter


def test_default_input_stats_stay_a_dict_with_a_warning() -> None:
    from jointformer.data.input_stats import default_input_stats

    with pytest.warns(DeprecationWarning, match="default_input_stats"):
        from jointformer.lifting import DEFAULT_INPUT_STATS
    assert default_input_stats().to_dict() == DEFAULT_INPUT_STATS
    assert DEFAULT_INPUT_STATS["source"].startswith("defaults from the embedded data set")


def test_unknown_names_are_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_name"):
        importlib.import_module("jointformer.lifting").no_such_name  # noqa: B018
