"""Closed-form checks of the model: Bass recursion, lognormal percentiles, deterministic NPV.

The deterministic scenarios fix every distribution, so one trial of the vectorised core
(:func:`simcrm.simulate`) and one of the simpy reference
(:func:`simcrm.reference.simulate_reference`) must both equal what this file computes by
hand from docs/model.md, to 1e-9 relative.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
import simpy
from scipy import stats

import simcrm
from simcrm.distributions import LogNormal
from simcrm.model.adoption import AdoptionState, BassStepper, bass_step
from simcrm.model.costs import log_params
from simcrm.reference import simulate_reference
from simcrm.reference.draws import log_params as reference_log_params
from simcrm.reference.execution import run_execution
from simcrm.reference.operation import bass_step as reference_bass_step
from simcrm.scenario.load import scenario_from_dict
from simcrm.scenario.schema import Overrun, Scenario
from tests.conftest import LOOP_REL

REL = 1e-9
"""Relative tolerance of float64 hand calculations; the loop's outputs use ``LOOP_REL``."""


def hand_bass(p: float, qb: float, m: float, delta: float, months: int) -> list[float]:
    """``a[0] = 0``, ``a[t+1] = a[t] + (p + qb a[t]/m)(m − a[t]) − δ a[t]``, clipped to [0, m]."""
    a = [0.0]
    for _ in range(months):
        x = a[-1]
        a.append(min(max(x + (p + qb * x / m) * (m - x) - delta * x, 0.0), m))
    return a


def bass_closed_form(p: float, qb: float, m: float, delta: float) -> list[float]:
    """The first three months of ``a[t+1] = a[t] + (p + qb a[t]/m)(m − a[t]) − δ a[t]`` from
    ``a[0] = 0``, multiplied out (no clip is reached for these parameters):

    - ``a1 = p m``
    - ``a2 = p m (1 + (1 + qb)(1 − p) − δ)``  (``p + qb a1/m = p (1 + qb)``, ``m − a1 = m (1 − p)``)
    - ``a3 = a2 (1 − δ) + (p + qb s2)(1 − s2) m`` with ``s2 = a2/m = p (1 + (1 + qb)(1 − p) − δ)``
    """
    a1 = p * m
    s2 = p * (1 + (1 + qb) * (1 - p) - delta)
    a2 = s2 * m
    a3 = a2 * (1 - delta) + (p + qb * s2) * (1 - s2) * m
    return [0.0, a1, a2, a3]


def test_bass_closed_form_by_hand() -> None:
    # p = 0.03, qb = 0.38, m = 0.8, δ = 0: a1 = p m = 0.024;
    # a2 = 0.024 + (0.03 + 0.38 · 0.024/0.8)(0.8 − 0.024) = 0.024 + 0.0414 · 0.776 = 0.0561264
    a = bass_closed_form(0.03, 0.38, 0.8, 0.0)
    assert a[1] == pytest.approx(0.024, rel=1e-15)
    assert a[2] == pytest.approx(0.0561264, rel=1e-14)
    assert a[3] == pytest.approx(0.0561264 + (0.03 + 0.38 * 0.070158) * (0.8 - 0.0561264))


@pytest.mark.parametrize(
    ("p", "qb", "m", "delta"),
    [(0.03, 0.38, 0.8, 0.0), (0.05, 0.456, 0.8, 0.01), (0.2, 0.9, 0.5, 0.1)],
)
def test_bass_first_steps_by_hand(p: float, qb: float, m: float, delta: float) -> None:
    """The model's monthly steps (vectorised, fused float64 and float32 loop, simpy
    reference) against the closed form of the first three months."""
    expected = bass_closed_form(p, qb, m, delta)
    state = AdoptionState(np.array([m]), np.array([p]), np.array([qb]), np.array([delta]))
    vectorised, reference = np.zeros(1), 0.0
    fused64, fused32 = np.zeros(1), np.zeros(1, np.float32)
    stepper64, stepper32 = BassStepper(state, np.float64), BassStepper(state, np.float32)
    for t in (1, 2, 3):
        vectorised = bass_step(vectorised, state)
        reference = reference_bass_step(reference, m, p, qb, delta)
        stepper64.step(fused64, fused64, 1)
        stepper32.step(fused32, fused32, 1)
        assert vectorised[0] == pytest.approx(expected[t], rel=1e-13)
        assert reference == pytest.approx(expected[t], rel=1e-13)
        assert fused64[0] == pytest.approx(expected[t], rel=1e-13)
        assert float(fused32[0]) == pytest.approx(expected[t], rel=LOOP_REL)


