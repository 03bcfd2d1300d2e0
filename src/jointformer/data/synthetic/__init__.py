"""The embedded default data set (see :mod:`jointformer.data.synthetic.motions`)."""

from jointformer.data.synthetic.motions import (
    CONFIG_FILE,
    DEFAULT_DETECTOR_NAME,
    MIN_FRAMES_ALLOWED,
    SyntheticConfig,
    add_detector_noise,
    body_offsets,
    generate_positions_3d,
    metadata_2d,
    perform_action,
    project_positions_2d,
    same_data,
    stored_synthetic_config,
    subject_bone_lengths,
    subject_bone_offsets,
    subject_stature,
    write_synthetic_dataset,
)

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
