"""Confidence intervals of proportions: the Wilson score interval, vectorised.

One implementation serves every proportion simcrm reports (failure probabilities,
events, disagreement, the threshold curves of ``simcrm definitions``). It follows the
formula and the arithmetic of :meth:`scipy.stats.binomtest(...).proportion_ci
<scipy.stats._result_classes.BinomTestResult.proportion_ci>` with ``method="wilson"``
(Newcombe 1998, method 3; Wilson 1927) — the same numbers to the last bit, which a test
checks — but takes arrays, so a curve of a thousand points costs one pass, not a
thousand scipy calls.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def normal_quantile(level: float) -> float:
    """``z`` of a two-sided interval at ``level`` (1.959964… at 0.95)."""
    from scipy.special import ndtri

    return float(ndtri(0.5 + 0.5 * level))


def wilson(
    successes: npt.ArrayLike, trials: npt.ArrayLike, level: float = 0.95
) -> tuple[FloatArray, FloatArray]:
    """Two-sided Wilson score interval of ``successes`` out of ``trials``.

    Parameters
    ----------
    successes, trials
        Counts (broadcast against each other); ``trials`` ≥ 1 where defined.
    level
        Confidence level in (0, 1).

    Returns
    -------
    tuple of arrays
        Lower and upper ends; 0 and 1 exactly at 0 and all successes; NaN where
        ``trials`` is 0.
    """
    k = np.asarray(successes, dtype=np.float64)
    n = np.asarray(trials, dtype=np.float64)
    z = normal_quantile(level)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        denom = 2 * (n + z**2)
        center = (2 * n * p + z**2) / denom
        delta = z / denom * np.sqrt(4 * n * p * (1 - p) + z**2)
        low = np.where(k == 0, 0.0, center - delta)
        high = np.where(k == n, 1.0, center + delta)
    undefined = n == 0
    return np.where(undefined, np.nan, low), np.where(undefined, np.nan, high)


def wilson_interval(successes: int, trials: int, level: float = 0.95) -> tuple[float, float]:
    """:func:`wilson` of one proportion, as two floats (NaN, NaN for no trials)."""
    low, high = wilson(successes, trials, level)
    return float(low), float(high)
