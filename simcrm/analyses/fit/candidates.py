"""Fit every candidate kind by maximum likelihood and test its goodness of fit."""

from __future__ import annotations

import difflib
import math
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from simcrm.errors import InputError, SimcrmError

if TYPE_CHECKING:
    pass

from simcrm.analyses.fit.data import check_data, read_column
from simcrm.analyses.fit.result import Candidate, DataSummary, FitResult, scipy_law
from simcrm.analyses.fit.three_point import gof_pert, gof_triangular, pert_mle, triangular_mle

FloatArray = npt.NDArray[np.float64]

DEFAULT_MC_SAMPLES = 999
"""Monte Carlo samples of each goodness-of-fit test (p-values in steps of 1/1000)."""
MAX_MC_SAMPLES = 9_999
"""Most Monte Carlo samples of a test (with :data:`GOF_MAX_N` values, 160 MB drawn)."""
DEFAULT_SEED = 20_261_122
"""Seed of the goodness-of-fit samples (the scenarios' default seed)."""
GOF_MAX_N = 2_000
"""Largest sample the goodness-of-fit tests run on: ``goodness_of_fit`` draws all its
Monte Carlo samples at once (``n_mc_samples × n`` values) and refits each, so a larger
column is tested on a seeded random subsample of this size (the fits use every value)."""

KINDS = ("normal", "lognormal", "gamma", "uniform", "triangular", "pert", "beta")
"""The simcrm kinds fitted, in the order tried."""

NOT_FITTED = {
    "fixed": "it has no spread; a column of equal values is refused",
    "truncnormal": "the MLE of its ends is the sample's extremes (a non-regular fit)",
    "poisson": "it is a law of counts; the fits here are continuous",
    "bernoulli": "it is a law of 0/1 outcomes; the fits here are continuous",
    "discrete": 'it is the data themselves; use { kind = "empirical", file, column }',
    "empirical": "it is the data themselves: no parameters to fit",
}
"""The other simcrm kinds, and why they are not fitted."""


def fit_file(
    path: Path,
    column: str,
    kinds: Sequence[str] | None = None,
    n_mc_samples: int = DEFAULT_MC_SAMPLES,
    seed: int = DEFAULT_SEED,
    progress: Callable[[str], None] | None = None,
) -> FitResult:
    """Read a column of a CSV file (:func:`read_column`) and fit it (:func:`fit_data`)."""
    data = read_column(path, column)
    return fit_data(
        data, kinds, n_mc_samples, seed, source=str(path), column=column, progress=progress
    )


