"""Parametric distributions: fixed, uniform, three-point, beta, gamma (the normal family
is in :mod:`simcrm.distributions.normals`, the laws of counts in
:mod:`simcrm.distributions.counts`).

Uniform, three-point, beta and gamma may be given by percentiles instead of their own
parameters (:mod:`simcrm.distributions.percentiles`).
"""

from __future__ import annotations

import math
from typing import Annotated, Any, ClassVar, Literal

import numpy as np
import numpy.typing as npt
from pydantic import Field, ValidationInfo, field_validator

from simcrm.distributions._base import High, Num, Pos, _Base, _not_below, _u, stats
from simcrm.distributions.percentile_solvers import (
    beta_fit,
    gamma_fit,
    pert_fit,
    triangular_fit,
    uniform_fit,
)
from simcrm.distributions.percentiles import (
    ByPercentiles,
    FloatArray,
    MaybeHigh,
    MaybeNum,
    MaybePos,
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


class Uniform(ByPercentiles):
    """Continuous uniform on ``[low, high]``, or from exactly two percentiles.

    ``p10 = 2, p90 = 10`` gives the uniform on ``[1, 11]``.
    """

    kind: Literal["uniform"] = "uniform"
    low: MaybeNum = None
    high: MaybeHigh = None
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

    _OWN = ("low", "high")

    def _fit(self, u: FloatArray, x: FloatArray) -> tuple[float, ...]:
        return uniform_fit(u, x)

    def _scipy(self) -> tuple[Any, tuple[float, ...]]:
        low, high = self._solved
        return stats.uniform, (low, high - low)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        low, high = self._solved
        return rng.uniform(low, high, size)

    def support(self) -> tuple[float, float]:
        low, high = self._solved
        return (float(low), float(high))


class _ThreePoint(ByPercentiles):
    """Fields ``low <= mode <= high`` with ``low < high``, or exactly three percentiles."""

    low: MaybeNum = None
    mode: MaybeNum = None
    high: MaybeNum = None

    _OWN = ("low", "mode", "high")
    _COUNT = 3

    @field_validator("mode")
    @classmethod
    def _check_mode(cls, v: float | None, info: ValidationInfo) -> float | None:
        return v if v is None else _not_below(info, v, "low", strict=False)

    @field_validator("high")
    @classmethod
    def _check_high(cls, v: float | None, info: ValidationInfo) -> float | None:
        if v is None:
            return v
        _not_below(info, v, "low", strict=True)
        return _not_below(info, v, "mode", strict=False)


class Triangular(_ThreePoint):
    """Triangular on ``[low, high]`` peaking at ``mode``, or from exactly three percentiles.

    ``p10 = 20, p50 = 30, p90 = 45`` gives the triangle with those percentiles (as @RISK's
    RiskTriangAlt); percentiles that no triangle has are refused. Percentiles that all lie
    on one side of the mode fit a whole family of triangles: the narrowest is taken, with
    its mode at ``high`` (or ``low``).
    """

    kind: Literal["triangular"] = "triangular"
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

    def _fit(self, u: FloatArray, x: FloatArray) -> tuple[float, ...]:
        return triangular_fit(u, x)

    def _scipy(self) -> tuple[Any, tuple[float, ...]]:
        low, mode, high = self._solved
        width = high - low
        return stats.triang, ((mode - low) / width, low, width)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        low, mode, high = self._solved
        return rng.triangular(low, mode, high, size)

    def support(self) -> tuple[float, float]:
        low, _, high = self._solved
        return (float(low), float(high))


class Beta(ByPercentiles):
    """Beta(``a``, ``b``) scaled to ``[low, high]``, or from exactly two percentiles.

    The percentiles must lie strictly between ``low`` and ``high``; ``a`` and ``b`` are then
    solved (any two such percentiles have exactly one beta).
    """

    kind: Literal["beta"] = "beta"
    a: MaybePos = None
    b: MaybePos = None
    low: Num = 0.0
    high: High = 1.0
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

    _OWN = ("a", "b")
    _INSIDE = True
    # shapes below 1e-3 put every draw on an end, in floating point; above 1e6, a spike
    _BOUNDS: ClassVar[dict[str, tuple[float, float, str]]] = {
        "a": (1e-3, 1e6, "shapes outside [0.001, 1e6] are not numerically safe"),
        "b": (1e-3, 1e6, "shapes outside [0.001, 1e6] are not numerically safe"),
    }

    def _fit(self, u: FloatArray, x: FloatArray) -> tuple[float, ...]:
        return beta_fit(u, x, self.low, self.high)

    def _scipy(self) -> tuple[Any, tuple[float, ...]]:
        a, b = self._solved
        return stats.beta, (a, b, self.low, self.high - self.low)

    def support(self) -> tuple[float, float]:
        return (float(self.low), float(self.high))

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        a, b = self._solved
        x = rng.beta(a, b, size)
        if (self.low, self.high) == (0.0, 1.0):
            return x  # the standard beta: no need to rescale
        return self.low + (self.high - self.low) * x


class Pert(_ThreePoint):
    """Beta-PERT: scaled beta, ``alpha = 1 + lamb (mode-low)/(high-low)``, ``beta`` alike.

    Or from exactly three percentiles, as @RISK's RiskPertAlt: ``p10 = 20, p50 = 30,
    p90 = 45`` gives the PERT (with ``lamb``, 4 unless given) that has them.
    """

    kind: Literal["pert"] = "pert"
    lamb: Annotated[Pos, Field(le=1000.0)] = 4.0
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

    def _fit(self, u: FloatArray, x: FloatArray) -> tuple[float, ...]:
        return pert_fit(u, x, self.lamb)

    def as_beta(self) -> Beta:
        """The equivalent scaled :class:`Beta`."""
        low, mode, high = self._solved
        width = high - low
        a = 1 + self.lamb * (mode - low) / width
        b = 1 + self.lamb * (high - mode) / width
        return Beta(kind="beta", a=a, b=b, low=low, high=high)

    def _scipy(self) -> tuple[Any, tuple[float, ...]]:
        return self.as_beta()._scipy()

    def support(self) -> tuple[float, float]:
        low, _, high = self._solved
        return (float(low), float(high))

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return self.as_beta().sample(rng, size)


class Gamma(ByPercentiles):
    """Gamma with ``shape`` and ``scale``, or from exactly two (positive) percentiles."""

    kind: Literal["gamma"] = "gamma"
    shape: MaybePos = None
    scale: MaybePos = None
    p1: MaybePos = None
    p5: MaybePos = None
    p10: MaybePos = None
    p20: MaybePos = None
    p25: MaybePos = None
    p50: MaybePos = None
    p75: MaybePos = None
    p80: MaybePos = None
    p90: MaybePos = None
    p95: MaybePos = None
    p99: MaybePos = None

    _OWN = ("shape", "scale")
    _BOUNDS: ClassVar[dict[str, tuple[float, float, str]]] = {
        "shape": (1e-3, 1e6, "shapes outside [0.001, 1e6] are not numerically safe")
    }

    def _fit(self, u: FloatArray, x: FloatArray) -> tuple[float, ...]:
        return gamma_fit(u, x)

    def _scipy(self) -> tuple[Any, tuple[float, ...]]:
        shape, scale = self._solved
        return stats.gamma, (shape, 0.0, scale)

    def support(self) -> tuple[float, float]:
        return (0.0, math.inf)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        shape, scale = self._solved
        return rng.gamma(shape, scale, size)
