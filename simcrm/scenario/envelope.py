"""The numeric envelope of a scenario: the limits that keep the model's arithmetic finite.

Every number a scenario gives is bounded so that no valid scenario can overflow, divide
by zero or exhaust memory in the model. The limits are far beyond any real project:

- money: at most :data:`MAX_MONEY` (1e15, a thousand trillion in any currency). The model
  sums money over at most 600 months, 64 items and 10 million users, and multiplies it
  by factors of at most ~1e80 (the extreme draw of the widest factor), so every total
  stays below ~1e110, far from the float64 limit (1.8e308);
- durations: at most :data:`MAX_MONTHS` (12,000 months: a thousand years);
- multiplicative factors given by ``{ p50, p90 }``: within [1e-6, 1e6];
- rates of change requests: at most :data:`MAX_REQUEST_RATE` per month.

A distribution is checked over its *effective range*: its support, with an infinite end
replaced by its quantile at ``1e-15`` from that end (no run of at most 1e10 trials
draws beyond it: a normal draw beyond 7.9 standard deviations has probability 1e-15).
"""

from __future__ import annotations

import math
from typing import Protocol

import numpy as np

MAX_MONEY = 1e15
"""Largest amount of money (a budget, a cost, a price per month): 1e15 in any currency."""

MIN_BUDGET = 1e-6
"""Smallest planned budget (a millionth of a unit of currency): costs are divided by it,
so a budget that underflows towards 0 (a price level of 5e-324) is refused."""

MAX_MONTHS = 12_000.0
"""Longest duration (a thousand years): planned months, the execution cap, a delay."""

MIN_CAP_MONTHS = 0.01
"""Shortest execution cap (a quarter of a day): costs are spread over its months."""

MIN_FACTOR = 1e-6
MAX_FACTOR = 1e6
"""Bounds of a factor's ``p50`` and ``p90``, of a factor's effective range and of a cost
given as a fraction of the budget: a millionth to a million times the estimate."""

MAX_FACTOR_DRAW = 1e80
"""Largest value a factor given as a distribution may draw (its effective range): with
money ≤ 1e15 and the tail multiplier ≤ 1e19, a cost stays below 1e115."""

MAX_REQUEST_RATE = 1e4
"""Most change requests per month (from discovery, or from each department)."""

MAX_RATE = 1e3
"""Largest per-month rate of adoption (imitation) and of its training and collaboration
effects: above 1 a month is already instantaneous."""

MIN_SHARE = 1e-6
"""Smallest budget share of a component: a planned cost is divided by the shares kept."""

TAIL = 1e-15
"""Probability beyond each end of a distribution's effective range."""


class _Law(Protocol):
    def support(self) -> tuple[float, float]: ...

    def ppf(self, u: float) -> object: ...


def effective_range(dist: _Law) -> tuple[float, float]:
    """The values a distribution can draw in practice: its support, an infinite end
    replaced by the quantile at :data:`TAIL` from it (which may itself be infinite, or
    NaN if the quantile cannot be computed: both fail every bound)."""
    low, high = dist.support()
    if math.isinf(low):
        low = _quantile(dist, TAIL)
    if math.isinf(high):
        high = _quantile(dist, 1.0 - TAIL)
    return low, high


def _quantile(dist: _Law, u: float) -> float:
    with np.errstate(all="ignore"):
        try:
            return float(np.asarray(dist.ppf(u), dtype=np.float64))
        except (ValueError, ArithmeticError, OverflowError):
            return math.nan


def within(bounds: tuple[float, float], low: float, high: float) -> bool:
    """Whether ``bounds`` (an effective range) lies in ``[low, high]`` (NaN never does)."""
    lo, hi = bounds
    return low <= lo <= hi <= high
