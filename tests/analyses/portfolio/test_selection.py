"""The selection programme: its optimum equals trying all 4,096 subsets on the same
sample, for several budgets, α and time profiles, and on random problems."""

from __future__ import annotations

import numpy as np
import pytest

from simcrm.analyses.portfolio.exhaustive import choice_count, solve_exhaustive
from simcrm.analyses.portfolio.milp import solve_milp
from simcrm.analyses.portfolio.problem import Problem
from simcrm.analyses.portfolio.projects import Project
from simcrm.analyses.portfolio.sample import Sample
from simcrm.analyses.portfolio.selection import selection_problem
from simcrm.scenario.portfolio import Budget, Portfolio

Twelve = tuple[Portfolio, list[Project], Sample]


def _same_optimum(problem: Problem) -> None:
    milp = solve_milp(problem, time_limit=120)
    best = solve_exhaustive(problem)
    assert milp.optimal
    if best is None:
        assert milp.chosen is None
        assert milp.infeasible
        return
    chosen, value = best
    assert milp.chosen is not None
    assert milp.value == pytest.approx(value, rel=1e-12, abs=1e-6)
    assert np.array_equal(milp.chosen, chosen)
    # and the choice meets the chance constraint on the sample
    assert problem.overspent(milp.chosen).sum() <= problem.allowed


@pytest.mark.parametrize(
    ("total", "alpha"), [(2e6, 0.1), (4e6, 0.1), (6e6, 0.05), (6e6, 0.3), (9e6, 0.01)]
)
def test_milp_equals_exhaustive_search_over_4096_subsets(
    twelve: Twelve, total: float, alpha: float
) -> None:
    portfolio, projects, sample = twelve
    problem = selection_problem(portfolio, projects, sample, Budget(total=total), alpha)
    assert choice_count(problem) == 4_096
    _same_optimum(problem)


def test_milp_equals_exhaustive_with_a_budget_per_year(twelve: Twelve) -> None:
    portfolio, projects, sample = twelve
    budget = Budget(total=6e6, per_year=[3e6, 2.5e6])
    _same_optimum(selection_problem(portfolio, projects, sample, budget, 0.1))


@pytest.mark.parametrize("seed", range(4))
def test_milp_equals_exhaustive_on_random_problems_with_counts(seed: int) -> None:
    rng = np.random.default_rng(seed)
    projects, trials = 10, 300
    factor = np.exp(0.4 * rng.standard_normal(trials))
    spend = rng.lognormal(-2.5, 0.6, size=(1, projects, trials)) * factor
    groups = [[0, 1, 2], [3, 4], [5], [6], [7, 8, 9]]
    minimum = [0, 1, 0, 0, 0]
    value = rng.normal(1.0, 1.0, size=projects)
    allowed = int(rng.integers(0, 60))
    _same_optimum(Problem(value, spend, allowed, groups, minimum))


def test_an_impossible_requirement_is_infeasible_for_both() -> None:
    spend = np.full((1, 2, 50), 0.8)
    problem = Problem(np.array([1.0, 1.0]), spend, 0, [[0], [1]], [1, 1])
    assert solve_exhaustive(problem) is None
    assert solve_milp(problem).infeasible
