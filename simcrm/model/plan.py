"""Plan: the budget, planned duration, planning quality and omitted items (MODEL.md §1)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from simcrm.costcurve import planned_budget
from simcrm.scenario import Scenario

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class PlanDraws:
    """What the plan fixes for each trial.

    Attributes
    ----------
    budget
        Planned implementation budget ``B`` before omissions (same for every trial).
    shares
        Budget share of each component, shape ``(components,)``.
    planned_months
        Planned duration ``T0`` per trial.
    quality
        Planning quality ``q`` per trial.
    omitted
        Whether each component was left out of the plan, shape ``(trials, components)``.
    planned_cost
        ``B × (sum of shares not omitted)`` per trial.
    """

    budget: float
    shares: FloatArray
    planned_months: FloatArray
    quality: FloatArray
    omitted: BoolArray
    planned_cost: FloatArray


def draw_plan(scenario: Scenario, rng: np.random.Generator, n: int) -> PlanDraws:
    """Draw the plan of ``n`` trials from the PLAN stream.

    A component is omitted with probability ``p_omit × (1 − q)`` (MODEL.md §1).
    """
    plan = scenario.plan
    budget = float(planned_budget(plan.users, plan.curve_points(), plan.price_level))
    components = list(scenario.components.values())
    shares = np.array([c.share for c in components])
    p_omit = np.array([c.p_omit if c.overlookable else 0.0 for c in components])
    planned_months = plan.planned_months.sample(rng, n)
    quality = plan.planning_quality.sample(rng, n)
    omitted = rng.random((n, len(components))) < p_omit * (1.0 - quality)[:, None]
    planned_cost = budget * ((~omitted) @ shares)
    return PlanDraws(budget, shares, planned_months, quality, omitted, planned_cost)
