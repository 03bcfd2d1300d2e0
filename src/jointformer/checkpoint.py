"""Reading and writing checkpoints in the published layout, and rebuilding models from them.

A checkpoint is a ``torch.save``d dict with the published keys ``epoch``, ``lr``, ``step``, ``state_dict``,
``optimizer`` (AdamW state dict or None) and ``error`` (best validation Protocol #1, mm); a refinement
checkpoint adds ``jt_state_dict``, the stage-1 weights, while its ``state_dict`` is the refiner. Ours add
``config`` (``dataclasses.asdict`` of the config of ``state_dict`` plus ``model``: "jointformer", "semgcn"
or "linear"; a stored config without ``model`` is a JointFormer's), ``jt_config`` (the same for
``jt_state_dict``), ``format_version``, and whatever the training loop passes as ``extra``.

SemGCN's released checkpoints (``ckpt_semgcn.pth.tar``, ``ckpt_semgcn_nonlocal.pth.tar``,
``ckpt_linear.pth.tar``: the same top-level keys, Adam state) are recognised by their key names too
(``jointformer.baseline_layouts``).

Published checkpoints carry no architecture: it is recognised from the state dict's key names and shapes
(``infer_config``). Two things cannot be read from weights and are assumed as published: 8 attention heads
(the weights give only heads x head size), and the dropout probabilities (the published training values:
encoder dropout 0, prediction dropout 0.2 for stage 1 and 0.1 for the refiner; they matter only when
training further).

Files are read with ``torch.load(weights_only=True)``. Published files may hold numpy scalars (``error`` as
numpy.float64); exactly those numpy scalar types are allowed. Anything else that the safe loader refuses
raises CheckpointError; ``trust=True`` loads it with full unpickling, which can run code from the file.
"""

from __future__ import annotations

import math
import os
import pickle
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from jointformer.atomic_files import atomic_output
from jointformer.baseline_layouts import infer_baseline_config, is_baseline_layout, tolerated_missing
from jointformer.data.input_stats import InputStats
from jointformer.errors import CheckpointError
from jointformer.models.architecture_defaults import ModelKind
from jointformer.models.jointformer import (
    REFINER_IN_FEATURES,
    JointFormer,
    JointFormerConfig,
    Refiner,
    TwoStage,
)
from jointformer.models.registry import ModelConfig, build, config_from_dict, config_to_dict, model_name

FORMAT_VERSION = 1
"""Version of the layout this module writes; files from a later version are refused."""

DDP_PREFIX = "module."
PUBLISHED_NUM_HEADS = 8

_RESERVED_KEYS = frozenset({"epoch", "lr", "step", "state_dict", "optimizer", "error", "config",
                            "jt_state_dict", "jt_config", "format_version"})

StateDict = Mapping[str, Tensor]


def _numpy_scalar_globals() -> list[Any]:
    """The pickle globals a numpy scalar (float64, float32, int64, int32) needs, under numpy 1 and 2 names."""
    scalar = np._core.multiarray.scalar if hasattr(np, "_core") else np.core.multiarray.scalar
    return [
        (scalar, "numpy.core.multiarray.scalar"),
        (scalar, "numpy._core.multiarray.scalar"),
        np.dtype,
        *(type(np.dtype(code)) for code in ("float64", "float32", "int64", "int32")),
    ]


def strip_ddp_prefix(state_dict: StateDict) -> dict[str, Tensor]:
    """The state dict with the ``module.`` prefix that DistributedDataParallel adds removed.

    The prefix is removed only when every key carries it; otherwise the keys are returned unchanged.
    """
    keys = list(state_dict)
    if keys and all(key.startswith(DDP_PREFIX) for key in keys):
        return {key[len(DDP_PREFIX):]: value for key, value in state_dict.items()}
    return dict(state_dict)


def _torch_load(path: Path, map_location: Any, trust: bool) -> Any:
    if trust:
        return torch.load(path, map_location=map_location, weights_only=False)
    try:
        with torch.serialization.safe_globals(_numpy_scalar_globals()):
            return torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as error:
        raise CheckpointError(
            f"{path}: the safe loader (torch.load weights_only=True) refused this file, which holds more "
            f"than tensors, numbers and numpy scalars. Only if you trust its source, pass trust=True to "
            f"load it with full unpickling (which can run code from the file). Loader message: "
            f"{_first_line(error)}") from error


