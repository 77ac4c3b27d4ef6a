"""Maximum likelihood for the kinds scipy does not fit: triangular and PERT (see the package docstring)."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    pass

FloatArray = npt.NDArray[np.float64]

_LOG2 = math.log(2.0)

_U_BOUNDS = (-30.0, 5.0)
"""Range of the log distance of a fitted end beyond the data, in units of the range:
an end from ``e^-30`` (touching the data) to ``e^5 ≈ 150`` ranges beyond it."""
_U_INTERIOR = (-12.0, 5.0)
"""Bounds of the interior search: an end within ``e^-12`` ranges of the data with the
mode inside has a density near zero at the data's extreme, never a maximum; an end that
touches the data is the mode's own (the edge fits)."""
_NELDER_MEAD = {"xatol": 1e-3, "fatol": 1e-7, "maxiter": 2000}
"""Tolerances on the ends' log distances (0.1% of the distance) and the log-likelihood."""


def _ends(u: FloatArray, lo: float, hi: float) -> tuple[float, float]:
    """The ends ``lo - d e^u0`` and ``hi + d e^u1`` (``d`` the data's range)."""
    d = hi - lo
    u0 = min(max(float(u[0]), _U_BOUNDS[0]), _U_BOUNDS[1])
    u1 = min(max(float(u[1]), _U_BOUNDS[0]), _U_BOUNDS[1])
    return lo - d * math.exp(u0), hi + d * math.exp(u1)


Edge = Callable[[float, bool], tuple[float, tuple[float, float, float]]]
"""``edge(u, at_low) -> (loglik, (low, mode, high))``: the law whose mode is the end at
the data's minimum (``at_low``) or maximum, its other end ``e^u`` ranges beyond the data."""


def _three_point_mle(
    profile: Callable[[float, float], tuple[float, float]], edge: Edge, lo: float, hi: float
) -> tuple[float, float, float]:
    """``(low, mode, high)`` of highest likelihood among three local maxima.

    The interior one maximises ``profile(low, high) -> (loglik, mode)`` by Nelder–Mead
    on the ends' log distances beyond the data (from 5% of the range, bounded by
    :data:`_U_INTERIOR`); the other two
    have the mode at an end that touches the data's minimum or maximum (a density
    that is finite there), where the profile's search would crawl: their one free end
    is found by a bounded scalar search. The likelihood has local maxima of all three
    kinds, so the best is kept.
    """
    from scipy import optimize

    res = optimize.minimize(
        lambda u: -profile(*_ends(u, lo, hi))[0],
        np.full(2, math.log(0.05)),
        method="Nelder-Mead",
        bounds=[_U_INTERIOR, _U_INTERIOR],
        options=_NELDER_MEAD,
    )
    low, high = _ends(res.x, lo, hi)
    ll, mode = profile(low, high)
    fits = [(ll, (low, mode, high))]
    for at_low in (True, False):
        one = optimize.minimize_scalar(
            lambda u, at_low=at_low: -edge(u, at_low)[0],
            bounds=_U_BOUNDS,
            method="bounded",
            options={"xatol": 1e-4},
        )
        fits.append(edge(float(one.x), at_low))
    return max(fits, key=lambda f: f[0])[1]


def triangular_mle(data: FloatArray) -> tuple[float, float, float]:
    """MLE ``(low, mode, high)`` of the triangular law.

    For fixed ends the log-likelihood is convex in the mode between consecutive data
    points, so its maximum is at a data point: the profile over all of them is one pass
    of cumulative sums. Right-angled triangles (the mode at an end touching the data)
    are fitted on their own (:func:`_three_point_mle`).
    """
    x = np.sort(data)
    n = x.size
    r = np.arange(n)
    lo, hi = float(x[0]), float(x[-1])

    def profile(a: float, b: float) -> tuple[float, float]:
        la, lb = np.log(x - a), np.log(b - x)
        # mode at x[r]: sum_{i<r} log(x_i - a) - r log(x_r - a)
        #             + sum_{i>=r} log(b - x_i) - (n - r) log(b - x_r)
        ll = np.cumsum(la) - la - r * la + np.cumsum(lb[::-1])[::-1] - (n - r) * lb
        i = int(np.argmax(ll))
        return float(ll[i]) + n * (_LOG2 - math.log(b - a)), float(x[i])

    def edge(u: float, at_low: bool) -> tuple[float, tuple[float, float, float]]:
        d = (hi - lo) * math.exp(u)
        if at_low:  # density 2 (b - x) / (b - lo)^2
            b = hi + d
            return n * _LOG2 + float(np.log(b - x).sum()) - 2 * n * math.log(b - lo), (lo, lo, b)
        a = lo - d  # density 2 (x - a) / (hi - a)^2
        return n * _LOG2 + float(np.log(x - a).sum()) - 2 * n * math.log(hi - a), (a, hi, hi)

    return _three_point_mle(profile, edge, lo, hi)


@functools.cache
def _pert_mode_table() -> tuple[FloatArray, FloatArray]:
    """``(t, f)`` on a grid of ``f`` in ``[0, 1]``: ``t = ψ(1 + 4f) − ψ(5 − 4f)``."""
    from scipy import special

    f = np.linspace(0.0, 1.0, 4001)
    return special.digamma(1 + 4 * f) - special.digamma(5 - 4 * f), f


