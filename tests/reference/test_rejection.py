"""Rejection after go-live (docs/model.md §3): both models against a hand calculation.

A project whose users turn against the system loses, from month ``onset + 1`` after
go-live, a share ``ρ`` of its active users a month for good: they stop using it and leave
the ceiling, ``m ← m − ρ·a``. A real improvement round or a successful rescue ends the
rejection. Deterministic scenarios: one trial of the vectorised core and one of the
simpy reference must both equal the hand recursion (float64 to 1e-12 for the stepper;
the loop's outputs to ``LOOP_REL``).
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pandas as pd
import pytest

import simcrm
from simcrm.model.adoption import AdoptionState, BassStepper
from simcrm.reference import simulate_reference
from simcrm.scenario.load import scenario_from_dict
from simcrm.scenario.schema import Scenario
from tests.conftest import LOOP_REL

P, QB, M, DELTA, RHO, ONSET = 0.05, 0.456, 0.8, 0.01, 0.04, 3
GO_LIVE, HORIZON = 13, 60

SCENARIO: dict[str, Any] = {
    "name": "rejection",
    "simulation": {"horizon_months": HORIZON},
    "plan": {"users": 1000, "complexity": "medium", "planned_months": 10.0},
    "components": {
        "licences": {"share": 0.3, "overrun": {"p50": 1.0, "p90": 1.0}},
        "integration": {"share": 0.7, "labour": True, "overrun": {"p50": 1.2, "p90": 1.2}},
    },
    "execution": {"tail_probability": 0.0, "schedule": {"p50": 1.25, "p90": 1.25}},
    "adoption": {
        "ceiling": M,
        "innovation": P,
        "imitation": QB,
        "discontinuance": DELTA,
        "rejection_probability": 1.0,
        "rejection_rate": RHO,
        "rejection_onset_months": ONSET,
    },
    "reviews": {"evaluation": False},
    "money": {"value_per_active_user_month": 45.0},
    "criteria": {"marketing": "adoption_final < 0.5"},
}


def hand_rejection(
    months: int, rho: float = RHO, ends: int | None = None, uplift: float = 0.0
) -> list[float]:
    """``a[k]``, k = 0..months, by the recursion of docs/model.md §3, the rejection ended
    (and the ceiling raised by ``uplift`` of its gap to 1) at the end of month ``ends``."""
    a, m = [0.0], M
    for k in range(1, months + 1):
        x = a[-1]
        r = rho if k > ONSET else 0.0
        new = min(max(x + (P + QB * x / m) * (m - x) - (DELTA + r) * x, 0.0), m)
        m -= r * x
        a.append(min(new, m))
        if k == ends:
            rho, m = 0.0, m + uplift * (1.0 - m)
    return a


def _scenario(**changes: Any) -> Scenario:
    data = copy.deepcopy(SCENARIO)
    for path, value in changes.items():
        section, key = path.split("__")
        data[section][key] = value
    return scenario_from_dict(data)


def _both(scenario: Scenario) -> list[pd.Series]:
    """One row of each model (every trial of the deterministic scenario is the same)."""
    return [
        simcrm.simulate(scenario, trials=2, seed=1).iloc[0],
        simulate_reference(scenario, 2, 1).iloc[0],
    ]


def test_use_falls_after_the_onset_as_the_hand_recursion() -> None:
    a = hand_rejection(HORIZON - GO_LIVE)
    assert a[HORIZON - GO_LIVE] < a[12] < max(a)  # it rose, then fell
    for row in _both(_scenario()):
        assert row["adoption_12m"] == pytest.approx(a[12], rel=LOOP_REL)
        assert row["adoption_final"] == pytest.approx(a[HORIZON - GO_LIVE], rel=LOOP_REL)
        assert row["adoption_final"] < row["adoption_12m"]


def test_no_rejection_before_the_onset_or_without_it() -> None:
    # an onset past the horizon, or a probability of 0: the Bass path with discontinuance
    a = hand_rejection(HORIZON - GO_LIVE, rho=0.0)
    for scenario in (
        _scenario(adoption__rejection_onset_months=HORIZON),
        _scenario(adoption__rejection_probability=0.0),
    ):
        for row in _both(scenario):
            assert row["adoption_final"] == pytest.approx(a[HORIZON - GO_LIVE], rel=LOOP_REL)
            assert row["adoption_final"] > row["adoption_12m"]


def test_a_real_improvement_ends_the_rejection_and_use_recovers() -> None:
    # noiseless reviews every 6 months, target 0.99: the first (month 6) is a real
    # shortfall, so it ends the rejection and closes 0.3 of the (eroded) ceiling's gap
    scenario = _scenario(
        reviews__evaluation=True,
        reviews__improvement=True,
        reviews__noise_sd=0.0,
        reviews__noise_floor=0.0,
        reviews__targets=[0.99],
        reviews__cycle_months=6,
        reviews__improvement_uplift=0.3,
        reviews__abandon_threshold=0.0,
        simulation__horizon_months=GO_LIVE + 12,
    )
    # later rounds raise the ceiling further (every 6 months): follow them by hand
    a, m, rho = [0.0], M, RHO
    for k in range(1, 13):
        x = a[-1]
        r = rho if k > ONSET else 0.0
        new = min(max(x + (P + QB * x / m) * (m - x) - (DELTA + r) * x, 0.0), m)
        m -= r * x
        a.append(min(new, m))
        if k % 6 == 0:
            rho, m = 0.0, m + 0.3 * (1.0 - m)
    fallen = hand_rejection(12)
    assert a[12] > fallen[12]
    for row in _both(scenario):
        assert row["improvements"] == 2
        assert row["adoption_12m"] == pytest.approx(a[12], rel=LOOP_REL)
        assert row["adoption_final"] == pytest.approx(a[12], rel=LOOP_REL)


def test_the_fused_stepper_with_rejection_matches_the_recursion() -> None:
    # random parameters (some p + qb > 1, some δ + ρ > 1, some ρ = 1, some m = 0); the
    # rejection of some trials ended at month 20 (their ceiling raised first), use of
    # others stopped at month 30; onset 2
    rng = np.random.default_rng(11)
    n = 400
    m0 = rng.uniform(0.05, 1.0, n)
    m0[::50] = 0.0
    rho = np.where(rng.random(n) < 0.6, rng.uniform(0.0, 0.3, n), 0.0)
    rho[1::40] = 1.0
    delta = rng.uniform(0.0, 0.05, n)
    delta[2::40] = 0.95
    p, qb = rng.uniform(0.0, 0.3, n), rng.uniform(0.0, 1.2, n)
    state = AdoptionState(m0.copy(), p.copy(), qb.copy(), delta, rho, 2)
    assert np.any(p + qb > 1)
    assert np.any((delta + rho > 1) & (rho > 0))
    stepper = BassStepper(state, np.float64)
    fast = np.zeros(n)
    slow, m, r = np.zeros(n), m0.copy(), rho.copy()
    ended, stopped = np.arange(0, n, 3), np.arange(1, n, 7)
    for month in range(1, 61):
        stepper.step(fast, fast, n)
        now = r if month > 2 else np.zeros(n)
        share = np.divide(slow, m, out=np.zeros(n), where=m > 0)
        new = np.clip(slow + (p + qb * share) * (m - slow) - (delta + now) * slow, 0.0, m)
        m = m - now * slow
        slow = np.minimum(new, m)
        np.testing.assert_allclose(fast, slow, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(state.ceiling, m, rtol=1e-12, atol=1e-15)
        if month == 20:
            m[ended] += 0.5 * (1.0 - m[ended])
            state.ceiling[ended] = m[ended]
            r[ended] = 0.0
            stepper.refresh(ended)
            stepper.end_rejection(ended)
        if month == 30:
            stepper.stop(stopped)
            p[stopped], qb[stopped], r[stopped] = 0.0, 0.0, 0.0
            slow[stopped] = 0.0
            fast[stopped] = 0.0
    assert np.all(fast[stopped] == 0.0)
    assert np.all(stepper.ceiling_bound() >= m0)
