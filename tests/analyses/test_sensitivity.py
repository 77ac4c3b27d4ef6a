"""Sensitivity analyses: Sobol' on Ishigami and an additive scenario, tornado, ranks, errors."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest
from scipy import stats

import simcrm
from simcrm.analyses.sensitivity.rank import rank_sensitivity, spearman
from simcrm.analyses.sensitivity.sobol import FloatArray, sobol_design
from simcrm.analyses.sensitivity.tornado import tornado
from simcrm.analyses.sensitivity.variance import sobol
from simcrm.errors import InputError
from simcrm.scenario.load import scenario_from_dict
from simcrm.scenario.schema import Scenario

SIGMA = {"a": np.log(1.5) / stats.norm.ppf(0.9), "b": np.log(1.2) / stats.norm.ppf(0.9)}
SHARES = {"a": 0.3, "b": 0.7}

ADDITIVE: dict[str, Any] = {
    "name": "additive",
    "simulation": {"trials": 1000, "seed": 11, "horizon_months": 60},
    "plan": {"users": 1000, "complexity": "medium", "planned_months": 10.0,
             "planning_quality": 0.0},
    "components": {
        "a": {"share": 0.3, "overrun": {"p50": 1.0, "p90": 1.5}},
        "b": {"share": 0.7, "labour": True, "overrun": {"p50": 1.0, "p90": 1.2}},
    },
    "execution": {"tail_probability": 0.0},
    "scope": {"discovery_rate": 0.0, "department_rate": 0.0},
    "money": {"value_per_active_user_month": {"kind": "lognormal", "p50": 45, "p90": 110}},
    "criteria": {"cio": "cost_overrun > 0.3"},
}  # fmt: skip


def additive(**changes: Any) -> Scenario:
    data = copy.deepcopy(ADDITIVE)
    for key, value in changes.items():
        data["components"][key]["overrun"] = value
    return scenario_from_dict(data)


def ishigami(matrices: Sequence[FloatArray]) -> list[FloatArray]:
    out = []
    for x in matrices:
        y = np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])
        out.append(y[None, :])
    return out


def test_ishigami_indices_by_the_scenario_code_path() -> None:
    dists = [stats.uniform(-np.pi, 2 * np.pi)] * 3
    design = sobol_design(ishigami, dists, 2**12, 3, {"x1 x2": (0, 1), "x3": (2,)}, 300)
    exact_first = [0.3139, 0.4424, 0.0]
    exact_total = [0.5576, 0.4424, 0.2437]
    s = design.inputs
    for k in range(3):
        assert s.first[0, k] == pytest.approx(exact_first[k], abs=0.02)
        assert s.total[0, k] == pytest.approx(exact_total[k], abs=0.02)
        assert s.first_ci[0, 0, k] <= exact_first[k] <= s.first_ci[1, 0, k]
        assert s.total_ci[0, 0, k] <= exact_total[k] <= s.total_ci[1, 0, k]
    g = design.groups  # {x1, x2}: S1 + S2 (no S12), total 1 − S3; {x3}: as the single input
    assert g.first[0, 0] == pytest.approx(0.3139 + 0.4424, abs=0.02)
    assert g.total[0, 0] == pytest.approx(1 - 0.0, abs=0.02)
    assert g.first_ci[0, 0, 0] <= 0.7563 <= g.first_ci[1, 0, 0]
    assert g.total[0, 1] == pytest.approx(0.2437, abs=0.02)
    assert g.total_ci[0, 0, 1] <= 0.2437 <= g.total_ci[1, 0, 1]


def test_additive_scenario_variance_shares() -> None:
    result = sobol(additive(), outputs=["mean actual_cost"], trials=2048, resamples=300)
    frame = result.to_frame().set_index("input")
    var = {k: (np.exp(s**2) - 1) * np.exp(s**2) * SHARES[k] ** 2 for k, s in SIGMA.items()}
    for k in ("a", "b"):
        share = var[k] / sum(var.values())
        row = frame.loc[f"components.{k}.overrun"]
        assert row["first_low"] <= share <= row["first_high"]
        assert row["total_low"] <= share <= row["total_high"]
        assert row["first"] == pytest.approx(share, abs=0.03)
    unused = frame.loc["money.value_per_active_user_month"]
    assert unused["total_low"] <= 0 <= unused["total_high"]
    cost_items = frame.loc["cost items"]
    assert cost_items["total"] == pytest.approx(1.0, abs=0.02)


def test_tornado_swing_matches_hand_calculation() -> None:
    scenario = additive(b={"p50": 1.0, "p90": 1.0})  # only item a varies
    budget = float(simcrm.simulate(scenario, 10, 1)["planned_cost"].iloc[0])
    result = tornado(scenario, outputs=["mean actual_cost"], trials=2000, spider=(50.0,))
    row = result.to_frame().set_index("input").loc["components.a.overrun"]
    z = stats.norm.ppf(0.9)
    p10, p90 = np.exp(-z * SIGMA["a"]), np.exp(z * SIGMA["a"])
    assert (row["low_value"], row["high_value"]) == pytest.approx((p10, p90), rel=1e-9)
    assert row["swing"] == pytest.approx(budget * 0.3 * (p90 - p10), rel=1e-9)
    assert row["at_low"] == pytest.approx(budget * (0.3 * p10 + 0.7), rel=1e-9)
    assert row["low"] == pytest.approx(row["swing"], rel=1e-9)  # no noise: a point interval
    assert result.to_frame()["input"].iloc[0] == "components.a.overrun"  # largest swing first
    assert result.to_dict()["spider"][0]["value"] == pytest.approx(1.0)


def test_rank_spearman_of_monotone_relations() -> None:
    x = np.random.default_rng(1).normal(size=(500, 2))
    r = spearman(x, np.column_stack([np.exp(x[:, 0]), -(x[:, 1] ** 3)]))
    assert r[0, 0] == pytest.approx(1.0)
    assert r[1, 1] == pytest.approx(-1.0)
    scenario = additive(b={"p50": 1.0, "p90": 1.0})
    result = rank_sensitivity(scenario, outputs=["actual_cost"], trials=500)
    row = result.to_frame().set_index("input").loc["components.a.overrun"]
    assert row["spearman"] == pytest.approx(1.0)
    assert row["contribution"] > 0.98  # the other inputs: chance correlations only


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda s: tornado(s, outputs=["mean no_such_column"]), "--outputs"),
        (lambda s: tornado(s, outputs=["P(fail nobody)"]), "--outputs"),
        (lambda s: tornado(s, inputs=["adoption.nothing"]), "--inputs"),
        (lambda s: tornado(s, percentiles=(0, 90)), "--percentiles"),
        (lambda s: tornado(s, percentiles=(10, 100)), "--percentiles"),
        (lambda s: tornado(s, trials=50), "--trials"),
        (lambda s: sobol(s, trials=1000), "--trials"),
        (lambda s: sobol(s, trials=32), "--trials"),
        (lambda s: rank_sensitivity(s, trials=10), "--trials"),
        (lambda s: sobol(s, groups={"mine": ["plan.users"]}, trials=64), "--groups"),
    ],
)
def test_bad_arguments_name_the_argument(call: Any, field: str) -> None:
    with pytest.raises(InputError) as err:
        call(additive())
    assert err.value.field == field


def test_contribution_intervals_match_the_spread_of_independent_samples() -> None:
    """The bootstrap's 95% interval of r²/Σr² is about as wide as 3.92 × the standard
    deviation of the share over 60 independent samples of the same law (within ±40%:
    the SD of 60 samples is itself known to about ±9%, and the interval is a percentile
    one), and contains the full-sample estimate."""
    from simcrm.analyses.sensitivity.rank import bootstrap_shares, shares, spearman

    def sample(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        x = rng.normal(size=(2_000, 2))
        y = (x[:, 0] + 0.5 * x[:, 1] + rng.normal(size=2_000))[:, None]
        return x, y

    rng = np.random.default_rng(11)
    x, y = sample(rng)
    estimate = shares(spearman(x, y))[0, 0]
    low, high = np.quantile(
        bootstrap_shares(x, y, np.random.default_rng(3))[:, 0, 0], [0.025, 0.975]
    )
    assert low < estimate < high
    spread = np.std([shares(spearman(*sample(rng)))[0, 0] for _ in range(60)], ddof=1)
    assert 0.6 < (high - low) / (3.92 * spread) < 1.4
