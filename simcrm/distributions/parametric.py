"""Parametric distributions: fixed, uniform, three-point, normal, lognormal, beta, gamma, Poisson, Bernoulli."""

from __future__ import annotations

import math
from functools import cached_property
from typing import Any, Literal, Self

import numpy as np
import numpy.typing as npt
from pydantic import (
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from scipy import special

from simcrm.distributions._base import (
    PERCENTILES,
    High,
    Num,
    Pos,
    _Base,
    _not_below,
    _u,
    stats,
)


class Fixed(_Base):
    """A constant ``value`` (sampling draws nothing from the generator)."""

    kind: Literal["fixed"] = "fixed"
    value: Num

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return np.full(size, self.value, dtype=np.float64)

    def ppf(self, u: npt.ArrayLike) -> np.ndarray:
        return np.where(np.isnan(_u(u)), np.nan, self.value)

    def mean(self) -> float:
        return self.value

    def variance(self) -> float:
        return 0.0

    def support(self) -> tuple[float, float]:
        return (self.value, self.value)


class Uniform(_Base):
    """Continuous uniform on ``[low, high]``."""

    kind: Literal["uniform"] = "uniform"
    low: Num
    high: High

    def _scipy(self) -> tuple[Any, tuple[float, ...]]:
        return stats.uniform, (self.low, self.high - self.low)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.uniform(self.low, self.high, size)


class _ThreePoint(_Base):
    """Fields ``low <= mode <= high`` with ``low < high``."""

    low: Num
    mode: Num
    high: Num

    @field_validator("mode")
    @classmethod
    def _check_mode(cls, v: float, info: ValidationInfo) -> float:
        return _not_below(info, v, "low", strict=False)

    @field_validator("high")
    @classmethod
    def _check_high(cls, v: float, info: ValidationInfo) -> float:
        _not_below(info, v, "low", strict=True)
        return _not_below(info, v, "mode", strict=False)


class Triangular(_ThreePoint):
    """Triangular on ``[low, high]`` peaking at ``mode``."""

    kind: Literal["triangular"] = "triangular"

    def _scipy(self) -> tuple[Any, tuple[float, ...]]:
        width = self.high - self.low
        return stats.triang, ((self.mode - self.low) / width, self.low, width)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.triangular(self.low, self.mode, self.high, size)


class Beta(_Base):
    """Beta(``a``, ``b``) scaled to ``[low, high]``."""

    kind: Literal["beta"] = "beta"
    a: Pos
    b: Pos
    low: Num = 0.0
    high: High = 1.0

    def _scipy(self) -> tuple[Any, tuple[float, ...]]:
        return stats.beta, (self.a, self.b, self.low, self.high - self.low)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        x = rng.beta(self.a, self.b, size)
        if (self.low, self.high) == (0.0, 1.0):
            return x  # the standard beta: no need to rescale
        return self.low + (self.high - self.low) * x


class Pert(_ThreePoint):
    """Beta-PERT: scaled beta, ``alpha = 1 + lamb (mode-low)/(high-low)``, ``beta`` alike."""

    kind: Literal["pert"] = "pert"
    lamb: Pos = 4.0

    def as_beta(self) -> Beta:
        """The equivalent scaled :class:`Beta`."""
        width = self.high - self.low
        a = 1 + self.lamb * (self.mode - self.low) / width
        b = 1 + self.lamb * (self.high - self.mode) / width
        return Beta(kind="beta", a=a, b=b, low=self.low, high=self.high)

    def _scipy(self) -> tuple[Any, tuple[float, ...]]:
        return self.as_beta()._scipy()

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return self.as_beta().sample(rng, size)


class Normal(_Base):
    """Normal with mean ``mean`` (Python attribute ``loc``) and standard deviation ``sd``."""

    kind: Literal["normal"] = "normal"
    loc: Num = Field(alias="mean")
    sd: Pos

    def _scipy(self) -> tuple[Any, tuple[float, ...]]:
        return stats.norm, (self.loc, self.sd)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.normal(self.loc, self.sd, size)


class TruncNormal(_Base):
    """Normal(``mean``, ``sd``) restricted to ``[low, high]``; sampled by exact inverse CDF.

    The Python attribute of ``mean`` (the untruncated mean) is ``loc``.
    """

    kind: Literal["truncnormal"] = "truncnormal"
    loc: Num = Field(alias="mean")
    sd: Pos
    low: Num
    high: High

    def _scipy(self) -> tuple[Any, tuple[float, ...]]:
        a, b = (self.low - self.loc) / self.sd, (self.high - self.loc) / self.sd
        return stats.truncnorm, (a, b, self.loc, self.sd)

    def ppf(self, u: npt.ArrayLike) -> np.ndarray:
        a, b = self._scipy()[1][:2]
        if a > 30.0 or b < -30.0:  # far out in a tail: scipy works in logs
            return super().ppf(u)
        uu = _u(u)
        # F(x) and 1 - F(x) as sums of positive terms (no cancellation); invert the smaller.
        p = (1 - uu) * special.ndtr(a) + uu * special.ndtr(b)
        q = (1 - uu) * special.ndtr(-a) + uu * special.ndtr(-b)
        z = np.where(
            p <= 0.5, special.ndtri(np.minimum(p, 0.5)), -special.ndtri(np.minimum(q, 0.5))
        )
        x = np.clip(self.loc + self.sd * z, self.low, self.high)
        return np.where(uu == 0, self.low, np.where(uu == 1, self.high, x))


class LogNormal(_Base):
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

    @field_validator(*(f"p{q}" for q in PERCENTILES))
    @classmethod
    def _increasing(cls, v: float | None, info: ValidationInfo) -> float | None:
        earlier = [k for k, x in info.data.items() if k[0] == "p" and x is not None]
        if v is not None and earlier:
            _not_below(info, v, earlier[-1], strict=True)
        return v

    def _percentiles(self) -> list[tuple[int, float]]:
        return [(q, x) for q in PERCENTILES if (x := getattr(self, f"p{q}")) is not None]

    @model_validator(mode="after")
    def _one_form(self) -> Self:
        got = ", ".join(f"p{q}" for q, _ in self._percentiles()) or "none"
        n_log = (self.mu is not None) + (self.sigma is not None)
        if n_log and self._percentiles():
            raise ValueError(f"give mu and sigma, or exactly two of p1..p99, not both (got {got})")
        if n_log == 1:
            raise ValueError("give both mu and sigma (of the log), or exactly two of p1..p99")
        if n_log == 0 and len(self._percentiles()) != 2:
            raise ValueError(f"give mu and sigma, or exactly two of p1..p99 (got {got})")
        return self

    def log_sigma(self) -> float:
        """Standard deviation of the log: given, or solved from the two percentiles."""
        return self._log_params[1]

    def log_mu(self) -> float:
        """Mean of the log (log of the median): given, or solved from the two percentiles."""
        return self._log_params[0]

    @cached_property
    def _log_params(self) -> tuple[float, float]:
        """``(mu, sigma)``, solved once (the model is frozen; samplers ask every block)."""
        if self.mu is not None and self.sigma is not None:
            return self.mu, self.sigma
        (q1, x1), (q2, x2) = self._percentiles()
        dz = special.ndtri(q2 / 100) - special.ndtri(q1 / 100)
        sigma = float((math.log(x2) - math.log(x1)) / dz)
        # Anchor on the percentile nearer the median (exact when it is p50).
        q, x = min(self._percentiles(), key=lambda qx: abs(qx[0] - 50))
        return float(math.log(x) - sigma * special.ndtri(q / 100)), sigma

    def _scipy(self) -> tuple[Any, tuple[float, ...]]:
        return stats.lognorm, (self.log_sigma(), 0.0, math.exp(self.log_mu()))

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.lognormal(self.log_mu(), self.log_sigma(), size)

    def ppf(self, u: npt.ArrayLike) -> np.ndarray:
        return np.exp(self.log_mu() + self.log_sigma() * special.ndtri(_u(u)))


class Gamma(_Base):
    """Gamma with ``shape`` and ``scale``."""

    kind: Literal["gamma"] = "gamma"
    shape: Pos
    scale: Pos

    def _scipy(self) -> tuple[Any, tuple[float, ...]]:
        return stats.gamma, (self.shape, 0.0, self.scale)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.gamma(self.shape, self.scale, size)


class Poisson(_Base):
    """Poisson counts with mean ``lam``."""

    kind: Literal["poisson"] = "poisson"
    lam: Num = Field(ge=0)

    def _scipy(self) -> tuple[Any, tuple[float, ...]]:
        return stats.poisson, (self.lam,)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.poisson(self.lam, size).astype(np.float64)

    def support(self) -> tuple[float, float]:
        return (0.0, math.inf if self.lam > 0 else 0.0)


class Bernoulli(_Base):
    """1 with probability ``p``, else 0."""

    kind: Literal["bernoulli"] = "bernoulli"
    p: Num = Field(ge=0, le=1)

    def _scipy(self) -> tuple[Any, tuple[float, ...]]:
        return stats.bernoulli, (self.p,)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return (rng.random(size) < self.p).astype(np.float64)

    def support(self) -> tuple[float, float]:
        return (0.0 if self.p < 1 else 1.0, 1.0 if self.p > 0 else 0.0)