def fit_data(
    data: npt.ArrayLike,
    kinds: Sequence[str] | None = None,
    n_mc_samples: int = DEFAULT_MC_SAMPLES,
    seed: int = DEFAULT_SEED,
    source: str = "data",
    column: str = "",
    progress: Callable[[str], None] | None = None,
) -> FitResult:
    """Fit every candidate kind whose support holds the data, rank them by AIC.

    Parameters
    ----------
    data
        The values (finite; at least :data:`MIN_VALUES`, not all equal).
    kinds
        The simcrm kinds to try (default: all of :data:`KINDS`).
    n_mc_samples
        Monte Carlo samples of each goodness-of-fit test (at least 1).
    seed
        Seed of the Monte Carlo samples (``numpy.random.default_rng(seed)`` for each
        test, so a kind's p-values do not depend on the other kinds tried).
    source, column
        Name the data in the result and in errors.
    progress
        Called with a short message before each kind is fitted.

    Returns
    -------
    FitResult
        The candidates, best first.

    Raises
    ------
    InputError
        Bad data (:func:`check_data`), an unknown kind, or no kind able to describe the
        data.
    """
    start = time.perf_counter()
    x = np.asarray(data, dtype=np.float64).ravel()
    where = f"{source}, column {column!r}" if column else source
    if not np.all(np.isfinite(x)):
        i = int(np.flatnonzero(~np.isfinite(x))[0])
        raise InputError(f"{where}, value {i + 1}", float(x[i]), "every value must be finite")
    check_data(x, where)
    if not 1 <= n_mc_samples <= MAX_MC_SAMPLES:
        raise InputError("--mc-samples", n_mc_samples, f"give 1 to {MAX_MC_SAMPLES:,}")
    wanted = _kinds(kinds)
    tested = x
    if x.size > GOF_MAX_N:
        tested = np.random.default_rng(seed).choice(x, size=GOF_MAX_N, replace=False)
    candidates: list[Candidate] = []
    skipped: dict[str, str] = {}
    for kind in wanted:
        family = _FAMILIES[kind]
        reason = family.refuses(x)
        if reason:
            skipped[kind] = reason
            continue
        if progress is not None:
            progress(f"fitting {kind} ({n_mc_samples:,} Monte Carlo samples per test)")
        try:
            candidates.append(_candidate(family, x, tested, n_mc_samples, seed))
        except (ValueError, FloatingPointError, RuntimeError, SimcrmError) as err:
            skipped[kind] = f"the fit failed ({err})"
    if not candidates:
        said = "; ".join(f"{k}: {r}" for k, r in skipped.items())
        raise InputError(where, ",".join(wanted), f"no kind tried can describe the data ({said})")
    candidates.sort(key=lambda c: c.aic)
    return FitResult(
        source=source,
        column=column,
        summary=DataSummary.of(x),
        candidates=tuple(candidates),
        skipped=skipped,
        n_mc_samples=int(n_mc_samples),
        seed=int(seed),
        gof_n=int(tested.size),
        seconds=time.perf_counter() - start,
        data=x,
    )


def _kinds(kinds: Iterable[str] | None) -> list[str]:
    """The kinds asked for, checked and without repeats."""
    if kinds is None:
        return list(KINDS)
    out: list[str] = []
    for raw in kinds:
        kind = raw.strip().lower()
        if kind in KINDS:
            if kind not in out:
                out.append(kind)
            continue
        if kind in NOT_FITTED:
            allowed = f"{kind} is not fitted: {NOT_FITTED[kind]}"
        else:
            close = difflib.get_close_matches(kind, KINDS, n=1, cutoff=0.6)
            allowed = "unknown kind" + (f" (did you mean {close[0]!r}?)" if close else "")
        raise InputError("--kinds", raw, f"{allowed}; fitted kinds: {', '.join(KINDS)}")
    if not out:
        raise InputError("--kinds", "", f"give at least one of {', '.join(KINDS)}")
    return out


@dataclass(frozen=True)
class _Family:
    """How one simcrm kind is fitted and tested."""

    kind: str
    n_params: int
    fit: Callable[[FloatArray], dict[str, float]]
    """MLE of the simcrm parameters."""
    gof: Callable[[], tuple[Any, dict[str, float]]]
    """The ``scipy.stats`` family for ``goodness_of_fit`` and its known parameters."""
    positive: bool = False
    unit_interval: bool = False

    def refuses(self, x: FloatArray) -> str:
        """Why the kind cannot describe ``x`` ("" if it can)."""
        if self.positive and x.min() <= 0:
            return f"needs every value > 0 (the smallest is {x.min():g})"
        if self.unit_interval and (x.min() <= 0 or x.max() >= 1):
            return f"is fitted on (0, 1) only (the data span {x.min():g} to {x.max():g})"
        return ""


