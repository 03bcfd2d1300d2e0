"""The one atomic-write helper: modes as open(..., "w") gives them, links and modes kept, errors naming the
user's path, stale temporaries removed, and every writer of the package going through it."""

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from jointformer.atomic_files import atomic_output, remove_stale_temporaries, write_text_atomically
from jointformer.checkpoint import save_checkpoint
from jointformer.data.skeleton import SKELETON17
from jointformer.data.synthetic import SyntheticConfig, write_synthetic_dataset
from jointformer.errors import JointformerError, OutputError
from jointformer.evaluation import EvaluationResult, append_results_csv, write_results_json
from jointformer.lift.keypoint_files import KeypointTrack
from jointformer.lift.lifter import LiftResult
from jointformer.lift.outputs import write_lift_output
from jointformer.models.jointformer import JointFormerConfig, build_model
from jointformer.visualization import plot_poses, plot_training_curves, write_gif, write_html

SOURCE = Path(__file__).resolve().parents[1] / "src" / "jointformer"
TINY_MODEL = JointFormerConfig(hid_dim=8, num_layers=1, d_inner=16, num_heads=2, d_head=4)


@pytest.fixture(params=[0o022, 0o077], ids=["umask022", "umask077"])
def umask(request):
    """Run the test under this umask (process-wide; restored afterwards)."""
    previous = os.umask(request.param)
    yield request.param
    os.umask(previous)


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def tiny_result() -> EvaluationResult:
    table = {"Walking": 50.0, "avg": 50.0}
    return EvaluationResult(protocol1=table, protocol2=table, protocol3=table, per_joint={},
                            overall_protocol1=50.0, overall_protocol2=50.0, frames=1,
                            actions=["Walking"])


def lifted(count: int = 3) -> tuple[list[KeypointTrack], list[LiftResult]]:
    poses = np.random.default_rng(0).normal(0, 0.3, (count, 17, 3))
    track = KeypointTrack("0", list(range(count)), np.zeros((count, 17, 2)), None, True, "input.json")
    result = LiftResult(poses, np.ones((count, 17)), np.zeros((count, 17), bool), np.zeros((count, 17, 2)),
                        SKELETON17.names)
    return [track], [result]


def every_writer(directory: Path) -> list[Path]:
    """Call each file writer of the package once into ``directory``; the files they wrote."""
    model = build_model(TINY_MODEL)
    tracks, results = lifted()
    poses = results[0].poses_3d
    written = [
        save_checkpoint(directory / "ckpt.pth.tar", state_dict=model.state_dict(), config=TINY_MODEL),
        write_results_json(directory / "results.json", tiny_result(), "ckpt", "gt"),
        append_results_csv(directory / "results.csv", tiny_result(), "ckpt"),
        write_text_atomically(directory / "config.json", "{}\n"),
        plot_poses(directory / "poses.png", poses[:1]),
        plot_training_curves(directory / "curves.png", [{"epoch": 1, "train_loss": 1.0, "lr": 1e-3}]),
        write_gif(directory / "poses.gif", poses[:2], fps=5),
        write_html(directory / "viewer.html", poses),
        write_lift_output(directory / "lifted.json", tracks, results, {}),
        write_lift_output(directory / "lifted.npz", tracks, results, {}),
    ]
    written += write_synthetic_dataset(
        directory / "data", SyntheticConfig(seed=1, trials=1, min_frames=20, max_frames=20,
                                            subjects=("S1",), actions=("Walking",))).values()
    return written


def test_every_writer_gives_the_umask_mode_and_leaves_no_temporary(tmp_path, umask):
    written = every_writer(tmp_path)
    for path in written:
        assert mode_of(path) == 0o666 & ~umask, path
    leftovers = [path for path in tmp_path.rglob(".*") if path.is_file()]
    assert leftovers == []


def test_only_the_helper_creates_or_renames_files():
    """No module but atomic_files renames temporaries into place or opens files for writing itself."""
    pattern = re.compile(r"os\.(replace|rename)\(|mkstemp|NamedTemporaryFile|(?<![.\w])open\([^)]*[\"'][wax]"
                         r"|(?<!temporary)\.write_(text|bytes)\(")
    offenders = [f"{path.relative_to(SOURCE)}:{number}" for path in sorted(SOURCE.rglob("*.py"))
                 if path.name != "atomic_files.py"
                 for number, line in enumerate(path.read_text().splitlines(), start=1)
                 if pattern.search(line)]
    assert offenders == []


def test_replacing_keeps_a_symlink_and_the_existing_mode(tmp_path):
    target = tmp_path / "shared" / "results.csv"
    target.parent.mkdir()
    append_results_csv(target, tiny_result(), "first")
    os.chmod(target, 0o640)
    link = tmp_path / "results.csv"
    link.symlink_to(target)
    append_results_csv(link, tiny_result(), "second")
    assert link.is_symlink()
    rows = target.read_text().splitlines()
    assert [row.split(",")[1] for row in rows[1:]] == ["first", "first", "second", "second"]
    assert mode_of(target) == 0o640


@pytest.mark.parametrize("make", ["parent_is_a_file", "target_is_a_directory"])
def test_errors_name_the_users_path_not_the_temporary(tmp_path, make):
    if make == "parent_is_a_file":
        (tmp_path / "file").write_text("x")
        path = tmp_path / "file" / "results.json"
    else:
        path = tmp_path / "results.json"
        path.mkdir()
    with pytest.raises(OutputError) as caught:
        write_results_json(path, tiny_result(), "ckpt", "gt")
    assert str(path) in str(caught.value)
    assert ".tmp" not in str(caught.value)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_a_read_only_directory_is_an_output_error(tmp_path):
    directory = tmp_path / "read_only"
    directory.mkdir()
    directory.chmod(0o555)
    try:
        with pytest.raises(OutputError, match=r"results\.json"):
            write_results_json(directory / "results.json", tiny_result(), "ckpt", "gt")
    finally:
        directory.chmod(0o755)


def test_a_failing_writer_leaves_the_old_file_and_no_temporary(tmp_path):
    path = write_text_atomically(tmp_path / "config.json", "old\n")
    with pytest.raises(RuntimeError), atomic_output(path) as temporary:
        temporary.write_text("half")
        raise RuntimeError("killed mid-write")
    assert path.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.json"]


def test_stale_temporaries_of_dead_processes_are_removed(tmp_path):
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                              text=True, check=True)
    dead_pid = int(finished.stdout)
    stale = tmp_path / f".ckpt_last.pth.tar.{dead_pid}-0123abcd.tmp"
    ours = tmp_path / f".ckpt_last.pth.tar.{os.getpid()}-0123abcd.tmp"
    other = tmp_path / ".hidden-user-file.tmp"
    for path in (stale, ours, other):
        path.write_bytes(b"partial")
    assert remove_stale_temporaries(tmp_path) == [stale]
    assert not stale.exists() and ours.exists() and other.exists()


def test_output_error_is_the_packages_error_type():
    assert issubclass(OutputError, JointformerError)
