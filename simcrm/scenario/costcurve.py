"""The per-user cost benchmark curve (docs/model.md §1, *contract*).

Cost per user is a power law in the number of users through benchmark points: piecewise
linear in log-log space between points, the end segments extended beyond them. The
default points are the industry benchmark table of the source article (attributed there
to Deloitte's CRM practice; cost per user in CNY).
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


BENCHMARK_POINTS: dict[Complexity, tuple[tuple[float, float], ...]] = {
    # high: sales + marketing + service processes, heavy customisation
    Complexity.HIGH: ((1_000.0, 600.0), (5_000.0, 300.0)),
    Complexity.MEDIUM: ((500.0, 800.0), (5_000.0, 200.0)),
    # low: sales + marketing only, little customisation
    Complexity.LOW: ((100.0, 500.0), (5_000.0, 100.0)),
}
"""``(users, cost per user)`` benchmark points by complexity (source article)."""


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


def planned_budget(
    users: npt.ArrayLike,
    points: Sequence[tuple[float, float]],
    price_level: npt.ArrayLike = 1.0,
) -> npt.NDArray[np.float64]:
    """Planned implementation budget ``B = users × cost_per_user(users) × price_level``."""
    n = np.asarray(users, dtype=np.float64)
    return n * cost_per_user(n, points) * np.asarray(price_level, dtype=np.float64)
