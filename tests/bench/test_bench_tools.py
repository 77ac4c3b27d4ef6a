"""The pieces of ``make bench`` that can be checked without timing: the plain-loop model
agrees with the vectorised core, and the RNG recorder replays exactly what it recorded."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pandas as pd
import pytest

import simcrm
from benchmarks.loop_model import simulate_loop
from benchmarks.rng_bound import record, recording, replay, summary
from simcrm.scenario.load import scenario_from_dict
from tests.conftest import LOOP_COLUMNS, LOOP_REL, ROOT

# Every distribution fixed, no tail, no scope creep, evaluation off: each trial is the same
# project, so the loop model must give the core's numbers exactly (to rounding).
DETERMINISTIC: dict[str, Any] = {
    "name": "deterministic",
    "simulation": {"horizon_months": 36},
    "plan": {
        "users": 100,
        "cost_curve": [[10, 1000.0], [10_000, 1000.0]],
        "planned_months": 9.5,
        "planning_quality": 0.0,
    },
    "components": {
        "software": {"share": 0.3},
        "edi": {"share": 0.1, "overlookable": True, "p_omit": 1.0},
        "labour": {"share": 0.6, "labour": True, "overrun": {"p50": 1.2, "p90": 1.2}},
    },
    "execution": {"tail_probability": 0.0, "schedule": {"p50": 1.1, "p90": 1.1}},
    "adoption": {"ceiling": 0.8, "innovation": 0.05, "imitation": 0.4, "discontinuance": 0.01},
    "reviews": {"evaluation": False},
    "money": {
        "discount_rate": 0.1,
        "running_cost_per_user_month": 2.0,
        "running_fixed_month": 100.0,
        "value_per_active_user_month": 200.0,
        "intangible_points": 100.0,
    },
    "criteria": {
        "financial": "npv < 0",
        "late": "schedule_overrun > 5% or abandoned",
        "either": "financial or (late and roi / 2 < 10)",
    },
}

NOISELESS = {"reviews.evaluation": True, "reviews.noise_sd": 0.0, "reviews.noise_floor": 0.0}

# every project's users reject the system from month 4 after go-live (docs/model.md §3)
REJECTED = {
    "adoption.rejection_probability": 1.0,
    "adoption.rejection_rate": 0.05,
    "adoption.rejection_onset_months": 3,
}

VARIANTS: dict[str, dict[str, Any]] = {
    "plain": {},
    "abandoned in operation": {
        **NOISELESS,
        "reviews.cycle_months": 12,
        "reviews.abandon_threshold": 1.0,
        "reviews.abandon_min_months": 12,
    },
    "improved every review": {
        **NOISELESS,
        "reviews.improvement": True,
        "reviews.targets": [0.9],
        "reviews.cycle_months": 4,
    },
    "rescued once": {
        **NOISELESS,
        "reviews.rescue": True,
        "reviews.rescue_success": 1.0,
        "reviews.abandon_threshold": 1.0,
        "reviews.max_rescues": 1,
    },
    "cut at the execution cap": {"execution.max_execution_months": 8.0},
    "never live": {"plan.planned_months": 40.0},
    "rejected": REJECTED,
    "rejection ended by improvement": {
        **REJECTED,
        **NOISELESS,
        "reviews.improvement": True,
        "reviews.targets": [0.9],
        "reviews.cycle_months": 6,
    },
    "rejection ended by rescue": {
        **REJECTED,
        **NOISELESS,
        "adoption.rejection_rate": 0.2,
        "reviews.rescue": True,
        "reviews.rescue_success": 1.0,
        "reviews.abandon_threshold": 0.5,
        "reviews.max_rescues": 3,
        "reviews.cycle_months": 6,
    },
}


def scenario(changes: dict[str, Any]) -> simcrm.Scenario:
    """The deterministic scenario with dotted-path changes."""
    data = copy.deepcopy(DETERMINISTIC)
    for path, value in changes.items():
        node = data
        *parents, leaf = path.split(".")
        for key in parents:
            node = node.setdefault(key, {})
        node[leaf] = value
    return scenario_from_dict(data)


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_loop_model_matches_the_core_on_deterministic_projects(variant: str) -> None:
    model = scenario(VARIANTS[variant])
    core = simcrm.simulate(model, trials=3, seed=1)
    loop = simulate_loop(model, 3, seed=2)
    assert list(loop.columns) == list(core.columns)
    assert (loop.dtypes == core.dtypes).all()
    # the plain loop computes adoption in float64, the core in float32 (LOOP_REL)
    benefits = core["pv_benefits"].abs().to_numpy()
    scale = {"npv": benefits, "roi": benefits / core["pv_costs"].abs().to_numpy()}
    for name in core.columns:
        if name in scale:
            np.testing.assert_allclose(
                loop[name], core[name], rtol=1e-10, atol=LOOP_REL * scale[name].max(), err_msg=name
            )
        elif core[name].dtype == np.float64:
            rtol = LOOP_REL if name in LOOP_COLUMNS else 1e-10
            np.testing.assert_allclose(loop[name], core[name], rtol=rtol, err_msg=name)
        else:
            assert (loop[name] == core[name]).all(), name


def test_loop_model_variants_exercise_what_they_name() -> None:
    rows = {v: simulate_loop(scenario(c), 1, seed=0).iloc[0] for v, c in VARIANTS.items()}
    assert rows["plain"]["omitted_cost"] > 0
    assert not rows["plain"]["abandoned"]
    live = rows["abandoned in operation"]
    assert live["abandon_month"] == np.ceil(live["actual_months"]) + 12
    assert rows["improved every review"]["improvements"] > 1
    assert rows["rescued once"]["rescued"]
    assert rows["rescued once"]["abandoned"]
    assert rows["cut at the execution cap"]["actual_months"] == 8.0
    assert np.isnan(rows["never live"]["adoption_12m"])
    fell = rows["rejected"]
    assert fell["adoption_final"] < fell["adoption_12m"]
    for ended in ("rejection ended by improvement", "rejection ended by rescue"):
        # ended, the rejection no longer pulls use down: it rises above the 12-month level
        assert rows[ended]["adoption_final"] > rows[ended]["adoption_12m"] > 0, ended
    assert rows["rejection ended by improvement"]["improvements"] > 0
    assert rows["rejection ended by rescue"]["rescued"]
    assert not rows["rejection ended by rescue"]["abandoned"]


def test_loop_model_agrees_with_the_core_in_distribution() -> None:
    """Baseline, 2,000 loop trials against 50,000 core trials (fixed seeds: no flakiness)."""
    base = simcrm.load_scenario(ROOT / "scenarios" / "baseline.toml")
    loop = simulate_loop(base, 2_000, seed=11)
    core = simcrm.simulate(base, trials=50_000, seed=12)
    for name in ("planned_months", "change_requests", "adoption_final", "abandoned"):
        a, b = loop[name].astype(float), core[name].astype(float)
        se = np.sqrt(a.var() / len(a) + b.var() / len(b))
        assert abs(a.mean() - b.mean()) < 5 * se, name
    for name in ("cost_overrun", "npv"):  # heavy tails: compare the share above the median
        above = (loop[name] > core[name].median()).mean()
        assert abs(above - 0.5) < 5 * np.sqrt(0.25 / len(loop)), name
    # and above the core's 90th percentile, where the black swans are (their minimum
    # multiplier tail_min moves it); 5 standard errors of the share: binomial for the loop's
    # trials, plus the core percentile's own error, ~sqrt(q (1 - q) / n) in probability
    q = 0.9
    for name in ("cost_overrun", "npv"):
        above = (loop[name] > core[name].quantile(q)).mean()
        se = np.sqrt(q * (1 - q) * (1 / len(loop) + 1 / len(core)))
        assert abs(above - (1 - q)) < 5 * se, name


def test_recorder_replays_the_same_draws_with_the_same_values() -> None:
    base = simcrm.load_scenario(ROOT / "scenarios" / "baseline.toml")
    trials = 20_000  # two blocks, the second partial
    log = record(base, trials, seed=3, keep=True)
    counts = summary(log)
    assert counts["streams"] == 2 * 8
    drawn, values = replay(log, keep=True)
    assert drawn == counts["draws"] == sum(c.draws for s in log for c in s.calls)
    original = [c.output for s in log for c in s.calls]
    assert len(values) == len(original)
    for got, want in zip(values, original, strict=True):
        np.testing.assert_array_equal(got, want)


def test_recording_changes_nothing() -> None:
    base = simcrm.load_scenario(ROOT / "scenarios" / "baseline.toml")
    with recording() as log:
        watched = simcrm.simulate(base, trials=1_000, seed=4)
    assert log
    assert any(s.calls for s in log)
    pd.testing.assert_frame_equal(watched, simcrm.simulate(base, trials=1_000, seed=4))