def _first_line(error: BaseException) -> str:
    text = str(error)
    # torch's refusal message is long; the line naming the offending global is the useful one.
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    useful = [line for line in lines if "GLOBAL" in line or "Unsupported" in line]
    return (useful or lines or [repr(error)])[0]


def read_checkpoint(path: str | os.PathLike[str], map_location: Any = "cpu", *,
                    trust: bool = False) -> dict[str, Any]:
    """The checkpoint dict of ``path`` with ``module.`` prefixes stripped from its state dicts.

    map_location: passed to torch.load (published files may hold CUDA tensors). trust: allow full
    unpickling for a file the safe loader refuses (only for files from a trusted source).
    Raises CheckpointError for a missing, unreadable or malformed file.
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint file not found: {path}")
    try:
        checkpoint = _torch_load(path, map_location, trust)
    except CheckpointError:
        raise
    except Exception as error:  # a torn download or a file that is no torch archive at all
        raise CheckpointError(f"{path}: cannot be read as a torch checkpoint ({type(error).__name__}: "
                              f"{_first_line(error)})") from error
    if not isinstance(checkpoint, dict) or not isinstance(checkpoint.get("state_dict"), Mapping):
        found = sorted(checkpoint) if isinstance(checkpoint, dict) else type(checkpoint).__name__
        raise CheckpointError(f"{path}: not a jointformer checkpoint: expected a dict with a 'state_dict' "
                              f"entry, found {found}")
    version = checkpoint.get("format_version", 0)
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise CheckpointError(f"{path}: format_version {version!r} is newer than this package reads "
                              f"({FORMAT_VERSION}); upgrade jointformer")
    checkpoint["state_dict"] = strip_ddp_prefix(checkpoint["state_dict"])
    if checkpoint.get("jt_state_dict") is not None:
        if not isinstance(checkpoint["jt_state_dict"], Mapping):
            raise CheckpointError(f"{path}: 'jt_state_dict' must be a dict of tensors, "
                                  f"found {type(checkpoint['jt_state_dict']).__name__}")
        checkpoint["jt_state_dict"] = strip_ddp_prefix(checkpoint["jt_state_dict"])
    return checkpoint


def save_checkpoint(path: str | os.PathLike[str], *, state_dict: StateDict, config: ModelConfig,
                    epoch: int = 0, lr: float = 0.0, step: int = 0, optimizer: dict[str, Any] | None = None,
                    error: float = float("nan"), jt_state_dict: StateDict | None = None,
                    jt_config: JointFormerConfig | None = None,
                    extra: dict[str, Any] | None = None) -> Path:
    """Write a checkpoint in the published layout (plus ``config``) atomically; returns the path.

    state_dict: the trained model's weights (the refiner's, for a refinement checkpoint); config: its
    architecture (any model family: JointFormerConfig, SemGCNConfig or LinearModelConfig). optimizer: the
    optimizer's state dict. error: best validation Protocol #1 in mm.
    jt_state_dict / jt_config: the stage-1 weights and architecture a refiner was trained with. extra:
    further entries (scheduler and RNG states, input statistics), which must not reuse the keys above.
    Parent directories are created. The file appears complete or not at all.
    """
    model_name(config)  # raises ValueError for anything but a model config
    if (jt_state_dict is None) != (jt_config is None):
        raise ValueError("save_checkpoint: jt_state_dict and jt_config go together (stage-1 weights and "
                         "their architecture); pass both or neither")
    if jt_config is not None and not isinstance(jt_config, JointFormerConfig):
        raise ValueError(f"save_checkpoint: jt_config must be a JointFormerConfig, "
                         f"got {type(jt_config).__name__}")
    extra = dict(extra or {})
    clashes = sorted(_RESERVED_KEYS & set(extra))
    if clashes:
        raise ValueError(f"save_checkpoint: extra must not reuse the checkpoint's own keys {clashes}")
    payload: dict[str, Any] = {
        "epoch": int(epoch),
        "lr": float(lr),
        "step": int(step),
        "state_dict": dict(state_dict),
        "optimizer": optimizer,
        "error": float(error),
        "config": config_to_dict(config),
        "format_version": FORMAT_VERSION,
    }
    if jt_state_dict is not None and jt_config is not None:
        payload["jt_state_dict"] = dict(jt_state_dict)
        payload["jt_config"] = config_to_dict(jt_config)
    payload.update(extra)
    with atomic_output(path) as temporary, temporary.open("wb") as stream:
        torch.save(payload, stream)
        stream.flush()
        os.fsync(stream.fileno())  # the rename must not reach the disk before the data does
    return Path(path)


_LAYER_KEY = re.compile(r"^layer_stack\.(\d+)\.")


def _shape(state_dict: StateDict, key: str) -> tuple[int, ...]:
    if key not in state_dict:
        raise CheckpointError(f"cannot recognise the architecture: state dict has no '{key}' "
                              f"(keys start with {sorted(state_dict)[:5]})")
    return tuple(state_dict[key].shape)


def infer_config(state_dict: StateDict, kind: str | None = None, *,
                 num_heads: int = PUBLISHED_NUM_HEADS) -> ModelConfig:
    """The architecture of a (published) state dict, recognised from its key names and shapes.

    kind: "jointformer" or "refiner"; None recognises a refiner by its 8 input features per joint.
    num_heads: the weights hold only num_heads x d_head; the published models use 8 heads (d_head 64). A
    model trained with another head count needs its value here (``--n_head``-style flag of the caller).
    Dropout probabilities are not in the weights: the published training values are assumed (see module
    docstring). SemGCN's and the linear baseline's published layouts give their configs (``kind`` is then
    ignored). Raises CheckpointError when the keys describe none of these.
    """
    state_dict = strip_ddp_prefix(state_dict)
    if is_baseline_layout(state_dict):
        return infer_baseline_config(state_dict)
    keys = set(state_dict)
    layers = {int(match.group(1)) for key in keys if (match := _LAYER_KEY.match(key))}
    if not layers:
        raise CheckpointError(f"cannot recognise the architecture: no 'layer_stack.N.' keys among "
                              f"{sorted(keys)[:8]}")
    num_layers = max(layers) + 1
    intermediate = any(key.startswith("intermediate_pred.") for key in keys)
    error_prediction = any(key.startswith(("intermediate_error.", "error_decoder.")) for key in keys)
    head_key = "intermediate_pred.0.2.weight" if intermediate else "decoder.2.weight"
    head_out, head_in = _shape(state_dict, head_key)  # (J*3, J*d)
    if head_out % 3:
        raise CheckpointError(f"cannot recognise the architecture: '{head_key}' has shape "
                              f"{(head_out, head_in)}, expected (J*3, J*d)")
    num_joints = head_out // 3
    attention_width, hid_dim = _shape(state_dict, "layer_stack.0.slf_attn.w_qs.weight")
    d_inner = _shape(state_dict, "layer_stack.0.pos_ffn.w_1.weight")[0]
    if "embedding.W" in keys:
        embedding_type = "graph"
        in_features = _shape(state_dict, "embedding.W")[1]
    else:
        embedding_shape = _shape(state_dict, "embedding.weight")
        if len(embedding_shape) == 3:  # Conv1d (d, F, 1)
            embedding_type = "conv"
            in_features = embedding_shape[1]
        else:  # Linear (J*d, J*F)
            embedding_type = "linear"
            in_features = embedding_shape[1] // num_joints
    if attention_width % num_heads:
        raise CheckpointError(f"cannot recognise the architecture: attention width {attention_width} "
                              f"(w_qs rows) is not a multiple of num_heads={num_heads}; pass num_heads")
    if kind is None:
        kind = "refiner" if in_features == REFINER_IN_FEATURES else "jointformer"
    try:
        return JointFormerConfig(
            num_joints=num_joints, in_features=in_features, hid_dim=hid_dim, num_layers=num_layers,
            d_inner=d_inner, num_heads=num_heads, d_head=attention_width // num_heads,
            pred_dropout=0.1 if kind == "refiner" else 0.2, intermediate=intermediate,
            error_prediction=error_prediction, embedding_type=embedding_type,
            spatial_encoding="position_enc" in keys, kind=kind)  # type: ignore[arg-type]
    except ValueError as error:
        raise CheckpointError(f"the recognised architecture is not valid: {error}") from error


def _mismatch_report(model: nn.Module, state_dict: StateDict) -> str:
    expected = model.state_dict()
    missing = sorted(set(expected) - set(state_dict) - tolerated_missing(expected, state_dict))
    unexpected = sorted(set(state_dict) - set(expected))
    shapes = [(key, tuple(expected[key].shape), tuple(state_dict[key].shape))
              for key in sorted(set(expected) & set(state_dict))
              if tuple(expected[key].shape) != tuple(state_dict[key].shape)]
    parts = []
    if missing:
        parts.append(f"missing keys ({len(missing)}): {', '.join(missing)}")
    if unexpected:
        parts.append(f"unexpected keys ({len(unexpected)}): {', '.join(unexpected)}")
    if shapes:
        parts.append("shape mismatches (name: expected, found): "
                     + "; ".join(f"{key}: {want}, {got}" for key, want, got in shapes))
    return "\n".join(parts)


def model_from_state_dict(state_dict: StateDict, config: ModelConfig | None = None) -> nn.Module:
    """A JointFormer, Refiner, SemGCN or LinearModel built from ``config`` (recognised from the weights if
    None) and loaded strictly with ``state_dict``; in eval mode, on the CPU. BatchNorm's
    ``num_batches_tracked``, which files of PyTorch < 0.4.1 lack, is the only key allowed to be missing.

    Raises CheckpointError listing missing keys, unexpected keys and shape mismatches, or naming a tensor
    with NaN or infinite values.
    """
    state_dict = strip_ddp_prefix(state_dict)
    if config is None:
        config = infer_config(state_dict)
    not_tensors = [key for key, tensor in state_dict.items() if not isinstance(tensor, Tensor)]
    if not_tensors:
        raise CheckpointError(f"the state dict's '{not_tensors[0]}' is a "
                              f"{type(state_dict[not_tensors[0]]).__name__}; expected a tensor")
    non_finite = [key for key, tensor in state_dict.items()
                  if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all())]
    if non_finite:
        raise CheckpointError(f"the weights hold NaN or infinite values in {len(non_finite)} tensor(s), "
                              f"the first '{non_finite[0]}' (a diverged training run?); use an earlier "
                              f"checkpoint")
    model = build(config)
    report = _mismatch_report(model, state_dict)
    if report:
        raise CheckpointError(f"the weights do not match the architecture {config}:\n{report}")
    model.load_state_dict(state_dict, strict=True)
    return model.eval()


def _config_of(checkpoint: dict[str, Any], key: str, path: Path) -> ModelConfig | None:
    values = checkpoint.get(key)
    if values is None:
        return None
    try:
        return config_from_dict(values)
    except (ValueError, TypeError) as error:
        raise CheckpointError(f"{path}: stored '{key}' is not a valid model config: {error}") from error


def _to_device(model: nn.Module, map_location: Any) -> nn.Module:
    # A string or device says where the caller wants the model; a dict or callable only remaps storages.
    if isinstance(map_location, (str, torch.device)):
        model.to(map_location)
    return model


def _stage1_from(checkpoint: dict[str, Any], path: Path) -> JointFormer:
    if checkpoint.get("jt_state_dict") is not None:
        config = _config_of(checkpoint, "jt_config", path)
        return _with_path(path, model_from_state_dict, checkpoint["jt_state_dict"], config)
    config = _config_of(checkpoint, "config", path)
    model = _with_path(path, model_from_state_dict, checkpoint["state_dict"], config)
    if isinstance(model, Refiner):
        raise CheckpointError(f"{path}: holds a refiner without the stage-1 weights ('jt_state_dict') it "
                              f"needs; load a stage-1 or a complete refinement checkpoint")
    return model


def _with_path(path: Path, function: Any, *args: Any) -> Any:
    try:
        return function(*args)
    except CheckpointError as error:
        raise CheckpointError(f"{path}: {error}") from error


def _refiner_from(checkpoint: dict[str, Any], path: Path) -> Refiner:
    config = _config_of(checkpoint, "config", path)
    if config is None:
        config = _with_path(path, infer_config, checkpoint["state_dict"], "refiner")
    refiner = _with_path(path, model_from_state_dict, checkpoint["state_dict"], config)
    if not isinstance(refiner, Refiner):
        raise CheckpointError(f"{path}: its 'state_dict' is not a refiner (config {config})")
    return refiner


def _two_stage(stage1: JointFormer, refiner: Refiner, path: Path) -> TwoStage:
    try:
        return TwoStage(stage1, refiner).eval()
    except ValueError as error:
        raise CheckpointError(f"{path}: the stage-1 and refiner weights do not fit together: "
                              f"{error}") from error


@dataclass(frozen=True)
class LoadedCheckpoint:
    """A checkpoint file read once (:func:`load_checkpoint`): a command reads its checkpoint once and asks
    this object for what it needs (the architectures, the model, the input statistics).

    path: the file (named in every error message); contents: the dict :func:`read_checkpoint` returns.
    """

    path: Path
    contents: dict[str, Any]

    def model(self, map_location: Any = "cpu") -> JointFormer | TwoStage:
        """The checkpoint's model in eval mode: a JointFormer (or baseline) for a stage-1 checkpoint, a
        TwoStage running its stage-1 weights and the refiner for a refinement checkpoint. A string or
        device ``map_location`` moves it there."""
        model: nn.Module = self.stage1()
        if self.contents.get("jt_state_dict") is not None:
            model = _two_stage(model, self.refiner(), self.path)  # type: ignore[arg-type]
        return _to_device(model, map_location)  # type: ignore[return-value]

    def stage1(self, map_location: Any = "cpu") -> JointFormer:
        """The stage-1 model of a stage-1 or refinement checkpoint, in eval mode."""
        return _to_device(_stage1_from(self.contents, self.path), map_location)  # type: ignore[return-value]

    def refiner(self) -> Refiner:
        """The refiner of a refinement checkpoint (its ``state_dict``), in eval mode, on the CPU."""
        return _refiner_from(self.contents, self.path)

    def configs(self) -> dict[ModelKind, ModelConfig | None]:
        """The architectures: {"jointformer": the stage-1 config, "refiner": the refiner's or None}.

        Stored configs are used when present; published checkpoints get theirs recognised by
        ``infer_config``."""
        checkpoint, path = self.contents, self.path
        if checkpoint.get("jt_state_dict") is not None:
            stage1 = _config_of(checkpoint, "jt_config", path) or _with_path(
                path, infer_config, checkpoint["jt_state_dict"], "jointformer")
            refiner = _config_of(checkpoint, "config", path) or _with_path(
                path, infer_config, checkpoint["state_dict"], "refiner")
            return {"jointformer": stage1, "refiner": refiner}
        config = _config_of(checkpoint, "config", path) or _with_path(
            path, infer_config, checkpoint["state_dict"])
        if getattr(config, "kind", None) == "refiner":
            raise CheckpointError(f"{path}: holds a refiner without the stage-1 weights ('jt_state_dict') "
                                  f"it needs")
        return {"jointformer": config, "refiner": None}

    def input_stats(self) -> InputStats | None:
        """The ``input_stats`` entry the training loop stores (statistics of its 2D inputs), checked, or
        None when the checkpoint has none (published checkpoints)."""
        stats = self.contents.get("input_stats")
        return None if stats is None else InputStats.from_dict(validate_input_stats(stats, self.path))


def load_checkpoint(path: str | os.PathLike[str], map_location: Any = "cpu", *,
                    trust: bool = False) -> LoadedCheckpoint:
    """Read the checkpoint ``path`` once (:func:`read_checkpoint`; same arguments and errors)."""
    return LoadedCheckpoint(Path(path), read_checkpoint(path, map_location, trust=trust))


def load_model(path: str | os.PathLike[str], map_location: Any = "cpu", *,
               trust: bool = False) -> JointFormer | TwoStage:
    """The model of a checkpoint (ours or published), in eval mode.

    A stage-1 checkpoint gives a JointFormer; a refinement checkpoint a TwoStage running its stage-1
    weights and the refiner. Called on (B, 17, 2) normalised screen coordinates, either returns a LiftOutput
    with ``.pose`` (B, 17, 3) metres, camera frame, root-relative, and ``.error`` (B, 17, 3) metres or None.
    """
    return load_checkpoint(path, map_location, trust=trust).model(map_location)


def load_stage1(path: str | os.PathLike[str], map_location: Any = "cpu", *,
                trust: bool = False) -> JointFormer:
    """The stage-1 JointFormer of a stage-1 or refinement checkpoint, in eval mode."""
    return load_checkpoint(path, map_location, trust=trust).stage1(map_location)


def with_refiner(stage1: JointFormer, refiner: LoadedCheckpoint, map_location: Any = "cpu") -> TwoStage:
    """``stage1`` chained with the refiner of the refinement checkpoint ``refiner``, in eval mode. The
    stage-1 weights stored inside ``refiner`` are not used: this combines the two models as given."""
    return _to_device(_two_stage(stage1, refiner.refiner(), refiner.path), map_location)  # type: ignore[return-value]


def load_two_stage(stage1_path: str | os.PathLike[str], refiner_path: str | os.PathLike[str],
                   map_location: Any = "cpu", *, trust: bool = False) -> TwoStage:
    """Stage 1 from ``stage1_path`` (either kind of checkpoint) chained with the refiner of the refinement
    checkpoint ``refiner_path``, in eval mode (:func:`with_refiner`)."""
    stage1 = load_stage1(stage1_path, map_location, trust=trust)
    return with_refiner(stage1, load_checkpoint(refiner_path, map_location, trust=trust), map_location)


def stored_configs(path: str | os.PathLike[str], *,
                   trust: bool = False) -> dict[ModelKind, ModelConfig | None]:
    """The architectures in a checkpoint: {"jointformer": config, "refiner": config or None}
    (:meth:`LoadedCheckpoint.configs`)."""
    return load_checkpoint(path, "cpu", trust=trust).configs()


def read_input_stats(path: str | os.PathLike[str], *, trust: bool = False) -> InputStats | None:
    """The ``input_stats`` entry the training loop stores (statistics of its 2D inputs), or None when the
    checkpoint has none (published checkpoints)."""
    return load_checkpoint(path, "cpu", trust=trust).input_stats()


# --------------------------------------------------------------------------------------------- validation
_RNG_STREAMS = ("torch", "shuffle", "flip")


def _field_error(path: Path, name: str, expected: str, found: Any) -> CheckpointError:
    shown = type(found).__name__ if not isinstance(found, (int, float, str)) else repr(found)
    return CheckpointError(f"{path}: field '{name}' must be {expected}, found {shown}")


def _check_count(checkpoint: dict[str, Any], path: Path, name: str) -> None:
    value = checkpoint.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _field_error(path, name, "a non-negative integer", value)


def _check_rng(rng: Any, path: Path) -> None:
    if not isinstance(rng, dict):
        raise _field_error(path, "rng", "a dict of random-generator states", rng)
    for stream in _RNG_STREAMS:
        state = rng.get(stream)
        if not isinstance(state, Tensor) or state.dtype != torch.uint8 or state.dim() != 1:
            raise _field_error(path, f"rng.{stream}", "a generator state (1-D uint8 tensor)", state)
    if not isinstance(rng.get("cuda", []), (list, tuple)):
        raise _field_error(path, "rng.cuda", "a list of CUDA generator states", rng.get("cuda"))


def _check_history(history: Any, path: Path, epoch: int) -> None:
    if not isinstance(history, list) or not all(isinstance(row, dict) for row in history):
        raise _field_error(path, "history", "a list of per-epoch dicts", history)
    if len(history) != epoch:
        raise CheckpointError(f"{path}: field 'history' has {len(history)} rows but 'epoch' is {epoch}; "
                              f"expected one row per finished epoch")


def validate_resume_state(checkpoint: dict[str, Any], path: str | os.PathLike[str]) -> None:
    """Check the fields a training run resumes from (``epoch``, ``step``, ``optimizer``, ``scheduler``,
    ``rng``, ``history``, ``best_protocol1``/``2``) before any of them is used.

    Raises CheckpointError naming the first missing or malformed field and what was expected.
    """
    path = Path(path)
    missing = [key for key in ("scheduler", "rng", "optimizer", "history") if checkpoint.get(key) is None]
    if missing:
        raise CheckpointError(
            f"{path}: cannot resume exactly, the checkpoint lacks {missing} (a published checkpoint or a "
            f"best/snapshot file of an old run); resume from the run's ckpt_last.pth.tar")
    _check_count(checkpoint, path, "epoch")
    _check_count(checkpoint, path, "step")
    optimizer = checkpoint["optimizer"]
    if not isinstance(optimizer, dict) or not isinstance(optimizer.get("param_groups"), list) \
            or not isinstance(optimizer.get("state"), dict):
        raise _field_error(path, "optimizer", "an optimizer state dict (with 'state' and 'param_groups')",
                           optimizer)
    scheduler = checkpoint["scheduler"]
    # JointFormer's cosine schedule stores its planned length; the baselines' step decay has none.
    config = checkpoint.get("config")
    cosine = not isinstance(config, dict) or config.get("model", "jointformer") == "jointformer"
    if not isinstance(scheduler, dict) or not isinstance(scheduler.get("last_epoch"), int) \
            or (cosine and not isinstance(scheduler.get("T_max"), int)):
        expected = "a cosine scheduler state dict (with 'T_max')" if cosine else \
            "a step-decay scheduler state dict (with 'last_epoch')"
        raise _field_error(path, "scheduler", expected, scheduler)
    _check_rng(checkpoint["rng"], path)
    _check_history(checkpoint["history"], path, checkpoint["epoch"])
    for name in ("best_protocol1", "best_protocol2"):
        value = checkpoint.get(name)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value) or value < 0:
            raise _field_error(path, name, "a non-negative number of millimetres (inf before any epoch)",
                               value)


_INPUT_STATS_FIELDS = {"mean_pose_2d": (17, 2), "extent_median": (), "root_median": (2,)}
_OPTIONAL_INPUT_STATS_FIELDS = {"extent_p05": (), "extent_p95": (), "pose_templates_2d": (None, 17, 2)}


def validate_input_stats(stats: Any, path: str | os.PathLike[str]) -> dict[str, Any]:
    """``stats`` (a checkpoint's ``input_stats``) checked field by field: ``mean_pose_2d`` (17, 2),
    ``extent_median`` a positive number and ``root_median`` (2,), all finite; where present,
    ``extent_p05`` and ``extent_p95`` finite numbers, ``pose_templates_2d`` (M, 17, 2) finite and
    ``source`` a string. Returns it.

    Raises CheckpointError naming the missing or malformed field."""
    path = Path(path)
    if not isinstance(stats, dict):
        raise _field_error(path, "input_stats", "a dict", stats)
    for name, shape in _INPUT_STATS_FIELDS.items():
        if name not in stats:
            raise CheckpointError(f"{path}: field 'input_stats' lacks '{name}' "
                                  f"(expected {sorted(_INPUT_STATS_FIELDS)})")
        _check_stats_numbers(stats, name, shape, path)
    for name, shape in _OPTIONAL_INPUT_STATS_FIELDS.items():
        if stats.get(name) is not None:
            _check_stats_numbers(stats, name, shape, path)
    if not isinstance(stats.get("source", ""), str):
        raise _field_error(path, "input_stats.source", "a string", stats["source"])
    if float(stats["extent_median"]) <= 0:
        raise CheckpointError(f"{path}: field 'input_stats.extent_median' must be positive, "
                              f"found {stats['extent_median']!r}")
    return stats


def _check_stats_numbers(stats: dict[str, Any], name: str, shape: tuple[int | None, ...], path: Path) -> None:
    """``stats[name]`` must be finite numbers of ``shape`` (None: any positive length); CheckpointError
    otherwise."""
    try:
        value = np.asarray(stats[name], dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise _field_error(path, f"input_stats.{name}", f"numbers of shape {shape}", stats[name]) from error
    fits = value.ndim == len(shape) and all(size == expected or (expected is None and size > 0)
                                            for size, expected in zip(value.shape, shape, strict=True))
    if not fits or not np.isfinite(value).all():
        raise CheckpointError(f"{path}: field 'input_stats.{name}' must be finite numbers of shape "
                              f"{shape}, found shape {value.shape}")
