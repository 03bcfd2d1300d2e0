"""jointformer prepare h36m: small CDF and HDF5 files in the original layouts, written here."""

import io
import zipfile
from pathlib import Path

import numpy as np
import pytest

from jointformer.cli import main
from jointformer.data.h36m import load_pose_set, summarize_dataset
from jointformer.data.prepare_h36m import prepare_h36m
from jointformer.data.skeleton import ACTIONS
from jointformer.data.synthetic import SyntheticConfig, generate_positions_3d, write_synthetic_dataset
from jointformer.errors import DataError

cdflib = pytest.importorskip("cdflib")
h5py = pytest.importorskip("h5py")
from cdflib.cdfwrite import CDF  # noqa: E402  (after the skip: an optional dependency)

FRAMES = 6


def release_stems(subject: str) -> list[str]:
    """The release's 30 file names per subject: "<action>" and "<action> 1", with S1's spellings."""
    spelled = {"Photo": "TakingPhoto", "WalkDog": "WalkingDog"} if subject == "S1" else {}
    return [f"{spelled.get(action, action)}{suffix}" for action in ACTIONS for suffix in ("", " 1")]


def mocap_mm(seed: int, frames: int = FRAMES) -> np.ndarray:
    """(T, 96) float32 millimetres, a world-frame-like cloud (1-2 m from the origin, around 1 m high)."""
    rng = np.random.default_rng(seed)
    points = rng.uniform([-500, -500, 0], [500, 500, 1800], size=(frames, 32, 3))
    return points.reshape(frames, 96).astype(np.float32)


def write_cdf(path: Path, pose_mm: np.ndarray) -> None:
    """A D3_Positions file: variable Pose (1, T, 96), CDF_FLOAT for float32 input else CDF_DOUBLE."""
    path.parent.mkdir(parents=True, exist_ok=True)
    cdf = CDF(str(path))
    kind = CDF.CDF_FLOAT if pose_mm.dtype == np.float32 else CDF.CDF_DOUBLE
    cdf.write_var({"Variable": "Pose", "Data_Type": kind, "Num_Elements": 1, "Rec_Vary": True,
                   "Dim_Sizes": list(pose_mm.shape)}, var_attrs={}, var_data=pose_mm[None])
    cdf.close()


def write_release(root: Path, subjects: tuple[str, ...]) -> dict[tuple[str, str], np.ndarray]:
    """The original release's layout; returns (subject, stem) -> (T, 96) float32 mm."""
    written = {}
    for number, subject in enumerate(subjects):
        for index, stem in enumerate(release_stems(subject)):
            pose = mocap_mm(100 * number + index)
            write_cdf(root / subject / "MyPoseFeatures" / "D3_Positions" / f"{stem}.cdf", pose)
            written[subject, stem] = pose
    return written


def h5_bytes(pose_mm: np.ndarray) -> bytes:
    """A 3d-pose-baseline file: dataset 3D_positions (96, T) float64, MATLAB's column-major layout."""
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as handle:
        handle.create_dataset("3D_positions", data=pose_mm.astype(np.float64).T)
    return buffer.getvalue()


def load_npz(path: Path, key: str) -> dict:
    with np.load(path, allow_pickle=True) as archive:
        return archive[key].item()


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("h36m_release")
    return root, write_release(root, ("S1", "S11"))


def test_cdf_release_gives_the_published_conventions(release, tmp_path):
    root, written = release
    paths = prepare_h36m(tmp_path, from_cdf=root, subjects=("S1", "S11"))
    positions = load_npz(paths["3d"], "positions_3d")
    assert set(positions["S1"]) == {"Photo", "Photo 1", "WalkDog", "WalkDog 1", *(
        f"{action}{suffix}" for action in ACTIONS for suffix in ("", " 1"))}
    assert len(positions["S1"]) == 30 and "TakingPhoto" not in positions["S1"]
    assert len(positions["S11"]) == 29 and "Directions" not in positions["S11"]
    assert "Directions 1" in positions["S11"]
    got = positions["S1"]["Photo 1"]
    source = written["S1", "TakingPhoto 1"]
    assert got.dtype == np.float32 and got.shape == (FRAMES, 32, 3)
    # Metres: the float32 millimetres divided by 1000 in float32, as VideoPose3D does it.
    np.testing.assert_array_equal(got, (source / 1000).reshape(FRAMES, 32, 3))
    summary = summarize_dataset(tmp_path, "gt")  # our reader takes both files
    assert summary.sequences == 59 and summary.reprojection_error_px < 1e-3


def test_archive_gives_the_same_files_as_the_cdf_release(release, tmp_path):
    root, written = release
    archive_path = tmp_path / "h36m.zip"
    with zipfile.ZipFile(archive_path, "w") as archive:
        archive.writestr("h36m/cameras.h5", b"not read")
        for (subject, stem), pose in written.items():
            archive.writestr(f"h36m/{subject}/MyPoses/3D_positions/{stem}.h5", h5_bytes(pose))
    from_archive = prepare_h36m(tmp_path / "a", from_archive=archive_path, subjects=("S1", "S11"))
    from_cdf = prepare_h36m(tmp_path / "c", from_cdf=root, subjects=("S1", "S11"))
    for kind, key in (("3d", "positions_3d"), ("gt", "positions_2d")):
        archive_table, cdf_table = load_npz(from_archive[kind], key), load_npz(from_cdf[kind], key)
        for subject in ("S1", "S11"):
            assert list(archive_table[subject]) == list(cdf_table[subject])
            for action, value in archive_table[subject].items():
                np.testing.assert_array_equal(np.asarray(value), np.asarray(cdf_table[subject][action]))


