"""One whole trial as a simpy process, and many trials as a table (docs/model.md §1–§7).

A trial: draw the plan and the trial's parameters, and decide the risks of its register
(:mod:`simcrm.reference.risks`); run execution in continuous time
(:mod:`simcrm.reference.execution`), then wait out the execution risks' delay; if the
project was not cut at the cap, go live at ``ceil(actual_months)`` — where the operation
risks strike — and operate to the horizon (:mod:`simcrm.reference.operation`); then add
up the money. The implementation cost is spread evenly over the execution
months — month ``m`` pays for the part of execution in ``(m − 1, m]`` — and every flow
is counted at its month's end, ``v^m`` with ``v = (1 + r)^(−1/12)``.
"""

from __future__ import annotations

import dataclasses
import math
import multiprocessing
from collections.abc import Generator
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
import simpy

from simcrm.reference.draws import Constants, correlated_inputs, draw_trial
from simcrm.reference.execution import Execution, run_execution
from simcrm.reference.operation import Books, Operation
from simcrm.reference.population import draw_population, input_column, with_values
from simcrm.reference.risks import TrialRisks, draw_risks
from simcrm.scenario.criteria import compile_criteria, evaluate_criteria
from simcrm.scenario.outputs import (
    BOOLEAN_OUTPUTS,
    FAIL_PREFIX,
    OUTPUT_COLUMNS,
    RISK_COST_PREFIX,
    RISK_PREFIX,
)
from simcrm.scenario.paths import PER_TRIAL_NUMBERS, lookup
from simcrm.scenario.schema import Scenario

Row = dict[str, Any]


