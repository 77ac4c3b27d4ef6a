"""``money.discount_rate`` varies per trial: each trial is discounted at its own rate.

The rate can be a population parameter (heterogeneity or epistemic) or an override array.
A trial with rate ``r`` has the present values of a run with ``money.discount_rate = r``
(every other output the very same: discounting changes no draw and no decision), and of
the hand calculation of docs/model.md §5 for a deterministic project. Without a per-trial
rate nothing changes (the golden digests hold that).
"""

from __future__ import annotations

import copy
import math
import tomllib
from typing import Any

import numpy as np
import pandas as pd
import pytest

from simcrm.errors import ScenarioError
from simcrm.model.trial import simulate_block
from simcrm.reference import simulate_reference
from simcrm.scenario.load import scenario_from_dict
from simcrm.scenario.outputs import OUTPUT_COLUMNS
from simcrm.scenario.schema import Scenario
from tests.conftest import LOOP_REL, ROOT

RATE = "money.discount_rate"
COLUMN = "in_money_discount_rate"
PV_COLUMNS = ("pv_costs", "pv_benefits", "npv", "roi")

USERS = 100
BUDGET = 100_000.0  # flat cost curve: 1,000 per user
T0 = 10  # whole months: go-live at month 10
HORIZON = 50  # 40 months of operation: four windows of the monthly loop
P, QB, M, DELTA = 0.05, 0.4, 0.8, 0.01
RUN_USER, RUN_FIXED, VALUE = 2.0, 100.0, 200.0

DETERMINISTIC: dict[str, Any] = {
    "name": "deterministic",
    "simulation": {"horizon_months": HORIZON},
    "plan": {
        "users": USERS,
        "cost_curve": [[10, 1000.0], [10_000, 1000.0]],
        "planned_months": float(T0),
        "planning_quality": 0.0,
    },
    "components": {
        "software": {"share": 0.4, "overrun": {"p50": 1.0, "p90": 1.0}},
        "labour": {"share": 0.6, "labour": True, "overrun": {"p50": 1.0, "p90": 1.0}},
    },
    "execution": {"tail_probability": 0.0, "schedule": {"p50": 1.0, "p90": 1.0}},
    "scope": {"discovery_rate": 0.0, "department_rate": 0.0},
    "adoption": {"ceiling": M, "innovation": P, "imitation": QB, "discontinuance": DELTA},
    "reviews": {"evaluation": False, "improvement": False},
    "money": {
        "discount_rate": 0.08,
        "running_cost_per_user_month": RUN_USER,
        "running_fixed_month": RUN_FIXED,
        "value_per_active_user_month": VALUE,
    },
    "criteria": {"financial": "npv < 0"},
}


def _deterministic(
    rate: dict[str, Any] | float | None = None, where: str = "heterogeneity"
) -> Scenario:
    """The deterministic project; ``rate`` a distribution table: the rate varies per trial."""
    data = copy.deepcopy(DETERMINISTIC)
    if isinstance(rate, dict):
        data["population"] = {where: {RATE: rate}}
    elif rate is not None:
        data["money"]["discount_rate"] = rate
    return scenario_from_dict(data)


def _hand(rate: float) -> dict[str, float]:
    """pv_costs, pv_benefits and npv of the deterministic project by hand (docs/model.md §5)."""
    v = (1.0 + rate) ** (-1.0 / 12.0)
    pv_impl = sum(BUDGET / T0 * v**m for m in range(1, T0 + 1))
    a = [0.0]
    for _ in range(HORIZON - T0):
        x = a[-1]
        a.append(min(max(x + (P + QB * x / M) * (M - x) - DELTA * x, 0.0), M))
    running = USERS * RUN_USER + RUN_FIXED
    months = range(1, HORIZON - T0 + 1)
    pv_run = sum(running * v ** (T0 + k) for k in months)
    pv_ben = sum(USERS * a[k] * VALUE * v ** (T0 + k) for k in months)
    return {"pv_costs": pv_impl + pv_run, "pv_benefits": pv_ben, "npv": pv_ben - pv_impl - pv_run}


def _check_pv(row: pd.Series | dict[str, Any], expected: dict[str, float]) -> None:
    """Present values to the loop's precision (benefits) and float64's (costs)."""
    assert row["pv_costs"] == pytest.approx(expected["pv_costs"], rel=1e-9)
    assert row["pv_benefits"] == pytest.approx(expected["pv_benefits"], rel=LOOP_REL)
    tolerance = LOOP_REL * abs(expected["pv_benefits"]) + 1e-9 * expected["pv_costs"]
    assert row["npv"] == pytest.approx(expected["npv"], abs=tolerance)


def _frame(scenario: Scenario, n: int, seed: int = 11, **overrides: Any) -> pd.DataFrame:
    return pd.DataFrame(simulate_block(scenario, seed, 0, n, overrides or None))


