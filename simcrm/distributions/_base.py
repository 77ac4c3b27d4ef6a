"""Common machinery of the distributions: the base model, number types, helpers."""

from __future__ import annotations

from typing import Annotated, Any

import numpy as np
import numpy.typing as npt
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
)


class _LazyStats:
    """``scipy.stats``, imported on first use: it costs ~1 s, and sampling never needs it."""

    def __getattr__(self, name: str) -> Any:
        from scipy import stats as scipy_stats

        return getattr(scipy_stats, name)


stats = _LazyStats()

MAX_MAGNITUDE = 1e15
"""Largest magnitude of any number of a distribution. Money is at most 1e15 (a budget of a
thousand trillion in any currency); with every number of a scenario that small, the
model's sums and products (over 600 months, 64 items, 10 million users) stay below
~1e60, far from the float64 limit 1.8e308."""

# A finite number: int or float; bool and str are refused (nan/inf by ``allow_inf_nan``).
Num = Annotated[float, Field(strict=True, ge=-MAX_MAGNITUDE, le=MAX_MAGNITUDE)]
Pos = Annotated[float, Field(strict=True, gt=0, le=MAX_MAGNITUDE)]

PERCENTILES = (1, 5, 10, 20, 25, 50, 75, 80, 90, 95, 99)


def _u(u: npt.ArrayLike) -> np.ndarray:
    """Probabilities as float64, with nan wherever they fall outside ``[0, 1]``."""
    a = np.asarray(u, dtype=np.float64)
    return np.where((a >= 0.0) & (a <= 1.0), a, np.nan)


def _not_below(info: ValidationInfo, value: float, other: str, *, strict: bool) -> float:
    """Check a field against an earlier one: ``value > other`` (``>=`` if not strict)."""
    ref = info.data.get(other)
    if ref is not None and (value <= ref if strict else value < ref):
        word = "greater than" if strict else "at least"
        raise ValueError(f"{info.field_name} ({value:g}) must be {word} {other} ({ref:g})")
    return value


def _above_low(value: float, info: ValidationInfo) -> float:
    return _not_below(info, value, "low", strict=True)


High = Annotated[Num, AfterValidator(_above_low)]
"""The upper end of an interval ``[low, high]``: a number greater than ``low``."""


class _Base(BaseModel):
    """Common configuration and interface; defaults delegate to a ``scipy.stats`` law."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, allow_inf_nan=False, serialize_by_alias=True
    )

    def _scipy(self) -> tuple[Any, tuple[float, ...]]:
        """The ``scipy.stats`` distribution and its positional (shapes, loc, scale)."""
        raise NotImplementedError

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Draw ``size`` float64 values using only ``rng`` (inverse transform by default)."""
        return self.ppf(rng.random(size))

    def ppf(self, u: npt.ArrayLike) -> np.ndarray:
        """Inverse CDF at probabilities ``u`` (float64, shape of ``u``)."""
        law, args = self._scipy()
        return np.clip(np.asarray(law.ppf(_u(u), *args), dtype=np.float64), *self.support())

    def mean(self) -> float:
        """Expected value."""
        law, args = self._scipy()
        return float(law.mean(*args))

    def variance(self) -> float:
        """Variance."""
        law, args = self._scipy()
        return float(law.var(*args))

    def support(self) -> tuple[float, float]:
        """Smallest and largest possible values (may be infinite)."""
        law, args = self._scipy()
        lo, hi = law.support(*args)
        return (float(lo), float(hi))
