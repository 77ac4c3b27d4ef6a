"""Execute: scope creep as an exact branching process (docs/model.md §2, *contract*).

Change requests arrive as a Poisson process of rate ``λ`` while execution runs; each is
approved with probability ``p_approve`` and then adds a scope fraction ``e``: cost
``e·B`` and ``e·T0`` months of execution, during which more requests arrive.

Simulated generation by generation, and exactly: the execution time line ``[0, end)``
is tiled by the generations' windows — generation 0 is the base schedule ``[0, D)``,
generation ``g + 1`` the months that generation ``g``'s approved requests added,
``[end_g, end_g + T0·S_g)``. Poisson arrivals on disjoint windows are independent, so
counting each window's arrivals is the same process as a clock-driven one (the simpy
reference model). If a window crosses the cap ``max_execution_months``, only its part
before the cap is exposed and the project is abandoned at the cap.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from simcrm.distributions import Distribution
from simcrm.errors import SimcrmError
from simcrm.model.parameters import Parameters

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

MAX_GENERATIONS = 100_000

PIECE = 1 << 20
"""Most scope fractions drawn at once: a generation with more approved requests draws
them in pieces (in the same order), so its memory stays bounded (~25 MB)."""


@dataclass(frozen=True)
class ScopeResult:
    """Scope creep of each trial.

    Attributes
    ----------
    change_requests
        Requests that arrived during execution (before the cap).
    scope_growth
        Sum of the approved scope fractions ``e``.
    end_months
        Where execution ends, or would end as far as known at the cap:
        ``D + T0 · scope_growth``.
    abandoned
        Execution passed the cap.
    """

    change_requests: IntArray
    scope_growth: FloatArray
    end_months: FloatArray
    abandoned: BoolArray


def request_rate(params: Parameters, quality: FloatArray) -> FloatArray:
    """``λ = λ_discover (1 − k q) + λ_department · departments · (1 − governance)``."""
    department = (
        params.value("scope.department_rate")
        * params.value("scope.departments")
        * (1.0 - params.value("scope.governance"))
    )
    discover = params.value("scope.discovery_rate")
    effect = params.value("scope.discovery_planning_effect")
    return discover * (1.0 - effect * quality) + department


def added_scope(
    rng: np.random.Generator, effect: Distribution, approved: IntArray, piece: int = PIECE
) -> FloatArray:
    """Sum of the scope fractions of each trial's ``approved`` requests, drawn in order
    (trial by trial), at most ``piece`` at a time."""
    total = int(approved.sum())
    some = np.flatnonzero(approved)
    if total <= piece:
        effects = effect.sample(rng, total)
        owners = np.repeat(some, approved[some])
        added: FloatArray = np.bincount(owners, effects, approved.size).astype(
            np.float64, copy=False
        )
        return added
    added = np.zeros(approved.size)
    ends = np.cumsum(approved[some])  # request j belongs to the first trial whose end > j
    for first in range(0, total, piece):
        count = min(piece, total - first)
        owner = some[np.searchsorted(ends, np.arange(first, first + count), side="right")]
        added += np.bincount(owner, weights=effect.sample(rng, count), minlength=approved.size)
    return added


def grow_scope(
    rng: np.random.Generator,
    rate: FloatArray,
    p_approve: float | FloatArray,
    effect: Distribution,
    planned_months: FloatArray,
    base_months: FloatArray,
    cap: float | FloatArray | None,
) -> ScopeResult:
    """Run the branching process of every trial, all trials of a generation at once.

    Parameters
    ----------
    rng
        The SCOPE stream.
    rate
        Request arrival rate ``λ`` per month, per trial.
    p_approve
        Probability a request is approved.
    effect
        Distribution of the scope fraction ``e`` of an approved request.
    planned_months
        ``T0`` per trial (an approved request adds ``e·T0`` months).
    base_months
        Execution months before scope creep ``D`` per trial.
    cap
        ``max_execution_months``, or None for no cap.
    """
    n = len(base_months)
    requests = np.zeros(n, dtype=np.int64)
    growth = np.zeros(n)
    abandoned = np.zeros(n, dtype=np.bool_)
    # the state of the trials still generating requests, compacted as they finish;
    # whole-run settings stay scalars
    idx = np.flatnonzero(rate > 0)
    lam, t0 = rate[idx], planned_months[idx]
    p = p_approve[idx] if isinstance(p_approve, np.ndarray) else float(p_approve)
    lim = cap[idx] if isinstance(cap, np.ndarray) else np.inf if cap is None else float(cap)
    start = np.zeros(idx.size)
    end = base_months[idx]
    req = np.zeros(idx.size, dtype=np.int64)
    grown = np.zeros(idx.size)
    for _ in range(MAX_GENERATIONS):
        if idx.size == 0:
            break
        exposure = end - start if cap is None else np.minimum(end, lim) - start
        arrivals = rng.poisson(lam * exposure)
        approved = rng.binomial(arrivals, p)
        added = added_scope(rng, effect, approved)
        req += arrivals
        grown += added
        requests[idx] = req  # final once a trial stops
        growth[idx] = grown
        going_on = added > 0
        if cap is not None:
            cut = end > lim
            abandoned[idx[cut]] = True
            going_on &= ~cut
        keep = np.flatnonzero(going_on)
        idx, lam, t0, req, grown = idx[keep], lam[keep], t0[keep], req[keep], grown[keep]
        start, end = end[keep], end[keep] + t0 * added[keep]
        if isinstance(p, np.ndarray):
            p = p[keep]
        if isinstance(lim, np.ndarray):
            lim = lim[keep]
    else:
        raise SimcrmError(f"scope creep did not settle within {MAX_GENERATIONS} generations")
    if cap is not None:
        abandoned |= base_months > cap
    return ScopeResult(requests, growth, base_months + planned_months * growth, abandoned)
