"""Tests of simcrm.distributions: sampling against scipy.stats, ppf, validation, CSV data."""

from __future__ import annotations

import math
import re
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pydantic import BaseModel, ValidationError
from scipy import stats

from simcrm.distributions import (
    Bernoulli,
    Beta,
    Discrete,
    DistributionOrNumber,
    Empirical,
    Fixed,
    Gamma,
    LogNormal,
    Normal,
    Pert,
    Poisson,
    Triangular,
    TruncNormal,
    Uniform,
    as_distribution,
)

N = 200_000
SEED = 20_240_611
Z90 = float(stats.norm.ppf(0.9))
EMPIRICAL = [2.5, 1.0, 4.0, 2.5, 7.5, 3.0, 1.0, 2.5]
_EMP_X, _EMP_COUNTS = np.unique(EMPIRICAL, return_counts=True)


class Holder(BaseModel):
    """A scenario-like model with one distribution-or-number field."""

    dist: DistributionOrNumber


# (distribution, the same law in scipy.stats built independently from its definition)
CONTINUOUS = [
    pytest.param(Uniform(low=2, high=5), stats.uniform(loc=2, scale=3), id="uniform"),
    pytest.param(
        Triangular(low=1, mode=2, high=5), stats.triang(0.25, loc=1, scale=4), id="triangular"
    ),
    pytest.param(
        Pert(low=10, mode=14, high=30),
        stats.beta(1 + 4 * 4 / 20, 1 + 4 * 16 / 20, loc=10, scale=20),
        id="pert",
    ),
    pytest.param(
        Pert(low=0, mode=9, high=10, lamb=6),
        stats.beta(1 + 6 * 9 / 10, 1 + 6 * 1 / 10, loc=0, scale=10),
        id="pert-lamb6",
    ),
    pytest.param(Normal(mean=3, sd=2), stats.norm(3, 2), id="normal"),
    pytest.param(
        TruncNormal(mean=10, sd=4, low=5, high=20),
        stats.truncnorm(-5 / 4, 10 / 4, loc=10, scale=4),
        id="truncnormal",
    ),
    pytest.param(
        TruncNormal(mean=0, sd=1, low=1.5, high=6),
        stats.truncnorm(1.5, 6, loc=0, scale=1),
        id="truncnormal-tail",
    ),
    pytest.param(
        LogNormal(mu=1.0, sigma=0.5), stats.lognorm(0.5, scale=math.e), id="lognormal-musigma"
    ),
    pytest.param(
        LogNormal(p50=100, p90=250),
        stats.lognorm(math.log(2.5) / Z90, scale=100),
        id="lognormal-p50p90",
    ),
    pytest.param(Beta(a=2, b=5), stats.beta(2, 5), id="beta"),
    pytest.param(
        Beta(a=0.5, b=0.5, low=-1, high=3), stats.beta(0.5, 0.5, loc=-1, scale=4), id="beta-scaled"
    ),
    pytest.param(Gamma(shape=2.5, scale=3), stats.gamma(2.5, scale=3), id="gamma"),
]
DISCRETE = [
    pytest.param(Poisson(lam=3.7), stats.poisson(3.7), id="poisson"),
    pytest.param(Bernoulli(p=0.3), stats.bernoulli(0.3), id="bernoulli"),
    pytest.param(
        Discrete(values=[10, 1, 5, 2], weights=[4, 1, 3, 2]),
        stats.rv_discrete(values=([1, 2, 5, 10], [0.1, 0.2, 0.3, 0.4])),
        id="discrete",
    ),
    pytest.param(
        Empirical(values=EMPIRICAL),
        stats.rv_discrete(values=(_EMP_X, _EMP_COUNTS / len(EMPIRICAL))),
        id="empirical",
    ),
]
ALL = CONTINUOUS + DISCRETE
# Probabilities for ppf checks; none falls exactly on a CDF step of the discrete cases.
U = np.concatenate([[1e-9, 1e-6, 1e-3], 0.005 + 0.01 * np.arange(100), [0.999, 1 - 1e-6]])


def _sample(dist: Any) -> np.ndarray:
    x = dist.sample(np.random.default_rng(SEED), N)
    assert x.dtype == np.float64
    assert x.shape == (N,)
    return x


