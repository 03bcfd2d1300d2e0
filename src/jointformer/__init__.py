"""JointFormer: single-frame 2D-to-3D human pose lifting with per-joint error prediction and refinement.

- :func:`load_model` — any checkpoint (ours or published, stage 1 or refinement) as a model in eval mode.
- :class:`Lifter` — lift 2D keypoints from any detector and camera to 3D with a per-joint predicted error.
"""

from jointformer.checkpoint import load_model
from jointformer.lift.lifter import Lifter, LiftResult

__version__ = "0.1.0"

__all__ = ["LiftResult", "Lifter", "__version__", "load_model"]
