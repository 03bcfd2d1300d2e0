"""Deprecated: the lifting API moved to :mod:`jointformer.lift` (this module goes in the next release).

``from jointformer.lifting import Lifter`` (and the module's other names) still works, with a
DeprecationWarning naming the new place: ``jointformer.lift.lifter`` for the lifter, ``jointformer.lift.
outputs`` for the output files, ``jointformer.lift.normalization`` for the default input statistics.
``jointformer.Lifter`` and ``jointformer.LiftResult`` are unchanged.
"""

from __future__ import annotations

import importlib
import warnings
from typing import Any

_NEW_HOMES = {
    **dict.fromkeys(("LiftResult", "LiftingModel", "Lifter", "has_error_head", "interpolate_missing",
                     "fill_from_templates", "ONNX_SMALL_BATCH", "ONNX_AFTER_SMALL_CALLS"),
                    "jointformer.lift.lifter"),
    **dict.fromkeys(("LIFT_FORMAT", "LIFT_FORMAT_VERSION", "lift_document", "write_lift_output"),
                    "jointformer.lift.outputs"),
}

def __getattr__(name: str) -> Any:
    if name == "DEFAULT_INPUT_STATS":
        warnings.warn("jointformer.lifting.DEFAULT_INPUT_STATS is deprecated: use "
                      "jointformer.data.input_stats.default_input_stats() (an InputStats; .to_dict() gives "
                      "this dict)", DeprecationWarning, stacklevel=2)
        from jointformer.data.input_stats import default_input_stats

        return default_input_stats().to_dict()
    if name not in _NEW_HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    warnings.warn(f"jointformer.lifting is deprecated: import {name} from {_NEW_HOMES[name]}",
                  DeprecationWarning, stacklevel=2)
    return getattr(importlib.import_module(_NEW_HOMES[name]), name)
