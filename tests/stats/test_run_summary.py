"""The typed summary: its JSON round-trips and its tidy table holds the same figures."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import simcrm
from simcrm.stats.run_summary import Summary
from tests.stats.closed_form import wilson_by_hand


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    scenario = simcrm.load_scenario(Path(__file__).parents[2] / "scenarios" / "baseline.toml")
    return simcrm.simulate(scenario, trials=20_000, seed=4)


def test_json_round_trip_is_exact(frame: pd.DataFrame) -> None:
    summary = simcrm.summarize(frame)
    text = json.dumps(summary.to_dict(), indent=2)
    again = Summary.from_dict(json.loads(text))
    assert json.dumps(again.to_dict(), indent=2) == text


def test_frame_holds_every_figure_with_its_interval(frame: pd.DataFrame) -> None:
    summary = simcrm.summarize(frame)
    table = summary.to_frame()
    assert list(table.columns) == ["section", "name", "statistic", "value", "low", "high"]
    cio = table.query("section == 'criterion' and name == 'cio'").iloc[0]
    assert cio["value"] == frame["fail_cio"].mean()
    k = int(frame["fail_cio"].sum())
    assert (cio["low"], cio["high"]) == pytest.approx(wilson_by_hand(k, len(frame)), rel=1e-12)
    median = table.query("section == 'distribution' and name == 'npv' and statistic == 'p50'").iloc[
        0
    ]
    assert median["value"] == float(np.quantile(frame["npv"], 0.5))
    assert math.isnan(median["low"])
    rows = len(summary.criteria) + len(summary.events) + len(summary.disagreement)
    reserves = sum(1 + 2 * len(c.levels) for c in summary.contingency.values())
    assert len(table) == rows + 7 * len(summary.distributions) + reserves  # mean, 4 P, tail
