"""Per-trial output columns (MODEL.md §7, *contract*: names and meaning)."""

from __future__ import annotations

import numpy as np

OUTPUT_COLUMNS: dict[str, type[np.generic]] = {
    "trial": np.int64,
    "planned_cost": np.float64,  # implementation budget in the plan (omitted items at 0)
    "actual_cost": np.float64,  # implementation cost paid, omitted items and scope creep in
    "cost_overrun": np.float64,  # actual_cost / planned_cost - 1
    "planned_months": np.float64,  # T0
    "actual_months": np.float64,  # months of execution (cut at the cap if abandoned)
    "schedule_overrun": np.float64,  # actual_months / planned_months - 1
    "change_requests": np.int64,  # change requests that arrived during execution
    "scope_growth": np.float64,  # sum of approved scope fractions e
    "omitted_cost": np.float64,  # actual cost of the items left out of the plan
    "adoption_12m": np.float64,  # active share 12 months after go-live (NaN past the horizon, 0 if cut in execution)
    "adoption_final": np.float64,  # active share at the horizon (0 if abandoned)
    "improvements": np.int64,  # improvement rounds paid for
    "improvement_cost": np.float64,  # undiscounted, all rounds
    "rescued": np.bool_,  # a rescue was attempted and succeeded
    "abandoned": np.bool_,
    "abandon_month": np.float64,  # month from project start (the cap if cut in execution; NaN if never)
    "pv_costs": np.float64,
    "pv_benefits": np.float64,
    "npv": np.float64,
    "roi": np.float64,  # npv / pv_costs
    "payback_month": np.float64,  # first month cumulative cash >= 0 (NaN if never)
    "intangible_score": np.float64,
}
"""Every output column with its dtype, in the order they are written."""

BOOLEAN_OUTPUTS: frozenset[str] = frozenset(
    name for name, dtype in OUTPUT_COLUMNS.items() if dtype is np.bool_
)

FAIL_PREFIX = "fail_"
"""Criterion ``name`` is written as the boolean column ``fail_<name>``."""
