"""The portfolio analysis against independent answers: a scenario's own run, the normal
approximation, comonotone sums, α out of sample, Euler's allocation, brute-force sizing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from simcrm.analyses.portfolio import InfeasibleError, analyse_portfolio
from simcrm.analyses.portfolio.contribution import contributions
from simcrm.engine.blocks import simulate
from simcrm.streams import portfolio_seed
from tests.analyses.portfolio.helpers import LIGHT_TAIL, make_portfolio


def test_a_one_project_portfolio_is_its_scenarios_run_to_the_bit(tmp_path: Path) -> None:
    # the lone project's loading moves nothing: a factor needs two projects to act
    candidates = [{"name": "solo", "scenario": "baseline", "loadings": {"f": 0.7}}]
    portfolio = make_portfolio(tmp_path, candidates, factors={"f": "cost"}, trials=20_000)
    result = analyse_portfolio(portfolio, with_frontier=False)
    trials = result.trials()
    seed = result.sample.seeds[0]
    assert seed == portfolio_seed(5, 0, 0)
    run = simulate(portfolio.scenario("solo"), 20_000, seed)
    assert result.chosen.all() or not result.chosen.any()
    assert np.array_equal(trials["cost_solo"], run["actual_cost"].to_numpy())
    assert np.array_equal(trials["npv_solo"], run["npv"].to_numpy())
    if result.chosen.all():
        assert np.array_equal(trials["total_cost"], run["actual_cost"].to_numpy())
        assert np.array_equal(trials["failed_cio"], run["fail_cio"].to_numpy().astype(int))


def test_independent_identical_projects_follow_the_normal_approximation(tmp_path: Path) -> None:
    candidates = [
        {"name": f"kind{k}", "scenario": "baseline", "count": 20, "overrides": LIGHT_TAIL}
        for k in range(3)
    ]
    portfolio = make_portfolio(tmp_path, candidates, trials=20_000, budget={"total": 1e9})
    result = analyse_portfolio(portfolio, with_frontier=False, size=[])
    assert result.chosen.sum() == 60  # the budget binds nowhere: every positive... or all
    cost = result.sample.cost
    total = cost.sum(axis=0)
    mu, sigma = cost.mean(), cost.std(ddof=1)  # one project's mean and sd, pooled
    normal_p80 = 60 * mu + stats.norm.ppf(0.8) * np.sqrt(60) * sigma
    # tolerance: 3 standard errors of the sample P80, sqrt(p(1-p)/n) / density at it
    se = np.sqrt(0.8 * 0.2 / total.size) / stats.norm.pdf(stats.norm.ppf(0.8))
    assert np.quantile(total, 0.8) == pytest.approx(normal_p80, abs=3 * se * np.sqrt(60) * sigma)


def test_perfectly_shared_factors_make_the_p80_the_sum_of_the_p80s(tmp_path: Path) -> None:
    candidates = [
        {"name": "a", "scenario": "baseline", "loadings": {"f": 1.0}},
        {"name": "b", "scenario": "high_complexity", "loadings": {"f": 1.0}},
        {"name": "c", "scenario": "low_complexity", "count": 3, "loadings": {"f": 1.0}},
    ]
    portfolio = make_portfolio(tmp_path, candidates, factors={"f": "cost"}, budget={"total": 1e9})
    result = analyse_portfolio(portfolio, with_frontier=False, size=[])
    cost = result.sample.cost[result.chosen]
    for q in (0.5, 0.8, 0.9):
        assert np.quantile(cost.sum(axis=0), q) == pytest.approx(
            np.quantile(cost, q, axis=1).sum(), rel=1e-12
        )
    p80 = next(r for r in result.aggregate["contingency"] if r["level"] == 0.8)
    assert p80["portfolio"] == pytest.approx(p80["sum_of_projects"], rel=1e-9)
    for row in result.aggregate["contingency"]:  # all diversification gone, where any was
        assert row["eroded"] != row["eroded"] or row["eroded"] == pytest.approx(1.0, rel=1e-9)
    # Euler: for comonotone projects each contribution is the project's own quantile
    parts = contributions(cost, 0.9)
    assert parts["euler"] == pytest.approx(parts["standalone"], rel=0.05)


def test_out_of_sample_overspending_is_near_alpha_when_the_budget_binds(tmp_path: Path) -> None:
    candidates = [
        {"name": f"p{k}", "scenario": "full_cycle", "overrides": {"plan.users": 800 + 200 * k},
         "loadings": {"f": 0.4}}
        for k in range(8)
    ]  # fmt: skip
    alpha, selection = 0.1, 2_000
    portfolio = make_portfolio(
        tmp_path, candidates, factors={"f": "cost"}, budget={"total": 4e6}, alpha=alpha,
        trials=100_000, selection_trials=selection,
    )  # fmt: skip
    result = analyse_portfolio(portfolio, with_frontier=False, size=[])
    inside = result.selection["in_sample"]["p_overspend"]
    outside = result.selection["out_of_sample"]["p_overspend"]
    assert inside <= alpha
    assert inside > alpha - 0.03, "the test needs a budget that binds"
    # stated tolerance: 4 standard errors of a rate α on the selection sample (the SAA
    # choice is fitted to those 2,000 trials) plus 4 on the 100,000 out-of-sample trials
    tolerance = 4 * np.sqrt(alpha * (1 - alpha) / selection) + 4 * np.sqrt(
        alpha * (1 - alpha) / 100_000
    )
    assert abs(outside - alpha) <= tolerance


def test_euler_contributions_add_up_and_share_equally_among_equals() -> None:
    rng = np.random.default_rng(9)
    cost = rng.gamma(4.0, size=(5, 200_000))
    parts = contributions(cost, 0.9)
    total = np.quantile(cost.sum(axis=0), 0.9)
    assert parts["euler"].sum() == pytest.approx(total, rel=2e-3)
    # identical independent projects: each a fifth, within the window's averaging error
    assert parts["euler"] == pytest.approx(np.full(5, total / 5), rel=0.02)


def test_sizing_equals_a_brute_force_sum_of_runs(tmp_path: Path) -> None:
    candidates = [{"name": "rollout", "scenario": "baseline", "count": 2,
                   "overrides": {"plan.users": 300}}]  # fmt: skip
    portfolio = make_portfolio(tmp_path, candidates, budget={"total": 3e6}, trials=5_000)
    result = analyse_portfolio(portfolio, with_frontier=False)
    (sized,) = result.sizing
    n = sized["tried"]
    # brute force: the copies as runs of the scenario from their seeds, summed
    costs = np.stack([
        simulate(portfolio.scenario("rollout"), 5_000, portfolio_seed(5, 2, k))["actual_cost"]
        for k in range(n)
    ])  # fmt: skip
    rate = (np.cumsum(costs, axis=0) > 3e6).mean(axis=1)
    assert [r["p_overspend"] for r in sized["by_count"]] == pytest.approx(rate.tolist(), abs=0)
    assert sized["carried"] == int(np.sum(rate <= 0.1))
    assert 0 < sized["carried"] < n


def test_required_projects_that_overspend_are_infeasible(tmp_path: Path) -> None:
    candidates = [{"name": "big", "scenario": "high_complexity", "min_count": 1}]
    portfolio = make_portfolio(tmp_path, candidates, budget={"total": 1e5})
    with pytest.raises(InfeasibleError, match=r"min_count: big\) overspend the total budget"):
        analyse_portfolio(portfolio, with_frontier=False)