@pytest.mark.parametrize("months", [1, 2, 3])
def test_model_adoption_after_go_live_by_hand(months: int) -> None:
    """The whole model: the deterministic project goes live at month 13 (12.5 months of
    execution), so with the horizon at 13 + k its final adoption is month k of the Bass
    path (p = 0.05, qb = 0.456, m = 0.8, δ = 0.01: training and collaboration included)."""
    expected = bass_closed_form(0.05, 0.456, 0.8, 0.01)[months]
    for row in _both(_scenario(simulation__horizon_months=13 + months)):
        assert row["adoption_final"] == pytest.approx(expected, rel=LOOP_REL)


@pytest.mark.parametrize(
    ("p", "qb", "m", "delta"), [(0.05, 0.456, 0.8, 0.01), (0.03, 0.38, 1.0, 0.0)]
)
def test_bass_recursion_matches_hand_iteration(p: float, qb: float, m: float, delta: float) -> None:
    expected = hand_bass(p, qb, m, delta, 120)
    state = AdoptionState(np.array([m]), np.array([p]), np.array([qb]), np.array([delta]))
    vectorised, reference = np.zeros(1), 0.0
    for t in range(1, 121):
        vectorised = bass_step(vectorised, state)
        reference = reference_bass_step(reference, m, p, qb, delta)
        assert vectorised[0] == pytest.approx(expected[t], rel=1e-13, abs=1e-15)
        assert reference == pytest.approx(expected[t], rel=1e-13, abs=1e-15)


def test_fused_bass_stepper_matches_the_recursion() -> None:
    # the loop's form a <- P + a (R - c a), in float64, against bass_step: random
    # parameters (some with p + qb > 1, where the clip acts), a ceiling raised at month
    # 30, and use stopped at month 40 (0 from month 41 on, month 40 itself kept)
    rng = np.random.default_rng(5)
    n = 500
    state = AdoptionState(
        rng.uniform(0.05, 1.0, n),
        rng.uniform(0.0, 0.3, n),
        rng.uniform(0.0, 1.2, n),
        rng.uniform(0.0, 0.05, n),
    )
    assert np.any(state.innovation + state.imitation > 1.0)
    reference = AdoptionState(
        *(
            np.array(getattr(state, f))
            for f in ("ceiling", "innovation", "imitation", "discontinuance")
        )
    )
    stepper = BassStepper(state, np.float64)
    fast, slow = np.zeros(n), np.zeros(n)
    raised, stopped = np.arange(0, n, 3), np.arange(1, n, 7)
    for month in range(1, 61):
        stepper.step(fast, fast, n)
        slow = bass_step(slow, reference)
        np.testing.assert_allclose(fast, slow, rtol=1e-12, atol=1e-15)
        if month == 30:
            for s in (state, reference):
                s.ceiling[raised] += 0.5 * (1.0 - s.ceiling[raised])
            stepper.refresh(raised)
        if month == 40:
            stepper.stop(stopped)
            assert np.all(fast[stopped] > 0)
            reference.innovation[stopped] = 0.0
            slow[stopped] = 0.0
    assert np.all(fast[stopped] == 0.0)


@pytest.mark.parametrize("m", [0.35, 0.8, 1.0])
def test_bass_without_discontinuance_rises_monotonically_to_the_ceiling(m: float) -> None:
    a = np.array(hand_bass(0.03, 0.38, m, 0.0, 400))
    assert np.all(np.diff(a) >= 0)
    assert np.all(a <= m)
    assert a[400] == pytest.approx(m, abs=1e-12)
    state = AdoptionState(np.array([m]), np.array([0.03]), np.array([0.38]), np.array([0.0]))
    x = np.zeros(1)
    for _ in range(400):
        x = bass_step(x, state)
    assert x[0] == pytest.approx(m, abs=1e-12)


