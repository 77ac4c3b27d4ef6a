"""The outcome of a fit: the data's summary, the ranked candidates, and the TOML line to paste."""

from __future__ import annotations

import functools
import json
import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from simcrm.errors import SimcrmError

if TYPE_CHECKING:
    import pandas as pd

    from simcrm.distributions import Distribution

FloatArray = npt.NDArray[np.float64]

SIGNIFICANT_DIGITS = 4
"""Significant digits of the parameters in the TOML line (more where needed)."""
FAITHFUL = 1e-3
"""Largest move of the rounded line's 5%, 50% and 95% quantiles, as a share of the
fitted law's 90% width (``q95 − q5``), before more digits are kept."""


_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$")
"""A TOML bare key, or a dotted one (``components.integration.overrun``)."""


@dataclass(frozen=True)
class DataSummary:
    """The data fitted: size, range, centre and spread (``sd`` with ``ddof=1``)."""

    n: int
    min: float
    median: float
    max: float
    mean: float
    sd: float

    @classmethod
    def of(cls, data: FloatArray) -> DataSummary:
        """Summarise an array of at least two values."""
        return cls(
            n=int(data.size),
            min=float(data.min()),
            median=float(np.median(data)),
            max=float(data.max()),
            mean=float(data.mean()),
            sd=float(data.std(ddof=1)),
        )


