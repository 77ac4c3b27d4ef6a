"""``simcrm fit``: recovery of known laws, the TOML line, goodness of fit, bad input, files.

Recovery samples are drawn from known laws with seeded generators (n = 2,000). The true
family must rank first by AIC (on 30 seeds it does, by ΔAIC of 39 or more), and the
fitted parameters must lie within 4 standard errors of the true ones:

- lognormal: the MLE is the mean and the (ddof = 0) standard deviation of ``log x``, so
  ``SE(mu) = sigma/√n`` and ``SE(sigma) ≈ sigma/√(2n)``;
- gamma: the inverse Fisher information. Per observation, for (shape k, scale θ),
  ``I = [[ψ′(k), 1/θ], [1/θ, k/θ²]]``; the MLE's covariance is ``I⁻¹/n``.

Goodness-of-fit tests use few Monte Carlo samples to stay fast: 199 where a p-value
must fall below 0.01 (the smallest possible p-value is 1/(m + 1)), 19 elsewhere.
"""

from __future__ import annotations

import json
import math
import tomllib
from pathlib import Path

import numpy as np
import pytest
from pydantic import TypeAdapter
from scipy import optimize, special

from simcrm.analyses.fit import KINDS, FitResult, fit_data, fit_file, read_column
from simcrm.analyses.fit import data as fit_data_module
from simcrm.analyses.fit.candidates import GOF_MAX_N
from simcrm.analyses.fit.result import scipy_law
from simcrm.analyses.fit.three_point import pert_mle, triangular_mle
from simcrm.cli import main
from simcrm.distributions import Distribution
from simcrm.errors import InputError

N = 2_000
FAST = ["--mc-samples", "19"]
ADAPTER: TypeAdapter[Distribution] = TypeAdapter(Distribution)


