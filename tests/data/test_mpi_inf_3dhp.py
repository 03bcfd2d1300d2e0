"""MPI-INF-3DHP test set reader: the official HDF5 layout (written here with h5py), the P-STMO npz layout,
the joint mapping, and the synthetic test set in the official layout."""

from pathlib import Path

import numpy as np
import pytest

from jointformer.data.mpi_inf_3dhp import (
    H36M_FROM_3DHP,
    JOINT_NAMES,
    OFFICIAL_PCK_JOINTS,
    SEQUENCES,
    pose_set_3dhp,
    read_test_set,
)
from jointformer.data.skeleton import SKELETON17
from jointformer.errors import DataError

h5py = pytest.importorskip("h5py")

FRAMES = 5


def official_arrays(seed: int) -> dict[str, np.ndarray]:
    """One sequence as h5py shows an annot_data.mat: (T, 1, 17, C) and (1, T); joint j of every pose is
    displaced along x by j metres-worth of millimetres so the joint order can be read back."""
    rng = np.random.default_rng(seed)
    univ = rng.normal(0.0, 300.0, size=(FRAMES, 1, 17, 3)) + np.array([0.0, 0.0, 4000.0])
    univ[..., 0] = np.arange(17) * 1000.0
    return {"annot2": rng.uniform(0, 1000, size=(FRAMES, 1, 17, 2)), "annot3": univ * 1.1,
            "univ_annot3": univ, "valid_frame": np.array([[1.0, 1.0, 0.0, 1.0, 1.0]]),
            "activity_annotation": np.array([[1.0, 2.0, 2.0, 7.0, 3.0]])}


def write_official(directory: Path, skip: str | None = None) -> dict[str, dict[str, np.ndarray]]:
    written = {}
    for index, name in enumerate(SEQUENCES):
        if name == skip:
            continue
        arrays = official_arrays(index)
        (directory / name).mkdir(parents=True, exist_ok=True)
        with h5py.File(directory / name / "annot_data.mat", "w", userblock_size=512) as handle:
            for field, values in arrays.items():
                handle.create_dataset(field, data=values)
        written[name] = arrays
    return written


def test_official_layout_is_read_in_human36m_order(tmp_path):
    written = write_official(tmp_path)
    sequences = read_test_set(tmp_path)
    assert [sequence.name for sequence in sequences] == list(SEQUENCES)
    first = sequences[0]
    assert first.image_size == (2048, 2048) and sequences[5].image_size == (1920, 1080)
    assert first.valid.tolist() == [True, True, False, True, True]
    assert first.activity.tolist() == [1, 2, 2, 7, 3]
    # Joint k (Human3.6M order) holds 3DHP joint H36M_FROM_3DHP[k]: x was set to the 3DHP index in metres.
    np.testing.assert_array_equal(first.poses_3d[0, :, 0], np.array(H36M_FROM_3DHP, dtype=float))
    names = dict(zip(SKELETON17.names, (JOINT_NAMES[joint] for joint in H36M_FROM_3DHP), strict=True))
    assert names["Head"] == "head_top" and names["Thorax"] == "neck" and names["Neck/Nose"] == "head"
    assert names["Hip"] == "pelvis" and names["RFoot"] == "right_ankle" and names["LWrist"] == "left_wrist"
    scored = sorted(JOINT_NAMES[H36M_FROM_3DHP[joint]] for joint in OFFICIAL_PCK_JOINTS)
    assert scored == sorted(JOINT_NAMES[:14])
    np.testing.assert_allclose(first.keypoints_2d, written["TS1"]["annot2"][:, 0][:, list(H36M_FROM_3DHP)])
    pose_set = pose_set_3dhp(sequences)
    assert len(pose_set) == 6 * 4  # valid frames only
    assert float(pose_set.targets_3d[:, 0].abs().max()) == 0.0  # centred on the pelvis
    assert pose_set.actions[1] == "Standing/Walking" and pose_set.subjects == SEQUENCES


