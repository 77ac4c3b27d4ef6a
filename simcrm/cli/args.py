"""Argument types shared by the subcommands (argparse reports their errors with exit 2).

Every number on the command line is parsed here and range-checked, so a bad one gets one
line naming the option, a short excerpt of the value and what is allowed: ``nan``,
``inf``, ``1e400`` (infinite as a float), a 5,000-digit integer, ``-0`` for a count, a
fraction for a whole number.
"""

from __future__ import annotations

import argparse
import math
import os
import re
from collections.abc import Callable
from pathlib import Path

from simcrm.errors import InputError, shown
from simcrm.scenario.shipped import resolve_portfolio, resolve_scenario, resolve_targets

MAX_TRIALS = 10**10
"""Most trials (or projects, samples, evaluations) a count may ask for: the engine's
limit (``simcrm.scenario.sections.MAX_TRIALS``)."""

MAX_CHUNK_TRIALS = 256 * 16_384
"""Largest ``--chunk-size``: ``simcrm.engine.blocks.MAX_CHUNK_TRIALS`` (256 blocks)."""

MAX_SEED = 2**63 - 1

MAX_TOLERANCE = 1e10
"""Largest tolerance in projects (more than any survey holds)."""

_LONGEST = 64
"""Longest number text read (longer: refused before any conversion)."""


def _refuse(text: str, allowed: str) -> argparse.ArgumentTypeError:
    return argparse.ArgumentTypeError(f"got {shown(text)}; {allowed}")


def _finite(text: str, allowed: str) -> float:
    """A finite number (underscores allowed), else the one-line refusal ``allowed``."""
    clean = text.strip().replace("_", "")
    if not clean or len(clean) > _LONGEST or not clean.isascii():  # not ١٢ (Python takes it)
        raise _refuse(text, allowed)
    try:
        value = float(clean)
    except ValueError:
        raise _refuse(text, allowed) from None
    if not math.isfinite(value):
        raise _refuse(text, f"not a finite number; {allowed}")
    return value + 0.0  # -0.0 → 0.0


def _whole(text: str, low: int, high: int) -> int:
    """A whole number from ``low`` to ``high``: digits, or exponent notation (``1e6``)."""
    allowed = f"give a whole number from {low:,} to {high:,}"
    clean = text.strip().replace("_", "")
    if re.fullmatch(r"[+-]?[0-9]{1,40}", clean):
        value = int(clean)
    else:
        number = _finite(text, allowed)
        if number != int(number):
            raise _refuse(text, f"not a whole number; {allowed}")
        value = int(number)
    if not low <= value <= high:
        raise _refuse(text, allowed)
    return value


def whole_number(low: int, high: int, name: str) -> Callable[[str], int]:
    """A parser of whole numbers from ``low`` to ``high`` (``name`` for argparse)."""

    def parse(text: str) -> int:
        return _whole(text, low, high)

    parse.__name__ = name
    parse.__doc__ = f"A whole number from {low:,} to {high:,}."
    return parse


def positive_int(text: str) -> int:
    """A whole number from 1 to 1e10 (a count of trials, projects, samples…);
    underscores and exponent notation (``1e6``) allowed."""
    return _whole(text, 1, MAX_TRIALS)


def chunk_size(text: str) -> int:
    """Trials per chunk: a whole number from 1 to :data:`MAX_CHUNK_TRIALS`."""
    return _whole(text, 1, MAX_CHUNK_TRIALS)


def max_workers() -> int:
    """Most local worker processes: the machine's cores (at least 2, so a run that
    checks its reproducibility on two workers runs anywhere)."""
    return max(os.cpu_count() or 1, 2)


def workers(text: str) -> int:
    """Local worker processes: a whole number from 1 to the machine's cores."""
    most = max_workers()
    try:
        return _whole(text, 1, most)
    except argparse.ArgumentTypeError:
        raise _refuse(
            text, f"give a whole number of processes from 1 to {most} (this machine's cores)"
        ) from None


def seed(text: str) -> int:
    """A seed: a whole number from 0 to 2**63 − 1."""
    try:
        return _whole(text, 0, MAX_SEED)
    except argparse.ArgumentTypeError:
        raise _refuse(text, "give a whole number from 0 to 2**63 - 1") from None


def probability(text: str) -> float:
    """A number in [0, 1]."""
    value = _finite(text, "give a number from 0 to 1")
    if not 0.0 <= value <= 1.0:
        raise _refuse(text, "give a number from 0 to 1")
    return value


def open_probability(text: str) -> float:
    """A number strictly between 0 and 1 (a risk level such as ``--alpha``)."""
    allowed = "give a number strictly between 0 and 1"
    value = _finite(text, allowed)
    if not 0.0 < value < 1.0:
        raise _refuse(text, allowed)
    return value


def finite_number(text: str) -> float:
    """Any finite number (the command checks its range, naming its own field: a
    portfolio's ``--budget`` is ``budget.total``)."""
    return _finite(text, "give a finite number")


def tolerance(text: str) -> float:
    """A number of projects ≥ 0 (fractions allowed), at most :data:`MAX_TOLERANCE`."""
    allowed = f"give a number of projects from 0 to {MAX_TOLERANCE:.0e}"
    value = _finite(text, allowed)
    if not 0.0 <= value <= MAX_TOLERANCE:
        raise _refuse(text, allowed)
    return value


def percentile_pair(text: str) -> list[float]:
    """``LOW,HIGH``: two percentiles strictly between 0 and 100, LOW < HIGH."""
    allowed = "give two percentiles strictly between 0 and 100, low before high, e.g. 10,90"
    if len(text) > 2 * _LONGEST:
        raise _refuse(text, allowed)
    parts = [t.strip() for t in text.split(",") if t.strip()]
    if len(parts) != 2:
        raise _refuse(text, allowed)
    low, high = (_finite(t, allowed) for t in parts)
    if not 0.0 < low < high < 100.0:
        raise _refuse(text, allowed)
    return [low, high]


def scenario_path(text: str) -> Path:
    """A scenario file, or the bare name of a shipped scenario (``baseline``).

    An unknown bare name is refused here, naming the shipped scenarios; a missing file
    given as a path (``dir/x.toml``) is left to the command, which says "no such file"."""
    return _resolved(text, resolve_scenario)


def portfolio_path(text: str) -> Path:
    """A portfolio file, or the bare name of a shipped one (``portfolio_example``)."""
    return _resolved(text, resolve_portfolio)


def targets_path(text: str) -> Path:
    """A targets file, or the bare name of a shipped one (``it_reference_class``)."""
    return _resolved(text, resolve_targets)


def _resolved(text: str, resolve: Callable[[str], Path]) -> Path:
    try:
        return resolve(text)
    except InputError as err:
        if os.sep in text or "/" in text:
            return Path(text)
        raise _refuse(text, err.allowed) from None


def column_list(text: str) -> tuple[str, ...]:
    """Comma-separated output names (``actual_cost,npv``), each named once."""
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    if not names or len(text) > 10_000:
        raise argparse.ArgumentTypeError(f"{text[:60]!r}: give output names, e.g. actual_cost,npv")
    if len(set(names)) != len(names):
        raise argparse.ArgumentTypeError(f"{text[:60]!r}: an output is named twice")
    return names
