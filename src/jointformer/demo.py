"""The main job, ``jointformer demo``: the whole published pipeline on the embedded data set, in minutes.

It writes the synthetic data set when absent, trains stage 1 and then the refiner on a short schedule,
evaluates both on the test subjects with the published protocol (flip test, per-action table), and leaves a
run directory with checkpoints, metrics, training curves, a figure of test poses and ``demo_summary.json``.
For context it also reports the error of always predicting the mean training pose.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from jointformer.atomic_files import write_text_atomically
from jointformer.data.h36m import data_paths, load_pose_sets
from jointformer.data.poseset import PoseSet
from jointformer.data.synthetic import (
    DEFAULT_DETECTOR_NAME,
    SyntheticConfig,
    same_data,
    stored_synthetic_config,
    write_synthetic_dataset,
)
from jointformer.errors import DataError
from jointformer.evaluation import (
    EvaluationResult,
    evaluate_model,
    format_table,
    published_summary_lines,
    write_results_json,
)
from jointformer.metrics import MM_PER_M, mpjpe
from jointformer.models.jointformer import REFINER_IN_FEATURES, JointFormerConfig
from jointformer.run_directory import unique_directory
from jointformer.training import TrainOptions, TrainResult, resolve_device, train


@dataclass
class DemoOptions:
    """Where the demo reads and writes, and its short schedule (sized for 2 CPU cores, < 5 minutes)."""

    data_dir: str = "data/synthetic"
    out: str = "runs/demo"
    keypoints: str = "gt"
    seed: int = 0
    device: str = "auto"
    downsample: int = 2
    stage1_epochs: int = 4
    refiner_epochs: int = 1
    refiner_stride: int = 2  # the refiner sees every 2nd training pose
    test_stride: int = 2  # validation and evaluation on every 2nd test pose of the downsampled frames
    batch_size: int = 128
    lr: float = 2.0e-3
    figure_poses: int = 4


def stage1_config() -> JointFormerConfig:
    """The demo's stage 1: the published JointFormer (hid 64, 4 layers, intermediate supervision, error
    prediction, conv embedding, prediction dropout 0.2) with standard transformer head sizes (8 heads of 8
    instead of 8 of 64) and a 256-wide feed-forward, so that it learns within the demo's minutes on 2 CPU
    cores. The published configuration is ``JointFormerConfig()``; it learns the same way, over hours."""
    return JointFormerConfig(kind="jointformer", in_features=2, hid_dim=64, num_layers=4, d_inner=256,
                             num_heads=8, d_head=8, pred_dropout=0.2, intermediate=True,
                             error_prediction=True)


def refiner_config() -> JointFormerConfig:
    """The demo's refiner: the published refinement transformer's structure (2 layers, no intermediate
    supervision, input 2D + stage-1 pose + stage-1 error) at hid 64 / feed-forward 256 / 8 heads of 8, made
    residual (``--residual_refiner``: it predicts a correction that starts at zero), so that its short
    schedule starts from the stage-1 pose; the published one is ``JointFormerConfig.published_refiner()``."""
    return JointFormerConfig(kind="refiner", in_features=REFINER_IN_FEATURES, hid_dim=64, num_layers=2,
                             d_inner=256, num_heads=8, d_head=8, pred_dropout=0.1, intermediate=False,
                             error_prediction=False, residual=True)


def ensure_dataset(data_dir: str | Path, keypoints: str, seed: int) -> None:
    """Write the embedded data set of ``seed`` into ``data_dir`` unless its files (3D, gt 2D and
    ``keypoints`` 2D) are all there already (then they are used as they are, whatever their seed). A
    directory holding a data set of other settings is never overwritten: that is a DataError naming both
    seeds."""
    needed = {*data_paths(data_dir, keypoints), *data_paths(data_dir, "gt")}
    stored = stored_synthetic_config(data_dir)
    if all(path.is_file() for path in needed):
        if stored is not None:
            print(f"==> using the embedded data set in {data_dir} (generated with seed {stored.get('seed')})",
                  flush=True)
        return
    detector_name = DEFAULT_DETECTOR_NAME if keypoints == "gt" else keypoints
    config = SyntheticConfig(seed=seed, detector_name=detector_name)
    if stored is not None and not same_data(stored, config):
        raise DataError(f"{data_dir} holds an embedded data set generated with other settings (seed "
                        f"{stored.get('seed')!r}, not {seed}) and lacks {keypoints!r}; it is not "
                        f"overwritten: pass --data-dir with another directory "
                        f"(e.g. {Path(data_dir).name}-seed{seed})")
    print(f"==> writing the embedded synthetic data set to {data_dir}", flush=True)
    write_synthetic_dataset(data_dir, config)


def mean_pose_error(train_set: PoseSet, test_set: PoseSet) -> float:
    """Protocol #1 (mm) of predicting the mean training pose (root-relative, camera frame) for every test
    pose: the floor any lifter must beat."""
    mean_pose = train_set.targets_3d.double().mean(dim=0, keepdim=True).float()
    errors = mpjpe(mean_pose.expand_as(test_set.targets_3d), test_set.targets_3d)
    return float(errors.double().mean()) * MM_PER_M


def _report(name: str, result: EvaluationResult) -> dict[str, float]:
    print(f"\n==> {name}: per-action errors on the test subjects (flip test)")
    print(format_table(result))
    for line in published_summary_lines(result):
        print(line)
    return {"protocol1": result.protocol1["avg"], "protocol2": result.protocol2["avg"]}


def _figure(path: Path, model: torch.nn.Module, test_set: PoseSet, count: int) -> Path:
    from jointformer.models.inference import flip_averaged
    from jointformer.visualization import plot_poses

    # Evenly spread test poses, so different actions and cameras appear.
    indices = torch.linspace(0, len(test_set) - 1, count).long().to(test_set.device)
    inputs_2d, targets_3d = test_set.batch(indices)
    with torch.no_grad():
        predicted, errors = flip_averaged(model.eval(), inputs_2d, test_set.flip_2d, test_set.flip_3d)
    errors_mm = None if errors is None else torch.linalg.vector_norm(errors, dim=-1) * MM_PER_M
    titles = [f"{test_set.subjects[int(test_set.subject[i])]} {test_set.actions[int(test_set.action[i])]}"
              for i in indices.cpu()]
    return plot_poses(path, predicted.cpu().numpy(), inputs_2d=inputs_2d.cpu().numpy(),
                      errors_mm=None if errors_mm is None else errors_mm.cpu().numpy(),
                      ground_truth_3d=targets_3d.cpu().numpy(), titles=titles, max_columns=2)


def run_demo(options: DemoOptions) -> dict:
    """Run the demo; returns the content of ``demo_summary.json`` (also written and its path printed)."""
    started = time.perf_counter()
    torch.manual_seed(options.seed)
    device = resolve_device(options.device)
    ensure_dataset(options.data_dir, options.keypoints, options.seed)
    pose_sets = load_pose_sets(options.data_dir, options.keypoints, downsample=options.downsample)
    train_set, test_set = (pose_set.to(device) for pose_set in pose_sets)
    test_set = test_set.select(torch.arange(0, len(test_set), options.test_stride, device=device))
    print(f"==> {len(train_set)} training and {len(test_set)} test poses ({options.keypoints}, "
          f"frame stride {options.downsample}) on {device}", flush=True)
    baseline = mean_pose_error(train_set, test_set)
    print(f"==> predicting the mean training pose: Protocol #1 {baseline:.2f} mm", flush=True)

    run_dir = unique_directory(options.out)  # its own directory, even when another demo started this second
    common = {"data_dir": options.data_dir, "keypoints": options.keypoints, "batch_size": options.batch_size,
              "lr": options.lr, "augment": True, "seed": options.seed, "device": str(device),
              "downsample": options.downsample, "snapshot": 1000}
    first: TrainResult = train(TrainOptions(stage="jointformer", epochs=options.stage1_epochs,
                                            run_dir=str(run_dir / "stage1"), **common),
                               stage1_config(), pose_sets=(train_set, test_set))
    refiner_train_set = train_set.select(torch.arange(0, len(train_set), options.refiner_stride))
    # The stage-1 dropout is frozen while the refiner trains (the published script leaves it on): in a
    # short schedule the refiner must learn from the stage-1 outputs it will see at test time.
    second: TrainResult = train(TrainOptions(stage="refiner", epochs=options.refiner_epochs,
                                             pose_weights=str(first.best_checkpoint),
                                             freeze_stage1_dropout=True,
                                             run_dir=str(run_dir / "refiner"), **common),
                                refiner_config(), pose_sets=(refiner_train_set, test_set))

    from jointformer.checkpoint import load_model

    stage1_model = load_model(first.best_checkpoint, map_location=device)
    refiner_model = load_model(second.best_checkpoint, map_location=device)
    stage1_result = evaluate_model(stage1_model, test_set, flip=True)
    refiner_result = evaluate_model(refiner_model, test_set, flip=True)
    figures = {"test_poses": str(_figure(run_dir / "test_poses.png", refiner_model, test_set,
                                         options.figure_poses))}
    write_results_json(run_dir / "stage1" / "results.json", stage1_result, str(first.best_checkpoint),
                       options.keypoints)
    write_results_json(run_dir / "refiner" / "results.json", refiner_result, str(second.best_checkpoint),
                       options.keypoints)

    summary = {
        "mean_pose_p1": baseline,
        "stage1": _report("JointFormer (stage 1)", stage1_result),
        "refiner": _report("JointFormer + refiner (stage 2)", refiner_result),
        "seconds": time.perf_counter() - started,
        "checkpoints": {"stage1": str(first.best_checkpoint), "refiner": str(second.best_checkpoint)},
        "figures": {**figures, "stage1_curves": str(first.run_dir / "training_curves.png"),
                    "refiner_curves": str(second.run_dir / "training_curves.png")},
        "data": {"directory": options.data_dir, "keypoints": options.keypoints,
                 "train_poses": len(train_set), "test_poses": len(test_set)},
    }
    ratio = summary["stage1"]["protocol1"] / baseline
    print(f"\n==> stage 1 Protocol #1 is {ratio:.1%} of the mean-pose error; the refiner changes it by "
          f"{summary['refiner']['protocol1'] - summary['stage1']['protocol1']:+.2f} mm")
    path = write_text_atomically(run_dir / "demo_summary.json", json.dumps(summary, indent=2) + "\n")
    print(f"==> finished in {summary['seconds']:.0f} s; summary: {path}")
    return summary