@pytest.mark.parametrize(("dist", "ref"), ALL)
def test_moments(dist: Any, ref: Any) -> None:
    mean, var, kurt = (float(m) for m in ref.stats(moments="mvk"))
    assert dist.mean() == pytest.approx(mean, rel=1e-9)
    assert dist.variance() == pytest.approx(var, rel=1e-9)
    x = _sample(dist)
    assert abs(x.mean() - mean) <= 4 * math.sqrt(var / N)
    # SE of the sample variance ≈ sqrt((mu4 - sigma^4) / n), with the fourth central
    # moment mu4 = (excess kurtosis + 3) * sigma^4 from scipy.
    mu4 = (kurt + 3) * var**2
    assert abs(x.var(ddof=1) - var) <= 4 * math.sqrt((mu4 - var**2) / N)


@pytest.mark.parametrize(("dist", "ref"), CONTINUOUS)
def test_quantiles_continuous(dist: Any, ref: Any) -> None:
    x = _sample(dist)
    for p in (0.1, 0.5, 0.9):
        xp = float(dist.ppf(p))
        # Asymptotic SE of a sample quantile: sqrt(p (1 - p) / n) / f(x_p).
        se = math.sqrt(p * (1 - p) / N) / ref.pdf(xp)
        assert abs(np.quantile(x, p) - xp) <= 4 * se, p


@pytest.mark.parametrize(("dist", "ref"), DISCRETE)
def test_quantiles_discrete(dist: Any, ref: Any) -> None:
    x = _sample(dist)
    for p in (0.1, 0.5, 0.9):
        # Quantiles of a discrete law are too coarse: compare the empirical CDF at x_p,
        # whose SE is sqrt(F (1 - F) / n).
        xp = float(dist.ppf(p))
        cdf = float(ref.cdf(xp))
        assert cdf >= p
        assert abs(np.mean(x <= xp) - cdf) <= 4 * math.sqrt(cdf * (1 - cdf) / N) + 1e-12, p


@pytest.mark.parametrize(
    ("dist", "ref"),
    [
        *ALL,
        pytest.param(
            TruncNormal(mean=0, sd=1, low=-1, high=12),
            stats.truncnorm(-1, 12),
            id="truncnormal-wide",
        ),
        pytest.param(
            TruncNormal(mean=0, sd=1, low=-9, high=-8),
            stats.truncnorm(-9, -8),
            id="truncnormal-left",
        ),
        pytest.param(
            TruncNormal(mean=5, sd=2, low=75, high=77),
            stats.truncnorm(35, 36, loc=5, scale=2),
            id="truncnormal-far",
        ),
    ],
)
def test_ppf_matches_scipy(dist: Any, ref: Any) -> None:
    np.testing.assert_allclose(dist.ppf(U), ref.ppf(U), rtol=1e-9, atol=0)
    assert dist.support() == tuple(float(s) for s in ref.support())
    np.testing.assert_array_equal(dist.ppf([0.0, 1.0]), dist.support())
    assert np.isnan(dist.ppf([-0.1, 1.1, np.nan])).all()
    assert dist.ppf(0.5).shape == ()


def test_empirical_ppf_is_numpy_inverted_cdf() -> None:
    dist = Empirical(values=EMPIRICAL)
    expected = np.quantile(EMPIRICAL, U, method="inverted_cdf")
    np.testing.assert_array_equal(dist.ppf(U), expected)


def test_fixed() -> None:
    dist = Fixed(value=3.5)
    np.testing.assert_array_equal(_sample(dist), 3.5)
    np.testing.assert_array_equal(dist.ppf([0, 0.3, 1]), 3.5)
    assert (dist.mean(), dist.variance(), dist.support()) == (3.5, 0.0, (3.5, 3.5))


@pytest.mark.parametrize(("dist", "ref"), ALL)
def test_sampling_is_reproducible_and_uses_only_the_generator(dist: Any, ref: Any) -> None:
    before = np.random.get_state()[1].copy()  # noqa: NPY002 - checking the legacy state is untouched
    a = dist.sample(np.random.default_rng(7), 100)
    b = dist.sample(np.random.default_rng(7), 100)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(np.random.get_state()[1], before)  # noqa: NPY002


@pytest.mark.parametrize(
    "given",
    [
        {"p50": 120.0, "p90": 300.0},
        {"p10": 40.0, "p90": 310.0},
        {"p5": 0.002, "p25": 0.0031},
        {"p75": 9.0e6, "p99": 2.5e7},
    ],
)
def test_lognormal_percentiles_reproduced(given: dict[str, float]) -> None:
    dist = LogNormal(**given)
    probs = [int(k[1:]) / 100 for k in given]
    np.testing.assert_allclose(dist.ppf(probs), list(given.values()), rtol=1e-12, atol=0)


