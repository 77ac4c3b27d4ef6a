"""Every shipped scenario validates, runs at a small size and gives sane outputs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import simcrm
from tests.conftest import SCENARIOS


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario_runs_with_sane_outputs(path: Path) -> None:
    scenario = simcrm.load_scenario(path)
    frame = simcrm.simulate(scenario, trials=3_000, seed=5)
    assert len(frame) == 3_000
    numeric = frame.drop(
        columns=["adoption_12m", "abandon_month", "payback_month", "payback_from_go_live"]
    )
    assert np.isfinite(numeric.select_dtypes("number").to_numpy()).all()
    assert (frame["actual_cost"] > 0).all()
    assert (frame["planned_cost"] > 0).all()
    assert frame["adoption_final"].between(0, 1).all()
    assert (frame["change_requests"] >= 0).all()
    summary = simcrm.summarize(frame)
    assert set(summary.criteria) == set(scenario.criteria)


def test_scenarios_cite_their_numbers() -> None:
    """Each numeric default is commented with a source or marked as an assumption."""
    for path in SCENARIOS:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            code = line.split("#")[0].strip()
            if "=" in code and any(ch.isdigit() for ch in code.split("=", 1)[1]):
                if code.startswith(("trials", "seed", "name", "description")):
                    continue
                assert "#" in line, f"{path.name}:{number}: no source or 'assumption' comment"
