"""Execute: the base schedule, correlated with the cost shock (MODEL.md §2)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from simcrm.model.costs import log_params
from simcrm.scenario import Scenario

FloatArray = npt.NDArray[np.float64]


def draw_base_months(
    scenario: Scenario,
    rng: np.random.Generator,
    planned_months: FloatArray,
    quality: FloatArray,
    shock: FloatArray,
    tail: FloatArray,
) -> FloatArray:
    """Execution months before scope creep, ``T0 · F_sched``, from the SCHEDULE stream.

    ``ln F_sched = mu + sigma (1 − s q) (rho_s Z + sqrt(1 − rho_s²) ε)`` with the cost
    shock ``Z``; a tail project's schedule also takes ``tail ** tail_schedule_exponent``
    (black swans overrun schedule less than cost: Flyvbjerg & Budzier 2011).
    """
    ex = scenario.execution
    mu, sigma = log_params(ex.schedule)
    own = rng.standard_normal(planned_months.shape[0])
    z = ex.schedule_rho * shock + np.sqrt(1.0 - ex.schedule_rho**2) * own
    spread = 1.0 - scenario.plan.spread_planning_effect * quality
    factor = np.exp(mu + sigma * spread * z) * tail**ex.tail_schedule_exponent
    return planned_months * factor
