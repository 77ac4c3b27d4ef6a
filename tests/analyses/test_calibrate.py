"""Calibration: recovery of known parameters, the calibrated TOML, bad targets files.

Recovery tests use targets known in closed form, so the only error is the Monte Carlo
error of the fitted sample (16,384 trials, fixed seed) plus the optimiser's tolerance;
the tolerances below are 4 standard errors of the statistic, mapped to the parameter.
"""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy import stats

from simcrm.analyses.calibrate import calibrate, statistics
from simcrm.analyses.targets import load_targets
from simcrm.cli import main
from simcrm.errors import InputError
from simcrm.scenario.editing import set_values
from simcrm.scenario.load import load_scenario, scenario_from_dict
from simcrm.scenario.schema import Scenario
from tests.conftest import MINIMAL, ROOT

TRIALS = 16_384


def _scenario(data: dict[str, Any]) -> Scenario:
    return scenario_from_dict(copy.deepcopy(data))


def _targets(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "targets.toml"
    path.write_text(text)
    return path


def test_recovers_lognormal_overrun_from_its_quantiles(tmp_path: Path) -> None:
    # cost_overrun = 0.7 (X − 1) with X ~ lognormal(p50, p90) on the integration share
    # 0.7 (licences never overrun): its quantiles are 0.7 (X_q − 1) in closed form.
    p50, p90 = 1.2, 2.0
    path = _targets(
        tmp_path,
        f"""
        [[targets]]
        statistic = "quantile"
        column = "cost_overrun"
        q = 0.5
        value = {0.7 * (p50 - 1)}
        [[targets]]
        statistic = "quantile"
        column = "cost_overrun"
        q = 0.9
        value = {0.7 * (p90 - 1)}
        [parameters]
        "components.integration.overrun.p50" = [0.8, 1.6]
        "components.integration.overrun.p90" = [1.2, 3.0]
        """,
    )
    scenario = _scenario(MINIMAL)  # starts from p50 = p90 = 1
    spec, events = load_targets(path, scenario)
    fit = calibrate(scenario, spec, events, TRIALS, seed=9, max_evaluations=200)
    # standard errors of the sample quantiles of X: sqrt(q(1 − q)/N) / f(x_q)
    sigma = np.log(p90 / p50) / stats.norm.ppf(0.9)
    law = stats.lognorm(sigma, scale=p50)
    for q, true, path_ in ((0.5, p50, "p50"), (0.9, p90, "p90")):
        se = np.sqrt(q * (1 - q) / TRIALS) / law.pdf(law.ppf(q))
        fitted = fit.fitted[f"components.integration.overrun.{path_}"]
        assert fitted == pytest.approx(true, abs=4 * se + 0.005)
    assert fit.loss_after < 1e-4 < fit.loss_before


def test_recovers_a_tail_probability_from_an_event_probability(tmp_path: Path) -> None:
    # without overrun spread, cost_overrun > 0 exactly in a tail event: P = tail_probability
    path = _targets(
        tmp_path,
        """
        targets = [{ statistic = "probability", event = "cost_overrun > 1e-9", value = 0.25 }]
        [parameters]
        "execution.tail_probability" = [0.01, 0.6]
        """,
    )
    scenario = _scenario(MINIMAL)
    spec, events = load_targets(path, scenario)
    fit = calibrate(scenario, spec, events, TRIALS, seed=2, max_evaluations=60)
    se = np.sqrt(0.25 * 0.75 / TRIALS)
    assert fit.fitted["execution.tail_probability"] == pytest.approx(0.25, abs=4 * se + 1e-3)
    assert fit.rows[0]["check"] == pytest.approx(0.25, abs=4 * se * np.sqrt(2) + 1e-3)


def test_statistics_of_each_kind(tmp_path: Path) -> None:
    path = _targets(
        tmp_path,
        """
        targets = [
          { statistic = "quantile", column = "cost_overrun", q = 0.25, value = 0 },
          { statistic = "mean", column = "payback_month", value = 0 },
          { statistic = "probability", event = "cost_overrun > 1 or abandoned", value = 0 },
          { statistic = "mean", column = "fail_cio", value = 0 },
        ]
        [parameters]
        "execution.rho" = [0.1, 0.9]
        """,
    )
    spec, events = load_targets(path, _scenario(MINIMAL))
    columns = {
        "cost_overrun": np.array([0.0, 1.0, 2.0, 3.0, 4.0]),
        "payback_month": np.array([10.0, np.nan, 20.0, np.nan, 30.0]),
        "abandoned": np.array([True, False, False, False, False]),
        "fail_cio": np.array([True, True, False, False, False]),
    }
    assert statistics(spec, events, columns) == pytest.approx([1.0, 20.0, 0.8, 0.4])


def test_substitute_keeps_comments_and_inserts_missing_keys() -> None:
    text = (
        'name = "x"\n[execution]   # comment\nrho = 0.7  # keep me\n'
        "schedule = { p50 = 1.1, p90 = 1.7 }  # and me\n[scope]\n"
    )
    new = set_values(
        text,
        {"execution.rho": 0.5, "execution.schedule.p90": 2.25, "scope.governance": 0.125},
        "calibrated to t.toml",
    )
    data = tomllib.loads(new)
    assert data["execution"] == {"rho": 0.5, "schedule": {"p50": 1.1, "p90": 2.25}}
    assert data["scope"] == {"governance": 0.125}
    for kept in ("keep me", "and me", "(was 0.7)"):
        assert kept in new
    assert new.count("calibrated to t.toml") == 3


def test_calibrate_cli_writes_a_commented_valid_scenario(tmp_path: Path) -> None:
    out = tmp_path / "cal" / "baseline_calibrated.toml"
    targets = ROOT / "scenarios" / "targets" / "it_reference_class.toml"
    args = ["calibrate", str(ROOT / "scenarios" / "baseline.toml"), "--targets", str(targets)]
    assert main([*args, "--trials", "2000", "--max-evaluations", "12", "--out", str(out)]) == 0
    text = out.read_text()
    calibrated = load_scenario(out)
    assert calibrated.name == "baseline_calibrated"
    assert "Flyvbjerg & Budzier 2011" in text  # the original comments are kept
    assert text.count("calibrated to") >= 6
    original = (ROOT / "scenarios" / "baseline.toml").read_text()
    assert len(text.splitlines()) == len(original.splitlines()) + 1  # one header line


BAD_TARGETS = [
    (
        'targets = [{ statistic = "mean", column = "cost_overrun", value = 0 }]\n'
        '[parameters]\n"execution.tail_prob" = [0.1, 0.3]\n',
        'parameters."execution.tail_prob"',
        "no such parameter",
    ),
    (
        'targets = [{ statistic = "mean", column = "cost_overrun", value = 0 }]\n'
        '[parameters]\n"execution.tail_probability" = [0.1, 1.5]\n',
        'parameters."execution.tail_probability"',
        "less than or equal to 1",
    ),
    (
        'targets = [{ statistic = "mean", column = "cost_overrun", value = 0 }]\n'
        '[parameters]\n"adoption.ceiling" = [0.1, 0.9]\n',
        'parameters."adoption.ceiling"',
        "a distribution",
    ),
    (
        'targets = [{ statistic = "mean", column = "cost_overrun", value = 0 }]\n'
        '[parameters]\n"plan.users" = [100, 900]\n',
        'parameters."plan.users"',
        "real-valued",
    ),
    (
        'targets = [{ statistic = "mean", column = "cost_overun", value = 0 }]\n'
        '[parameters]\n"execution.rho" = [0.1, 0.9]\n',
        "targets[0].column",
        "not an output column",
    ),
    (
        'targets = [{ statistic = "quantile", column = "cost_overrun", value = 0 }]\n'
        '[parameters]\n"execution.rho" = [0.1, 0.9]\n',
        "targets[0]",
        "needs 'q'",
    ),
    (
        'targets = [{ statistic = "probability", event = "__import__(1)", value = 0 }]\n'
        '[parameters]\n"execution.rho" = [0.1, 0.9]\n',
        "targets[0].event",
        "",
    ),
    (
        'targets = [{ statistic = "mean", column = "npv", value = 0 }]\n'
        '[parameters]\n"execution.rho" = [0.9, 0.1]\n',
        'parameters."execution.rho"',
        "low < high",
    ),
]


@pytest.mark.parametrize(("text", "field", "words"), BAD_TARGETS)
def test_bad_targets_exit_2_naming_the_field_and_write_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, field: str, words: str
) -> None:
    out = tmp_path / "out" / "calibrated.toml"
    targets = _targets(tmp_path, text)
    args = ["calibrate", str(ROOT / "scenarios" / "baseline.toml"), "--targets", str(targets)]
    assert main([*args, "--out", str(out), "--trials", "100"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert field in err
    assert words in err
    assert not out.parent.exists()


def test_a_parameter_the_population_draws_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    targets = _targets(
        tmp_path,
        'targets = [{ statistic = "mean", column = "cost_overrun", value = 0 }]\n'
        '[parameters]\n"execution.tail_probability" = [0.1, 0.3]\n',
    )
    out = tmp_path / "out" / "calibrated.toml"
    args = ["calibrate", str(ROOT / "scenarios" / "survey.toml"), "--targets", str(targets)]
    assert main([*args, "--out", str(out)]) == 2
    assert "[population]" in capsys.readouterr().err
    assert not out.parent.exists()


def test_recovers_a_tail_exponent_from_its_hill_estimate(tmp_path: Path) -> None:
    # every project a black swan, factors exactly 1: cost_overrun = 0.7 (T − 1), so
    # cost_overrun + 0.7 = 0.7 T and its Hill exponent above 0.7 x_m is T's (scale-free)
    path = _targets(
        tmp_path,
        """
        [[targets]]
        statistic = "tail_exponent"
        column = "cost_overrun"
        shift = 0.7
        x_min = 1.4
        value = 1.3
        [parameters]
        "execution.tail_alpha" = [1.05, 3.0]
        """,
    )
    data = copy.deepcopy(MINIMAL)
    data["execution"] = {"tail_probability": 1.0, "tail_min": 2.0, "tail_alpha": 2.0}
    scenario = _scenario(data)
    spec, events = load_targets(path, scenario)
    assert spec.targets[0].label() == "tail exponent of cost_overrun + 0.7 above 1.4"
    fit = calibrate(scenario, spec, events, TRIALS, seed=4, max_evaluations=60)
    se = 1.3 / np.sqrt(TRIALS)  # the Hill estimate's standard error, alpha / sqrt(k)
    assert fit.fitted["execution.tail_alpha"] == pytest.approx(1.3, abs=4 * se + 2e-3)
    assert fit.rows[0]["warning"] is None  # only a mean gets the warning


def test_the_cli_prints_the_tail_targets_warns_about_the_mean_and_draws_the_tail(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    targets = ROOT / "scenarios" / "targets" / "it_reference_class.toml"
    args = ["calibrate", str(ROOT / "scenarios" / "baseline.toml"), "--targets", str(targets)]
    figures = tmp_path / "figures"
    out = tmp_path / "cal.toml"
    options = ["--trials", "16384", "--max-evaluations", "3", "--out", str(out)]
    assert main([*args, *options, "--figures", str(figures)]) == 0
    text = capsys.readouterr().out
    for row in ("share far over budget (ratio > 2)", "tail exponent (ratio > 2)", "P99"):
        assert row in text
    assert "the sample mean of cost_overrun is unstable" in text
    assert (figures / "cost_tail.png").stat().st_size > 0
    svg = (figures / "cost_tail.svg").read_text()
    assert "10.6% above 2×" in svg
    assert "power law, exponent 1.3 above 2×" in svg


def test_a_tail_exponent_target_needs_a_threshold_and_only_it_takes_a_shift(
    tmp_path: Path,
) -> None:
    for line, message in (
        ('{ statistic = "tail_exponent", column = "cost_overrun", value = 1.3 }', "x_min"),
        ('{ statistic = "mean", column = "cost_overrun", value = 0, shift = 1.0 }', "shift"),
    ):
        path = _targets(
            tmp_path, f'targets = [{line}]\n[parameters]\n"execution.rho" = [0.1, 0.9]\n'
        )
        with pytest.raises(InputError, match=message):
            load_targets(path, _scenario(MINIMAL))