def pert_mle(data: FloatArray) -> tuple[float, float, float]:
    """MLE ``(low, mode, high)`` of the PERT law (scaled beta, ``lamb = 4``).

    With ``z = (x − low)/(high − low)``, ``alpha = 1 + 4f`` and ``beta = 5 − 4f`` (``f``
    the mode's place between the ends) the log-likelihood is ``4f Σ log z + (4 − 4f)
    Σ log(1 − z) − n (ln B(alpha, beta) + ln(high − low))``: strictly concave in ``f``,
    whose maximum solves ``ψ(1 + 4f) − ψ(5 − 4f) = mean(log z) − mean(log(1 − z))``
    (inverted by interpolation, clipped to ``[0, 1]``); the ends maximise the profile.
    The likelihood is bounded (both shapes are at least 1), so the maximum exists; the
    mode at an end touching the data (``f`` = 0 or 1) is fitted on its own
    (:func:`_three_point_mle`).
    """
    x = np.asarray(data, dtype=np.float64)
    n = x.size
    lo, hi = float(x.min()), float(x.max())
    table_t, table_f = _pert_mode_table()
    log_b15 = math.lgamma(5.0) - math.lgamma(6.0)  # ln B(1, 5) = ln B(5, 1)

    def profile(a: float, b: float) -> tuple[float, float]:
        w = b - a
        z = (x - a) / w
        s1, s2 = float(np.log(z).sum()), float(np.log1p(-z).sum())
        f = float(np.interp((s1 - s2) / n, table_t, table_f))
        ll = 4 * f * s1 + (4 - 4 * f) * s2
        ll -= n * (math.lgamma(1 + 4 * f) + math.lgamma(5 - 4 * f) - math.lgamma(6.0))
        ll -= n * math.log(w)
        return (ll if math.isfinite(ll) else -1e300), a + f * w

    def edge(u: float, at_low: bool) -> tuple[float, tuple[float, float, float]]:
        d = (hi - lo) * math.exp(u)
        a, b = (lo, hi + d) if at_low else (lo - d, hi)
        w = b - a
        far = (b - x) / w if at_low else (x - a) / w  # 1 - z, or z
        ll = 4 * float(np.log(far).sum()) - n * (log_b15 + math.log(w))
        return ll, (a, a if at_low else b, b)

    return _three_point_mle(profile, edge, lo, hi)


def _memoised_fit(
    self: Any, data: FloatArray, fit: Callable[[FloatArray], tuple[float, float, float]]
) -> tuple[float, float, float]:
    """``(c, loc, scale)`` of a three-point fit, remembered by the data's bytes.

    ``goodness_of_fit`` refits every Monte Carlo sample; its KS and AD runs draw the
    same samples (same seed), so the second run finds every fit here."""
    x = np.asarray(data, dtype=np.float64)
    memo: dict[bytes, tuple[float, float, float]] | None = self.__dict__.get("memo")
    key = x.tobytes()
    if memo is not None and key in memo:
        return memo[key]
    low, mode, high = fit(x)
    out = ((mode - low) / (high - low), low, high - low)
    if memo is not None:
        memo[key] = out
    return out


@functools.cache
def _three_point_classes() -> tuple[type, type]:
    """``scipy.stats`` families of the triangular and PERT laws whose ``fit`` is the MLE
    above (``shape c = (mode - low)/(high - low)``, ``loc = low``, ``scale = high - low``).
    """
    from scipy import special, stats

    class TriangularMLE(type(stats.triang)):  # type: ignore[misc]
        """scipy's triangular law, fitted by :func:`triangular_mle`."""

        def fit(self, data: FloatArray, *args: Any, **kwds: Any) -> tuple[float, ...]:
            return _memoised_fit(self, data, triangular_mle)

    class PertMLE(stats.rv_continuous):
        """Beta-PERT on ``[0, 1]`` with mode ``c``, fitted by :func:`pert_mle`."""

        def _argcheck(self, c: Any) -> Any:
            return (c >= 0) & (c <= 1)

        def _logpdf(self, x: Any, c: Any) -> Any:
            a, b = 1 + 4 * c, 5 - 4 * c
            return special.xlogy(a - 1, x) + special.xlog1py(b - 1, -x) - special.betaln(a, b)

        def _pdf(self, x: Any, c: Any) -> Any:
            return np.exp(self._logpdf(x, c))

        def _cdf(self, x: Any, c: Any) -> Any:
            return special.betainc(1 + 4 * c, 5 - 4 * c, x)

        def _sf(self, x: Any, c: Any) -> Any:  # I_{1-x}(b, a): betaincc is ~10x slower
            return special.betainc(5 - 4 * c, 1 + 4 * c, 1 - x)

        def _logcdf(self, x: Any, c: Any) -> Any:  # scipy's default computes a median
            cdf = self._cdf(x, c)
            return np.where(cdf < 0.5, np.log(cdf), np.log1p(-self._sf(x, c)))

        def _logsf(self, x: Any, c: Any) -> Any:
            sf = self._sf(x, c)
            return np.where(sf < 0.5, np.log(sf), np.log1p(-self._cdf(x, c)))

        def _ppf(self, q: Any, c: Any) -> Any:
            return special.betaincinv(1 + 4 * c, 5 - 4 * c, q)

        def _rvs(self, c: Any, size: Any = None, random_state: Any = None) -> Any:
            return random_state.beta(1 + 4 * c, 5 - 4 * c, size)

        def fit(self, data: FloatArray, *args: Any, **kwds: Any) -> tuple[float, ...]:
            return _memoised_fit(self, data, pert_mle)

    return TriangularMLE, PertMLE


def gof_triangular() -> tuple[Any, dict[str, float]]:
    dist = _three_point_classes()[0](a=0.0, b=1.0, name="triang")
    dist.memo = {}
    return dist, {}


def gof_pert() -> tuple[Any, dict[str, float]]:
    dist = _three_point_classes()[1](a=0.0, b=1.0, name="pert", shapes="c")
    dist.memo = {}
    return dist, {}
