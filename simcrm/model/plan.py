"""Plan: the budget, planned duration, planning quality and omitted items (docs/model.md §1)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from simcrm.model.parameters import Parameters, per_component
from simcrm.scenario.costcurve import planned_budget

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class PlanDraws:
    """What the plan fixes for each trial.

    Attributes
    ----------
    budget
        Planned implementation budget ``B`` before omissions, per trial.
    shares
        Budget share of each component, shape ``(components, 1)``.
    planned_months
        Planned duration ``T0`` per trial.
    quality
        Planning quality ``q`` per trial.
    omitted
        Whether each component was left out of the plan, shape ``(components, trials)``.
    planned_cost
        ``B × (sum of shares not omitted)`` per trial.
    """

    budget: FloatArray
    shares: FloatArray
    planned_months: FloatArray
    quality: FloatArray
    omitted: BoolArray
    planned_cost: FloatArray


def draw_plan(params: Parameters, rng: np.random.Generator, n: int) -> PlanDraws:
    """Draw the plan of ``n`` trials from the PLAN stream.

    A component is omitted with probability ``p_omit × (1 − q)`` (docs/model.md §1).
    """
    scenario = params.scenario
    users = params.value("plan.users")
    price = params.value("plan.price_level")
    budget = np.broadcast_to(planned_budget(users, scenario.plan.curve_points(), price), n)
    components = scenario.components
    shares = np.array([c.share for c in components.values()])[:, None]
    overlookable = np.array([c.overlookable for c in components.values()])[:, None]
    p_omit = per_component(params, "p_omit", n) * overlookable
    planned_months = params.draw("plan.planned_months", rng, n)
    quality = params.draw("plan.planning_quality", rng, n)
    # drawn trial by trial, computed component by component (contiguous rows are fast)
    uniform = np.ascontiguousarray(rng.random((n, len(components))).T)
    for row, name in enumerate(components):  # a sampling design's column, if any
        uniform[row] = params.uniforms(f"plan.omit.{name}", uniform[row])
    omitted = uniform < p_omit * (1.0 - quality)
    planned_cost = budget * np.sum(shares * ~omitted, axis=0)
    return PlanDraws(budget, shares, planned_months, quality, omitted, planned_cost)
