"""MPI-INF-3DHP metrics (hand-computed), a ground-truth predictor, and the 3dhp / cross-dataset commands."""

import json

import pytest
import torch
from torch import nn

from jointformer.data.mpi_inf_3dhp import OFFICIAL_PCK_JOINTS, SEQUENCES, pose_set_3dhp, read_test_set
from jointformer.data.skeleton import SKELETON17
from jointformer.evaluation_3dhp import evaluate_model_3dhp
from jointformer.metrics import PCKSums
from jointformer.models.jointformer import LiftOutput

h5py = pytest.importorskip("h5py")

UNSCORED = [joint for joint in range(17) if joint not in OFFICIAL_PCK_JOINTS]  # Hip, Spine, Neck/Nose


def three_poses() -> tuple[torch.Tensor, torch.Tensor]:
    """Targets zero; prediction errors along x: pose A 12 mm on every joint; pose B 102 mm on seven
    scored joints and 160 mm on the other seven; pose C 200 mm. The 3 unscored joints are 1 m off."""
    errors = torch.zeros(3, 17)
    scored = list(OFFICIAL_PCK_JOINTS)
    errors[0, scored] = 0.012
    errors[1, scored[:7]], errors[1, scored[7:]] = 0.102, 0.160
    errors[2, scored] = 0.200
    errors[:, UNSCORED] = 1.0
    predicted = torch.zeros(3, 17, 3, dtype=torch.float64)
    predicted[..., 0] = errors
    return predicted, torch.zeros(3, 17, 3, dtype=torch.float64)


def test_pck_auc_and_mpjpe_match_a_hand_computation():
    predicted, target = three_poses()
    sums = PCKSums(2, OFFICIAL_PCK_JOINTS)
    sums.update(predicted, target, torch.tensor([0, 1, 1]))
    # PCK150: A 14 of 14, B 7 of 14, C 0 of 14 joints strictly below 150 mm.
    # AUC over 0, 5, ..., 150 mm (31 thresholds): 12 mm is below 28 of them (15..150), 102 mm below 10
    # (105..150), 160 and 200 mm below none: (14 * 28 + 7 * 10) / (3 * 14 * 31) = 462 / 1302.
    overall = sums.means()
    assert overall["pck"] == pytest.approx(21 / 42)
    assert overall["auc"] == pytest.approx(462 / 1302)
    # MPJPE over all 17 joints, unscored ones included.
    per_pose = [(14 * 0.012 + 3) / 17, (7 * 0.102 + 7 * 0.160 + 3) / 17, (14 * 0.2 + 3) / 17]
    assert overall["mpjpe"] == pytest.approx(sum(per_pose) / 3)
    assert sums.means([1])["pck"] == pytest.approx(7 / 28)
    assert sums.means([0])["auc"] == pytest.approx(28 / 31)
    every = PCKSums(1, range(17))  # the 17-joint variant counts the 1 m joints as misses
    every.update(predicted, target, torch.zeros(3, dtype=torch.long))
    assert every.means()["pck"] == pytest.approx(21 / 51)


class TruthModel(nn.Module):
    """Looks each input up in a table of (input, target) pairs, mirrored pairs included."""

    def __init__(self, inputs: torch.Tensor, targets: torch.Tensor) -> None:
        super().__init__()
        self.register_buffer("inputs", inputs.flatten(1))
        self.register_buffer("targets", targets)

    def forward(self, inputs_2d: torch.Tensor) -> LiftOutput:
        # Exact distances: neighbouring frames of a still pose differ by hundredths of a millimetre.
        distances = torch.cdist(inputs_2d.flatten(1), self.inputs,
                                compute_mode="donot_use_mm_for_euclid_dist")
        index = distances.argmin(dim=1)
        return LiftOutput(poses=[self.targets[index]])


def test_ground_truth_predictor_scores_pck_100_and_the_official_auc_maximum(tmp_path):
    from jointformer.data.synthetic_3dhp import write_synthetic_3dhp

    write_synthetic_3dhp(tmp_path, frames_per_activity=12)
    pose_set = pose_set_3dhp(read_test_set(tmp_path))
    inputs = torch.cat([pose_set.inputs_2d, pose_set.flip_2d(pose_set.inputs_2d)])
    targets = torch.cat([pose_set.targets_3d, pose_set.flip_3d(pose_set.targets_3d)])
    result = evaluate_model_3dhp(TruthModel(inputs, targets), pose_set)
    rows = [*SEQUENCES, "GS", "noGS", "Outdoor", "Standing/Walking", "On The Floor", "all"]
    for row in rows:
        assert result.pck150[row] == 100.0
        # The official AUC counts errors strictly below each threshold, so 0 mm is met by no error:
        # a perfect prediction scores 30/31.
        assert result.auc[row] == pytest.approx(100.0 * 30 / 31)
        assert result.mpjpe[row] < 1e-3
    assert result.frames["all"] == len(pose_set) == sum(result.frames[name] for name in SEQUENCES)
    assert result.frames["GS"] == result.frames["TS1"] + result.frames["TS2"]


