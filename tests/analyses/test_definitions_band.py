"""The intervals of the definition explorer, pinned by computations made here.

Two intervals: the band around each curve (the 95% Wilson interval of the failures counted
at each threshold) and the interval of the threshold where a claimed rate is reached (the
quantiles at ``level ± 1.959964 √(c(1 − c)/N)``, inverting the score test). A one-sided
z (1.645 = the 0.95 quantile) narrows both by 16%: their widths are checked.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import binomtest

from simcrm.analyses.thresholds import DIMENSIONS, explore, threshold
from tests.stats.closed_form import Z95, wilson_by_hand

N = 4_000


@pytest.fixture(scope="module")
def columns() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(12)
    found = {
        "cost_overrun": rng.lognormal(-1.0, 0.8, N),
        "schedule_overrun": rng.lognormal(-1.2, 0.7, N),
        "adoption_final": rng.beta(3.0, 2.0, N),
        "npv": rng.normal(1e5, 3e5, N),
    }
    found["adoption_final"][:100] = np.nan  # undefined for some trials: left out
    return found


@pytest.mark.parametrize(("side", "claim"), [(">", 0.7), ("<", 0.7), (">", 0.2), ("<", 0.45)])
def test_threshold_interval_is_the_two_sided_score_interval(side: str, claim: float) -> None:
    values = np.random.default_rng(3).normal(size=N)
    level = 1 - claim if side == ">" else claim
    half = Z95 * math.sqrt(claim * (1 - claim) / N)
    expected = np.quantile(values, [level, level - half, level + half])
    t = threshold(values, side, claim)
    assert t["value"] == expected[0]
    assert t["ci95"] == pytest.approx(expected[1:].tolist(), rel=1e-12)


def test_threshold_interval_width_matches_the_normal_closed_form() -> None:
    """For standard normal values the interval's width in x is about 2 z σ_q / φ(x_q): with
    N = 400,000 the sample quantiles are within 1% of the law's; a one-sided z (1.645)
    would be 16% short."""
    from scipy.stats import norm

    n, claim = 400_000, 0.7
    values = np.random.default_rng(5).normal(size=n)
    half = Z95 * math.sqrt(claim * (1 - claim) / n)
    low, high = threshold(values, "<", claim)["ci95"]
    expected = norm.ppf(claim + half) - norm.ppf(claim - half)
    assert high - low == pytest.approx(expected, rel=0.05)


def test_band_is_the_95_wilson_interval_of_each_count(columns: dict[str, np.ndarray]) -> None:
    curves = explore(columns, 0.7)
    for dim in DIMENSIONS:
        found = curves.dimensions[dim.column]
        values = columns[dim.column][np.isfinite(columns[dim.column])]
        assert found["defined"] == values.size
        for i, x in enumerate(found["grid"]):
            k = int((values > x).sum() if dim.side == ">" else (values < x).sum())
            assert found["p_fail"][i] == pytest.approx(k / values.size, abs=1e-15)
            low, high = wilson_by_hand(k, values.size)
            assert found["ci95_low"][i] == pytest.approx(low, rel=1e-12, abs=1e-15)
            assert found["ci95_high"][i] == pytest.approx(high, rel=1e-12, abs=1e-15)
        middle = len(found["grid"]) // 2
        k = round(found["p_fail"][middle] * values.size)
        ci = binomtest(k, values.size).proportion_ci(method="wilson")
        assert found["ci95_low"][middle] == pytest.approx(ci.low, rel=1e-12)
        assert found["ci95_high"][middle] == pytest.approx(ci.high, rel=1e-12)


def test_explorer_threshold_interval_is_the_score_interval(columns: dict[str, np.ndarray]) -> None:
    claim = 0.6
    curves = explore(columns, claim)
    for dim in DIMENSIONS:
        values = columns[dim.column][np.isfinite(columns[dim.column])]
        level = 1 - claim if dim.side == ">" else claim
        half = Z95 * math.sqrt(claim * (1 - claim) / values.size)
        expected = np.quantile(values, [level, level - half, level + half])
        t = curves.dimensions[dim.column]["threshold"]
        assert t["value"] == expected[0]
        assert t["ci95"] == pytest.approx(expected[1:].tolist(), rel=1e-12)
