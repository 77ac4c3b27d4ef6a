"""The definition explorer: failure curves against a brute-force count, and as a table."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binomtest

from simcrm.analyses.thresholds import DIMENSIONS, explore, failure_counts, failure_curve


def test_counts_and_curve_equal_a_brute_force_count() -> None:
    rng = np.random.default_rng(3)
    values = np.round(rng.normal(size=500), 1)  # ties on the grid
    grid = np.linspace(-2, 2, 41)
    above = np.array([(values > x).sum() for x in grid])
    below = np.array([(values < x).sum() for x in grid])
    np.testing.assert_array_equal(failure_counts(values, ">", grid), above)
    np.testing.assert_array_equal(failure_counts(values, "<", grid), below)
    np.testing.assert_allclose(failure_curve(values, ">", grid), above / 500, rtol=0, atol=1e-15)


def test_explore_as_frame_with_wilson_intervals() -> None:
    rng = np.random.default_rng(4)
    n = 2_000
    columns = {dim.column: rng.normal(0.3, 0.5, n) for dim in DIMENSIONS}
    columns["fail_x"] = rng.random(n) < 0.25
    curves = explore(columns, 0.7, {"x": "cost_overrun > 1"})
    table = curves.to_frame()
    assert set(table["column"]) == {d.column for d in DIMENSIONS}
    row = table[table["column"] == "cost_overrun"].iloc[10]
    k = int((columns["cost_overrun"] > row["threshold"]).sum())
    ci = binomtest(k, n).proportion_ci(method="wilson")
    assert (row["low"], row["high"]) == pytest.approx((ci.low, ci.high), abs=1e-15)
    assert curves.to_dict()["criteria"]["x"] == columns["fail_x"].mean()
    assert curves.trials == n
