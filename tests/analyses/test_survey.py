"""Two-level Monte Carlo of surveys: layout, binomial sampling, variance split, posteriors.

Every statistical check uses a fixed seed and a tolerance of 4 standard errors (or a
goodness-of-fit p-value above 0.001), so a correct implementation fails with a
probability below about 1e-3 per check.

Closed forms used:

- ``planned_months ~ Uniform(6, 18)`` gives ``P(planned_months > 15) = 1/4`` exactly.
- With no overrun spread, no scope creep and no omissions, the cost overrun is positive
  exactly when a black-swan tail event happens (the Pareto multiplier is > 1 almost
  surely), so ``P(cost_overrun > 0 | world) = tail_probability`` of that world. With
  ``tail_probability ~ Beta(a, b)`` across worlds a survey's count is Beta-binomial.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy import stats

from simcrm.analyses.failure_rate import Observation, analyse
from simcrm.analyses.survey import SurveyDesign, draw_worlds, simulate_surveys
from simcrm.analyses.survey_stats import abc_posterior, posterior_true_rate, variance_split
from simcrm.cli import main
from simcrm.engine.blocks import simulate
from simcrm.scenario import load_scenario
from simcrm.scenario.load import scenario_from_dict
from simcrm.scenario.schema import Scenario
from tests.conftest import MINIMAL, ROOT
from tests.stats.closed_form import Z95

A, B = 4.0, 12.0  # the prior of the tail probability across worlds


def _scenario(**changes: Any) -> Scenario:
    data = copy.deepcopy(MINIMAL)
    for key, value in changes.items():
        data[key] = value
    return scenario_from_dict(data)


def _tail_scenario() -> Scenario:
    """P(fail_tail | world) = the world's tail probability ~ Beta(A, B)."""
    return _scenario(
        criteria={"tail": "cost_overrun > 1e-9"},
        population={"epistemic": {"execution.tail_probability": {"kind": "beta", "a": A, "b": B}}},
    )


def _chi_square_pvalue(counts: np.ndarray, expected_pmf: np.ndarray) -> float:
    """Pearson goodness of fit, pooling the tails until every expected count is ≥ 5."""
    expected = expected_pmf * counts.sum()
    order = np.argsort(-expected)
    keep = np.zeros(expected.size, dtype=bool)
    keep[order[np.cumsum(expected[order]) <= counts.sum() - 5]] = True
    obs = np.append(counts[keep], counts[~keep].sum())
    exp = np.append(expected[keep], expected[~keep].sum())
    obs, exp = obs[exp >= 5], exp[exp >= 5]
    exp *= obs.sum() / exp.sum()
    return float(stats.chisquare(obs, exp).pvalue)


def test_without_epistemic_uncertainty_the_reported_rate_is_binomial() -> None:
    scenario = _scenario(
        plan={**MINIMAL["plan"], "planned_months": {"kind": "uniform", "low": 6, "high": 18}},
        criteria={"long": "planned_months > 15"},
    )
    n, r = 40, 2_500
    sample = simulate_surveys(scenario, SurveyDesign(n, r, seed=11))
    k = sample.reported["long"]
    pmf = stats.binom.pmf(np.arange(n + 1), n, 0.25)
    assert _chi_square_pvalue(np.bincount(k, minlength=n + 1), pmf) > 1e-3
    split = variance_split(k, n)
    assert abs(split["epistemic"]) < 4 * split["epistemic_se"]
    # the aleatory part estimates p(1 − p)/n; its standard error is tiny here
    assert split["aleatory"] == pytest.approx(0.25 * 0.75 / n, rel=0.02)


def test_worlds_are_laid_out_world_major_across_block_boundaries() -> None:
    # every project of world r shares its planned months, so the survey fails all or none
    scenario = _scenario(
        criteria={"long": "planned_months > 12"},
        population={
            "epistemic": {"plan.planned_months": {"kind": "uniform", "low": 6, "high": 18}}
        },
    )
    design = SurveyDesign(cohort=300, surveys=120, seed=5, inner=310)  # straddles blocks
    sample = simulate_surveys(scenario, design)
    months = draw_worlds(scenario, 5, 120)["plan.planned_months"]
    assert np.array_equal(sample.worlds["plan.planned_months"], months)
    assert np.array_equal(sample.reported["long"], np.where(months > 12, 300, 0))
    assert np.array_equal(sample.inner["long"], np.where(months > 12, 310, 0))


