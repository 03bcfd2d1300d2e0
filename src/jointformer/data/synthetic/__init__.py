"""The embedded default data set: a synthetic Human3.6M in the VideoPose3D three-file layout.

``write_synthetic_dataset(directory)`` writes ``data_3d_h36m.npz``, ``data_2d_h36m_gt.npz`` and a
detector-like ``data_2d_h36m_cpn_ft_h36m_dbb.npz`` that the Human3.6M reader takes exactly as it takes the
published files: the 7 mocap subjects, the 15 actions, two trials each, 50 fps, the published cameras.
The default configuration (seed 0) holds 7 subjects x 15 actions x 2 trials = 210 sequences of 200-300
frames: 53,266 mocap frames and 213,064 2D poses per 2D file (training S1 S5 S6 S7 S8: 152,868; test S9
S11: 60,196); writing it takes a few seconds.

The modules, each importing only those above it:

- ``config``: :class:`SyntheticConfig`, what to generate;
- ``body``: the subjects' bodies (32-joint bone offsets), pose parameters (``Motion``) and kinematics;
- ``motion_blocks``: smooth time signals and the movements programmes are made of;
- ``motions``: the 15 motion programmes, one per action, and :func:`perform_action`;
- ``capture``: placement in the room, projection through the published cameras, detector noise;
- ``files``: writing the files and recognising a directory written earlier.

Shapes: ``T`` frames, 32 mocap joints (``SKELETON32``), 17 kept joints (``KEPT_FROM_32``). World frame:
metres, z up, the floor is z = 0.
"""

from jointformer.data.synthetic.body import (
    body_offsets,
    subject_bone_lengths,
    subject_bone_offsets,
    subject_stature,
)
from jointformer.data.synthetic.capture import (
    add_detector_noise,
    generate_positions_3d,
    project_positions_2d,
)
from jointformer.data.synthetic.config import (
    DEFAULT_DETECTOR_NAME,
    MIN_FRAMES_ALLOWED,
    SyntheticConfig,
)
from jointformer.data.synthetic.files import (
    CONFIG_FILE,
    metadata_2d,
    same_data,
    stored_synthetic_config,
    write_synthetic_dataset,
)
from jointformer.data.synthetic.motions import perform_action

__all__ = [
    "CONFIG_FILE",
    "DEFAULT_DETECTOR_NAME",
    "MIN_FRAMES_ALLOWED",
    "SyntheticConfig",
    "add_detector_noise",
    "body_offsets",
    "generate_positions_3d",
    "metadata_2d",
    "perform_action",
    "project_positions_2d",
    "same_data",
    "stored_synthetic_config",
    "subject_bone_lengths",
    "subject_bone_offsets",
    "subject_stature",
    "write_synthetic_dataset",
]
