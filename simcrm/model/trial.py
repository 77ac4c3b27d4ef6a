"""One block of trials through every stage: plan → execute → operate → money → verdicts."""

from __future__ import annotations

import functools
from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

from simcrm.model.adoption import draw_adoption
from simcrm.model.correlate import correlated_draws
from simcrm.model.costs import draw_costs
from simcrm.model.design import design_uniforms
from simcrm.model.inputs import draw_number_inputs, uses_number_inputs
from simcrm.model.money import monthly_factor, spread_present_value
from simcrm.model.operate import ADOPTION_BINS, CASH_BINS, cash_bin, draw_money, operate
from simcrm.model.parameters import Parameters
from simcrm.model.plan import draw_plan
from simcrm.model.risks import draw_risks
from simcrm.model.schedule import draw_base_months
from simcrm.model.scope import grow_scope, request_rate
from simcrm.scenario.criteria import Criterion, compile_criteria, evaluate_criteria
from simcrm.scenario.outputs import (
    BOOLEAN_OUTPUTS,
    FAIL_PREFIX,
    OUTPUT_COLUMNS,
    RISK_COST_PREFIX,
    RISK_PREFIX,
)
from simcrm.scenario.schema import Scenario
from simcrm.streams import BLOCK_SIZE, Stage, block_generator

Columns = dict[str, npt.NDArray[np.generic]]
ADOPTION_BY_MONTH = "adoption_by_month"
"""Key of the monthly adoption counts in a block's columns (only with ``monthly``)."""
CASH_BY_MONTH = "cash_by_month"
"""Key of the monthly counts of cumulative cash (only with ``monthly``)."""
MONTHLY_KEYS = (ADOPTION_BY_MONTH, CASH_BY_MONTH)
FloatArray = npt.NDArray[np.float64]


def input_column(path: str) -> str:
    """Output column of a sampled input: ``scope.discovery_rate`` → ``in_scope_discovery_rate``."""
    return "in_" + path.replace(".", "_")


def population_draws(
    scenario: Scenario,
    rng: np.random.Generator,
    size: int,
    overrides: Mapping[str, FloatArray] | None,
    design: Mapping[str, FloatArray] | None = None,
) -> dict[str, FloatArray]:
    """Per-trial values of the population parameters, from the POPULATION stream.

    Every population parameter is drawn (epistemic first, in declaration order) so that
    the stream is consumed the same way whatever is overridden; ``overrides`` then
    replace draws (e.g. one value per world in a survey simulation).
    """
    drawn = {path: dist.sample(rng, size) for path, dist in scenario.population.paths().items()}
    for path, dist in scenario.population.paths().items():
        if design and path in design:  # a sampling design's column (the stream drew anyway)
            drawn[path] = np.asarray(dist.ppf(design[path]), dtype=np.float64)
    return drawn | dict(overrides or {})


def _compiled(scenario: Scenario) -> dict[str, Criterion]:
    """The scenario's criteria, parsed once per scenario."""
    return _compile(tuple(scenario.criteria.items()))


@functools.lru_cache(maxsize=64)
def _compile(criteria: tuple[tuple[str, str], ...]) -> dict[str, Criterion]:
    return compile_criteria(dict(criteria), {c: c in BOOLEAN_OUTPUTS for c in OUTPUT_COLUMNS})