def test_variance_split_adds_up_and_recovers_the_beta_binomial_parts() -> None:
    n, r = 50, 3_000
    sample = simulate_surveys(_tail_scenario(), SurveyDesign(n, r, seed=3))
    k = sample.reported["tail"]
    split = variance_split(k, n)
    assert split["epistemic"] + split["aleatory"] == pytest.approx(split["total"], rel=1e-12)
    assert split["total"] == pytest.approx(np.var(k / n, ddof=1), rel=1e-12)
    var_p = A * B / ((A + B) ** 2 * (A + B + 1))
    mean_p = A / (A + B)
    assert split["epistemic"] == pytest.approx(var_p, abs=4 * split["epistemic_se"])
    aleatory = (mean_p - (var_p + mean_p**2)) / n  # E[p(1 − p)]/n
    assert split["aleatory"] == pytest.approx(aleatory, rel=0.03)
    pmf = stats.betabinom.pmf(np.arange(n + 1), n, A, B)
    assert _chi_square_pvalue(np.bincount(k, minlength=n + 1), pmf) > 1e-3


def test_weighted_posterior_matches_the_conjugate_beta() -> None:
    a, b, k, n = 2.0, 5.0, 14, 30
    prior = np.random.default_rng(20_261_122).beta(a, b, 400_000)
    post = posterior_true_rate(prior, k, n)
    exact = stats.beta(a + k, b + n - k)
    ess = post["effective_sample_size"]
    se_mean = exact.std() / np.sqrt(ess)
    assert post["posterior"]["mean"] == pytest.approx(exact.mean(), abs=4 * se_mean)
    for q in (0.05, 0.50, 0.95):
        x = exact.ppf(q)
        se = np.sqrt(q * (1 - q) / ess) / exact.pdf(x)  # a quantile's standard error
        assert post["posterior"][f"p{round(100 * q)}"] == pytest.approx(x, abs=4 * se)
    assert post["prior"]["mean"] == pytest.approx(a / (a + b), abs=4 * prior.std() / 632)


def test_abc_with_zero_tolerance_is_the_exact_conjugate_posterior() -> None:
    n, r, k_obs = 20, 6_000, 8
    sample = simulate_surveys(_tail_scenario(), SurveyDesign(n, r, seed=8))
    abc = abc_posterior(sample.worlds, sample.reported["tail"], n, k_obs, n, tolerance=0)
    accepted = abc["accepted"]
    rate = stats.betabinom.pmf(k_obs, n, A, B)
    assert abc["acceptance_rate"] == pytest.approx(rate, abs=4 * np.sqrt(rate * (1 - rate) / r))
    exact = stats.beta(A + k_obs, B + n - k_obs)
    posterior = abc["parameters"]["execution.tail_probability"]["posterior"]
    assert posterior["mean"] == pytest.approx(exact.mean(), abs=4 * exact.std() / np.sqrt(accepted))


def test_true_rate_posterior_from_simulated_worlds() -> None:
    # Each world's rate is estimated from its M projects: j ~ BetaBinomial(M, A, B), so
    # the prior sample is exactly that law scaled by 1/M, and the posterior the analysis
    # reports converges to the one computed below from it. The conjugate Beta posterior
    # differs from it by the blur of j/M (prior variance +4%): within 0.002 here.
    n, r, m, k_obs, n_obs = 20, 1_500, 400, 60, 200
    design = SurveyDesign(n, r, seed=21, inner=m)
    observed = analyse(_tail_scenario(), design, 0.7, Observation(k_obs, n_obs, "tail"))[0]
    assert observed.observed is not None
    tr = observed.observed["true_rate"]
    j = np.arange(m + 1)
    w = stats.betabinom.pmf(j, m, A, B) * stats.binom.pmf(k_obs, n_obs, j / m)
    w /= w.sum()
    mean = float(np.sum(w * j / m))
    sd = float(np.sqrt(np.sum(w * (j / m - mean) ** 2)))
    se = sd / np.sqrt(tr["effective_sample_size"])
    assert tr["posterior"]["mean"] == pytest.approx(mean, abs=4 * se)
    exact = stats.beta(A + k_obs, B + n_obs - k_obs)
    assert tr["posterior"]["mean"] == pytest.approx(exact.mean(), abs=4 * se + 0.002)
    assert tr["prior"]["mean"] == pytest.approx(A / (A + B), abs=4 * np.sqrt(0.012 / r))


