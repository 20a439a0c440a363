"""Failures the job reports: one line for the journal, never a secret."""


class JobError(Exception):
    """A failure with a message that says what failed and what to do."""


class Stopped(JobError):
    """systemd (or an operator) asked the job to stop."""


class PartialCopy(JobError):
    """The backup is good and kept, but an off-host copy failed."""