def simulate_block(
    scenario: Scenario,
    seed: int,
    block: int,
    size: int = BLOCK_SIZE,
    overrides: Mapping[str, FloatArray] | None = None,
    inputs: bool = False,
    monthly: bool = False,
    sampling: str = "mc",
) -> Columns:
    """Simulate the trials of block ``block`` of a run seeded with ``seed``.

    Parameters
    ----------
    scenario
        The project model.
    seed
        The run's root entropy.
    block
        Block index: its trials are numbered from ``block * BLOCK_SIZE``.
    size
        Trials in this block (``BLOCK_SIZE`` except for a run's last block).
    overrides
        Per-trial parameter values by dotted path (see :mod:`simcrm.model.parameters`).
    inputs
        Also return every sampled input as a column ``in_<path>`` (dots as underscores):
        the draws of distribution-valued fields, each cost item's overrun factor and the
        schedule factor (before the tail), the tail multiplier (``in_execution_tail``),
        each risk's occurrence uniform (``in_risks_<name>_occurrence``) and impact draws
        (``in_risks_<name>_<impact>``, drawn in every trial, before any mitigation).

    Returns
    -------
    dict
        Every column of :data:`simcrm.scenario.outputs.OUTPUT_COLUMNS`, then ``fail_<name>`` for
        each criterion, then ``risk_<name>`` and ``cost_risk_<name>`` for each risk of the
        register, as numpy arrays of length ``size``; with ``monthly``, also
        :data:`ADOPTION_BY_MONTH`: the counts of operating trials by month after go-live
        and active share (:func:`simcrm.model.operate.operate`), a block-level array that
        :func:`simcrm.engine.blocks.compute_blocks` adds up rather than concatenates.
    sampling
        ``"mc"``: every per-trial input from its stream; ``"lhs"`` or ``"sobol"``: from a
        randomised design of the block (:mod:`simcrm.model.design`).
    """

    def rng(stage: Stage) -> np.random.Generator:
        return block_generator(seed, block, stage)

    design = (
        design_uniforms(scenario, sampling, rng(Stage.DESIGN), size) if sampling != "mc" else {}
    )
    # streams a scenario may not use are not even created (so their cost is not paid)
    drawn = (
        draw_number_inputs(scenario, rng(Stage.INPUTS), size, design)
        if uses_number_inputs(scenario)
        else {}
    )
    scores, correlated = (
        correlated_draws(scenario, rng(Stage.CORRELATION), size, design)
        if scenario.correlations.names()
        else ({}, {})
    )
    drawn |= correlated
    drawn |= population_draws(scenario, rng(Stage.POPULATION), size, overrides, design)
    params = Parameters(scenario, drawn, record=inputs, scores=scores, design=design)
    for path, values in drawn.items():
        params.note(path, np.broadcast_to(values, size))
    plan = draw_plan(params, rng(Stage.PLAN), size)
    # the register draws from its own stream, and only if there is one (docs/model.md §8)
    risks = draw_risks(params, rng(Stage.RISKS), plan.budget, size) if scenario.risks else None
    costs = draw_costs(params, rng(Stage.COSTS), plan.quality)
    base_months = draw_base_months(
        params, rng(Stage.SCHEDULE), plan.planned_months, plan.quality, costs.shock, costs.tail
    )
    cap = None
    if scenario.execution.max_execution_months is not None:
        cap = params.value("execution.max_execution_months")
    scope = grow_scope(
        rng(Stage.SCOPE),
        request_rate(params, plan.quality),
        params.value("scope.p_approve"),
        scenario.scope.effect,
        plan.planned_months,
        base_months,
        cap,
    )
    end_months, cut = scope.end_months, scope.abandoned
    planned_cost = plan.planned_cost
    component_cost = plan.budget * plan.shares * costs.factors
    full_cost = component_cost.sum(axis=0) + plan.budget * scope.scope_growth
    if risks is not None:
        # risk delays come after scope creep and before the cap, as scope creep's months do
        end_months = end_months + risks.delay
        if cap is not None:
            cut = cut | (end_months > cap)
        full_cost = full_cost + risks.execution_cost + risks.mitigation_cost
        planned_cost = planned_cost + risks.mitigation_cost  # a mitigation is planned
    actual_months = end_months if cap is None else np.minimum(end_months, cap)
    # a project cut at the cap has paid for the months it ran, at its planned pace
    spent = np.minimum(1.0, actual_months / end_months)
    actual_cost = full_cost * spent
    omitted_cost = (component_cost * plan.omitted).sum(axis=0) * spent

    horizon = scenario.simulation.horizon_months
    live = ~cut
    # a month past 2**53 is as late as any (past the horizon); the clip keeps the int exact
    go_live = np.where(live, np.minimum(np.ceil(actual_months), 2.0**53), horizon).astype(np.int64)
    v = monthly_factor(params.value("money.discount_rate"))  # one, or per trial
    pv_implementation = spread_present_value(actual_cost, actual_months, v)
    reviews_rng = rng(Stage.REVIEWS)
    adoption = draw_adoption(params, rng(Stage.ADOPTION), size)
    money = draw_money(params, rng(Stage.MONEY), size)
    cash_at_go_live = -actual_cost
    struck = live & (go_live < horizon)  # operation risks strike at go-live, if within H
    pv_at_go_live = None
    if risks is not None:
        adoption, money, at_go_live = risks.at_go_live(adoption, money, struck)
        cash_at_go_live = cash_at_go_live - at_go_live
        pv_at_go_live = at_go_live * v ** go_live.astype(np.float64)  # at the month's end
    by_month = np.zeros((horizon, ADOPTION_BINS), dtype=np.int64) if monthly else None
    cash_by_month = None
    if monthly:
        cash_by_month = execution_cash(
            actual_cost, actual_months, go_live, live, cash_at_go_live, plan.budget, horizon
        )
    op = operate(
        params,
        reviews_rng,
        go_live,
        live,
        cash_at_go_live,
        plan.quality,
        plan.budget,
        adoption,
        money,
        by_month,
        cash_by_month,
    )
    pv_costs = pv_implementation + op.pv_costs
    if pv_at_go_live is not None:
        pv_costs = pv_costs + pv_at_go_live
    npv = op.pv_benefits - pv_costs
    columns: Columns = {
        "trial": np.arange(block * BLOCK_SIZE, block * BLOCK_SIZE + size, dtype=np.int64),
        "planned_cost": planned_cost,
        "actual_cost": actual_cost,
        "cost_overrun": actual_cost / planned_cost - 1.0,
        "planned_months": plan.planned_months,
        "actual_months": actual_months,
        "schedule_overrun": actual_months / plan.planned_months - 1.0,
        "change_requests": scope.change_requests,
        "scope_growth": scope.scope_growth,
        "omitted_cost": omitted_cost,
        "adoption_12m": op.adoption_12m,
        "adoption_final": op.adoption_final,
        "improvements": op.improvements,
        "improvement_cost": op.improvement_cost,
        "rescued": op.rescued,
        "abandoned": cut | op.abandoned,
        "abandon_month": np.where(cut, actual_months, op.abandon_month),
        "pv_costs": pv_costs,
        "pv_benefits": op.pv_benefits,
        "npv": npv,
        "roi": npv / pv_costs,
        "payback_month": op.payback_month,
        "intangible_score": op.intangible_score,
        # months of operation to payback (go_live: the month at whose end execution ended)
        "payback_from_go_live": op.payback_month - go_live,
    }
    columns = {
        name: columns[name].astype(dtype, copy=False) for name, dtype in OUTPUT_COLUMNS.items()
    }
    for name, verdict in evaluate_criteria(_compiled(scenario), columns).items():
        columns[FAIL_PREFIX + name] = verdict
    if risks is not None:
        for name, occurred in risks.occurred.items():
            columns[RISK_PREFIX + name] = occurred
        for name, paid in risks.paid(spent, struck).items():
            columns[RISK_COST_PREFIX + name] = paid
    for path in scenario.population.paths():
        columns[input_column(path)] = np.broadcast_to(params.overrides[path], size).astype(
            np.float64
        )
    for path, values in (params.sampled or {}).items():
        columns.setdefault(input_column(path), values)
    if by_month is not None and cash_by_month is not None:
        columns[ADOPTION_BY_MONTH] = by_month
        columns[CASH_BY_MONTH] = cash_by_month
    return columns