def test_round_trip_through_the_synthetic_data_is_exact(tmp_path):
    config = SyntheticConfig(seed=1, subjects=("S9",), min_frames=20, max_frames=24)
    reference = write_synthetic_dataset(tmp_path / "synthetic", config)
    for key, positions in generate_positions_3d(config)["S9"].items():
        # float64 millimetres: metres x 1000 and back are exact in float64, so nothing is lost.
        write_cdf(tmp_path / "release" / "S9" / "MyPoseFeatures" / "D3_Positions" / f"{key}.cdf",
                  positions.astype(np.float64).reshape(len(positions), 96) * 1000.0)
    paths = prepare_h36m(tmp_path / "prepared", from_cdf=tmp_path / "release", subjects=("S9",))
    for kind, key in (("3d", "positions_3d"), ("gt", "positions_2d")):
        expected, got = load_npz(reference[kind], key)["S9"], load_npz(paths[kind], key)["S9"]
        assert sorted(got) == sorted(expected)
        for action in expected:
            for want, have in zip(np.atleast_1d(expected[action]) if kind == "3d" else expected[action],
                                  np.atleast_1d(got[action]) if kind == "3d" else got[action], strict=True):
                assert want.dtype == have.dtype
                np.testing.assert_array_equal(have, want)
    assert load_npz(paths["gt"], "metadata") == load_npz(reference["gt"], "metadata")
    test_set = load_pose_set(tmp_path / "prepared", "gt", ("S9",))
    frames = sum(len(value) for value in load_npz(paths["3d"], "positions_3d")["S9"].values())
    assert len(test_set) == 4 * frames


def test_missing_sequences_are_named(tmp_path):
    partial = tmp_path / "partial"
    for stem in release_stems("S1"):
        if stem != "Eating 1":
            write_cdf(partial / "S1" / "MyPoseFeatures" / "D3_Positions" / f"{stem}.cdf", mocap_mm(0))
    with pytest.raises(DataError) as error:
        prepare_h36m(tmp_path / "out", from_cdf=partial, subjects=("S1", "S5"))
    lines = str(error.value).splitlines()  # every subject's problem at once
    assert "subject S1 has 29 sequence files; expected 30" in lines[0]
    assert "missing trials of Eating (found 1: Eating)" in lines[0]
    assert "S5/MyPoseFeatures/D3_Positions not found" in lines[1]
    assert not (tmp_path / "out").exists()


def test_a_cdf_that_is_not_a_pose_file_is_named(tmp_path):
    folder = tmp_path / "release" / "S1" / "MyPoseFeatures" / "D3_Positions"
    for stem in release_stems("S1"):
        write_cdf(folder / f"{stem}.cdf", mocap_mm(0))
    angles = folder / "Walking.cdf"
    angles.unlink()
    cdf = CDF(str(angles))
    cdf.write_var({"Variable": "Angles", "Data_Type": CDF.CDF_DOUBLE, "Num_Elements": 1, "Rec_Vary": True,
                   "Dim_Sizes": [FRAMES, 78]}, var_attrs={}, var_data=np.zeros((1, FRAMES, 78)))
    cdf.close()
    with pytest.raises(DataError, match=r"Walking\.cdf holds no variable 'Pose' \(it holds Angles\)"):
        prepare_h36m(tmp_path / "out", from_cdf=tmp_path / "release", subjects=("S1",))
    (folder / "Walking.cdf").write_bytes(b"not a CDF at all")
    with pytest.raises(DataError, match=r"Walking\.cdf is not a readable CDF file"):
        prepare_h36m(tmp_path / "out", from_cdf=tmp_path / "release", subjects=("S1",))


def test_outputs_are_kept_without_force_and_check_2d_counts_frames(release, tmp_path, capsys):
    root, _ = release
    arguments = ["prepare", "h36m", "--from-cdf", str(root), "--out", str(tmp_path), "--subjects", "S1,S11"]
    assert main(arguments) == 0
    before = (tmp_path / "data_3d_h36m.npz").read_bytes()
    assert main(arguments) == 2
    assert "already exist" in capsys.readouterr().err
    assert (tmp_path / "data_3d_h36m.npz").read_bytes() == before
    # A detection file one frame short for one sequence and camera.
    detections = load_npz(tmp_path / "data_2d_h36m_gt.npz", "positions_2d")
    detections["S11"]["Walking 1"][2] = detections["S11"]["Walking 1"][2][:-1]
    np.savez_compressed(tmp_path / "short.npz", positions_2d=detections)
    assert main([*arguments, "--force", "--check-2d", str(tmp_path / "short.npz")]) == 2
    error = capsys.readouterr().err
    assert "S11 'Walking 1': mocap 6 frames, 2D fewer (camera 58860488 5)" in error
    assert (tmp_path / "data_3d_h36m.npz").read_bytes() == before  # nothing written on a failed check
    # An output is never written over an input.
    assert main([*arguments, "--force", "--check-2d", str(tmp_path / "data_2d_h36m_gt.npz")]) == 2
    assert "is an input of this preparation" in capsys.readouterr().err
    full = tmp_path / "full.npz"
    full.write_bytes((tmp_path / "data_2d_h36m_gt.npz").read_bytes())
    assert main([*arguments, "--force", "--check-2d", str(full)]) == 0
