"""Vectorised probability distributions used as scenario parameters.

Each distribution is a frozen pydantic model tagged by ``kind`` with the methods
``sample(rng, size)``, ``ppf(u)``, ``mean()``, ``variance()`` and ``support()``.
``ppf`` returns nan for ``u`` outside ``[0, 1]`` and is clipped to the support (so for
discrete kinds ``ppf(0)`` is the smallest possible value). ``sample`` draws only from the
:class:`numpy.random.Generator` it is given.

Uniform, triangular, PERT, normal, truncated normal, lognormal, beta and gamma may instead
be given by percentiles (``p10 = 80, p90 = 120``; :mod:`simcrm.distributions.percentiles`):
their parameters are solved once, at validation, and they then sample exactly as if given
those parameters.
"""

from __future__ import annotations

import numbers
from typing import Annotated, Any, TypeAlias

import numpy as np
from pydantic import BeforeValidator, Field, TypeAdapter

from simcrm.distributions._base import PERCENTILES, Num, Pos
from simcrm.distributions.counts import Bernoulli, Poisson
from simcrm.distributions.finite import Discrete, Empirical
from simcrm.distributions.normals import LogNormal, Normal, TruncNormal
from simcrm.distributions.parametric import (
    Beta,
    Fixed,
    Gamma,
    Pert,
    Triangular,
    Uniform,
)

Distribution: TypeAlias = Annotated[
    Fixed
    | Uniform
    | Triangular
    | Pert
    | Normal
    | TruncNormal
    | LogNormal
    | Beta
    | Gamma
    | Poisson
    | Bernoulli
    | Discrete
    | Empirical,
    Field(discriminator="kind"),
]


def _number_to_fixed(x: Any) -> Any:
    """Turn a bare number (not a bool) into a ``fixed`` table."""
    if isinstance(x, bool | np.bool_):
        raise ValueError("expected a number or a distribution table with a kind, got a boolean")
    if isinstance(x, numbers.Real):
        return {"kind": "fixed", "value": float(x)}
    return x


DistributionOrNumber: TypeAlias = Annotated[Distribution, BeforeValidator(_number_to_fixed)]

_ADAPTER: TypeAdapter[Distribution] = TypeAdapter(DistributionOrNumber)


def as_distribution(x: float | Distribution) -> Distribution:
    """Return ``x`` if it is a distribution, else ``Fixed(value=x)``.

    Parameters
    ----------
    x
        A number (not a bool) or a distribution.
    """
    return _ADAPTER.validate_python(x)


__all__ = [
    "PERCENTILES",
    "Bernoulli",
    "Beta",
    "Discrete",
    "Distribution",
    "DistributionOrNumber",
    "Empirical",
    "Fixed",
    "Gamma",
    "LogNormal",
    "Normal",
    "Num",
    "Pert",
    "Poisson",
    "Pos",
    "Triangular",
    "TruncNormal",
    "Uniform",
    "as_distribution",
]
