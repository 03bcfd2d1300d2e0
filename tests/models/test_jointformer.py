"""JointFormer, Refiner and TwoStage: shapes, parameter counts, determinism, gradients, precision, compile."""

from __future__ import annotations

import copy
import dataclasses
import itertools

import numpy as np
import pytest
import torch

from jointformer.data.skeleton import SKELETON17
from jointformer.models.jointformer import (
    JointFormer,
    JointFormerConfig,
    LiftOutput,
    Refiner,
    TwoStage,
    build_model,
)
from jointformer.models.layers import Dropout, MultiHeadSelfAttention, threshold_dropout

TINY = {"hid_dim": 8, "num_layers": 2, "d_inner": 16, "num_heads": 2, "d_head": 4}
OPTIONS = list(itertools.product(("conv", "linear", "graph"), (True, False), (True, False), (True, False)))


def tiny_config(**overrides: object) -> JointFormerConfig:
    return JointFormerConfig(**{**TINY, **overrides})  # type: ignore[arg-type]


def tiny_refiner_config(**overrides: object) -> JointFormerConfig:
    return dataclasses.replace(JointFormerConfig.published_refiner(), **{**TINY, **overrides})


def inputs(batch: int = 3, features: int = 2, seed: int = 0) -> torch.Tensor:
    return torch.rand(batch, 17, features, generator=torch.Generator().manual_seed(seed)) * 2 - 1


def num_parameters(model: torch.nn.Module) -> int:
    return sum(parameter.numel() for parameter in model.parameters())


@pytest.mark.parametrize(("embedding", "intermediate", "error_prediction", "spatial"), OPTIONS)
def test_output_shapes_for_every_option(embedding: str, intermediate: bool, error_prediction: bool,
                                        spatial: bool) -> None:
    config = tiny_config(embedding_type=embedding, intermediate=intermediate,
                         error_prediction=error_prediction, spatial_encoding=spatial)
    model = build_model(config).eval()
    with torch.no_grad():
        output = model(inputs(), return_attention=True)
    assert isinstance(output, LiftOutput)
    expected_outputs = config.num_layers if intermediate else 1
    assert len(output.poses) == expected_outputs
    assert all(pose.shape == (3, 17, 3) and torch.isfinite(pose).all() for pose in output.poses)
    assert output.pose is output.poses[-1]
    if error_prediction:
        assert output.errors is not None and len(output.errors) == expected_outputs
        assert all(error.shape == (3, 17, 3) and torch.isfinite(error).all() for error in output.errors)
        assert output.error is output.errors[-1]
    else:
        assert output.errors is None and output.error is None
    assert output.attention is not None and len(output.attention) == config.num_layers
    for attention in output.attention:
        assert attention.shape == (3, config.num_heads, 17, 17)
        torch.testing.assert_close(attention.sum(dim=-1), torch.ones(3, config.num_heads, 17))
        assert (attention >= 0).all()


def test_attention_is_only_returned_when_asked() -> None:
    model = build_model(tiny_config()).eval()
    with torch.no_grad():
        plain = model(inputs())
        with_maps = model(inputs(), return_attention=True)
    assert plain.attention is None
    # The explicit path (maps) and the fused kernel compute the same thing.
    torch.testing.assert_close(plain.pose, with_maps.pose, rtol=1e-5, atol=1e-6)


def test_refiner_shapes_and_input_order() -> None:
    refiner = build_model(tiny_refiner_config()).eval()
    assert isinstance(refiner, Refiner)
    x2d, pose, error = inputs(seed=1), inputs(features=3, seed=2), inputs(features=3, seed=3)
    with torch.no_grad():
        output = refiner(x2d, pose, error)
        as_jointformer = JointFormer.forward(refiner, torch.cat([x2d, pose, error], dim=-1))
        swapped = refiner(x2d, error, pose)
    assert len(output.poses) == 1 and output.pose.shape == (3, 17, 3) and output.errors is None
    torch.testing.assert_close(output.pose, as_jointformer.pose)
    assert not torch.allclose(output.pose, swapped.pose)


def test_two_stage_chains_the_stages() -> None:
    stage1 = build_model(tiny_config()).eval()
    refiner = build_model(tiny_refiner_config()).eval()
    model = TwoStage(stage1, refiner).eval()
    x = inputs()
    with torch.no_grad():
        output = model(x, return_attention=True)
        first = stage1(x)
        refined = refiner(x, first.pose, first.error)
    assert len(output.poses) == len(first.poses) + 1
    torch.testing.assert_close(output.pose, refined.pose)
    # Aligned as LiftOutput documents: one error per pose; the refined pose's is stage 1's last.
    assert output.errors is not None and len(output.errors) == len(output.poses)
    for ours, theirs in zip(output.errors, [*first.errors, first.error], strict=True):
        torch.testing.assert_close(ours, theirs)
    torch.testing.assert_close(output.error, first.error)
    for ours, theirs in zip(output.poses[:-1], first.poses, strict=True):
        torch.testing.assert_close(ours, theirs)
    assert output.attention is not None and len(output.attention) == 2 * TINY["num_layers"]


