"""Contingency: what a budget (or a schedule) must hold above the plan for a confidence.

For a confidence ``q`` the contingency is ``Q_q(actual) − E[planned]``: funded to the
plan plus this reserve, the project's actual cost (or duration) stays within it with
probability ``q``. It is reported at :data:`LEVELS`, absolute and as a percentage of the
plan, for the implementation cost and for the schedule.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

LEVELS = (0.50, 0.80, 0.90, 0.95)
"""Confidence levels of every contingency table."""

MEASURES = {
    "cost": ("planned_cost", "actual_cost"),
    "schedule": ("planned_months", "actual_months"),
}
"""Each contingency's plan column and actual column."""


@dataclass(frozen=True)
class Reserve:
    """The reserve for one confidence level."""

    level: float
    value: float
    contingency: float
    percent_of_plan: float

    def to_dict(self) -> dict[str, float]:
        """``{"level", "value", "contingency", "percent_of_plan"}``."""
        return {
            "level": self.level,
            "value": self.value,
            "contingency": self.contingency,
            "percent_of_plan": self.percent_of_plan,
        }


@dataclass(frozen=True)
class Contingency:
    """The plan (its mean over the trials) and the reserve at each level."""

    plan: float
    levels: tuple[Reserve, ...]

    @classmethod
    def of(cls, plan: float, quantiles: dict[float, float]) -> Contingency:
        """From the plan's mean and the actual values' quantiles at each level."""
        reserves = tuple(
            Reserve(q, v, v - plan, 100.0 * (v - plan) / plan if plan else float("nan"))
            for q, v in sorted(quantiles.items())
        )
        return cls(plan, reserves)

    def at(self, level: float) -> Reserve:
        """The reserve at ``level``."""
        return next(r for r in self.levels if abs(r.level - level) < 1e-12)

    def to_dict(self) -> dict[str, Any]:
        """``{"plan", "levels": [...]}``."""
        return {"plan": self.plan, "levels": [r.to_dict() for r in self.levels]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Contingency:
        """Read the JSON form back."""
        levels = tuple(
            Reserve(
                float(r["level"]),
                float(r["value"]),
                float(r["contingency"]),
                float(r["percent_of_plan"]),
            )
            for r in data["levels"]
        )
        return cls(float(data["plan"]), levels)
