"""Every 95% interval a summary reports is the 95% Wilson interval of its own counts.

Pinned against values computed here, not by simcrm: the count recounted from the trials,
scipy's ``binomtest(k, n).proportion_ci(method="wilson")`` at its default 95%, and the
closed form of Wilson (1927) with ``z = 1.959963984540054`` written as a literal. An
interval computed at another level (90%: z = 1.645, 18% narrower) but labelled 95% fails
on its width.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binomtest

import simcrm
from simcrm.stats.run_summary import Proportion, Summary
from tests.conftest import ROOT
from tests.stats.closed_form import Z95, wilson_by_hand

TRIALS = 6_000


def check(entry: Proportion, k: int, n: int) -> None:
    """``entry`` is ``k`` of ``n`` with the 95% Wilson interval, both ways computed."""
    assert entry.count == k
    assert entry.p == k / n
    scipy_ci = binomtest(k, n).proportion_ci(method="wilson")
    assert entry.ci95 == pytest.approx((scipy_ci.low, scipy_ci.high), rel=1e-12, abs=1e-15)
    low, high = wilson_by_hand(k, n)
    assert entry.ci95 == pytest.approx((low, high), rel=1e-12, abs=1e-15)
    assert entry.ci95[1] - entry.ci95[0] == pytest.approx(high - low, rel=1e-9)


@pytest.fixture(scope="module", params=["baseline", "risk_register"])
def frame(request: pytest.FixtureRequest) -> pd.DataFrame:
    scenario = simcrm.load_scenario(ROOT / "scenarios" / f"{request.param}.toml")
    return simcrm.simulate(scenario, trials=TRIALS, seed=8)


@pytest.fixture(scope="module")
def summary(frame: pd.DataFrame) -> Summary:
    return simcrm.summarize(frame)


def test_criteria_intervals_are_wilson_95(frame: pd.DataFrame, summary: Summary) -> None:
    assert summary.criteria
    for name, entry in summary.criteria.items():
        check(entry, int(frame[f"fail_{name}"].sum()), TRIALS)


def test_event_intervals_are_wilson_95(frame: pd.DataFrame, summary: Summary) -> None:
    counts = {
        "abandoned": frame["abandoned"].sum(),
        "rescued": frame["rescued"].sum(),
        "npv_negative": (frame["npv"] < 0).sum(),
        "paid_back_18m": (frame["payback_month"] <= 18).sum(),
        "paid_back": frame["payback_month"].notna().sum(),
        "paid_back_18m_from_go_live": (frame["payback_from_go_live"] <= 18).sum(),
    }
    assert set(summary.events) == set(counts)
    for name, entry in summary.events.items():
        check(entry, int(counts[name]), TRIALS)


def test_disagreement_intervals_are_wilson_95(frame: pd.DataFrame, summary: Summary) -> None:
    assert summary.disagreement
    for pair, entry in summary.disagreement.items():
        a, b = pair.split("|")
        check(entry, int((frame[f"fail_{a}"] != frame[f"fail_{b}"]).sum()), TRIALS)


def test_risk_intervals_are_wilson_95(frame: pd.DataFrame, summary: Summary) -> None:
    risks = [c.removeprefix("risk_") for c in frame.columns if c.startswith("risk_")]
    assert set(summary.risks) == set(risks)
    for name in risks:
        check(summary.risks[name].occurred, int(frame[f"risk_{name}"].sum()), TRIALS)


def test_tidy_table_and_json_carry_the_same_intervals(summary: Summary) -> None:
    table = summary.to_frame()
    doc = summary.to_dict()
    for name, entry in summary.criteria.items():
        row = table.query("section == 'criterion' and name == @name").iloc[0]
        assert (row["low"], row["high"]) == entry.ci95
        assert tuple(doc["criteria"][name]["ci95"]) == entry.ci95
        assert wilson_by_hand(entry.count, summary.trials) == pytest.approx(entry.ci95, rel=1e-12)


def test_an_interval_at_90_percent_would_be_told_apart() -> None:
    """The check above can fail: the 90% interval is about 16% narrower than the 95%."""
    k, n = 1_234, TRIALS
    ci90 = binomtest(k, n).proportion_ci(confidence_level=0.90, method="wilson")
    low, high = wilson_by_hand(k, n)
    assert (ci90.high - ci90.low) / (high - low) == pytest.approx(1.645 / Z95, rel=1e-3)
    assert not np.isclose(ci90.high - ci90.low, high - low, rtol=1e-9)
