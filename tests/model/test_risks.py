"""The risk register (``[[risks]]``): occurrence, exact impacts, mitigation on common
random numbers, validation, the summary's figures, and bit-identity across chunkings."""

from __future__ import annotations

import copy
import itertools
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import simcrm
from simcrm.analyses.compare import compare
from simcrm.cli import main
from simcrm.engine.results import summarize_directory
from simcrm.errors import ScenarioError
from simcrm.scenario.costcurve import planned_budget
from simcrm.scenario.load import scenario_digest, scenario_from_dict
from simcrm.scenario.schema import Scenario
from simcrm.stats.run_summary import Summary
from simcrm.stats.summary import SummaryBuilder
from tests.conftest import MINIMAL, ROOT

N = 200_000
SEED = 23

COST = {"kind": "pert", "low": 20_000, "mode": 50_000, "high": 150_000}
MONTHS = {"kind": "triangular", "low": 0.5, "mode": 1.0, "high": 3.0}


def _fixed(risks: list[dict[str, Any]] | None = None, **changes: Any) -> dict[str, Any]:
    """The minimal scenario with no randomness of its own: overruns and the schedule at
    p50 = p90 = 1, a fixed planned duration, no scope creep, no tail, no omissions."""
    data = copy.deepcopy(MINIMAL)
    data["plan"]["planned_months"] = 10.0
    data["adoption"] = {"ceiling": 0.75}
    data["money"] = {"value_per_active_user_month": 40.0, "running_fixed_month": 2_000.0}
    if risks is not None:
        data["risks"] = risks
    data.update(changes)
    return data


def _scenario(data: dict[str, Any]) -> Scenario:
    return scenario_from_dict(data)


def _simulate(data: dict[str, Any], trials: int = N, **kwargs: Any) -> pd.DataFrame:
    return simcrm.simulate(_scenario(data), trials=trials, seed=SEED, **kwargs)


def _risk(name: str = "slip", **fields: Any) -> dict[str, Any]:
    return {"name": name, "probability": 0.3, "when": "execution", **fields}


# ------------------------------------------------------------------------ occurrence


def test_a_risk_strikes_with_its_probability() -> None:
    """The share of trials where a risk of probability p occurred is within 4 standard
    errors of p, the standard error being the binomial one under p itself,
    ``sqrt(p (1 − p) / n)`` (n = 200,000, p = 0.3: SE = 0.00102)."""
    frame = _simulate(_fixed([_risk(cost=COST), _risk("rare", probability=0.02, cost=1.0)]))
    for name, p in (("slip", 0.3), ("rare", 0.02)):
        share = frame[f"risk_{name}"].mean()
        se = math.sqrt(p * (1 - p) / N)
        assert abs(share - p) < 4 * se, (name, share, p, se)
    # two risks' occurrences are independent
    table = pd.crosstab(frame["risk_slip"], frame["risk_rare"])
    assert stats.chi2_contingency(table).pvalue > 1e-4


def test_a_scenario_without_risks_is_unchanged() -> None:
    plain = _scenario(_fixed())
    assert "risks" not in plain.model_dump()
    assert plain.model_dump_json() == _scenario(_fixed([])).model_dump_json()
    frame = simcrm.simulate(plain, trials=1_000, seed=SEED)
    assert not [c for c in frame.columns if "risk" in c]
    assert "risks" not in simcrm.summarize(frame).to_dict()


# ------------------------------------------------------------------------ exact impacts


def test_an_execution_risk_adds_exactly_its_impact() -> None:
    """Same fixed scenario with and without the risk: where it struck, actual_cost and
    actual_months differ by exactly the drawn impact (to 1e-9 relative); elsewhere every
    output is the same bytes."""
    without = _simulate(_fixed(), trials=50_000)
    frame = _simulate(
        _fixed([_risk(cost=COST, schedule_months=MONTHS)]), trials=50_000, inputs=True
    )
    hit = frame["risk_slip"].to_numpy()
    assert 0.28 < hit.mean() < 0.32
    cost = frame["in_risks_slip_cost"].to_numpy()
    months = frame["in_risks_slip_schedule_months"].to_numpy()
    np.testing.assert_allclose(
        frame["actual_cost"][hit] - without["actual_cost"][hit], cost[hit], rtol=1e-9
    )
    np.testing.assert_allclose(
        frame["actual_months"][hit] - without["actual_months"][hit], months[hit], rtol=1e-9
    )
    np.testing.assert_array_equal(frame["cost_risk_slip"], np.where(hit, cost, 0.0))
    untouched = without.columns
    pd.testing.assert_frame_equal(
        frame.loc[~hit, untouched].reset_index(drop=True),
        without.loc[~hit, untouched].reset_index(drop=True),
    )
    # the impact is drawn in every trial, from its distribution (mean within 4 SE)
    dist = _scenario(_fixed([_risk(cost=COST)])).risks[0].cost
    assert dist is not None
    assert abs(cost.mean() - dist.mean()) < 4 * math.sqrt(dist.variance() / cost.size)


