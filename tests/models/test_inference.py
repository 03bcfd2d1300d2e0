"""Running trained models: chunked CPU prediction, the test-time flip and autocast."""

from __future__ import annotations

from functools import partial

import pytest
import torch
from test_jointformer import (  # the sibling test module's tiny models and checks
    TINY,
    assert_one_graph_for_every_batch,
    inputs,
    tiny_config,
    tiny_refiner_config,
)

from jointformer.data.skeleton import SKELETON17, flip_horizontal
from jointformer.models import inference
from jointformer.models.inference import autocast_context, flip_averaged, inference_chunk_size, predict
from jointformer.models.jointformer import JointFormer, JointFormerConfig, LiftOutput, TwoStage, build_model

THREE_POSE_CHUNKS = 3 * 17 * TINY["d_inner"] * 4
"""An INFERENCE_CHUNK_BYTES budget of 3 poses for TINY models in float32 (J x d_inner x 4 bytes a pose)."""

MIRROR = partial(flip_horizontal, joints_left=SKELETON17.joints_left, joints_right=SKELETON17.joints_right)


def count_forward_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Patch JointFormer.forward (stage 1's and, through super(), the refiner's) to record batch sizes."""
    calls: list[int] = []
    original = JointFormer.forward
    monkeypatch.setattr(JointFormer, "forward", lambda self, x, return_attention=False:
                        calls.append(x.shape[0]) or original(self, x, return_attention))
    return calls


def test_inference_chunk_size_follows_the_activation_budget() -> None:
    published = JointFormerConfig()  # 17 joints x d_inner 512: 34,816 bytes per pose in float32
    x = torch.zeros(1024, 17, 2)
    with torch.no_grad():
        assert inference_chunk_size(published, (x,), training=False) == 256  # 8.5 MiB // 34,816
        with torch.autocast("cpu", dtype=torch.bfloat16):
            assert inference_chunk_size(published, (x,), training=False) == 512
        assert inference_chunk_size(published, (x.double(),), training=False) == 128
        assert inference_chunk_size(published, (x[:256],), training=False) is None  # fits in one chunk
        refiner = JointFormerConfig.published_refiner()
        assert inference_chunk_size(refiner, (x, x, x), training=False) == 128
        # A refiner joins its inputs, so one float64 input makes the whole activation float64.
        assert inference_chunk_size(refiner, (x, x.double(), x), training=False) == 64
        # Dropout would draw its masks chunk by chunk: training mode keeps the batch whole.
        assert inference_chunk_size(published, (x,), training=True) is None
    assert inference_chunk_size(published, (x,), training=False) is None  # autograd on: whole batches


def test_training_mode_without_autograd_draws_dropout_as_one_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    model = build_model(tiny_config(dropout=0.2)).train()
    x = inputs(batch=10)
    monkeypatch.setattr(inference, "INFERENCE_CHUNK_BYTES", THREE_POSE_CHUNKS)
    calls = count_forward_calls(monkeypatch)
    with torch.no_grad():
        torch.manual_seed(3)
        whole = model(x).pose
        torch.manual_seed(3)
        predicted = predict(model, x).pose
    assert calls == [10, 10]
    torch.testing.assert_close(predicted, whole, rtol=0, atol=1e-6)


@pytest.mark.parametrize("kind", ["stage1", "refiner", "two_stage"])
def test_chunked_prediction_equals_the_whole_batch(kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    torch.manual_seed(0)
    stage1 = build_model(tiny_config()).eval()
    refiner = build_model(tiny_refiner_config()).eval()
    model = {"stage1": stage1, "refiner": refiner, "two_stage": TwoStage(stage1, refiner)}[kind]
    x = inputs(batch=10, features=8 if kind == "refiner" else 2)
    args = (x[..., :2], x[..., 2:5], x[..., 5:]) if kind == "refiner" else (x,)
    whole = model(*args, return_attention=True)
    monkeypatch.setattr(inference, "INFERENCE_CHUNK_BYTES", THREE_POSE_CHUNKS)  # 10 = 3 + 3 + 3 + 1
    calls = count_forward_calls(monkeypatch)
    with torch.no_grad():
        chunked = predict(model, *args, return_attention=True)
    assert calls == [3, 3, 3, 1] * (2 if kind == "two_stage" else 1)
    for name in ("poses", "errors", "attention"):
        expected, got = getattr(whole, name), getattr(chunked, name)
        assert (expected is None) == (got is None), name
        for want, have in zip(expected or [], got or [], strict=True):
            # Float rounding only: GEMM kernels may block a 3-row product differently from a 10-row one.
            torch.testing.assert_close(have, want.detach(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("kind", ["stage1", "two_stage"])
def test_chunked_prediction_is_the_plain_forward_of_each_chunk_exactly(kind: str) -> None:
    """Bit for bit: the published stage 1 runs 600 poses as 256 + 256 + 88, the published refiner (twice
    the feed-forward width) as 4 x 128 + 88, each chunk through the model's plain forward."""
    torch.manual_seed(0)
    stage1 = build_model(JointFormerConfig()).eval()
    refiner = build_model(JointFormerConfig.published_refiner()).eval()
    x = inputs(batch=600)
    with torch.no_grad():
        first = LiftOutput.concatenate([stage1(part) for part in x.split(256)])
        if kind == "stage1":
            model, expected = stage1, first
        else:
            model = TwoStage(stage1, refiner)
            parts = zip(x.split(128), first.pose.split(128), first.error.split(128), strict=True)
            refined = LiftOutput.concatenate([refiner(*part) for part in parts])
            expected = TwoStage.join(first, refined, return_attention=False)
        got = predict(model, x)
        small = predict(model, x[:100])  # below one chunk: the plain forward on the whole batch
        plain = model(x[:100])
    for want, have in zip([*expected.poses, *expected.errors], [*got.poses, *got.errors], strict=True):
        assert torch.equal(have, want)
    for want, have in zip([*plain.poses, *plain.errors], [*small.poses, *small.errors], strict=True):
        assert torch.equal(have, want)


