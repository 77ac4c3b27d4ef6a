"""Shared fixtures: the shipped scenarios and a minimal valid scenario to vary."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent

LOOP_REL = 2e-6
"""Relative precision of the outputs of the monthly adoption loop, which runs in float32
(``simcrm.model.operate.LOOP_DTYPE``): ~6e-8 rounding a step, and at most ~5e-7 measured
against a float64 loop (``tests/test_precision.py``). Float64 hand calculations of
adoption, benefits and intangible score are met to this; npv and roi, differences of
benefits and costs, to ``LOOP_REL`` times the benefits."""

LOOP_COLUMNS = ("adoption_12m", "adoption_final", "pv_benefits", "intangible_score")
"""Outputs computed from the loop's adoption shares (npv and roi through pv_benefits)."""
SCENARIOS = sorted(
    p for p in (ROOT / "scenarios").glob("*.toml") if "[[candidates]]" not in p.read_text()
)
"""The shipped project scenarios (the portfolio files beside them left out)."""
PORTFOLIOS = sorted(
    p for p in (ROOT / "scenarios").glob("*.toml") if "[[candidates]]" in p.read_text()
)

MINIMAL: dict[str, Any] = {
    "name": "minimal",
    "simulation": {"trials": 1000, "seed": 7, "horizon_months": 60},
    "plan": {"users": 1000, "complexity": "medium", "planned_months": 10.0},
    "components": {
        "licences": {"share": 0.3},
        "integration": {"share": 0.7, "labour": True},
    },
    "criteria": {"cio": "cost_overrun > 0.5 or abandoned", "marketing": "adoption_final < 0.5"},
}


@pytest.fixture
def minimal() -> dict[str, Any]:
    """A deep copy of a minimal valid scenario, as nested dictionaries."""
    return copy.deepcopy(MINIMAL)


@pytest.fixture
def baseline_path() -> Path:
    return ROOT / "scenarios" / "baseline.toml"


SLOW = ROOT / "tests" / "slow"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test under ``tests/slow/`` is marked ``slow`` (skipped by ``make test-quick``)."""
    for item in items:
        if SLOW in item.path.parents:
            item.add_marker(pytest.mark.slow)
