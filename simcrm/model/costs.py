"""Execute: correlated, fat-tailed cost overrun factors per component (docs/model.md §2)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.special import ndtr, ndtri

from simcrm.model.design import normal_scores
from simcrm.model.parameters import Parameters, Value, per_component
from simcrm.scenario.delivery import is_percentile_factor

FloatArray = npt.NDArray[np.float64]

Z90 = float(ndtri(0.9))
"""The standard normal 90th percentile: ``sigma = ln(p90 / p50) / Z90``."""


MIN_FACTOR = 1e-6
"""Smallest factor a distribution-valued factor yields (the schema refuses factors that can
be 0; a continuous one can still come arbitrarily close, which would make a duration of
1e-300 months)."""


def log_factor(dist: Any, z: FloatArray, spread: Value) -> FloatArray:
    """The log of a factor given as a distribution, from its normal score ``z``.

    ``X = F⁻¹(Φ(z))``, then the planning quality narrows it around its median ``m`` in
    log space, as it narrows a lognormal's sigma: ``ln m + (1 − s q) (ln X − ln m)``. For
    a lognormal this is exactly ``mu + sigma (1 − s q) z``; for any other distribution
    ``z`` keeps its correlation with the shared shock through the copula. Values below
    :data:`MIN_FACTOR` count as it.
    """
    x = np.maximum(dist.ppf(ndtr(z)), MIN_FACTOR)
    log_m = np.log(max(float(dist.ppf(0.5)), MIN_FACTOR))
    return log_m + spread * (np.log(x) - log_m)


def _mixed_log_params(params: Parameters, n: int) -> tuple[FloatArray, FloatArray]:
    """``(mu, sigma)`` per component, shaped ``(components, 1 or trials)``: those of the
    ``{ p50, p90 }`` factors, and 0 and 1 for factors given as distributions."""
    mus, sigmas = [], []
    for name, c in params.scenario.components.items():
        if is_percentile_factor(c.overrun):
            path = f"components.{name}.overrun"
            m, s = log_params(params.value(f"{path}.p50"), params.value(f"{path}.p90"))
        else:
            m, s = 0.0, 1.0
        mus.append(np.broadcast_to(m, n))
        sigmas.append(np.broadcast_to(s, n))
    return np.vstack(mus), np.vstack(sigmas)


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
    planning quality's spread effect. An override of ``components.<c>.overrun`` (a
    per-trial value) replaces that factor after planning's narrowing and before the tail:
    the value ``in_components_<c>_overrun`` reports. With probability ``tail_probability`` the labour
    components take an extra Pareto multiplier ``x_m U^(−1/alpha) ≥ x_m`` (``x_m`` =
    ``tail_min``, ``alpha`` = ``tail_alpha``): a black swan's labour cost is at least
    ``x_m`` times its body's, and above that its survival function falls as
    ``x^(−alpha)``, the power law of the IT reference class (docs/model.md §2).
    """
    n = len(quality)
    components = params.scenario.components
    kinds = [c.overrun for c in components.values()]
    other = [i for i, f in enumerate(kinds) if not is_percentile_factor(f)]
    mu: Value
    sigma: Value
    if other:  # some factors are distributions: their rows get mu = 0, sigma = 1 here
        mu, sigma = _mixed_log_params(params, n)
    else:
        mu, sigma = log_params(
            per_component(params, "overrun.p50", n), per_component(params, "overrun.p90", n)
        )
    labour = np.flatnonzero([c.labour for c in components.values()])
    rho = params.value("execution.rho")
    shock = rng.standard_normal(n)
    # drawn trial by trial, computed component by component (contiguous rows are fast)
    log_x = np.ascontiguousarray(rng.standard_normal((n, len(components))).T)
    if params.design:  # a sampling design's scores (the stream drew anyway)
        shock = normal_scores(params.design, "execution.shock", shock)
        for row, name in enumerate(components):
            log_x[row] = normal_scores(params.design, f"components.{name}.overrun", log_x[row])
    log_x *= np.sqrt(1.0 - np.square(rho))
    log_x += rho * shock  # z = rho Z + sqrt(1 − rho²) eps
    for row, name in enumerate(components):  # a correlated factor: its score from [correlations]
        score = params.scores.get(f"components.{name}.overrun")
        if score is not None:
            log_x[row] = score
    scores = log_x[other].copy() if other else None
    spread = 1.0 - params.value("plan.spread_planning_effect") * quality
    log_x *= sigma * spread
    log_x += mu
    if scores is not None:
        for row, z in zip(other, scores, strict=True):
            log_x[row] = log_factor(kinds[row], z, spread)
    for row, name in enumerate(components):  # a factor held per trial (sensitivity analyses)
        held = params.overrides.get(f"components.{name}.overrun")
        if held is not None:
            log_x[row] = np.log(np.maximum(np.broadcast_to(held, n), MIN_FACTOR))
    if params.sampled is not None:
        for name, row in zip(components, log_x, strict=True):
            params.note(f"components.{name}.overrun", np.exp(row))
    occurs = params.uniforms("execution.tail", rng.random(n))
    in_tail = np.flatnonzero(occurs < params.value("execution.tail_probability"))
    uniform = params.uniforms("execution.tail_size", rng.random(n))
    alpha = np.broadcast_to(params.value("execution.tail_alpha"), n)
    least = np.broadcast_to(params.value("execution.tail_min"), n)
    tail = np.ones(n)  # the few tail projects only: a power is costly
    tail[in_tail] = least[in_tail] * (1.0 - uniform[in_tail]) ** (-1.0 / alpha[in_tail])
    log_x[np.ix_(labour, in_tail)] += np.log(tail[in_tail])
    params.note("execution.tail", tail)
    return CostDraws(np.exp(log_x, out=log_x), shock, tail)
