"""The one exception tree of simcrm.

Every error a user can cause derives from :class:`InputError` and is reported by the
command line as one line with exit code 2; anything else is an internal error (exit 1).
"""

from __future__ import annotations


class SimcrmError(Exception):
    """Root of every error raised by simcrm."""


class InputError(SimcrmError):
    """Bad input from the user: a scenario, a parameter, a file, a command-line value.

    Parameters
    ----------
    field
        Dotted path of the offending field (``"scope.p_approve"``), or a file name.
    value
        The value that was given (shown with ``repr``).
    allowed
        What would have been accepted, in words.
    """

    def __init__(self, field: str, value: object, allowed: str) -> None:
        self.field = field
        self.value = value
        self.allowed = allowed
        shown = repr(value)
        if len(shown) > 80:
            shown = shown[:77] + "..."
        super().__init__(f"{field}: got {shown}; {allowed}")


class ScenarioError(InputError):
    """A scenario file that cannot be read or is not valid."""


class CriterionError(InputError):
    """A failure criterion whose expression is not allowed or does not parse."""


class ResultsError(InputError):
    """A results directory that cannot be written, read or reused."""