def _csv(path: Path, column: str, cells: list[str], other: bool = True) -> Path:
    """A CSV file with a ``project`` column (if ``other``) and ``column``."""
    lines = ["project," + column if other else column]
    lines += [f"P{i + 1},{c}" if other else c for i, c in enumerate(cells)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def lognormal_fit() -> FitResult:
    x = np.random.default_rng(20_240_601).lognormal(0.1, 0.5, N)
    return fit_data(x, n_mc_samples=19, seed=1, source="sample", column="overrun")


@pytest.fixture(scope="module")
def gamma_fit() -> FitResult:
    x = np.random.default_rng(20_240_602).gamma(2.5, 0.6, N)
    return fit_data(x, n_mc_samples=19, seed=1)


# ------------------------------------------------------------------- recovery


def test_lognormal_ranks_first_and_is_within_4_standard_errors(
    lognormal_fit: FitResult,
) -> None:
    mu, sigma = 0.1, 0.5
    best = lognormal_fit.best
    assert best.kind == "lognormal"
    assert lognormal_fit.delta_aic()[1] > 10
    assert abs(best.params["mu"] - mu) < 4 * sigma / math.sqrt(N)
    assert abs(best.params["sigma"] - sigma) < 4 * sigma / math.sqrt(2 * N)


def test_gamma_ranks_first_and_is_within_4_standard_errors(gamma_fit: FitResult) -> None:
    k, theta = 2.5, 0.6
    best = gamma_fit.best
    assert best.kind == "gamma"
    info = np.array([[special.polygamma(1, k), 1 / theta], [1 / theta, k / theta**2]])
    se = np.sqrt(np.diag(np.linalg.inv(info) / N))
    assert abs(best.params["shape"] - k) < 4 * se[0]
    assert abs(best.params["scale"] - theta) < 4 * se[1]


def test_every_candidate_is_scored_and_ranked(lognormal_fit: FitResult) -> None:
    aic = [c.aic for c in lognormal_fit.candidates]
    assert aic == sorted(aic)
    assert {c.kind for c in lognormal_fit.candidates} == set(KINDS) - {"beta"}
    assert "beta" in lognormal_fit.skipped  # data outside (0, 1)
    for c in lognormal_fit.candidates:
        assert c.aic == pytest.approx(2 * c.n_params - 2 * c.loglik)
        assert c.bic == pytest.approx(c.n_params * math.log(N) - 2 * c.loglik)
        assert c.loglik == pytest.approx(float(np.sum(c.law().logpdf(lognormal_fit.data))))
    frame = lognormal_fit.to_frame()
    assert list(frame["kind"]) == [c.kind for c in lognormal_fit.candidates]
    assert list(frame["rank"]) == list(range(1, len(frame) + 1))
    assert {"aic", "bic", "ks_pvalue", "ad_pvalue", "delta_aic", "aic_weight"} <= set(frame)
    assert sum(lognormal_fit.aic_weights()) == pytest.approx(1.0)
    data = json.loads(json.dumps(lognormal_fit.to_dict(), allow_nan=True))
    assert data["best"] == "lognormal"
    assert data["goodness_of_fit"]["n_mc_samples"] == 19


def _loglik(kind: str, x: np.ndarray, low: float, mode: float, high: float) -> float:
    """Log-likelihood of the triangular or PERT law, written out (no scipy)."""
    w = high - low
    with np.errstate(all="ignore"):
        if kind == "triangular":
            up = 2 * (x - low) / (w * (mode - low))
            down = 2 * (high - x) / (w * (high - mode))
            return float(np.sum(np.log(np.where(x < mode, up, down))))
        a, b = 1 + 4 * (mode - low) / w, 1 + 4 * (high - mode) / w
        z = (x - low) / w
        logpdf = special.xlogy(a - 1, z) + special.xlog1py(b - 1, -z) - special.betaln(a, b)
        return float(np.sum(logpdf) - x.size * math.log(w))


def _brute_three_point(kind: str, x: np.ndarray) -> float:
    """Highest log-likelihood found by Nelder–Mead on (low, mode, high) from 5 starts."""
    lo, hi = x.min(), x.max()
    d = hi - lo

    def nll(u: np.ndarray) -> float:
        a, b = lo - d * math.exp(u[0]), hi + d * math.exp(u[1])
        v = -_loglik(kind, x, a, a + (b - a) * special.expit(u[2]), b)
        return v if math.isfinite(v) else 1e300

    starts = [(-3, -3, 0), (-1, -1, -1), (-12, -1, -8), (-1, -12, 8), (-2, -5, 2)]
    opts = {"xatol": 1e-8, "fatol": 1e-11, "maxfev": 5_000}
    return max(
        -optimize.minimize(nll, np.array(s, float), method="Nelder-Mead", options=opts).fun
        for s in starts
    )


def test_triangular_and_pert_fits_reach_the_maximum_likelihood() -> None:
    """The profile fits against brute force on samples of several shapes, including
    right-angled MLEs (the mode and an end meet at the sample's minimum or maximum)."""
    rng = np.random.default_rng(1)
    samples = [
        rng.triangular(0, 0.3, 1, 30),
        rng.triangular(0, 0.0, 1, 25),
        rng.lognormal(0, 0.6, 12),
        1 + rng.beta(2, 4, 40),
        rng.normal(0, 1, 20),
    ]
    for x in samples:
        for kind, mle in (("triangular", triangular_mle), ("pert", pert_mle)):
            low, mode, high = mle(x)
            mine = _loglik(kind, x, low, mode, high)
            law = scipy_law(kind, {"low": low, "mode": mode, "high": high})
            assert mine == pytest.approx(float(np.sum(law.logpdf(x))), rel=1e-9)
            assert mine >= _brute_three_point(kind, x) - 1e-5, (kind, x)


def test_beta_is_fitted_on_the_unit_interval() -> None:
    """Beta on [0, 1]: within 4 SE, from the inverse Fisher information
    ``[[ψ′(a) − ψ′(a+b), −ψ′(a+b)], [−ψ′(a+b), ψ′(b) − ψ′(a+b)]]`` over n."""
    a, b, n = 2.0, 5.0, 500
    x = np.random.default_rng(5).beta(a, b, n)
    result = fit_data(x, kinds=["beta", "normal"], n_mc_samples=19)
    assert result.best.kind == "beta"
    t = special.polygamma(1, a + b)
    info = np.array([[special.polygamma(1, a) - t, -t], [-t, special.polygamma(1, b) - t]])
    se = np.sqrt(np.diag(np.linalg.inv(info) / n))
    assert abs(result.best.params["a"] - a) < 4 * se[0]
    assert abs(result.best.params["b"] - b) < 4 * se[1]
    assert set(result.best.table()) == {"kind", "a", "b"}  # low = 0, high = 1 by default


# -------------------------------------------------------------- the TOML line


@pytest.mark.parametrize("which", ["lognormal_fit", "gamma_fit"])
def test_toml_line_loads_as_a_distribution_with_the_fitted_median(
    which: str, request: pytest.FixtureRequest
) -> None:
    result: FitResult = request.getfixturevalue(which)
    line = result.toml_line("overrun")
    assert line.startswith(f'overrun = {{ kind = "{result.best.kind}", ')
    table = tomllib.loads(line)["overrun"]
    loaded = ADAPTER.validate_python(table)
    # 4 significant digits on each parameter: the median moves by well under 0.2%
    assert float(loaded.ppf(0.5)) == pytest.approx(result.best.median(), rel=2e-3)


def test_every_candidates_line_loads(lognormal_fit: FitResult) -> None:
    for c in lognormal_fit.candidates:
        line = c.toml_line("components.integration.overrun")
        table = tomllib.loads(line)["components"]["integration"]["overrun"]
        loaded = ADAPTER.validate_python(table)
        assert loaded.kind == c.kind
        assert float(loaded.ppf(0.5)) == pytest.approx(c.median(), rel=2e-3)
        if "low" in table:  # ends rounded outwards: every value stays inside
            lo, hi = loaded.support()
            assert lo <= lognormal_fit.summary.min
            assert hi >= lognormal_fit.summary.max


def test_lognormal_line_uses_mu_and_sigma(lognormal_fit: FitResult) -> None:
    table = lognormal_fit.best.table()
    assert set(table) == {"kind", "mu", "sigma"}
    for key in ("mu", "sigma"):
        assert float(f"{table[key]:.4g}") == table[key]  # 4 significant digits


def test_rounding_keeps_the_digits_a_narrow_fit_needs() -> None:
    """4 significant digits would turn [1000, 1000.01] into [999.9, 1001]: more are kept."""
    x = 1000.0 + np.linspace(0.0, 0.01, 20)  # range 1e-5 of the values
    result = fit_data(x, kinds=["uniform", "normal"], n_mc_samples=9)
    loaded = ADAPTER.validate_python(tomllib.loads(result.toml_line("x", "uniform"))["x"])
    lo, hi = loaded.support()
    assert lo <= x.min()
    assert hi >= x.max()
    assert hi - lo == pytest.approx(0.01, rel=2e-3)
    normal = result.candidate("normal")
    assert normal.distribution().ppf(0.95) == pytest.approx(normal.law().ppf(0.95), abs=1e-5)


# ------------------------------------------------------------- goodness of fit


def test_wrong_family_fails_the_ks_test_and_the_true_one_does_not() -> None:
    x = np.random.default_rng(7).lognormal(0.0, 1.0, N)  # very skewed
    result = fit_data(x, kinds=["normal", "lognormal"], n_mc_samples=199, seed=3)
    normal, lognormal = result.candidate("normal"), result.candidate("lognormal")
    assert normal.ks_pvalue < 0.01
    assert lognormal.ks_pvalue >= 0.01
    assert normal.ad_pvalue < 0.01
    for c in result.candidates:
        for p in (c.ks_pvalue, c.ad_pvalue):
            assert 0.0 <= p <= 1.0
    assert result.gof()["n_mc_samples"] == 199


def test_p_values_are_probabilities_or_undefined(lognormal_fit: FitResult) -> None:
    for c in lognormal_fit.candidates:
        assert 0.0 <= c.ks_pvalue <= 1.0
        assert (0.0 <= c.ad_pvalue <= 1.0) or (math.isnan(c.ad_pvalue) and c.note)
    assert math.isnan(lognormal_fit.candidate("uniform").ad_pvalue)  # support = data range


def test_same_seed_same_p_values() -> None:
    x = np.random.default_rng(9).gamma(3.0, 1.0, 60)
    one = fit_data(x, kinds=["gamma", "pert"], n_mc_samples=29, seed=4)
    two = fit_data(x, kinds=["pert", "gamma"], n_mc_samples=29, seed=4)
    for kind in ("gamma", "pert"):
        a, b = one.candidate(kind), two.candidate(kind)
        assert (a.ks_pvalue, a.ad_pvalue) == (b.ks_pvalue, b.ad_pvalue)


def test_large_columns_are_tested_on_a_subsample() -> None:
    x = np.random.default_rng(2).normal(5.0, 1.0, 2_500)
    result = fit_data(x, kinds=["normal"], n_mc_samples=9)
    assert result.gof_n == GOF_MAX_N
    assert result.summary.n == 2_500


# ---------------------------------------------------------------- reading data


def test_read_column_skips_blank_lines_and_counts_rows(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("\ufeffid, overrun \n1,1.5\n\n2, 2.5\n3,abc\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_column(path, "overrun")
    assert f"{path}, column 'overrun', data row 3 (line 5)" in str(err.value)
    path.write_text("id,overrun\n1,1.5\n\n2, 2.5\n", encoding="utf-8")
    assert list(read_column(path, "overrun")) == [1.5, 2.5]


def test_fit_file_names_file_and_column(tmp_path: Path) -> None:
    path = _csv(tmp_path / "h.csv", "x", [f"{v:.4f}" for v in np.linspace(1, 2, 12)])
    result = fit_file(path, "x", kinds=["uniform"], n_mc_samples=9)
    assert (result.source, result.column, result.summary.n) == (str(path), "x", 12)


# ------------------------------------------------------------ the command line


def _one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("simcrm: error: ") or ": error: " in lines[0]
    return lines[0]


GOOD = [f"{v:.4f}" for v in np.random.default_rng(1).lognormal(0.1, 0.4, 30)]


@pytest.mark.parametrize(
    ("cells", "column", "wanted"),
    [
        (GOOD[:7], "overrun", ["column 'overrun'", "got 7", "at least 8"]),
        (
            [*GOOD[:4], "1.2x", *GOOD[4:]],
            "overrun",
            ["bad.csv", "column 'overrun'", "data row 5 (line 6)", "'1.2x'", "not a number"],
        ),
        ([*GOOD[:2], "nan", *GOOD[2:]], "overrun", ["data row 3 (line 4)", "NaN"]),
        ([*GOOD[:2], "-inf", *GOOD[2:]], "overrun", ["data row 3 (line 4)", "infinity"]),
        ([*GOOD[:9], "", *GOOD[9:]], "overrun", ["data row 10 (line 11)", "empty cell"]),
        (GOOD, "overun", ["--column", "'overun'", "did you mean 'overrun'", "'project'"]),
        (["1.5"] * 12, "overrun", ["all 12 values are equal", 'kind = "fixed"']),
    ],
    ids=["too-short", "non-numeric", "nan", "inf", "empty", "unknown-column", "constant"],
)
def test_bad_data_is_one_line_exit_2_and_nothing_written(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    cells: list[str],
    column: str,
    wanted: list[str],
) -> None:
    path = _csv(tmp_path / "bad.csv", "overrun", cells)
    out = tmp_path / "out"
    assert main(["fit", str(path), "--column", column, "--out", str(out), *FAST]) == 2
    line = _one_error_line(capsys)
    for text in wanted:
        assert text in line, (text, line)
    assert not out.exists()


def test_missing_file_and_not_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    missing = tmp_path / "nope.csv"
    assert main(["fit", str(missing), "--column", "x", "--out", str(out)]) == 2
    assert "no such file" in _one_error_line(capsys)
    binary = tmp_path / "data.xlsx"
    binary.write_bytes(b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xff\xfe\x80\x81")
    assert main(["fit", str(binary), "--column", "x", "--out", str(out)]) == 2
    assert "not a CSV text file" in _one_error_line(capsys)
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("a,b\n1,2\n3\n", encoding="utf-8")
    assert main(["fit", str(ragged), "--column", "b", "--out", str(out)]) == 2
    assert "data row 2 (line 3)" in _one_error_line(capsys)
    semicolons = tmp_path / "semi.csv"
    semicolons.write_text("a;b\n1;2\n", encoding="utf-8")
    assert main(["fit", str(semicolons), "--column", "b", "--out", str(out)]) == 2
    assert "comma-separated" in _one_error_line(capsys)
    assert not out.exists()


def test_size_and_row_limits(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _csv(tmp_path / "big.csv", "x", GOOD)
    monkeypatch.setattr(fit_data_module, "MAX_ROWS", 20)
    assert main(["fit", str(path), "--column", "x"]) == 2
    assert "at most 20 data rows" in _one_error_line(capsys)
    monkeypatch.setattr(fit_data_module, "MAX_BYTES", 100)
    assert main(["fit", str(path), "--column", "x"]) == 2
    line = _one_error_line(capsys)
    assert str(path) in line
    assert "MB are refused" in line


@pytest.mark.parametrize(
    ("args", "wanted"),
    [
        (["--kinds", "lognorml"], "did you mean 'lognormal'"),
        (["--kinds", "poisson"], "poisson is not fitted"),
        (["--kinds", "beta"], "no kind tried can describe the data"),
        (["--key", "my key"], "--key"),
        (["--mc-samples", "0"], "--mc-samples"),
    ],
)
def test_bad_options(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], wanted: str
) -> None:
    path = _csv(tmp_path / "d.csv", "overrun", GOOD)
    out = tmp_path / "out"
    assert main(["fit", str(path), "--column", "overrun", "--out", str(out), *args]) == 2
    assert wanted in _one_error_line(capsys)
    assert not out.exists()


def test_cli_prints_ranking_and_line_and_writes_png_and_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    x = np.random.default_rng(11).lognormal(0.2, 0.4, 200)
    _csv(tmp_path / "history.csv", "cost overrun", [f"{v:.5f}" for v in x])
    options = ["--key", "overrun", "--seed", "5", "--kinds", "lognormal,gamma,normal", *FAST]
    code = main(["fit", "history.csv", "--column", "cost overrun", *options])
    assert code == 0
    printed = capsys.readouterr()
    assert printed.err == ""
    out = tmp_path / "results" / "fit" / "history-cost_overrun"
    document = json.loads((out / "fit.json").read_text())
    toml = document["toml"]
    assert toml in printed.out
    assert toml.startswith('overrun = { kind = "')
    ADAPTER.validate_python(tomllib.loads(toml)["overrun"])
    assert document["candidates"][0]["kind"] == document["best"]
    assert document["goodness_of_fit"]["seed"] == 5
    assert document["goodness_of_fit"]["n_mc_samples"] == 19
    for word in ("AIC", "BIC", "KS p", "AD p", "lognormal", "gamma", "normal"):
        assert word in printed.out
    png = (out / "fit.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in out.iterdir()) == ["fit.json", "fit.png"]


def test_cli_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _csv(tmp_path / "d.csv", "overrun", GOOD)
    out = tmp_path / "o"
    assert main(["fit", str(path), "--column", "overrun", "--out", str(out), "--json", *FAST]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["key"] == "overrun"
    assert printed["written"] == [str(out / "fit.json"), str(out / "fit.png")]
    assert json.loads((out / "fit.json").read_text())["toml"] == printed["toml"]


def test_fit_is_listed_in_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    assert "fit" in capsys.readouterr().out
