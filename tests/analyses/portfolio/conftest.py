"""A twelve-candidate portfolio simulated once for the selection tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from simcrm.analyses.portfolio.projects import Project, unroll
from simcrm.analyses.portfolio.sample import Sample, simulate_sample
from simcrm.engine.executors import InProcess
from simcrm.scenario.portfolio import Portfolio
from tests.analyses.portfolio.helpers import make_portfolio

SCENARIOS = ("baseline", "full_cycle", "low_complexity", "high_complexity")
TWELVE = [
    {
        "name": f"p{k:02d}",
        "scenario": SCENARIOS[k % 4],
        "overrides": {"plan.users": 300 + 150 * k},
        "loadings": {"shared": 0.2 + 0.05 * k},
    }
    for k in range(12)
]


@pytest.fixture(scope="package")
def twelve(tmp_path_factory: pytest.TempPathFactory) -> tuple[Portfolio, list[Project], Sample]:
    """Twelve candidates of one project each (4,096 subsets), and a 600-trial sample."""
    tmp: Path = tmp_path_factory.mktemp("twelve")
    portfolio = make_portfolio(tmp, TWELVE, factors={"shared": "cost"}, selection_trials=600)
    projects = unroll(portfolio)
    sample = simulate_sample(portfolio, projects, "selection", 600, InProcess())
    return portfolio, projects, sample
