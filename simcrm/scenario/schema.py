"""The scenario schema: every parameter of one CRM project model (docs/model.md §1–§6, §8).

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
from pydantic.config import JsonDict

from simcrm.distributions import Distribution, DistributionOrNumber, Fixed
from simcrm.errors import InputError, ScenarioError
from simcrm.scenario.costcurve import BENCHMARK_POINTS, Complexity
from simcrm.scenario.criteria import compile_criteria
from simcrm.scenario.outputs import BOOLEAN_OUTPUTS, OUTPUT_COLUMNS
from simcrm.scenario.paths import (
    NOT_OVERRIDABLE,
    SUPPORT_RULES,
    check_override_range,
    lookup,
    overridable,
)

Probability = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
NonNegative = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0.0, allow_inf_nan=False)]

MAX_TRIALS = 10**10
"""Largest number of trials one run accepts (a 1e10 run is ~1 TB of Parquet)."""


def _unit(unit: str) -> JsonDict:
    """Field metadata naming the unit of a value ('' for a pure number or a flag).

    Read with the field's ``description`` by :mod:`simcrm.scenario.reference_doc`.
    """
    return {"unit": unit}


class Section(BaseModel):
    """A scenario section: unknown keys are refused, values never change after loading."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Simulation(Section):
    """How many trials, from which seed, over which horizon (docs/model.md §8)."""

    trials: int = Field(
        default=100_000,
        ge=1,
        le=MAX_TRIALS,
        description="Number of trials: simulated projects, one row each in the results.",
        json_schema_extra=_unit("trials"),
    )
    seed: int = Field(
        default=20_261_122,
        ge=0,
        lt=2**63,
        description="Seed of every random stream: the same seed, scenario and number of "
        "trials give the same results (docs/model.md §8).",
        json_schema_extra=_unit(""),
    )
    horizon_months: int = Field(
        default=60,
        ge=1,
        le=600,
        description="Horizon `H`: months from project start that are simulated; cash flows "
        "and adoption stop there.",
        json_schema_extra=_unit("months"),
    )


class Overrun(Section):
    """A lognormal multiplicative factor given by its median and 90th percentile."""

    p50: Positive = Field(
        default=1.0,
        description="Median of the multiplicative factor (1: as estimated).",
        json_schema_extra=_unit("factor"),
    )
    p90: Positive = Field(
        default=1.0,
        description="90th percentile of the factor; at least `p50` (equal: no spread).",
        json_schema_extra=_unit("factor"),
    )

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.p90 < self.p50:
            raise ValueError(f"p90 ({self.p90}) must be at least p50 ({self.p50})")
        return self