def trial_generator(seed: int, trial: int) -> np.random.Generator:
    """The generator of one trial: ``SeedSequence(seed, spawn_key=(trial,))``."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(trial,))))


def implementation_pv(cost: float, months: float, v: float) -> float:
    """Present value of ``cost`` spread evenly over ``[0, months]``, month by month."""
    pv = 0.0
    for month in range(1, math.ceil(months) + 1):
        part = min(month, months) - (month - 1)
        pv += v**month * cost * part / months
    return pv


def run_trial(
    scenario: Scenario,
    rng: np.random.Generator,
    const: Constants | None = None,
    correlated: dict[str, float] | None = None,
) -> Row:
    """Simulate one trial with its own generator ``rng``.

    Returns
    -------
    dict
        Every column of :data:`simcrm.scenario.outputs.OUTPUT_COLUMNS` except ``trial``, as
        Python scalars (no criteria), then ``risk_<name>`` and ``cost_risk_<name>`` per
        risk of the register.
    """
    const = Constants.of(scenario) if const is None else const
    draws = draw_trial(scenario, const, rng, correlated)
    risks = draw_risks(scenario, rng, const.budget, correlated or {})
    horizon = scenario.simulation.horizon_months
    v = (1.0 + scenario.money.discount_rate) ** (-1.0 / 12.0)
    env = simpy.Environment()
    result: dict[str, Any] = {"struck": False, "pv_at_go_live": 0.0}

    def project() -> Generator[simpy.Event, object, None]:
        state, finished = run_execution(
            env, scenario, rng, draws.planned_months, draws.base_months, draws.quality
        )
        yield finished
        result["execution"] = state
        # the execution risks' delay: after scope creep (no change requests in it), up to
        # the cap, where a project still running is cut and abandoned
        end, months, cut = state.end + risks.delay, state.actual_months, state.abandoned
        if not cut and risks.delay > 0:
            yield env.timeout(min(end, state.cap) - env.now)
            cut = end > state.cap
            months = state.cap if cut else end
        result["months"], result["cut"] = months, cut
        component_cost = const.budget * const.shares * draws.factors
        full_cost = float(component_cost.sum()) + const.budget * state.scope_growth
        full_cost += risks.execution_cost + risks.mitigation_cost
        spent = min(1.0, months / end)  # a cut project paid pro rata
        result["spent"] = spent
        result["actual_cost"] = full_cost * spent
        result["omitted_cost"] = float(component_cost[draws.omitted].sum()) * spent
        if cut:
            return
        go_live = math.ceil(months)
        result["go_live"] = go_live
        yield env.timeout(max(0.0, go_live - env.now))
        trial, cash = draws, -result["actual_cost"]
        if go_live < horizon:  # the operation risks strike now
            result["struck"] = True
            trial = dataclasses.replace(
                draws,
                ceiling=max(draws.ceiling - risks.ceiling_cut, 0.0)
                if risks.ceiling_cut > 0
                else draws.ceiling,
                value_per_user=draws.value_per_user * risks.benefit_factor,
            )
            cash -= risks.operation_cost
            result["pv_at_go_live"] = risks.operation_cost * v**go_live
        operation = Operation(env, scenario, trial, rng, go_live, const.budget, cash)
        result["books"] = operation.books
        operation.start()

    env.process(project())
    env.run()
    state: Execution = result["execution"]
    books: Books = result.get("books") or Books(cum_cash=0.0, adoption_12m=0.0)
    planned_cost = const.budget * float(const.shares[~draws.omitted].sum())
    planned_cost += risks.mitigation_cost
    actual_months, cut = result["months"], result["cut"]
    pv_costs = implementation_pv(result["actual_cost"], actual_months, v) + books.pv_costs
    pv_costs += result["pv_at_go_live"]
    npv = books.pv_benefits - pv_costs
    return {
        "planned_cost": planned_cost,
        "actual_cost": result["actual_cost"],
        "cost_overrun": result["actual_cost"] / planned_cost - 1.0,
        "planned_months": draws.planned_months,
        "actual_months": actual_months,
        "schedule_overrun": actual_months / draws.planned_months - 1.0,
        "change_requests": state.change_requests,
        "scope_growth": state.scope_growth,
        "omitted_cost": result["omitted_cost"],
        "adoption_12m": books.adoption_12m,
        "adoption_final": books.adoption_final,
        "improvements": books.improvements,
        "improvement_cost": books.improvement_cost,
        "rescued": books.rescued,
        "abandoned": cut or not math.isnan(books.abandon_month),
        "abandon_month": actual_months if cut else books.abandon_month,
        "pv_costs": pv_costs,
        "pv_benefits": books.pv_benefits,
        "npv": npv,
        "roi": npv / pv_costs,
        "payback_month": books.payback_month,
        "intangible_score": draws.intangible_points * books.active_months / horizon,
        # payback counted in months of operation (NaN if never, or never live)
        "payback_from_go_live": books.payback_month - result.get("go_live", math.nan),
    } | _risk_columns(risks, result["spent"], result["struck"])


def _risk_columns(risks: TrialRisks, spent: float, struck: bool) -> Row:
    """``risk_<name>`` and ``cost_risk_<name>`` of every risk, in register order."""
    occurred = {RISK_PREFIX + name: hit for name, hit in risks.occurred.items()}
    paid = {RISK_COST_PREFIX + name: c for name, c in risks.paid(spent, struck).items()}
    return occurred | paid


def _rows(scenario: Scenario, seed: int, first: int, stop: int) -> list[Row]:
    """Trials ``first`` to ``stop - 1``, each from its own generator.

    A trial first draws its population parameters (if any) and the review settings a
    scenario gives as distributions, then runs on its own copy of the scenario; the
    population values are returned as ``in_<path>``.
    """
    const = Constants.of(scenario)
    rows = []
    for trial in range(first, stop):
        rng = trial_generator(seed, trial)
        values = draw_population(scenario, rng)
        numbers = {
            path: float(lookup(scenario, path).sample(rng, 1)[0])  # type: ignore[attr-defined]
            for path in PER_TRIAL_NUMBERS
            if hasattr(lookup(scenario, path), "sample")
        }
        scores, correlated = correlated_inputs(scenario, rng)
        if values or numbers or correlated:
            own = with_values(scenario, numbers | correlated | values)
            row = run_trial(own, rng, Constants.of(own), scores)
            row.update({input_column(path): value for path, value in values.items()})
        else:
            row = run_trial(scenario, rng, const, scores)
        rows.append(row)
    return rows


def _context() -> multiprocessing.context.BaseContext:
    """Workers fork from a single-threaded server with the model already imported.

    Not plain fork: the caller may hold threads (pyarrow's pools) whose locks fork would
    copy. As with any non-fork start method, a script must guard its entry point with
    ``if __name__ == "__main__":``.
    """
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return context


def simulate_reference(
    scenario: Scenario, trials: int, seed: int, *, workers: int = 1
) -> pd.DataFrame:
    """Simulate ``trials`` projects with the reference model.

    Parameters
    ----------
    scenario
        The project model.
    trials
        Number of trials (numbered from 0).
    seed
        Root entropy; trial ``t`` draws from ``SeedSequence(seed, spawn_key=(t,))``.
    workers
        Processes to spread the trials over; the result does not depend on it. With
        more than one, a script must guard its entry point (``if __name__ ==
        "__main__":``).

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`simcrm.simulate`, with the same names, dtypes and order:
        :data:`simcrm.scenario.outputs.OUTPUT_COLUMNS`, then ``fail_<name>`` per criterion, then
        ``risk_<name>`` and ``cost_risk_<name>`` per risk, then ``in_<path>`` per
        population parameter.
    """
    if workers <= 1 or trials < 2 * workers:
        rows = _rows(scenario, seed, 0, trials)
    else:
        edges = np.linspace(0, trials, workers + 1).astype(int)
        with ProcessPoolExecutor(workers, mp_context=_context()) as pool:
            parts = pool.map(_rows, [scenario] * workers, [seed] * workers, edges[:-1], edges[1:])
            rows = [row for part in parts for row in part]
    columns: dict[str, np.ndarray] = {"trial": np.arange(trials, dtype=np.int64)}
    for name, dtype in OUTPUT_COLUMNS.items():
        if name != "trial":
            columns[name] = np.array([row[name] for row in rows], dtype=dtype)
    compiled = compile_criteria(
        scenario.criteria, {c: c in BOOLEAN_OUTPUTS for c in OUTPUT_COLUMNS}
    )
    for name, verdict in evaluate_criteria(compiled, columns).items():
        columns[FAIL_PREFIX + name] = verdict
    for prefix, dtype in ((RISK_PREFIX, np.bool_), (RISK_COST_PREFIX, np.float64)):
        for risk in scenario.risks:
            columns[prefix + risk.name] = np.array([row[prefix + risk.name] for row in rows], dtype)
    for path in scenario.population.paths():
        columns[input_column(path)] = np.array([row[input_column(path)] for row in rows])
    return pd.DataFrame(columns)
