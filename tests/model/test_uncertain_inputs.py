"""Any distribution wherever uncertainty lives, checked against the field's support."""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import simcrm
from simcrm.cli import main
from simcrm.distributions import as_distribution
from simcrm.errors import ScenarioError
from simcrm.scenario import scenario_from_dict
from tests.conftest import MINIMAL, ROOT

FIELDS: dict[str, tuple[float, float]] = {
    "plan.planned_months": (1e-9, math.inf),
    "plan.planning_quality": (0.0, 1.0),
    "components.integration.overrun": (0.0, math.inf),
    "execution.schedule": (0.0, math.inf),
    "scope.effect": (0.0, math.inf),
    "adoption.ceiling": (0.0, 1.0),
    "adoption.innovation": (0.0, 1.0),
    "adoption.imitation": (0.0, math.inf),
    "adoption.discontinuance": (0.0, 1.0),
    "money.running_cost_per_user_month": (0.0, math.inf),
    "money.value_per_active_user_month": (-math.inf, math.inf),
    "reviews.improvement_cost": (0.0, math.inf),
    "reviews.improvement_uplift": (0.0, 1.0),
    "reviews.rescue_success": (0.0, 1.0),
    "reviews.rescue_uplift": (0.0, 1.0),
}
"""Every uncertain input and the interval its values must stay in."""

FACTORS = {"components.integration.overrun", "execution.schedule"}
"""Factors multiply a cost or a duration: their values must be positive."""

KINDS: dict[str, dict[str, Any]] = {
    "fixed": {"kind": "fixed", "value": 0.5},
    "uniform": {"kind": "uniform", "low": 0.2, "high": 0.8},
    "triangular": {"kind": "triangular", "low": 0.1, "mode": 0.4, "high": 0.9},
    "pert": {"kind": "pert", "low": 0.1, "mode": 0.3, "high": 0.9},
    "normal": {"kind": "normal", "mean": 0.5, "sd": 0.1},
    "truncnormal": {"kind": "truncnormal", "mean": 0.5, "sd": 0.2, "low": 0.05, "high": 0.95},
    "lognormal": {"kind": "lognormal", "p50": 0.5, "p90": 0.7},
    "beta": {"kind": "beta", "a": 2.0, "b": 3.0},
    "gamma": {"kind": "gamma", "shape": 4.0, "scale": 0.1},
    "poisson": {"kind": "poisson", "lam": 0.4},
    "bernoulli": {"kind": "bernoulli", "p": 0.3},
    "discrete": {"kind": "discrete", "values": [0.2, 0.5, 0.8]},
    "empirical": {"kind": "empirical", "values": [0.15, 0.35, 0.55, 0.6]},
}


def _with(path: str, value: Any, data: dict[str, Any] | None = None) -> dict[str, Any]:
    data = copy.deepcopy(data or MINIMAL)
    *parents, leaf = path.split(".")
    node = data
    for part in parents:
        node = node.setdefault(part, {})
    node[leaf] = value
    data.setdefault("reviews", {}).update({"improvement": True, "rescue": True})
    data["reviews"].setdefault("abandon_threshold", 0.2)
    return data


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("path", list(FIELDS))
def test_every_kind_on_every_uncertain_input(path: str, kind: str) -> None:
    """Accepted exactly when every value the distribution can take is allowed there; then
    it runs, its draws are reported as in_<path>, and the outputs are finite."""
    table = KINDS[kind]
    low, high = FIELDS[path]
    lo, hi = as_distribution(table).support()  # type: ignore[arg-type]
    fits = low <= lo and hi <= high
    if path in FACTORS:  # positive: no mass at 0
        fits = fits and (lo > 0 or float(as_distribution(table).ppf(1e-12)) > 0)  # type: ignore[arg-type]
    data = _with(path, table)
    if not fits:
        with pytest.raises(ScenarioError, match=path.replace(".", r"\.")):
            scenario_from_dict(data)
        return
    scenario = scenario_from_dict(data)
    frame = simcrm.simulate(scenario, trials=600, seed=3, inputs=True)
    assert np.isfinite(frame[["actual_cost", "pv_costs", "actual_months"]].to_numpy()).all()
    column = "in_" + path.replace(".", "_")
    if path != "scope.effect":  # drawn per change request, not per trial
        drawn = frame[column].to_numpy()
        assert ((drawn >= lo) & (drawn <= hi)).all()
        if kind != "fixed" and path != "components.integration.overrun":
            assert np.unique(drawn).size > 1


