"""Shared fixtures: the shipped scenarios and a minimal valid scenario to vary."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.toml"))

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
