"""Tail exponents: the Hill estimator against closed forms on Pareto samples, the
percentile estimator, and the unstable-mean warning of a run's summary.

Tolerances: the Hill estimate of ``k`` Pareto values has standard error ``alpha / sqrt(k)``
(its Fisher information); the percentile estimate's comes from the sample quantiles'
``sqrt(p (1 − p) / n) / f(Q)`` (derived at each test). Every check allows 4 of them.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import simcrm
from simcrm.report.terminal import report_console, summary_tables
from simcrm.stats.run_summary import Spread
from simcrm.stats.tails import (
    exponent_from_quantiles,
    hill_exponent,
    mean_is_unstable,
    quantile_tail_exponent,
    two_sided_exponent,
)
from tests.conftest import ROOT


def _pareto(alpha: float, x_min: float, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` Pareto(alpha, x_min) values by inversion, and the uniforms behind them."""
    u = np.random.default_rng(seed).random(n)
    return x_min * u ** (-1.0 / alpha), u


def test_hill_is_the_closed_form_on_a_pareto_sample() -> None:
    # x = x_min u^(−1/alpha), so ln(x / x_min) = −ln(u) / alpha and the estimate is
    # k / Σ ln(x / x_min) = alpha k / Σ(−ln u) exactly; values at or below x_min are ignored
    x, u = _pareto(1.3, 2.0, 5_000, seed=1)
    sample = np.concatenate([x, [0.5, 1.0, 2.0, np.nan]])
    estimate, k = hill_exponent(sample, 2.0)
    assert k == 5_000
    assert estimate == pytest.approx(1.3 * k / np.sum(-np.log(u)), rel=1e-12)


@pytest.mark.parametrize(("alpha", "x_min"), [(1.3, 2.0), (0.8, 1.0), (2.5, 10.0)])
def test_hill_recovers_the_exponent_within_four_standard_errors(alpha: float, x_min: float) -> None:
    x, _ = _pareto(alpha, x_min, 200_000, seed=2)
    estimate, k = hill_exponent(x, x_min)
    assert estimate == pytest.approx(alpha, abs=4 * alpha / math.sqrt(k))


def test_hill_needs_two_values_above_the_threshold() -> None:
    assert math.isnan(hill_exponent([1.0, 3.0], 2.0)[0])
    with pytest.raises(ValueError, match="positive"):
        hill_exponent([1.0, 3.0], 0.0)


def test_the_percentile_estimate_is_exact_for_pareto_percentiles() -> None:
    alpha, x_min = 1.7, 3.0
    q99, q999 = (x_min * p ** (-1 / alpha) for p in (0.01, 0.001))
    assert quantile_tail_exponent(0.0, q99, q999) == pytest.approx(alpha, rel=1e-12)
    # the left tail is the mirror image; the heavier of the two tails is reported
    assert exponent_from_quantiles(-q999, -q99, 0.0, 5.0, 6.0) == pytest.approx(alpha)
    assert math.isnan(quantile_tail_exponent(1.0, 1.0, 2.0))  # no spread at the 99th


def test_the_percentile_estimate_of_a_pareto_sample() -> None:
    alpha, n = 1.5, 200_000
    x, _ = _pareto(alpha, 1.0, n, seed=3)
    # closed form with the median subtracted (what is estimated): Q(1 − p) = p^(−1/alpha)
    m, q99, q999 = 2 ** (1 / alpha), 0.01 ** (-1 / alpha), 0.001 ** (-1 / alpha)
    expected = math.log(10) / math.log((q999 - m) / (q99 - m))
    # relative SE of a sample quantile of a Pareto: sqrt(p (1 − p) / n) / (alpha p)
    rel = [math.sqrt(p * (1 - p) / n) / (alpha * p) for p in (0.01, 0.001)]
    log_ratio = math.log((q999 - m) / (q99 - m))
    se = expected * math.hypot(*rel) / log_ratio
    assert two_sided_exponent(x) == pytest.approx(expected, abs=4 * se)


def test_bounded_or_small_samples_give_no_warning() -> None:
    rng = np.random.default_rng(4)
    assert not mean_is_unstable(two_sided_exponent(rng.random(50_000)))
    assert not mean_is_unstable(two_sided_exponent(rng.standard_normal(50_000)))
    assert math.isnan(two_sided_exponent(rng.pareto(1.0, 5_000)))  # under 10,000 values
    assert not mean_is_unstable(float("nan"))


def test_a_summary_of_before_0_3_reads_without_a_tail_exponent() -> None:
    old = {"defined": 1.0, "mean": 0.2, "p10": 0, "p50": 0.1, "p80": 0.3, "p90": 0.5}
    spread = Spread.from_dict(old)
    assert math.isnan(spread.tail_exponent)
    assert not spread.mean_unstable
    again = Spread.from_dict(spread.to_dict() | {"tail_exponent": 1.4})
    assert again.p90 == 0.5
    assert again.tail_exponent == 1.4
    assert again.mean_unstable


def test_the_run_summary_says_the_baseline_cost_mean_is_unstable() -> None:
    scenario = simcrm.load_scenario(ROOT / "scenarios" / "baseline.toml")
    summary = simcrm.summarize(simcrm.simulate(scenario, trials=32_768, seed=5))
    cost = summary.distributions["cost_overrun"]
    assert cost.mean_unstable
    assert cost.tail_exponent < 2
    assert not summary.distributions["adoption_final"].mean_unstable  # bounded in [0, 1]
    console = report_console()
    with console.capture() as captured:
        console.print(summary_tables(summary, "baseline"))
    text = captured.get()
    assert "the sample mean of cost_overrun is unstable" in text
