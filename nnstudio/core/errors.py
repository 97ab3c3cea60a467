"""One exception type per boundary; each message names the place and, when known, the fix."""


class NNStudioError(Exception):
    """Base of every error a user may see. Its message is meant for people."""


class SpecError(NNStudioError):
    """A network or setting that does not fit: names the node or field."""


class DataError(NNStudioError):
    """Data that cannot be used: names the file, line, column or field."""


class ProjectError(NNStudioError):
    """A project file that cannot be read or written: names the file and field."""


class TrainingError(NNStudioError):
    """A run that failed: names the epoch and batch and suggests a fix."""