@pytest.fixture(scope="module")
def tiny_checkpoint(tmp_path_factory):
    from jointformer.checkpoint import save_checkpoint
    from jointformer.models.jointformer import JointFormer, JointFormerConfig

    torch.manual_seed(0)
    config = JointFormerConfig(hid_dim=16, num_layers=1, d_inner=32, num_heads=2, d_head=8)
    model = JointFormer(config)
    return save_checkpoint(tmp_path_factory.mktemp("ckpt") / "tiny.pth.tar", state_dict=model.state_dict(),
                           config=config)


def test_evaluate_3dhp_and_the_cross_dataset_table(tmp_path, tiny_data_dir, tiny_checkpoint, capsys):
    from jointformer.cli import main

    mpi_dir = tmp_path / "mpi_inf_3dhp_test_set"
    assert main(["synth", "--layout", "3dhp", str(mpi_dir)]) == 0
    results = tmp_path / "results.json"
    assert main(["evaluate", str(tiny_checkpoint), "--dataset", "3dhp", "--data-dir", str(mpi_dir),
                 "--results", str(results), "--device", "cpu"]) == 0
    document = json.loads(results.read_text())
    assert set(document) >= {"pck150", "auc", "mpjpe", "frames"} and document["pck_joints"] == 14
    assert set(document["pck150"]) == {*SEQUENCES, "GS", "noGS", "Outdoor", "all", "Standing/Walking",
                                       "Exercising", "Sitting", "Reaching/Crouching", "On The Floor",
                                       "Sports", "Miscellaneous"}
    assert "PCK/AUC on the official 14 joints" in capsys.readouterr().out
    both = tmp_path / "both.json"
    assert main(["evaluate", str(tiny_checkpoint), "--dataset", "h36m,3dhp", "--data-dir", str(tiny_data_dir),
                 "--data-dir-3dhp", str(mpi_dir), "--results", str(both), "--results-csv", "",
                 "--device", "cpu", "--3dhp-joints", "17"]) == 0
    printed = capsys.readouterr().out
    header = printed.splitlines()[printed.splitlines().index("-" * len(next(
        line for line in printed.splitlines() if line.startswith("checkpoint")))) - 1]
    assert header.split()[1:] == ["H36M", "P1", "H36M", "P2", "3DHP", "PCK", "3DHP", "AUC", "3DHP", "MPJPE"]
    combined = json.loads(both.read_text())
    assert combined["3dhp"]["pck_joints"] == 17 and len(combined["3dhp"]["pck_joint_names"]) == 17
    assert combined["h36m"]["protocol1"]["avg"] > 0
    assert combined["3dhp"]["mpjpe"]["all"] == pytest.approx(document["mpjpe"]["all"])  # joints don't matter
    with pytest.raises(SystemExit) as parser_exit:
        main(["synth", "--layout", "3dhp", str(tmp_path / "other"), "--detector-name", "cpn"])
    assert parser_exit.value.code == 2 and not (tmp_path / "other").exists()
    for flags in (["--dataset", "3dhp,kitti"], ["--dataset", "3dhp", "--actions", "Walking"],
                  ["--dataset", "3dhp", "--data-dir-3dhp", str(mpi_dir)]):
        with pytest.raises(SystemExit) as parser_exit:
            main(["evaluate", str(tiny_checkpoint), *flags])
        assert parser_exit.value.code == 2
    # Re-running replaces its own results; a file of another kind under that name is refused before the work.
    assert main(["evaluate", str(tiny_checkpoint), "--dataset", "3dhp", "--data-dir", str(mpi_dir),
                 "--results", str(results), "--device", "cpu"]) == 0
    notes = tmp_path / "notes.json"
    notes.write_text('{"mine": 1}')
    assert main(["evaluate", str(tiny_checkpoint), "--dataset", "3dhp", "--data-dir", str(mpi_dir),
                 "--results", str(notes), "--device", "cpu"]) == 2
    assert "not recognised as evaluation results written by jointformer" in capsys.readouterr().err
    assert notes.read_text() == '{"mine": 1}'
    missing = tmp_path / "no"
    assert main(["evaluate", str(tiny_checkpoint), "--dataset", "3dhp", "--data-dir", str(missing)]) == 2
    assert "holds neither TS1/annot_data.mat" in capsys.readouterr().err
    assert SKELETON17.names[OFFICIAL_PCK_JOINTS[0]] == "Head"


def test_3dhp_alone_leaves_an_unrelated_results_csv_alone(tmp_path, tiny_checkpoint, monkeypatch):
    """`--results-csv` (default results.csv) is the Human3.6M table: 3DHP alone neither writes nor checks
    it."""
    from jointformer.cli import main

    mpi_dir = tmp_path / "mpi"
    assert main(["synth", "--layout", "3dhp", str(mpi_dir)]) == 0
    monkeypatch.chdir(tmp_path)
    (tmp_path / "results.csv").write_text("my,notes\n")
    assert main(["evaluate", str(tiny_checkpoint), "--dataset", "3dhp", "--data-dir", str(mpi_dir),
                 "--results", str(tmp_path / "r.json"), "--device", "cpu"]) == 0
    assert (tmp_path / "results.csv").read_text() == "my,notes\n"
