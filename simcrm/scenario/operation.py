"""Scenario sections of the project in operation (docs/model.md §3–§5): adoption, the
reviews of the spiral (evaluate, improve, rescue), and money."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Discriminator, Field, Tag

from simcrm.distributions import Distribution, DistributionOrNumber, Fixed
from simcrm.scenario.envelope import MAX_FACTOR, MAX_MONEY, MAX_RATE
from simcrm.scenario.sections import (
    Probability,
    ProbabilityOrDistribution,
    Section,
    _number_or_table,
    unit,
)

Noise = Annotated[float, Field(ge=0.0, le=10.0, allow_inf_nan=False)]
"""An evaluation noise (a standard deviation of a share of users): at most 10."""
CostShareOrDistribution = Annotated[
    Annotated[Annotated[float, Field(ge=0.0, le=MAX_FACTOR, allow_inf_nan=False)], Tag("number")]
    | Annotated[Distribution, Tag("distribution")],
    Discriminator(_number_or_table),
]
"""A cost as a fraction of the budget ``B``, fixed (0 to a million) or a distribution."""


class Adoption(Section):
    """Bass diffusion of use after go-live, and its fall where users reject the system
    (docs/model.md §3)."""

    ceiling: DistributionOrNumber = Field(
        default_factory=lambda: Fixed(value=1.0),
        description="Ceiling `m`: the share of users who will ever use the system.",
        json_schema_extra=unit("share of users"),
    )
    innovation: DistributionOrNumber = Field(
        default_factory=lambda: Fixed(value=0.03),
        description="Innovation `p`: adoption from outside influence (training, mandate), "
        "before the training effect.",
        json_schema_extra=unit("per month"),
    )
    imitation: DistributionOrNumber = Field(
        default_factory=lambda: Fixed(value=0.38),
        description="Imitation `qb`: adoption by imitation of colleagues, before the "
        "collaboration effect.",
        json_schema_extra=unit("per month"),
    )
    training: Probability = Field(
        default=0.0,
        description="Training given: 0 none, 1 full.",
        json_schema_extra=unit("0–1 scale"),
    )
    training_effect: Annotated[float, Field(ge=0.0, le=MAX_RATE, allow_inf_nan=False)] = Field(
        default=0.0,
        description="Full training adds this to `p`: `p = innovation + training_effect × "
        "training` (at most 1).",
        json_schema_extra=unit("per month"),
    )
    collaboration: Probability = Field(
        default=0.0,
        description="Use of collaboration (social, 'Web 2.0') tools: 0 none, 1 full.",
        json_schema_extra=unit("0–1 scale"),
    )
    collaboration_effect: Annotated[float, Field(ge=0.0, le=MAX_RATE, allow_inf_nan=False)] = Field(
        default=0.0,
        description="Full collaboration tools raise `qb` by this fraction: `qb = imitation × "
        "(1 + collaboration_effect × collaboration)`.",
        json_schema_extra=unit("fraction of qb"),
    )
    discontinuance: DistributionOrNumber = Field(
        default_factory=lambda: Fixed(value=0.0),
        description="`δ`: share of active users who stop using the system each month; they "
        "stay potential users, whom imitation and innovation can bring back.",
        json_schema_extra=unit("per month"),
    )
    rejection_probability: Probability = Field(
        default=0.0,
        description="Probability that a project's users turn against the system after "
        "go-live (disillusionment: Speier & Venkatesh 2002): from month "
        "`rejection_onset_months + 1` after go-live a share `rejection_rate` of its active "
        "users rejects it each month for good; 0: never.",
        json_schema_extra=unit("probability"),
    )
    rejection_rate: DistributionOrNumber = Field(
        default_factory=lambda: Fixed(value=0.0),
        description="`ρ`: monthly share of a rejecting project's active users who reject the "
        "system for good and return to their old tools: they stop using it and leave the "
        "ceiling (`m ← m − ρ·a`), so use falls. A real improvement round or a successful "
        "rescue ends the rejection. Drawn per project.",
        json_schema_extra=unit("per month"),
    )
    rejection_onset_months: int = Field(
        default=0,
        ge=0,
        le=600,
        description="Months of use after go-live before rejection begins (the honeymoon "
        "after training).",
        json_schema_extra=unit("months"),
    )


class Reviews(Section):
    """Evaluate and improve: the spiral (docs/model.md §4)."""

    evaluation: bool = Field(
        default=True,
        description="Hold a review every `cycle_months` after go-live, measuring adoption with "
        "noise; false: no reviews at all (so no improvement, rescue or abandonment).",
        json_schema_extra=unit(""),
    )
    improvement: bool = Field(
        default=False,
        description="Act on a measured shortfall: pay for an improvement round, which raises "
        "the ceiling only if the shortfall is real.",
        json_schema_extra=unit(""),
    )
    cycle_months: int = Field(
        default=6,
        ge=1,
        le=600,
        description="Months between reviews, counted from go-live.",
        json_schema_extra=unit("months"),
    )
    targets: list[Probability] = Field(
        default_factory=lambda: [0.5],
        min_length=1,
        max_length=600,
        description="Planned adoption at reviews 1, 2, …; the last one holds for every later "
        "review.",
        json_schema_extra=unit("share of users"),
    )
    noise_sd: Noise = Field(
        default=0.15,
        description="`σ0`: evaluation noise at `q = 0`; `σ_eval = σ0·(1 − q) + σ_min`.",
        json_schema_extra=unit("share of users"),
    )
    noise_floor: Noise = Field(
        default=0.02,
        description="`σ_min`: evaluation noise left with full planning.",
        json_schema_extra=unit("share of users"),
    )
    improvement_cost: CostShareOrDistribution = Field(
        default=0.05,
        description="Cost of one improvement round, as a fraction of the planned budget `B`.",
        json_schema_extra=unit("fraction of B"),
    )
    improvement_uplift: ProbabilityOrDistribution = Field(
        default=0.3,
        description="A real improvement closes this fraction of the gap between the ceiling "
        "and full use.",
        json_schema_extra=unit("fraction of the gap"),
    )
    abandon_threshold: Probability = Field(
        default=0.0,
        description="Measured adoption below it (after `abandon_min_months`) means rescue if "
        "the policy allows, else abandonment; 0: never.",
        json_schema_extra=unit("share of users"),
    )
    abandon_min_months: int = Field(
        default=6,
        ge=0,
        le=600,
        description="Months after go-live before a review may rescue or abandon.",
        json_schema_extra=unit("months"),
    )
    rescue: bool = Field(
        default=False,
        description="Rescue a project measured below the abandonment threshold instead of "
        "abandoning it, while rescues remain.",
        json_schema_extra=unit(""),
    )
    rescue_cost: CostShareOrDistribution = Field(
        default=0.2,
        description="Cost of one rescue attempt, as a fraction of the planned budget `B`.",
        json_schema_extra=unit("fraction of B"),
    )
    rescue_success: ProbabilityOrDistribution = Field(
        default=0.5,
        description="Probability that a rescue succeeds; a failed one ends in abandonment.",
        json_schema_extra=unit("probability"),
    )
    rescue_uplift: ProbabilityOrDistribution = Field(
        default=0.5,
        description="A successful rescue closes this fraction of the gap between the ceiling "
        "and full use.",
        json_schema_extra=unit("fraction of the gap"),
    )
    max_rescues: int = Field(
        default=1,
        ge=0,
        le=100,
        description="Most rescues one project may attempt.",
        json_schema_extra=unit("rescues"),
    )


MIN_DISCOUNT_RATE = -0.99
"""Lowest discount rate: at -0.99 a flow 600 months away counts 0.01^-50 = 1e100 times,
still finite with money ≤ 1e15; closer to -1, ``(1 + r)^(−m/12)`` overflows."""


def _not_near_minus_one(rate: float) -> float:
    if rate < MIN_DISCOUNT_RATE:
        raise ValueError(
            f"a discount rate must be at least {MIN_DISCOUNT_RATE:g}: closer to -1, "
            "(1 + r)^(-m/12) overflows"
        )
    return rate


class Money(Section):
    """Cash flows and discounting (docs/model.md §5)."""

    discount_rate: Annotated[
        float, Field(gt=-1.0, le=1.0, allow_inf_nan=False), AfterValidator(_not_near_minus_one)
    ] = Field(
        default=0.08,
        description="Annual discount rate `r`: a flow in month `m` counts `(1 + r)^(−m/12)`; "
        f"at least {MIN_DISCOUNT_RATE:g}.",
        json_schema_extra=unit("per year"),
    )
    running_cost_per_user_month: DistributionOrNumber = Field(
        default_factory=lambda: Fixed(value=0.0),
        description="Running cost (subscription, support) per user and month, from go-live.",
        json_schema_extra=unit("currency per user-month"),
    )
    running_fixed_month: DistributionOrNumber = Field(
        default_factory=lambda: Fixed(value=0.0),
        description="Fixed running cost (upkeep, administration) per month, from go-live.",
        json_schema_extra=unit("currency per month"),
    )
    value_per_active_user_month: DistributionOrNumber = Field(
        default_factory=lambda: Fixed(value=0.0),
        description="Tangible benefit per active user and month: `users · a[t] · value` from "
        "go-live.",
        json_schema_extra=unit("currency per active user-month"),
    )
    intangible_points: DistributionOrNumber = Field(
        default_factory=lambda: Fixed(value=0.0),
        description="Intangible (strategic) score earned at full use over the whole horizon; "
        "reported as `intangible_score`.",
        json_schema_extra=unit("points"),
    )
    intangible_price: Annotated[float, Field(ge=0.0, le=MAX_MONEY, allow_inf_nan=False)] = Field(
        default=0.0,
        description="Money per intangible point counted in the NPV; 0 keeps the intangible "
        "score out of it.",
        json_schema_extra=unit("currency per point"),
    )
