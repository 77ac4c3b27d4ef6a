"""Stopping at a precision: ``simcrm run --precision 0.005`` or ``--precision npv.p80=20000``.

A run with a precision computes chunks until every target holds, up to its trials (the
cap). The decision is made as chunks join the *prefix* of the run — the chunks done
without a gap, in block order — and is checked after each one joins, so it depends on
the trials alone, not on which chunk finished first: the data of a run that stopped
equal those of a fixed run of the same size, on any executor.

Targets:

- a bare number: the 95% half-width every reported probability must reach (failure by
  each criterion, the events, the disagreement of each pair of criteria);
- ``<name>=<half-width>``: one statistic — ``<column>.p<NN>`` a percentile of an output
  (``npv.p80``, ``actual_cost.p90``), or a probability, ``criteria.<name>``,
  ``events.<name>`` or ``disagreement.<a>|<b>``.

A probability's half-width is its interval's (Wilson's, or the replicates' with a sampling
design: :mod:`simcrm.stats.replicates`). A percentile's is half the width of the
distribution-free interval between the percentiles at ``p ± z √(p(1 − p)/n)``, whose
coverage assumes independent trials (with a design it is conservative wherever the
design reduces the variance of the percentile, as a Latin hypercube does).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from simcrm.errors import InputError
from simcrm.stats.summary import DISTRIBUTION_COLUMNS, SummaryBuilder

_PERCENTILE = re.compile(r"^(?P<column>[a-z_0-9]+)\.p(?P<level>[0-9]{1,2}(\.[0-9]+)?)$")
_PROBABILITY = re.compile(r"^(criteria|events|disagreement)\..+$")
Z95 = 1.959963984540054
"""The standard normal 97.5th percentile."""


@dataclass(frozen=True)
class Precision:
    """What a run must know before it stops.

    Attributes
    ----------
    probabilities
        Half-width every reported probability must reach (None: no such target).
    statistics
        ``(name, half-width)`` of each named statistic.
    """

    probabilities: float | None = None
    statistics: tuple[tuple[str, float], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The targets as JSON (for the run's identity)."""
        return {"probabilities": self.probabilities, "statistics": dict(self.statistics)}

    def words(self) -> list[str]:
        """The command-line arguments that give these targets."""
        found = [] if self.probabilities is None else ["--precision", repr(self.probabilities)]
        for name, width in self.statistics:
            found += ["--precision", f"{name}={width!r}"]
        return found


def parse_precision(texts: Sequence[str]) -> Precision:
    """The targets of ``--precision`` arguments (one clear :class:`InputError` if bad)."""
    probabilities: float | None = None
    statistics: dict[str, float] = {}
    for text in texts:
        name, _, width_text = text.rpartition("=")
        width = _half_width(width_text, text)
        if not name:
            if width >= 0.5:
                raise InputError("--precision", text, "a probability's half-width is below 0.5")
            probabilities = width
            continue
        name = name.strip()
        match = _PERCENTILE.match(name)
        if match is not None:
            level = float(match["level"])
            if match["column"] not in DISTRIBUTION_COLUMNS or not 0 < level < 100:
                raise InputError(
                    "--precision",
                    text[:60],
                    "name a percentile of " + ", ".join(DISTRIBUTION_COLUMNS) + " (npv.p80)",
                )
        elif _PROBABILITY.match(name) is None:
            raise InputError(
                "--precision",
                text[:60],
                "give a half-width (0.005), or NAME=HALF-WIDTH with NAME a percentile "
                "(npv.p80) or criteria.<name>, events.<name>, disagreement.<a>|<b>",
            )
        statistics[name] = width
    return Precision(probabilities, tuple(statistics.items()))


def _half_width(text: str, whole: str) -> float:
    try:
        width = float(text)
    except ValueError:
        raise InputError("--precision", whole[:60], "the half-width is not a number") from None
    if not (math.isfinite(width) and width > 0):
        raise InputError("--precision", whole[:60], "give a finite half-width above 0")
    return width


def half_widths(builder: SummaryBuilder, precision: Precision) -> dict[str, tuple[float, float]]:
    """Each target's current 95% half-width and its target, by statistic name.

    Raises
    ------
    InputError
        A named probability that the run does not report.
    """
    shares = builder.proportions()
    found: dict[str, tuple[float, float]] = {}
    if precision.probabilities is not None:
        for name, share in shares.items():
            found[name] = (_proportion_half_width(share.ci95), precision.probabilities)
    for name, target in precision.statistics:
        match = _PERCENTILE.match(name)
        if match is None:
            if name not in shares:
                known = ", ".join(sorted(shares)[:12])
                raise InputError(
                    "--precision", name[:60], f"not a probability of this run ({known})"
                )
            found[name] = (_proportion_half_width(shares[name].ci95), target)
        else:
            found[name] = (
                _percentile_half_width(builder, match["column"], float(match["level"]) / 100),
                target,
            )
    return found


def reached(widths: dict[str, tuple[float, float]]) -> bool:
    """Whether every half-width is at most its target."""
    return all(width <= target for width, target in widths.values())


def _proportion_half_width(ci95: tuple[float, float]) -> float:
    low, high = ci95
    width = (high - low) / 2
    return width if math.isfinite(width) else math.inf


def _percentile_half_width(builder: SummaryBuilder, column: str, p: float) -> float:
    """Half the width of the distribution-free interval of the ``p`` percentile."""
    state = builder.columns[column]
    n = state.defined
    if n < 2:
        return math.inf
    step = Z95 * math.sqrt(p * (1 - p) / n)
    low, high = max(p - step, 0.0), min(p + step, 1.0)
    exact = np.concatenate(state.kept) if state.kept else None
    if exact is None and state.sketch is None:
        return math.inf
    q_low, q_high = state.quantiles((low, high), exact)
    width = (q_high - q_low) / 2
    return width if math.isfinite(width) else math.inf
