"""The scenario schema: every parameter of one CRM project model (MODEL.md §1–§6, §8).

A scenario is a TOML file. This module declares its sections as pydantic models (the
first tier of validation: types, ranges, unknown keys) and checks what spans fields
(the second tier: shares summing to 1, a scope-creep process that must end, criteria
naming real outputs). :func:`simcrm.scenario.load.load_scenario` reads a file into it.
"""

from __future__ import annotations

import difflib
import itertools
import math
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from simcrm.distributions import Distribution, DistributionOrNumber, Fixed
from simcrm.errors import ScenarioError
from simcrm.scenario.costcurve import BENCHMARK_POINTS, Complexity
from simcrm.scenario.criteria import compile_criteria
from simcrm.scenario.outputs import BOOLEAN_OUTPUTS, OUTPUT_COLUMNS
from simcrm.scenario.paths import SUPPORT_RULES, check_override_range, overridable

Probability = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
NonNegative = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0.0, allow_inf_nan=False)]

MAX_TRIALS = 10**10
"""Largest number of trials one run accepts (a 1e10 run is ~1 TB of Parquet)."""


class Section(BaseModel):
    """A scenario section: unknown keys are refused, values never change after loading."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Simulation(Section):
    """How many trials, from which seed, over which horizon (MODEL.md §8)."""

    trials: int = Field(default=100_000, ge=1, le=MAX_TRIALS)
    seed: int = Field(default=20_261_122, ge=0, lt=2**63)
    horizon_months: int = Field(default=60, ge=1, le=600)


class Overrun(Section):
    """A lognormal multiplicative factor given by its median and 90th percentile."""

    p50: Positive = 1.0
    p90: Positive = 1.0

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.p90 < self.p50:
            raise ValueError(f"p90 ({self.p90}) must be at least p50 ({self.p50})")
        return self


class Plan(Section):
    """The estimate made before the project starts (MODEL.md §1)."""

    users: int = Field(ge=1, le=10_000_000)
    complexity: Complexity = Complexity.MEDIUM
    cost_curve: list[tuple[Positive, Positive]] | None = Field(
        default=None, description="own (users, cost per user) points; default: the benchmark"
    )
    price_level: Positive = 1.0
    planned_months: DistributionOrNumber = Field(default_factory=lambda: Fixed(value=12.0))
    planning_quality: DistributionOrNumber = Field(default_factory=lambda: Fixed(value=0.0))
    spread_planning_effect: Probability = 0.5

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
        """The benchmark points in force: the scenario's own, else the table's."""
        if self.cost_curve is not None:
            return tuple(self.cost_curve)
        return BENCHMARK_POINTS[self.complexity]


class Component(Section):
    """One total-cost-of-ownership item and its overrun (MODEL.md §1–§2)."""

    share: Annotated[float, Field(gt=0.0, le=1.0, allow_inf_nan=False)]
    overlookable: bool = False
    p_omit: Probability = 0.0
    labour: bool = False
    overrun: Overrun = Field(default_factory=Overrun)

    @model_validator(mode="after")
    def _omission_needs_overlookable(self) -> Self:
        if self.p_omit > 0 and not self.overlookable:
            raise ValueError("p_omit > 0 needs overlookable = true")
        return self


class Execution(Section):
    """Overrun correlation and tail, schedule, and the execution cap (MODEL.md §2)."""

    rho: Probability = 0.6
    tail_probability: Probability = 0.0
    tail_alpha: Annotated[float, Field(gt=1.0, le=100.0, allow_inf_nan=False)] = 1.5
    tail_schedule_exponent: Probability = 0.5
    schedule: Overrun = Field(default_factory=Overrun)
    schedule_rho: Annotated[float, Field(ge=-1.0, le=1.0, allow_inf_nan=False)] = 0.6
    max_execution_months: Positive | None = None


class Scope(Section):
    """Change requests during execution: the branching process of MODEL.md §2."""

    discovery_rate: NonNegative = 0.0
    discovery_planning_effect: Probability = 0.0
    department_rate: NonNegative = 0.0
    departments: int = Field(default=0, ge=0, le=1_000)
    governance: Probability = 0.0
    p_approve: Probability = 1.0
    effect: DistributionOrNumber = Field(default_factory=lambda: Fixed(value=0.0))


class Adoption(Section):
    """Bass diffusion of use after go-live (MODEL.md §3)."""

    ceiling: DistributionOrNumber = Field(default_factory=lambda: Fixed(value=1.0))
    innovation: DistributionOrNumber = Field(default_factory=lambda: Fixed(value=0.03))
    imitation: DistributionOrNumber = Field(default_factory=lambda: Fixed(value=0.38))
    training: Probability = 0.0
    training_effect: NonNegative = 0.0
    collaboration: Probability = 0.0
    collaboration_effect: NonNegative = 0.0
    discontinuance: DistributionOrNumber = Field(default_factory=lambda: Fixed(value=0.0))


class Reviews(Section):
    """Evaluate and improve: the spiral (MODEL.md §4)."""

    evaluation: bool = True
    improvement: bool = False
    cycle_months: int = Field(default=6, ge=1, le=600)
    targets: list[Probability] = Field(default_factory=lambda: [0.5], min_length=1)
    noise_sd: NonNegative = 0.15
    noise_floor: NonNegative = 0.02
    improvement_cost: NonNegative = 0.05
    improvement_uplift: Probability = 0.3
    abandon_threshold: Probability = 0.0
    abandon_min_months: int = Field(default=6, ge=0, le=600)
    rescue: bool = False
    rescue_cost: NonNegative = 0.2
    rescue_success: Probability = 0.5
    rescue_uplift: Probability = 0.5
    max_rescues: int = Field(default=1, ge=0, le=100)


class Money(Section):
    """Cash flows and discounting (MODEL.md §5)."""

    discount_rate: Annotated[float, Field(gt=-1.0, le=1.0, allow_inf_nan=False)] = 0.08
    running_cost_per_user_month: DistributionOrNumber = Field(
        default_factory=lambda: Fixed(value=0.0)
    )
    running_fixed_month: DistributionOrNumber = Field(default_factory=lambda: Fixed(value=0.0))
    value_per_active_user_month: DistributionOrNumber = Field(
        default_factory=lambda: Fixed(value=0.0)
    )
    intangible_points: DistributionOrNumber = Field(default_factory=lambda: Fixed(value=0.0))
    intangible_price: NonNegative = 0.0


class Population(Section):
    """Parameters that vary across projects or across worlds (MODEL.md; issue 5).

    Keys are dotted parameter paths (``"scope.discovery_rate"``,
    ``"plan.planning_quality"``); values are distributions.

    Attributes
    ----------
    heterogeneity
        Drawn per project: firms differ (e.g. planning quality across firms).
    epistemic
        Uncertain but shared by every project of one world (e.g. the true mean
        change-request rate). A single run draws them per project too (the predictive
        distribution of one project); ``simcrm failure-rate`` draws them once per world.
    """

    heterogeneity: dict[str, DistributionOrNumber] = Field(default_factory=dict)
    epistemic: dict[str, DistributionOrNumber] = Field(default_factory=dict)

    def paths(self) -> dict[str, Distribution]:
        """Every population parameter, epistemic first, in declaration order."""
        return {**self.epistemic, **self.heterogeneity}


class Report(Section):
    """What the printed summary shows."""

    crosstab: tuple[str, str] | None = None


class Scenario(Section):
    """A whole CRM project model: load with :func:`simcrm.load_scenario`."""

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
    description: str = ""
    currency: str = Field(default="CNY", min_length=1, max_length=8)
    simulation: Simulation = Field(default_factory=Simulation)
    plan: Plan
    components: dict[str, Component] = Field(min_length=1, max_length=64)
    execution: Execution = Field(default_factory=Execution)
    scope: Scope = Field(default_factory=Scope)
    adoption: Adoption = Field(default_factory=Adoption)
    reviews: Reviews = Field(default_factory=Reviews)
    money: Money = Field(default_factory=Money)
    population: Population = Field(default_factory=Population)
    criteria: dict[str, str] = Field(default_factory=dict, max_length=64)
    report: Report = Field(default_factory=Report)

    _source_text: str = PrivateAttr(default="")

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        shares = {name: c.share for name, c in self.components.items()}
        total = sum(shares.values())
        if abs(total - 1.0) > 1e-6:
            raise ScenarioError(
                "components.*.share",
                shares,
                f"the shares sum to {total:.6g}; they must sum to 1 "
                "(each share is that item's part of the planned budget)",
            )
        if all(c.overlookable for c in self.components.values()):
            raise ScenarioError(
                "components.*.overlookable",
                True,
                "at least one component must be impossible to leave out of the plan",
            )
        for section, field, low, high in SUPPORT_RULES:
            dist: Distribution = getattr(getattr(self, section), field)
            lo, hi = dist.support()
            if lo < low or hi > high:
                raise ScenarioError(
                    f"{section}.{field}",
                    dist.model_dump(),
                    f"its values range over [{lo:g}, {hi:g}]; they must stay within "
                    f"[{low:g}, {high:g}]",
                )
        self._check_population()
        self._check_scope_process()
        self._check_criteria()
        return self

    def _check_population(self) -> None:
        allowed = overridable(self)
        pop = self.population
        both = set(pop.heterogeneity) & set(pop.epistemic)
        if both:
            raise ScenarioError(
                "population", sorted(both), "a parameter is either heterogeneous or epistemic"
            )
        for kind, table in (("epistemic", pop.epistemic), ("heterogeneity", pop.heterogeneity)):
            for path, dist in table.items():
                field = f"population.{kind}.{path}"
                if path not in allowed:
                    close = difflib.get_close_matches(path, list(allowed), n=1)
                    hint = f"did you mean {close[0]!r}? " if close else ""
                    raise ScenarioError(
                        field,
                        path,
                        f"not a parameter the model can vary; {hint}"
                        "give a dotted path such as 'scope.discovery_rate'",
                    )
                check_override_range(self, path, dist.support(), field)

    def offspring_mean(self) -> float:
        """Largest expected number of approved offspring per approved change request.

        ``R = λ_max · p_approve · T0_max · E[e]``: each approved request adds ``e·T0``
        months of execution, during which requests arrive at rate ``λ``. The process
        ends with probability 1 only if ``R < 1`` (or an execution cap cuts it). Every
        parameter is taken at its worst over its range, population ranges included.
        """
        varied = self.population.paths()

        def high(path: str, value: float) -> float:
            return varied[path].support()[1] if path in varied else value

        sc = self.scope
        q_low = (varied.get("plan.planning_quality") or self.plan.planning_quality).support()[0]
        k = (
            varied["scope.discovery_planning_effect"].support()[0]
            if "scope.discovery_planning_effect" in varied
            else sc.discovery_planning_effect
        )
        governance = (
            varied["scope.governance"].support()[0]
            if "scope.governance" in varied
            else sc.governance
        )
        rate = high("scope.discovery_rate", sc.discovery_rate) * (1 - k * max(q_low, 0.0))
        rate += (
            high("scope.department_rate", sc.department_rate)
            * high("scope.departments", sc.departments)
            * (1 - governance)
        )
        t0_max = (varied.get("plan.planned_months") or self.plan.planned_months).support()[1]
        factor = rate * high("scope.p_approve", sc.p_approve) * sc.effect.mean()
        return 0.0 if factor == 0 else factor * t0_max

    def _check_scope_process(self) -> None:
        if self.execution.max_execution_months is not None:
            return
        r = self.offspring_mean()
        if r >= 1:
            raise ScenarioError(
                "scope",
                f"{r:.3g} approved offspring per approved change request",
                "(rate × p_approve × planned_months × mean effect, at their worst); with no "
                "execution.max_execution_months the project might never end: make it below 1 "
                "or set execution.max_execution_months",
            )

    def _check_criteria(self) -> None:
        compile_criteria(self.criteria, {c: c in BOOLEAN_OUTPUTS for c in OUTPUT_COLUMNS})
        if self.report.crosstab is not None:
            for name in self.report.crosstab:
                if name not in self.criteria:
                    raise ScenarioError(
                        "report.crosstab",
                        name,
                        f"name two criteria; known: {', '.join(self.criteria) or 'none'}",
                    )

    @property
    def source_text(self) -> str:
        """The TOML text the scenario was loaded from ('' if built in code)."""
        return self._source_text

    def crosstab_pair(self) -> tuple[str, str] | None:
        """The two criteria whose verdicts the summary cross-tabulates."""
        if self.report.crosstab is not None:
            return self.report.crosstab
        names = list(self.criteria)
        return (names[0], names[1]) if len(names) >= 2 else None
