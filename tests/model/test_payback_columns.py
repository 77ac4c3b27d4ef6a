"""Payback counted two ways (docs/model.md §5, §7): ``payback_month`` from project start
(month 1 is the first month), ``payback_from_go_live`` from go-live (1 is the first month
of operation). The hand-computed projects of ``tests/model/test_spiral.py`` and
``tests/reference/test_closed_form.py`` pin both to a month; here, on a whole run of the
baseline, the two agree with each other and the summary counts them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import simcrm
from simcrm.scenario.outputs import OUTPUT_COLUMNS
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    scenario = simcrm.load_scenario(ROOT / "scenarios" / "baseline.toml")
    return simcrm.simulate(scenario, trials=20_000, seed=14)


def test_the_new_column_comes_last_and_the_others_keep_their_order() -> None:
    names = list(OUTPUT_COLUMNS)
    assert names[-1] == "payback_from_go_live"
    assert names[names.index("payback_month") + 1] == "intangible_score"


def test_payback_from_go_live_is_payback_month_less_the_go_live_month(
    frame: pd.DataFrame,
) -> None:
    start = frame["payback_month"].to_numpy()
    live = frame["payback_from_go_live"].to_numpy()
    np.testing.assert_array_equal(np.isnan(start), np.isnan(live))
    paid = ~np.isnan(start)
    assert paid.any()
    assert (~paid).any()
    go_live = np.ceil(frame["actual_months"].to_numpy())  # a payer went live
    np.testing.assert_array_equal(live[paid], start[paid] - go_live[paid])
    assert (live[paid] >= 1).all()  # never at go-live: the implementation is paid by then
    assert (live[paid] == np.round(live[paid])).all()


def test_the_summary_counts_payback_within_18_months_both_ways(frame: pd.DataFrame) -> None:
    events = simcrm.summarize(frame).events
    assert events["paid_back_18m"].count == int((frame["payback_month"] <= 18).sum())
    from_go_live = int((frame["payback_from_go_live"] <= 18).sum())
    assert events["paid_back_18m_from_go_live"].count == from_go_live
    assert from_go_live >= events["paid_back_18m"].count  # go-live is never before the start
