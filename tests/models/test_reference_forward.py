"""Published-layout weights, drawn independently of our model, load strictly and give the §3 computation."""

from __future__ import annotations

import pytest
import torch
from jointformer_reference import Spec, random_published_state_dict, reference_forward

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
