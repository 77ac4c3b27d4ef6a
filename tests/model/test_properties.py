"""Properties of every valid scenario, checked on variations of the baseline (hypothesis).

Outputs: no NaN or infinity except in the documented NaN columns (which hold no
infinity either), costs ≥ 0, adoption within [0, 1], counts ≥ 0, ``abandon_month`` defined
exactly for abandoned projects. Effects on common random
numbers (docs/model.md §8): more users never lower a trial's planned cost (exact, trial by
trial), and a higher ``p_approve`` never lowers mean scope growth (within 4 standard
errors of the paired difference: the extra approvals shift the scope stream's later
draws, so trial-by-trial monotonicity is not guaranteed), and on each side mean scope
growth is ``p_approve · E[e]`` times the mean number of requests (Wald's identity, within
4.5 standard errors), so a model that ignored ``p_approve`` fails.

Runs are derandomized with a bounded number of examples, so CI time is small and fixed.
"""

from __future__ import annotations

import copy
import math
import tomllib
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import simcrm
from simcrm.scenario.load import scenario_from_dict
from simcrm.scenario.outputs import OUTPUT_COLUMNS
from simcrm.scenario.schema import Scenario
from tests.run_helpers import BASELINE

TRIALS = 3_000
NAN_COLUMNS = {"adoption_12m", "abandon_month", "payback_month", "payback_from_go_live"}
NON_NEGATIVE = (
    "planned_cost",
    "actual_cost",
    "omitted_cost",
    "improvement_cost",
    "pv_costs",
    "pv_benefits",
    "planned_months",
    "actual_months",
    "change_requests",
    "scope_growth",
    "improvements",
)
BASE: dict[str, Any] = tomllib.loads(BASELINE.read_text())
PROFILE = settings(
    derandomize=True,
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def _unit(low: float = 0.0, high: float = 1.0) -> st.SearchStrategy[float]:
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


@st.composite
def _lognormal(draw: st.DrawFn, low: float, high: float) -> dict[str, Any]:
    p50 = draw(_unit(low, high))
    return {"kind": "lognormal", "p50": p50, "p90": p50 * draw(_unit(1.05, 4.0))}


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    """A valid variation of the baseline scenario, as TOML-shaped dictionaries."""
    data = copy.deepcopy(BASE)
    plan, scope, execution = data["plan"], data["scope"], data["execution"]
    plan["users"] = draw(st.integers(1, 200_000))
    plan["planning_quality"] = draw(_unit())
    low = draw(_unit(1.0, 12.0))
    mode = low + draw(_unit(0.1, 10.0))
    plan["planned_months"] = {"kind": "pert", "low": low, "mode": mode, "high": mode + 5.0}
    weights = [draw(_unit(0.05, 1.0)) for _ in data["components"]]
    for (name, component), w in zip(data["components"].items(), weights, strict=True):
        p50 = draw(_unit(0.5, 2.0))
        component["share"] = w / sum(weights)
        component["overrun"] = {"p50": p50, "p90": p50 * draw(_unit(1.0, 3.0))}
        if component.get("overlookable"):
            component["p_omit"] = draw(_unit())
        data["components"][name] = component
    execution["rho"] = draw(_unit())
    execution["tail_probability"] = draw(_unit(0.0, 0.5))
    execution["tail_alpha"] = draw(_unit(1.1, 4.0))
    execution["schedule_rho"] = draw(_unit(-1.0, 1.0))
    scope["discovery_rate"] = draw(_unit(0.0, 2.0))
    scope["department_rate"] = draw(_unit(0.0, 0.3))
    scope["departments"] = draw(st.integers(0, 10))
    scope["governance"] = draw(_unit())
    scope["p_approve"] = draw(_unit())
    scope["effect"] = draw(_lognormal(0.001, 0.05))
    adoption = data["adoption"]
    adoption["ceiling"] = {"kind": "beta", "a": draw(_unit(0.5, 8.0)), "b": draw(_unit(0.5, 8.0))}
    adoption["innovation"] = draw(_unit(0.0, 0.2))
    adoption["imitation"] = draw(_unit(0.0, 1.0))
    adoption["training"] = draw(_unit())
    adoption["discontinuance"] = {"kind": "uniform", "low": 0.0, "high": draw(_unit(0.001, 0.05))}
    reviews = data["reviews"]
    reviews["improvement"] = draw(st.booleans())
    reviews["rescue"] = draw(st.booleans())
    reviews["abandon_threshold"] = draw(_unit(0.0, 0.5))
    reviews["noise_sd"] = draw(_unit(0.0, 0.5))
    money = data["money"]
    money["discount_rate"] = draw(_unit(-0.2, 0.5))
    money["running_cost_per_user_month"] = draw(_unit(0.0, 20.0))
    money["value_per_active_user_month"] = draw(_lognormal(1.0, 200.0))
    return data


def _simulate(data: dict[str, Any], seed: int = 5) -> pd.DataFrame:
    scenario: Scenario = scenario_from_dict(data)
    return simcrm.simulate(scenario, trials=TRIALS, seed=seed)


@PROFILE
@given(scenarios())
def test_outputs_are_finite_non_negative_and_in_range(data: dict[str, Any]) -> None:
    frame = _simulate(data)
    assert frame["trial"].tolist() == list(range(TRIALS))
    for name, dtype in OUTPUT_COLUMNS.items():
        values = frame[name].to_numpy()
        if dtype is np.float64:
            assert not np.isinf(values).any(), name
            if name not in NAN_COLUMNS:
                assert not np.isnan(values).any(), name
    for name in NON_NEGATIVE:
        assert (frame[name] >= 0).all(), name
    for name in ("adoption_12m", "adoption_final"):
        defined = frame[name].dropna()
        assert ((defined >= 0) & (defined <= 1)).all(), name
    assert (frame["cost_overrun"] >= -1).all()
    assert (frame["abandoned"] == frame["abandon_month"].notna()).all()
    for name in (c for c in frame.columns if c.startswith("fail_")):
        assert frame[name].dtype == np.bool_


@PROFILE
@given(scenarios(), st.integers(1, 100_000))
def test_more_users_never_lower_a_trials_planned_cost(data: dict[str, Any], extra: int) -> None:
    more = copy.deepcopy(data)
    more["plan"]["users"] = data["plan"]["users"] + extra
    a = _simulate(data)["planned_cost"].to_numpy()
    b = _simulate(more)["planned_cost"].to_numpy()
    assert (b >= a).all()


@PROFILE
@given(scenarios(), _unit(0.05, 1.0))
def test_a_higher_p_approve_never_lowers_mean_scope_growth(
    data: dict[str, Any], step: float
) -> None:
    higher = copy.deepcopy(data)
    higher["scope"]["p_approve"] = min(1.0, data["scope"]["p_approve"] + step)
    runs = [_simulate(data), _simulate(higher)]
    d = runs[1]["scope_growth"].to_numpy() - runs[0]["scope_growth"].to_numpy()
    se = d.std(ddof=1) / np.sqrt(d.size)
    assert d.mean() >= -4 * se
    # two-sided: each request is approved with probability p_approve independently of its
    # arrival, so E[scope_growth] = p_approve E[e] E[change_requests] (Wald's identity),
    # checked on each side within 4.5 standard errors; a model that ignored p_approve fails.
    # The SE adds the approvals' own variance (at most p E[e²] per request) to the sample's,
    # which misses it when approvals are too rare to be seen (p_approve near 0).
    for frame, source in zip(runs, (data, higher), strict=True):
        scope = source["scope"]
        mean_e, mean_e2 = _effect_moments(scope["effect"])
        requests = frame["change_requests"].to_numpy(np.float64)
        wald = frame["scope_growth"].to_numpy() - scope["p_approve"] * mean_e * requests
        n = wald.size
        se = np.sqrt(wald.var(ddof=1) / n + scope["p_approve"] * mean_e2 * requests.mean() / n)
        assert abs(wald.mean()) <= 4.5 * se


def _effect_moments(effect: dict[str, Any]) -> tuple[float, float]:
    """E[e] and E[e²] of a lognormal given by its P50 and P90 (closed form,
    z90 = 1.2815515655446004)."""
    sigma = math.log(effect["p90"] / effect["p50"]) / 1.2815515655446004
    p50 = effect["p50"]
    return p50 * math.exp(sigma**2 / 2), p50**2 * math.exp(2 * sigma**2)
