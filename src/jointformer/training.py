"""The training loop shared by stage 1 (JointFormer, ``stage="jointformer"``) and stage 2 (the refiner,
``stage="refiner"``).

One loop serves both stages; a :class:`Task` says what is trained, how its forward pass is run and which
loss it minimises:

- stage 1: the JointFormer, loss per layer output ``(MSE(pose, target) + MSE(error, |pose.detach() -
  target|)) / 2`` averaged over the layer outputs (just the MSE without error prediction);
- stage 2: the refiner on top of a fixed stage-1 network; loss ``MSE(refined, target)``. Two quirks of the
  published script are reproduced by default (the stage-1 network stays in training mode, so its dropout is
  on while the refiner trains; the gradient clip is applied to the stage-1 parameters, so the refiner's
  gradients are never clipped); ``freeze_stage1_dropout`` and ``clip_refiner`` opt out.

SemGCN and the linear baseline train in the stage-1 loop too: their models have no error head, so the
stage-1 loss is the pose MSE alone; their optimiser and schedule are SemGCN's (``jointformer.recipes``).

Recipe: AdamW (PyTorch defaults but ``lr``), cosine annealing over ``epochs × iterations`` stepped before
every iteration but the first (so iteration k runs at the cosine's k-th value), gradient-norm clip 1.0 unless
``max_norm`` is off, flip augmentation with probability 0.5 when ``augment`` is on. After every epoch the
model is validated on the test subjects (Protocol #1/#2, no flip); ``ckpt_best.pth.tar`` keeps the best
Protocol #1, ``ckpt_epoch_XXXX.pth.tar`` is a snapshot every ``snapshot`` epochs, ``ckpt_last.pth.tar`` holds
everything needed to resume exactly (optimizer, scheduler and random-generator states).

:func:`train` reads as the run goes: :func:`set_up_run` (device, data, task, optimiser, a resumed
:class:`RunState`, the run directory), then per epoch :func:`train_one_epoch`, :func:`validate` and
:func:`save_epoch_checkpoints` (rank 0), then :func:`finish`.

Poses: inputs (B, 17, 2) normalised screen coordinates, targets (B, 17, 3) metres, camera frame,
root-relative. Batches are drawn by index from device-resident tensors.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import os
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from jointformer.atomic_files import write_text_atomically
from jointformer.checkpoint import LoadedCheckpoint, load_stage1, read_checkpoint, save_checkpoint
from jointformer.data.h36m import load_pose_sets
from jointformer.data.input_stats import InputStats
from jointformer.data.poseset import PoseSet
from jointformer.errors import JointformerError
from jointformer.evaluation import evaluate_model
from jointformer.models.architecture_defaults import MODEL_KINDS, ModelKind
from jointformer.models.inference import autocast_context, predict
from jointformer.models.jointformer import JointFormerConfig, LiftOutput, TwoStage, build_model
from jointformer.models.registry import ModelConfig, build, config_to_dict, model_name, parameter_count
from jointformer.recipes import build_optimizer, build_scheduler
from jointformer.run_directory import claim_run_directory, unique_directory
from jointformer.training_checks import (
    TrainingDivergedError,
    check_resume,
    checked_validation,
    new_divergence_monitor,
    raise_if_diverged,
    record_divergence,
    remove_stale_run_temporaries,
)

RUN_LABELS: dict[ModelKind, str] = {"jointformer": "stage1", "refiner": "refine"}
"""How a run of each stage names itself, as it always has: in its directory name, its ``config.json``
(``train.stage``) and its progress lines."""


@dataclass
class TrainOptions:
    """Everything about a run except the architecture. Defaults are the published code's flag defaults."""

    stage: ModelKind = "jointformer"  # the model trained: stage 1 ("jointformer") or stage 2 ("refiner")
    data_dir: str = "data"
    dataset: str = "h36m"
    keypoints: str = "gt"
    actions: str = "*"
    checkpoint: str = "checkpoint"
    snapshot: int = 5
    resume: str = ""
    batch_size: int = 64
    epochs: int = 100
    lr: float = 1.0e-3
    lr_decay: int = 100000  # SemGCN / linear: step decay every N iterations; JointFormer: no effect
    lr_gamma: float = 0.96  # SemGCN / linear: decay factor; JointFormer: no effect (cosine, as published)
    max_norm: bool = True
    augment: bool = False
    downsample: int = 1
    num_workers: int = 8  # accepted; batches come from tensors, no loader workers are started
    num_gpus: int = 1
    seed: int = 0
    device: str = "auto"
    amp: bool = False
    compile: bool = False
    pose_weights: str = ""
    freeze_stage1_dropout: bool = False
    clip_refiner: bool = False
    stop_after_epoch: int = 0  # 0: run to ``epochs``; k: stop after epoch k, leaving ckpt_last to resume
    eval_batch_size: int = 1024
    run_dir: str = ""  # explicit run directory; default: a timestamped one under ``checkpoint``
    progress: str = "auto"  # "auto" (bar on a terminal, lines otherwise), "bar", "lines", "none"


