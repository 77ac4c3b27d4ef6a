"""Scenario sections of the plan and its execution (docs/model.md §1–§2): the estimate,
the cost items and their overruns, the schedule, and scope creep."""

from __future__ import annotations

import itertools
import math
from typing import Annotated, Any, Self

from pydantic import BaseModel, Discriminator, Field, Tag, field_validator, model_validator

from simcrm.distributions import Distribution, DistributionOrNumber, Fixed
from simcrm.scenario.costcurve import Complexity, benchmark_curve
from simcrm.scenario.envelope import (
    MAX_FACTOR,
    MAX_MONEY,
    MAX_MONTHS,
    MAX_REQUEST_RATE,
    MIN_CAP_MONTHS,
    MIN_FACTOR,
    MIN_SHARE,
)
from simcrm.scenario.sections import Positive, Probability, Section, unit

FactorNumber = Annotated[float, Field(ge=MIN_FACTOR, le=MAX_FACTOR, allow_inf_nan=False)]
"""A factor's percentile: a millionth to a million times the estimate (its lognormal then
draws at most ~1e80, so every cost stays finite)."""
CurveUsers = Annotated[float, Field(gt=0.0, le=1e9, allow_inf_nan=False)]
CurveCost = Annotated[float, Field(gt=0.0, le=MAX_MONEY, allow_inf_nan=False)]
RequestRate = Annotated[float, Field(ge=0.0, le=MAX_REQUEST_RATE, allow_inf_nan=False)]


class Overrun(Section):
    """A lognormal multiplicative factor given by its median and 90th percentile."""

    p50: FactorNumber = Field(
        default=1.0,
        description="Median of the multiplicative factor (1: as estimated).",
        json_schema_extra=unit("factor"),
    )
    p90: FactorNumber = Field(
        default=1.0,
        description="90th percentile of the factor; at least `p50` (equal: no spread).",
        json_schema_extra=unit("factor"),
    )

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.p90 < self.p50:
            raise ValueError(f"p90 ({self.p90}) must be at least p50 ({self.p50})")
        return self


def _overrun_form(value: Any) -> str:
    """``distribution`` for a table with a ``kind`` (or a distribution model), else
    ``percentiles`` (the lognormal given by ``p50`` and ``p90``)."""
    if isinstance(value, dict):
        return "distribution" if "kind" in value else "percentiles"
    return "percentiles" if isinstance(value, Overrun | type(None)) else "distribution"


Factor = Annotated[
    Annotated[Overrun, Tag("percentiles")] | Annotated[Distribution, Tag("distribution")],
    Discriminator(_overrun_form),
]
"""A multiplicative overrun factor: ``{ p50, p90 }`` (lognormal, the default form) or any
distribution table with a ``kind`` whose values are positive (``{ kind = "pert", low =
0.9, mode = 1.1, high = 2.0 }``). Either way it enters the one-factor copula through its
quantile function, so its correlation with the shared project shock is kept."""


def is_percentile_factor(value: BaseModel) -> bool:
    """Whether a factor is given as ``{ p50, p90 }`` (an :class:`Overrun`)."""
    return isinstance(value, Overrun)