@pytest.mark.parametrize(
    ("lo", "hi"), [("p50", "p90"), ("p10", "p90"), ("p1", "p99"), ("p25", "p75")]
)
def test_lognormal_forms_agree(lo: str, hi: str) -> None:
    mu, sigma = 1.3, 0.45
    by_log = LogNormal(mu=mu, sigma=sigma)
    pct = {k: float(by_log.ppf(int(k[1:]) / 100)) for k in (lo, hi)}
    by_pct = LogNormal(**pct)
    assert by_pct.log_mu() == pytest.approx(mu, rel=1e-12)
    assert by_pct.log_sigma() == pytest.approx(sigma, rel=1e-12)
    assert (by_log.log_mu(), by_log.log_sigma()) == (mu, sigma)
    np.testing.assert_allclose(by_pct.ppf(U), by_log.ppf(U), rtol=1e-12)
    assert by_pct.mean() == pytest.approx(by_log.mean(), rel=1e-12)
    assert by_pct.variance() == pytest.approx(by_log.variance(), rel=1e-11)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"kind": "normal", "mean": 0.0, "sd": 0.0}, "sd"),
        ({"kind": "normal", "mean": 0.0, "sd": -1.0}, "sd"),
        ({"kind": "normal", "mean": math.nan, "sd": 1.0}, "mean"),
        ({"kind": "normal", "mean": 1.0, "sd": math.inf}, "sd"),
        ({"kind": "normal", "mean": 1.0, "sd": 1.0, "sigma": 2.0}, "sigma"),
        ({"kind": "uniform", "low": 2, "high": 1}, "high"),
        ({"kind": "uniform", "low": 1, "high": 1}, "high"),
        ({"kind": "triangular", "low": 0, "mode": -1, "high": 3}, "mode"),
        ({"kind": "triangular", "low": 0, "mode": 5, "high": 3}, "mode"),
        ({"kind": "pert", "low": 0, "mode": 1, "high": 3, "lamb": 0}, "lamb"),
        ({"kind": "pert", "low": 3, "mode": 3, "high": 3}, "high"),
        ({"kind": "truncnormal", "mean": 0, "sd": 1, "low": 2, "high": 1}, "high"),
        ({"kind": "lognormal", "p50": 100, "p90": 80}, "p90"),
        ({"kind": "lognormal", "p50": 100, "p90": 100}, "p90"),
        ({"kind": "lognormal", "p10": 10, "p50": 100, "p90": 200}, "p10"),
        ({"kind": "lognormal", "p50": 100}, "p1..p99"),
        ({"kind": "lognormal"}, "p1..p99"),
        ({"kind": "lognormal", "p50": -5, "p90": 10}, "p50"),
        ({"kind": "lognormal", "p50": 5, "p90": math.nan}, "p90"),
        ({"kind": "lognormal", "mu": 1.0}, "sigma"),
        ({"kind": "lognormal", "mu": 1.0, "sigma": 0.5, "p90": 4.0}, "mu"),
        ({"kind": "lognormal", "mu": 1.0, "sigma": -0.5}, "sigma"),
        ({"kind": "lognormal", "p50": 100, "p91": 300}, "p91"),
        ({"kind": "beta", "a": 0, "b": 1}, "a"),
        ({"kind": "beta", "a": 1, "b": 1, "low": 1, "high": 0}, "high"),
        ({"kind": "gamma", "shape": 2, "scale": -1}, "scale"),
        ({"kind": "poisson", "lam": -0.5}, "lam"),
        ({"kind": "bernoulli", "p": 1.5}, "p"),
        ({"kind": "bernoulli", "p": -0.1}, "p"),
        ({"kind": "discrete", "values": []}, "values"),
        ({"kind": "discrete", "values": [1, math.nan]}, "values"),
        ({"kind": "discrete", "values": [1, 2], "weights": [0, 0]}, "weights"),
        ({"kind": "discrete", "values": [1, 2], "weights": [1]}, "weights"),
        ({"kind": "discrete", "values": [1, 2], "weights": [-1, 2]}, "weights"),
        ({"kind": "empirical", "values": []}, "values"),
        ({"kind": "empirical", "values": [1, math.inf]}, "values"),
        ({"kind": "empirical"}, "values"),
        ({"kind": "empirical", "values": [1, 2], "file": "x.csv", "column": "c"}, "file"),
        ({"kind": "empirical", "file": "x.csv"}, "column"),
        ({"kind": "fixed", "value": True}, "value"),
        ({"kind": "fixed", "value": "3"}, "value"),
        ({"kind": "weibull", "k": 2}, "kind"),
    ],
)
def test_invalid_parameters_name_the_field(payload: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        Holder.model_validate({"dist": payload})
    word = re.compile(rf"(?<![\w.]){re.escape(field)}(?![\w.])")
    assert any(field in e["loc"] or word.search(e["msg"]) for e in excinfo.value.errors()), str(
        excinfo.value
    )


@pytest.mark.parametrize(("given", "value"), [(3, 3.0), (2.5, 2.5), (np.float64(-1.5), -1.5)])
def test_bare_number_becomes_fixed(given: Any, value: float) -> None:
    dist = Holder(dist=given).dist
    assert dist == Fixed(value=value)
    assert as_distribution(given) == Fixed(value=value)


@pytest.mark.parametrize("given", [True, False, np.bool_(True)])
def test_bool_is_not_a_number(given: Any) -> None:
    with pytest.raises(ValidationError, match="boolean"):
        Holder(dist=given)


def test_as_distribution_and_toml_tables() -> None:
    normal = Normal(mean=1, sd=2)
    assert as_distribution(normal) is normal
    doc = tomllib.loads('a = 5\nb = {kind = "lognormal", p50 = 10, p90 = 30}\n')
    assert Holder(dist=doc["a"]).dist == Fixed(value=5)
    dist = Holder(dist=doc["b"]).dist
    assert isinstance(dist, LogNormal)
    assert float(dist.ppf(0.9)) == pytest.approx(30, rel=1e-12)
    assert Holder.model_validate(Holder(dist=normal).model_dump()).dist == normal  # round trip


def _write_csv(tmp_path: Path, body: str) -> None:
    (tmp_path / "data").mkdir(exist_ok=True)
    (tmp_path / "data" / "costs.csv").write_text(body, encoding="utf-8")


def _validate(tmp_path: Path, file: str = "data/costs.csv", column: str = "cost") -> Any:
    payload = {"dist": {"kind": "empirical", "file": file, "column": column}}
    return Holder.model_validate(payload, context={"base_dir": tmp_path}).dist


def test_empirical_csv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write_csv(tmp_path, "project,cost\nA,1.5\nB,2\nC, 4.25\nD,2e0\n")
    dist = _validate(tmp_path)
    assert isinstance(dist, Empirical)
    np.testing.assert_array_equal(dist.data(), [1.5, 2.0, 4.25, 2.0])
    assert dist.mean() == pytest.approx(9.75 / 4)
    assert dist.support() == (1.5, 4.25)
    assert set(dist.sample(np.random.default_rng(1), 1000)) == {1.5, 2.0, 4.25}
    np.testing.assert_array_equal(
        dist.ppf(U), np.quantile([1.5, 2, 4.25, 2], U, method="inverted_cdf")
    )
    assert dist == _validate(tmp_path)
    monkeypatch.chdir(tmp_path)  # without a context, paths are relative to the cwd
    assert Empirical(file="data/costs.csv", column="cost").data().tolist() == dist.data().tolist()


@pytest.mark.parametrize(
    ("body", "file", "column", "needles"),
    [
        ("cost\n1\n", "data/missing.csv", "cost", ["missing.csv", "cost"]),
        ("project,amount\nA,1\n", "data/costs.csv", "cost", ["costs.csv", "cost", "amount"]),
        ("project,cost\nA,1\nB,abc\n", "data/costs.csv", "cost", ["costs.csv", "'abc'", "line 3"]),
        ("project,cost\nA,1\nB,\n", "data/costs.csv", "cost", ["costs.csv", "cost", "line 3"]),
        ("project,cost\nA,nan\n", "data/costs.csv", "cost", ["costs.csv", "'nan'"]),
        ("project,cost\nA\n", "data/costs.csv", "cost", ["costs.csv", "None"]),
        ("project,cost\n", "data/costs.csv", "cost", ["costs.csv", "no values"]),
    ],
)
def test_empirical_csv_errors(
    tmp_path: Path, body: str, file: str, column: str, needles: list[str]
) -> None:
    _write_csv(tmp_path, body)
    with pytest.raises(ValidationError) as excinfo:
        _validate(tmp_path, file, column)
    message = str(excinfo.value)
    for needle in needles:
        assert needle in message