@pytest.mark.parametrize(
    ("low", "high"), [(50, 90), (10, 90), (25, 75), (5, 95), (1, 99), (20, 80), (50, 99)]
)
def test_lognormal_from_two_percentiles_returns_them(low: int, high: int) -> None:
    x_low, x_high = 120.0, 120.0 * (1 + high / 25)
    dist = LogNormal.model_validate({"kind": "lognormal", f"p{low}": x_low, f"p{high}": x_high})
    np.testing.assert_allclose(dist.ppf([low / 100, high / 100]), [x_low, x_high], rtol=1e-12)
    law = stats.lognorm(dist.log_sigma(), scale=math.exp(dist.log_mu()))
    np.testing.assert_allclose(law.cdf([x_low, x_high]), [low / 100, high / 100], rtol=1e-12)


def test_overrun_factor_from_p50_and_p90() -> None:
    z90 = stats.norm.ppf(0.9)
    for mu, sigma in (log_params(0.85, 1.8), reference_log_params(Overrun(p50=0.85, p90=1.8))):
        assert math.exp(mu) == pytest.approx(0.85, rel=1e-14)
        assert math.exp(mu + sigma * z90) == pytest.approx(1.8, rel=1e-14)


DETERMINISTIC: dict[str, Any] = {
    "name": "deterministic",
    "simulation": {"trials": 3, "seed": 1, "horizon_months": 60},
    "plan": {
        "users": 1000,
        "cost_curve": [[100, 500], [1000, 200]],  # 200 per user at 1,000 users
        "price_level": 1.25,
        "planned_months": 10.0,
        "planning_quality": 0.0,
    },
    "components": {
        "licences": {"share": 0.25, "overrun": {"p50": 1.0, "p90": 1.0}},
        # overlookable with p_omit 1 at q = 0: always left out of the plan (still paid)
        "third_party": {
            "share": 0.05,
            "overlookable": True,
            "p_omit": 1.0,
            "overrun": {"p50": 1.1, "p90": 1.1},
        },
        "integration": {"share": 0.7, "labour": True, "overrun": {"p50": 1.2, "p90": 1.2}},
    },
    "execution": {"tail_probability": 0.0, "schedule": {"p50": 1.25, "p90": 1.25}},
    "adoption": {
        "ceiling": 0.8,
        "innovation": 0.03,
        "training": 0.5,
        "training_effect": 0.04,  # p = 0.03 + 0.5 · 0.04 = 0.05
        "imitation": 0.38,
        "collaboration": 0.4,
        "collaboration_effect": 0.5,  # qb = 0.38 (1 + 0.4 · 0.5) = 0.456
        "discontinuance": 0.01,
    },
    "reviews": {"evaluation": False},
    "money": {
        "discount_rate": 0.08,
        "running_cost_per_user_month": 4.0,
        "running_fixed_month": 3000.0,
        "value_per_active_user_month": 45.0,
        "intangible_points": 100.0,
        "intangible_price": 20.0,
    },
    "criteria": {"financial": "npv < 0"},
}

# by hand: B = 1000 users × 200 × 1.25
BUDGET = 250_000.0
ACTUAL_COST = BUDGET * (0.25 * 1.0 + 0.05 * 1.1 + 0.7 * 1.2)  # 286,250
PLANNED_COST = BUDGET * (0.25 + 0.7)  # third-party software left out
OMITTED_COST = BUDGET * 0.05 * 1.1
V = 1.08 ** (-1 / 12)  # month-end discount factor


def _scenario(**changes: Any) -> Scenario:
    data = copy.deepcopy(DETERMINISTIC)
    for path, value in changes.items():
        section, key = path.split("__")
        data[section][key] = value
    return scenario_from_dict(data)


def _both(scenario: Scenario) -> list[pd.Series]:
    """One row from each model (every trial of a deterministic scenario is the same)."""
    vec = simcrm.simulate(scenario, trials=3, seed=1)
    ref = simulate_reference(scenario, 3, 1)
    for frame in (vec, ref):
        numeric = frame.drop(columns="trial")
        pd.testing.assert_frame_equal(numeric, numeric.iloc[[0, 0, 0]].set_index(numeric.index))
    return [vec.iloc[0], ref.iloc[0]]


def _implementation(cost: float, months: float) -> tuple[float, list[float]]:
    """PV and monthly flows of ``cost`` spread evenly over ``months`` of execution."""
    flows = [cost / months] * math.floor(months)
    if months > math.floor(months):
        flows.append(cost / months * (months - math.floor(months)))
    return sum(V ** (m + 1) * f for m, f in enumerate(flows)), flows


