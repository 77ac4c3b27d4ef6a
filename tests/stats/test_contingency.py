"""Contingency in every summary: the plan's mean and the actual values' percentiles, the
same whether computed in one piece, chunk by chunk, or read back from summary.json."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import simcrm
from simcrm.stats.contingency import LEVELS, Contingency
from simcrm.stats.run_summary import Summary
from simcrm.stats.summary import SummaryBuilder
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    scenario = simcrm.load_scenario(ROOT / "scenarios" / "baseline.toml")
    return simcrm.simulate(scenario, trials=40_000, seed=3)


def test_contingency_is_the_percentile_over_the_mean_plan(frame: pd.DataFrame) -> None:
    summary = simcrm.summarize(frame)
    for measure, (plan, actual) in {
        "cost": ("planned_cost", "actual_cost"),
        "schedule": ("planned_months", "actual_months"),
    }.items():
        reserve = summary.contingency[measure]
        assert reserve.plan == pytest.approx(frame[plan].mean(), rel=1e-12)
        assert [r.level for r in reserve.levels] == list(LEVELS)
        for r in reserve.levels:
            value = np.quantile(frame[actual], r.level)
            assert r.value == value
            assert r.contingency == pytest.approx(value - frame[plan].mean(), rel=1e-12)
            assert r.percent_of_plan == pytest.approx(100 * r.contingency / reserve.plan)


def test_chunks_give_the_same_contingency(frame: pd.DataFrame) -> None:
    whole = simcrm.summarize(frame).contingency
    builder = SummaryBuilder()
    for start in range(0, len(frame), 16_384):
        part = SummaryBuilder()
        part.add(frame.iloc[start : start + 16_384])
        builder.merge(part)
    assert builder.result().contingency == whole


def test_the_json_round_trips(frame: pd.DataFrame) -> None:
    summary = simcrm.summarize(frame)
    again = Summary.from_dict(summary.to_dict())
    assert again.contingency == summary.contingency
    assert Summary.from_dict({**summary.to_dict(), "contingency": {}}).contingency == {}
    table = summary.to_frame()
    assert (table["section"] == "contingency").sum() == 2 * (1 + 2 * len(LEVELS))


def test_reserves_rise_with_confidence() -> None:
    reserve = Contingency.of(100.0, {0.5: 90.0, 0.8: 130.0, 0.9: 150.0})
    assert [r.contingency for r in reserve.levels] == [-10.0, 30.0, 50.0]
    assert reserve.at(0.8).percent_of_plan == pytest.approx(30.0)
