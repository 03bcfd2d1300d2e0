"""Shared fixtures of the embedded data set's tests: a small data set written once per session."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from jointformer.data.synthetic import DEFAULT_DETECTOR_NAME, SyntheticConfig, write_synthetic_dataset

# Two subjects (a short and a tall one, one per split), every action, both trials, short sequences.
SMALL = SyntheticConfig(seed=3, subjects=("S1", "S9"), min_frames=100, max_frames=140)


def _load(path: Path, key: str) -> dict:
    with np.load(path, allow_pickle=True) as archive:
        return archive[key].item()


@pytest.fixture(scope="session")
def written(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_synthetic_dataset(tmp_path_factory.mktemp("synthetic") / "new" / "dir", SMALL)


@pytest.fixture(scope="session")
def positions_3d(written: dict[str, Path]) -> dict[str, dict[str, np.ndarray]]:
    return _load(written["3d"], "positions_3d")


@pytest.fixture(scope="session")
def gt_2d(written: dict[str, Path]) -> dict:
    return _load(written["gt"], "positions_2d")


@pytest.fixture(scope="session")
def detected_2d(written: dict[str, Path]) -> dict:
    return _load(written[DEFAULT_DETECTOR_NAME], "positions_2d")


@pytest.fixture(scope="session")
def small_config() -> SyntheticConfig:
    """The configuration the ``written`` data set was generated with."""
    return SMALL
