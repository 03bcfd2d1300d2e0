"""What to generate: SyntheticConfig refuses settings the generators cannot honour."""

from __future__ import annotations

import pytest

from jointformer.data.synthetic import SyntheticConfig


def test_config_is_validated() -> None:
    for bad in ({"trials": 0}, {"min_frames": 5}, {"min_frames": 300, "max_frames": 200},
                {"subjects": ("S2",)}, {"actions": ("Dancing",)}, {"subjects": ()},
                {"detector_name": "gt"}, {"detector_name": "a/b"}, {"seed": -1}):
        with pytest.raises(ValueError):
            SyntheticConfig(**bad)
