"""What a scenario costs to simulate, checked before any run: the planned budget's range,
the work of scope creep, and the memory one block of trials needs.

:func:`check_capacity` runs in the scenario's validation, so ``simcrm validate`` and every
command that loads a scenario refuse one that cannot be simulated, naming the field
that drives the cost. The model works on blocks of :data:`BLOCK_TRIALS` trials; its
arrays grow with the number of components, risks, criteria, population parameters and
correlated inputs, and scope creep samples one scope fraction per approved change
request.
"""

from __future__ import annotations

import math
from typing import Any

from simcrm.errors import ScenarioError
from simcrm.scenario.costcurve import planned_budget
from simcrm.scenario.envelope import MAX_MONEY, MIN_BUDGET, effective_range

Scenario = Any
"""A validated :class:`simcrm.scenario.schema.Scenario` (it calls this module while it is
validated, so the type is named here without importing it: no import circle)."""

BLOCK_TRIALS = 16_384
"""Trials per block (``simcrm.streams.BLOCK_SIZE``, the model's unit of work)."""

MAX_APPROVED_REQUESTS = 10_000.0
"""Most approved change requests a project may expect (each parameter at its worst):
scope creep draws one scope fraction per approved request, so a block costs about
16,384 × this many draws (1.6e8: a few seconds, sampled in bounded pieces)."""

MAX_ARRIVALS = 1e9
"""Most change requests a project may expect to arrive (counted, not stored)."""

MAX_BLOCK_BYTES = 1 << 30
"""Most memory one block of trials may need (1 GiB)."""

BYTES_PER_VALUE = 8


def check_capacity(scenario: Scenario) -> None:
    """Refuse a scenario whose budget leaves the envelope, whose scope creep is too much
    work, or whose block of trials needs more than :data:`MAX_BLOCK_BYTES`.

    Raises
    ------
    ScenarioError
        Naming the field that drives the cost.
    """
    check_budget(scenario)
    check_scope_work(scenario)
    check_memory(scenario)


def _ends(scenario: Scenario, path: str, value: float) -> tuple[float, float]:
    """The range of a number the population may vary (its effective range), else the
    number itself at both ends."""
    dist = scenario.population.paths().get(path)
    return (value, value) if dist is None else effective_range(dist)


def check_budget(scenario: Scenario) -> None:
    """The planned budget ``B`` must lie in ``[MIN_BUDGET, MAX_MONEY]`` over every value
    of ``plan.users`` and ``plan.price_level`` (it grows with both: a cost curve's slope
    is at least -1)."""
    plan = scenario.plan
    users = _ends(scenario, "plan.users", float(plan.users))
    price = _ends(scenario, "plan.price_level", plan.price_level)
    points = plan.curve_points()
    for u, p in ((users[0], price[0]), (users[1], price[1])):
        if not (math.isfinite(u) and math.isfinite(p)) or u <= 0 or p <= 0:
            continue  # refused by the population's own range check
        budget = float(planned_budget(u, points, p)[()])
        if not MIN_BUDGET <= budget <= MAX_MONEY:
            field = "plan.cost_curve" if plan.cost_curve is not None else "plan.price_level"
            raise ScenarioError(
                field,
                f"a planned budget of {budget:.3g} at {u:g} users and price level {p:g}",
                f"the planned budget users × cost_per_user × price_level must lie within "
                f"[{MIN_BUDGET:g}, {MAX_MONEY:g}] (the model's money envelope)",
            )


def _worst(scenario: Scenario, path: str, value: float, *, low: bool = False) -> float:
    lo, hi = _ends(scenario, path, value)
    return lo if low else hi