@pytest.mark.parametrize("where", ["heterogeneity", "epistemic"])
@pytest.mark.parametrize(
    "rate",
    [
        {"kind": "uniform", "low": -0.05, "high": 0.4},
        {"kind": "discrete", "values": [0.0, 0.02, 0.1, 0.35, -0.03]},  # 0: v = 1 exactly
    ],
    ids=["uniform", "discrete"],
)
def test_each_trial_is_discounted_at_its_own_rate(rate: dict[str, Any], where: str) -> None:
    frame = _frame(_deterministic(rate, where), 300)
    rates = frame[COLUMN].to_numpy()
    assert np.unique(rates).size >= 5, "the rate does vary"
    for i in range(0, 300, 7):
        _check_pv(frame.iloc[i], _hand(float(rates[i])))


def test_the_hand_calculation_is_that_of_a_fixed_rate_run() -> None:
    for rate in (-0.03, 0.0, 0.08, 0.35):
        _check_pv(_frame(_deterministic(rate), 3).iloc[0], _hand(rate))


def test_a_trial_has_the_present_values_of_a_run_at_its_rate() -> None:
    rates = [0.0, 0.02, 0.1, 0.35]
    frame = _frame(_deterministic({"kind": "discrete", "values": rates}), 400)
    for rate in rates:
        fixed = _frame(_deterministic(rate), 1).iloc[0]
        mine = frame[frame[COLUMN] == rate]
        assert len(mine) > 50
        assert np.allclose(mine["pv_costs"], fixed["pv_costs"], rtol=1e-9, atol=0)
        assert np.allclose(mine["pv_benefits"], fixed["pv_benefits"], rtol=LOOP_REL, atol=0)


def _full_cycle(rate: dict[str, Any] | float) -> Scenario:
    """The shipped full cycle (reviews that improve and rescue: spending at reviews), with
    the rate per trial (a table) or fixed at ``rate``."""
    data = tomllib.loads((ROOT / "scenarios" / "full_cycle.toml").read_text())
    if isinstance(rate, dict):
        data.setdefault("population", {}).setdefault("heterogeneity", {})[RATE] = rate
    else:
        data["money"]["discount_rate"] = rate
    return scenario_from_dict(data)


def test_a_stochastic_trial_is_the_trial_of_a_run_at_its_rate() -> None:
    """Common random numbers: the rate's draw changes no other draw and no decision, so
    trial by trial everything but the present values is the same as in the run at that
    trial's rate, and the present values are equal to the loop's precision."""
    rates = [0.0, 0.03, 0.08, 0.25]
    n = 6_000
    varied = _frame(_full_cycle({"kind": "discrete", "values": rates}), n)
    assert varied["improvement_cost"].gt(0).mean() > 0.1, "reviews spend: discounted at reviews"
    for rate in rates:
        fixed = _frame(_full_cycle(rate), n)
        mine = (varied[COLUMN] == rate).to_numpy()
        assert mine.sum() > 1_000
        a, b = varied[mine], fixed[mine]
        for column in OUTPUT_COLUMNS:
            if column not in PV_COLUMNS:
                pd.testing.assert_series_equal(a[column], b[column])
        np.testing.assert_allclose(a["pv_costs"], b["pv_costs"], rtol=1e-9)
        np.testing.assert_allclose(a["pv_benefits"], b["pv_benefits"], rtol=LOOP_REL)
        np.testing.assert_allclose(
            a["npv"], b["npv"], rtol=0, atol=LOOP_REL * b["pv_benefits"].max() + 1e-6
        )


def test_an_array_of_the_scenarios_own_rate_gives_its_results() -> None:
    """The per-trial path agrees with the whole-run one (to float precision)."""
    scenario = _full_cycle(0.08)
    n = 3_000
    base = _frame(scenario, n)
    same = _frame(scenario, n, **{RATE: np.full(n, 0.08)})
    for column in OUTPUT_COLUMNS:
        if column not in PV_COLUMNS:
            pd.testing.assert_series_equal(base[column], same[column])
    np.testing.assert_allclose(same["pv_costs"], base["pv_costs"], rtol=1e-9)
    np.testing.assert_allclose(same["pv_benefits"], base["pv_benefits"], rtol=LOOP_REL)


def test_a_scalar_override_is_the_whole_run_rate_exactly() -> None:
    scenario = _full_cycle(0.08)
    base = _frame(scenario, 2_000)
    pd.testing.assert_frame_equal(base, _frame(scenario, 2_000, **{RATE: np.float64(0.08)}))