def test_two_stage_needs_stage1_errors() -> None:
    with pytest.raises(ValueError, match="error"):
        TwoStage(build_model(tiny_config(error_prediction=False)), build_model(tiny_refiner_config()))


def test_published_parameter_counts() -> None:
    assert num_parameters(build_model(JointFormerConfig())) == 1_478_104
    assert num_parameters(build_model(JointFormerConfig.published_refiner())) == 2_335_283


def test_eval_mode_is_deterministic_and_training_mode_is_not() -> None:
    model = build_model(tiny_config(dropout=0.1)).eval()
    x = inputs()
    with torch.no_grad():
        first, second = model(x), model(x)
        model.train()
        third, fourth = model(x), model(x)
    # Not torch.equal: MKL may pick another kernel for differently aligned buffers (last-bit differences).
    torch.testing.assert_close(first.pose, second.pose, rtol=0, atol=1e-6)
    torch.testing.assert_close(first.error, second.error, rtol=0, atol=1e-6)
    assert (third.pose - fourth.pose).abs().max() > 1e-3  # dropout is on in training mode


@pytest.mark.parametrize("config", [
    tiny_config(embedding_type="graph", spatial_encoding=True, dropout=0.1),
    tiny_config(embedding_type="linear", intermediate=False),
    tiny_refiner_config(),
], ids=["graph_intermediate", "linear_decoder", "refiner"])
def test_gradients_reach_every_parameter(config: JointFormerConfig) -> None:
    torch.manual_seed(0)
    model = build_model(config).train()
    features = config.in_features
    x = inputs(batch=8, features=features)
    output = model(x[..., :2], x[..., 2:5], x[..., 5:8]) if isinstance(model, Refiner) else model(x)
    loss = sum(pose.square().mean() for pose in output.poses)
    if output.errors is not None:
        loss = loss + sum(error.square().mean() for error in output.errors)
    loss.backward()
    # The last layer's intermediate_enc is in the published layout, but its output feeds nothing.
    last = config.num_layers - 1
    unused = {f"intermediate_enc.{last}.weight", f"intermediate_enc.{last}.bias"}
    for name, parameter in model.named_parameters():
        if config.intermediate and name in unused:
            assert parameter.grad is None, name
            continue
        assert parameter.grad is not None, name
        assert torch.isfinite(parameter.grad).all(), name
        assert parameter.grad.abs().max() > 0, name


def test_graph_logits_fill_skeleton_edges_and_diagonal_row_major() -> None:
    model = build_model(tiny_config(embedding_type="graph"))
    mask = SKELETON17.adjacency() | np.eye(17, dtype=bool)
    positions = np.argwhere(mask)  # row-major order, as np.argwhere walks the array
    assert model.embedding.e.shape == (1, len(positions))
    with torch.no_grad():
        model.embedding.e.copy_(torch.arange(len(positions), dtype=torch.float32).unsqueeze(0) / 10)
        weights = model.embedding.adjacency_weights().numpy()
    assert (weights[~mask] == 0).all()
    expected = np.zeros((17, 17))
    for index, (row, column) in enumerate(positions):
        expected[row, column] = np.exp(index / 10)
    expected /= expected.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(weights, expected, rtol=1e-5)


def test_xavier_reinitialisation_covers_matrices_only() -> None:
    torch.manual_seed(0)
    model = build_model(tiny_config(embedding_type="graph", spatial_encoding=True))
    logits = model.embedding.e
    assert not torch.allclose(logits, torch.ones_like(logits))  # re-drawn, not the constant start
    assert model.position_enc.abs().max() > 0
    torch.testing.assert_close(model.layer_norm.weight, torch.ones(TINY["hid_dim"]))


def rescale_outputs_(model: JointFormer, pose_max: float, error_max: float, x: torch.Tensor) -> None:
    """Scale the output heads so the float32 outputs peak at ``pose_max`` / ``error_max`` metres.

    A freshly initialised model outputs values of ~4 "metres"; a trained one stays within ~1 m (poses) and
    ~0.2 m (errors). bfloat16 errors are relative, so the test is held at trained scales. Each
    intermediate_enc is scaled by the inverse, so the encoder's computation is unchanged.
    """
    with torch.no_grad():
        output = model(x)
        pose_scale = pose_max / max(pose.abs().max() for pose in output.poses)
        error_scale = error_max / max(error.abs().max() for error in output.errors)
        for head, encoder, error_head in zip(model.intermediate_pred, model.intermediate_enc,
                                             model.intermediate_error, strict=True):
            head[2].weight.mul_(pose_scale)
            head[2].bias.mul_(pose_scale)
            encoder.weight.div_(pose_scale)
            error_head[2].weight.mul_(error_scale)
            error_head[2].bias.mul_(error_scale)