def test_prediction_runs_each_stage_in_chunks_of_its_own_config(monkeypatch: pytest.MonkeyPatch) -> None:
    stage1 = build_model(tiny_config()).eval()
    refiner = build_model(tiny_refiner_config(d_inner=2 * TINY["d_inner"])).eval()  # 1 pose per chunk
    monkeypatch.setattr(inference, "INFERENCE_CHUNK_BYTES", THREE_POSE_CHUNKS)
    calls = count_forward_calls(monkeypatch)
    with torch.no_grad():
        predict(TwoStage(stage1, refiner).eval(), inputs(batch=4))
    assert calls == [3, 1, 1, 1, 1, 1]


def test_prediction_shape_errors_name_the_whole_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inference, "INFERENCE_CHUNK_BYTES", THREE_POSE_CHUNKS)
    stage1 = build_model(tiny_config()).eval()
    refiner = build_model(tiny_refiner_config()).eval()
    with torch.no_grad(), pytest.raises(ValueError, match=r"\(B, 17, 2\), got \(10, 16, 2\)"):
        predict(stage1, torch.zeros(10, 16, 2))
    with torch.no_grad(), pytest.raises(ValueError, match=r"Refiner pose .* got \(10, 17, 2\)"):
        predict(refiner, inputs(batch=10), inputs(batch=10), inputs(batch=10, features=3))


def test_other_modules_get_the_whole_batch_in_one_call() -> None:
    calls: list[int] = []

    class Recorder(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> LiftOutput:
            calls.append(x.shape[0])
            return LiftOutput(poses=[x.new_zeros(x.shape[0], 17, 3)])

    with torch.no_grad():
        output = predict(Recorder().eval(), torch.zeros(5000, 17, 2))
    assert calls == [5000] and output.pose.shape == (5000, 17, 3)


class _PredictedPoseAndError(torch.nn.Module):
    """``predict`` with plain-tensor outputs, as the ONNX export wraps it."""

    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        output = predict(self.model, x)
        return output.pose, output.error


def test_export_traces_prediction_as_one_graph(monkeypatch: pytest.MonkeyPatch) -> None:
    """No data-dependent control flow: one graph serves every batch size, even where eager prediction
    would run the batch in chunks."""
    stage1 = build_model(tiny_config(embedding_type="graph", spatial_encoding=True))
    monkeypatch.setattr(inference, "INFERENCE_CHUNK_BYTES", THREE_POSE_CHUNKS)
    model = TwoStage(stage1, build_model(tiny_refiner_config()))
    assert_one_graph_for_every_batch(_PredictedPoseAndError(model).eval())


class _Constant(torch.nn.Module):
    """Predicts the same pose (offset from the root) and the same signed error whatever the input."""

    def __init__(self, pose: torch.Tensor, error: torch.Tensor | None) -> None:
        super().__init__()
        self.pose, self.error = pose, error

    def forward(self, x: torch.Tensor) -> LiftOutput:
        batch = x.shape[0]
        errors = None if self.error is None else [self.error.expand(batch, 17, 3)]
        return LiftOutput(poses=[self.pose.expand(batch, 17, 3)], errors=errors)


def test_flip_averages_the_unmirrored_mirror_prediction_and_its_error() -> None:
    generator = torch.Generator().manual_seed(6)
    pose = torch.randn(17, 3, generator=generator) * 0.2 + torch.tensor([0.0, 0.0, 4.0])
    error = torch.randn(17, 3, generator=generator) * 0.01  # signed: the flip test averages magnitudes
    model = _Constant(pose, error)
    x = inputs(batch=4)
    centred = pose - pose[0]
    flipped_pose, flipped_error = flip_averaged(model, x, MIRROR, MIRROR)
    torch.testing.assert_close(flipped_pose, ((centred + MIRROR(centred)) / 2).expand(4, 17, 3))
    torch.testing.assert_close(flipped_error, ((error.abs() + MIRROR(error).abs()) / 2).expand(4, 17, 3))
    direct_pose, direct_error = flip_averaged(model, x, MIRROR, MIRROR, flip=False)
    torch.testing.assert_close(direct_pose, centred.expand(4, 17, 3))
    torch.testing.assert_close(direct_error, error.abs().expand(4, 17, 3))
    assert flip_averaged(_Constant(pose, None), x, MIRROR, MIRROR)[1] is None


def test_flip_of_a_mirror_symmetric_model_is_its_direct_prediction() -> None:
    """A model that mirrors its output when its input is mirrored gains nothing from the flip test."""

    class Symmetric(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> LiftOutput:
            pose = torch.cat([x, x.square().sum(dim=-1, keepdim=True)], dim=-1)  # x mirrored -> pose mirrored
            return LiftOutput(poses=[pose])

    x = inputs(batch=5, seed=2)
    flipped, _ = flip_averaged(Symmetric(), x, MIRROR, MIRROR)
    direct, _ = flip_averaged(Symmetric(), x, MIRROR, MIRROR, flip=False)
    torch.testing.assert_close(flipped, direct)


def test_autocast_context_runs_bfloat16_only_when_asked() -> None:
    device = torch.device("cpu")
    with autocast_context(device, amp=True):
        assert torch.is_autocast_enabled("cpu") and torch.get_autocast_dtype("cpu") == torch.bfloat16
    with autocast_context(device, amp=False):
        assert not torch.is_autocast_enabled("cpu")
