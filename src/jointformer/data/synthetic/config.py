"""What the embedded data set holds: :class:`SyntheticConfig`, the settings every generator takes."""

from __future__ import annotations

from dataclasses import dataclass

from jointformer.data.skeleton import ACTIONS, ALL_SUBJECTS

DEFAULT_DETECTOR_NAME = "cpn_ft_h36m_dbb"
MIN_FRAMES_ALLOWED = 20  # the motion programmes need a few key poses' worth of time


@dataclass(frozen=True)
class SyntheticConfig:
    """What to generate. The defaults make the embedded data set (about 50 k mocap frames).

    seed: the one seed of every random draw; each (subject, action, trial) draws from its own stream derived
      from it, so a subset of subjects or actions gives the same sequences as the full set.
    trials: sequences per subject and action ("Walking 1", "Walking 2", ...).
    detector_name: the ``<name>`` of ``data_2d_h36m_<name>.npz``, the detector-like 2D file.
    min_frames, max_frames: sequence lengths are drawn in this range (per action, then per trial).
    subjects, actions: which Human3.6M subjects and actions to generate.
    """

    seed: int = 0
    trials: int = 2
    detector_name: str = DEFAULT_DETECTOR_NAME
    min_frames: int = 200
    max_frames: int = 300
    subjects: tuple[str, ...] = ALL_SUBJECTS
    actions: tuple[str, ...] = ACTIONS

    def __post_init__(self) -> None:
        if not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"SyntheticConfig.seed must be a non-negative integer, got {self.seed!r}")
        if not isinstance(self.trials, int) or self.trials < 1:
            raise ValueError(f"SyntheticConfig.trials must be a positive integer, got {self.trials!r}")
        name = self.detector_name
        if not name or name == "gt" or any(char in name for char in "/\\ .") or not name.isprintable():
            raise ValueError(f"SyntheticConfig.detector_name must be a plain file-name part other than 'gt' "
                             f"(e.g. {DEFAULT_DETECTOR_NAME!r}), got {name!r}")
        if not MIN_FRAMES_ALLOWED <= self.min_frames <= self.max_frames:
            raise ValueError(f"SyntheticConfig needs {MIN_FRAMES_ALLOWED} <= min_frames <= max_frames, got "
                             f"min_frames={self.min_frames}, max_frames={self.max_frames}")
        for kind, chosen, known in (("subjects", self.subjects, ALL_SUBJECTS),
                                    ("actions", self.actions, ACTIONS)):
            unknown = [item for item in chosen if item not in known]
            if unknown or not chosen or len(set(chosen)) != len(chosen):
                raise ValueError(f"SyntheticConfig.{kind} must be distinct names from {', '.join(known)}; "
                                 f"got {list(chosen)!r}")
