"""Statistics of simulated surveys: the reported rate, its variance split, posteriors.

Notation: world ``r`` has true failure probability ``p_r``; its survey of ``n``
projects reports ``X_r = k_r / n`` with ``k_r | p_r ~ Binomial(n, p_r)``.

Variance split (law of total variance), ``Var X = Var p + E[p(1 − p)]/n``, estimated
from the ``R`` surveys alone:

- total ``T = Σ (X_r − X̄)² / (R − 1)``, unbiased for ``Var X`` (worlds are i.i.d.);
- aleatory ``A = mean_r k_r (n − k_r) / (n² (n − 1))``, unbiased for ``E[p(1 − p)]/n``
  because ``E[k(n − k) | p] = n (n − 1) p (1 − p)``;
- epistemic ``E = T − A``, hence unbiased for ``Var p`` and ``E + A = T`` exactly.
  ``E`` can come out slightly negative when ``Var p`` is near zero.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import stats

from simcrm.stats.intervals import wilson_interval

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

QUANTILES = (0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95)


def _key(q: float) -> str:
    return f"p{round(100 * q)}"


def variance_split(k: npt.ArrayLike, n: int) -> dict[str, float]:
    """Split the variance of the reported rate ``k/n`` into epistemic and aleatory parts.

    Parameters
    ----------
    k
        Failures in each world's survey (``R ≥ 2`` worlds).
    n
        Projects per survey (``n ≥ 2``).

    Returns
    -------
    dict
        ``total``, ``epistemic``, ``aleatory`` (``epistemic + aleatory == total``),
        ``epistemic_share`` and ``epistemic_se`` (a delta-method standard error from the
        spread of the per-world terms).
    """
    counts = np.asarray(k, dtype=np.float64)
    r = counts.size
    x = counts / n
    total = float(x.var(ddof=1))
    within = counts * (n - counts) / (n * n * (n - 1.0))
    aleatory = float(within.mean())
    epistemic = total - aleatory
    terms = (x - x.mean()) ** 2 * r / (r - 1.0) - within
    share = epistemic / total if total > 0 else float("nan")
    return {
        "total": total,
        "epistemic": epistemic,
        "aleatory": aleatory,
        "epistemic_share": share,
        "epistemic_se": float(terms.std(ddof=1) / np.sqrt(r)),
    }


def describe(values: npt.ArrayLike, weights: npt.ArrayLike | None = None) -> dict[str, float]:
    """Mean and the 5/10/25/50/75/90/95th percentiles (weighted if ``weights``)."""
    x = np.asarray(values, dtype=np.float64)
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=np.float64)
    w = w / w.sum()
    out = {"mean": float(np.dot(w, x))}
    return out | dict(zip(map(_key, QUANTILES), weighted_quantiles(x, w, QUANTILES), strict=True))


def weighted_quantiles(x: npt.ArrayLike, w: npt.ArrayLike, qs: tuple[float, ...]) -> list[float]:
    """Quantiles of a weighted sample (the inverse of its step CDF, midpoint rule)."""
    values = np.asarray(x, dtype=np.float64)
    weights = np.asarray(w, dtype=np.float64)
    order = np.argsort(values, kind="stable")
    values, weights = values[order], weights[order] / weights.sum()
    mid = np.cumsum(weights) - weights / 2
    return [float(v) for v in np.interp(qs, mid, values)]


def reported_rate(k: npt.ArrayLike, n: int, claim: float) -> dict[str, Any]:
    """Distribution of the reported failure rate ``k/n`` over the worlds.

    Returns
    -------
    dict
        ``mean``, ``sd``, percentiles, ``at_least_claim`` (the share of surveys reporting
        at least ``claim``, with the 95% Wilson interval of that Monte Carlo estimate),
        ``variance`` (:func:`variance_split`) and ``histogram`` (surveys by ``k``).
    """
    counts = np.asarray(k, dtype=np.int64)
    x = counts / n
    hits = int(np.count_nonzero(counts >= np.ceil(claim * n - 1e-9)))
    return {
        **describe(x),
        "sd": float(x.std(ddof=1)),
        "at_least_claim": {
            "p": hits / counts.size,
            "ci95": list(wilson_interval(hits, counts.size)),
        },
        "variance": variance_split(counts, n),
        "histogram": np.bincount(counts, minlength=n + 1).tolist(),
    }


def posterior_true_rate(
    prior: npt.ArrayLike, observed: int, trials: int, level: float = 0.90
) -> dict[str, Any]:
    """Posterior of a true failure rate after observing ``observed`` of ``trials`` fail.

    The prior is a sample of rates (here: the worlds' failure probabilities); each
    draw is weighted by its binomial likelihood ``C(N, K) p^K (1 − p)^(N − K)``.

    Returns
    -------
    dict
        ``prior`` and ``posterior`` (mean, percentiles, ``interval`` at ``level``),
        ``effective_sample_size`` of the weights (Kish), and ``weights`` (sum 1).
    """
    p = np.asarray(prior, dtype=np.float64)
    log_w = stats.binom.logpmf(observed, trials, p)
    if not np.isfinite(log_w).any():
        return {"prior": _summary(p, None, level), "posterior": None, "effective_sample_size": 0}
    w = np.exp(log_w - log_w.max())
    w /= w.sum()
    return {
        "prior": _summary(p, None, level),
        "posterior": _summary(p, w, level),
        "effective_sample_size": float(1.0 / np.sum(w * w)),
        "weights": w,
    }


def _summary(x: FloatArray, w: FloatArray | None, level: float) -> dict[str, Any]:
    weights = np.ones_like(x) if w is None else w
    tails = ((1 - level) / 2, (1 + level) / 2)
    return describe(x, weights) | {"interval": weighted_quantiles(x, weights, tails)}


def abc_posterior(
    worlds: Mapping[str, FloatArray],
    reported: npt.ArrayLike,
    cohort: int,
    observed: int,
    trials: int,
    tolerance: float,
) -> dict[str, Any]:
    """Approximate-Bayesian rejection: keep worlds whose survey matches the observation.

    A world is accepted when ``|k_r/n − K/N| ≤ tolerance/N``: its simulated survey
    rate is within ``tolerance`` projects (on the observed survey's scale) of ``K/N``.

    Returns
    -------
    dict
        ``accepted``, ``acceptance_rate``, and per epistemic parameter its prior and
        posterior (accepted worlds) mean and 5/50/95th percentiles.
    """
    rate = np.asarray(reported, dtype=np.float64) / cohort
    keep = np.abs(rate - observed / trials) <= tolerance / trials + 1e-12
    accepted = int(keep.sum())
    params: dict[str, Any] = {}
    for path, values in worlds.items():
        prior = _short(describe(values))
        params[path] = {
            "prior": prior,
            "posterior": _short(describe(values[keep])) if accepted else None,
        }
    return {
        "tolerance": tolerance,
        "accepted": accepted,
        "acceptance_rate": accepted / rate.size,
        "parameters": params,
        "accepted_worlds": keep,
    }


def _short(d: dict[str, float]) -> dict[str, float]:
    return {k: d[k] for k in ("mean", "p5", "p50", "p95")}
