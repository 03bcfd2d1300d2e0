"""The embedded data set on disk: the three VideoPose3D files and ``synthetic_config.json`` beside them.

``write_synthetic_dataset`` generates (:mod:`~jointformer.data.synthetic.capture`) and writes the files
atomically; ``stored_synthetic_config`` and ``same_data`` recognise a directory written earlier, so a
command can reuse it instead of writing it again.
"""

from __future__ import annotations

import json
from contextlib import ExitStack
from dataclasses import asdict
from pathlib import Path

import numpy as np

from jointformer.atomic_files import atomic_output, write_text_atomically
from jointformer.data.h36m import FILE_3D, file_2d_name
from jointformer.data.skeleton import SKELETON17
from jointformer.data.synthetic.capture import add_detector_noise, generate_positions_3d, project_positions_2d
from jointformer.data.synthetic.config import SyntheticConfig
from jointformer.errors import DataError, OutputError

CONFIG_FILE = "synthetic_config.json"
"""Written beside the data files: the SyntheticConfig they were generated with."""

_DETECTOR_STREAM = 1_000_003  # keeps the detector's random stream apart from the trials' streams


def metadata_2d() -> dict[str, object]:
    """The ``metadata`` entry of a 2D file: Human3.6M 17-joint layout and its left/right lists."""
    return {"layout_name": "h36m", "num_joints": SKELETON17.num_joints,
            "keypoints_symmetry": [list(SKELETON17.joints_left), list(SKELETON17.joints_right)]}


def _save_atomically(contents: dict[Path, dict[str, object]]) -> None:
    """Write each ``path -> arrays`` as a compressed npz (dicts pickled, as VideoPose3D does): all to
    temporary files beside their targets first, then renamed over the targets."""
    with ExitStack() as renames:  # every file written before the first rename; any failure renames none
        for path, arrays in contents.items():
            temporary = renames.enter_context(atomic_output(path))
            with temporary.open("wb") as stream:
                np.savez_compressed(stream, **arrays)


def write_synthetic_dataset(directory: str | Path,
                            config: SyntheticConfig = SyntheticConfig(),  # noqa: B008 (frozen, immutable)
                            ) -> dict[str, Path]:
    """Generate the synthetic Human3.6M and write its three VideoPose3D files into ``directory`` (created
    if missing). Existing files of the same names are replaced atomically only in a directory that holds an
    embedded data set (its ``synthetic_config.json``); anywhere else they may be real Human3.6M files (from
    ``jointformer prepare``), so they are an OutputError naming the file, and nothing is written.

    Returns {"3d": data_3d_h36m.npz, "gt": data_2d_h36m_gt.npz, config.detector_name: its 2D file}.
    """
    if not isinstance(config, SyntheticConfig):
        raise ValueError(f"config must be a SyntheticConfig, got {type(config).__name__}")
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise OutputError(f"{directory} exists and is not a directory; give a directory for the data set")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"cannot create the data directory {directory}: "
                          f"{error.strerror or type(error).__name__}") from error
    targets = (directory / FILE_3D, directory / file_2d_name("gt"),
               directory / file_2d_name(config.detector_name))
    if not (directory / CONFIG_FILE).is_file():
        for path in targets:
            if path.exists():
                raise OutputError(f"{path} exists and is not part of an embedded data set (no {CONFIG_FILE} "
                                  f"beside it: real data?); it is not overwritten: give another directory")
    positions_3d = generate_positions_3d(config)
    positions_2d = project_positions_2d(positions_3d)
    detections = add_detector_noise(positions_2d, np.random.default_rng([config.seed, _DETECTOR_STREAM]))
    paths = dict(zip(("3d", "gt", config.detector_name), targets, strict=True))
    _save_atomically({
        paths["3d"]: {"positions_3d": positions_3d},
        paths["gt"]: {"positions_2d": positions_2d, "metadata": metadata_2d()},
        paths[config.detector_name]: {"positions_2d": detections, "metadata": metadata_2d()},
    })
    write_text_atomically(directory / CONFIG_FILE, json.dumps(asdict(config), indent=2) + "\n")
    return paths


def stored_synthetic_config(directory: str | Path) -> dict[str, object] | None:
    """The generation settings that :func:`write_synthetic_dataset` recorded in ``directory``
    (``synthetic_config.json``, fields of SyntheticConfig), or None when the directory has none."""
    path = Path(directory) / CONFIG_FILE
    if not path.is_file():
        return None
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise DataError(f"{path}: cannot be read as the data set's settings ({error}); delete the directory "
                        f"and let it be written again") from error
    if not isinstance(stored, dict):
        raise DataError(f"{path}: expected a JSON object of SyntheticConfig fields")
    return stored


def same_data(stored: dict[str, object], config: SyntheticConfig) -> bool:
    """Whether the recorded settings ``stored`` generate the same 3D and gt 2D data as ``config`` (the
    detector-like file's name does not change them)."""
    wanted = json.loads(json.dumps(asdict(config)))
    return all(stored.get(name) == value for name, value in wanted.items() if name != "detector_name")
