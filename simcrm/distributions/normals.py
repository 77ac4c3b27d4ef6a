"""The normal family: normal, truncated normal and lognormal, each also from percentiles
(:mod:`simcrm.distributions.percentiles`)."""

from __future__ import annotations

import math
from typing import Any, ClassVar, Literal

import numpy as np
import numpy.typing as npt
from pydantic import Field

from simcrm.distributions._base import High, Num, Pos, _u, stats
from simcrm.distributions.percentile_solvers import lognormal_fit, normal_fit, truncnormal_fit
from simcrm.distributions.percentiles import ByPercentiles, FloatArray, MaybeNum, MaybePos


def _special() -> Any:
    """``scipy.special``, imported on first use (a command that only validates needs it
    only for some distributions; it costs ~0.15 s to import)."""
    import scipy.special

    return scipy.special


class Normal(ByPercentiles):
    """Normal with mean ``mean`` (Python attribute ``loc``) and standard deviation ``sd``.

    Or from exactly two percentiles: ``p10 = 80, p90 = 120`` gives mean 100 and sd 15.6.
    """

    kind: Literal["normal"] = "normal"
    loc: MaybeNum = Field(None, alias="mean")
    sd: MaybePos = None
    p1: MaybeNum = None
    p5: MaybeNum = None
    p10: MaybeNum = None
    p20: MaybeNum = None
    p25: MaybeNum = None
    p50: MaybeNum = None
    p75: MaybeNum = None
    p80: MaybeNum = None
    p90: MaybeNum = None
    p95: MaybeNum = None
    p99: MaybeNum = None

    _OWN = ("loc", "sd")

    def _fit(self, u: FloatArray, x: FloatArray) -> tuple[float, ...]:
        return normal_fit(u, x)

    def _scipy(self) -> tuple[Any, tuple[float, ...]]:
        return stats.norm, self._solved

    def support(self) -> tuple[float, float]:
        return (-math.inf, math.inf)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        loc, sd = self._solved
        return rng.normal(loc, sd, size)


class TruncNormal(ByPercentiles):
    """Normal(``mean``, ``sd``) restricted to ``[low, high]``; sampled by exact inverse CDF.

    The Python attribute of ``mean`` (the untruncated mean) is ``loc``.

    Or, with ``low`` and ``high``, from exactly two percentiles strictly between them: the
    untruncated ``mean`` and ``sd`` are solved. A truncated normal's density is
    log-concave, so percentiles as spread as a truncated exponential's or more (e.g.
    ``p10``, ``p90`` near ``low`` and ``high``) belong to none and are refused.
    """

    kind: Literal["truncnormal"] = "truncnormal"
    loc: MaybeNum = Field(None, alias="mean")
    sd: MaybePos = None
    low: Num
    high: High
    p1: MaybeNum = None
    p5: MaybeNum = None
    p10: MaybeNum = None
    p20: MaybeNum = None
    p25: MaybeNum = None
    p50: MaybeNum = None
    p75: MaybeNum = None
    p80: MaybeNum = None
    p90: MaybeNum = None
    p95: MaybeNum = None
    p99: MaybeNum = None

    _OWN = ("loc", "sd")
    _INSIDE = True

    def _fit(self, u: FloatArray, x: FloatArray) -> tuple[float, ...]:
        return truncnormal_fit(u, x, self.low, self.high)

    def _scipy(self) -> tuple[Any, tuple[float, ...]]:
        loc, sd = self._solved
        a, b = (self.low - loc) / sd, (self.high - loc) / sd
        return stats.truncnorm, (a, b, loc, sd)

    def support(self) -> tuple[float, float]:
        return (float(self.low), float(self.high))

    def ppf(self, u: npt.ArrayLike) -> np.ndarray:
        a, b = self._scipy()[1][:2]
        if a > 30.0 or b < -30.0:  # far out in a tail: scipy works in logs
            return super().ppf(u)
        uu = _u(u)
        # F(x) and 1 - F(x) as sums of positive terms (no cancellation); invert the smaller.
        p = (1 - uu) * _special().ndtr(a) + uu * _special().ndtr(b)
        q = (1 - uu) * _special().ndtr(-a) + uu * _special().ndtr(-b)
        z = np.where(
            p <= 0.5, _special().ndtri(np.minimum(p, 0.5)), -_special().ndtri(np.minimum(q, 0.5))
        )
        loc, sd = self._solved
        x = np.clip(loc + sd * z, self.low, self.high)
        return np.where(uu == 0, self.low, np.where(uu == 1, self.high, x))


class LogNormal(ByPercentiles):
    """Log-normal from ``mu`` and ``sigma`` (of the log), or from exactly two percentiles.

    ``p50 = 120, p90 = 300`` means a median of 120 and a 90th percentile of 300.
    """

    kind: Literal["lognormal"] = "lognormal"
    mu: Num | None = None
    sigma: Pos | None = None
    p1: Pos | None = None
    p5: Pos | None = None
    p10: Pos | None = None
    p20: Pos | None = None
    p25: Pos | None = None
    p50: Pos | None = None
    p75: Pos | None = None
    p80: Pos | None = None
    p90: Pos | None = None
    p95: Pos | None = None
    p99: Pos | None = None

    _OWN = ("mu", "sigma")
    # exp(mu + 8 sigma), the largest value a run can draw, and the mean exp(mu + sigma²/2)
    # stay finite (below e^180 ≈ 1e78); a median e^100 is far beyond any amount of money
    _BOUNDS: ClassVar[dict[str, tuple[float, float, str]]] = {
        "mu": (-100.0, 100.0, "the median is exp(mu)"),
        "sigma": (0.0, 10.0, "a spread of more than 10 in the log would overflow"),
    }

    def _fit(self, u: FloatArray, x: FloatArray) -> tuple[float, ...]:
        return lognormal_fit(u, x)

    def log_sigma(self) -> float:
        """Standard deviation of the log: given, or solved from the two percentiles."""
        return self._solved[1]

    def log_mu(self) -> float:
        """Mean of the log (log of the median): given, or solved from the two percentiles."""
        return self._solved[0]

    def _scipy(self) -> tuple[Any, tuple[float, ...]]:
        return stats.lognorm, (self.log_sigma(), 0.0, math.exp(self.log_mu()))

    def support(self) -> tuple[float, float]:
        return (0.0, math.inf)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.lognormal(self.log_mu(), self.log_sigma(), size)

    def ppf(self, u: npt.ArrayLike) -> np.ndarray:
        return np.exp(self.log_mu() + self.log_sigma() * _special().ndtri(_u(u)))
