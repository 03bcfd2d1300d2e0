"""Property-based fuzzing of every file reader: whatever a file holds, only the package's own error type
(JointformerError and its subclasses) may escape.

Readers: the VideoPose3D data files (3D and 2D npz, through ``load_pose_sets`` and ``summarize_dataset``),
keypoint files for lifting (COCO JSON, CSV, npy, npz through ``read_keypoints``) and checkpoints
(``read_checkpoint``, ``load_model``, ``stored_configs``, ``read_input_stats``, ``Lifter.from_checkpoint``).
Generated inputs are near misses of the real formats (valid structure with a field changed) as well as
arbitrary bytes. ``FUZZ_EXAMPLES`` examples per reader keep the run at a few seconds each; the counts of
generated cases are printed at the end of the module (``pytest -s``).
"""

import contextlib
import json
import shutil
import tempfile
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from jointformer.checkpoint import (
    load_model,
    read_checkpoint,
    read_input_stats,
    save_checkpoint,
    stored_configs,
)
from jointformer.data.h36m import load_pose_sets, summarize_dataset
from jointformer.errors import JointformerError
from jointformer.lift.keypoint_files import read_keypoints
from jointformer.lift.lifter import Lifter
from jointformer.models.jointformer import JointFormerConfig, build_model

FUZZ_EXAMPLES = 60
FUZZ = settings(max_examples=FUZZ_EXAMPLES, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
GENERATED: Counter = Counter()
TINY_MODEL = JointFormerConfig(hid_dim=8, num_layers=1, d_inner=16, num_heads=2, d_head=4)


@pytest.fixture(scope="module", autouse=True)
def report_counts():
    yield
    print(f"\nfuzzed reader cases: {dict(GENERATED)}, total {sum(GENERATED.values())}")


def only_package_errors(reader, *arguments):
    """Call ``reader``; any exception but JointformerError fails the property."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with contextlib.suppress(JointformerError):
            reader(*arguments)


# --------------------------------------------------------------------------------------------- values
finite_or_not = st.floats(allow_nan=True, allow_infinity=True, width=64)
numeric_arrays = hnp.arrays(
    dtype=st.sampled_from([np.float32, np.float64, np.int64, np.bool_, np.complex64]),
    shape=st.one_of(hnp.array_shapes(min_dims=0, max_dims=4, max_side=5),
                    st.tuples(st.integers(0, 4), st.sampled_from([17, 32, 16]), st.sampled_from([2, 3]))),
    elements=None)
pose_like_arrays = st.builds(
    lambda frames, joints, columns, values: np.resize(np.asarray(values, dtype=np.float64),
                                                     (frames, joints, columns)),
    st.integers(1, 3), st.sampled_from([17, 32, 33]), st.sampled_from([2, 3]),
    st.lists(finite_or_not, min_size=1, max_size=8))
odd_values = st.one_of(st.none(), st.booleans(), st.integers(), finite_or_not, st.text(max_size=5),
                       st.lists(st.integers(), max_size=3), numeric_arrays, pose_like_arrays)
subject_names = st.sampled_from(["S1", "S5", "S9", "S11", "S2", ""])
action_names = st.sampled_from(["Walking 1", "Eating 2", "Bogus 1", "Walking", "SittingDown 1"])


def write_npz(path: Path, contents: dict) -> None:
    arrays = {key: np.array(value, dtype=object) if isinstance(value, (dict, list)) else value
              for key, value in contents.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.savez(path, **arrays)


# --------------------------------------------------------------------------------------------- data files
tables_3d = st.dictionaries(subject_names, st.one_of(
    st.dictionaries(action_names, st.one_of(pose_like_arrays, odd_values), max_size=2), odd_values),
    max_size=3)
tables_2d = st.dictionaries(subject_names, st.one_of(
    st.dictionaries(action_names, st.one_of(st.lists(pose_like_arrays, min_size=3, max_size=5), odd_values),
                    max_size=2), odd_values), max_size=3)
metadata = st.one_of(odd_values, st.fixed_dictionaries(
    {}, optional={"num_joints": odd_values, "keypoints_symmetry": st.one_of(
        odd_values, st.just([[4, 5, 6, 11, 12, 13], [1, 2, 3, 14, 15, 16]])), "layout_name": odd_values}))


@FUZZ
@given(which=st.sampled_from(["3d", "2d", "bytes_3d", "bytes_2d"]), table_3d=tables_3d, table_2d=tables_2d,
       meta=metadata, raw=st.binary(max_size=200))
def test_data_files(tiny_data_dir, which, table_3d, table_2d, meta, raw):
    GENERATED["data npz"] += 1
    with tempfile.TemporaryDirectory() as directory:
        directory = Path(directory)
        for name in ("data_3d_h36m.npz", "data_2d_h36m_gt.npz"):
            shutil.copy(tiny_data_dir / name, directory / name)
        if which == "3d":
            write_npz(directory / "data_3d_h36m.npz", {"positions_3d": table_3d})
        elif which == "2d":
            write_npz(directory / "data_2d_h36m_gt.npz", {"positions_2d": table_2d, "metadata": meta})
        else:
            name = "data_3d_h36m.npz" if which == "bytes_3d" else "data_2d_h36m_gt.npz"
            (directory / name).write_bytes(raw)
        only_package_errors(load_pose_sets, directory, "gt")
        only_package_errors(summarize_dataset, directory, "gt")


# --------------------------------------------------------------------------------------------- keypoints
coco_numbers = st.one_of(finite_or_not, st.none(), st.integers(-10, 1000), st.text(max_size=2))
coco_entries = st.fixed_dictionaries(
    {"image_id": st.one_of(st.integers(0, 3), st.text(max_size=3), finite_or_not, st.none()),
     "keypoints": st.one_of(st.lists(coco_numbers, min_size=51, max_size=51),
                            st.lists(coco_numbers, max_size=6), odd_values.map(repr))},
    optional={"track_id": st.one_of(st.integers(0, 2), st.text(max_size=2), finite_or_not, st.none(),
                                    st.lists(st.integers(), max_size=2)),
              "idx": st.one_of(st.integers(0, 2), st.lists(st.integers(), max_size=2)),
              "score": finite_or_not})
json_values = st.recursive(st.one_of(st.none(), st.booleans(), finite_or_not, st.text(max_size=4)),
                           lambda children: st.one_of(st.lists(children, max_size=3),
                                                      st.dictionaries(st.text(max_size=4), children,
                                                                      max_size=3)), max_leaves=10)


@FUZZ
@given(document=st.one_of(st.lists(coco_entries, min_size=0, max_size=4), json_values),
       raw=st.one_of(st.none(), st.binary(max_size=100)))
def test_coco_json(tmp_path_factory, document, raw):
    GENERATED["COCO JSON"] += 1
    path = tmp_path_factory.mktemp("coco") / "keypoints.json"
    if raw is None:
        path.write_text(json.dumps(document))
    else:
        path.write_bytes(raw)
    only_package_errors(read_keypoints, path, 17)


csv_columns = st.lists(st.sampled_from(["frame", "track", "track_id", "x0", "y0", "s0", "x1", "y1",
                                        "X16", "y16", "score16", "s3", "x3", "y3", " frame ", "other"]),
                       max_size=8)
csv_cells = st.one_of(st.integers(-5, 5).map(str), finite_or_not.map(str), st.text(max_size=3),
                      st.just(""), st.just("nan"))


@FUZZ
@given(header=csv_columns, rows=st.lists(st.lists(csv_cells, max_size=9), max_size=4),
       raw=st.one_of(st.none(), st.binary(max_size=100)))
def test_csv(tmp_path_factory, header, rows, raw):
    GENERATED["CSV"] += 1
    path = tmp_path_factory.mktemp("csv") / "keypoints.csv"
    if raw is None:
        path.write_text("\n".join(",".join(cells) for cells in [header, *rows]) + "\n")
    else:
        path.write_bytes(raw)
    only_package_errors(read_keypoints, path, None)


@FUZZ
@given(array=st.one_of(numeric_arrays, pose_like_arrays), kind=st.sampled_from(["npy", "npz", "npz2", "raw"]),
       raw=st.binary(max_size=100))
def test_npy_and_npz(tmp_path_factory, array, kind, raw):
    GENERATED["npy/npz keypoints"] += 1
    directory = tmp_path_factory.mktemp("arrays")
    path = directory / f"keypoints.{'npy' if kind == 'npy' else 'npz'}"
    if kind == "npy":
        np.save(path, array)
    elif kind == "npz":
        np.savez(path, keypoints=array)
    elif kind == "npz2":
        np.savez(path, first=array, second=array)
    else:
        path.write_bytes(raw)
    only_package_errors(read_keypoints, path, 17)


# --------------------------------------------------------------------------------------------- checkpoints
@pytest.fixture(scope="module")
def valid_checkpoint(tmp_path_factory) -> Path:
    """A valid tiny checkpoint with input statistics (its path: hypothesis prints arguments in failures)."""
    stats = {"extent_median": 0.7, "root_median": [0.0, 0.1], "mean_pose_2d": [[0.0, 0.0]] * 17}
    return save_checkpoint(tmp_path_factory.mktemp("checkpoint") / "ckpt.pth.tar",
                           state_dict=build_model(TINY_MODEL).state_dict(), config=TINY_MODEL,
                           extra={"input_stats": stats})


input_stats_values = st.fixed_dictionaries({}, optional={
    "extent_median": st.one_of(odd_values, st.just(0.7)),
    "root_median": st.one_of(odd_values, st.just([0.0, 0.1])),
    "mean_pose_2d": st.one_of(odd_values, st.just([[0.0, 0.0]] * 17))})
checkpoint_values = st.one_of(odd_values, st.dictionaries(st.text(max_size=6), odd_values, max_size=3),
                              st.builds(torch.zeros, st.lists(st.integers(0, 3), max_size=3)),
                              st.just({"hid_dim": 8}), st.just({"kind": "refiner"}), input_stats_values)
checkpoint_keys = st.sampled_from(["state_dict", "config", "jt_state_dict", "jt_config", "format_version",
                                   "input_stats", "input_stats", "epoch", "optimizer"])


def every_checkpoint_reader(path: Path) -> None:
    for reader in (read_checkpoint, load_model, stored_configs, read_input_stats, Lifter.from_checkpoint):
        only_package_errors(reader, path)


@FUZZ
@given(mode=st.sampled_from(["edit", "edit", "input_stats", "truncate", "bytes"]),
       stats=input_stats_values,
       changes=st.dictionaries(checkpoint_keys, st.one_of(st.just("DELETE"), checkpoint_values), max_size=3),
       tensor_edit=st.one_of(st.none(), st.tuples(st.integers(0, 30),
                                                  st.sampled_from(["shape", "nan", "dtype"]))),
       cut=st.integers(0, 4000), raw=st.binary(max_size=64))
def test_checkpoints(tmp_path_factory, valid_checkpoint, mode, stats, changes, tensor_edit, cut, raw):
    GENERATED["checkpoints"] += 1
    path = tmp_path_factory.mktemp("ckpt") / "ckpt.pth.tar"
    if mode == "bytes":
        path.write_bytes(raw)
    elif mode == "truncate":
        path.write_bytes(valid_checkpoint.read_bytes()[:cut])
    else:
        checkpoint = torch.load(valid_checkpoint, weights_only=False)
        if mode == "input_stats":
            changes = {"input_stats": stats}
        for key, value in changes.items():
            if isinstance(value, str) and value == "DELETE":
                checkpoint.pop(key, None)
            else:
                checkpoint[key] = value
        state_dict = checkpoint.get("state_dict")
        if tensor_edit is not None and isinstance(state_dict, dict) and state_dict:
            key = sorted(state_dict)[tensor_edit[0] % len(state_dict)]
            original = state_dict[key]
            nan = torch.full_like(original, float("nan")) if isinstance(original, torch.Tensor) else 0
            state_dict[key] = {"shape": torch.zeros(2, 2), "nan": nan,
                               "dtype": torch.zeros(1, dtype=torch.int64)}[tensor_edit[1]]
        torch.save(checkpoint, path)
    every_checkpoint_reader(path)
