"""One block of trials through every stage: plan → execute → operate → money → verdicts."""

from __future__ import annotations

import functools
from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

from simcrm.model.adoption import draw_adoption
from simcrm.model.correlate import correlated_draws
from simcrm.model.costs import draw_costs
from simcrm.model.inputs import draw_number_inputs
from simcrm.model.money import monthly_factor, spread_present_value
from simcrm.model.operate import draw_money, operate
from simcrm.model.parameters import Parameters
from simcrm.model.plan import draw_plan
from simcrm.model.schedule import draw_base_months
from simcrm.model.scope import grow_scope, request_rate
from simcrm.scenario.criteria import Criterion, compile_criteria, evaluate_criteria
from simcrm.scenario.outputs import BOOLEAN_OUTPUTS, FAIL_PREFIX, OUTPUT_COLUMNS
from simcrm.scenario.schema import Scenario
from simcrm.streams import BLOCK_SIZE, Stage, block_generator

Columns = dict[str, npt.NDArray[np.generic]]
FloatArray = npt.NDArray[np.float64]


def input_column(path: str) -> str:
    """Output column of a sampled input: ``scope.discovery_rate`` → ``in_scope_discovery_rate``."""
    return "in_" + path.replace(".", "_")


def population_draws(
    scenario: Scenario,
    rng: np.random.Generator,
    size: int,
    overrides: Mapping[str, FloatArray] | None,
) -> dict[str, FloatArray]:
    """Per-trial values of the population parameters, from the POPULATION stream.

    Every population parameter is drawn (epistemic first, in declaration order) so that
    the stream is consumed the same way whatever is overridden; ``overrides`` then
    replace draws (e.g. one value per world in a survey simulation).
    """
    drawn = {path: dist.sample(rng, size) for path, dist in scenario.population.paths().items()}
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
        schedule factor (before the tail), the tail multiplier (``in_execution_tail``).

    Returns
    -------
    dict
        Every column of :data:`simcrm.scenario.outputs.OUTPUT_COLUMNS`, then ``fail_<name>`` for
        each criterion, as numpy arrays of length ``size``.
    """

    def rng(stage: Stage) -> np.random.Generator:
        return block_generator(seed, block, stage)

    drawn = draw_number_inputs(scenario, rng(Stage.INPUTS), size)
    scores, correlated = correlated_draws(scenario, rng(Stage.CORRELATION), size)
    drawn |= correlated
    drawn |= population_draws(scenario, rng(Stage.POPULATION), size, overrides)
    params = Parameters(scenario, drawn, record=inputs, scores=scores)
    for path, values in drawn.items():
        params.note(path, np.broadcast_to(values, size))
    plan = draw_plan(params, rng(Stage.PLAN), size)
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
    actual_months = scope.end_months if cap is None else np.minimum(scope.end_months, cap)
    component_cost = plan.budget * plan.shares * costs.factors
    full_cost = component_cost.sum(axis=0) + plan.budget * scope.scope_growth
    # a project cut at the cap has paid for the months it ran, at its planned pace
    spent = np.minimum(1.0, actual_months / scope.end_months)
    actual_cost = full_cost * spent
    omitted_cost = (component_cost * plan.omitted).sum(axis=0) * spent

    horizon = scenario.simulation.horizon_months
    live = ~scope.abandoned
    go_live = np.where(live, np.ceil(actual_months), horizon).astype(np.int64)
    v = monthly_factor(params.value("money.discount_rate"))  # one, or per trial
    pv_implementation = spread_present_value(actual_cost, actual_months, v)
    op = operate(
        params,
        rng(Stage.REVIEWS),
        go_live,
        live,
        -actual_cost,
        plan.quality,
        plan.budget,
        draw_adoption(params, rng(Stage.ADOPTION), size),
        draw_money(params, rng(Stage.MONEY), size),
    )
    pv_costs = pv_implementation + op.pv_costs
    npv = op.pv_benefits - pv_costs
    columns: Columns = {
        "trial": np.arange(block * BLOCK_SIZE, block * BLOCK_SIZE + size, dtype=np.int64),
        "planned_cost": plan.planned_cost,
        "actual_cost": actual_cost,
        "cost_overrun": actual_cost / plan.planned_cost - 1.0,
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
        "abandoned": scope.abandoned | op.abandoned,
        "abandon_month": np.where(scope.abandoned, actual_months, op.abandon_month),
        "pv_costs": pv_costs,
        "pv_benefits": op.pv_benefits,
        "npv": npv,
        "roi": npv / pv_costs,
        "payback_month": op.payback_month,
        "intangible_score": op.intangible_score,
    }
    columns = {
        name: columns[name].astype(dtype, copy=False) for name, dtype in OUTPUT_COLUMNS.items()
    }
    for name, verdict in evaluate_criteria(_compiled(scenario), columns).items():
        columns[FAIL_PREFIX + name] = verdict
    for path in scenario.population.paths():
        columns[input_column(path)] = np.broadcast_to(params.overrides[path], size).astype(
            np.float64
        )
    for path, values in (params.sampled or {}).items():
        columns.setdefault(input_column(path), values)
    return columns