def _candidate(
    family: _Family, x: FloatArray, tested: FloatArray, n_mc_samples: int, seed: int
) -> Candidate:
    """Fit one kind to ``x``, score it, test it on ``tested`` (``x`` or a subsample)."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        params = family.fit(x)
        if not all(math.isfinite(v) for v in params.values()):
            raise ValueError(f"non-finite parameters {params}")
        loglik = float(np.sum(scipy_law(family.kind, params).logpdf(x)))
        if not math.isfinite(loglik):
            raise ValueError("the fitted law gives a data value zero density")
        k = family.n_params
        dist, known = family.gof()
        note = ""
        try:
            ks, ks_p = _test(dist, tested, known, "ks", n_mc_samples, seed)
            ad, ad_p = _test(dist, tested, known, "ad", n_mc_samples, seed)
        except (ValueError, FloatingPointError, RuntimeError) as err:
            ks = ks_p = ad = ad_p = math.nan
            note = f"goodness of fit failed ({err})"
    if not note and not math.isfinite(ad):
        ad, ad_p = math.nan, math.nan
        note = "Anderson-Darling undefined: the fitted support ends at a data value"
    return Candidate(
        kind=family.kind,
        params=params,
        n_params=k,
        loglik=loglik,
        aic=2 * k - 2 * loglik,
        bic=k * math.log(x.size) - 2 * loglik,
        ks=ks,
        ks_pvalue=ks_p,
        ad=ad,
        ad_pvalue=ad_p,
        note=note,
    )


def _test(
    dist: Any, x: FloatArray, known: dict[str, float], statistic: str, n_mc: int, seed: int
) -> tuple[float, float]:
    """Statistic and Monte Carlo p-value of ``scipy.stats.goodness_of_fit``."""
    from scipy import stats

    res = stats.goodness_of_fit(
        dist,
        x,
        known_params=known or None,
        statistic=statistic,
        n_mc_samples=n_mc,
        rng=np.random.default_rng(seed),
    )
    return float(res.statistic), float(res.pvalue)


# ------------------------------------------------------------ the kinds and their laws


def _fit_normal(x: FloatArray) -> dict[str, float]:
    from scipy import stats

    loc, scale = stats.norm.fit(x)
    return {"mean": float(loc), "sd": float(scale)}


def _fit_lognormal(x: FloatArray) -> dict[str, float]:
    from scipy import stats

    s, _, scale = stats.lognorm.fit(x, floc=0)
    return {"mu": float(math.log(scale)), "sigma": float(s)}


def _fit_gamma(x: FloatArray) -> dict[str, float]:
    from scipy import stats

    a, _, scale = stats.gamma.fit(x, floc=0)
    return {"shape": float(a), "scale": float(scale)}


def _fit_uniform(x: FloatArray) -> dict[str, float]:
    from scipy import stats

    loc, scale = stats.uniform.fit(x)
    return {"low": float(loc), "high": float(loc + scale)}


def _fit_beta(x: FloatArray) -> dict[str, float]:
    from scipy import stats

    a, b, _, _ = stats.beta.fit(x, floc=0, fscale=1)
    return {"a": float(a), "b": float(b)}


def _fit_triangular(x: FloatArray) -> dict[str, float]:
    low, mode, high = triangular_mle(x)
    return {"low": low, "mode": mode, "high": high}


def _fit_pert(x: FloatArray) -> dict[str, float]:
    low, mode, high = pert_mle(x)
    return {"low": low, "mode": mode, "high": high}


def _scipy_family(name: str, **known: float) -> Callable[[], tuple[Any, dict[str, float]]]:
    def get() -> tuple[Any, dict[str, float]]:
        from scipy import stats

        return getattr(stats, name), dict(known)

    return get


_FAMILIES = {
    f.kind: f
    for f in (
        _Family("normal", 2, _fit_normal, _scipy_family("norm")),
        _Family("lognormal", 2, _fit_lognormal, _scipy_family("lognorm", loc=0.0), positive=True),
        _Family("gamma", 2, _fit_gamma, _scipy_family("gamma", loc=0.0), positive=True),
        _Family("uniform", 2, _fit_uniform, _scipy_family("uniform")),
        _Family("triangular", 3, _fit_triangular, gof_triangular),
        _Family("pert", 3, _fit_pert, gof_pert),
        _Family(
            "beta",
            2,
            _fit_beta,
            _scipy_family("beta", loc=0.0, scale=1.0),
            unit_interval=True,
        ),
    )
}


# ------------------------------------------------------------------ the TOML line