def test_a_cost_share_is_a_fraction_of_the_planned_budget() -> None:
    frame = _simulate(_fixed([_risk(cost_share=0.1)]), trials=20_000)
    without = _simulate(_fixed(), trials=20_000)
    budget = planned_budget(1000, _scenario(_fixed()).plan.curve_points(), 1.0)
    hit = frame["risk_slip"].to_numpy()
    np.testing.assert_allclose(
        frame["actual_cost"][hit] - without["actual_cost"][hit], 0.1 * budget, rtol=1e-9
    )
    # implementation cost: part of the overrun
    np.testing.assert_allclose(
        frame["cost_overrun"][hit], without["cost_overrun"][hit] + 0.1, rtol=1e-9
    )


def test_a_delay_past_the_cap_cuts_and_abandons_the_project() -> None:
    """A delay comes before the cap: pushed past it, execution is cut there, abandoned,
    and every implementation cost (the risk's included) is paid pro rata."""
    execution = {"max_execution_months": 15.0}
    risk = _risk(probability=1.0, cost=10_000.0, schedule_months=8.0)
    frame = _simulate(_fixed([risk], execution=execution), trials=2_000)
    without = _simulate(_fixed(execution=execution), trials=2_000)
    assert (without["actual_months"] == 10.0).all()  # 10 + 8 months would pass 15
    assert frame["abandoned"].all()
    assert (frame["actual_months"] == 15.0).all()
    assert (frame["abandon_month"] == 15.0).all()
    spent = 15.0 / 18.0
    np.testing.assert_allclose(
        frame["actual_cost"], (without["actual_cost"] + 10_000.0) * spent, rtol=1e-12
    )
    np.testing.assert_allclose(frame["cost_risk_slip"], 10_000.0 * spent, rtol=1e-12)
    assert (frame["pv_benefits"] == 0).all()


def test_an_operation_risk_strikes_at_go_live() -> None:
    """Striking always, a ceiling cut of 0.25 from 0.75 and a benefits cut of 1/2 give the
    same use and benefits as a ceiling of 0.5 and half the value; its cost is paid at the
    end of the go-live month (month 10 here, v^10)."""
    risk = {
        "name": "rejected",
        "probability": 1.0,
        "when": "operation",
        "ceiling": 0.25,
        "benefits": 0.5,
        "cost": 30_000.0,
    }
    frame = _simulate(_fixed([risk]), trials=2_000)
    same = _fixed(adoption={"ceiling": 0.5})
    same["money"]["value_per_active_user_month"] = 20.0
    target = _simulate(same, trials=2_000)
    for column in ("adoption_12m", "adoption_final", "pv_benefits", "intangible_score"):
        np.testing.assert_array_equal(frame[column], target[column])
    v10 = 1.08 ** (-10 / 12)
    np.testing.assert_allclose(frame["pv_costs"] - target["pv_costs"], 30_000.0 * v10, rtol=1e-9)
    np.testing.assert_array_equal(frame["actual_cost"], target["actual_cost"])  # not implementation
    assert (frame["cost_risk_rejected"] == 30_000.0).all()
    assert (frame["payback_month"].fillna(0) >= target["payback_month"].fillna(0)).all()


def test_an_operation_risk_needs_a_go_live_within_the_horizon() -> None:
    risk = {"name": "rejected", "probability": 1.0, "when": "operation", "cost": 5.0}
    late = _fixed([risk], simulation={"horizon_months": 10})  # go-live at month 10 = H
    frame = _simulate(late, trials=1_000)
    assert frame["risk_rejected"].all()  # it occurred …
    assert (frame["cost_risk_rejected"] == 0).all()  # … but never struck


# ------------------------------------------------------------------------ mitigation