class Plan(Section):
    """The estimate made before the project starts (docs/model.md §1)."""

    users: int = Field(
        ge=1,
        le=10_000_000,
        description="Users of the CRM system; with the cost curve they set the budget "
        "`B = users × cost_per_user(users) × price_level`.",
        json_schema_extra=unit("users"),
    )
    complexity: Complexity = Field(
        default=Complexity.MEDIUM,
        description="Complexity class, which picks the benchmark cost curve: `low` (sales and "
        "marketing, little customisation), `medium`, `high` (sales, marketing and service, "
        "heavy customisation).",
        json_schema_extra=unit(""),
    )
    cost_curve: list[tuple[CurveUsers, CurveCost]] | None = Field(
        default=None,
        max_length=1_000,
        description="Own `[users, cost per user]` points of the cost curve, at least two with "
        "different numbers of users and a log-log slope of at least -1; not set: the "
        "benchmark curve of `complexity` (docs/model.md §1).",
        json_schema_extra=unit("users, currency per user"),
    )
    price_level: Positive = Field(
        default=1.0,
        le=1e6,  # a currency conversion at most; totals stay far from overflow (< 1e15)
        description="Multiplier on the cost per user (1: the benchmark's price level).",
        json_schema_extra=unit("factor"),
    )
    planned_months: DistributionOrNumber = Field(
        default_factory=lambda: Fixed(value=12.0),
        description="Planned duration of execution `T0`.",
        json_schema_extra=unit("months"),
    )
    planning_quality: DistributionOrNumber = Field(
        default_factory=lambda: Fixed(value=0.0),
        description="Planning quality `q`: 0 no evaluation system before the start, 1 a full "
        "one (technical and business criteria, quantified costs and benefits). It lowers "
        "omissions, overrun spread, discovered scope creep and evaluation noise.",
        json_schema_extra=unit("0–1 scale"),
    )
    spread_planning_effect: Probability = Field(
        default=0.5,
        description="`s`: the spread (sigma of the log) of every cost and schedule factor is "
        "multiplied by `1 − s·q`.",
        json_schema_extra=unit(""),
    )

    @field_validator("cost_curve")
    @classmethod
    def _distinct_users(
        cls, points: list[tuple[float, float]] | None
    ) -> list[tuple[float, float]] | None:
        if points is None:
            return None
        if len({u for u, _ in points}) < 2:
            raise ValueError("give at least two points with different numbers of users")
        ordered = sorted(points)
        for (n0, c0), (n1, c1) in itertools.pairwise(ordered):
            if n1 > n0 and math.log(c1 / c0) / math.log(n1 / n0) < -1:
                raise ValueError(
                    f"from {n0:g} to {n1:g} users the cost per user falls faster than 1/users, "
                    "so more users would cost less in total; a cost curve's log-log slope must be ≥ -1"
                )
        return points

    def curve_points(self) -> tuple[tuple[float, float], ...]:
        """The cost curve's points in force: the scenario's own, else the benchmark curve
        of its complexity class (:func:`~simcrm.scenario.costcurve.benchmark_curve`)."""
        if self.cost_curve is not None:
            return tuple(self.cost_curve)
        return benchmark_curve(self.complexity)


class Component(Section):
    """One total-cost-of-ownership item and its overrun (docs/model.md §1–§2)."""

    share: Annotated[float, Field(ge=MIN_SHARE, le=1.0, allow_inf_nan=False)] = Field(
        description="This item's part of the planned budget `B`; the shares of all components "
        "sum to 1.",
        json_schema_extra=unit("fraction of B"),
    )
    overlookable: bool = Field(
        default=False,
        description="The item can be left out of the plan (it is still paid); at least one "
        "component must not be overlookable.",
        json_schema_extra=unit(""),
    )
    p_omit: Probability = Field(
        default=0.0,
        description="Probability of leaving the item out of the plan at `q = 0`; at planning "
        "quality `q` it is `p_omit × (1 − q)`. Needs `overlookable = true`.",
        json_schema_extra=unit("probability"),
    )
    labour: bool = Field(
        default=False,
        description="A labour item: it takes the fat-tail multiplier when the project draws "
        "a tail event.",
        json_schema_extra=unit(""),
    )
    overrun: Factor = Field(
        default_factory=Overrun,
        description="The item's cost overrun factor: actual cost = planned cost × factor. "
        "`{ p50, p90 }` (lognormal) or any distribution with positive values.",
        json_schema_extra=unit("factor"),
    )

    @model_validator(mode="after")
    def _omission_needs_overlookable(self) -> Self:
        if self.p_omit > 0 and not self.overlookable:
            raise ValueError("p_omit > 0 needs overlookable = true")
        return self