def test_bfloat16_autocast_stays_close_to_float32() -> None:
    torch.manual_seed(0)
    model = build_model(JointFormerConfig()).eval()
    x = inputs(batch=128)
    rescale_outputs_(model, pose_max=1.0, error_max=0.2, x=x)
    with torch.no_grad():
        reference = model(x)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            low = model(x)
    assert max(pose.abs().max() for pose in reference.poses) == pytest.approx(1.0, rel=1e-4)
    for ours, theirs in zip(low.poses + low.errors, reference.poses + reference.errors, strict=True):
        assert (ours.float() - theirs).abs().max() < 1e-2


@pytest.mark.parametrize("bad", [
    {"embedding_type": "mlp"}, {"hid_dim": 0}, {"pred_dropout": 1.5}, {"intermediate": 1},
    {"kind": "refiner"}, {"embedding_type": "graph", "num_joints": 16},
])
def test_config_rejects_bad_values(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="JointFormerConfig"):
        JointFormerConfig(**bad)  # type: ignore[arg-type]


def test_config_round_trips_through_dict_and_rejects_unknown_fields() -> None:
    config = tiny_refiner_config()
    assert JointFormerConfig.from_dict(dataclasses.asdict(config)) == config
    with pytest.raises(ValueError, match="n_head"):
        JointFormerConfig.from_dict({**dataclasses.asdict(config), "n_head": 8})


def test_wrong_input_shape_is_a_clear_error() -> None:
    model = build_model(tiny_config())
    with pytest.raises(ValueError, match=r"\(B, 17, 2\)"):
        model(torch.zeros(2, 16, 2))


