"""Scope creep is the exact branching process of docs/model.md §2: closed-form moments.

With base execution ``D`` fixed, rate ``λ``, approval ``p`` and scope fraction ``e``,
each approved request spawns Poisson(``λ p T0 e``) approved children. With
``R = λ p T0 E[e] < 1`` the total scope growth ``S`` of a project has

    E[S]   = λ p D E[e] / (1 − R)
    Var[S] = λ p D E[e²] / (1 − R)³

(compound Poisson of the per-request totals ``Y`` with ``E[Y] = E[e]/(1 − R)`` and
``E[Y²] = E[e²]/(1 − R)³``), and the arrivals ``N`` have ``E[N] = λ (D + T0 E[S])``.
Tolerances are 4 standard errors of the Monte Carlo estimate.
"""

from __future__ import annotations

import numpy as np
import pytest

from simcrm.distributions import LogNormal
from simcrm.model.scope import grow_scope

N = 400_000


def _closed_form(
    lam: float, p: float, t0: float, d: float, effect: LogNormal
) -> tuple[float, float, float]:
    mean_e = effect.mean()
    mean_e2 = effect.variance() + mean_e**2
    r = lam * p * t0 * mean_e
    mean_s = lam * p * d * mean_e / (1 - r)
    var_s = lam * p * d * mean_e2 / (1 - r) ** 3
    return r, mean_s, var_s


@pytest.mark.parametrize(
    ("lam", "p", "t0", "d"),
    [(0.6, 0.6, 10.0, 12.0), (2.0, 0.8, 12.0, 12.0), (1.0, 1.0, 20.0, 25.0)],
)
def test_scope_growth_mean_and_variance_match_the_branching_process(
    lam: float, p: float, t0: float, d: float
) -> None:
    effect = LogNormal(kind="lognormal", p50=0.012, p90=0.04)
    r, mean_s, var_s = _closed_form(lam, p, t0, d, effect)
    assert r < 1
    rng = np.random.default_rng(20261122)
    res = grow_scope(rng, np.full(N, lam), p, effect, np.full(N, t0), np.full(N, d), None)
    s = res.scope_growth
    # SE of the mean: sqrt(Var/N); SE of the sample variance: sqrt((m4 - var²)/N), m4 estimated
    se_mean = np.sqrt(var_s / N)
    m4 = np.mean((s - s.mean()) ** 4)
    se_var = np.sqrt((m4 - s.var() ** 2) / N)
    assert abs(s.mean() - mean_s) < 4 * se_mean
    assert abs(s.var() - var_s) < 4 * se_var
    n = res.change_requests
    mean_n = lam * (d + t0 * mean_s)
    assert abs(n.mean() - mean_n) < 4 * n.std() / np.sqrt(N)
    assert not res.abandoned.any()
    np.testing.assert_allclose(res.end_months, d + t0 * s)


def test_no_requests_no_growth() -> None:
    rng = np.random.default_rng(1)
    effect = LogNormal(kind="lognormal", p50=0.01, p90=0.02)
    res = grow_scope(rng, np.zeros(100), 0.5, effect, np.full(100, 10.0), np.full(100, 12.0), 30.0)
    assert res.change_requests.sum() == 0
    assert res.scope_growth.sum() == 0


def test_cap_abandons_runaway_process_and_counts_only_arrivals_before_it() -> None:
    # R = 3 * 1 * 10 * 0.1 = 3: the process explodes; the cap must cut every project
    rng = np.random.default_rng(5)
    effect = LogNormal(kind="lognormal", mu=np.log(0.1), sigma=0.01)
    cap = 40.0
    res = grow_scope(
        rng, np.full(50_000, 3.0), 1.0, effect, np.full(50_000, 10.0), np.full(50_000, 10.0), cap
    )
    assert res.abandoned.mean() > 0.99
    # arrivals happen only during [0, cap): at most Poisson(3 * 40) in distribution
    assert res.change_requests.mean() < 3.0 * cap + 4 * np.sqrt(3.0 * cap / 50_000)
    assert np.all(res.end_months[res.abandoned] > cap)


def test_base_schedule_past_the_cap_is_abandoned() -> None:
    rng = np.random.default_rng(3)
    effect = LogNormal(kind="lognormal", p50=0.01, p90=0.02)
    res = grow_scope(
        rng, np.zeros(3), 0.5, effect, np.full(3, 10.0), np.array([5.0, 30.0, 31.0]), 30.0
    )
    assert res.abandoned.tolist() == [False, False, True]
