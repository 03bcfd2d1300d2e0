"""Running trained models: chunked CPU prediction, the test-time flip and bfloat16 autocast.

Shape letters: ``B`` batch, ``J`` joints (17, Human3.6M order of ``SKELETON17``, joint 0 the pelvis), ``F``
input features per joint. Inputs are (B, J, 2) normalised screen coordinates; poses come out in metres,
camera frame, root-relative, as :mod:`jointformer.models.jointformer` describes.

The models' ``forward`` is the paper's forward pass on the whole batch. :func:`predict` runs it the way
evaluation, lifting, export and the benchmarks want it: on CPU without autograd, in chunks of a fixed
activation budget (:data:`INFERENCE_CHUNK_BYTES`), which is faster and needs far less memory than one big
batch and gives the same poses up to float rounding (every computation is per pose).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Sequence

import torch
from torch import Tensor, nn

from jointformer.metrics import root_centre
from jointformer.models.jointformer import JointFormer, JointFormerConfig, LiftOutput, TwoStage

INFERENCE_CHUNK_BYTES = 17 << 19
"""Without autograd, :func:`predict` runs a CPU batch in eval mode in chunks whose feed-forward activation,
(chunk, J, d_inner), stays within this many bytes (8.5 MiB: 256 poses of the published stage 1 in float32,
512 under bfloat16 autocast, 128 of the published refiner). At batch 1024 that activation is 35.6 MB,
above glibc's largest automatic mmap threshold (32 MiB), so unless the allocator is tuned
(``jointformer.allocator``) it is mapped fresh from the kernel at every call; and activations of a few MB
stay in the caches between one operation and the next. ``benchmarks/inference_chunks.py`` times the
batch-1024 prediction at several budgets. Outputs are those of the whole batch up to float rounding:
every computation is per pose."""


def inference_chunk_size(config: JointFormerConfig, inputs: Sequence[Tensor], training: bool) -> int | None:
    """Poses per chunk for a forward pass of a model of ``config`` on ``inputs`` (each (B, J, ·), the
    model's positional arguments), or None to run the batch whole.

    Chunks only where it cannot change anything but speed: on CPU, in eval mode (in training mode dropout
    would draw its masks chunk by chunk, a different random stream), without autograd (backward needs every
    activation anyway), and outside torch.compile, torch.export and ONNX export (which must trace one graph
    for any batch size). The bytes per pose are those of the feed-forward activation in the dtype the
    model computes in: the autocast dtype, else that of the inputs joined (as the refiner joins them).
    """
    first = inputs[0]
    if (training or first.device.type != "cpu" or torch.is_grad_enabled() or torch.compiler.is_compiling()
            or torch.compiler.is_exporting() or torch.jit.is_tracing()):
        return None
    if torch.is_autocast_enabled("cpu"):
        dtype = torch.get_autocast_dtype("cpu")
    else:
        dtype = functools.reduce(torch.promote_types, (tensor.dtype for tensor in inputs))
    per_pose = config.num_joints * config.d_inner * dtype.itemsize
    chunk = max(1, INFERENCE_CHUNK_BYTES // per_pose)
    return chunk if chunk < first.shape[0] else None


def predict(model: nn.Module, *inputs: Tensor, return_attention: bool = False) -> LiftOutput:
    """``model(*inputs)``, run in chunks where :func:`inference_chunk_size` allows (same outputs).

    model: a JointFormer or Refiner (chunked by its own config), a TwoStage (stage 1 chunked by its config,
    then the refiner by its own), or any other module mapping the inputs to a LiftOutput (called once on
    the whole batch). inputs: the model's positional arguments, (B, J, 2) normalised screen coordinates for
    a stage 1 or a TwoStage; a Refiner's three. Returns the model's LiftOutput for the whole batch.
    """
    if isinstance(model, TwoStage):
        first = predict(model.stage1, *inputs, return_attention=return_attention)
        assert first.errors is not None  # TwoStage's constructor requires a stage 1 with an error head
        refined = predict(model.refiner, *inputs, first.pose, first.errors[-1],
                          return_attention=return_attention)
        return model.join(first, refined, return_attention)
    keywords = {"return_attention": True} if return_attention else {}
    if not isinstance(model, JointFormer):
        return model(*inputs, **keywords)
    model.check_inputs(*inputs)  # before splitting, so that a shape error names the whole batch
    chunk = inference_chunk_size(model.config, inputs, model.training)
    if chunk is None:
        return model(*inputs, **keywords)
    chunks = zip(*(tensor.split(chunk) for tensor in inputs), strict=True)
    return LiftOutput.concatenate([model(*parts, **keywords) for parts in chunks])


def autocast_context(device: torch.device, amp: bool) -> contextlib.AbstractContextManager:
    """bfloat16 autocast on ``device`` when ``amp`` is set, else a no-op context."""
    if not amp:
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.type, dtype=torch.bfloat16)


def flip_averaged(model: nn.Module, inputs_2d: Tensor, flip_2d: Callable[[Tensor], Tensor],
                  flip_3d: Callable[[Tensor], Tensor], flip: bool = True) -> tuple[Tensor, Tensor | None]:
    """The published test-time flip: run ``model`` (through :func:`predict`) on (B, 17, 2) normalised-screen
    inputs and on their mirror (``flip_2d``), centre both predictions on joint 0, un-mirror the second
    (``flip_3d``) and average.

    Returns the root-centred pose (B, 17, 3) metres, camera frame, and the predicted absolute error per
    coordinate (B, 17, 3) metres averaged the same way (None for a model without an error head). Without
    ``flip`` the direct prediction alone.
    """
    count = inputs_2d.shape[0]  # slicing, unlike chunk(2), keeps the batch size dynamic in ONNX export
    if not flip:
        output = predict(model, inputs_2d)
        error = None if output.error is None else output.error.float().abs()
        return root_centre(output.pose.float()), error
    output = predict(model, torch.cat([inputs_2d, flip_2d(inputs_2d)]))
    poses = root_centre(output.pose.float())
    pose = (poses[:count] + flip_3d(poses[count:])) / 2
    if output.error is None:
        return pose, None
    errors = output.error.float().abs()
    return pose, (errors[:count] + flip_3d(errors[count:]).abs()) / 2