def test_a_distribution_factor_is_narrowed_by_planning_as_a_lognormal_is() -> None:
    """With q = 1 and s = 0.5 the factor is m (X/m)^0.5, X the PERT: undoing that gives
    back the PERT exactly (KS, n = 100,000)."""
    pert = {"kind": "pert", "low": 0.8, "mode": 1.0, "high": 2.2}
    data = _with("components.integration.overrun", pert)
    data["plan"].update({"planning_quality": 1.0, "spread_planning_effect": 0.5})
    scenario = scenario_from_dict(data)
    x = simcrm.simulate(scenario, trials=100_000, seed=8, inputs=True)[
        "in_components_integration_overrun"
    ].to_numpy()
    median = float(scenario.components["integration"].overrun.ppf(0.5))
    undone = median * (x / median) ** 2
    law = stats.beta(1 + 4 * 0.2 / 1.4, 1 + 4 * 1.2 / 1.4, loc=0.8, scale=1.4)
    assert stats.kstest(undone, law.cdf).pvalue > 1e-3


def test_a_fixed_distribution_equals_the_number() -> None:
    as_number = scenario_from_dict(_with("reviews.improvement_uplift", 0.3))
    as_fixed = scenario_from_dict(
        _with("reviews.improvement_uplift", {"kind": "fixed", "value": 0.3})
    )
    a = simcrm.simulate(as_number, trials=20_000, seed=4)
    b = simcrm.simulate(as_fixed, trials=20_000, seed=4)
    pd.testing.assert_frame_equal(a, b)


def test_a_larger_uplift_buys_more_adoption() -> None:
    """Per trial, improvement's uplift drawn from U(0, 1): among improved projects final
    adoption rises with it (Spearman > 0 beyond 4 SE, SE = 1/sqrt(n − 1))."""
    data = _with("reviews.improvement_uplift", {"kind": "uniform", "low": 0.0, "high": 1.0})
    data["reviews"]["targets"] = [0.9]
    data["adoption"] = {"ceiling": {"kind": "beta", "a": 2.0, "b": 3.0}}
    frame = simcrm.simulate(scenario_from_dict(data), trials=40_000, seed=5, inputs=True)
    improved = frame[(frame["improvements"] > 0) & ~frame["abandoned"]]
    rho = stats.spearmanr(improved["in_reviews_improvement_uplift"], improved["adoption_final"])
    assert rho.statistic > 4 / math.sqrt(len(improved) - 1)


def test_run_inputs_adds_columns_and_changes_no_other(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["run", str(ROOT / "scenarios" / "baseline.toml"), "--trials", "20000", "--quiet"]
    assert main([*base, "--out", str(tmp_path / "plain")]) == 0
    assert main([*base, "--out", str(tmp_path / "inputs"), "--inputs"]) == 0
    plain = pd.read_parquet(tmp_path / "plain" / "data")
    full = pd.read_parquet(tmp_path / "inputs" / "data")
    added = [c for c in full.columns if c not in plain.columns]
    assert {
        "in_components_integration_overrun",
        "in_execution_schedule",
        "in_plan_planned_months",
    } <= set(added)
    assert all(c.startswith("in_") for c in added)
    pd.testing.assert_frame_equal(plain, full[plain.columns])
    same = (tmp_path / "plain" / "summary.json").read_text()
    assert (tmp_path / "inputs" / "summary.json").read_text() == same
