"""The efficient frontier: the best expected NPV against the budget, and against α.

Each point is the selection's optimum on the selection sample — found by trying every
choice when they are few (:data:`~simcrm.analyses.portfolio.selection.CHECK_CHOICES`),
else by the MILP; both are exact on the sample — evaluated on the aggregate sample.
"""

from __future__ import annotations

from typing import Any

from simcrm.analyses.portfolio.exhaustive import choice_count, solve_exhaustive
from simcrm.analyses.portfolio.milp import solve_milp
from simcrm.analyses.portfolio.projects import Project, counts_of
from simcrm.analyses.portfolio.sample import Sample
from simcrm.analyses.portfolio.selection import CHECK_CHOICES, evaluate, selection_problem
from simcrm.scenario.portfolio import Budget, Portfolio

BUDGET_FACTORS = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0)
ALPHAS = (0.01, 0.05, 0.1, 0.2, 0.3, 0.5)


def frontier_point(
    portfolio: Portfolio,
    projects: list[Project],
    samples: tuple[Sample, Sample],
    budget: Budget,
    alpha: float,
) -> dict[str, Any]:
    """The optimum for one budget and α: its choice, in-sample and out-of-sample figures."""
    selection, aggregate = samples
    problem = selection_problem(portfolio, projects, selection, budget, alpha)
    if choice_count(problem) <= CHECK_CHOICES:
        best = solve_exhaustive(problem)
        chosen, method, optimal = (None if best is None else best[0]), "exhaustive", True
    else:
        result = solve_milp(problem, portfolio.simulation.time_limit_seconds)
        chosen, method, optimal = result.chosen, "milp", result.optimal
    point: dict[str, Any] = {
        "budget": budget.lines()[0][1],
        "alpha": alpha,
        "method": method,
        "optimal": optimal,
    }
    if chosen is None:
        return point | {"feasible": False}
    inside = evaluate(chosen, selection, budget)
    outside = evaluate(chosen, aggregate, budget)
    return point | {
        "feasible": True,
        "counts": counts_of(projects, chosen),
        "in_sample": inside.to_dict(),
        "out_of_sample": outside.to_dict(),
    }


def frontier(
    portfolio: Portfolio, projects: list[Project], samples: tuple[Sample, Sample]
) -> dict[str, Any]:
    """The best expected NPV at budgets from half to twice the portfolio's (at its α),
    and at α from 1% to 50% (at its budget)."""
    budget, alpha = portfolio.budget, portfolio.risk.alpha
    by_budget = [
        frontier_point(portfolio, projects, samples, budget.scaled(f), alpha) | {"budget_factor": f}
        for f in BUDGET_FACTORS
    ]
    alphas = sorted({*ALPHAS, alpha})
    by_alpha = [frontier_point(portfolio, projects, samples, budget, a) for a in alphas]
    return {"by_budget": by_budget, "by_alpha": by_alpha, "budget_line": budget.lines()[0][0]}
