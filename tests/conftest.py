"""Shared fixtures: a tiny embedded data set (all 7 subjects, 2 actions, short sequences) written once."""

from pathlib import Path

import pytest

from jointformer.data.synthetic import SyntheticConfig, write_synthetic_dataset

TINY = SyntheticConfig(seed=3, trials=1, min_frames=24, max_frames=30, actions=("Walking", "Eating"))


@pytest.fixture(scope="session")
def tiny_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory in the VideoPose3D layout: gt and cpn_ft_h36m_dbb 2D files, about 1,500 poses."""
    directory = tmp_path_factory.mktemp("tiny_data")
    write_synthetic_dataset(directory, TINY)
    return directory
