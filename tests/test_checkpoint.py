"""Checkpoints: the published layout read and written, architecture recognition, strict loading, safety."""

from __future__ import annotations

import dataclasses
import fractions
import pickle
import sys
import types
from pathlib import Path

import numpy as np
import pytest
import torch

from jointformer import load_model
from jointformer.checkpoint import (
    FORMAT_VERSION,
    infer_config,
    load_stage1,
    load_two_stage,
    model_from_state_dict,
    read_checkpoint,
    read_input_stats,
    save_checkpoint,
    stored_configs,
)
from jointformer.data.input_stats import InputStats
from jointformer.errors import CheckpointError
from jointformer.models.jointformer import JointFormer, JointFormerConfig, Refiner, TwoStage, build_model

TINY = {"hid_dim": 8, "num_layers": 2, "d_inner": 16, "d_head": 2}  # 8 heads, as published


def tiny(**overrides: object) -> JointFormerConfig:
    return JointFormerConfig(**{**TINY, **overrides})  # type: ignore[arg-type]


def tiny_refiner() -> JointFormerConfig:
    return dataclasses.replace(JointFormerConfig.published_refiner(), **TINY)


def trained_optimizer_state(model: torch.nn.Module) -> dict:
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    model.train()
    output = model(torch.rand(4, 17, 2))
    sum(pose.square().mean() for pose in output.poses).backward()
    optimizer.step()
    return optimizer.state_dict()


def prefixed(state_dict: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {f"module.{key}": value for key, value in state_dict.items()}


class LegacyNumpyPickler(pickle._Pickler):  # type: ignore[name-defined]
    """Pickles numpy scalars under their numpy 1.x global name, as the published (2022) files were."""

    def save_global(self, obj: object, name: str | None = None) -> None:
        if obj is np._core.multiarray.scalar:
            self.write(pickle.GLOBAL + b"numpy.core.multiarray\nscalar\n")
            self.memoize(obj)
            return
        super().save_global(obj, name)


LEGACY_PICKLE = types.SimpleNamespace(Pickler=LegacyNumpyPickler, __name__="legacy_pickle")


def save_published(path: Path, payload: dict) -> Path:
    """torch.save as the published scripts did: no config, numpy scalars pickled the numpy-1 way."""
    torch.save(payload, path, pickle_module=LEGACY_PICKLE)
    return path


def assert_tensors_equal(ours: object, theirs: object) -> None:
    """Recursively: same structure, and every tensor bit-identical."""
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, torch.Tensor) and ours.dtype == theirs.dtype and torch.equal(ours, theirs)
    elif isinstance(theirs, dict):
        assert isinstance(ours, dict) and set(ours) == set(theirs)
        for key in theirs:
            assert_tensors_equal(ours[key], theirs[key])
    elif isinstance(theirs, (list, tuple)):
        assert len(ours) == len(theirs)  # type: ignore[arg-type]
        for a, b in zip(ours, theirs, strict=True):  # type: ignore[call-overload]
            assert_tensors_equal(a, b)
    else:
        assert ours == theirs or (ours != ours and theirs != theirs)  # NaN equals NaN here


@pytest.mark.parametrize("ddp", [False, True], ids=["plain", "module_prefix"])
def test_write_then_read_round_trips_bit_exactly(tmp_path: Path, ddp: bool) -> None:
    torch.manual_seed(0)
    model = build_model(tiny())
    optimizer = trained_optimizer_state(model)
    weights = model.state_dict()
    extra = {"scheduler": {"last_epoch": 3}, "input_mean": torch.randn(17, 2)}
    path = save_checkpoint(tmp_path / "run" / "ckpt_best.pth.tar",
                           state_dict=prefixed(weights) if ddp else weights, config=model.config, epoch=3,
                           lr=5e-4, step=120, optimizer=optimizer, error=51.25, extra=extra)
    assert path == tmp_path / "run" / "ckpt_best.pth.tar"
    assert [entry.name for entry in path.parent.iterdir()] == ["ckpt_best.pth.tar"]  # no temp file left

    checkpoint = read_checkpoint(path)
    assert_tensors_equal(checkpoint["state_dict"], weights)
    assert_tensors_equal(checkpoint["optimizer"], optimizer)
    assert_tensors_equal(checkpoint["input_mean"], extra["input_mean"])
    assert checkpoint["scheduler"] == {"last_epoch": 3}
    scalars = (checkpoint["epoch"], checkpoint["lr"], checkpoint["step"], checkpoint["error"])
    assert scalars == (3, 5e-4, 120, 51.25)
    assert checkpoint["config"] == {"model": "jointformer", **dataclasses.asdict(model.config)}
    assert checkpoint["format_version"] == FORMAT_VERSION


