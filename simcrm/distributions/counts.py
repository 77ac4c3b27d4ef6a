"""Laws of counts: Poisson and Bernoulli (no percentile form)."""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field

from simcrm.distributions._base import MAX_MAGNITUDE, _Base, stats


class Poisson(_Base):
    """Poisson counts with mean ``lam``."""

    kind: Literal["poisson"] = "poisson"
    lam: Annotated[float, Field(strict=True, ge=0, le=MAX_MAGNITUDE)]

    def _scipy(self) -> tuple[Any, tuple[float, ...]]:
        return stats.poisson, (self.lam,)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.poisson(self.lam, size).astype(np.float64)

    def support(self) -> tuple[float, float]:
        return (0.0, math.inf if self.lam > 0 else 0.0)


class Bernoulli(_Base):
    """1 with probability ``p``, else 0."""

    kind: Literal["bernoulli"] = "bernoulli"
    p: Annotated[float, Field(strict=True, ge=0, le=1)]

    def _scipy(self) -> tuple[Any, tuple[float, ...]]:
        return stats.bernoulli, (self.p,)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return (rng.random(size) < self.p).astype(np.float64)

    def support(self) -> tuple[float, float]:
        return (0.0 if self.p < 1 else 1.0, 1.0 if self.p > 0 else 0.0)