@dataclass
class TrainResult:
    """What a finished run leaves: its directory, the best validation figures (mm) and the history."""

    run_dir: Path
    best_checkpoint: Path
    last_checkpoint: Path
    best_protocol1: float
    best_protocol2: float
    history: list[dict[str, float]] = field(default_factory=list)
    model: nn.Module | None = None  # the trained model (stage 1, or TwoStage for the refiner), eval mode
    parameter_digests: list[str] = field(default_factory=list)  # one per process of a distributed run


@dataclass
class Task:
    """What one stage trains: ``trainable`` is optimised; ``forward(x)`` returns the outputs the loss
    takes; ``evaluation_model`` is what validation runs; ``clip_parameters`` are clipped to norm 1."""

    trainable: nn.Module
    forward: Callable[[torch.Tensor], LiftOutput]
    loss: Callable[[LiftOutput, torch.Tensor], torch.Tensor]
    evaluation_model: nn.Module
    clip_parameters: list[nn.Parameter]
    set_train_mode: Callable[[], None]
    config: ModelConfig
    stage1_config: JointFormerConfig | None = None
    stage1: nn.Module | None = None


# --------------------------------------------------------------------------------------------- losses
def stage1_loss(output: LiftOutput, target: torch.Tensor) -> torch.Tensor:
    """Stage-1 loss: per layer output, (MSE(pose, target) + MSE(error, |pose.detach() -
    target|)) / 2, averaged over the outputs; the pose MSE alone without error prediction.

    target: (B, 17, 3) metres, camera frame, root-relative.
    """
    errors = output.errors if output.errors is not None else [None] * len(output.poses)
    total = 0.0
    for pose, error in zip(output.poses, errors, strict=True):
        pose_loss = nn.functional.mse_loss(pose.float(), target)
        if error is None:
            total = total + pose_loss
        else:
            true_error = (pose.detach().float() - target).abs()
            total = total + (pose_loss + nn.functional.mse_loss(error.float(), true_error)) / 2
    return total / len(output.poses)


def refinement_loss(output: LiftOutput, target: torch.Tensor) -> torch.Tensor:
    """Stage-2 loss: MSE of the refined pose (B, 17, 3) metres against the target."""
    return nn.functional.mse_loss(output.pose.float(), target)


# --------------------------------------------------------------------------------------------- tasks
def refine_forward(stage1: nn.Module, refiner: Callable[..., LiftOutput],
                   inputs_2d: torch.Tensor) -> LiftOutput:
    """Stage 2's forward pass: the fixed stage 1 (no gradient), then the refiner (or its DDP wrapper) on
    the 2D input (B, 17, 2), the stage-1 pose (B, 17, 3) m and the stage-1 predicted error (B, 17, 3) m."""
    with torch.no_grad():
        first = predict(stage1, inputs_2d)
    return refiner(inputs_2d, first.pose, first.error)