def test_refinement_checkpoint_round_trips_and_loads_as_two_stage(tmp_path: Path) -> None:
    torch.manual_seed(0)
    stage1, refiner = build_model(tiny()), build_model(tiny_refiner())
    path = save_checkpoint(tmp_path / "refine.pth.tar", state_dict=refiner.state_dict(),
                           config=refiner.config, jt_state_dict=stage1.state_dict(), jt_config=stage1.config)
    checkpoint = read_checkpoint(path)
    assert_tensors_equal(checkpoint["jt_state_dict"], stage1.state_dict())
    assert checkpoint["jt_config"] == {"model": "jointformer", **dataclasses.asdict(stage1.config)}

    model = load_model(path)
    assert isinstance(model, TwoStage) and not model.training
    x = torch.rand(5, 17, 2)
    with torch.no_grad():
        first = stage1.eval()(x)
        expected = refiner.eval()(x, first.pose, first.error).pose
        output = model(x)
    torch.testing.assert_close(output.pose, expected)
    torch.testing.assert_close(output.error, first.error)
    loaded_stage1 = load_stage1(path)
    assert isinstance(loaded_stage1, JointFormer) and not isinstance(loaded_stage1, Refiner)


def test_published_stage1_file_loads_with_numpy_error_and_module_prefix(tmp_path: Path) -> None:
    torch.manual_seed(1)
    model = build_model(JointFormerConfig())  # the published stage-1 architecture
    path = save_published(tmp_path / "ckpt_best.pth.tar", {
        "epoch": 50, "lr": 1e-6, "step": 100, "state_dict": prefixed(model.state_dict()),
        "optimizer": trained_optimizer_state(model), "error": np.float64(52.1)})
    assert b"numpy.core.multiarray" in _pickle_bytes(path)

    checkpoint = read_checkpoint(path)
    assert isinstance(checkpoint["error"], np.float64) and checkpoint["error"] == 52.1
    loaded = load_model(path)
    assert isinstance(loaded, JointFormer) and not loaded.training
    assert loaded.config == JointFormerConfig()
    x = torch.rand(3, 17, 2)
    with torch.no_grad():
        torch.testing.assert_close(loaded(x).pose, model.eval()(x).pose)


def _pickle_bytes(path: Path) -> bytes:
    import zipfile

    with zipfile.ZipFile(path) as archive:
        name = next(name for name in archive.namelist() if name.endswith("data.pkl"))
        return archive.read(name)


def test_published_refinement_file_loads_as_two_stage(tmp_path: Path) -> None:
    torch.manual_seed(2)
    stage1, refiner = build_model(tiny()), build_model(tiny_refiner())
    path = save_published(tmp_path / "ckpt_best.pth.tar", {
        "epoch": 30, "lr": 1e-6, "step": 10, "state_dict": prefixed(refiner.state_dict()), "optimizer": None,
        "error": np.float64(48.0), "jt_state_dict": prefixed(stage1.state_dict())})
    model = load_model(path)
    assert isinstance(model, TwoStage)
    assert model.refiner.config == dataclasses.replace(tiny_refiner(), pred_dropout=0.1)
    assert isinstance(load_stage1(path), JointFormer)


def test_stored_configs_input_stats_and_load_two_stage(tmp_path: Path) -> None:
    torch.manual_seed(3)
    stage1, refiner, other = build_model(tiny()), build_model(tiny_refiner()), build_model(tiny(hid_dim=16))
    stats = {"extent_median": 0.8, "root_median": [0.0, 0.1], "mean_pose_2d": [[0.0, 0.1]] * 17}
    first = save_checkpoint(tmp_path / "stage1.pth.tar", state_dict=other.state_dict(), config=other.config,
                            extra={"input_stats": stats})
    published_refinement = save_published(tmp_path / "refine.pth.tar", {
        "state_dict": refiner.state_dict(), "jt_state_dict": stage1.state_dict(), "error": np.float64(1.0)})

    assert stored_configs(first) == {"jointformer": other.config, "refiner": None}
    configs = stored_configs(published_refinement)
    assert configs["jointformer"] == stage1.config
    assert configs["refiner"] == dataclasses.replace(refiner.config, pred_dropout=0.1)
    assert read_input_stats(first) == InputStats.from_dict(stats)
    assert read_input_stats(first).to_dict() == stats
    assert read_input_stats(published_refinement) is None

    combined = load_two_stage(first, published_refinement)
    x = torch.rand(2, 17, 2)
    with torch.no_grad():
        start = other.eval()(x)
        expected = refiner.eval()(x, start.pose, start.error).pose
        torch.testing.assert_close(combined(x).pose, expected)


def test_refiner_without_stage1_weights_is_refused(tmp_path: Path) -> None:
    refiner = build_model(tiny_refiner())
    path = save_published(tmp_path / "refiner_only.pth.tar", {"state_dict": refiner.state_dict()})
    with pytest.raises(CheckpointError, match="jt_state_dict"):
        load_model(path)


@pytest.mark.parametrize("config", [
    JointFormerConfig(),
    tiny(intermediate=False),
    tiny(intermediate=False, error_prediction=False),
    tiny(embedding_type="graph", spatial_encoding=True),
    tiny(embedding_type="linear", error_prediction=False),
    tiny(num_joints=16, in_features=3, num_layers=3, d_inner=24),
    JointFormerConfig.published_refiner(),
], ids=["published", "decoder", "decoder_no_error", "graph_spatial", "linear_no_error", "odd_shapes",
        "published_refiner"])
