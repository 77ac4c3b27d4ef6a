"""Solvers of the percentile parameterisation: each kind's own parameters from given
percentiles (see :mod:`simcrm.distributions.percentiles`), or :class:`NoFit` when no
distribution of the kind has them."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from simcrm.distributions.percentiles import NoFit

FloatArray = npt.NDArray[np.float64]
_XTOL = 1e-15
_RTOL = 8.9e-16  # the smallest rtol brentq accepts


def _special() -> Any:
    """``scipy.special``, imported on first use (a command that only validates needs it
    only for some distributions; it costs ~0.15 s to import)."""
    import scipy.special

    return scipy.special


def _anchor(u: FloatArray) -> int:
    """Index of the level nearest the median (the first of two as near, e.g. p25 of p25
    and p75: compared as whole percents, so no rounding decides)."""
    return int(np.argmin(np.abs(np.rint(100 * u) - 50)))


def normal_fit(u: FloatArray, x: FloatArray) -> tuple[float, float]:
    """``(mean, sd)`` of the normal with percentiles ``x`` at levels ``u`` (closed form)."""
    z = _special().ndtri(u)
    sd = (x[1] - x[0]) / (z[1] - z[0])
    i = _anchor(u)  # exact when it is p50
    return float(x[i] - sd * z[i]), float(sd)


def lognormal_fit(u: FloatArray, x: FloatArray) -> tuple[float, float]:
    """``(mu, sigma)`` of the log of a log-normal with percentiles ``x`` (closed form)."""
    dz = _special().ndtri(u[1]) - _special().ndtri(u[0])
    sigma = float((math.log(x[1]) - math.log(x[0])) / dz)
    i = _anchor(u)
    return float(math.log(x[i]) - sigma * _special().ndtri(u[i])), sigma


def uniform_fit(u: FloatArray, x: FloatArray) -> tuple[float, float]:
    """``(low, high)`` of the uniform with percentiles ``x`` at levels ``u`` (closed form)."""
    width = (x[1] - x[0]) / (u[1] - u[0])
    return float(x[0] - u[0] * width), float(x[1] + (1 - u[1]) * width)


def _brentq(f: Callable[[float], float], lo: float, hi: float) -> float:
    from scipy import optimize

    return float(optimize.brentq(f, lo, hi, xtol=_XTOL, rtol=_RTOL))


def _mode_level(
    u: FloatArray,
    x: FloatArray,
    quantile: Callable[[FloatArray, float], FloatArray],
    lo: float,
    hi: float,
) -> float:
    """``m = (mode - low)/(high - low)`` of a three-point kind from three percentiles.

    Its quantiles are ``low + (high - low) h(u; m)``, so for a given ``m`` two percentiles
    fix ``low`` and ``high``, and the third fixes ``m`` through the ratio of the gaps
    ``(x3 - x2)/(x2 - x1)``, which falls as ``m`` rises over ``[lo, hi]``: one root, found
    by Brent's method.
    """
    target = math.log((x[2] - x[1]) / (x[1] - x[0]))

    def excess(m: float) -> float:
        h = quantile(u, m)
        return math.log((h[2] - h[1]) / (h[1] - h[0])) - target

    # the rounding of the percentiles themselves (made by a distribution with m at an end)
    size = np.abs(x)
    rounding = max(size[0], size[1]) / (x[1] - x[0]) + max(size[1], size[2]) / (x[2] - x[1])
    tol = 1e-12 + 16 * float(np.finfo(float).eps) * rounding
    at_lo, at_hi = excess(lo), excess(hi)
    if at_lo < -tol:
        raise NoFit("they are more right-skewed than any with its mode at low")
    if at_hi > tol:
        raise NoFit("they are more left-skewed than any with its mode at high")
    if at_lo <= 0:
        return lo
    if at_hi >= 0:
        return hi
    return _brentq(excess, lo, hi)


def _three_points(
    u: FloatArray, x: FloatArray, quantile: Callable[[FloatArray, float], FloatArray], m: float
) -> tuple[float, float, float]:
    """``(low, mode, high)`` given ``m``: the outer percentiles fix ``low`` and ``high``."""
    h = quantile(u, m)
    width = (x[2] - x[0]) / (h[2] - h[0])
    low = float(x[0] - width * h[0])
    high = float(low + width)
    return low, min(max(low + m * width, low), high), high


def _triangular_quantile(u: FloatArray, m: float) -> FloatArray:
    return np.where(u <= m, np.sqrt(u * m), 1 - np.sqrt((1 - u) * (1 - m)))


def triangular_fit(u: FloatArray, x: FloatArray) -> tuple[float, float, float]:
    """``(low, mode, high)`` of the triangular with percentiles ``x`` at three levels ``u``.

    When the mode's CDF level ``m`` lies beyond the outer levels, every such ``m`` gives the
    same percentiles (they all fall on one side of the mode): the triangle is then taken
    with its mode at an end (``mode = high`` above, ``mode = low`` below), the narrowest.
    """
    m = _mode_level(u, x, _triangular_quantile, float(u[0]), float(u[2]))
    if m >= u[2]:
        m = 1.0
    elif m <= u[0]:
        m = 0.0
    return _three_points(u, x, _triangular_quantile, m)


def pert_fit(u: FloatArray, x: FloatArray, lamb: float) -> tuple[float, float, float]:
    """``(low, mode, high)`` of the PERT with ``lamb`` and percentiles ``x`` at levels ``u``."""

    def quantile(u: FloatArray, m: float) -> FloatArray:
        return np.asarray(_special().betaincinv(1 + lamb * m, 1 + lamb * (1 - m), u))

    return _three_points(u, x, quantile, _mode_level(u, x, quantile, 0.0, 1.0))


def _bracket(
    f: Callable[[float], float], start: float, limit: float, sides: tuple[float, ...] = (1, -1)
) -> tuple[float, float]:
    """Two points around a sign change of ``f``: ``start ± 2^k``, up to ``limit`` away."""
    positive = f(start) > 0
    near = dict.fromkeys(sides, start)
    step = 1.0
    while step <= limit:
        for side in sides:
            t = start + side * step
            value = f(t)
            if not math.isnan(value) and (value > 0) != positive:
                lo, hi = sorted((near[side], t))
                return lo, hi
            near[side] = t
        step *= 2
    raise NoFit("no parameters reproduce them within double precision")


def gamma_fit(u: FloatArray, x: FloatArray) -> tuple[float, float]:
    """``(shape, scale)`` of the gamma with percentiles ``x`` at levels ``u``.

    The ratio of two quantiles ``Q(u2)/Q(u1)`` depends on the shape only and falls from
    infinity to 1 as it grows: Brent's method on the log of the shape; the scale follows.
    """
    target = math.log(x[1] / x[0])

    def excess(log_shape: float) -> float:
        shape = math.exp(log_shape)
        q1, q2 = _special().gammaincinv(shape, u[0]), _special().gammaincinv(shape, u[1])
        if not q1 > 0:  # underflows: a tiny shape
            return 1e300
        return math.log(q2) - math.log(q1) - target

    shape = math.exp(
        _brentq(excess, *_bracket(excess, 0.0, 64.0, (1,) if excess(0) > 0 else (-1,)))
    )
    i = _anchor(u)
    return shape, float(x[i] / _special().gammaincinv(shape, u[i]))


def beta_fit(u: FloatArray, x: FloatArray, low: float, high: float) -> tuple[float, float]:
    """``(a, b)`` of the beta on ``[low, high]`` with percentiles ``x`` at levels ``u``.

    Two quantiles always determine a beta (van Dorp and Mazzuchi, 2000). For a given ``a``
    the first percentile fixes ``b`` (the CDF at a point rises with ``b``); Brent's method
    on ``log a`` meets the second, and Levenberg-Marquardt on ``(log a, log b)`` polishes
    both (the ``b`` of ``scipy._special().btdtrib`` is good to about 1e-6).
    """
    from scipy import optimize

    y = (x - low) / (high - low)

    def excess(log_a: float) -> float:
        a = math.exp(log_a)
        return float(_special().betainc(a, _special().btdtrib(a, u[0], y[0]), y[1]) - u[1])

    log_a = _brentq(excess, *_bracket(excess, 0.0, 64.0))
    start = [log_a, math.log(_special().btdtrib(math.exp(log_a), u[0], y[0]))]

    def residuals(p: FloatArray) -> FloatArray:
        a, b = np.exp(p)
        return np.asarray(_special().ndtri(_special().betainc(a, b, y)) - _special().ndtri(u))

    fit = optimize.least_squares(residuals, start, method="lm", xtol=1e-15, ftol=1e-15, gtol=1e-15)
    a, b = np.exp(fit.x)
    return float(a), float(b)


# A normal truncated to [low, high], in units where low = 0 and high = 1: the points of
# one distribution are written c + d with c = (y1 - mean)/sd the first percentile's z-score
# and small offsets d = (y - y1)/sd, so differences of points stay exact far in a tail.

_SQRT2 = math.sqrt(2.0)


def _log_phi_ratio(c: float, dp: float, dq: float) -> float:
    """``log Φ(c + dp) − log Φ(c + dq)`` for ``c + dp ≤ c + dq ≤ 0``, stable far out."""
    ratio = _special().erfcx(-(c + dp) / _SQRT2) / _special().erfcx(-(c + dq) / _SQRT2)
    return float(math.log(ratio) - (dp - dq) * (2 * c + dp + dq) / 2)


def _trunc_cdf(c: float, dz: float, da: float, db: float) -> float:
    """CDF at ``c + dz`` of a standard normal truncated to ``[c + da, c + db]``."""
    if dz <= da:
        return 0.0
    if dz >= db:
        return 1.0
    a, b, z = c + da, c + db, c + dz
    if b <= 0:
        return (
            math.exp(_log_phi_ratio(c, dz, db))
            * math.expm1(_log_phi_ratio(c, da, dz))
            / math.expm1(_log_phi_ratio(c, da, db))
        )
    if a >= 0:
        return 1.0 - _trunc_cdf(-c, -dz, -db, -da)
    below = float(_special().erf(-a / _SQRT2))  # 2 (Φ(0) − Φ(a)), no cancellation
    total = float(_special().erf(b / _SQRT2)) + below
    if z <= 0:
        return -2 * float(_special().ndtr(z)) * math.expm1(_log_phi_ratio(c, da, dz)) / total
    return (float(_special().erf(z / _SQRT2)) + below) / total


def truncnormal_fit(u: FloatArray, x: FloatArray, low: float, high: float) -> tuple[float, float]:
    """``(mean, sd)`` of the normal whose restriction to ``[low, high]`` has percentiles ``x``.

    For a given sd the first percentile fixes the mean (the CDF at a point falls as the
    mean rises). As the sd grows from nothing to infinity the second percentile's level
    falls from 1 to that of a truncated exponential: a root exists only for percentiles
    less spread than the exponential (truncated normals are log-concave). A scan of the sd
    (log-spaced, 1e-3 of the percentiles' gap to 1e4 times the width) finds where the
    level crosses the target; Brent's method refines it.
    """
    y = (x - low) / (high - low)

    def z_score(sd: float) -> float:
        def excess(c: float) -> float:
            return _trunc_cdf(c, 0.0, -y[0] / sd, (1 - y[0]) / sd) - u[0]

        side = -1 if excess(0.0) > 0 else 1  # the CDF rises with c
        return _brentq(excess, *_bracket(excess, 0.0, 2.0**24, (side,)))

    def excess(log_sd: float) -> float:
        sd = math.exp(log_sd)
        c = z_score(sd)
        return _trunc_cdf(c, (y[1] - y[0]) / sd, -y[0] / sd, (1 - y[0]) / sd) - u[1]

    grid = np.linspace(math.log(1e-3 * (y[1] - y[0])), math.log(1e4), 40)
    before = float(grid[0])
    if excess(before) <= 0:  # the narrowest: the second percentile's level is about 1
        raise NoFit("the solver found no starting point")
    for log_sd in grid[1:]:
        if excess(float(log_sd)) <= 0:
            sd = math.exp(_brentq(excess, before, float(log_sd)))
            mean = y[0] - z_score(sd) * sd
            return float(low + (high - low) * mean), float((high - low) * sd)
        before = float(log_sd)
    raise NoFit(
        "they are as spread as a truncated exponential or more (a truncated normal's "
        "density is log-concave)"
    )
