"""Intervals computed by hand, for tests: independent of :mod:`simcrm.stats.intervals`."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

Z95 = 1.959963984540054
"""The 0.975 quantile of the standard normal, to the last digit (a literal, not computed by
simcrm or scipy)."""


def wilson_by_hand(k: int, n: int) -> tuple[float, float]:
    """The 95% Wilson (1927) interval of ``k`` successes in ``n`` trials:
    ``(p + z²/2n ± z √(p(1−p)/n + z²/4n²)) / (1 + z²/n)``, exactly 0 and 1 at ``k = 0`` and
    ``k = n``."""
    p, z = k / n, Z95
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (0.0 if k == 0 else centre - half, 1.0 if k == n else centre + half)


def mean_interval_by_hand(d: npt.ArrayLike) -> tuple[float, float, float]:
    """Mean of ``d`` and its 95% normal interval ``mean ± 1.959964 sd/√n`` (sd with n − 1)."""
    x = np.asarray(d, dtype=np.float64)
    mean = float(x.mean())
    half = Z95 * float(x.std(ddof=1)) / math.sqrt(x.size)
    return mean, mean - half, mean + half
