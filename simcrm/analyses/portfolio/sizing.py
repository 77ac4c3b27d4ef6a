"""Sizing: how many projects of one kind a budget carries at the risk appetite.

Projects of a kind (copies of one candidate) are simulated on their own sample, tied by
the candidate's loadings on the shared factors, in doubling batches (8, 16, 32, …, at
most :data:`MAX_SIZING`) until ``n`` of them overspend the budget with probability above
α. Spending only grows with each project added, so P(overspending) rises with ``n`` and
the largest ``n`` within α is read off the last batch.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from simcrm.analyses.portfolio.projects import Project
from simcrm.analyses.portfolio.sample import simulate_sample
from simcrm.analyses.portfolio.selection import budget_lines
from simcrm.engine.executors import Executor
from simcrm.scenario.portfolio import Portfolio
from simcrm.stats.intervals import wilson

SIZING_TRIALS = 50_000
"""Trials of the sizing sample (the aggregate's, if fewer): P(overspending) ± ~0.3 points."""
MAX_SIZING = 256
FIRST_BATCH = 8


def size_candidate(
    portfolio: Portfolio,
    candidate: str,
    executor: Executor,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """The most projects of ``candidate``'s kind the budget carries with P(overspending)
    ≤ α, and P(overspending) of 1, 2, … of them (Wilson 95% intervals)."""
    position = [c.name for c in portfolio.candidates].index(candidate)
    spec = portfolio.candidates[position]
    scenario = portfolio.scenario(candidate)
    trials = min(portfolio.simulation.trials, SIZING_TRIALS)
    alpha = portfolio.risk.alpha
    n = FIRST_BATCH
    while True:
        projects = [
            Project(candidate, k + 1, k, scenario, spec.start_month, position * MAX_SIZING + k)
            for k in range(n)
        ]
        sample = simulate_sample(portfolio, projects, "sizing", trials, executor, progress)
        _, amounts, spending = budget_lines(sample, portfolio.budget)
        over = np.zeros((n, trials), dtype=np.bool_)
        for spend, amount in zip(spending, amounts, strict=True):
            over |= np.cumsum(spend, axis=0) > amount
        hits = over.sum(axis=1)
        if hits[-1] > alpha * trials or n >= MAX_SIZING:
            break
        n = min(2 * n, MAX_SIZING)
    rate = hits / trials
    low, high = wilson(hits, np.full(n, trials))
    carried = int(np.sum(rate <= alpha))  # rate rises with n: a prefix
    return {
        "candidate": candidate,
        "carried": carried,
        "tried": n,
        "capped": bool(carried == n),
        "trials": trials,
        "by_count": [
            {
                "projects": k + 1,
                "p_overspend": float(rate[k]),
                "ci95": [float(low[k]), float(high[k])],
            }
            for k in range(n)
        ],
    }
