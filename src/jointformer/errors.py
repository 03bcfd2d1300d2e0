"""The package's error types. All derive from ValueError, so callers may catch either."""


class JointformerError(ValueError):
    """Base class: a problem with what the user gave us (a file, a flag, an array), explained in words."""


class DataError(JointformerError):
    """A data file or data directory is missing or malformed; the message names the file and the field."""


class CheckpointError(JointformerError):
    """A checkpoint cannot be read or does not match the model it describes."""


class InputError(JointformerError):
    """Keypoints given for lifting are malformed; the message names the file or argument and the field."""


class MissingExtraError(JointformerError):
    """An optional dependency is not installed; the message names the extra that provides it."""


class OutputError(JointformerError):
    """An output file cannot be written where asked (unwritable, a directory, an input of the same run...);
    the message names the path the user gave."""