def test_a_mitigation_keeps_the_strikes_below_its_probability() -> None:
    """Common random numbers: the mitigated risk strikes exactly where the same occurrence
    uniform is below the lower probability, a subset of the unmitigated strikes."""
    mitigated = _risk(cost=COST, mitigation={"cost": 1_000.0, "probability": 0.1})
    with_m = _simulate(_fixed([mitigated]), inputs=True)
    without = _simulate(_fixed([_risk(cost=COST)]), inputs=True)
    u = with_m["in_risks_slip_occurrence"].to_numpy()
    np.testing.assert_array_equal(u, without["in_risks_slip_occurrence"])
    a, b = without["risk_slip"].to_numpy(), with_m["risk_slip"].to_numpy()
    assert not (b & ~a).any()  # strikes with ⊆ strikes without
    np.testing.assert_array_equal(a, u < 0.3)
    np.testing.assert_array_equal(b, u < 0.1)
    assert abs(b.mean() - 0.1) < 4 * math.sqrt(0.1 * 0.9 / N)
    # the impact draws are the same; the mitigation's cost is planned and paid
    np.testing.assert_array_equal(with_m["in_risks_slip_cost"], without["in_risks_slip_cost"])
    np.testing.assert_allclose(with_m["planned_cost"] - without["planned_cost"], 1_000.0)


def test_an_impact_factor_scales_every_impact() -> None:
    risk = _risk(probability=1.0, cost=8_000.0, schedule_months=2.0)
    half = _risk(
        probability=1.0, cost=8_000.0, schedule_months=2.0, mitigation={"impact_factor": 0.5}
    )
    a, b = _simulate(_fixed([risk]), trials=1_000), _simulate(_fixed([half]), trials=1_000)
    base = _simulate(_fixed(), trials=1_000)
    np.testing.assert_allclose(a["actual_months"] - base["actual_months"], 2.0)
    np.testing.assert_allclose(b["actual_months"] - base["actual_months"], 1.0)
    np.testing.assert_allclose(b["cost_risk_slip"], 4_000.0)


def test_compare_prices_a_mitigation_by_its_closed_form() -> None:
    """In the fixed scenario the paired difference of mean actual_cost (mitigated minus
    not) is ``mitigation cost − (p − p')·E[cost impact]``, within 4 of its paired
    standard errors: 2,000 − 0.25 × 61,666.7 = −13,416.7."""
    p, p_low, fee = 0.4, 0.15, 2_000.0
    plain = _fixed([_risk(probability=p, cost=COST)])
    mitigated = _fixed(
        [_risk(probability=p, cost=COST, mitigation={"cost": fee, "probability": p_low})]
    )
    a, b = _scenario(plain), _scenario(mitigated)
    expected_cost = a.risks[0].cost.mean()  # type: ignore[union-attr]
    closed = fee - (p - p_low) * expected_cost
    result = compare(a, b, N, SEED)
    cost = result.figures["mean actual_cost"]
    assert abs(cost.difference - closed) < 4 * cost.se, (cost.difference, closed, cost.se)
    occurs = result.figures["P(risk slip)"]
    assert abs(occurs.difference + (p - p_low)) < 4 * occurs.se
    assert result.figures["mean cost_risk_slip"].difference < 0


# ------------------------------------------------------------------------ correlations


def test_risk_occurrences_take_rank_correlations() -> None:
    """``risks.<name>`` in [correlations]: the occurrence uniforms have the rank
    correlation stated (Spearman within 0.01 at n = 200,000), the marginals are kept."""
    risks = [_risk("a", cost=1.0), _risk("b", probability=0.2, cost=1.0)]
    corr = {"pairs": [{"a": "risks.a", "b": "risks.b", "rank": 0.6}]}
    frame = _simulate(_fixed(risks, correlations=corr), inputs=True)
    rho = stats.spearmanr(frame["in_risks_a_occurrence"], frame["in_risks_b_occurrence"])[0]
    assert abs(rho - 0.6) < 0.01
    assert abs(frame["risk_b"].mean() - 0.2) < 4 * math.sqrt(0.2 * 0.8 / N)
    both = (frame["risk_a"] & frame["risk_b"]).mean()
    assert both > 1.5 * 0.3 * 0.2  # positively associated


# ------------------------------------------------------------------------ validation


def _refused(risks: list[dict[str, Any]], field: str, why: str) -> None:
    with pytest.raises(ScenarioError) as err:
        _scenario(_fixed(risks))
    assert err.value.field.endswith(field), str(err.value)
    assert why in str(err.value)


