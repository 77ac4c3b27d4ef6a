"""Per-trial parameters of the reference model, drawn one trial at a time (docs/model.md §1–§5).

The constructions are deliberately different from the vectorised core's while giving the
same distributions: the correlated overrun and schedule factors are one multivariate
normal draw with the one-factor correlation matrix written out, and the fat tail is
``tail_min`` times numpy's Lomax + 1 (a Pareto with minimum ``tail_min``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.special import ndtri
from scipy.stats import norm

from simcrm.distributions import Distribution
from simcrm.scenario.correlations import is_valid, nearest_correlation, normal_scores_matrix
from simcrm.scenario.costcurve import planned_budget
from simcrm.scenario.paths import correlatable, lookup
from simcrm.scenario.schema import Overrun, Scenario

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def log_params(overrun: object) -> tuple[float, float]:
    """Median and 90th percentile → ``(mu, sigma)`` of the factor's log (NaN for a factor
    given as a distribution: :func:`factor` handles those)."""
    if not isinstance(overrun, Overrun):
        return float("nan"), float("nan")
    return float(np.log(overrun.p50)), float(np.log(overrun.p90 / overrun.p50) / ndtri(0.9))


def factor(given: object, mu: float, sigma: float, spread: float, score: float) -> float:
    """One overrun or schedule factor from its normal score.

    ``{ p50, p90 }``: ``exp(mu + sigma (1 − s q) z)``. A distribution: its quantile at
    ``Φ(z)``, narrowed around its median in log space by the same ``1 − s q``, written
    here with scipy's ``norm.cdf`` and the distribution's own ``ppf`` at a scalar.
    """
    if isinstance(given, Overrun):
        return float(np.exp(mu + sigma * spread * score))
    dist: Distribution = given  # type: ignore[assignment]
    median = float(dist.ppf(0.5))
    x = max(float(dist.ppf(float(norm.cdf(score)))), np.finfo(float).tiny)
    return float(median * (x / median) ** spread)


@dataclass(frozen=True)
class Constants:
    """What a scenario fixes for every trial.

    Attributes
    ----------
    budget
        ``B = users × cost_per_user(users) × price_level``.
    shares, p_omit, labour
        Per component: budget share, omission probability at ``q = 0`` (0 unless
        overlookable), and whether it is labour (takes the fat tail).
    mu, sigma
        Log-median and log-spread of each component's overrun, then of the schedule.
    root
        A matrix ``A`` with ``A Aᵀ`` the correlation matrix of the normal scores of the
        components and the schedule: ``ρ²`` between components, ``ρ ρ_s`` between a
        component and the schedule (one shared project shock).
    """

    budget: float
    shares: FloatArray
    p_omit: FloatArray
    labour: BoolArray
    mu: FloatArray
    sigma: FloatArray
    root: FloatArray

    @classmethod
    def of(cls, scenario: Scenario) -> Constants:
        """Compute the constants of ``scenario``."""
        plan, ex = scenario.plan, scenario.execution
        parts = list(scenario.components.values())
        budget = float(planned_budget(plan.users, plan.curve_points(), plan.price_level))
        loadings = np.array([ex.rho] * len(parts) + [ex.schedule_rho])
        corr = np.outer(loadings, loadings)
        np.fill_diagonal(corr, 1.0)
        eigenvalues, vectors = np.linalg.eigh(corr)
        root = vectors * np.sqrt(np.clip(eigenvalues, 0.0, None))
        logs = np.array([log_params(c.overrun) for c in parts] + [log_params(ex.schedule)])
        return cls(
            budget=budget,
            shares=np.array([c.share for c in parts]),
            p_omit=np.array([c.p_omit if c.overlookable else 0.0 for c in parts]),
            labour=np.array([c.labour for c in parts]),
            mu=logs[:, 0],
            sigma=logs[:, 1],
            root=root,
        )


@dataclass(frozen=True)
class TrialDraws:
    """The random parameters of one trial.

    Attributes
    ----------
    planned_months, quality
        ``T0`` and planning quality ``q``.
    omitted
        Per component: left out of the plan.
    factors
        Per component: multiplicative cost overrun.
    base_months
        Execution months before scope creep, ``T0 · F_sched``.
    ceiling, innovation, imitation, discontinuance
        Bass parameters ``m``, ``p``, ``qb``, ``δ``.
    running_month, value_per_user, intangible_points
        Running cost per month, value per active user-month, intangible points.
    rejection
        ``ρ``: monthly share of active users who reject the system for good once the
        onset has passed, if this project's users turn against it; else 0.
    """

    planned_months: float
    quality: float
    omitted: BoolArray
    factors: FloatArray
    base_months: float
    ceiling: float
    innovation: float
    imitation: float
    discontinuance: float
    running_month: float
    value_per_user: float
    intangible_points: float
    rejection: float = 0.0


def _one(dist: Distribution, rng: np.random.Generator) -> float:
    """One draw from a scenario distribution."""
    return float(dist.sample(rng, 1)[0])


def draw_trial(
    scenario: Scenario,
    const: Constants,
    rng: np.random.Generator,
    correlated: dict[str, float] | None = None,
) -> TrialDraws:
    """Draw every per-trial parameter of one trial from its generator ``rng``.

    ``correlated``: normal scores of the factors ``[correlations]`` names, which replace
    their shock-correlated scores (see :func:`correlated_inputs`).
    """
    plan, ex, ad, mo = scenario.plan, scenario.execution, scenario.adoption, scenario.money
    t0 = _one(plan.planned_months, rng)
    q = _one(plan.planning_quality, rng)
    omitted = rng.random(len(const.shares)) < const.p_omit * (1.0 - q)

    # normal scores of the components and the schedule, correlated by one project shock
    scores = const.root @ rng.standard_normal(len(const.mu))
    paths = [f"components.{name}.overrun" for name in scenario.components] + ["execution.schedule"]
    for i, path in enumerate(paths):
        if correlated and path in correlated:
            scores[i] = correlated[path]
    spread = 1.0 - plan.spread_planning_effect * q
    given = [c.overrun for c in scenario.components.values()] + [ex.schedule]
    own = np.array(
        [
            factor(g, m, s, spread, float(z))
            for g, m, s, z in zip(given, const.mu, const.sigma, scores, strict=True)
        ]
    )
    black_swan = rng.random() < ex.tail_probability
    tail = ex.tail_min * (1.0 + rng.pareto(ex.tail_alpha)) if black_swan else 1.0
    factors = own[:-1] * np.where(const.labour, tail, 1.0)
    schedule = float(own[-1]) * tail**ex.tail_schedule_exponent

    innovation = min(_one(ad.innovation, rng) + ad.training_effect * ad.training, 1.0)
    imitation = _one(ad.imitation, rng) * (1.0 + ad.collaboration_effect * ad.collaboration)
    ceiling, discontinuance = _one(ad.ceiling, rng), _one(ad.discontinuance, rng)
    running = plan.users * _one(mo.running_cost_per_user_month, rng)
    running += _one(mo.running_fixed_month, rng)
    value, points = _one(mo.value_per_active_user_month, rng), _one(mo.intangible_points, rng)
    rejection = 0.0
    if ad.rejection_probability > 0:  # whether its users turn against it, then how fast
        turns = bool(rng.random() < ad.rejection_probability)
        rate = _one(ad.rejection_rate, rng)
        rejection = rate if turns else 0.0
    return TrialDraws(
        planned_months=t0,
        quality=q,
        omitted=omitted,
        factors=factors,
        base_months=t0 * schedule,
        ceiling=ceiling,
        innovation=innovation,
        imitation=imitation,
        discontinuance=discontinuance,
        running_month=running,
        value_per_user=value,
        intangible_points=points,
        rejection=rejection,
    )


def correlated_inputs(
    scenario: Scenario, rng: np.random.Generator
) -> tuple[dict[str, float], dict[str, float]]:
    """One trial's draws of the inputs ``[correlations]`` names.

    One multivariate normal draw (numpy's ``multivariate_normal``, by SVD: a different
    construction from the core's eigen root) with the normal-score correlation matrix;
    a factor or a risk's occurrence keeps its score, a distribution takes its quantile at
    ``Φ(z)`` (scipy).

    Returns
    -------
    tuple of dict
        Scores of the correlated factors and risk occurrences, and values of the
        correlated distributions.
    """
    corr = scenario.correlations
    names = corr.names()
    if not names:
        return {}, {}
    cov = normal_scores_matrix(corr.ranks())
    if corr.repair and not is_valid(cov):
        cov = nearest_correlation(cov)
    z = rng.multivariate_normal(np.zeros(len(names)), cov, method="svd")
    kinds = correlatable(scenario)
    scored = ("factor", "occurrence")
    scores = {n: float(v) for n, v in zip(names, z, strict=True) if kinds[n] in scored}
    values = {
        n: float(lookup(scenario, n).ppf(float(norm.cdf(v))))  # type: ignore[attr-defined]
        for n, v in zip(names, z, strict=True)
        if kinds[n] not in scored
    }
    return scores, values