def test_deterministic_npv_by_hand() -> None:
    actual_months = 10.0 * 1.25  # 12.5: months 1..12 pay 1/12.5 each, month 13 half that
    go_live = 13
    pv_impl, flows = _implementation(ACTUAL_COST, actual_months)
    assert flows[-1] == pytest.approx(ACTUAL_COST / 25)
    a = hand_bass(0.05, 0.456, 0.8, 0.01, 60 - go_live)
    running = 1000 * 4.0 + 3000.0
    per_active = 1000 * 45.0 + 20.0 * 100.0 / 60  # tangible + priced intangible, per month
    pv_benefits = pv_running = 0.0
    cash, payback = -ACTUAL_COST, math.nan
    for k in range(1, 60 - go_live + 1):  # months 14..60
        month = go_live + k
        pv_benefits += V**month * a[k] * per_active
        pv_running += V**month * running
        cash += a[k] * per_active - running
        if math.isnan(payback) and cash >= 0:
            payback = float(month)
    pv_costs = pv_impl + pv_running
    npv = pv_benefits - pv_costs
    assert not math.isnan(payback)

    for row in _both(_scenario()):
        assert row["planned_cost"] == pytest.approx(PLANNED_COST, rel=REL)
        assert row["actual_cost"] == pytest.approx(ACTUAL_COST, rel=REL)
        assert row["omitted_cost"] == pytest.approx(OMITTED_COST, rel=REL)
        assert row["cost_overrun"] == pytest.approx(ACTUAL_COST / PLANNED_COST - 1, rel=REL)
        assert row["actual_months"] == pytest.approx(12.5, rel=REL)
        assert row["schedule_overrun"] == pytest.approx(0.25, rel=REL)
        assert row["adoption_12m"] == pytest.approx(a[12], rel=LOOP_REL)
        assert row["adoption_final"] == pytest.approx(a[60 - go_live], rel=LOOP_REL)
        assert row["intangible_score"] == pytest.approx(100 * sum(a[1:]) / 60, rel=LOOP_REL)
        assert row["pv_benefits"] == pytest.approx(pv_benefits, rel=LOOP_REL)
        assert row["pv_costs"] == pytest.approx(pv_costs, rel=REL)
        assert row["npv"] == pytest.approx(npv, abs=LOOP_REL * pv_benefits)
        assert row["roi"] == pytest.approx(npv / pv_costs, abs=LOOP_REL * pv_benefits / pv_costs)
        assert row["payback_month"] == payback  # counted from project start, month 1 first
        assert row["payback_from_go_live"] == payback - go_live
        assert row["change_requests"] == 0
        assert not row["abandoned"]
        assert row["fail_financial"] == (npv < 0)


def test_deterministic_project_cut_at_the_cap_pays_pro_rata() -> None:
    # base execution 12.5 months, cap 10: cut at 10 having paid 10/12.5 of the cost
    paid = ACTUAL_COST * 10 / 12.5
    pv_impl, _ = _implementation(paid, 10.0)
    for row in _both(_scenario(execution__max_execution_months=10.0)):
        assert row["abandoned"]
        assert row["abandon_month"] == 10.0
        assert row["actual_months"] == 10.0
        assert row["actual_cost"] == pytest.approx(paid, rel=REL)
        assert row["omitted_cost"] == pytest.approx(OMITTED_COST * 0.8, rel=REL)
        assert row["pv_benefits"] == 0.0
        assert row["npv"] == pytest.approx(-pv_impl, rel=REL)
        assert row["adoption_12m"] == 0.0
        assert row["adoption_final"] == 0.0
        assert math.isnan(row["payback_month"])
        assert math.isnan(row["payback_from_go_live"])


def test_deterministic_reviews_improve_every_cycle() -> None:
    # noiseless evaluation, target above the ceiling: every review (k = 6, 12, …, 42 months
    # after go-live at 13) pays for a round, and each is real: m += 0.3 (1 − m), from the
    # next month's adoption step on
    scenario = _scenario(
        reviews__evaluation=True,
        reviews__improvement=True,
        reviews__noise_sd=0.0,
        reviews__noise_floor=0.0,
        reviews__targets=[0.99],
        reviews__abandon_threshold=0.0,
    )
    go_live, m, a = 13, 0.8, 0.0
    for k in range(1, 60 - go_live + 1):
        a = min(max(a + (0.05 + 0.456 * a / m) * (m - a) - 0.01 * a, 0.0), m)
        if k % 6 == 0:
            m += 0.3 * (1 - m)
    for row in _both(scenario):
        assert row["improvements"] == 7
        assert row["improvement_cost"] == pytest.approx(7 * 0.05 * BUDGET, rel=REL)
        assert row["adoption_final"] == pytest.approx(a, rel=LOOP_REL)