def test_infer_config_recognises_the_architecture(config: JointFormerConfig) -> None:
    state_dict = build_model(config).state_dict()
    assert infer_config(state_dict) == config
    assert infer_config(prefixed(state_dict)) == config


def test_infer_config_states_its_head_assumption() -> None:
    state_dict = build_model(tiny(num_heads=3, d_head=3)).state_dict()  # attention width 9
    with pytest.raises(CheckpointError, match="num_heads"):
        infer_config(state_dict)
    assert infer_config(state_dict, num_heads=3) == tiny(num_heads=3, d_head=3)


def test_mismatch_error_lists_missing_unexpected_and_shapes() -> None:
    state_dict = build_model(tiny()).state_dict()
    del state_dict["layer_stack.1.pos_ffn.w_2.bias"]
    state_dict["layer_stack.1.extra.weight"] = torch.zeros(2)
    state_dict["layer_stack.0.pos_ffn.w_1.bias"] = torch.zeros(99)
    with pytest.raises(CheckpointError) as caught:
        model_from_state_dict(state_dict, tiny())
    message = str(caught.value)
    assert "missing keys (1): layer_stack.1.pos_ffn.w_2.bias" in message
    assert "unexpected keys (1): layer_stack.1.extra.weight" in message
    assert "layer_stack.0.pos_ffn.w_1.bias: (16,), (99,)" in message


def test_missing_file_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "nope.pth.tar"
    with pytest.raises(CheckpointError, match=r"nope\.pth\.tar"):
        load_model(missing)


def test_garbage_file_is_a_checkpoint_error(tmp_path: Path) -> None:
    path = tmp_path / "torn.pth.tar"
    path.write_bytes(b"not a checkpoint at all")
    with pytest.raises(CheckpointError, match=r"torn\.pth\.tar"):
        read_checkpoint(path)


def test_unsafe_content_needs_explicit_trust(tmp_path: Path) -> None:
    path = tmp_path / "odd.pth.tar"
    torch.save({"state_dict": build_model(tiny()).state_dict(), "note": fractions.Fraction(1, 3)}, path)
    with pytest.raises(CheckpointError, match="trust=True"):
        read_checkpoint(path)
    assert read_checkpoint(path, trust=True)["note"] == fractions.Fraction(1, 3)


def test_newer_format_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.pth.tar"
    torch.save({"state_dict": {}, "format_version": FORMAT_VERSION + 1}, path)
    with pytest.raises(CheckpointError, match="format_version"):
        read_checkpoint(path)


def test_failed_write_leaves_nothing_behind(tmp_path: Path) -> None:
    model = build_model(tiny())
    target = tmp_path / "ckpt.pth.tar"
    with pytest.raises(Exception):  # noqa: B017 - whatever pickle raises for a lambda
        save_checkpoint(target, state_dict=model.state_dict(), config=model.config, extra={"bad": lambda: 0})
    assert list(tmp_path.iterdir()) == []


def test_save_validates_its_arguments(tmp_path: Path) -> None:
    model = build_model(tiny())
    with pytest.raises(ValueError, match="epoch"):
        save_checkpoint(tmp_path / "a", state_dict=model.state_dict(), config=model.config,
                        extra={"epoch": 1})
    with pytest.raises(ValueError, match="jt_config"):
        save_checkpoint(tmp_path / "b", state_dict=model.state_dict(), config=model.config,
                        jt_state_dict=model.state_dict())


def test_stored_config_with_unknown_field_is_a_checkpoint_error(tmp_path: Path) -> None:
    model = build_model(tiny())
    path = tmp_path / "ckpt.pth.tar"
    config = {**dataclasses.asdict(model.config), "n_head": 8}
    torch.save({"state_dict": model.state_dict(), "config": config}, path)
    with pytest.raises(CheckpointError, match="n_head"):
        load_model(path)


@pytest.mark.parametrize(("field", "value"), [
    ("pose_templates_2d", [[[0.0, 0.1]] * 16]), ("pose_templates_2d", "templates"),
    ("extent_p05", float("nan")), ("source", 3)])
def test_malformed_optional_input_stats_are_refused_naming_the_field(tmp_path: Path, field: str,
                                                                     value: object) -> None:
    model = build_model(tiny())
    stats = {"extent_median": 0.8, "root_median": [0.0, 0.1], "mean_pose_2d": [[0.0, 0.1]] * 17,
             field: value}
    path = save_checkpoint(tmp_path / "stage1.pth.tar", state_dict=model.state_dict(), config=model.config,
                           extra={"input_stats": stats})
    with pytest.raises(CheckpointError, match=rf"stage1\.pth\.tar: field 'input_stats\.{field}'"):
        read_input_stats(path)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__]))

