"""The per-user cost curve reproduces the source benchmark table, and its extension beyond
the table orders the complexity classes at every number of users (docs/model.md §1)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from simcrm.cli import main
from simcrm.scenario import scenario_from_dict
from simcrm.scenario.costcurve import (
    BENCHMARK_CURVES,
    BENCHMARK_POINTS,
    USER_LIMITS,
    Complexity,
    benchmark_curve,
    benchmark_range,
    cost_per_user,
    outside_benchmark,
    planned_budget,
)
from tests.conftest import MINIMAL

# The six benchmark points of the source article: (complexity, users, CNY/user)
SIX_POINTS = [
    ("high", 1_000, 600.0),
    ("high", 5_000, 300.0),
    ("medium", 500, 800.0),
    ("medium", 5_000, 200.0),
    ("low", 100, 500.0),
    ("low", 5_000, 100.0),
]


@pytest.mark.parametrize(("complexity", "users", "per_user"), SIX_POINTS)
def test_curve_reproduces_each_benchmark_point(
    complexity: str, users: int, per_user: float
) -> None:
    got = float(cost_per_user(users, BENCHMARK_POINTS[Complexity(complexity)]))
    assert got == pytest.approx(per_user, rel=1e-12)
    extended = float(cost_per_user(users, benchmark_curve(Complexity(complexity))))
    assert extended == pytest.approx(per_user, rel=1e-12)


@pytest.mark.parametrize(("complexity", "users", "per_user"), SIX_POINTS)
def test_estimate_command_gives_the_benchmark(
    complexity: str, users: int, per_user: float, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["estimate", "--users", str(users), "--complexity", complexity, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["cost_per_user"] == pytest.approx(per_user, abs=0.01)
    assert out["total_cost"] == pytest.approx(per_user * users, abs=0.01 * users)


def test_power_law_between_and_beyond_points() -> None:
    points = ((500.0, 800.0), (5_000.0, 200.0))
    slope = np.log(200 / 800) / np.log(10)
    for users in (50, 1_000, 2_000, 20_000):  # inside and on both extended end segments
        assert float(cost_per_user(users, points)) == pytest.approx(800 * (users / 500) ** slope)


def test_piecewise_with_three_points_is_continuous() -> None:
    points = ((100.0, 500.0), (1_000.0, 300.0), (5_000.0, 100.0))
    eps = 1e-9
    assert float(cost_per_user(1_000 * (1 + eps), points)) == pytest.approx(300.0, rel=1e-6)
    assert float(cost_per_user(1_000 * (1 - eps), points)) == pytest.approx(300.0, rel=1e-6)


def test_total_planned_cost_never_falls_with_more_users() -> None:
    users = np.concatenate([np.arange(1, 20_001), np.geomspace(20_001, USER_LIMITS[1], 2_000)])
    for points in (*BENCHMARK_POINTS.values(), *BENCHMARK_CURVES.values()):
        assert np.all(np.diff(planned_budget(users, points)) > 0)


def _per_user(users: float | np.ndarray, complexity: Complexity) -> np.ndarray:
    return cost_per_user(users, benchmark_curve(complexity))


@given(st.floats(min_value=USER_LIMITS[0], max_value=USER_LIMITS[1]))
def test_complexity_costs_more_per_user_at_every_number_of_users(users: float) -> None:
    low, medium, high = (_per_user(users, c) for c in Complexity)
    assert high >= medium >= low
    assert high > medium > low  # strictly: each premium is above 1


@given(st.integers(min_value=1, max_value=10_000_000))
def test_the_benchmark_curves_are_the_table_inside_each_range(users: int) -> None:
    for complexity in Complexity:
        first, last = benchmark_range(complexity)
        if first <= users <= last:
            table = cost_per_user(users, BENCHMARK_POINTS[complexity])
            assert _per_user(users, complexity) == pytest.approx(table, rel=1e-12)


def test_the_crossing_of_the_extended_table_is_gone() -> None:
    """The issue's figures: the table's own end segments put high below medium at 400 and
    100 users (890 vs 915, 1,617 vs 2,108); the benchmark curves do not."""
    old = {c: cost_per_user([100, 400], BENCHMARK_POINTS[c]) for c in Complexity}
    np.testing.assert_allclose(old[Complexity.HIGH], [1_617, 890], atol=0.5)
    np.testing.assert_allclose(old[Complexity.MEDIUM], [2_108, 915], atol=0.5)
    assert np.all(
        _per_user(np.array([100, 400]), Complexity.HIGH)
        > _per_user(np.array([100, 400]), Complexity.MEDIUM)
    )


def test_outside_its_range_a_class_keeps_its_premium_over_the_simpler_one() -> None:
    """Closed form: below 1,000 users high = medium × 600 / medium(1,000), above 5,000 high
    = medium × 1.5; below 500 medium = low × 800 / low(500), above 5,000 medium = low × 2;
    low extends its one segment (slope ln(1/5) / ln(50)) both ways."""
    low_slope = np.log(100 / 500) / np.log(5_000 / 100)
    users = np.array([1.0, 7.0, 60.0, 99.0, 20_000.0, 3e5, 1e7])
    np.testing.assert_allclose(
        _per_user(users, Complexity.LOW), 500 * (users / 100) ** low_slope, rtol=1e-12
    )
    low_500 = 500 * 5**low_slope
    few, many = users[users < 500], users[users > 5_000]
    np.testing.assert_allclose(
        _per_user(few, Complexity.MEDIUM),
        _per_user(few, Complexity.LOW) * 800 / low_500,
        rtol=1e-12,
    )
    np.testing.assert_allclose(
        _per_user(many, Complexity.MEDIUM), 2 * _per_user(many, Complexity.LOW), rtol=1e-12
    )
    medium_1000 = 800 * 2 ** (np.log(200 / 800) / np.log(10))
    np.testing.assert_allclose(
        _per_user(few, Complexity.HIGH),
        _per_user(few, Complexity.MEDIUM) * 600 / medium_1000,
        rtol=1e-12,
    )
    np.testing.assert_allclose(
        _per_user(many, Complexity.HIGH), 1.5 * _per_user(many, Complexity.MEDIUM), rtol=1e-12
    )


@given(st.floats(min_value=USER_LIMITS[0], max_value=USER_LIMITS[1]))
def test_the_extrapolation_is_bounded(users: float) -> None:
    """Each class within a factor 1 to 3.6 of the low class, and every log-log slope
    between -1 and 0 (the total cost rises with users; cost per user never does)."""
    low = _per_user(users, Complexity.LOW)
    for complexity in Complexity:
        assert 1.0 <= _per_user(users, complexity) / low <= 3.6
    for points in BENCHMARK_CURVES.values():
        n, c = np.log(np.array(points)).T
        slopes = np.diff(c) / np.diff(n)
        assert np.all((slopes >= -1) & (slopes <= 0))
        assert (np.exp(n[0]), np.exp(n[-1])) == pytest.approx(USER_LIMITS)


def test_a_scenario_on_the_benchmark_uses_the_benchmark_curve() -> None:
    for complexity in Complexity:
        plan = scenario_from_dict(
            MINIMAL | {"plan": {"users": 200, "complexity": complexity.value}}
        ).plan
        assert plan.curve_points() == BENCHMARK_CURVES[complexity]


@pytest.mark.parametrize(
    ("low", "high", "complexity", "warned"),
    [
        (1_000, 1_000, Complexity.HIGH, False),
        (5_000, 5_000, Complexity.HIGH, False),
        (999, 999, Complexity.HIGH, True),
        (5_001, 5_001, Complexity.MEDIUM, True),
        (100, 100, Complexity.LOW, False),
        (99, 99, Complexity.LOW, True),
        (500, 5_000, Complexity.MEDIUM, False),
        (200, 5_000, Complexity.MEDIUM, True),
    ],
)
def test_outside_the_benchmark_is_named(
    low: float, high: float, complexity: Complexity, warned: bool
) -> None:
    message = outside_benchmark(low, high, complexity)
    assert (message is not None) == warned
    if message is not None:
        first, last = benchmark_range(complexity)
        assert f"{int(first):,} to {int(last):,} users" in message
        assert complexity.value in message
        assert "extrapolated" in message
        assert "\n" not in message


def test_estimate_refuses_unknown_complexity(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["estimate", "--users", "100", "--complexity", "extreme"]) == 2
    err = capsys.readouterr().err
    assert "complexity" in err
    assert len(err.strip().splitlines()) == 1
