"""The simcrm model as a plain per-trial Python loop: the "naive" peer of the benchmark.

One trial at a time, in scalar Python: every random number is a scalar draw from a numpy
:class:`~numpy.random.Generator` (or a small per-trial draw), nothing is vectorised
across trials. The semantics are those of the vectorised core (:mod:`simcrm.model`),
stage by stage — plan, costs, schedule, scope creep, adoption, reviews, money, verdicts —
but the random numbers are not shared with it (one generator for the whole run).

It is what a straightforward implementation looks like, written with the usual care
(parameters resolved once per run, not per trial), so that ``make bench`` can report how
much the vectorised core buys. ``tests/bench/test_bench_tools.py`` checks that it agrees
with :func:`simcrm.simulate` on deterministic scenarios, and in distribution.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from simcrm.distributions import (
    Bernoulli,
    Beta,
    Distribution,
    Fixed,
    Gamma,
    LogNormal,
    Normal,
    Pert,
    Poisson,
    Triangular,
    Uniform,
)
from simcrm.model.costs import Z90
from simcrm.model.parameters import lookup
from simcrm.scenario.costcurve import planned_budget
from simcrm.scenario.criteria import Apply, Compare, Const, Criterion, Name, Node, compile_criteria
from simcrm.scenario.outputs import BOOLEAN_OUTPUTS, FAIL_PREFIX, OUTPUT_COLUMNS
from simcrm.scenario.schema import Scenario

Sampler = Callable[[np.random.Generator], float]
"""Draws one value of a distribution from a generator."""

NAN = math.nan


def scalar_sampler(dist: Distribution) -> Sampler:
    """A one-value sampler of ``dist`` using the generator's scalar draws."""
    match dist:
        case Fixed(value=value):
            return lambda rng: value
        case Uniform(low=low, high=high):
            return lambda rng: rng.uniform(low, high)
        case Triangular(low=low, mode=mode, high=high):
            return lambda rng: rng.triangular(low, mode, high)
        case Pert():
            return scalar_sampler(dist.as_beta())
        case Beta(a=a, b=b, low=low, high=high):
            return lambda rng: low + (high - low) * rng.beta(a, b)
        case Normal(loc=loc, sd=sd):
            return lambda rng: rng.normal(loc, sd)
        case LogNormal():
            mu, sigma = dist.log_mu(), dist.log_sigma()
            return lambda rng: rng.lognormal(mu, sigma)
        case Gamma(shape=shape, scale=scale):
            return lambda rng: rng.gamma(shape, scale)
        case Poisson(lam=lam):
            return lambda rng: float(rng.poisson(lam))
        case Bernoulli(p=p):
            return lambda rng: 1.0 if rng.random() < p else 0.0
    # truncnormal, discrete, empirical: the distribution's own sampler, one value at a time
    return lambda rng: float(dist.sample(rng, 1)[0])


def _constant(value: float) -> Sampler:
    return lambda rng: value


def _ratio(a: float, b: float) -> float:
    """``a / b`` with numpy's rules for ``b = 0`` (±inf, or nan for ``0/0``)."""
    if b != 0.0:
        return a / b
    if a == 0.0 or math.isnan(a):
        return NAN
    return math.copysign(math.inf, a) * math.copysign(1.0, b)


def _annuity(v: float, months: float) -> float:
    """``Σ_{m=1}^{n} v^m`` for whole ``n = months``."""
    if v == 1.0:
        return months
    return v * (1.0 - v**months) / (1.0 - v)