def build_task(options: TrainOptions, model_config: ModelConfig, device: torch.device) -> Task:
    """The model(s), forward pass, loss and clipping of ``options.stage``."""
    if options.stage not in MODEL_KINDS:
        raise JointformerError(f"unknown stage {options.stage!r}: expected one of {MODEL_KINDS}")
    if options.stage == "jointformer":
        model = build(model_config).to(device)
        return Task(trainable=model, forward=model, loss=stage1_loss, evaluation_model=model,
                    clip_parameters=list(model.parameters()) if options.max_norm else [],
                    set_train_mode=model.train, config=model_config)
    if not isinstance(model_config, JointFormerConfig):
        raise JointformerError(f"the refiner is a JointFormer refinement transformer, got {model_config}")
    if not options.pose_weights:
        raise JointformerError(
            "the refiner needs the stage-1 weights: pass --pose_weights PATH (a stage-1 checkpoint, "
            "published layout or ours)")
    stage1 = load_stage1(options.pose_weights, map_location=device).to(device)
    if not getattr(stage1.config, "error_prediction", False):
        raise JointformerError(f"{options.pose_weights}: the refiner needs a stage 1 that predicts its "
                               f"errors; this one ({stage1.config}) has no error head")
    stage1.requires_grad_(False)
    refiner = build_model(model_config).to(device)
    two_stage = TwoStage(stage1, refiner)

    def set_train_mode() -> None:
        refiner.train()
        # Published quirk: the stage-1 network stays in training mode (dropout on) unless opted out.
        stage1.train(not options.freeze_stage1_dropout)

    # Published quirk: the clip is applied to the stage-1 gradients, which leaves the refiner unclipped.
    clip = list(refiner.parameters()) if options.clip_refiner and options.max_norm else []
    return Task(trainable=refiner, forward=partial(refine_forward, stage1, refiner), loss=refinement_loss,
                evaluation_model=two_stage,
                clip_parameters=clip, set_train_mode=set_train_mode, config=model_config,
                stage1_config=getattr(stage1, "config", None), stage1=stage1)


# --------------------------------------------------------------------------------------------- helpers
def resolve_device(name: str) -> torch.device:
    """"auto" -> CUDA when present, else CPU; anything else is passed to torch.device."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(name)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise JointformerError(f"--device {name}: CUDA is not available on this machine; use --device cpu")
    return device


def parameter_digest(module: nn.Module) -> str:
    """SHA-256 of every parameter's bytes, in state-dict order: equal digests mean identical weights."""
    digest = hashlib.sha256()
    for name, tensor in module.state_dict().items():
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


def _new_run_dir(options: TrainOptions) -> Path:
    """``options.run_dir``, or a new directory under ``options.checkpoint`` named by the time (created
    here, unique even for runs started in the same second)."""
    if options.run_dir:
        return Path(options.run_dir)
    return unique_directory(options.checkpoint, f"_{RUN_LABELS[options.stage]}_{options.keypoints}")


def _options_as_written(options: TrainOptions) -> dict[str, Any]:
    """The options as ``config.json`` stores them (the stage by its ``RUN_LABELS`` word)."""
    return {**asdict(options), "stage": RUN_LABELS[options.stage]}


