"""Published-layout weights, drawn apart from our model, load strictly and give the published forward."""

from __future__ import annotations

import pytest
import torch
from jointformer_reference import Spec, published_eps, random_published_state_dict, reference_forward

from jointformer.checkpoint import model_from_state_dict
from jointformer.data.skeleton import SKELETON17
from jointformer.models.jointformer import JointFormerConfig, Refiner

PARENTS = list(SKELETON17.parents)

SMALL = {"hid_dim": 32, "num_layers": 2, "d_inner": 48, "d_head": 8}
CASES = {
    "published_stage1": Spec(),
    "no_intermediate": Spec(**SMALL, intermediate=False),
    "no_intermediate_no_error": Spec(**SMALL, intermediate=False, error_prediction=False),
    "graph": Spec(**SMALL, embedding="graph"),
    "linear": Spec(**SMALL, embedding="linear"),
    "spatial_encoding": Spec(**SMALL, spatial_encoding=True),
    "graph_spatial_encoding": Spec(embedding="graph", spatial_encoding=True),
    "published_refiner": Spec(in_features=8, hid_dim=256, num_layers=2, d_inner=1024, intermediate=False,
                              error_prediction=False),
}


def config_for(spec: Spec) -> JointFormerConfig:
    return JointFormerConfig(
        num_joints=spec.num_joints, in_features=spec.in_features, hid_dim=spec.hid_dim,
        num_layers=spec.num_layers, d_inner=spec.d_inner, num_heads=spec.num_heads, d_head=spec.d_head,
        intermediate=spec.intermediate, error_prediction=spec.error_prediction,
        embedding_type=spec.embedding, spatial_encoding=spec.spatial_encoding,
        kind="refiner" if spec.in_features == 8 else "jointformer")


def run_model(model: torch.nn.Module, x: torch.Tensor):
    if isinstance(model, Refiner):
        return model(x[..., :2], x[..., 2:5], x[..., 5:8], return_attention=True)
    return model(x, return_attention=True)


@pytest.mark.parametrize("name", list(CASES))
def test_forward_follows_reference_in_float64(name: str) -> None:
    spec = CASES[name]
    weights = random_published_state_dict(spec, PARENTS, seed=7)
    model = model_from_state_dict(weights, config_for(spec)).double()
    x = torch.rand(3, spec.num_joints, spec.in_features, generator=torch.Generator().manual_seed(1),
                   dtype=torch.float64) * 2 - 1

    poses, errors, maps = reference_forward(weights, x, spec, PARENTS)
    with torch.no_grad():
        output = run_model(model, x)

    assert len(output.poses) == len(poses) == (spec.num_layers if spec.intermediate else 1)
    for ours, theirs in zip(output.poses, poses, strict=True):
        torch.testing.assert_close(ours, theirs, rtol=0, atol=1e-5)
    if spec.error_prediction:
        assert output.errors is not None and len(output.errors) == len(errors)
        for ours, theirs in zip(output.errors, errors, strict=True):
            torch.testing.assert_close(ours, theirs, rtol=0, atol=1e-5)
    else:
        assert output.errors is None and output.error is None
    assert output.attention is not None and len(output.attention) == len(maps)
    for ours, theirs in zip(output.attention, maps, strict=True):
        torch.testing.assert_close(ours, theirs, rtol=0, atol=1e-5)
    # The outputs depend on the weights: a sanity check that the comparison is not between constants.
    assert poses[-1].std() > 1e-2


def test_float32_fused_attention_path_follows_reference() -> None:
    """Without attention maps the model takes the fused-kernel path; it too must agree (float32)."""
    spec = CASES["published_stage1"]
    weights = random_published_state_dict(spec, PARENTS, seed=3)
    model = model_from_state_dict(weights, config_for(spec))
    x = torch.rand(4, 17, 2, generator=torch.Generator().manual_seed(2), dtype=torch.float64) * 2 - 1
    poses, errors, _ = reference_forward(weights, x, spec, PARENTS)
    with torch.no_grad():
        output = model(x.float())
    assert output.errors is not None
    for ours, theirs in zip(output.poses + output.errors, poses + errors, strict=True):
        torch.testing.assert_close(ours.double(), theirs, rtol=0, atol=1e-4)


def test_every_layer_norm_has_the_published_eps() -> None:
    """Each LayerNorm of stage 1 (both head layouts) and of the refiner has the eps of the reference's table,
    which cites the published line: 1e-6 in the encoder, PyTorch's default 1e-5 in the output heads."""
    checked = set()
    for spec in (CASES["published_stage1"], CASES["no_intermediate"], CASES["published_refiner"]):
        model = model_from_state_dict(random_published_state_dict(spec, PARENTS, seed=0), config_for(spec))
        for name, module in model.named_modules():
            if isinstance(module, torch.nn.LayerNorm):
                assert module.eps == published_eps(name), name
                checked.add(name.split(".")[0])
    assert checked == {"layer_norm", "layer_stack", "intermediate_pred", "intermediate_error", "decoder",
                       "error_decoder"}


# A float32 checkpoint's weights evaluated in float64 by the reference, against our float32 forward pass on
# the same float32 inputs: the published code itself differs by 2.7e-6 m between float32 and float64.
FLOAT32_TOLERANCE_M = 5e-6
FLOAT32_CASES = ("published_stage1", "published_refiner", "graph_spatial_encoding")


@pytest.mark.parametrize("name", FLOAT32_CASES)
def test_float32_outputs_agree_with_the_float64_reference(name: str) -> None:
    spec = CASES[name]
    weights32 = {key: value.float() for key, value in random_published_state_dict(spec, PARENTS, 11).items()}
    model = model_from_state_dict(weights32, config_for(spec))
    x = torch.rand(64, spec.num_joints, spec.in_features, generator=torch.Generator().manual_seed(5)) * 2 - 1
    weights64 = {key: value.double() for key, value in weights32.items()}
    poses, errors, _ = reference_forward(weights64, x.double(), spec, PARENTS)
    with torch.no_grad():
        output = run_model(model, x)
    ours = output.poses + (output.errors or [])
    assert len(ours) == len(poses) + len(errors) == (2 * spec.num_layers if spec.intermediate else 1)
    for mine, theirs in zip(ours, poses + errors, strict=True):
        assert mine.dtype == torch.float32
        torch.testing.assert_close(mine.double(), theirs, rtol=0, atol=FLOAT32_TOLERANCE_M)
