"""Adoption that can fall (docs/model.md §3): on the shipped baseline some live projects end
below their 12-month use, and improvement reverses much of it.

Fixed seed; tolerances from standard errors: a share ``s`` of ``n`` live trials has SE
``sqrt(s (1 − s) / n)``; two shares are compared with the SE of a difference of
independent samples, ``sqrt(se1² + se2²)`` (conservative: the runs share the seed, so
their common random numbers make the real difference less noisy). Each bound is 4 SE
from the estimate (two-sided false-alarm rate 6e-5).
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

import simcrm
from simcrm.scenario.load import load_scenario, scenario_from_dict
from tests.conftest import ROOT

TRIALS = 100_000  # ~75,000 live trials: SE of a 10% share ≈ 0.0011
SEED = 20_261_122
FELL = 1e-5
"""A fall below the 12-month use larger than the float32 loop's rounding (~1e-7)."""


def fell(frame: pd.DataFrame) -> tuple[float, float, int]:
    """Share of live trials (went live, never abandoned, 12 months of use in the horizon)
    whose final adoption is below their 12-month adoption; its SE; their number."""
    live = ~frame["abandoned"] & frame["adoption_12m"].notna()
    below = (frame["adoption_final"] < frame["adoption_12m"] - FELL)[live]
    n = int(live.sum())
    share = float(below.mean())
    return share, math.sqrt(share * (1 - share) / n), n


def _baseline(**changes: object) -> simcrm.Scenario:
    data = load_scenario(ROOT / "scenarios" / "baseline.toml").model_dump()
    for path, value in changes.items():
        section, key = path.split("__")
        data[section][key] = value
    return scenario_from_dict(data)


@pytest.fixture(scope="module")
def baseline() -> tuple[float, float, int]:
    return fell(simcrm.simulate(_baseline(), TRIALS, SEED))


def test_some_live_baseline_projects_end_below_their_12_month_use(
    baseline: tuple[float, float, int],
) -> None:
    share, se, n = baseline
    assert n > 50_000
    assert share - 4 * se > 0.05, (share, se)  # more than 1 in 20 (measured: 10.8%)
    # without rejection use never falls: Bass with discontinuance only rises to a plateau
    none, _, _ = fell(simcrm.simulate(_baseline(adoption__rejection_probability=0.0), TRIALS, SEED))
    assert none == 0.0


def test_improvement_reverses_much_of_the_fall(baseline: tuple[float, float, int]) -> None:
    half, se_half, _ = baseline
    improved, se_improved, _ = fell(
        simcrm.simulate(_baseline(reviews__improvement=True), TRIALS, SEED)
    )
    full, se_full, _ = fell(
        simcrm.simulate(load_scenario(ROOT / "scenarios" / "full_cycle.toml"), TRIALS, SEED)
    )
    # measured: 10.8% → 5.1% with improvement, 3.7% in the full cycle
    assert half - improved - 4 * math.hypot(se_half, se_improved) > 0.02, (half, improved)
    assert half - full - 4 * math.hypot(se_half, se_full) > 0.02, (half, full)
