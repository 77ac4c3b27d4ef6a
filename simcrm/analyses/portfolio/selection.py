"""Choose the portfolio: the most expected NPV with P(overspending) ≤ α, exact on the
selection sample (:mod:`~simcrm.analyses.portfolio.milp`), checked on the aggregate
sample (independent of it) and, when the choices are few, by trying each."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from simcrm.analyses.portfolio.exhaustive import choice_count, solve_exhaustive
from simcrm.analyses.portfolio.milp import MilpResult, solve_milp
from simcrm.analyses.portfolio.problem import Problem, budget_problem
from simcrm.analyses.portfolio.projects import Project, counts_of
from simcrm.analyses.portfolio.sample import Sample
from simcrm.scenario.portfolio import Budget, Portfolio
from simcrm.stats.intervals import wilson_interval

BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]
CHECK_CHOICES = 1 << 16
"""Choices up to which the selection is also found by trying each (milliseconds)."""


def budget_lines(sample: Sample, budget: Budget) -> tuple[list[str], list[float], list[FloatArray]]:
    """Labels, amounts and project × trial spending of every line of ``budget``."""
    labels, amounts, spending = [], [], []
    years = len(budget.per_year) if budget.per_year else None
    for label, amount in budget.lines():
        labels.append(label)
        amounts.append(amount)
        line = None if label == "total" else int(label.removeprefix("year ")) - 1
        spending.append(sample.cost if line is None else sample.spending(line, years))
    return labels, amounts, spending


def selection_problem(
    portfolio: Portfolio, projects: list[Project], sample: Sample, budget: Budget, alpha: float
) -> Problem:
    """The programme of a portfolio on a sample, for a budget and an α."""
    _, amounts, spending = budget_lines(sample, budget)
    groups: dict[str, list[int]] = {}
    for p in projects:
        groups.setdefault(p.candidate, []).append(p.index)
    minimum = [c.min_count for c in portfolio.candidates]
    value = sample.npv.mean(axis=1)
    return budget_problem(spending, amounts, value, alpha, list(groups.values()), minimum)


def solve(problem: Problem, time_limit: float, check: bool) -> tuple[MilpResult, dict[str, Any]]:
    """The MILP's answer and, with ``check`` and few enough choices, the exhaustive one's."""
    import time

    result = solve_milp(problem, time_limit)
    checked: dict[str, Any] = {"choices": choice_count(problem), "done": False}
    if check and checked["choices"] <= CHECK_CHOICES:
        start = time.perf_counter()
        best = solve_exhaustive(problem)
        checked |= {"done": True, "seconds": time.perf_counter() - start}
        if best is None:
            checked["agrees"] = result.chosen is None
        else:
            checked["value"] = best[1]
            checked["agrees"] = result.chosen is not None and bool(
                np.array_equal(best[0], result.chosen)
            )
    return result, checked


@dataclass(frozen=True)
class Evaluation:
    """A choice's figures on a sample: expected NPV and the probability of overspending."""

    trials: int
    npv_mean: float
    npv_ci95: tuple[float, float]
    overspend: float
    overspend_ci95: tuple[float, float]
    overspent_trials: int

    def to_dict(self) -> dict[str, Any]:
        """Plain numbers for JSON."""
        return {
            "trials": self.trials,
            "expected_npv": self.npv_mean,
            "expected_npv_ci95": list(self.npv_ci95),
            "p_overspend": self.overspend,
            "p_overspend_ci95": list(self.overspend_ci95),
        }


def evaluate(chosen: BoolArray, sample: Sample, budget: Budget) -> Evaluation:
    """Expected NPV (normal 95% interval) and P(overspending any line) (Wilson) of a choice."""
    _, amounts, spending = budget_lines(sample, budget)
    n = sample.trials
    over = np.zeros(n, dtype=np.bool_)
    for s, b in zip(spending, amounts, strict=True):
        over |= s[chosen].sum(axis=0) > b
    total = sample.npv[chosen].sum(axis=0)
    mean = float(total.mean())
    half = 1.959963984540054 * float(total.std(ddof=1)) / np.sqrt(n) if n > 1 else np.inf
    k = int(over.sum())
    low, high = wilson_interval(k, n)
    return Evaluation(n, mean, (mean - half, mean + half), k / n, (float(low), float(high)), k)


def why_infeasible(
    problem: Problem, projects: list[Project], labels: list[str], alpha: float
) -> str:
    """The tightest constraint when no choice meets the budget: the required projects'
    overspending, line by line."""
    required = np.zeros(problem.value.size, dtype=np.bool_)
    for group, minimum in zip(problem.groups, problem.minimum, strict=True):
        required[group[:minimum]] = True
    used = np.einsum("ljs,j->ls", problem.spend, required.astype(np.float64))
    rates = (used > 1.0).mean(axis=1)
    worst = int(np.argmax(rates))
    counts = {k: v for k, v in counts_of(projects, required).items() if v}
    names = ", ".join(f"{k}×{v}" if v > 1 else k for k, v in counts.items())
    return (
        f"infeasible: the projects every choice must include (min_count: {names}) overspend "
        f"the {labels[worst]} budget in {100 * rates[worst]:.1f}% of the selection trials, "
        f"above α = {100 * alpha:g}%"
    )