def expected_requests(scenario: Scenario) -> tuple[float, float, str]:
    """Expected change requests per project that arrive and that are approved, each
    parameter at its worst, and the field that drives them.

    The exposure is the execution cap if one is set; else the expected length of
    execution, ``D / (1 − R)`` for a base duration ``D`` (planned months × the schedule
    factor's 99th percentile) and an offspring mean ``R < 1``.
    """
    sc = scenario.scope
    q_low = effective_range(
        scenario.population.paths().get("plan.planning_quality") or scenario.plan.planning_quality
    )[0]
    k = _worst(scenario, "scope.discovery_planning_effect", sc.discovery_planning_effect, low=True)
    governance = _worst(scenario, "scope.governance", sc.governance, low=True)
    discovery = _worst(scenario, "scope.discovery_rate", sc.discovery_rate)
    department = _worst(scenario, "scope.department_rate", sc.department_rate) * _worst(
        scenario, "scope.departments", float(sc.departments)
    )
    rate = discovery * (1 - k * max(q_low, 0.0)) + department * (1 - governance)
    p_approve = _worst(scenario, "scope.p_approve", sc.p_approve)
    driver = "scope.discovery_rate" if discovery >= department else "scope.department_rate"
    if rate <= 0:
        return 0.0, 0.0, driver
    cap = scenario.execution.max_execution_months
    if cap is not None:
        exposure = cap
    else:
        t0 = effective_range(
            scenario.population.paths().get("plan.planned_months") or scenario.plan.planned_months
        )[1]
        r = scenario.offspring_mean()
        exposure = math.inf if r >= 1 else t0 * _schedule_p99(scenario) / (1 - r)
    arrivals = rate * exposure
    return arrivals, arrivals * p_approve, driver


def _schedule_p99(scenario: Scenario) -> float:
    """The schedule factor's 99th percentile (a long execution, not an extreme one)."""
    schedule = scenario.execution.schedule
    if hasattr(schedule, "ppf"):
        return float(schedule.ppf(0.99))
    p50, p90 = schedule.p50, schedule.p90  # a { p50, p90 } lognormal
    return float(p50 * math.exp(math.log(p90 / p50) / 1.2815515655446004 * 2.3263478740408408))


def check_scope_work(scenario: Scenario) -> None:
    """Scope creep must be a bounded amount of work, with or without an execution cap."""
    arrivals, approved, driver = expected_requests(scenario)
    cap = scenario.execution.max_execution_months
    over = (
        f"{approved:.3g} approved change requests per project"
        if approved > MAX_APPROVED_REQUESTS
        else f"{arrivals:.3g} change requests per project"
        if arrivals > MAX_ARRIVALS
        else None
    )
    if over is None:
        return
    within = (
        f"within the execution cap of {cap:g} months"
        if cap is not None
        else "over the expected execution"
    )
    raise ScenarioError(
        driver,
        over,
        f"scope creep is expected to bring this many {within} (request rate × p_approve × "
        f"months, at their worst): at most {MAX_APPROVED_REQUESTS:,.0f} approved and "
        f"{MAX_ARRIVALS:.0e} arriving can be simulated; lower the rates"
        + (" or execution.max_execution_months" if cap is not None else ""),
    )


def block_bytes(scenario: Scenario) -> dict[str, int]:
    """Estimated memory of one block of trials, by the field that drives each part."""
    per_trial_values = {
        "components": 12 * len(scenario.components),
        "risks": 12 * len(scenario.risks),
        "criteria": len(scenario.criteria),
        "population": 3 * len(scenario.population.paths()),
        "correlations": 4 * len(scenario.correlations.names()),
        "simulation.horizon_months": 2 * min(scenario.simulation.horizon_months, 12),
        "outputs": 64,
    }
    found = {k: v * BLOCK_TRIALS * BYTES_PER_VALUE for k, v in per_trial_values.items()}
    # scope creep samples its scope fractions in pieces of at most 2**20 per generation
    _, approved, driver = expected_requests(scenario)
    pieces = min(approved * BLOCK_TRIALS, float(1 << 20))
    found[driver] = found.get(driver, 0) + int(3 * BYTES_PER_VALUE * pieces)
    return found


def check_memory(scenario: Scenario) -> None:
    """Refuse a scenario whose block of trials needs more than :data:`MAX_BLOCK_BYTES`,
    naming the field that needs the most."""
    parts = block_bytes(scenario)
    total = sum(parts.values())
    if total <= MAX_BLOCK_BYTES:
        return
    field = max(parts, key=lambda k: parts[k])
    raise ScenarioError(
        field,
        f"about {total / 2**20:,.0f} MiB per block of {BLOCK_TRIALS:,} trials",
        f"a block of trials may need at most {MAX_BLOCK_BYTES / 2**20:,.0f} MiB; "
        f"{field} needs the most ({parts[field] / 2**20:,.0f} MiB)",
    )
