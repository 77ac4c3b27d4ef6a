"""The projects of a portfolio: each candidate's count unrolled into numbered projects."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from simcrm.scenario.portfolio import Portfolio
from simcrm.scenario.schema import Scenario
from simcrm.streams import portfolio_seed

SAMPLES = {"aggregate": 0, "selection": 1, "sizing": 2}
"""Index of each independent sample of a portfolio analysis (part of its seeds)."""


@dataclass(frozen=True)
class Project:
    """One project a portfolio may fund: copy ``copy`` (from 1) of a candidate.

    ``index`` is its row in a sample; ``stream`` numbers its random numbers (its seed).
    """

    candidate: str
    copy: int
    index: int
    scenario: Scenario
    start_month: int
    stream: int

    @property
    def label(self) -> str:
        """``sales_emea`` for a single project, ``sales_emea#2`` for the second of a kind."""
        return self.candidate if self.copy == 1 else f"{self.candidate}#{self.copy}"

    def seed(self, root: int, sample: str) -> int:
        """Seed of this project's trials in a sample (a run of its scenario with it)."""
        return portfolio_seed(root, SAMPLES[sample], self.stream)


def unroll(portfolio: Portfolio) -> list[Project]:
    """Every project, candidate by candidate, copies in order (index = position)."""
    projects: list[Project] = []
    for c in portfolio.candidates:
        for copy in range(1, c.count + 1):
            k = len(projects)
            projects.append(
                Project(c.name, copy, k, portfolio.scenario(c.name), c.start_month, stream=k)
            )
    return projects


def loading_matrix(portfolio: Portfolio, projects: list[Project]) -> npt.NDArray[np.float64]:
    """Loadings of each project (rows) on each factor (columns, in declaration order)."""
    factors = list(portfolio.factors)
    by_name = {c.name: c for c in portfolio.candidates}
    matrix = np.zeros((len(projects), len(factors)))
    for p in projects:
        for name, weight in by_name[p.candidate].loadings.items():
            matrix[p.index, factors.index(name)] = weight
    return matrix


def counts_of(projects: list[Project], chosen: npt.NDArray[np.bool_]) -> dict[str, int]:
    """Projects chosen of each candidate."""
    counts: dict[str, int] = {}
    for p in projects:
        counts[p.candidate] = counts.get(p.candidate, 0) + int(chosen[p.index])
    return counts