def test_preprocessed_npz_layout_matches_the_official_one(tmp_path):
    written = write_official(tmp_path / "official")
    table = {name: {"data_3d": arrays["univ_annot3"][:, 0], "data_2d": arrays["annot2"][:, 0],
                    "valid": arrays["valid_frame"][0]} for name, arrays in written.items()}
    (tmp_path / "npz").mkdir()
    np.savez_compressed(tmp_path / "npz" / "data_test_3dhp.npz", data=table)
    official, preprocessed = read_test_set(tmp_path / "official"), read_test_set(tmp_path / "npz")
    for a, b in zip(official, preprocessed, strict=True):
        np.testing.assert_array_equal(a.poses_3d, b.poses_3d)
        np.testing.assert_array_equal(a.keypoints_2d, b.keypoints_2d)
        np.testing.assert_array_equal(a.valid, b.valid)
        assert not b.activity.any()  # the npz carries no activity labels


def test_missing_and_malformed_files_are_named(tmp_path):
    with pytest.raises(DataError, match=r"holds neither TS1/annot_data\.mat .* nor data_test_3dhp\.npz"):
        read_test_set(tmp_path)
    write_official(tmp_path, skip="TS4")
    with pytest.raises(DataError, match=r"TS4/annot_data\.mat not found"):
        read_test_set(tmp_path)
    (tmp_path / "TS4").mkdir()
    with h5py.File(tmp_path / "TS4" / "annot_data.mat", "w") as handle:
        handle.create_dataset("annot2", data=np.zeros((FRAMES, 1, 17, 2)))
    with pytest.raises(DataError, match=r"TS4/annot_data.mat lacks univ_annot3, valid_frame"):
        read_test_set(tmp_path)


def test_synthetic_test_set_in_the_official_layout(tmp_path):
    from jointformer.data.synthetic_3dhp import UNIVERSAL_STATURE, write_synthetic_3dhp

    paths = write_synthetic_3dhp(tmp_path, frames_per_activity=20)
    assert [path.parent.name for path in paths] == list(SEQUENCES)
    assert paths[0].read_bytes()[:10] == b"MATLAB 7.3"  # MATLAB's header in the HDF5 user block
    sequences = read_test_set(tmp_path)
    for sequence in sequences:
        assert sequence.frames == 140 and sorted(set(sequence.activity.tolist())) == list(range(1, 8))
        assert 0.85 < sequence.valid.mean() < 1.0
        width, height = sequence.image_size
        inside = ((sequence.keypoints_2d >= 0) & (sequence.keypoints_2d < [width, height])).all(axis=-1)
        assert inside.mean() > 0.95
    with h5py.File(paths[0], "r") as handle:
        annot3, univ = handle["annot3"][()][:, 0], handle["univ_annot3"][()][:, 0]
    # univ_annot3 is annot3 scaled about the pelvis (3DHP joint 14) to a 1.70 m body.
    scale = np.linalg.norm(univ[:, 0] - univ[:, 14], axis=-1) / np.linalg.norm(annot3[:, 0] - annot3[:, 14],
                                                                                axis=-1)
    np.testing.assert_allclose(scale, UNIVERSAL_STATURE / 1.55)
    np.testing.assert_allclose(univ[:, 14], annot3[:, 14])


def test_synth_replaces_its_own_test_set_but_never_the_official_one(tmp_path):
    from jointformer.data.synthetic_3dhp import write_synthetic_3dhp
    from jointformer.errors import OutputError

    write_synthetic_3dhp(tmp_path / "ours", frames_per_activity=5)
    write_synthetic_3dhp(tmp_path / "ours", frames_per_activity=5, seed=1)  # its own files: replaced
    official = tmp_path / "official" / "TS3" / "annot_data.mat"
    official.parent.mkdir(parents=True)
    official.write_bytes(b"MATLAB 7.3 MAT-file, Platform: GLNXA64")
    with pytest.raises(OutputError, match="was not written by"):
        write_synthetic_3dhp(tmp_path / "official", frames_per_activity=5)
    assert official.read_bytes() == b"MATLAB 7.3 MAT-file, Platform: GLNXA64"
    assert sorted(path.name for path in (tmp_path / "official").iterdir()) == ["TS3"]
