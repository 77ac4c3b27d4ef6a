"""A portfolio analysed end to end: simulate, select, check, aggregate, attribute, size."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from simcrm.analyses.portfolio.aggregate import aggregate, contingency
from simcrm.analyses.portfolio.contribution import contribution_table
from simcrm.analyses.portfolio.frontier import frontier
from simcrm.analyses.portfolio.projects import Project, counts_of, unroll
from simcrm.analyses.portfolio.sample import Sample, simulate_sample
from simcrm.analyses.portfolio.selection import (
    budget_lines,
    evaluate,
    selection_problem,
    solve,
    why_infeasible,
)
from simcrm.analyses.portfolio.sizing import size_candidate
from simcrm.engine.executors import Executor, InProcess
from simcrm.errors import InputError
from simcrm.scenario.load import scenario_digest
from simcrm.scenario.portfolio import Portfolio, portfolio_currency

BoolArray = npt.NDArray[np.bool_]


class InfeasibleError(InputError):
    """No choice of projects meets the budget at the risk appetite."""

    def __init__(self, reason: str) -> None:
        super().__init__("selection", "infeasible", reason)
        self.args = (reason,)

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class PortfolioResult:
    """Everything a portfolio analysis found; :meth:`to_dict` is ``portfolio.json``.

    Attributes
    ----------
    chosen
        Which projects the selection funds.
    sample
        The aggregate sample (its trials are written as Parquet).
    """

    portfolio: Portfolio
    projects: list[Project]
    chosen: BoolArray
    sample: Sample
    selection: dict[str, Any]
    aggregate: dict[str, Any]
    contributions: dict[str, Any]
    sizing: list[dict[str, Any]]
    frontier: dict[str, Any] | None
    everything: dict[str, Any] = field(default_factory=dict)

    @property
    def currency(self) -> str:
        """The currency of every amount."""
        return portfolio_currency(self.portfolio)

    def to_dict(self) -> dict[str, Any]:
        """Plain numbers and lists for JSON."""
        p = self.portfolio
        return {
            "portfolio": p.name,
            "currency": self.currency,
            "seed": p.simulation.seed,
            "budget": dict(p.budget.lines()),
            "alpha": p.risk.alpha,
            "factors": {name: f.model_dump() for name, f in p.factors.items()},
            "projects": [
                {
                    "project": q.label,
                    "candidate": q.candidate,
                    "scenario": q.scenario.name,
                    "scenario_sha256": scenario_digest(q.scenario),
                    "start_month": q.start_month,
                    "seed_aggregate": self.sample.seeds[q.index],
                    "expected_npv": float(self.sample.npv[q.index].mean()),
                    "chosen": bool(self.chosen[q.index]),
                }
                for q in self.projects
            ],
            "selection": self.selection,
            "aggregate": self.aggregate,
            "all_candidates": self.everything,
            "contributions": self.contributions,
            "sizing": self.sizing,
            "frontier": self.frontier,
        }

    def trials(self) -> dict[str, npt.NDArray[Any]]:
        """The aggregate sample's portfolio trials: the chosen portfolio's totals (cost,
        planned cost, NPV, overspending, failures by criterion), then every project's cost
        and NPV (``cost_<project>``, ``npv_<project>``)."""
        s, chosen = self.sample, self.chosen
        _, amounts, spending = budget_lines(s, self.portfolio.budget)
        over = np.zeros(s.trials, dtype=np.bool_)
        for spend, amount in zip(spending, amounts, strict=True):
            over |= spend[chosen].sum(axis=0) > amount
        columns: dict[str, npt.NDArray[Any]] = {
            "trial": np.arange(s.trials, dtype=np.int64),
            "total_cost": s.cost[chosen].sum(axis=0),
            "total_planned_cost": s.planned[chosen].sum(axis=0),
            "total_npv": s.npv[chosen].sum(axis=0),
            "overspent": over,
        }
        for name, verdicts in s.fails.items():
            columns[f"failed_{name}"] = (
                verdicts[chosen & s.judged[name]].sum(axis=0).astype(np.int64)
            )
        for q in self.projects:
            columns[f"cost_{q.label}"] = s.cost[q.index]
            columns[f"npv_{q.label}"] = s.npv[q.index]
        return columns


def analyse_portfolio(
    portfolio: Portfolio,
    executor: Executor | None = None,
    progress: Callable[[int], None] | None = None,
    *,
    with_frontier: bool = True,
    size: list[str] | None = None,
) -> PortfolioResult:
    """Simulate the portfolio's two samples, choose, check and describe the choice.

    Parameters
    ----------
    portfolio
        A loaded portfolio (:func:`simcrm.scenario.portfolio.load_portfolio`).
    executor
        Where the projects' chunks are computed (default: this process).
    progress
        Called with the trials of each finished chunk.
    with_frontier
        Also solve the frontier (a dozen more programmes).
    size
        Candidates to size (:mod:`~simcrm.analyses.portfolio.sizing`); default: every
        candidate of more than one project.

    Raises
    ------
    InfeasibleError
        No choice keeps P(overspending) within α (the projects every choice must include
        overspend): names the tightest budget line.
    """
    executor = executor or InProcess()
    sim = portfolio.simulation
    projects = unroll(portfolio)
    chosen_sample = simulate_sample(
        portfolio, projects, "selection", sim.selection_trials, executor, progress
    )
    sample = simulate_sample(portfolio, projects, "aggregate", sim.trials, executor, progress)
    budget, alpha = portfolio.budget, portfolio.risk.alpha
    unknown = sorted(set(size or ()) - {c.name for c in portfolio.candidates})
    if unknown:
        names = ", ".join(c.name for c in portfolio.candidates)
        raise InputError("--size", unknown[0], f"no such candidate; the candidates: {names}")
    problem = selection_problem(portfolio, projects, chosen_sample, budget, alpha)
    result, checked = solve(problem, sim.time_limit_seconds, check=True)
    labels = [label for label, _ in budget.lines()]
    if result.chosen is None:
        raise InfeasibleError(why_infeasible(problem, projects, labels, alpha))
    chosen = result.chosen
    levels = sorted(portfolio.risk.contingency)
    everything = np.ones(len(projects), dtype=np.bool_)
    selection = {
        "counts": counts_of(projects, chosen),
        "projects": [q.label for q in projects if chosen[q.index]],
        "selection_trials": sim.selection_trials,
        "allowed_overspent_trials": problem.allowed,
        "milp": {
            "optimal": result.optimal,
            "gap": result.gap,
            "seconds": result.seconds,
            "message": result.message,
        },
        "exhaustive_check": checked,
        "in_sample": evaluate(chosen, chosen_sample, budget).to_dict(),
        "out_of_sample": evaluate(chosen, sample, budget).to_dict(),
    }
    if size is None:
        size = [c.name for c in portfolio.candidates if c.count > 1]
    sized = [size_candidate(portfolio, name, executor) for name in size]
    return PortfolioResult(
        portfolio,
        projects,
        chosen,
        sample,
        selection,
        aggregate(sample, chosen, levels) if chosen.any() else {"projects": 0},
        contribution_table(sample, chosen, max(levels)) if chosen.any() else {},
        sized,
        frontier(portfolio, projects, (chosen_sample, sample)) if with_frontier else None,
        {
            "out_of_sample": evaluate(everything, sample, budget).to_dict(),
            "contingency": contingency(sample, everything, levels),
        },
    )
