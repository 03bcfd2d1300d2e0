"""Evaluation protocol and its output files, on hand-built pose sets and a hand-made model."""

import csv
import json

import numpy as np
import pytest
import torch
from torch import nn

from jointformer.data.poseset import PoseSet
from jointformer.data.skeleton import ACTIONS, SKELETON17, flip_horizontal
from jointformer.errors import JointformerError
from jointformer.evaluation import (
    append_results_csv,
    evaluate_model,
    format_table,
    published_summary_lines,
    write_results_json,
)
from jointformer.models.jointformer import LiftOutput


def make_pose_set(count: int = 60, actions: tuple[str, ...] = ("Eating", "Walking"),
                  seed: int = 0) -> PoseSet:
    generator = torch.Generator().manual_seed(seed)
    targets = torch.randn(count, 17, 3, generator=generator) * 0.2
    targets[:, 0] = 0.0
    return PoseSet(
        inputs_2d=torch.randn(count, 17, 2, generator=generator) * 0.3,
        targets_3d=targets,
        action=torch.arange(count) % len(actions),
        subject=torch.zeros(count, dtype=torch.long),
        camera=torch.arange(count) % 4,
        actions=actions, subjects=("S9",),
        joints_left_2d=SKELETON17.joints_left, joints_right_2d=SKELETON17.joints_right,
        joints_left_3d=SKELETON17.joints_left, joints_right_3d=SKELETON17.joints_right,
    )


class ConstantModel(nn.Module):
    """Predicts the same pose (offset from the root by 0.5 m in z) whatever the input."""

    def __init__(self, pose: torch.Tensor) -> None:
        super().__init__()
        self.register_buffer("constant", pose + torch.tensor([0.0, 0.0, 0.5]))

    def forward(self, inputs_2d: torch.Tensor) -> LiftOutput:
        return LiftOutput(poses=[self.constant.expand(inputs_2d.shape[0], 17, 3)])


def expected_protocol1(prediction: np.ndarray, pose_set: PoseSet) -> dict[str, float]:
    targets = pose_set.targets_3d.numpy().astype(np.float64)
    per_pose = np.linalg.norm(prediction - targets, axis=-1).mean(axis=-1) * 1000
    table = {name: float(per_pose[pose_set.action.numpy() == index].mean())
             for index, name in enumerate(pose_set.actions)}
    table["avg"] = float(np.mean(list(table.values())))
    return table


def test_constant_model_without_flip_matches_a_hand_computation():
    pose_set = make_pose_set()
    constant = torch.randn(17, 3, generator=torch.Generator().manual_seed(5)) * 0.2
    result = evaluate_model(ConstantModel(constant), pose_set, flip=False, batch_size=7)
    centred = (constant - constant[0]).double().numpy()
    expected = expected_protocol1(np.broadcast_to(centred, (len(pose_set), 17, 3)), pose_set)
    assert result.protocol1 == pytest.approx(expected)
    assert result.frames == len(pose_set)
    assert result.actions == ["Eating", "Walking"]


def test_flip_test_averages_the_unflipped_mirror_prediction():
    pose_set = make_pose_set()
    constant = torch.randn(17, 3, generator=torch.Generator().manual_seed(6)) * 0.2
    centred = constant - constant[0]
    averaged = ((centred + flip_horizontal(centred, SKELETON17.joints_left, SKELETON17.joints_right)) / 2)
    result = evaluate_model(ConstantModel(constant), pose_set, flip=True, batch_size=16)
    expected_poses = np.broadcast_to(averaged.double().numpy(), (len(pose_set), 17, 3))
    expected = expected_protocol1(expected_poses, pose_set)
    assert result.protocol1 == pytest.approx(expected)
    unflipped = evaluate_model(ConstantModel(constant), pose_set, flip=False)
    assert result.protocol1["avg"] != pytest.approx(unflipped.protocol1["avg"])


def test_report_is_the_mean_over_actions_not_over_frames():
    pose_set = make_pose_set(count=30)
    keep = torch.cat([torch.arange(0, 30, 2), torch.tensor([1])])  # 15 Eating poses, 1 Walking pose
    unbalanced = pose_set.select(keep)
    result = evaluate_model(ConstantModel(torch.zeros(17, 3)), unbalanced, flip=False)
    per_action = [result.protocol1["Eating"], result.protocol1["Walking"]]
    assert result.protocol1["avg"] == pytest.approx(sum(per_action) / 2)
    assert result.overall_protocol1 == pytest.approx((15 * per_action[0] + per_action[1]) / 16)


def test_result_files_in_the_published_layout(tmp_path):
    pose_set = make_pose_set()
    result = evaluate_model(ConstantModel(torch.zeros(17, 3)), pose_set, flip=True)
    csv_path = tmp_path / "results.csv"
    append_results_csv(csv_path, result, "ckpt_best.pth.tar")
    append_results_csv(csv_path, result, "ckpt_best.pth.tar")
    rows = list(csv.reader(csv_path.open()))
    assert rows[0] == ["TimeStamp", "checkpoint", "Eating", "Walking", "avg"]
    assert len(rows) == 5  # one header, then P1 and P2 rows per evaluation
    assert float(rows[1][-1]) == pytest.approx(result.protocol1["avg"])
    assert float(rows[2][-1]) == pytest.approx(result.protocol2["avg"])
    json_path = write_results_json(tmp_path / "results.json", result, "ckpt_best.pth.tar", "gt")
    document = json.loads(json_path.read_text())
    assert set(document) >= {"protocol1", "protocol2", "protocol3", "per_joint", "checkpoint", "keypoints",
                             "frames"}
    assert document["protocol1"]["avg"] == pytest.approx(result.protocol1["avg"])
    assert set(document["per_joint"]) == set(SKELETON17.names)
    assert document["frames"] == len(pose_set)
    lines = published_summary_lines(result)
    assert lines[0].startswith("Protocol #1   (MPJPE) action-wise average: ")
    assert lines[1].startswith("Protocol #2 (P-MPJPE) action-wise average: ")
    table = format_table(result)
    assert "Eating" in table and "Average" in table


def test_csv_with_other_columns_is_refused_and_left_intact(tmp_path):
    csv_path = tmp_path / "results.csv"
    csv_path.write_text("TimeStamp,checkpoint,Directions,avg\n")
    result = evaluate_model(ConstantModel(torch.zeros(17, 3)), make_pose_set(), flip=False)
    with pytest.raises(JointformerError, match="header"):
        append_results_csv(csv_path, result, "x")
    assert csv_path.read_text() == "TimeStamp,checkpoint,Directions,avg\n"


def test_empty_test_set_is_an_error():
    empty = make_pose_set().select(torch.zeros(60, dtype=torch.bool))
    with pytest.raises(JointformerError, match="empty"):
        evaluate_model(ConstantModel(torch.zeros(17, 3)), empty)


def test_all_fifteen_actions_table():
    pose_set = make_pose_set(count=150, actions=ACTIONS)
    result = evaluate_model(ConstantModel(torch.zeros(17, 3)), pose_set, flip=False)
    assert result.actions == list(ACTIONS)
    assert len(result.protocol1) == 16
