"""Execute: correlated, fat-tailed cost overrun factors per component (docs/model.md §2)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.special import ndtri

from simcrm.model.parameters import Parameters, Value, per_component

FloatArray = npt.NDArray[np.float64]

Z90 = float(ndtri(0.9))
"""The standard normal 90th percentile: ``sigma = ln(p90 / p50) / Z90``."""


def log_params(p50: Value, p90: Value) -> tuple[Value, Value]:
    """``(mu, sigma)`` of the log of a factor given by its p50 and p90."""
    return np.log(p50), np.log(np.divide(p90, p50)) / Z90


@dataclass(frozen=True)
class CostDraws:
    """Overrun draws of each trial.

    Attributes
    ----------
    factors
        Multiplicative overrun of each component, shape ``(components, trials)``.
    shock
        The shared project shock ``Z`` (standard normal) that correlates the factors.
    tail
        The fat-tail multiplier (1 unless the trial drew a tail event).
    """

    factors: FloatArray
    shock: FloatArray
    tail: FloatArray


def draw_costs(params: Parameters, rng: np.random.Generator, quality: FloatArray) -> CostDraws:
    """Draw overrun factors from the COSTS stream.

    One-factor Gaussian copula: component ``c`` has
    ``ln X_c = mu_c + sigma_c (1 − s q) (rho Z + sqrt(1 − rho²) ε_c)``, with ``s`` the
    planning quality's spread effect. With probability ``tail_probability`` the labour
    components take an extra Pareto(``tail_alpha``) multiplier ``U^(−1/alpha) ≥ 1``.
    """
    n = len(quality)
    components = params.scenario.components
    mu, sigma = log_params(
        per_component(params, "overrun.p50", n), per_component(params, "overrun.p90", n)
    )
    labour = np.flatnonzero([c.labour for c in components.values()])
    rho = params.value("execution.rho")
    shock = rng.standard_normal(n)
    # drawn trial by trial, computed component by component (contiguous rows are fast)
    log_x = np.ascontiguousarray(rng.standard_normal((n, len(components))).T)
    log_x *= np.sqrt(1.0 - np.square(rho))
    log_x += rho * shock  # z = rho Z + sqrt(1 − rho²) eps
    spread = 1.0 - params.value("plan.spread_planning_effect") * quality
    log_x *= sigma * spread
    log_x += mu
    in_tail = np.flatnonzero(rng.random(n) < params.value("execution.tail_probability"))
    uniform = rng.random(n)
    alpha = np.broadcast_to(params.value("execution.tail_alpha"), n)
    tail = np.ones(n)  # the few tail projects only: a power is costly
    tail[in_tail] = (1.0 - uniform[in_tail]) ** (-1.0 / alpha[in_tail])
    log_x[np.ix_(labour, in_tail)] += np.log(tail[in_tail])
    return CostDraws(np.exp(log_x, out=log_x), shock, tail)
