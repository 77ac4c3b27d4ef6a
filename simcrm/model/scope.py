"""Execute: scope creep as an exact branching process (MODEL.md §2, *contract*).

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
    limit = np.broadcast_to(np.inf if cap is None else cap, n)
    approve = np.broadcast_to(p_approve, n)
    requests = np.zeros(n, dtype=np.int64)
    growth = np.zeros(n)
    abandoned = np.zeros(n, dtype=np.bool_)
    # the state of the trials still generating requests, compacted as they finish
    idx = np.flatnonzero(rate > 0)
    lam, p, t0, lim = rate[idx], approve[idx], planned_months[idx], limit[idx]
    start = np.zeros(idx.size)
    end = base_months[idx]
    req = np.zeros(idx.size, dtype=np.int64)
    grown = np.zeros(idx.size)
    for _ in range(MAX_GENERATIONS):
        if idx.size == 0:
            break
        arrivals = rng.poisson(lam * (np.minimum(end, lim) - start))
        approved = rng.binomial(arrivals, p)
        effects = effect.sample(rng, int(approved.sum()))
        added = np.bincount(
            np.repeat(np.arange(idx.size), approved), weights=effects, minlength=idx.size
        )
        req += arrivals
        grown += added
        cut = end > lim
        go_on = ~cut & (added > 0)
        done = ~go_on
        requests[idx[done]] = req[done]
        growth[idx[done]] = grown[done]
        abandoned[idx[cut]] = True
        start, end = end[go_on], end[go_on] + t0[go_on] * added[go_on]
        idx, lam, p, t0, lim = idx[go_on], lam[go_on], p[go_on], t0[go_on], lim[go_on]
        req, grown = req[go_on], grown[go_on]
    else:
        raise SimcrmError(f"scope creep did not settle within {MAX_GENERATIONS} generations")
    abandoned |= base_months > limit
    return ScopeResult(requests, growth, base_months + planned_months * growth, abandoned)