@dataclass(frozen=True)
class Setup:
    """Every parameter of the scenario resolved to a scalar or a one-value sampler.

    Built once per run (or once per trial when the scenario has a population section,
    whose per-trial values override the scenario's).
    """

    users: float
    budget: float
    shares: tuple[float, ...]
    p_omit: tuple[float, ...]
    labour: tuple[bool, ...]
    log_mu: tuple[float, ...]
    log_sigma: tuple[float, ...]
    planned_months: Sampler
    quality: Sampler
    spread_effect: float
    rho: float
    rho_own: float
    tail_probability: float
    tail_min: float
    tail_exponent: float
    tail_schedule_exponent: float
    schedule_mu: float
    schedule_sigma: float
    schedule_rho: float
    schedule_own: float
    cap: float | None
    discovery_rate: float
    discovery_effect: float
    department: float
    p_approve: float
    effect: Sampler
    ceiling: Sampler
    innovation: Sampler
    training: float
    imitation: Sampler
    collaboration: float
    discontinuance: Sampler
    rejection_probability: float
    rejection_rate: Sampler
    rejection_onset: int
    running_per_user: Sampler
    running_fixed: Sampler
    value_per_user: Sampler
    intangible_points: Sampler
    intangible_price: float
    horizon: int
    v: float
    evaluation: bool
    improvement: bool
    rescue: bool
    cycle_months: int
    targets: tuple[float, ...]
    noise_sd: float
    noise_floor: float
    improvement_cost: float
    improvement_uplift: float
    abandon_threshold: float
    abandon_min_months: int
    rescue_cost: float
    rescue_success: float
    rescue_uplift: float
    max_rescues: int

    @classmethod
    def build(cls, scenario: Scenario, overrides: Mapping[str, float] | None = None) -> Setup:
        """Resolve ``scenario``'s parameters, with per-path ``overrides`` taking precedence."""
        over = dict(overrides or {})

        def value(path: str) -> float:
            return float(over[path]) if path in over else float(lookup(scenario, path))  # type: ignore[arg-type]

        def sampler(path: str) -> Sampler:
            if path in over:
                return _constant(float(over[path]))
            dist = lookup(scenario, path)
            return scalar_sampler(dist)  # type: ignore[arg-type]

        names = list(scenario.components)
        comp = scenario.components
        p50 = [value(f"components.{c}.overrun.p50") for c in names]
        p90 = [value(f"components.{c}.overrun.p90") for c in names]
        users = value("plan.users")
        price = value("plan.price_level")
        rho = value("execution.rho")
        s_rho = value("execution.schedule_rho")
        s50, s90 = value("execution.schedule.p50"), value("execution.schedule.p90")
        policy = scenario.reviews
        cap = scenario.execution.max_execution_months
        return cls(
            users=users,
            budget=float(planned_budget(users, scenario.plan.curve_points(), price)),
            shares=tuple(comp[c].share for c in names),
            p_omit=tuple(value(f"components.{c}.p_omit") * comp[c].overlookable for c in names),
            labour=tuple(comp[c].labour for c in names),
            log_mu=tuple(math.log(x) for x in p50),
            log_sigma=tuple(math.log(b / a) / Z90 for a, b in zip(p50, p90, strict=True)),
            planned_months=sampler("plan.planned_months"),
            quality=sampler("plan.planning_quality"),
            spread_effect=value("plan.spread_planning_effect"),
            rho=rho,
            rho_own=math.sqrt(1.0 - rho * rho),
            tail_probability=value("execution.tail_probability"),
            tail_min=value("execution.tail_min"),
            tail_exponent=-1.0 / value("execution.tail_alpha"),
            tail_schedule_exponent=value("execution.tail_schedule_exponent"),
            schedule_mu=math.log(s50),
            schedule_sigma=math.log(s90 / s50) / Z90,
            schedule_rho=s_rho,
            schedule_own=math.sqrt(1.0 - s_rho * s_rho),
            cap=None if cap is None else value("execution.max_execution_months"),
            discovery_rate=value("scope.discovery_rate"),
            discovery_effect=value("scope.discovery_planning_effect"),
            department=value("scope.department_rate")
            * value("scope.departments")
            * (1.0 - value("scope.governance")),
            p_approve=value("scope.p_approve"),
            effect=scalar_sampler(scenario.scope.effect),
            ceiling=sampler("adoption.ceiling"),
            innovation=sampler("adoption.innovation"),
            training=value("adoption.training_effect") * value("adoption.training"),
            imitation=sampler("adoption.imitation"),
            collaboration=1.0
            + value("adoption.collaboration_effect") * value("adoption.collaboration"),
            discontinuance=sampler("adoption.discontinuance"),
            rejection_probability=value("adoption.rejection_probability"),
            rejection_rate=sampler("adoption.rejection_rate"),
            rejection_onset=scenario.adoption.rejection_onset_months,
            running_per_user=sampler("money.running_cost_per_user_month"),
            running_fixed=sampler("money.running_fixed_month"),
            value_per_user=sampler("money.value_per_active_user_month"),
            intangible_points=sampler("money.intangible_points"),
            intangible_price=value("money.intangible_price"),
            horizon=scenario.simulation.horizon_months,
            v=(1.0 + scenario.money.discount_rate) ** (-1.0 / 12.0),
            evaluation=policy.evaluation,
            improvement=policy.improvement,
            rescue=policy.rescue,
            cycle_months=policy.cycle_months,
            targets=tuple(policy.targets),
            noise_sd=value("reviews.noise_sd"),
            noise_floor=value("reviews.noise_floor"),
            improvement_cost=value("reviews.improvement_cost"),
            improvement_uplift=value("reviews.improvement_uplift"),
            abandon_threshold=value("reviews.abandon_threshold"),
            abandon_min_months=policy.abandon_min_months,
            rescue_cost=value("reviews.rescue_cost"),
            rescue_success=value("reviews.rescue_success"),
            rescue_uplift=value("reviews.rescue_uplift"),
            max_rescues=policy.max_rescues,
        )


