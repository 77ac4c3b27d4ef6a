"""Execute: the base schedule, correlated with the cost shock (docs/model.md §2)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from simcrm.model.costs import log_factor, log_params
from simcrm.model.design import normal_scores
from simcrm.model.parameters import Parameters
from simcrm.scenario.delivery import is_percentile_factor

FloatArray = npt.NDArray[np.float64]


def draw_base_months(
    params: Parameters,
    rng: np.random.Generator,
    planned_months: FloatArray,
    quality: FloatArray,
    shock: FloatArray,
    tail: FloatArray,
) -> FloatArray:
    """Execution months before scope creep, ``T0 · F_sched``, from the SCHEDULE stream.

    ``ln F_sched = mu + sigma (1 − s q) (rho_s Z + sqrt(1 − rho_s²) ε)`` with the cost
    shock ``Z``; a tail project's schedule also takes ``tail ** tail_schedule_exponent``
    (black swans overrun schedule less than cost: Flyvbjerg & Budzier 2011). An override
    of ``execution.schedule`` replaces ``F_sched`` after planning's narrowing and before
    the tail (the value ``in_execution_schedule`` reports).
    """
    given = params.scenario.execution.schedule
    rho = params.value("execution.schedule_rho")
    own = rng.standard_normal(len(planned_months))
    if params.design:  # a sampling design's score
        own = normal_scores(params.design, "execution.schedule", own)
    z = rho * shock + np.sqrt(1.0 - np.square(rho)) * own
    z = params.scores.get("execution.schedule", z)  # correlated by [correlations]
    spread = 1.0 - params.value("plan.spread_planning_effect") * quality
    if is_percentile_factor(given):
        mu, sigma = log_params(
            params.value("execution.schedule.p50"), params.value("execution.schedule.p90")
        )
        factor = np.exp(mu + sigma * spread * z)
    else:
        factor = np.exp(log_factor(given, z, spread))
    held = params.overrides.get("execution.schedule")
    if held is not None:  # held per trial (sensitivity analyses): the factor before the tail
        factor = np.array(np.broadcast_to(held, factor.shape), dtype=np.float64)
    if params.sampled is not None:  # a copy: the tail below multiplies ``factor`` in place
        params.note("execution.schedule", factor.copy())
    in_tail = np.flatnonzero(tail != 1.0)  # 1 ** e = 1: the power only where it acts
    exponent = np.broadcast_to(params.value("execution.tail_schedule_exponent"), tail.size)
    factor[in_tail] *= tail[in_tail] ** exponent[in_tail]
    return planned_months * factor
