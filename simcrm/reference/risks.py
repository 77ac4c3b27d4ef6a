"""The risk register in the reference model, one trial at a time (docs/model.md §2–§3).

Same rules as :mod:`simcrm.model.risks`, another construction: each risk is decided in
turn from the trial's generator — its occurrence by a Bernoulli draw at its probability
in force (or, if ``[correlations]`` names it, by ``Φ(z)`` of its copula score against
that probability), then, only if it occurred, one draw of each of its impacts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.stats import norm

from simcrm.scenario.schema import Scenario


@dataclass
class TrialRisks:
    """The register's outcome in one trial.

    Attributes
    ----------
    occurred
        By risk name: whether it occurred.
    cost
        By risk name: the cost it brings if it occurred (0 if not), before the cut at the
        cap (execution risks) or the go-live condition (operation risks).
    execution
        Names of the execution risks.
    delay, execution_cost
        Months and cost the execution risks add to execution.
    mitigation_cost
        Cost of every mitigation, planned and paid with the implementation.
    operation_cost, ceiling_cut, benefit_factor
        At go-live: the cost paid, the drop of the ceiling, the factor on the value per
        active user.
    """

    occurred: dict[str, bool] = field(default_factory=dict)
    cost: dict[str, float] = field(default_factory=dict)
    execution: set[str] = field(default_factory=set)
    delay: float = 0.0
    execution_cost: float = 0.0
    mitigation_cost: float = 0.0
    operation_cost: float = 0.0
    ceiling_cut: float = 0.0
    benefit_factor: float = 1.0

    def paid(self, spent: float, struck: bool) -> dict[str, float]:
        """By risk name: the cost it added (execution: pro rata ``spent``; operation: only
        if it ``struck`` at go-live)."""
        return {
            name: cost * spent if name in self.execution else (cost if struck else 0.0)
            for name, cost in self.cost.items()
        }


def draw_risks(
    scenario: Scenario, rng: np.random.Generator, budget: float, scores: dict[str, float]
) -> TrialRisks:
    """Decide every risk of the register for one trial (draws nothing without one)."""
    out = TrialRisks()
    for risk in scenario.risks:
        p = risk.strike_probability()
        score = scores.get(f"risks.{risk.name}")
        u = rng.random() if score is None else float(norm.cdf(score))
        hit = u < p or p >= 1.0
        out.occurred[risk.name] = hit
        out.mitigation_cost += risk.mitigation_cost()
        if risk.when == "execution":
            out.execution.add(risk.name)
        if not hit:
            out.cost[risk.name] = 0.0
            continue
        f = risk.impact_factor()
        drawn = {name: float(dist.sample(rng, 1)[0]) * f for name, dist in risk.impacts().items()}
        cost = drawn.get("cost", drawn.get("cost_share", 0.0) * budget)
        out.cost[risk.name] = cost
        if risk.when == "execution":
            out.execution_cost += cost
            out.delay += drawn.get("schedule_months", 0.0)
        else:
            out.operation_cost += cost
            out.ceiling_cut += drawn.get("ceiling", 0.0)
            out.benefit_factor *= 1.0 - drawn.get("benefits", 0.0)
    return out