def run_trial(s: Setup, rng: np.random.Generator) -> dict[str, Any]:
    """One project from plan to horizon: the output columns of docs/model.md §7 (no verdicts)."""
    # plan
    budget = s.budget
    planned_months = s.planned_months(rng)
    q = s.quality(rng)
    omitted = [rng.random() < p * (1.0 - q) for p in s.p_omit]
    planned_cost = budget * sum(sh for sh, om in zip(s.shares, omitted, strict=True) if not om)

    # costs: one-factor Gaussian copula, Pareto tail (minimum tail_min) on labour
    shock = rng.standard_normal()
    spread = 1.0 - s.spread_effect * q
    log_x = [
        mu + sigma * spread * (s.rho * shock + s.rho_own * rng.standard_normal())
        for mu, sigma in zip(s.log_mu, s.log_sigma, strict=True)
    ]
    in_tail = rng.random() < s.tail_probability
    pareto = s.tail_min * (1.0 - rng.random()) ** s.tail_exponent
    tail = pareto if in_tail else 1.0
    factors = [
        math.exp(x + math.log(tail)) if lab else math.exp(x)
        for x, lab in zip(log_x, s.labour, strict=True)
    ]

    # schedule, correlated with the cost shock
    z = s.schedule_rho * shock + s.schedule_own * rng.standard_normal()
    base = planned_months * math.exp(s.schedule_mu + s.schedule_sigma * spread * z)
    base *= tail**s.tail_schedule_exponent

    # scope creep: the branching process, generation by generation
    rate = s.discovery_rate * (1.0 - s.discovery_effect * q) + s.department
    limit = math.inf if s.cap is None else s.cap
    requests, growth, start, end = 0, 0.0, 0.0, base
    abandoned_exec = False
    while rate > 0:
        window_end = end
        arrivals = int(rng.poisson(rate * (min(window_end, limit) - start)))
        approved = int(rng.binomial(arrivals, s.p_approve)) if arrivals else 0
        added = 0.0
        for _ in range(approved):
            added += s.effect(rng)
        requests += arrivals
        growth += added
        cut = window_end > limit
        abandoned_exec |= cut
        start = window_end
        end = window_end + planned_months * added
        if cut or added <= 0:
            break
    abandoned_exec |= base > limit
    end_months = base + planned_months * growth
    actual_months = end_months if s.cap is None else min(end_months, s.cap)

    # implementation cost, cut at the cap at the planned pace
    component_cost = [budget * sh * f for sh, f in zip(s.shares, factors, strict=True)]
    full_cost = sum(component_cost) + budget * growth
    spent = min(1.0, actual_months / end_months)
    actual_cost = full_cost * spent
    omitted_cost = sum(c for c, om in zip(component_cost, omitted, strict=True) if om) * spent
    horizon, v = s.horizon, s.v
    live = not abandoned_exec
    go_live = math.ceil(actual_months) if live else horizon
    whole = math.floor(actual_months)
    pace = actual_cost / actual_months if actual_months > 0 else 0.0
    pv_impl = pace * (_annuity(v, whole) + (actual_months - whole) * v ** math.ceil(actual_months))

    # adoption and money parameters
    m = s.ceiling(rng)
    p = min(s.innovation(rng) + s.training, 1.0)
    qb = s.imitation(rng) * s.collaboration
    retention = 1.0 - s.discontinuance(rng)
    running = s.users * s.running_per_user(rng) + s.running_fixed(rng)
    value = s.value_per_user(rng)
    points = s.intangible_points(rng)
    rho = 0.0  # rejection: whether the project's users turn against it, then how fast
    if s.rejection_probability > 0.0:
        turns = rng.random() < s.rejection_probability
        rate_drawn = s.rejection_rate(rng)
        rho = rate_drawn if turns else 0.0

    # operate: month by month from go-live to the horizon or abandonment
    sigma = s.noise_sd * (1.0 - q) + s.noise_floor
    value_at_full = s.users * value + s.intangible_price * points / horizon
    improvement_price = budget * s.improvement_cost
    rescue_price = budget * s.rescue_cost
    stop = max(horizon - go_live, 0) if live else 0
    discount_at_go_live = v**go_live
    worth = value_at_full if value_at_full > 0 else math.inf
    slope = running / worth
    offset = actual_cost / worth if value_at_full > 0 else math.inf
    imitation_per_m = qb / m if m > 0 else 0.0
    a = used = used_discounted = final = extra_pv = improvement_cost = 0.0
    month_12 = NAN if stop < 12 else 0.0
    improvements = rescues = 0
    rescued = False
    abandon_after = -1
    payback = NAN
    for k in range(1, stop + 1):
        if rho > 0.0 and k > s.rejection_onset:
            # a share ρ of the active users rejects it for good: they leave the ceiling too
            before = a
            a = a * (retention - rho) + (p + imitation_per_m * a) * (m - a)
            m -= rho * before
            a = min(max(a, 0.0), m)
            imitation_per_m = qb / m if m > 0 else 0.0
        else:
            a = min(a * retention + (p + imitation_per_m * a) * (m - a), m)
        if k == 12:
            month_12 = a
        if s.evaluation and k % s.cycle_months == 0:
            number = k // s.cycle_months
            measured = a + rng.standard_normal() * sigma
            draw = rng.random()
            target = s.targets[min(number, len(s.targets)) - 1]
            alarm = measured < s.abandon_threshold and k >= s.abandon_min_months
            can_rescue = alarm and rescues < s.max_rescues and s.rescue
            rescued_now = can_rescue and draw < s.rescue_success
            improved = not alarm and measured < target and s.improvement
            gap = 1.0 - m
            if improved and a < target:
                m += s.improvement_uplift * gap
            if rescued_now:
                m += s.rescue_uplift * gap
            if rescued_now or (improved and a < target):
                rho = 0.0  # what raises the ceiling ends the rejection from the next month
            imitation_per_m = qb / m if m > 0 else 0.0
            cost = improvement_price if improved else 0.0
            improvements += improved
            improvement_cost += cost
            if can_rescue:
                cost += rescue_price
                rescues += 1
            offset += cost / worth
            extra_pv += cost * discount_at_go_live * v**k
            rescued |= rescued_now
            if alarm and not rescued_now:
                abandon_after = stop = k
        used += a
        used_discounted += a * v**k
        if k == stop:
            final = a
        if math.isnan(payback) and used >= slope * k + offset:
            payback = go_live + k
        if k == stop:
            break

    at_horizon = live and stop == horizon - go_live
    twelve = live and go_live + 12 <= horizon
    pv_costs = pv_impl + (running * discount_at_go_live * _annuity(v, stop) + extra_pv)
    pv_benefits = value_at_full * discount_at_go_live * used_discounted
    npv = pv_benefits - pv_costs
    abandoned_op = abandon_after >= 0
    if abandoned_exec:
        abandon_month = actual_months
    elif abandoned_op:
        abandon_month = float(go_live + abandon_after)
    else:
        abandon_month = NAN
    return {
        "planned_cost": planned_cost,
        "actual_cost": actual_cost,
        "cost_overrun": _ratio(actual_cost, planned_cost) - 1.0,
        "planned_months": planned_months,
        "actual_months": actual_months,
        "schedule_overrun": _ratio(actual_months, planned_months) - 1.0,
        "change_requests": requests,
        "scope_growth": growth,
        "omitted_cost": omitted_cost,
        "adoption_12m": month_12 if twelve else (NAN if live else 0.0),
        "adoption_final": final if at_horizon else 0.0,
        "improvements": improvements,
        "improvement_cost": improvement_cost,
        "rescued": rescued,
        "abandoned": abandoned_exec or abandoned_op,
        "abandon_month": abandon_month,
        "pv_costs": pv_costs,
        "pv_benefits": pv_benefits,
        "npv": npv,
        "roi": _ratio(npv, pv_costs),
        "payback_month": payback,
        "intangible_score": points * used / horizon,
        # months of operation to payback (NaN if never, or never live)
        "payback_from_go_live": payback - go_live,
    }


