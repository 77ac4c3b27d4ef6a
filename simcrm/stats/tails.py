"""Power-law tails: the exponent of a sample's tail, and when its mean cannot be trusted.

A tail is a power law with exponent ``alpha`` when its survival function falls as
``P(X > x) ∝ x^(−alpha)`` (a Pareto tail; the density falls as ``x^(−alpha−1)``). Below
``alpha = 2`` the variance is infinite: the sample mean obeys no central limit theorem,
converges slowly and jumps with the largest draws, so a summary should quote medians and
percentiles and say that the mean is unstable (:data:`MEAN_UNSTABLE_BELOW`). At or below
``alpha = 1`` the mean itself is infinite.

Two estimators:

- :func:`hill_exponent` — the maximum-likelihood (Hill) estimate above a fixed threshold
  ``x_min``, ``alpha = k / Σ ln(x_i / x_min)`` over the ``k`` values above it: the
  estimator of Clauset, Shalizi & Newman (2009) that Flyvbjerg, Budzier et al. (2022)
  used for IT project cost ratios (their density exponent is this ``alpha + 1``);
- :func:`quantile_tail_exponent` — from two high percentiles,
  ``alpha = ln(p_1 / p_2) / ln((Q(1 − p_2) − m) / (Q(1 − p_1) − m))`` with ``m`` the median
  (exact for a Pareto tail without the median; the median makes it independent of the
  column's origin, so it applies to any output). It needs only percentiles, which a run's
  summary keeps in bounded memory.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

MEAN_UNSTABLE_BELOW = 2.0
"""Tail exponent below which the variance is infinite and a sample mean is unstable."""

TAIL_LEVELS = (0.01, 0.001)
"""Tail probabilities ``p_1``, ``p_2`` of :func:`quantile_tail_exponent` (the 99th and
99.9th percentiles for the right tail, the 1st and 0.1th for the left)."""

MIN_BEYOND = 10
"""Fewest values beyond the outer percentile for an estimate (else NaN): 10,000 values
for the 99.9th percentile."""


def hill_exponent(values: npt.ArrayLike, x_min: float) -> tuple[float, int]:
    """Maximum-likelihood exponent of the power-law tail above ``x_min``.

    Parameters
    ----------
    values
        The sample (NaN values are left out).
    x_min
        The threshold (> 0): the values above it are taken as Pareto(``alpha``, ``x_min``).

    Returns
    -------
    tuple
        ``alpha = k / Σ ln(x_i / x_min)`` (NaN for fewer than 2 values above ``x_min``) and
        ``k``. Its standard error is ``alpha / sqrt(k)``; for an exact Pareto sample
        ``E[alpha] = alpha_true · k / (k − 1)``.
    """
    if not x_min > 0:
        raise ValueError(f"x_min must be positive, got {x_min!r}")
    x = np.asarray(values, dtype=np.float64)
    above = x[x > x_min]
    k = int(above.size)
    if k < 2:
        return float("nan"), k
    return float(k / np.sum(np.log(above / x_min))), k


def quantile_tail_exponent(
    median: float, inner: float, outer: float, levels: tuple[float, float] = TAIL_LEVELS
) -> float:
    """Exponent of a tail from two of its percentiles and the median.

    Parameters
    ----------
    median
        The sample's median ``m``.
    inner, outer
        The percentiles at tail probabilities ``levels`` (``Q(1 − p_1)``, ``Q(1 − p_2)``
        for the right tail; ``Q(p_1)``, ``Q(p_2)`` for the left).
    levels
        ``(p_1, p_2)``, ``p_1 > p_2``.

    Returns
    -------
    float
        ``ln(p_1 / p_2) / ln((outer − m) / (inner − m))``; NaN unless the tail spreads
        out (``|outer − m| > |inner − m| > 0`` on the same side).
    """
    near, far = inner - median, outer - median
    if not (near * far > 0 and abs(far) > abs(near)) or not math.isfinite(far):
        return float("nan")
    return math.log(levels[0] / levels[1]) / math.log(far / near)


def two_sided_exponent(values: npt.NDArray[np.float64]) -> float:
    """The smaller (heavier) of the two tails' :func:`quantile_tail_exponent` of a sample.

    NaN for fewer than ``MIN_BEYOND / TAIL_LEVELS[1]`` values, or if neither tail spreads.
    """
    x = values[~np.isnan(values)]
    p1, p2 = TAIL_LEVELS
    if x.size * p2 < MIN_BEYOND:
        return float("nan")
    q = np.quantile(x, [p2, p1, 0.5, 1 - p1, 1 - p2])
    return exponent_from_quantiles(*(float(v) for v in q))


def exponent_from_quantiles(
    low_outer: float, low_inner: float, median: float, high_inner: float, high_outer: float
) -> float:
    """The smaller of the left and right tails' exponents (NaN where neither is defined)."""
    both = (
        quantile_tail_exponent(median, high_inner, high_outer),
        quantile_tail_exponent(median, low_inner, low_outer),
    )
    finite = [a for a in both if math.isfinite(a)]
    return min(finite) if finite else float("nan")


def mean_is_unstable(exponent: float) -> bool:
    """The tail exponent says the variance is infinite (NaN: no evidence, ``False``)."""
    return math.isfinite(exponent) and exponent < MEAN_UNSTABLE_BELOW


def unstable_mean_note(column: str, exponent: float) -> str:
    """One sentence saying why a column's sample mean is not to be trusted."""
    return (
        f"the sample mean of {column} is unstable: its tail is a power law with estimated "
        f"exponent {exponent:.2f} < {MEAN_UNSTABLE_BELOW:g} (infinite variance); "
        "quote its median and percentiles"
    )
