"""JointFormer: single-frame 2D-to-3D human pose lifting with per-joint error prediction and refinement."""

from jointformer.checkpoint import load_model

__version__ = "0.1.0"

__all__ = ["__version__", "load_model"]
