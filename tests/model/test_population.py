"""Population parameters: per-trial draws, overrides, validation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import simcrm
from simcrm.errors import ScenarioError
from simcrm.model import simulate_block
from simcrm.scenario.load import parse_scenario
from tests.conftest import ROOT

POPULATION = """
[population.heterogeneity]
"plan.planning_quality" = { kind = "beta", a = 1.5, b = 3 }
[population.epistemic]
"scope.discovery_rate" = { kind = "lognormal", p50 = 0.6, p90 = 1.2 }
"""


def _scenario(extra: str = POPULATION) -> simcrm.Scenario:
    return parse_scenario((ROOT / "scenarios" / "half_cycle.toml").read_text() + extra)


def test_population_draws_are_recorded_as_inputs() -> None:
    frame = simcrm.simulate(_scenario(), trials=30_000, seed=2)
    q = frame["in_plan_planning_quality"]
    assert q.mean() == pytest.approx(1.5 / 4.5, abs=4 * np.sqrt(0.04 / 30_000))
    rate = frame["in_scope_discovery_rate"]
    assert rate.median() == pytest.approx(0.6, rel=0.03)
    # the drawn values reach the model: more requests where the rate is higher
    high = frame["change_requests"][rate > rate.median()].mean()
    low = frame["change_requests"][rate <= rate.median()].mean()
    assert high > 1.5 * low


def test_override_replaces_a_draw_and_keeps_every_other_random_number() -> None:
    scenario = _scenario()
    base = simulate_block(scenario, 3, 0, 2_000)
    fixed = np.full(2_000, 0.6)
    over = simulate_block(scenario, 3, 0, 2_000, {"scope.discovery_rate": fixed})
    assert np.array_equal(over["in_scope_discovery_rate"], fixed)
    assert np.array_equal(over["in_plan_planning_quality"], base["in_plan_planning_quality"])
    assert np.array_equal(over["planned_months"], base["planned_months"])


def test_overriding_with_the_scenarios_own_value_changes_nothing() -> None:
    scenario = simcrm.load_scenario(ROOT / "scenarios" / "baseline.toml")
    base = pd.DataFrame(simulate_block(scenario, 5, 1, 3_000))
    same = {"scope.p_approve": np.full(3_000, scenario.scope.p_approve)}
    pd.testing.assert_frame_equal(base, pd.DataFrame(simulate_block(scenario, 5, 1, 3_000, same)))


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (
            '[population.epistemic]\n"scope.discovery_rat" = 0.5\n',
            "did you mean 'scope.discovery_rate'",
        ),
        (
            '[population.epistemic]\n"scope.p_approve" = { kind = "uniform", low = 0.5, high = 1.5 }\n',
            "less than or equal to 1",
        ),
        (
            '[population.heterogeneity]\n"plan.planning_quality" = { kind = "uniform", low = 0, high = 2 }\n',
            "[0, 1]",
        ),
        (
            '[population.heterogeneity]\n"reviews.cycle_months" = 3\n',
            "not a parameter the model can vary",
        ),
    ],
)
def test_invalid_population_is_refused(extra: str, words: str) -> None:
    with pytest.raises(ScenarioError, match="population") as err:
        _scenario(extra)
    assert words in str(err.value)


def test_unbounded_epistemic_scope_rate_needs_a_cap(tmp_path: Path) -> None:
    text = (
        (ROOT / "scenarios" / "half_cycle.toml")
        .read_text()
        .replace("max_execution_months = 36", "# no cap")
    )
    with pytest.raises(ScenarioError, match="max_execution_months"):
        parse_scenario(text + POPULATION)


def test_review_parameters_vary_per_trial_in_trial_order() -> None:
    # Operation works on trials sorted by months of operation; per-trial review
    # parameters must follow them. Even trials never alarm (threshold −1), odd trials
    # always do (threshold 10, far above any measured adoption): with one rescue allowed and
    # reviews every 6 months from month 12, every odd trial live for 24+ months is
    # abandoned after go-live (by month 18), and no even trial is.
    scenario = simcrm.load_scenario(ROOT / "scenarios" / "full_cycle.toml")
    n = 4_000
    threshold = np.where(np.arange(n) % 2 == 0, -1.0, 10.0)
    out = pd.DataFrame(simulate_block(scenario, 11, 0, n, {"reviews.abandon_threshold": threshold}))
    after_go_live = out["abandoned"] & (out["abandon_month"] > out["actual_months"])
    went_live = ~out["abandoned"] | after_go_live
    long_lived = went_live & (
        np.ceil(out["actual_months"]) + 24 <= scenario.simulation.horizon_months
    )
    odd = threshold > 0
    assert scenario.reviews.max_rescues == 1
    assert not after_go_live[~odd].any()
    assert after_go_live[odd & long_lived].all()
    assert (odd & long_lived).sum() > 1_000


def test_every_review_parameter_can_vary_across_firms() -> None:
    extra = """
[population.heterogeneity]
"reviews.abandon_threshold" = { kind = "uniform", low = 0.1, high = 0.3 }
"reviews.rescue_success" = { kind = "uniform", low = 0.2, high = 0.8 }
"reviews.improvement_uplift" = { kind = "uniform", low = 0.1, high = 0.5 }
"reviews.rescue_uplift" = { kind = "uniform", low = 0.1, high = 0.5 }
"""
    text = (ROOT / "scenarios" / "full_cycle.toml").read_text()
    frame = simcrm.simulate(parse_scenario(text + extra), trials=20_000, seed=4)
    # higher thresholds abandon more projects
    threshold = frame["in_reviews_abandon_threshold"]
    high = frame["abandoned"][threshold > 0.2].mean()
    low = frame["abandoned"][threshold <= 0.2].mean()
    assert high > low
