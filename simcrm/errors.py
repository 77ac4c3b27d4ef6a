"""The one exception tree of simcrm.

Every error a user can cause derives from :class:`InputError` and is reported by the
command line as one line with exit code 2; anything else is an internal error (exit 1).
"""

from __future__ import annotations

MAX_VALUE_CHARS = 80
"""Longest excerpt of the offending value a message quotes."""
MAX_FIELD_CHARS = 240
"""Longest field (or file name) a message names; a longer one keeps its two ends."""
MAX_ALLOWED_CHARS = 600
"""Longest explanation of what is allowed."""


def excerpt(text: str, limit: int) -> str:
    """``text`` on one line and at most ``limit`` characters: a longer one keeps its
    start and its end around ``...`` (so a long path still shows its file name)."""
    line = " ".join(text.splitlines()) if ("\n" in text or "\r" in text) else text
    if len(line) <= limit:
        return line
    head = (limit - 3) * 2 // 3
    return line[:head] + "..." + line[len(line) - (limit - 3 - head) :]


def shown(value: object) -> str:
    """``repr(value)`` cut to :data:`MAX_VALUE_CHARS` (a 500 KB value stays a short excerpt;
    its ``repr`` is never built in full)."""
    if isinstance(value, str | bytes) and len(value) > MAX_VALUE_CHARS:
        value = value[: MAX_VALUE_CHARS * 2]
    elif isinstance(value, list | tuple | dict | set) and len(value) > MAX_VALUE_CHARS:
        return f"a {type(value).__name__} of {len(value):,} entries"
    text = repr(value)
    if len(text) > MAX_VALUE_CHARS:
        text = text[: MAX_VALUE_CHARS - 3] + "..."
    return text


class SimcrmError(Exception):
    """Root of every error raised by simcrm."""


class InputError(SimcrmError):
    """Bad input from the user: a scenario, a parameter, a file, a command-line value.

    Parameters
    ----------
    field
        Dotted path of the offending field (``"scope.p_approve"``), or a file name.
    value
        The value that was given (shown with ``repr``, a short excerpt of it).
    allowed
        What would have been accepted, in words.
    """

    def __init__(self, field: str, value: object, allowed: str) -> None:
        self.field = excerpt(str(field), MAX_FIELD_CHARS)
        self.value = value
        self.allowed = excerpt(str(allowed), MAX_ALLOWED_CHARS)
        super().__init__(f"{self.field}: got {shown(value)}; {self.allowed}")


class ScenarioError(InputError):
    """A scenario file that cannot be read or is not valid."""


class CriterionError(InputError):
    """A failure criterion whose expression is not allowed or does not parse."""


class ResultsError(InputError):
    """A results directory that cannot be written, read or reused."""