def _write_metrics_csv(path: Path, history: list[dict[str, float]]) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(history[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(history)
    write_text_atomically(path, buffer.getvalue())


class _Progress:
    """A tqdm bar on a terminal; periodic plain lines otherwise (logs, CI); or nothing."""

    def __init__(self, mode: str, total: int, description: str, enabled: bool) -> None:
        if mode == "auto":
            mode = "bar" if sys.stderr.isatty() else "lines"
        self.mode = mode if enabled else "none"
        self.total, self.description = total, description
        self.start = self.last_line = time.perf_counter()
        self.bar = None
        if self.mode == "bar":
            from tqdm import tqdm
            self.bar = tqdm(total=total, desc=description, leave=False, dynamic_ncols=True)

    def update(self, done: int, loss: float, lr: float, samples: int) -> None:
        now = time.perf_counter()
        rate = samples / max(now - self.start, 1e-9)
        if self.bar is not None:
            self.bar.set_postfix(loss=f"{loss:.5f}", lr=f"{lr:.2e}", samples_per_s=f"{rate:.0f}",
                                 refresh=False)
            self.bar.update(1)
        elif self.mode == "lines" and (now - self.last_line > 15.0 or done == self.total):
            self.last_line = now
            print(f"{self.description} {done}/{self.total} loss {loss:.5f} lr {lr:.2e} "
                  f"{rate:.0f} samples/s", flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


# --------------------------------------------------------------------------------------------- run
LAST_CHECKPOINT = "ckpt_last.pth.tar"
BEST_CHECKPOINT = "ckpt_best.pth.tar"


@dataclass
class RunState:
    """What changes as a run proceeds, and what ``ckpt_last`` stores to resume it exactly: iterations
    (``step``, which drives the scheduler) and epochs finished, the best validation Protocol #1/#2 (mm,
    inf before any epoch), one history row per finished epoch, and the generators that shuffle the
    batches and draw the flips."""

    shuffle_generator: torch.Generator
    flip_generator: torch.Generator
    step: int = 0
    epoch: int = 0
    best_protocol1: float = math.inf
    best_protocol2: float = math.inf
    history: list[dict[str, float]] = field(default_factory=list)


@dataclass
class Run:
    """What stays fixed through a run in one process: its options, the task (its ``forward`` wrapped for
    DDP or compiled as asked), the pose sets on the run's device, the optimiser and schedule, the directory
    rank 0 writes, this process's rank among ``world_size`` processes, the TensorBoard writer (rank 0, when
    installed) and the statistics of the training inputs stored with every checkpoint."""

    options: TrainOptions
    task: Task
    train_set: PoseSet
    test_set: PoseSet
    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LRScheduler
    run_dir: Path
    rank: int = 0
    world_size: int = 1
    writer: Any = None
    input_stats: InputStats | None = None  # of the training set; set before the first epoch

    @property
    def last_checkpoint(self) -> Path:
        return self.run_dir / LAST_CHECKPOINT


def train(options: TrainOptions, model_config: ModelConfig,
          pose_sets: tuple[PoseSet, PoseSet] | None = None, rank: int = 0,
          world_size: int = 1, resumed: LoadedCheckpoint | None = None) -> TrainResult:
    """Run (or resume) one training run in this process; rank 0 writes every file.

    ``pose_sets`` = (train, test) skips reading ``options.data_dir`` (used by the demo and tests).
    ``resumed``: the checkpoint ``options.resume`` when the caller has read it already.
    """
    run, state = set_up_run(options, model_config, pose_sets, rank, world_size, resumed)
    last_epoch = options.epochs if not options.stop_after_epoch else min(options.epochs,
                                                                         options.stop_after_epoch)
    digests: list[str] = []
    for epoch in range(state.epoch, last_epoch):
        started = time.perf_counter()
        try:
            loss, samples_per_s = train_one_epoch(run, state)
        except TrainingDivergedError as error:
            raise error.with_checkpoint(run.last_checkpoint, epoch) from None
        state.epoch = epoch + 1
        digests = _gather_digests(run.task.trainable, world_size)
        if rank == 0:
            row = validate(run, state, loss, samples_per_s, started)
            save_epoch_checkpoints(run, state, row, digests)
    return finish(run, state, digests)


# --------------------------------------------------------------------------------------------- set-up
def set_up_run(options: TrainOptions, model_config: ModelConfig, pose_sets: tuple[PoseSet, PoseSet] | None,
               rank: int, world_size: int, resumed: LoadedCheckpoint | None) -> tuple[Run, RunState]:
    """Device and process group, data, model(s), optimiser, schedule and generators; the resumed state
    from ``options.resume`` (``resumed`` when already read); the run directory with its ``config.json``
    (rank 0)."""
    device = _setup_distributed(rank, world_size, resolve_device(options.device))
    torch.manual_seed(options.seed)
    if pose_sets is None:
        pose_sets = load_pose_sets(options.data_dir, options.keypoints, actions=options.actions,
                                   downsample=options.downsample)
    train_set, test_set = (pose_set.to(device) for pose_set in pose_sets)
    if len(train_set) == 0:
        raise JointformerError("the training set is empty: check --actions and the data directory")
    task = build_task(options, model_config, device)
    optimizer = build_optimizer(model_config, task.trainable.parameters(), options.lr)
    planned_steps = _planned_steps(options, len(train_set), world_size)
    scheduler = build_scheduler(model_config, optimizer, planned_steps, options.lr_decay, options.lr_gamma)
    state = RunState(shuffle_generator=torch.Generator().manual_seed(options.seed),
                     flip_generator=torch.Generator().manual_seed(options.seed + 1000 * (rank + 1)))
    run = Run(options, task, train_set, test_set, optimizer, scheduler, _run_directory(options, rank),
              rank=rank, world_size=world_size)
    if options.resume:
        _resume(run, state, model_config, planned_steps, resumed)
    if rank > 0 and not options.resume:
        torch.manual_seed(options.seed + rank)  # same initial weights on every rank, own dropout stream
    run.task = replace(task, forward=_training_forward(task, world_size, options.compile))
    if rank == 0:
        _write_run_config(run, model_config, device)
        run.writer = _tensorboard_writer(run.run_dir)
    run.input_stats = InputStats.from_pose_set(train_set)
    return run, state


def _planned_steps(options: TrainOptions, train_poses: int, world_size: int) -> int:
    """Iterations of the whole run (what the cosine schedule anneals over): ``epochs`` x the batches of
    ``train_poses`` poses shared by ``world_size`` processes."""
    return options.epochs * math.ceil(train_poses / (options.batch_size * world_size))


def _run_directory(options: TrainOptions, rank: int) -> Path:
    """The directory a resumed run continues in, or a new one (made by rank 0; the other ranks are given
    the directory rank 0 makes, in ``options.run_dir``)."""
    if options.resume:
        return Path(options.resume).parent
    return _new_run_dir(options) if rank == 0 else Path(options.run_dir or options.checkpoint)


def _resume(run: Run, state: RunState, model_config: ModelConfig, planned_steps: int,
            resumed: LoadedCheckpoint | None) -> None:
    """Restore the run's weights, optimiser, schedule, generators and state from ``options.resume``
    (``resumed``, or read here), checked by :func:`~jointformer.training_checks.check_resume` first."""
    path = run.options.resume
    checkpoint = resumed.contents if resumed else read_checkpoint(path, map_location=run.train_set.device)
    check_resume(checkpoint, path, model_config, planned_steps=planned_steps)
    run.task.trainable.load_state_dict(checkpoint["state_dict"])
    run.optimizer.load_state_dict(checkpoint["optimizer"])
    run.scheduler.load_state_dict(checkpoint["scheduler"])
    rng = checkpoint["rng"]
    torch.set_rng_state(rng["torch"].cpu())
    state.shuffle_generator.set_state(rng["shuffle"].cpu())
    state.flip_generator.set_state(rng["flip"].cpu())
    if rng.get("cuda") and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([state_.cpu() for state_ in rng["cuda"]])
    state.step, state.epoch = int(checkpoint["step"]), int(checkpoint["epoch"])
    state.best_protocol1 = float(checkpoint["best_protocol1"])
    state.best_protocol2 = float(checkpoint["best_protocol2"])
    state.history = list(checkpoint["history"])
    if run.rank == 0:
        remove_stale_run_temporaries(run.run_dir)


def _training_forward(task: Task, world_size: int, compile_: bool) -> Callable[[torch.Tensor], LiftOutput]:
    """The task's forward pass, with its trainable model under DDP for several processes, compiled when
    asked."""
    forward: Callable[[torch.Tensor], LiftOutput] = task.forward
    if world_size > 1:
        # With intermediate supervision the last layer's feedback projection (intermediate_enc.<last>) feeds
        # nothing that reaches an output, so DDP must be told that some parameters get no gradient.
        wrapped = DistributedDataParallel(task.trainable, find_unused_parameters=True)
        forward = wrapped if task.stage1 is None else partial(refine_forward, task.stage1, wrapped)
    if compile_:
        forward = torch.compile(forward)
    return forward


def _write_run_config(run: Run, model_config: ModelConfig, device: torch.device) -> None:
    """Claim a new run directory, write the resolved ``config.json`` and say where the run writes."""
    options = run.options
    if not options.resume:
        claim_run_directory(run.run_dir)
    resolved = {"train": _options_as_written(options), "model": config_to_dict(model_config),
                "stage1_model": asdict(run.task.stage1_config) if run.task.stage1_config else None,
                "world_size": run.world_size, "device": str(device),
                "train_poses": len(run.train_set), "test_poses": len(run.test_set)}
    write_text_atomically(run.run_dir / "config.json", json.dumps(resolved, indent=2) + "\n")
    print(f"==> run directory: {run.run_dir}", flush=True)
    count = parameter_count(run.task.trainable)
    print(f"==> {model_name(model_config)}: {count / 1e6:.2f}M parameters ({count:,})", flush=True)


def _tensorboard_writer(run_dir: Path) -> Any:
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:  # tensorboard is an optional extra; the CSV and PNG logs are always written
        print("==> tensorboard is not installed (pip install 'jointformer[tensorboard]'): "
              "no event files, metrics.csv is written as always", flush=True)
        return None
    return SummaryWriter(log_dir=str(run_dir))


# --------------------------------------------------------------------------------------------- one epoch
def train_one_epoch(run: Run, state: RunState) -> tuple[float, float]:
    """One pass over this process's share of a shuffled epoch (epoch ``state.epoch + 1``). Returns (mean
    loss, samples/s). ``state.step`` counts iterations over the whole run (it drives the scheduler)."""
    options, task, train_set = run.options, run.task, run.train_set
    task.set_train_mode()
    batches = [indices[run.rank::run.world_size] for indices in
               train_set.shuffled_batches(options.batch_size * run.world_size, state.shuffle_generator)]
    batches = [indices for indices in batches if len(indices) > 0]
    progress = _Progress(options.progress, len(batches), _epoch_label(options, state.epoch),
                         enabled=run.rank == 0)
    loss_sum = torch.zeros((), dtype=torch.float64, device=train_set.device)
    diverged = new_divergence_monitor(train_set.device)
    seen = 0
    start = time.perf_counter()
    for number, indices in enumerate(batches, start=1):
        if state.step > 0:  # as published: the scheduler is first stepped at the second iteration
            run.scheduler.step()
        state.step += 1
        inputs_2d, targets_3d = train_set.batch(indices)
        if options.augment:
            inputs_2d, targets_3d = train_set.random_flip(inputs_2d, targets_3d, state.flip_generator)
        run.optimizer.zero_grad(set_to_none=True)
        with autocast_context(train_set.device, options.amp):
            output = task.forward(inputs_2d)
        loss = task.loss(output, targets_3d)
        record_divergence(diverged, loss, state.step)
        loss.backward()
        if task.clip_parameters:
            nn.utils.clip_grad_norm_(task.clip_parameters, max_norm=1.0)
        run.optimizer.step()
        loss_sum += loss.detach().double() * len(indices)
        seen += len(indices)
        if number % 50 == 0 or number == len(batches):  # checked where the progress lines sync anyway
            raise_if_diverged(diverged)
        if progress.mode != "none" and (progress.mode == "bar" or number % 50 == 0 or number == len(batches)):
            progress.update(number, float(loss_sum) / seen, run.optimizer.param_groups[0]["lr"], seen)
    progress.close()
    return float(loss_sum) / max(seen, 1), seen / max(time.perf_counter() - start, 1e-9)


def _epoch_label(options: TrainOptions, finished_epochs: int) -> str:
    """"stage1 epoch 3/100": the run's word (``RUN_LABELS``) and the epoch after ``finished_epochs``."""
    return f"{RUN_LABELS[options.stage]} epoch {finished_epochs + 1}/{options.epochs}"


def _setup_distributed(rank: int, world_size: int, device: torch.device) -> torch.device:
    if world_size == 1:
        return device
    backend = "nccl" if device.type == "cuda" else "gloo"
    if not dist.is_initialized():
        os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
        os.environ.setdefault("MASTER_PORT", "29517")
        dist.init_process_group(backend, rank=rank, world_size=world_size)
    if device.type == "cuda":
        local_rank = int(os.environ.get("LOCAL_RANK", rank))
        torch.cuda.set_device(local_rank)
        return torch.device("cuda", local_rank)
    return device


def _gather_digests(module: nn.Module, world_size: int) -> list[str]:
    digest = parameter_digest(module)
    if world_size == 1:
        return [digest]
    gathered: list[str | None] = [None] * world_size
    dist.all_gather_object(gathered, digest)
    return [str(item) for item in gathered]


# --------------------------------------------------------------------------------------------- validate
def validate(run: Run, state: RunState, loss: float, samples_per_s: float,
             started: float) -> dict[str, float]:
    """Validate the model after epoch ``state.epoch`` (Protocol #1/#2 in mm, no flip) and append the
    epoch's row to the history (printed, and sent to TensorBoard). ``loss``: the epoch's mean training
    loss; ``started``: ``time.perf_counter()`` at the epoch's start. Returns the row."""
    options = run.options
    validation = checked_validation(
        partial(evaluate_model, run.task.evaluation_model, run.test_set, flip=False,
                batch_size=options.eval_batch_size, amp=options.amp),
        state.step, run.last_checkpoint, state.epoch - 1)
    protocol1, protocol2 = validation.overall_protocol1, validation.overall_protocol2
    row = {"epoch": state.epoch, "lr": run.optimizer.param_groups[0]["lr"], "train_loss": loss,
           "val_protocol1_mm": protocol1, "val_protocol2_mm": protocol2,
           "samples_per_s": samples_per_s, "seconds": time.perf_counter() - started}
    state.history.append(row)
    print(f"==> {_epoch_label(options, state.epoch - 1)}: loss {loss:.6f}, validation "
          f"P1 {protocol1:.2f} mm, P2 {protocol2:.2f} mm, {samples_per_s:.0f} samples/s", flush=True)
    if run.writer is not None:
        for key, value in row.items():
            run.writer.add_scalar(key, value, global_step=state.step)
    return row


def save_epoch_checkpoints(run: Run, state: RunState, row: dict[str, float], digests: list[str]) -> None:
    """After epoch ``state.epoch``, validated as in its history ``row``: a new best Protocol #1 is
    recorded and saved as ``ckpt_best``; a snapshot every ``options.snapshot`` epochs; ``ckpt_last`` and
    ``metrics.csv`` always. ``digests``: every process's parameter digest, stored to show the ranks agree."""
    protocol1 = row["val_protocol1_mm"]
    improved = protocol1 < state.best_protocol1
    if improved:
        state.best_protocol1, state.best_protocol2 = protocol1, row["val_protocol2_mm"]
    checkpoint_fields = _checkpoint_fields(run, state, protocol1)
    checkpoint_fields["extra"]["parameter_digests"] = digests
    if improved:
        save_checkpoint(run.run_dir / BEST_CHECKPOINT, **checkpoint_fields)
    if state.epoch % run.options.snapshot == 0:
        save_checkpoint(run.run_dir / f"ckpt_epoch_{state.epoch:04d}.pth.tar", **checkpoint_fields)
    save_checkpoint(run.last_checkpoint, **checkpoint_fields)
    _write_metrics_csv(run.run_dir / "metrics.csv", state.history)


def _checkpoint_fields(run: Run, state: RunState, error: float) -> dict[str, Any]:
    """The keyword arguments of :func:`~jointformer.checkpoint.save_checkpoint` for the run as it stands;
    ``error``: this epoch's validation Protocol #1 (mm)."""
    extra = {
        "scheduler": run.scheduler.state_dict(),
        "rng": {"torch": torch.get_rng_state(), "shuffle": state.shuffle_generator.get_state(),
                "flip": state.flip_generator.get_state(),
                "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else []},
        "best_protocol1": state.best_protocol1, "best_protocol2": state.best_protocol2,
        "history": state.history, "input_stats": run.input_stats.to_dict(),
    }
    fields: dict[str, Any] = {
        "state_dict": run.task.trainable.state_dict(), "config": run.task.config, "epoch": state.epoch,
        "lr": run.optimizer.param_groups[0]["lr"], "step": state.step,
        "optimizer": run.optimizer.state_dict(), "error": error, "extra": extra,
    }
    if run.task.stage1 is not None:
        fields["jt_state_dict"] = run.task.stage1.state_dict()
        fields["jt_config"] = run.task.stage1_config
    return fields


# --------------------------------------------------------------------------------------------- finish
def finish(run: Run, state: RunState, digests: list[str]) -> TrainResult:
    """Close the TensorBoard writer, plot the training curves (rank 0) and hand back the trained model in
    eval mode with the run's figures."""
    if run.writer is not None:
        run.writer.close()
    if run.rank == 0 and state.history:
        from jointformer.visualization import plot_training_curves
        plot_training_curves(run.run_dir / "training_curves.png", state.history)
    run.task.evaluation_model.eval()
    return TrainResult(run_dir=run.run_dir, best_checkpoint=run.run_dir / BEST_CHECKPOINT,
                       last_checkpoint=run.last_checkpoint, best_protocol1=state.best_protocol1,
                       best_protocol2=state.best_protocol2, history=list(state.history),
                       model=run.task.evaluation_model, parameter_digests=digests)


# --------------------------------------------------------------------------------------------- launch
def _worker(rank: int, world_size: int, port: int, options: TrainOptions,
            model_config: ModelConfig) -> None:
    os.environ["MASTER_ADDR"] = "127.0.0.1"
    os.environ["MASTER_PORT"] = str(port)
    try:
        train(options, model_config, rank=rank, world_size=world_size)
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()


def launch(options: TrainOptions, model_config: ModelConfig,
           resumed: LoadedCheckpoint | None = None) -> TrainResult | None:
    """Start training the way the user asked: under ``torchrun`` (WORLD_SIZE in the environment), as
    ``--num_gpus N`` processes spawned here (NCCL on GPUs, gloo on CPU), or in this process.

    ``resumed``: the checkpoint ``options.resume``, already read (spawned processes read it themselves).
    Returns the result in this process (rank 0 of torchrun or a single process); None after a spawn.
    """
    if "WORLD_SIZE" in os.environ and int(os.environ["WORLD_SIZE"]) > 1:
        rank, world_size = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
        try:
            return train(options, model_config, rank=rank, world_size=world_size, resumed=resumed)
        finally:
            if dist.is_initialized():
                dist.destroy_process_group()
    if options.num_gpus > 1:
        device = resolve_device(options.device)
        if device.type == "cuda" and torch.cuda.device_count() < options.num_gpus:
            raise JointformerError(f"--num_gpus {options.num_gpus}: only {torch.cuda.device_count()} "
                                   f"CUDA devices are visible")
        if not options.run_dir and not options.resume:
            # All processes must agree on the directory that rank 0 writes.
            options = replace(options, run_dir=str(_new_run_dir(options)))
        import socket

        with socket.socket() as probe:  # a free port for the process group's rendezvous
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        torch.multiprocessing.spawn(_worker, args=(options.num_gpus, port, options, model_config),
                                    nprocs=options.num_gpus, join=True)
        return None
    return train(options, model_config, resumed=resumed)
