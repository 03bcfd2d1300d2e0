"""The display frame every picture uses."""

from __future__ import annotations

import numpy as np
from picture_helpers import UPRIGHT_STANDING, standing_sequence

from jointformer.visualization import camera_to_upright


def test_camera_to_upright_puts_the_head_above_the_feet() -> None:
    upright = camera_to_upright(standing_sequence(1, turn=0.0)[0])
    assert upright[10, 2] > upright[0, 2] > upright[3, 2]  # head, pelvis, right foot
    np.testing.assert_allclose(upright, UPRIGHT_STANDING, atol=1e-12)