@pytest.mark.parametrize(
    ("risks", "field", "why"),
    [
        ([_risk(cost=1.0), _risk("b", when="later", cost=1.0)], "risks[1].when", "'execution'"),
        ([_risk(probability=1.5, cost=1.0)], "risks[0].probability", "less than or equal to 1"),
        (
            [_risk(when="operation", cost=1.0, schedule_months=2.0)],
            "risks[0].schedule_months",
            "only an execution risk",
        ),
        ([_risk(ceiling=0.1)], "risks[0].ceiling", "only an operation risk"),
        ([_risk(cost=1.0), _risk(cost=2.0)], "risks[1].name", "unique"),
        ([_risk()], "risks[0]", "at least one impact"),
        ([_risk(cost=1.0, cost_share=0.1)], "risks[0].cost_share", "not both"),
        (
            [_risk(cost={"kind": "normal", "mean": 1, "sd": 1})],
            "risks[0].cost",
            "must stay within [0, 1e+15]",
        ),
        (
            [_risk(when="operation", ceiling={"kind": "uniform", "low": 0.5, "high": 1.5})],
            "risks[0].ceiling",
            "[0, 1]",
        ),
        (
            [_risk(cost=1.0, mitigation={"probability": 0.5})],
            "risks[0].mitigation.probability",
            "at most",
        ),
        ([_risk(cost=1.0, mitigation={"cost": 5.0})], "risks[0].mitigation", "must lower"),
        ([_risk(name="9lives", cost=1.0)], "risks[0].name", "pattern"),
    ],
    ids=[
        "unknown when",
        "probability 1.5",
        "schedule on operation",
        "ceiling on execution",
        "duplicate names",
        "no impact",
        "cost and cost_share",
        "negative cost",
        "ceiling above 1",
        "mitigation raises p",
        "mitigation does nothing",
        "bad name",
    ],
)
def test_bad_risks_are_refused_naming_the_field(
    risks: list[dict[str, Any]], field: str, why: str
) -> None:
    _refused(risks, field, why)


def test_a_mistyped_key_of_a_mitigation_gets_a_hint() -> None:
    _refused(
        [_risk(cost=1.0, mitigation={"probabilty": 0.1})],
        "risks[0].mitigation.probabilty",
        "did you mean 'probability'?",
    )


def test_correlations_name_risks_by_their_path() -> None:
    corr = {"pairs": [{"a": "risks.slp", "b": "plan.planned_months", "rank": 0.3}]}
    with pytest.raises(ScenarioError, match=r"did you mean 'risks\.slip'"):
        _scenario(_fixed([_risk(cost=1.0)], correlations=corr))


# ------------------------------------------------------------------------ summary


def test_the_summary_reports_each_risk() -> None:
    frame = _simulate(_fixed([_risk(cost=COST), _risk("never", probability=0.0, cost=1.0)]))
    summary = simcrm.summarize(frame)
    slip = summary.risks["slip"]
    assert slip.occurred.count == int(frame["risk_slip"].sum())
    low, high = slip.occurred.ci95
    assert low < 0.3 < high
    assert slip.cost_per_trial == pytest.approx(frame["cost_risk_slip"].mean(), rel=1e-12)
    hit = frame["risk_slip"]
    assert slip.cost_if_occurred == pytest.approx(frame["cost_risk_slip"][hit].mean(), rel=1e-12)
    assert slip.npv_difference == pytest.approx(
        frame["npv"][hit].mean() - frame["npv"][~hit].mean(), rel=1e-9
    )
    welch = math.sqrt(frame["npv"][hit].var() / hit.sum() + frame["npv"][~hit].var() / (~hit).sum())
    assert slip.npv_difference_se == pytest.approx(welch, rel=1e-6)
    # in this fixed scenario the NPV falls by the present value of the cost (spread over
    # the 10 execution months) and by nothing else
    assert -slip.cost_if_occurred < slip.npv_difference < -0.95 * slip.cost_if_occurred
    never = summary.risks["never"]
    assert never.occurred.count == 0
    assert math.isnan(never.cost_if_occurred)
    data = summary.to_dict()
    assert list(data["risks"]) == ["slip", "never"]
    again = type(summary).from_dict(json.loads(json.dumps(data)))
    assert again.risks["slip"] == slip
    rows = summary.to_frame()
    assert set(rows.loc[rows["section"] == "risk", "name"]) == {"slip", "never"}