def test_deterministic_abandonment_at_a_review() -> None:
    # ceiling 0.1 < threshold 0.15, noiseless: the first review allowed to abandon (12
    # months after go-live) does; that month's benefit and running cost still count
    scenario = _scenario(
        adoption__ceiling=0.1,
        reviews__evaluation=True,
        reviews__noise_sd=0.0,
        reviews__noise_floor=0.0,
        reviews__abandon_threshold=0.15,
        reviews__abandon_min_months=12,
    )
    a = hand_bass(0.05, 0.456, 0.1, 0.01, 12)
    per_active = 1000 * 45.0 + 20.0 * 100.0 / 60
    pv_benefits = sum(V ** (13 + k) * a[k] * per_active for k in range(1, 13))
    for row in _both(scenario):
        assert row["abandoned"]
        assert row["abandon_month"] == 25.0
        assert row["adoption_12m"] == pytest.approx(a[12], rel=LOOP_REL)
        assert row["adoption_final"] == 0.0
        assert row["pv_benefits"] == pytest.approx(pv_benefits, rel=LOOP_REL)


def _vectorised_row(scenario: Scenario) -> pd.Series:
    return simcrm.simulate(scenario, trials=1, seed=1).iloc[0]


def _reference_row(scenario: Scenario) -> pd.Series:
    return simulate_reference(scenario, 1, 1).iloc[0]


@pytest.mark.parametrize(
    "run",
    [
        pytest.param(_vectorised_row, id="vectorised"),
        pytest.param(_reference_row, id="reference"),
    ],
)
def test_abandoned_in_the_horizon_month_ends_with_no_adoption(
    run: Callable[[Scenario], pd.Series],
) -> None:
    # as above, with the horizon at month 25: the abandoning review is in the last month
    scenario = _scenario(
        simulation__horizon_months=25,
        adoption__ceiling=0.1,
        reviews__evaluation=True,
        reviews__noise_sd=0.0,
        reviews__noise_floor=0.0,
        reviews__abandon_threshold=0.15,
        reviews__abandon_min_months=12,
    )
    row = run(scenario)
    assert row["abandoned"]
    assert row["abandon_month"] == 25.0
    assert row["adoption_final"] == 0.0  # docs/model.md §7 / outputs.py: 0 if abandoned


@pytest.mark.parametrize(("lam", "p", "t0", "d"), [(0.6, 0.6, 10.0, 12.0), (2.0, 0.8, 12.0, 12.0)])
def test_reference_scope_growth_matches_the_branching_process(
    lam: float, p: float, t0: float, d: float
) -> None:
    # E[S] = λ p D E[e] / (1 − R), R = λ p T0 E[e]; E[N] = λ (D + T0 E[S]) (tests/test_scope.py)
    n = 8_000  # 4 SE of 8,000 trials: the mean to within ~4%
    data = copy.deepcopy(DETERMINISTIC)
    effect = {"kind": "lognormal", "p50": 0.012, "p90": 0.04}
    data["scope"] = {"discovery_rate": lam, "p_approve": p, "effect": effect}
    scenario = scenario_from_dict(data)
    mean_e = LogNormal.model_validate(effect).mean()
    r = lam * p * t0 * mean_e
    mean_s = lam * p * d * mean_e / (1 - r)
    rng = np.random.default_rng(99)
    growth, requests = np.zeros(n), np.zeros(n)
    for i in range(n):
        env = simpy.Environment()
        state, _ = run_execution(env, scenario, rng, t0, d, 0.0)
        env.run()
        growth[i], requests[i] = state.scope_growth, state.change_requests
        assert state.end == pytest.approx(d + t0 * state.scope_growth)
    assert abs(growth.mean() - mean_s) < 4 * growth.std() / math.sqrt(n)
    assert abs(requests.mean() - lam * (d + t0 * mean_s)) < 4 * requests.std() / math.sqrt(n)