_OPS: dict[str, Callable[..., Any]] = {
    "or": lambda x, y: bool(x) or bool(y),
    "and": lambda x, y: bool(x) and bool(y),
    "not": lambda x: not x,
    "neg": lambda x: -x,
    "+": lambda x, y: x + y,
    "-": lambda x, y: x - y,
    "*": lambda x, y: x * y,
    "/": _ratio,
    "<": lambda x, y: x < y,
    "<=": lambda x, y: x <= y,
    ">": lambda x, y: x > y,
    ">=": lambda x, y: x >= y,
    "==": lambda x, y: x == y,
    "!=": lambda x, y: x != y,
}


def verdict(node: Node, row: Mapping[str, Any]) -> Any:
    """Evaluate a parsed criterion on one trial's outputs, in scalar Python."""
    match node:
        case Const(value=value, boolean=boolean):
            return bool(value) if boolean else float(value)
        case Name(name=name, boolean=boolean):
            return bool(row[name]) if boolean else float(row[name])
        case Apply(op=op, args=args):
            return _OPS[op](*(verdict(arg, row) for arg in args))
        case Compare(operands=operands, ops=ops):
            values = [verdict(operand, row) for operand in operands]
            return all(_OPS[op](values[k], values[k + 1]) for k, op in enumerate(ops))
    raise TypeError(f"not a criterion node: {node!r}")


