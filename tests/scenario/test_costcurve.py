"""The per-user cost curve reproduces the source benchmark table (docs/model.md §1)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from simcrm.cli import main
from simcrm.scenario.costcurve import BENCHMARK_POINTS, Complexity, cost_per_user, planned_budget

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
    users = np.arange(1, 20_001)
    for points in BENCHMARK_POINTS.values():
        assert np.all(np.diff(planned_budget(users, points)) > 0)


def test_estimate_refuses_unknown_complexity(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["estimate", "--users", "100", "--complexity", "extreme"]) == 2
    err = capsys.readouterr().err
    assert "complexity" in err
    assert len(err.strip().splitlines()) == 1