class Plan(Section):
    """The estimate made before the project starts (docs/model.md §1)."""

    users: int = Field(
        ge=1,
        le=10_000_000,
        description="Users of the CRM system; with the cost curve they set the budget "
        "`B = users × cost_per_user(users) × price_level`.",
        json_schema_extra=_unit("users"),
    )
    complexity: Complexity = Field(
        default=Complexity.MEDIUM,
        description="Complexity class, which picks the benchmark cost curve: `low` (sales and "
        "marketing, little customisation), `medium`, `high` (sales, marketing and service, "
        "heavy customisation).",
        json_schema_extra=_unit(""),
    )
    cost_curve: list[tuple[Positive, Positive]] | None = Field(
        default=None,
        description="Own `[users, cost per user]` points of the cost curve, at least two with "
        "different numbers of users and a log-log slope of at least -1; not set: the "
        "benchmark points of `complexity`.",
        json_schema_extra=_unit("users, currency per user"),
    )
    price_level: Positive = Field(
        default=1.0,
        le=1e6,  # a currency conversion at most; totals stay far from overflow (< 1e15)
        description="Multiplier on the cost per user (1: the benchmark's price level).",
        json_schema_extra=_unit("factor"),
    )
    planned_months: DistributionOrNumber = Field(
        default_factory=lambda: Fixed(value=12.0),
        description="Planned duration of execution `T0`.",
        json_schema_extra=_unit("months"),
    )
    planning_quality: DistributionOrNumber = Field(
        default_factory=lambda: Fixed(value=0.0),
        description="Planning quality `q`: 0 no evaluation system before the start, 1 a full "
        "one (technical and business criteria, quantified costs and benefits). It lowers "
        "omissions, overrun spread, discovered scope creep and evaluation noise.",
        json_schema_extra=_unit("0–1 scale"),
    )
    spread_planning_effect: Probability = Field(
        default=0.5,
        description="`s`: the spread (sigma of the log) of every cost and schedule factor is "
        "multiplied by `1 − s·q`.",
        json_schema_extra=_unit(""),
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
        """The benchmark points in force: the scenario's own, else the table's."""
        if self.cost_curve is not None:
            return tuple(self.cost_curve)
        return BENCHMARK_POINTS[self.complexity]


class Component(Section):
    """One total-cost-of-ownership item and its overrun (docs/model.md §1–§2)."""

    share: Annotated[float, Field(gt=0.0, le=1.0, allow_inf_nan=False)] = Field(
        description="This item's part of the planned budget `B`; the shares of all components "
        "sum to 1.",
        json_schema_extra=_unit("fraction of B"),
    )
    overlookable: bool = Field(
        default=False,
        description="The item can be left out of the plan (it is still paid); at least one "
        "component must not be overlookable.",
        json_schema_extra=_unit(""),
    )
    p_omit: Probability = Field(
        default=0.0,
        description="Probability of leaving the item out of the plan at `q = 0`; at planning "
        "quality `q` it is `p_omit × (1 − q)`. Needs `overlookable = true`.",
        json_schema_extra=_unit("probability"),
    )
    labour: bool = Field(
        default=False,
        description="A labour item: it takes the fat-tail multiplier when the project draws "
        "a tail event.",
        json_schema_extra=_unit(""),
    )
    overrun: Overrun = Field(
        default_factory=Overrun,
        description="The item's cost overrun factor (lognormal): actual cost = planned cost × "
        "factor.",
        json_schema_extra=_unit("factor"),
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
        json_schema_extra=_unit(""),
    )
    tail_probability: Probability = Field(
        default=0.0,
        description="Probability `p_tail` that a project is a tail event (a black swan): its "
        "labour components take an extra Pareto multiplier.",
        json_schema_extra=_unit("probability"),
    )
    tail_alpha: Annotated[float, Field(gt=1.0, le=100.0, allow_inf_nan=False)] = Field(
        default=1.5,
        description="Pareto shape `alpha` of the tail multiplier `U^(−1/alpha) ≥ 1`: the "
        "smaller, the heavier the tail.",
        json_schema_extra=_unit(""),
    )
    tail_schedule_exponent: Probability = Field(
        default=0.5,
        description="A tail project's schedule factor is also multiplied by the tail "
        "multiplier to this power (black swans overrun schedule less than cost).",
        json_schema_extra=_unit(""),
    )
    schedule: Overrun = Field(
        default_factory=Overrun,
        description="Schedule factor `F_sched` (lognormal): execution lasts "
        "`T0 · F_sched` months before scope creep.",
        json_schema_extra=_unit("factor"),
    )
    schedule_rho: Annotated[float, Field(ge=-1.0, le=1.0, allow_inf_nan=False)] = Field(
        default=0.6,
        description="Correlation of the schedule factor with the project's cost shock.",
        json_schema_extra=_unit(""),
    )
    max_execution_months: Positive | None = Field(
        default=None,
        description="Execution cap: a project whose execution would pass it is cut there and "
        "abandoned. Not set: no cap, and the scope-creep process must then end by itself.",
        json_schema_extra=_unit("months"),
    )


class Scope(Section):
    """Change requests during execution: the branching process of docs/model.md §2.

    Without ``execution.max_execution_months`` the process must end by itself: an approved
    request must bring fewer than one approved request on average (rate × ``p_approve`` ×
    planned months × mean ``effect`` < 1, each at its worst over its range).
    """

    discovery_rate: NonNegative = Field(
        default=0.0,
        description="`λ_discover`: change requests per month for functions found missing, at "
        "`q = 0`.",
        json_schema_extra=_unit("requests per month"),
    )
    discovery_planning_effect: Probability = Field(
        default=0.0,
        description="`k`: planning lowers the discovery rate to `λ_discover·(1 − k·q)`.",
        json_schema_extra=_unit(""),
    )
    department_rate: NonNegative = Field(
        default=0.0,
        description="`λ_department`: add-on requests per month from each other department.",
        json_schema_extra=_unit("requests per department per month"),
    )
    departments: int = Field(
        default=0,
        ge=0,
        le=1_000,
        description="Other departments that may attach their own applications to the project.",
        json_schema_extra=_unit("departments"),
    )
    governance: Probability = Field(
        default=0.0,
        description="Share of the departments' add-on requests blocked at the source: their "
        "rate is `λ_department·departments·(1 − governance)`.",
        json_schema_extra=_unit("share"),
    )
    p_approve: Probability = Field(
        default=1.0,
        description="Probability that a change request is approved.",
        json_schema_extra=_unit("probability"),
    )
    effect: DistributionOrNumber = Field(
        default_factory=lambda: Fixed(value=0.0),
        description="Scope fraction `e` of an approved request: it adds `e·B` to the cost and "
        "`e·T0` months to execution.",
        json_schema_extra=_unit("fraction of B and of T0"),
    )


class Adoption(Section):
    """Bass diffusion of use after go-live (docs/model.md §3)."""

    ceiling: DistributionOrNumber = Field(
        default_factory=lambda: Fixed(value=1.0),
        description="Ceiling `m`: the share of users who will ever use the system.",
        json_schema_extra=_unit("share of users"),
    )
    innovation: DistributionOrNumber = Field(
        default_factory=lambda: Fixed(value=0.03),
        description="Innovation `p`: adoption from outside influence (training, mandate), "
        "before the training effect.",
        json_schema_extra=_unit("per month"),
    )
    imitation: DistributionOrNumber = Field(
        default_factory=lambda: Fixed(value=0.38),
        description="Imitation `qb`: adoption by imitation of colleagues, before the "
        "collaboration effect.",
        json_schema_extra=_unit("per month"),
    )
    training: Probability = Field(
        default=0.0,
        description="Training given: 0 none, 1 full.",
        json_schema_extra=_unit("0–1 scale"),
    )
    training_effect: NonNegative = Field(
        default=0.0,
        description="Full training adds this to `p`: `p = innovation + training_effect × "
        "training` (at most 1).",
        json_schema_extra=_unit("per month"),
    )
    collaboration: Probability = Field(
        default=0.0,
        description="Use of collaboration (social, 'Web 2.0') tools: 0 none, 1 full.",
        json_schema_extra=_unit("0–1 scale"),
    )
    collaboration_effect: NonNegative = Field(
        default=0.0,
        description="Full collaboration tools raise `qb` by this fraction: `qb = imitation × "
        "(1 + collaboration_effect × collaboration)`.",
        json_schema_extra=_unit("fraction of qb"),
    )
    discontinuance: DistributionOrNumber = Field(
        default_factory=lambda: Fixed(value=0.0),
        description="`δ`: share of active users who stop using the system each month (use "
        "can fall after go-live).",
        json_schema_extra=_unit("per month"),
    )


class Reviews(Section):
    """Evaluate and improve: the spiral (docs/model.md §4)."""

    evaluation: bool = Field(
        default=True,
        description="Hold a review every `cycle_months` after go-live, measuring adoption with "
        "noise; false: no reviews at all (so no improvement, rescue or abandonment).",
        json_schema_extra=_unit(""),
    )
    improvement: bool = Field(
        default=False,
        description="Act on a measured shortfall: pay for an improvement round, which raises "
        "the ceiling only if the shortfall is real.",
        json_schema_extra=_unit(""),
    )
    cycle_months: int = Field(
        default=6,
        ge=1,
        le=600,
        description="Months between reviews, counted from go-live.",
        json_schema_extra=_unit("months"),
    )
    targets: list[Probability] = Field(
        default_factory=lambda: [0.5],
        min_length=1,
        description="Planned adoption at reviews 1, 2, …; the last one holds for every later "
        "review.",
        json_schema_extra=_unit("share of users"),
    )
    noise_sd: NonNegative = Field(
        default=0.15,
        description="`σ0`: evaluation noise at `q = 0`; `σ_eval = σ0·(1 − q) + σ_min`.",
        json_schema_extra=_unit("share of users"),
    )
    noise_floor: NonNegative = Field(
        default=0.02,
        description="`σ_min`: evaluation noise left with full planning.",
        json_schema_extra=_unit("share of users"),
    )
    improvement_cost: NonNegative = Field(
        default=0.05,
        description="Cost of one improvement round, as a fraction of the planned budget `B`.",
        json_schema_extra=_unit("fraction of B"),
    )
    improvement_uplift: Probability = Field(
        default=0.3,
        description="A real improvement closes this fraction of the gap between the ceiling "
        "and full use.",
        json_schema_extra=_unit("fraction of the gap"),
    )
    abandon_threshold: Probability = Field(
        default=0.0,
        description="Measured adoption below it (after `abandon_min_months`) means rescue if "
        "the policy allows, else abandonment; 0: never.",
        json_schema_extra=_unit("share of users"),
    )
    abandon_min_months: int = Field(
        default=6,
        ge=0,
        le=600,
        description="Months after go-live before a review may rescue or abandon.",
        json_schema_extra=_unit("months"),
    )
    rescue: bool = Field(
        default=False,
        description="Rescue a project measured below the abandonment threshold instead of "
        "abandoning it, while rescues remain.",
        json_schema_extra=_unit(""),
    )
    rescue_cost: NonNegative = Field(
        default=0.2,
        description="Cost of one rescue attempt, as a fraction of the planned budget `B`.",
        json_schema_extra=_unit("fraction of B"),
    )
    rescue_success: Probability = Field(
        default=0.5,
        description="Probability that a rescue succeeds; a failed one ends in abandonment.",
        json_schema_extra=_unit("probability"),
    )
    rescue_uplift: Probability = Field(
        default=0.5,
        description="A successful rescue closes this fraction of the gap between the ceiling "
        "and full use.",
        json_schema_extra=_unit("fraction of the gap"),
    )
    max_rescues: int = Field(
        default=1,
        ge=0,
        le=100,
        description="Most rescues one project may attempt.",
        json_schema_extra=_unit("rescues"),
    )


class Money(Section):
    """Cash flows and discounting (docs/model.md §5)."""

    discount_rate: Annotated[float, Field(gt=-1.0, le=1.0, allow_inf_nan=False)] = Field(
        default=0.08,
        description="Annual discount rate `r`: a flow in month `m` counts `(1 + r)^(−m/12)`.",
        json_schema_extra=_unit("per year"),
    )
    running_cost_per_user_month: DistributionOrNumber = Field(
        default_factory=lambda: Fixed(value=0.0),
        description="Running cost (subscription, support) per user and month, from go-live.",
        json_schema_extra=_unit("currency per user-month"),
    )
    running_fixed_month: DistributionOrNumber = Field(
        default_factory=lambda: Fixed(value=0.0),
        description="Fixed running cost (upkeep, administration) per month, from go-live.",
        json_schema_extra=_unit("currency per month"),
    )
    value_per_active_user_month: DistributionOrNumber = Field(
        default_factory=lambda: Fixed(value=0.0),
        description="Tangible benefit per active user and month: `users · a[t] · value` from "
        "go-live.",
        json_schema_extra=_unit("currency per active user-month"),
    )
    intangible_points: DistributionOrNumber = Field(
        default_factory=lambda: Fixed(value=0.0),
        description="Intangible (strategic) score earned at full use over the whole horizon; "
        "reported as `intangible_score`.",
        json_schema_extra=_unit("points"),
    )
    intangible_price: NonNegative = Field(
        default=0.0,
        description="Money per intangible point counted in the NPV; 0 keeps the intangible "
        "score out of it.",
        json_schema_extra=_unit("currency per point"),
    )


class Population(Section):
    """Parameters that vary across projects or across worlds (docs/model.md).

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

    heterogeneity: dict[str, DistributionOrNumber] = Field(
        default_factory=dict,
        description="Parameters drawn per project (firms differ): a dotted parameter path such "
        'as `"plan.planning_quality"` → its distribution.',
        json_schema_extra=_unit("the parameter's own"),
    )
    epistemic: dict[str, DistributionOrNumber] = Field(
        default_factory=dict,
        description="Parameters uncertain but the same for every project of one world: a "
        "dotted parameter path → its distribution. `simcrm failure-rate` draws them once per "
        "world; a single run draws them per project.",
        json_schema_extra=_unit("the parameter's own"),
    )

    def paths(self) -> dict[str, Distribution]:
        """Every population parameter, epistemic first, in declaration order."""
        return {**self.epistemic, **self.heterogeneity}


class Report(Section):
    """What the printed summary shows."""

    crosstab: tuple[str, str] | None = Field(
        default=None,
        description="The two criteria whose verdicts the summary cross-tabulates; not set: the "
        "first two criteria.",
        json_schema_extra=_unit(""),
    )


class Scenario(Section):
    """A whole CRM project model: load with :func:`simcrm.load_scenario`."""

    name: str = Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$",
        description="Name of the scenario: letters, digits, `_`, `.` and `-`, at most 64 "
        "characters.",
        json_schema_extra=_unit(""),
    )
    description: str = Field(
        default="", description="What the scenario models, in words.", json_schema_extra=_unit("")
    )
    currency: str = Field(
        default="CNY",
        min_length=1,
        max_length=8,
        description="Currency of every amount of money, the cost curve's included.",
        json_schema_extra=_unit(""),
    )
    simulation: Simulation = Field(
        default_factory=Simulation,
        description="How many trials, from which seed, over which horizon.",
        json_schema_extra=_unit(""),
    )
    plan: Plan = Field(
        description="The estimate made before the project starts.", json_schema_extra=_unit("")
    )
    components: dict[str, Component] = Field(
        min_length=1,
        max_length=64,
        description="The total-cost-of-ownership items, one table `[components.<name>]` each.",
        json_schema_extra=_unit(""),
    )
    execution: Execution = Field(
        default_factory=Execution,
        description="Overrun correlation and tail, schedule, and the execution cap.",
        json_schema_extra=_unit(""),
    )
    scope: Scope = Field(
        default_factory=Scope,
        description="Change requests during execution (scope creep).",
        json_schema_extra=_unit(""),
    )
    adoption: Adoption = Field(
        default_factory=Adoption,
        description="Bass diffusion of use after go-live.",
        json_schema_extra=_unit(""),
    )
    reviews: Reviews = Field(
        default_factory=Reviews,
        description="Evaluate and improve: reviews, improvement, rescue, abandonment.",
        json_schema_extra=_unit(""),
    )
    money: Money = Field(
        default_factory=Money,
        description="Running costs, benefits and discounting.",
        json_schema_extra=_unit(""),
    )
    population: Population = Field(
        default_factory=Population,
        description="Parameters that vary across projects or across worlds.",
        json_schema_extra=_unit(""),
    )
    criteria: dict[str, str] = Field(
        default_factory=dict,
        max_length=64,
        description="Failure criteria: name → boolean expression over the output columns and "
        "other criteria; each gives the output column `fail_<name>`.",
        json_schema_extra=_unit(""),
    )
    report: Report = Field(
        default_factory=Report,
        description="What the printed summary shows.",
        json_schema_extra=_unit(""),
    )

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
                    raise ScenarioError(field, path, self._why_not_overridable(path, allowed))
                check_override_range(self, path, dist.support(), field)

    def _why_not_overridable(self, path: str, allowed: dict[str, str]) -> str:
        """Why a population path is refused: a whole-run setting, or no such parameter
        (with a "did you mean" only for a close name: the same field in another section,
        else a close one in the same section, else a close one anywhere)."""

        try:
            lookup(self, path)
        except InputError:
            section, leaf = path.partition(".")[0], path.rpartition(".")[2]
            close = [p for p in allowed if p.rpartition(".")[2] == leaf][:1]
            same = [p for p in allowed if p.partition(".")[0] == section]
            close = close or difflib.get_close_matches(path, same, n=1, cutoff=0.8)
            close = close or difflib.get_close_matches(path, list(allowed), n=1, cutoff=0.8)
            if close:
                return f"not a parameter the model can vary; did you mean {close[0]!r}?"
            return (
                "not a parameter the model can vary; give the dotted path of a number or "
                "distribution, such as 'scope.discovery_rate'"
            )
        if path in NOT_OVERRIDABLE:
            why = f"{path} is a whole-run setting and cannot vary per trial"
        elif path.endswith(".share"):
            why = f"the shares must sum to 1, so {path} cannot vary per trial"
        else:
            why = f"{path} is not a number or a distribution"
        return f"not a parameter the model can vary: {why}"

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