def execution_cash(
    cost: FloatArray,
    months: FloatArray,
    go_live: npt.NDArray[np.int64],
    live: npt.NDArray[np.bool_],
    at_go_live: FloatArray,
    budget: FloatArray,
    horizon: int,
) -> npt.NDArray[np.int64]:
    """Counts (month × cash bin) of the cumulative cash of the months before operation:
    the implementation cost spent evenly over the months of execution, the cash at
    go-live in its month, and a project cut in execution flat at its cost until the
    horizon (:func:`simcrm.model.operate.cash_bin`: multiples of the budget)."""
    scale = np.broadcast_to(budget, cost.shape)
    last = int(min(horizon, np.max(np.where(live, go_live, np.ceil(months)), initial=0)))
    # trials sorted by the last month they are counted here, latest first: the trials of
    # month t are then a prefix (no masks), and those going live in t end it
    ends = np.minimum(np.where(live, go_live, last), last)
    order = np.argsort(-ends, kind="stable")
    cost_s, months_s, scale_s = cost[order], months[order], scale[order]
    live_s, go_live_s, at_go_live_s = live[order], go_live[order], at_go_live[order]
    reach = np.searchsorted(-ends[order], -np.arange(last + 2), side="right")
    cells = np.empty(int(reach[1 : last + 1].sum()), dtype=np.int64)
    filled = 0
    for t in range(1, last + 1):  # months in which some project is still being built
        m, going = int(reach[t]), int(reach[t + 1])
        cash = -cost_s[:m] * np.minimum(t / months_s[:m], 1.0)
        fix = np.flatnonzero(live_s[going:m] & (go_live_s[going:m] == t)) + going
        cash[fix] = at_go_live_s[fix]
        cells[filled : filled + m] = (t - 1) * CASH_BINS + cash_bin(cash / scale_s[:m])
        filled += m
    counts = np.bincount(cells[:filled], minlength=horizon * CASH_BINS).reshape(horizon, CASH_BINS)
    flat = ~live  # projects cut in execution stay at their cost until the horizon
    if last < horizon and flat.any():
        bins = np.bincount(cash_bin(-cost[flat] / scale[flat]), minlength=CASH_BINS)
        counts[last:] += bins
    return counts