# -- command line ---------------------------------------------------------------------


def test_failure_rate_cli_writes_json_and_png(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "fr"
    args = ["failure-rate", str(ROOT / "scenarios" / "survey.toml"), "--cohort", "20"]
    args += ["--surveys", "40", "--inner", "40", "--observed", "14/20", "--criterion", "cio"]
    assert main([*args, "--out", str(out), "--seed", "4", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    written = json.loads((out / "failure-rate.json").read_text())
    assert printed == written
    assert set(written["criteria"]) >= {"cio", "marketing", "not_success"}
    assert written["observed"]["abc"]["parameters"].keys() == written["epistemic"].keys()
    for name in ("failure-rate", "posterior"):
        assert (out / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        svg = (out / f"{name}.svg").read_text()
        assert "</svg>" in svg
        assert "%" in svg  # rates on percent axes, not 0-1
    assert not list(out.glob(".*.tmp"))


def test_definitions_cli_writes_json_and_png(tmp_path: Path) -> None:
    out = tmp_path / "def"
    args = ["definitions", str(ROOT / "scenarios" / "half_cycle.toml"), "--trials", "5000"]
    assert main([*args, "--out", str(out), "--claim", "0.5"]) == 0
    result = json.loads((out / "definitions.json").read_text())
    cost = result["dimensions"]["cost_overrun"]
    assert cost["p_fail"][0] >= cost["p_fail"][-1]  # fewer failures at a higher threshold
    t = result["dimensions"]["adoption_final"]["threshold"]
    # the quantiles at 0.5 ± 1.959964 √(0.5 · 0.5 / N) of the same trials (the scenario's seed)
    scenario = load_scenario(ROOT / "scenarios" / "half_cycle.toml")
    values = simulate(scenario, trials=5000)["adoption_final"].dropna().to_numpy()
    half = Z95 * np.sqrt(0.25 / values.size)
    expected = np.quantile(values, [0.5, 0.5 - half, 0.5 + half])
    assert t["value"] == expected[0]
    assert t["ci95"] == pytest.approx(expected[1:].tolist(), rel=1e-12)
    assert (out / "definitions.png").read_bytes()[:4] == b"\x89PNG"
    svg = (out / "definitions.svg").read_text()
    assert "P(fail) (band: 95% interval)" in svg
    assert "100%" in svg  # the probability axis in percent


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (["--observed", "140/200", "--criterion", "nope"], "--criterion: got 'nope'"),
        (["--observed", "140-200", "--criterion", "cio"], "--observed: got '140-200'"),
        (["--observed", "250/200", "--criterion", "cio"], "--observed: got '250/200'"),
        (["--observed", "140/200"], "give both --observed K/N and --criterion NAME"),
        (["--cohort", "1"], "--cohort: got 1"),
        (["--inner", "5"], "--inner: got 5"),
    ],
)
def test_bad_failure_rate_input_exits_2_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], words: str
) -> None:
    out = tmp_path / "fr"
    args = ["failure-rate", str(ROOT / "scenarios" / "survey.toml"), "--surveys", "10"]
    assert main([*args, *extra, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert words in err
    assert not out.exists()


def test_failure_rate_result_as_frame_and_dict() -> None:
    design = SurveyDesign(30, 40, seed=5, inner=300)
    result, sample = analyse(_tail_scenario(), design, 0.7)
    table = result.to_frame()
    assert list(table["criterion"]) == ["tail"]
    row = table.iloc[0]
    reported = sample.reported["tail"] / 30
    assert row["mean"] == pytest.approx(reported.mean(), rel=1e-12)
    assert row["p_at_least_claim"] == (reported >= 0.7).mean()
    assert row["low"] <= row["p_at_least_claim"] <= row["high"]
    assert result.to_dict()["criteria"]["tail"]["mean"] == row["mean"]
    assert "observed" not in result.to_dict()