def test_a_higher_rate_lowers_present_values() -> None:
    n = 2_000
    scenario = _full_cycle(0.08)
    low = _frame(scenario, n, **{RATE: np.full(n, 0.02)})
    high = _frame(scenario, n, **{RATE: np.full(n, 0.20)})
    benefits = low["pv_benefits"] > 0
    assert benefits.mean() > 0.5
    assert (high["pv_benefits"][benefits] < low["pv_benefits"][benefits]).all()
    assert (high["pv_costs"] < low["pv_costs"]).all()
    assert (high["npv"] != low["npv"]).all()
    # the deterministic project pays first and earns later: its npv falls as the rate rises
    det = _deterministic()
    npv = [_frame(det, 1, **{RATE: np.array([r])}).loc[0, "npv"] for r in (0.02, 0.2)]
    assert npv[1] < npv[0]
    assert npv == pytest.approx([_hand(0.02)["npv"], _hand(0.2)["npv"]], rel=1e-5)


def test_the_reference_model_discounts_each_trial_at_its_rate() -> None:
    frame = simulate_reference(
        _deterministic({"kind": "uniform", "low": 0.0, "high": 0.3}), trials=12, seed=5
    )
    rates = frame[COLUMN].to_numpy()
    assert np.unique(rates).size == 12
    for i, rate in enumerate(rates):
        expected = _hand(float(rate))
        row = frame.iloc[i]
        for column in ("pv_costs", "pv_benefits", "npv"):
            assert row[column] == pytest.approx(expected[column], rel=1e-9)


# -- which paths a population may vary, and what a refusal says --------------------------


def _with_population(path: str, value: Any, where: str = "heterogeneity") -> Scenario:
    data = copy.deepcopy(DETERMINISTIC)
    data["population"] = {where: {path: value}}
    return scenario_from_dict(data)


def _refusal(path: str, value: Any = 0.1) -> str:
    with pytest.raises(ScenarioError) as err:
        _with_population(path, value)
    assert err.value.field == f"<scenario>: population.heterogeneity.{path}"
    return err.value.allowed


@pytest.mark.parametrize("where", ["heterogeneity", "epistemic"])
def test_the_discount_rate_is_a_population_parameter(where: str) -> None:
    scenario = _with_population(RATE, {"kind": "uniform", "low": 0.0, "high": 0.2}, where)
    assert RATE in scenario.population.paths()


@pytest.mark.parametrize(
    ("low", "high", "words"),
    [(-1.5, 0.1, "greater than -1"), (0.0, 1.5, "less than or equal to 1")],
)
def test_the_discount_rate_keeps_its_range(low: float, high: float, words: str) -> None:
    assert words in _refusal(RATE, {"kind": "uniform", "low": low, "high": high})


@pytest.mark.parametrize(
    "path", ["reviews.cycle_months", "reviews.max_rescues", "execution.max_execution_months"]
)
def test_a_whole_run_setting_is_named_as_one(path: str) -> None:
    message = _refusal(path, 3)
    assert f"{path} is a whole-run setting and cannot vary per trial" in message
    assert "did you mean" not in message


def test_a_share_is_refused_with_the_reason() -> None:
    assert "the shares must sum to 1" in _refusal("components.software.share", 0.4)


@pytest.mark.parametrize(
    ("path", "hint"),
    [
        ("money.discount_rat", "money.discount_rate"),
        ("money.discont_rate", "money.discount_rate"),
        ("scope.discovery_rat", "scope.discovery_rate"),
        ("adoption.imitaton", "adoption.imitation"),
        ("discount_rate", "money.discount_rate"),  # the same field, without its section
        ("scope.discount_rate", "money.discount_rate"),  # not 'scope.discovery_rate'
    ],
)
def test_a_close_name_is_suggested(path: str, hint: str) -> None:
    assert f"did you mean {hint!r}?" in _refusal(path)


@pytest.mark.parametrize("path", ["money.interest", "money.rate", "weather.rain", "plan.budget"])
def test_an_unrelated_name_gets_no_suggestion(path: str) -> None:
    message = _refusal(path)
    assert "did you mean" not in message
    assert message.startswith("not a parameter the model can vary; give the dotted path")


def test_a_same_section_name_is_preferred() -> None:
    # 'money.running_fixed_mont' is close to its own section's field, not to another's
    assert "did you mean 'money.running_fixed_month'?" in _refusal("money.running_fixed_mont")


def test_no_nan_in_present_values_at_extreme_rates() -> None:
    frame = _frame(_deterministic({"kind": "discrete", "values": [-0.99, 1.0]}), 50)
    for column in ("pv_costs", "pv_benefits", "npv", "roi"):
        assert np.isfinite(frame[column]).all()
    for rate in (-0.99, 1.0):
        row = frame[frame[COLUMN] == rate].iloc[0]
        expected = _hand(rate)
        assert row["pv_costs"] == pytest.approx(expected["pv_costs"], rel=1e-9)
        assert row["pv_benefits"] == pytest.approx(expected["pv_benefits"], rel=LOOP_REL)
        assert math.isfinite(row["npv"])