class Execution(Section):
    """Overrun correlation and tail, schedule, and the execution cap (docs/model.md §2)."""

    rho: Probability = Field(
        default=0.6,
        description="Loading `rho` of every component's overrun on the one shared project "
        "shock (one-factor Gaussian copula): 0 independent, 1 fully correlated.",
        json_schema_extra=unit(""),
    )
    tail_probability: Probability = Field(
        default=0.0,
        description="Probability `p_tail` that a project is a tail event (a black swan): its "
        "labour components take an extra Pareto multiplier.",
        json_schema_extra=unit("probability"),
    )
    tail_alpha: Annotated[float, Field(gt=1.0, le=100.0, allow_inf_nan=False)] = Field(
        default=1.5,
        description="Pareto shape `alpha` of the tail multiplier `x_m·U^(−1/alpha) ≥ x_m`: "
        "the exponent of its survival function `(x / x_m)^(−alpha)`; the smaller, the "
        "heavier the tail (below 2 its variance is infinite).",
        json_schema_extra=unit(""),
    )
    tail_min: Annotated[float, Field(ge=1.0, le=1000.0, allow_inf_nan=False)] = Field(
        default=1.0,
        description="Scale `x_m` of the tail multiplier: a black swan's labour items cost "
        "at least `x_m` times their overrun factor (1: any multiplier above 1, as before "
        "0.3.0).",
        json_schema_extra=unit("factor"),
    )
    tail_schedule_exponent: Probability = Field(
        default=0.5,
        description="A tail project's schedule factor is also multiplied by the tail "
        "multiplier to this power (black swans overrun schedule less than cost).",
        json_schema_extra=unit(""),
    )
    schedule: Factor = Field(
        default_factory=Overrun,
        description="Schedule factor `F_sched`: execution lasts `T0 · F_sched` months before "
        "scope creep. `{ p50, p90 }` (lognormal) or any distribution with positive values.",
        json_schema_extra=unit("factor"),
    )
    schedule_rho: Annotated[float, Field(ge=-1.0, le=1.0, allow_inf_nan=False)] = Field(
        default=0.6,
        description="Correlation of the schedule factor with the project's cost shock.",
        json_schema_extra=unit(""),
    )
    max_execution_months: (
        Annotated[float, Field(ge=MIN_CAP_MONTHS, le=MAX_MONTHS, allow_inf_nan=False)] | None
    ) = Field(
        default=None,
        description="Execution cap: a project whose execution would pass it is cut there and "
        "abandoned. Not set: no cap, and the scope-creep process must then end by itself.",
        json_schema_extra=unit("months"),
    )


class Scope(Section):
    """Change requests during execution: the branching process of docs/model.md §2.

    Without ``execution.max_execution_months`` the process must end by itself: an approved
    request must bring fewer than one approved request on average (rate × ``p_approve`` ×
    planned months × mean ``effect`` < 1, each at its worst over its range).
    """

    discovery_rate: RequestRate = Field(
        default=0.0,
        description="`λ_discover`: change requests per month for functions found missing, at "
        "`q = 0`.",
        json_schema_extra=unit("requests per month"),
    )
    discovery_planning_effect: Probability = Field(
        default=0.0,
        description="`k`: planning lowers the discovery rate to `λ_discover·(1 − k·q)`.",
        json_schema_extra=unit(""),
    )
    department_rate: RequestRate = Field(
        default=0.0,
        description="`λ_department`: add-on requests per month from each other department.",
        json_schema_extra=unit("requests per department per month"),
    )
    departments: int = Field(
        default=0,
        ge=0,
        le=1_000,
        description="Other departments that may attach their own applications to the project.",
        json_schema_extra=unit("departments"),
    )
    governance: Probability = Field(
        default=0.0,
        description="Share of the departments' add-on requests blocked at the source: their "
        "rate is `λ_department·departments·(1 − governance)`.",
        json_schema_extra=unit("share"),
    )
    p_approve: Probability = Field(
        default=1.0,
        description="Probability that a change request is approved.",
        json_schema_extra=unit("probability"),
    )
    effect: DistributionOrNumber = Field(
        default_factory=lambda: Fixed(value=0.0),
        description="Scope fraction `e` of an approved request: it adds `e·B` to the cost and "
        "`e·T0` months to execution.",
        json_schema_extra=unit("fraction of B and of T0"),
    )
