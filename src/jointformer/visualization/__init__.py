"""Pictures of poses: figures (PNG), training curves, animations (GIF) and a self-contained HTML 3D viewer.

Shapes: ``N`` poses (or frames of a sequence), 17 joints in the Human3.6M order of
:data:`jointformer.data.skeleton.SKELETON17`; a single pose may be given without the ``N`` axis.

- ``poses_3d``: (N, 17, 3) metres, camera frame (x right, y down, z forward / depth), root-relative.
- ``inputs_2d``: (N, 17, 2) pixels or normalised screen coordinates; both have y pointing down.
- ``errors_mm``: (N, 17) predicted per-joint error in millimetres, or None.

Display frame ("upright"): camera-frame points are shown as (x, z, -y), i.e. right, depth, up, so the person
stands up and the default 3D view looks roughly along the camera's line of sight. Non-finite joints (NaN,
inf) are left out of every drawing, with the bones that touch them.

Left limbs are drawn in :data:`LEFT_RGB`, right limbs in :data:`RIGHT_RGB`, the spine and head in
:data:`CENTRE_RGB` ("left" is the subject's own left). Predicted errors colour and size the joints on the
``viridis`` scale from 0 to the largest error shown.

Matplotlib is imported inside the functions and drives its Agg canvas directly (no pyplot, no display, the
caller's backend untouched). Every file is written atomically: a temporary file in the target directory,
then ``os.replace`` (:mod:`jointformer.atomic_files`).

Modules: :mod:`~jointformer.visualization.figures` (``plot_poses``),
:mod:`~jointformer.visualization.curves` (``plot_training_curves``),
:mod:`~jointformer.visualization.animation` (``write_gif``),
:mod:`~jointformer.visualization.viewer` (``write_html`` and its page template ``viewer.html``);
shared by them: :mod:`~jointformer.visualization.common` (input checks, display frame, colours) and
:mod:`~jointformer.visualization.panels` (matplotlib drawing and saving).
"""

from jointformer.visualization.animation import write_gif
from jointformer.visualization.common import (
    CENTRE_RGB,
    ERROR_COLORMAP,
    GROUND_TRUTH_RGB,
    LEFT_RGB,
    NUM_JOINTS,
    RIGHT_RGB,
    camera_to_upright,
)
from jointformer.visualization.curves import plot_training_curves
from jointformer.visualization.figures import plot_poses
from jointformer.visualization.viewer import write_html

__all__ = [
    "CENTRE_RGB",
    "ERROR_COLORMAP",
    "GROUND_TRUTH_RGB",
    "LEFT_RGB",
    "NUM_JOINTS",
    "RIGHT_RGB",
    "camera_to_upright",
    "plot_poses",
    "plot_training_curves",
    "write_gif",
    "write_html",
]