@dataclass(frozen=True)
class Candidate:
    """One kind fitted by maximum likelihood, and how well it fits.

    Attributes
    ----------
    kind
        The simcrm distribution kind.
    params
        The fitted parameters under simcrm's TOML keys (full precision).
    n_params
        Parameters fitted (``k`` of AIC and BIC).
    loglik, aic, bic
        Maximised log-likelihood, ``2k - 2 loglik`` and ``k ln n - 2 loglik``.
    ks, ks_pvalue, ad, ad_pvalue
        Kolmogorov–Smirnov and Anderson–Darling statistics and their Monte Carlo
        p-values (NaN where undefined; see ``note``).
    note
        Why a statistic is missing, if one is.
    """

    kind: str
    params: Mapping[str, float]
    n_params: int
    loglik: float
    aic: float
    bic: float
    ks: float
    ks_pvalue: float
    ad: float
    ad_pvalue: float
    note: str = ""

    def law(self) -> Any:
        """The fitted law as a frozen ``scipy.stats`` distribution (full precision)."""
        return scipy_law(self.kind, self.params)

    def median(self) -> float:
        """Median of the fitted law."""
        return float(self.law().median())

    def table(self, digits: int = SIGNIFICANT_DIGITS) -> dict[str, Any]:
        """The distribution table for a scenario: ``kind`` and the parameters, rounded.

        Parameters are rounded to ``digits`` significant digits: the ends of an interval
        outwards (``low`` down, ``high`` up, so the data stay inside), the others to
        nearest. More digits are kept where that would not describe the fit: an invalid
        table (ends that meet), or quantiles (5%, 50%, 95%) that move by more than
        :data:`FAITHFUL` of the fitted law's 90% width (a spread tiny beside the values).
        """
        law = self.law()
        levels = np.array([0.05, 0.5, 0.95])
        fitted = np.asarray(law.ppf(levels), dtype=np.float64)
        tolerance = FAITHFUL * float(fitted[2] - fitted[0])
        for d in range(digits, 18):
            table = {"kind": self.kind, **_rounded(self.params, d)}
            try:
                rounded = _adapter().validate_python(table)
            except ValueError:
                continue
            if d == 17 or np.max(np.abs(rounded.ppf(levels) - fitted)) <= tolerance:
                return table
        raise SimcrmError(f"{self.kind} fit {dict(self.params)} is not a valid distribution")

    def toml_line(self, key: str, digits: int = SIGNIFICANT_DIGITS) -> str:
        """``key = { kind = "...", ... }``: the line to paste into a scenario.

        The line is checked by parsing it as TOML and loading the table with simcrm's
        distribution models.
        """
        table = self.table(digits)
        body = ", ".join(f"{k} = {_toml_value(v)}" for k, v in table.items())
        line = f"{_toml_key(key)} = {{ {body} }}"
        parsed: Any = tomllib.loads(line)
        for part in key.split(".") if _BARE_KEY.match(key) else [key]:
            parsed = parsed[part]
        if parsed != table:
            raise SimcrmError(f"the TOML line {line!r} does not read back as {table!r}")
        _adapter().validate_python(parsed)
        return line

    def distribution(self, digits: int = SIGNIFICANT_DIGITS) -> Distribution:
        """The rounded table (:meth:`table`) loaded as a simcrm distribution."""
        return _adapter().validate_python(self.table(digits))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (parameters at full precision, and the rounded table)."""
        return {
            "kind": self.kind,
            "params": dict(self.params),
            "table": self.table(),
            "n_params": self.n_params,
            "loglik": self.loglik,
            "aic": self.aic,
            "bic": self.bic,
            "ks": self.ks,
            "ks_pvalue": self.ks_pvalue,
            "ad": self.ad,
            "ad_pvalue": self.ad_pvalue,
            "median": self.median(),
            "note": self.note,
        }


@dataclass(frozen=True)
class FitResult:
    """Candidates fitted to one column of data, best (lowest AIC) first.

    Attributes
    ----------
    source, column
        Where the data came from (file name and column; free text for arrays).
    summary
        Size, range, centre and spread of the data.
    candidates
        The fitted kinds, ranked by AIC.
    skipped
        Kinds asked for but not fitted, and why (support, or a failed fit).
    n_mc_samples, seed
        Monte Carlo samples of each goodness-of-fit test and the seed they come from.
    gof_n
        Values the goodness-of-fit tests ran on (all, or a subsample of
        :data:`GOF_MAX_N`).
    seconds
        Wall time of the fits and tests.
    data
        The values fitted.
    """

    source: str
    column: str
    summary: DataSummary
    candidates: tuple[Candidate, ...]
    skipped: Mapping[str, str]
    n_mc_samples: int
    seed: int
    gof_n: int
    seconds: float
    data: FloatArray = field(repr=False, compare=False)

    @property
    def best(self) -> Candidate:
        """The candidate of lowest AIC."""
        return self.candidates[0]

    def delta_aic(self) -> list[float]:
        """AIC of each candidate minus the best's (0 for the best)."""
        return [c.aic - self.best.aic for c in self.candidates]

    def aic_weights(self) -> list[float]:
        """Akaike weights: ``exp(-ΔAIC/2)``, normalised over the candidates."""
        w = np.exp(-0.5 * np.asarray(self.delta_aic()))
        return [float(x) for x in w / w.sum()]

    def toml_line(self, key: str, kind: str | None = None) -> str:
        """The TOML line of the best candidate (or of ``kind``) under ``key``."""
        chosen = self.best if kind is None else self.candidate(kind)
        return chosen.toml_line(key)

    def candidate(self, kind: str) -> Candidate:
        """The candidate of one kind (KeyError if it was not fitted)."""
        for c in self.candidates:
            if c.kind == kind:
                return c
        raise KeyError(kind)

    def gof(self) -> dict[str, Any]:
        """How the p-values were computed."""
        return {
            "method": "scipy.stats.goodness_of_fit (parametric bootstrap: the free "
            "parameters are refitted on every Monte Carlo sample)",
            "statistics": {"ks": "Kolmogorov-Smirnov", "ad": "Anderson-Darling"},
            "n_mc_samples": self.n_mc_samples,
            "seed": self.seed,
            "n_tested": self.gof_n,
            "subsample": self.gof_n < self.summary.n,
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per candidate, best first: ``rank``, ``kind``, ``params`` (the rounded
        TOML table's parameters as text), ``k``, ``loglik``, ``aic``, ``delta_aic``,
        ``aic_weight``, ``bic``, ``ks``, ``ks_pvalue``, ``ad``, ``ad_pvalue``,
        ``median``, ``note``."""
        import pandas as pd

        rows = []
        for i, (c, d, w) in enumerate(
            zip(self.candidates, self.delta_aic(), self.aic_weights(), strict=True)
        ):
            shown = {k: v for k, v in c.table().items() if k != "kind"}
            rows.append(
                {
                    "rank": i + 1,
                    "kind": c.kind,
                    "params": ", ".join(f"{k}={v:g}" for k, v in shown.items()),
                    "k": c.n_params,
                    "loglik": c.loglik,
                    "aic": c.aic,
                    "delta_aic": d,
                    "aic_weight": w,
                    "bic": c.bic,
                    "ks": c.ks,
                    "ks_pvalue": c.ks_pvalue,
                    "ad": c.ad,
                    "ad_pvalue": c.ad_pvalue,
                    "median": c.median(),
                    "note": c.note,
                }
            )
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the data themselves left out)."""
        candidates = []
        for c, d, w in zip(self.candidates, self.delta_aic(), self.aic_weights(), strict=True):
            candidates.append(c.to_dict() | {"delta_aic": d, "aic_weight": w})
        return {
            "source": self.source,
            "column": self.column,
            "data": self.summary.__dict__.copy(),
            "ranked_by": "aic",
            "best": self.best.kind,
            "candidates": candidates,
            "skipped": dict(self.skipped),
            "goodness_of_fit": self.gof(),
            "seconds": self.seconds,
        }


# ---------------------------------------------------------------------------- fitting


@functools.cache
def _adapter() -> Any:
    """A pydantic TypeAdapter of simcrm's ``Distribution`` union."""
    from pydantic import TypeAdapter

    from simcrm.distributions import Distribution

    return TypeAdapter(Distribution)


def _round(x: float, digits: int, rounding: str) -> float:
    """``x`` to ``digits`` significant digits (``ROUND_FLOOR``, ``ROUND_CEILING`` or
    ``ROUND_HALF_EVEN``), computed in decimal so the result prints as it reads."""
    if x == 0 or not math.isfinite(x):
        return x
    d = Decimal(repr(x))
    exponent = d.adjusted() - digits + 1
    return float(d.quantize(Decimal(1).scaleb(exponent), rounding=rounding))


def _rounded(params: Mapping[str, float], digits: int) -> dict[str, float]:
    """Parameters to ``digits`` significant digits: ``low`` down, ``high`` up, the
    others to nearest, and a ``mode`` kept between the ends."""
    out = {
        k: _round(
            v,
            digits,
            ROUND_FLOOR if k == "low" else ROUND_CEILING if k == "high" else ROUND_HALF_EVEN,
        )
        for k, v in params.items()
    }
    if "mode" in out:
        out["mode"] = min(max(out["mode"], out["low"]), out["high"])
    return out


def _toml_value(v: Any) -> str:
    """A TOML value: strings quoted, numbers as floats (``1.0``, ``2.5e-05``)."""
    if isinstance(v, str):
        return json.dumps(v)
    return repr(float(v))


def _toml_key(key: str) -> str:
    """A bare (or dotted bare) key as it is, anything else quoted."""
    return key if _BARE_KEY.match(key) else json.dumps(key)


def is_bare_key(key: str) -> bool:
    """Whether ``key`` is a TOML bare key or a dotted one (``a.b.c``)."""
    return bool(_BARE_KEY.match(key))


def scipy_law(kind: str, p: Mapping[str, float]) -> Any:
    """The frozen ``scipy.stats`` law of simcrm parameters ``p`` of ``kind``."""
    from scipy import stats

    if kind == "normal":
        return stats.norm(p["mean"], p["sd"])
    if kind == "lognormal":
        return stats.lognorm(p["sigma"], 0.0, math.exp(p["mu"]))
    if kind == "gamma":
        return stats.gamma(p["shape"], 0.0, p["scale"])
    if kind == "uniform":
        return stats.uniform(p["low"], p["high"] - p["low"])
    if kind == "triangular":
        w = p["high"] - p["low"]
        return stats.triang((p["mode"] - p["low"]) / w, p["low"], w)
    if kind == "pert":
        w = p["high"] - p["low"]
        a, b = 1 + 4 * (p["mode"] - p["low"]) / w, 1 + 4 * (p["high"] - p["mode"]) / w
        return stats.beta(a, b, p["low"], w)
    if kind == "beta":
        return stats.beta(p["a"], p["b"], p.get("low", 0.0), p.get("high", 1.0) - p.get("low", 0.0))
    raise KeyError(kind)
