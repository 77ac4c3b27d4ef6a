"""The shared factors' copula: marginals kept exactly, the stated rank correlation
reached, comonotone costs at loading 1, independence at loading 0."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from simcrm.analyses.portfolio.coupling import active_loadings, latent_scores, pairing


def _spearman_of_loadings(a: float, b: float) -> float:
    """Spearman correlation of a bivariate normal with correlation ``a·b`` (closed form)."""
    return 6.0 / np.pi * np.arcsin(a * b / 2.0)


def test_pairing_is_a_permutation_that_follows_the_score_ranks() -> None:
    rng = np.random.default_rng(1)
    key, score = rng.lognormal(size=5_000), rng.standard_normal(5_000)
    placed = pairing({"cost": key}, {"cost": score})
    assert np.array_equal(np.sort(placed), np.arange(5_000))
    # the key placed at each trial has exactly the rank of that trial's score
    assert np.array_equal(stats.rankdata(key[placed]), stats.rankdata(score))


@pytest.mark.parametrize(("a", "b"), [(0.8, 0.8), (0.5, 0.9), (0.6, -0.6), (0.3, 0.3)])
def test_two_projects_get_the_rank_correlation_the_loadings_state(a: float, b: float) -> None:
    n = 40_000
    rng = np.random.default_rng(2)
    scores = latent_scores(np.array([[a], [b]]), ["cost"], rng, n)["cost"]
    keys = rng.gamma(2.0, size=(2, n))
    paired = [keys[j][pairing({"cost": keys[j]}, {"cost": scores[j]})] for j in range(2)]
    rho = stats.spearmanr(paired[0], paired[1]).statistic
    # standard error of Spearman's rho ~ (1 - rho^2) / sqrt(n): 4 of them
    tolerance = 4 * (1 - rho**2) / np.sqrt(n) + 1e-3
    assert rho == pytest.approx(_spearman_of_loadings(a, b), abs=tolerance)


def test_loading_one_makes_costs_comonotone_and_quantiles_add_up() -> None:
    n = 10_000
    rng = np.random.default_rng(3)
    scores = latent_scores(np.ones((4, 1)), ["cost"], rng, n)["cost"]
    keys = rng.lognormal(sigma=[[0.2], [0.5], [1.0], [1.5]], size=(4, n))
    paired = np.stack([keys[j][pairing({"cost": keys[j]}, {"cost": scores[j]})] for j in range(4)])
    total = paired.sum(axis=0)
    for q in (0.5, 0.8, 0.9, 0.99):
        assert np.quantile(total, q) == pytest.approx(
            np.quantile(paired, q, axis=1).sum(), rel=1e-12
        )


def test_two_kinds_keep_the_trials_whole_and_couple_both() -> None:
    n = 40_000
    rng = np.random.default_rng(4)
    both = np.array([[0.9, 0.9]] * 2)
    scores = latent_scores(both, ["cost", "benefits"], rng, n)
    cost = rng.lognormal(size=(2, n))
    benefit = cost * 0.5 + rng.lognormal(size=(2, n))  # benefits tied to cost in a trial
    placed = [
        pairing(
            {"cost": cost[j], "benefits": benefit[j]},
            {"cost": scores["cost"][j], "benefits": scores["benefits"][j]},
        )
        for j in range(2)
    ]
    for j in range(2):
        assert np.array_equal(np.sort(placed[j]), np.arange(n))
    rho_cost = stats.spearmanr(cost[0][placed[0]], cost[1][placed[1]]).statistic
    rho_benefit = stats.spearmanr(benefit[0][placed[0]], benefit[1][placed[1]]).statistic
    target = _spearman_of_loadings(0.9, 0.9)
    # strata of sqrt(n) trials blur each key a little: both stay near the stated value
    assert rho_cost == pytest.approx(target, abs=0.05)
    assert rho_benefit == pytest.approx(target, abs=0.1)


def test_a_factor_loaded_by_one_project_moves_nothing() -> None:
    loadings = np.array([[0.5, 0.7], [0.0, 0.7], [0.0, 0.0]])
    assert np.array_equal(active_loadings(loadings), [[0.0, 0.7], [0.0, 0.7], [0.0, 0.0]])