@pytest.mark.slow
def test_torch_compile_matches_eager() -> None:
    model = build_model(tiny_config(embedding_type="graph")).eval()
    compiled = torch.compile(model)
    x = inputs(batch=5)
    with torch.no_grad():
        eager, fast = model(x), compiled(x)
    torch.testing.assert_close(fast.pose, eager.pose, rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(fast.error, eager.error, rtol=1e-4, atol=1e-5)


class _PoseAndError(torch.nn.Module):
    """Plain-tensor outputs, as an exporter would wrap the model."""

    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        output = self.model(x)
        return output.pose, output.error


def assert_one_graph_for_every_batch(model: torch.nn.Module) -> None:
    """torch.export of ``model`` ((B, 17, 2) -> tensors) with a dynamic batch: no split in the graph, and
    the graph gives the module's outputs at batch sizes it was not traced with."""
    with torch.no_grad():
        exported = torch.export.export(model, (inputs(batch=10),),
                                       dynamic_shapes={"x": {0: torch.export.Dim("batch")}})
        assert not any("split" in str(node.target) for node in exported.graph.nodes)
        for batch in (2, 7, 33):
            x = inputs(batch=batch, seed=5)
            for ours, theirs in zip(exported.module()(x), model(x), strict=True):
                torch.testing.assert_close(ours, theirs)


def test_torch_export_traces_with_a_dynamic_batch() -> None:
    """No data-dependent control flow: one graph serves every batch size (the road to ONNX)."""
    stage1 = build_model(tiny_config(embedding_type="graph", spatial_encoding=True))
    model = TwoStage(stage1, build_model(tiny_refiner_config()))
    assert_one_graph_for_every_batch(_PoseAndError(model).eval())


# The folded attention (see MultiHeadSelfAttention) is taken when hid_dim <= d_head; TINY (8 > 4) is not.
FOLDED = {"hid_dim": 8, "d_head": 8}


def test_attention_path_is_chosen_by_size() -> None:
    stage1 = build_model(JointFormerConfig())
    refiner = build_model(JointFormerConfig.published_refiner())
    assert all(layer.slf_attn.folded for layer in stage1.layer_stack)
    assert not any(layer.slf_attn.folded for layer in refiner.layer_stack)
    assert all(layer.slf_attn.folded for layer in build_model(tiny_config(**FOLDED)).layer_stack)


@pytest.mark.parametrize("training", [False, True])
def test_folded_and_general_attention_agree_in_value_and_gradient(training: bool) -> None:
    """Same weights, float64: the two paths are the same function (attention dropout off in training)."""
    torch.manual_seed(0)
    folded = MultiHeadSelfAttention(8, num_heads=3, d_head=8, dropout=0.0,
                                           attention_dropout=0.0).double().train(training)
    general = copy.deepcopy(folded)
    general.folded = False
    assert folded.folded
    h = torch.randn(5, 17, 8, dtype=torch.float64)
    out_folded, maps_folded = folded(h, return_attention=True)
    out_general, maps_general = general(h, return_attention=True)
    torch.testing.assert_close(out_folded, out_general, rtol=0, atol=1e-12)
    torch.testing.assert_close(maps_folded, maps_general, rtol=0, atol=1e-12)
    assert maps_folded.shape == (5, 3, 17, 17)
    torch.testing.assert_close(maps_folded.sum(-1), torch.ones(5, 3, 17, dtype=torch.float64))
    probe = torch.randn_like(out_folded)
    (out_folded * probe).sum().backward()
    (out_general * probe).sum().backward()
    for (name, ours), theirs in zip(folded.named_parameters(), general.parameters(), strict=True):
        assert ours.grad is not None and ours.grad.abs().max() > 0, name
        torch.testing.assert_close(ours.grad, theirs.grad, rtol=0, atol=1e-10, msg=name)


def test_folded_attention_dropout_drops_whole_weights() -> None:
    """In training the folded path applies dropout to the attention weights: outputs vary between calls,
    yet every output stays a combination of value rows (a weight of zero removes a joint's contribution)."""
    torch.manual_seed(0)
    attention = MultiHeadSelfAttention(8, num_heads=2, d_head=8, dropout=0.0, attention_dropout=0.5)
    h = torch.randn(4, 17, 8)
    attention.train()
    first, second = attention(h)[0], attention(h)[0]
    assert not torch.allclose(first, second)
    attention.eval()
    torch.testing.assert_close(attention(h)[0], attention(h)[0], rtol=0, atol=0)


def test_threshold_dropout_keeps_p_and_scaling() -> None:
    x = torch.ones(200_000, requires_grad=True)
    assert threshold_dropout(x, 0.3, training=False) is x
    assert threshold_dropout(x, 0.0, training=True) is x
    torch.manual_seed(0)
    y = threshold_dropout(x, 0.3, training=True)
    kept = y != 0
    assert abs(1.0 - kept.double().mean().item() - 0.3) < 0.005
    torch.testing.assert_close(y[kept], torch.full_like(y[kept], 1 / 0.7))
    y.sum().backward()
    torch.testing.assert_close(x.grad, y.detach())  # the gradient is the scaled mask
    module = Dropout(0.3).eval()
    assert module(x) is x and "p=0.3" in repr(module)


def test_folded_model_exports_with_a_dynamic_batch() -> None:
    model = _PoseAndError(build_model(tiny_config(**FOLDED))).eval()
    exported = torch.export.export(model, (inputs(batch=4),),
                                   dynamic_shapes={"x": {0: torch.export.Dim("batch")}})
    x = inputs(batch=9, seed=6)
    with torch.no_grad():
        for ours, theirs in zip(exported.module()(x), model(x), strict=True):
            torch.testing.assert_close(ours, theirs)


@pytest.mark.slow
def test_torch_compile_matches_eager_on_the_folded_path_in_training() -> None:
    torch.manual_seed(0)
    model = build_model(tiny_config(**FOLDED, attention_dropout=0.0, pred_dropout=0.0))
    compiled = torch.compile(model)
    x = inputs(batch=5)
    eager, fast = model(x), compiled(x)
    torch.testing.assert_close(fast.pose, eager.pose, rtol=1e-4, atol=1e-5)
    parameters = list(model.parameters())  # the last intermediate_enc feeds nothing: zero gradient
    grads = torch.autograd.grad(eager.pose.sum(), parameters, materialize_grads=True)
    fast_grads = torch.autograd.grad(fast.pose.sum(), parameters, materialize_grads=True)
    for ours, theirs in zip(fast_grads, grads, strict=True):
        torch.testing.assert_close(ours, theirs, rtol=1e-4, atol=1e-5)


def test_residual_refiner_starts_at_the_stage1_pose_and_keeps_the_published_layout():
    from jointformer.models.jointformer import Refiner

    config = JointFormerConfig(kind="refiner", in_features=8, hid_dim=16, num_layers=1, d_inner=32,
                               num_heads=2, d_head=8, intermediate=False, error_prediction=False,
                               residual=True)
    residual = Refiner(config)
    plain = Refiner(dataclasses.replace(config, residual=False))
    assert residual.state_dict().keys() == plain.state_dict().keys()
    generator = torch.Generator().manual_seed(0)
    inputs, pose, error = (torch.randn(4, 17, width, generator=generator) for width in (2, 3, 3))
    assert torch.equal(residual.eval()(inputs, pose, error).pose, pose)
    with pytest.raises(ValueError, match="refiners only"):
        JointFormerConfig(residual=True)