def test_risk_summaries_merge_to_the_same_figures() -> None:
    frame = _simulate(_fixed([_risk(cost=COST)]), trials=100_000)
    whole = SummaryBuilder()
    whole.add(frame)
    parts = [SummaryBuilder() for _ in range(3)]
    edges = [0, 3 * 16_384, 5 * 16_384, len(frame)]
    for builder, (start, stop) in zip(parts, itertools.pairwise(edges), strict=True):
        builder.add(frame.iloc[start:stop])
    parts[2].merge(parts[0])
    parts[2].merge(parts[1])
    assert parts[2].result().to_dict() == whole.result().to_dict()


def test_the_terminal_shows_the_register(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = ROOT / "scenarios" / "risk_register.toml"
    assert main(["run", str(path), "--trials", "20000", "--out", str(tmp_path / "r")]) == 0
    out = capsys.readouterr().out
    assert "risk register" in out
    assert "user_rejection" in out
    assert "CNY" in out
    line = next(line for line in out.splitlines() if "third_party_licences" in line)
    assert "%" in line  # probabilities in percent
    assert "," in line  # money with thousands separators


# ------------------------------------------------------------------------ bit identity


def test_bit_identical_across_chunks_and_workers(tmp_path: Path) -> None:
    """Runs with a register (and a correlated risk) give the same frames and the same
    summary.json bytes for any chunk size and with two workers."""
    import tomlkit

    risks = [
        _risk(cost=COST, schedule_months=MONTHS, mitigation={"cost": 500.0, "probability": 0.2}),
        {
            "name": "rejected",
            "probability": 0.3,
            "when": "operation",
            "ceiling": 0.2,
            "benefits": 0.1,
        },
    ]
    data = _fixed(
        risks, correlations={"pairs": [{"a": "risks.slip", "b": "risks.rejected", "rank": 0.5}]}
    )
    data["plan"]["planned_months"] = {"kind": "pert", "low": 6, "mode": 9, "high": 18}
    path = tmp_path / "risks.toml"
    path.write_text(tomlkit.dumps(data))
    runs = {
        "one block a chunk": ["--chunk-size", "16384"],
        "default": [],
        "two workers": ["--workers", "2", "--chunk-size", "32768"],
    }
    frames, summaries = [], []
    for label, extra in runs.items():
        out = tmp_path / label.replace(" ", "_")
        args = ["run", str(path), "--trials", "50000", "--seed", "5", "--out", str(out)]
        assert main([*args, "--quiet", "--inputs", *extra]) == 0
        frames.append(pd.read_parquet(out / "data"))
        summaries.append((out / "summary.json").read_bytes())
    assert "risk_slip" in frames[0]
    assert "in_risks_slip_occurrence" in frames[0]
    for frame, summary in zip(frames[1:], summaries[1:], strict=True):
        pd.testing.assert_frame_equal(frames[0], frame)
        assert summary == summaries[0]
    recorded = Summary.from_dict(json.loads(summaries[0]))
    assert set(recorded.risks) == {"slip", "rejected"}
    # summarised again from the files on disk: the same figures
    assert summarize_directory(tmp_path / "default").risks == recorded.risks
    # a scenario digest covers the register
    assert scenario_digest(_scenario(data)) != scenario_digest(_scenario(_fixed()))


def test_compare_prices_the_shipped_mitigation(capsys: pytest.CaptureFixture[str]) -> None:
    """The shipped pair differs only in the mitigation of user_rejection (0.25 → 0.1, at
    40,000): on common random numbers every other risk occurs in the same trials."""
    a = str(ROOT / "scenarios" / "risk_register_unmitigated.toml")
    b = str(ROOT / "scenarios" / "risk_register.toml")
    assert main(["compare", a, b, "--trials", "40000", "--json", "--no-figures"]) == 0
    figures = json.loads(capsys.readouterr().out)["figures"]
    assert figures["P(risk user_rejection)"]["difference"] == pytest.approx(-0.15, abs=0.01)
    for name in ("licence_model_misread", "call_centre_integration", "go_live_performance"):
        assert figures[f"P(risk {name})"]["difference"] == 0.0
        assert figures[f"mean cost_risk_{name}"]["difference"] == 0.0
    # the programme's fee, less what projects cut at the cap did not pay of it
    assert 39_000 < figures["mean actual_cost"]["difference"] <= 40_000