def compiled_criteria(scenario: Scenario) -> dict[str, Criterion]:
    """The scenario's criteria, parsed as the core parses them."""
    return compile_criteria(
        dict(scenario.criteria), {c: c in BOOLEAN_OUTPUTS for c in OUTPUT_COLUMNS}
    )


def simulate_loop(scenario: Scenario, trials: int, seed: int) -> pd.DataFrame:
    """Simulate ``trials`` projects one at a time.

    Parameters
    ----------
    scenario
        The project model.
    trials
        Number of trials (numbered from 0).
    seed
        Seed of the one generator every trial draws from in turn.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`simcrm.simulate`, with the same names, dtypes and order.
    """
    rng = np.random.default_rng(seed)
    criteria = compiled_criteria(scenario)
    population = scenario.population.paths()
    samplers = {path: scalar_sampler(dist) for path, dist in population.items()}
    setup = Setup.build(scenario)
    rows: list[dict[str, Any]] = []
    for _ in range(trials):
        drawn = {}
        if samplers:
            drawn = {path: draw(rng) for path, draw in samplers.items()}
            setup = Setup.build(scenario, drawn)
        row = run_trial(setup, rng)
        for name, criterion in criteria.items():
            row[name] = bool(verdict(criterion.tree, row))
        row.update(drawn)
        rows.append(row)
    columns: dict[str, Any] = {"trial": np.arange(trials, dtype=np.int64)}
    for name, dtype in list(OUTPUT_COLUMNS.items())[1:]:
        columns[name] = np.array([r[name] for r in rows], dtype=dtype)
    for name in criteria:
        columns[FAIL_PREFIX + name] = np.array([r[name] for r in rows], dtype=np.bool_)
    for path in population:
        columns["in_" + path.replace(".", "_")] = np.array(
            [r[path] for r in rows], dtype=np.float64
        )
    return pd.DataFrame(columns)
