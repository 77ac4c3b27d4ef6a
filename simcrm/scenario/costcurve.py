"""The per-user cost benchmark curve (docs/model.md §1, *contract*).

Cost per user is a power law in the number of users through benchmark points: piecewise
linear in log-log space between points, the end segments extended beyond them
(:func:`cost_per_user`; a scenario's own ``plan.cost_curve`` is used this way). The
default points are the industry benchmark table of the source article (attributed there
to Deloitte's CRM practice; cost per user in CNY): :data:`BENCHMARK_POINTS`.

The table covers each complexity class over its own range of users (high 1,000–5,000,
medium 500–5,000, low 100–5,000). Extending each class's end segments on its own makes
the classes cross (a "high" project would be cheaper per user than a "medium" one below
469 users, and a "medium" one cheaper than a "low" one above about 190,000), against the
source's point that complexity drives cost. So, since 0.3.0 (a deliberate change), the
benchmark curve of a class (:func:`benchmark_curve`) is:

- **inside its own range**, the table's power law, unchanged (every table point exact);
- **outside it**, the next simpler class's curve times the premium the class has over it
  at the nearest end of its range: below 1,000 users ``high = medium × 600 / 527.05``
  (its premium at 1,000 users, 1.14), above 5,000 users ``high = medium × 1.5``; below
  500 users ``medium = low × 3.09``, above 5,000 ``medium = low × 2``;
- the **low** class, which the table covers most widely, extends its own end segments
  (log-log slope −0.41 on both sides).

The result is continuous, reproduces the six table points, and orders the classes at
every number of users, high > medium > low (each premium is above 1). The extrapolation is
bounded: outside its range a class has the log-log slope of the class below it (in the
end the low class's −0.41, between −1 and 0, so the total cost still rises with users),
and stays within a fixed factor of the low class (from 2 to 3.6). The curves are given as
points (:data:`BENCHMARK_CURVES`) from 1 to 10 million users, the limits of
``plan.users``, so :func:`cost_per_user` computes them like any scenario's own points.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

import numpy as np
import numpy.typing as npt


class Complexity(StrEnum):
    """Complexity class of a CRM project (the main driver of cost per user)."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


Points = tuple[tuple[float, float], ...]

BENCHMARK_POINTS: dict[Complexity, Points] = {
    # high: sales + marketing + service processes, heavy customisation
    Complexity.HIGH: ((1_000.0, 600.0), (5_000.0, 300.0)),
    Complexity.MEDIUM: ((500.0, 800.0), (5_000.0, 200.0)),
    # low: sales + marketing only, little customisation
    Complexity.LOW: ((100.0, 500.0), (5_000.0, 100.0)),
}
"""``(users, cost per user)`` benchmark points by complexity (source article)."""

USER_LIMITS = (1.0, 10_000_000.0)
"""The smallest and largest ``plan.users``: the benchmark curves are given between them."""

SIMPLER: dict[Complexity, Complexity] = {
    Complexity.MEDIUM: Complexity.LOW,
    Complexity.HIGH: Complexity.MEDIUM,
}
"""The next simpler class, whose curve a class follows outside its own range."""


def cost_per_user(
    users: npt.ArrayLike, points: Sequence[tuple[float, float]]
) -> npt.NDArray[np.float64]:
    """Cost per user from benchmark points, interpolated and extrapolated in log-log space.

    Parameters
    ----------
    users
        Number of users (> 0), scalar or array.
    points
        At least two ``(users, cost per user)`` pairs with distinct user counts.

    Returns
    -------
    numpy.ndarray
        Cost per user, in the currency of the points.
    """
    table = np.array(sorted(points), dtype=np.float64)
    log_n = np.log(table[:, 0])
    log_c = np.log(table[:, 1])
    x = np.log(np.asarray(users, dtype=np.float64))
    # segment index: 0 .. len-2, end segments extended beyond the table
    seg = np.clip(np.searchsorted(log_n, x, side="right") - 1, 0, len(log_n) - 2)
    slope = (log_c[seg + 1] - log_c[seg]) / (log_n[seg + 1] - log_n[seg])
    return np.exp(log_c[seg] + slope * (x - log_n[seg]))


def benchmark_range(complexity: Complexity) -> tuple[float, float]:
    """The fewest and most users the benchmark table covers for ``complexity``."""
    users = [n for n, _ in BENCHMARK_POINTS[complexity]]
    return (min(users), max(users))


def _extended(complexity: Complexity, curves: dict[Complexity, Points]) -> Points:
    """The benchmark curve of ``complexity`` as points, given the simpler classes' curves."""
    own = BENCHMARK_POINTS[complexity]
    simpler = SIMPLER.get(complexity)
    if simpler is None:  # the lowest class: its own end segments, out to the limits
        users = sorted({*USER_LIMITS, *(n for n, _ in own)})
        return tuple((n, float(cost_per_user(n, own))) for n in users)
    below = curves[simpler]
    low, high = benchmark_range(complexity)
    premium = {
        end: float(cost_per_user(end, own) / cost_per_user(end, below)) for end in (low, high)
    }
    table = dict(own)
    points = []
    for n in sorted({*(m for m, _ in below), *table}):
        if n in table:
            points.append((n, table[n]))
        elif low < n < high:
            points.append((n, float(cost_per_user(n, own))))
        else:
            points.append((n, float(cost_per_user(n, below)) * premium[low if n < low else high]))
    return tuple(points)


def _benchmark_curves() -> dict[Complexity, Points]:
    curves: dict[Complexity, Points] = {}
    for complexity in (Complexity.LOW, Complexity.MEDIUM, Complexity.HIGH):  # simplest first
        curves[complexity] = _extended(complexity, curves)
    return curves


BENCHMARK_CURVES: dict[Complexity, Points] = _benchmark_curves()
"""The benchmark curve of each class as ``(users, cost per user)`` points from 1 to 10
million users (the table's points, and where the curve bends outside them)."""


def benchmark_curve(complexity: Complexity) -> Points:
    """Points of the benchmark curve of ``complexity``, for :func:`cost_per_user`."""
    return BENCHMARK_CURVES[Complexity(complexity)]


def outside_benchmark(low: float, high: float, complexity: Complexity) -> str | None:
    """A one-line warning if users from ``low`` to ``high`` leave the benchmark's range.

    Returns
    -------
    str or None
        What is extrapolated, or None when the users are all within the range the
        benchmark table covers for ``complexity``.
    """
    first, last = benchmark_range(complexity)
    if first <= low and high <= last:
        return None
    users = f"{_count(low)} users" if low == high else f"{_count(low)} to {_count(high)} users"
    return (
        f"{users} is outside the {_count(first)} to {_count(last)} users the {complexity.value} "
        "complexity benchmark covers: the cost per user there is extrapolated (docs/model.md §1)"
    )


def _count(x: float) -> str:
    """``1,000`` for whole numbers, else ``%g``."""
    return f"{int(x):,}" if float(x).is_integer() else f"{x:g}"


def planned_budget(
    users: npt.ArrayLike,
    points: Sequence[tuple[float, float]],
    price_level: npt.ArrayLike = 1.0,
) -> npt.NDArray[np.float64]:
    """Planned implementation budget ``B = users × cost_per_user(users) × price_level``."""
    n = np.asarray(users, dtype=np.float64)
    return n * cost_per_user(n, points) * np.asarray(price_level, dtype=np.float64)
