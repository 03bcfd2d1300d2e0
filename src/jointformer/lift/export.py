"""ONNX export of a lifter: the model with its input normalisation and flip test, dynamic batch size.

The exported graph is :class:`jointformer.lift.lifter.LiftingModel` with the per-pose extent computed inside:

- input ``keypoints``: (B, 17, 2) float32 pixels, Human3.6M joint order, no missing joints (convert other
  layouts and fill missing joints first, as :class:`jointformer.lift.lifter.Lifter` does);
- outputs ``pose_3d``: (B, 17, 3) float32 metres, camera frame, root-relative; ``error_mm``: (B, 17)
  float32 predicted per-joint error in millimetres (zeros for a model without an error head).

It needs the optional ``onnx``/``onnxscript`` packages (``pip install 'jointformer[export]'``).
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from jointformer.atomic_files import atomic_output
from jointformer.errors import JointformerError
from jointformer.lift.lifter import Lifter, LiftingModel

MIN_OPSET = 17


def export_onnx(lifter: Lifter, path: str | Path, opset: int = 18, flip_test: bool = True) -> Path:
    """Write ``lifter``'s model with its normalisation to ``path`` (atomically). Returns the path."""
    module = lifter.lifting_model(flip_test=flip_test).cpu().eval()
    return _export(module, torch.rand(4, 17, 2) * 300 + 300, "keypoints", path, opset)


class NormalisedLifting(nn.Module):
    """``LiftingModel.lift_normalised`` as a module: (B, 17, 2) normalised inputs -> pose (B, 17, 3) m,
    error (B, 17) mm. What :class:`~jointformer.lift.lifter.Lifter` runs in ONNX Runtime for small batches."""

    def __init__(self, lifting: LiftingModel) -> None:
        super().__init__()
        self.lifting = lifting

    def forward(self, inputs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.lifting.lift_normalised(inputs)


def export_normalised_onnx(lifting: LiftingModel, path: str | Path, opset: int = 18) -> Path:
    """Write ``lifting``'s model and flip test, without the normalisation (input ``inputs``: (B, 17, 2)
    normalised), to ``path``. Returns the path."""
    return _export(NormalisedLifting(lifting).cpu().eval(), torch.rand(4, 17, 2) - 0.5, "inputs", path, opset)


def _export(module: nn.Module, example: torch.Tensor, input_name: str, path: str | Path, opset: int) -> Path:
    """ONNX export of ``module`` (one (B, 17, 2) input, dynamic B; outputs pose_3d, error_mm), atomically."""
    if opset < MIN_OPSET:
        raise JointformerError(f"--opset {opset}: the export needs opset {MIN_OPSET} or newer")
    try:
        import onnx  # noqa: F401  (checked here to give an actionable message)
        import onnxscript  # noqa: F401
    except ImportError as error:
        raise JointformerError(f"ONNX export needs the onnx and onnxscript packages ({error}); install them "
                               f"with pip install 'jointformer[export]'") from error
    batch = torch.export.Dim("batch", min=1)
    program = torch.onnx.export(module, (example,), dynamic_shapes=({0: batch},), opset_version=opset,
                                input_names=[input_name], output_names=["pose_3d", "error_mm"], dynamo=True,
                                verbose=False)
    with atomic_output(path, suffix=".onnx") as temporary:
        program.save(str(temporary))
        _check_written_opset(temporary, opset)
    return Path(path)


def _check_written_opset(path: Path, opset: int) -> None:
    """The exporter falls back to another opset when it cannot convert (with a logged traceback); a file
    of another opset than asked is an error, so the caller never gets one silently."""
    import onnx

    model = onnx.load(str(path), load_external_data=False)
    written = next((entry.version for entry in model.opset_import if entry.domain in ("", "ai.onnx")), None)
    if written != opset:
        raise JointformerError(f"--opset {opset}: torch's exporter could not produce it and wrote opset "
                               f"{written} instead; use --opset {written}")
