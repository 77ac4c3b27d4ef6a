"""One block of trials through every stage: plan → execute → operate → money → verdicts."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from simcrm.criteria import compile_criteria, evaluate_criteria
from simcrm.model.adoption import draw_adoption
from simcrm.model.costs import draw_costs
from simcrm.model.money import monthly_factor, spread_present_value
from simcrm.model.operate import draw_money, operate
from simcrm.model.plan import draw_plan
from simcrm.model.schedule import draw_base_months
from simcrm.model.scope import grow_scope, request_rate
from simcrm.outputs import BOOLEAN_OUTPUTS, FAIL_PREFIX, OUTPUT_COLUMNS
from simcrm.scenario import Scenario
from simcrm.streams import BLOCK_SIZE, Stage, block_generator

Columns = dict[str, npt.NDArray[np.generic]]


def simulate_block(scenario: Scenario, seed: int, block: int, size: int = BLOCK_SIZE) -> Columns:
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

    Returns
    -------
    dict
        Every column of :data:`simcrm.outputs.OUTPUT_COLUMNS`, then ``fail_<name>`` for
        each criterion, as numpy arrays of length ``size``.
    """

    def rng(stage: Stage) -> np.random.Generator:
        return block_generator(seed, block, stage)

    plan = draw_plan(scenario, rng(Stage.PLAN), size)
    costs = draw_costs(scenario, rng(Stage.COSTS), plan.quality)
    base_months = draw_base_months(
        scenario, rng(Stage.SCHEDULE), plan.planned_months, plan.quality, costs.shock, costs.tail
    )
    scope = grow_scope(
        rng(Stage.SCOPE),
        request_rate(scenario, plan.quality),
        scenario.scope.p_approve,
        scenario.scope.effect,
        plan.planned_months,
        base_months,
        scenario.execution.max_execution_months,
    )
    cap = scenario.execution.max_execution_months
    actual_months = scope.end_months if cap is None else np.minimum(scope.end_months, cap)
    component_cost = plan.budget * plan.shares * costs.factors
    full_cost = component_cost.sum(axis=1) + plan.budget * scope.scope_growth
    # a project cut at the cap has paid for the months it ran, at its planned pace
    spent = np.minimum(1.0, actual_months / scope.end_months)
    actual_cost = full_cost * spent
    omitted_cost = (component_cost * plan.omitted).sum(axis=1) * spent

    horizon = scenario.simulation.horizon_months
    live = ~scope.abandoned
    go_live = np.where(live, np.ceil(actual_months), horizon).astype(np.int64)
    v = monthly_factor(scenario.money.discount_rate)
    pv_implementation = spread_present_value(actual_cost, actual_months, v)
    op = operate(
        scenario,
        rng(Stage.REVIEWS),
        go_live,
        live,
        -actual_cost,
        plan.quality,
        plan.budget,
        draw_adoption(scenario, rng(Stage.ADOPTION), size),
        draw_money(scenario, rng(Stage.MONEY), size),
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
    compiled = compile_criteria(
        scenario.criteria, {c: c in BOOLEAN_OUTPUTS for c in OUTPUT_COLUMNS}
    )
    for name, verdict in evaluate_criteria(compiled, columns).items():
        columns[FAIL_PREFIX + name] = verdict
    return columns
