"""Shared factors: projects' outcomes moved together by a Gaussian copula on their ranks.

Each project is simulated on its own (its trials are exactly a run of its scenario). The
shared factors then decide *which* of its trials goes with which portfolio trial. In
portfolio trial ``t``, project ``j`` has the latent score

    S_jt = Σ_f l_jf F_ft + sqrt(1 − Σ_f l_jf²) ε_jt        (F, ε independent N(0, 1))

for the factors of one kind (``cost`` or ``benefits``), and the project trial placed at
``t`` is the one whose key — its implementation cost, or the present value of its
benefits — has the rank among the project's trials that ``S_jt`` has among the scores:
the method of Iman and Conover (1982) with a one-factor normal copula. Each project's
own joint distribution (cost, schedule, NPV, verdicts of one trial) is untouched; only
the pairing changes, so every project's marginal is exactly its scenario's. With
loading 1 on one factor the projects' costs are comonotone (their quantiles add up);
with loading 0 they are independent.

A project loaded on both kinds is placed in two steps (written here, as no library
couples on two keys while keeping each trial whole): its trials are cut into
``round(√n)`` strata by cost rank, the portfolio trials into strata of the same sizes by
the cost score, and within each stratum trials are matched on the benefits key and
score. Cost is then coupled at the resolution of a stratum.

Only factors loaded by at least two projects can move anything jointly; a project
loaded on none of them keeps its trials in their order, so a one-project portfolio is
exactly its scenario's run.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
KINDS = ("cost", "benefits")


def active_loadings(loadings: FloatArray) -> FloatArray:
    """The loadings with every factor that fewer than two projects load on set to 0."""
    shared = np.count_nonzero(loadings, axis=0) >= 2
    return loadings * shared


def latent_scores(
    loadings: FloatArray, kinds: Sequence[str], rng: np.random.Generator, n: int
) -> dict[str, FloatArray]:
    """The latent scores of each kind, projects × trials.

    The draws are made in a fixed order whatever is loaded: the factors (factor × trial),
    then the projects' own noise (kind × project × trial).
    """
    factors = rng.standard_normal((len(kinds), n))
    own = rng.standard_normal((len(KINDS), loadings.shape[0], n))
    scores: dict[str, FloatArray] = {}
    for k, kind in enumerate(KINDS):
        mine = loadings * np.array([f == kind for f in kinds])
        rest = np.sqrt(np.clip(1.0 - (mine**2).sum(axis=1), 0.0, 1.0))
        scores[kind] = mine @ factors + rest[:, None] * own[k]
    return scores


def pairing(keys: dict[str, FloatArray], scores: dict[str, FloatArray]) -> IntArray:
    """The project trial placed at each portfolio trial: ``keys[kind][pairing]`` has the
    ranks of ``scores[kind]`` (one kind), or follows them by strata (two kinds).

    Parameters
    ----------
    keys
        The project's key of each kind it is loaded on (cost, benefits), by trial.
    scores
        Its latent score of the same kinds, by portfolio trial.
    """
    n = next(iter(keys.values())).size
    placed = np.empty(n, dtype=np.int64)
    if len(keys) == 1:
        (kind,) = keys
        placed[np.argsort(scores[kind], kind="stable")] = np.argsort(keys[kind], kind="stable")
        return placed
    strata = max(1, round(np.sqrt(n)))
    trial_stratum = _ranks(keys["cost"]) * strata // n
    score_stratum = _ranks(scores["cost"]) * strata // n
    by_trial = np.lexsort((keys["benefits"], trial_stratum))
    by_score = np.lexsort((scores["benefits"], score_stratum))
    placed[by_score] = by_trial
    return placed


def _ranks(values: FloatArray) -> IntArray:
    """Rank of each value from 0 (ties in order of position)."""
    ranks = np.empty(values.size, dtype=np.int64)
    ranks[np.argsort(values, kind="stable")] = np.arange(values.size)
    return ranks
