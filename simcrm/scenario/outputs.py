"""Per-trial output columns (docs/model.md §7, *contract*: names and meaning)."""

from __future__ import annotations

import numpy as np

OUTPUT_COLUMNS: dict[str, type[np.generic]] = {
    "trial": np.int64,
    "planned_cost": np.float64,
    "actual_cost": np.float64,
    "cost_overrun": np.float64,
    "planned_months": np.float64,
    "actual_months": np.float64,
    "schedule_overrun": np.float64,
    "change_requests": np.int64,
    "scope_growth": np.float64,
    "omitted_cost": np.float64,
    "adoption_12m": np.float64,
    "adoption_final": np.float64,
    "improvements": np.int64,
    "improvement_cost": np.float64,
    "rescued": np.bool_,
    "abandoned": np.bool_,
    "abandon_month": np.float64,
    "pv_costs": np.float64,
    "pv_benefits": np.float64,
    "npv": np.float64,
    "roi": np.float64,
    "payback_month": np.float64,
    "intangible_score": np.float64,
    "payback_from_go_live": np.float64,
}
"""Every output column with its dtype, in the order they are written."""

OUTPUT_DESCRIPTIONS: dict[str, str] = {
    "trial": "trial number within the run, from 0",
    "planned_cost": "implementation budget in the plan (omitted items at 0)",
    "actual_cost": "implementation cost paid, omitted items and scope creep included",
    "cost_overrun": "actual_cost / planned_cost - 1",
    "planned_months": "planned duration of execution T0",
    "actual_months": "months of execution (cut at the cap if abandoned)",
    "schedule_overrun": "actual_months / planned_months - 1",
    "change_requests": "change requests that arrived during execution",
    "scope_growth": "sum of the approved scope fractions e",
    "omitted_cost": "actual cost of the items left out of the plan",
    "adoption_12m": (
        "active share of users 12 months after go-live "
        "(NaN past the horizon, 0 if cut in execution)"
    ),
    "adoption_final": "active share of users at the horizon (0 if abandoned)",
    "improvements": "improvement rounds paid for",
    "improvement_cost": "cost of all improvement rounds, undiscounted",
    "rescued": "a rescue was attempted and succeeded",
    "abandoned": "the project was abandoned (cut in execution, or at a review)",
    "abandon_month": (
        "month of abandonment from project start (the cap if cut in execution; NaN if never)"
    ),
    "pv_costs": "present value of every cost: implementation, running, improvement, rescue",
    "pv_benefits": "present value of the benefits (and of the priced intangible score)",
    "npv": "pv_benefits - pv_costs",
    "roi": "npv / pv_costs",
    "payback_month": (
        "first month, counted from project start, in which cumulative undiscounted cash is "
        ">= 0 (NaN if never)"
    ),
    "intangible_score": "intangible points earned: intangible_points × the horizon's mean use",
    "payback_from_go_live": (
        "the same month counted from go-live: payback_month minus the go-live month "
        "(1: in the first month of operation; NaN if never)"
    ),
}
"""What each output column means (units: money in the scenario's currency, time in months)."""

BOOLEAN_OUTPUTS: frozenset[str] = frozenset(
    name for name, dtype in OUTPUT_COLUMNS.items() if dtype is np.bool_
)

FAIL_PREFIX = "fail_"
"""Criterion ``name`` is written as the boolean column ``fail_<name>``."""

RISK_PREFIX = "risk_"
"""Risk ``name`` of the register gives the boolean column ``risk_<name>`` (it occurred)."""

RISK_COST_PREFIX = "cost_risk_"
"""… and the column ``cost_risk_<name>``: the cost it added in the trial (docs/model.md §7)."""
