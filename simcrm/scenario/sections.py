"""Building blocks of the scenario schema: value types, the section base, and the sections
that configure a run rather than the project (simulation, population, report)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag
from pydantic.config import JsonDict

from simcrm.distributions import Distribution, DistributionOrNumber
from simcrm.scenario.strict import NoBooleanNumbers

Probability = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
NonNegative = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0.0, allow_inf_nan=False)]


def _number_or_table(value: Any) -> str:
    """Tag of a value that may be a plain number or a distribution table."""
    if isinstance(value, dict | BaseModel):
        return "distribution"
    return "number"


ProbabilityOrDistribution = Annotated[
    Annotated[Probability, Tag("number")] | Annotated[Distribution, Tag("distribution")],
    Discriminator(_number_or_table),
]
"""A probability or share, fixed (a number in [0, 1]) or uncertain (a distribution drawn per
trial, whose values must stay in [0, 1]). A number stays a number, so a scenario that gives
one means and dumps exactly what it did before distributions were allowed here."""

NonNegativeOrDistribution = Annotated[
    Annotated[NonNegative, Tag("number")] | Annotated[Distribution, Tag("distribution")],
    Discriminator(_number_or_table),
]
"""A non-negative number, or a distribution drawn per trial whose values are ≥ 0."""

MAX_TRIALS = 10**10
"""Largest number of trials one run accepts (a 1e10 run is ~1 TB of Parquet)."""


def unit(unit: str) -> JsonDict:
    """Field metadata naming the unit of a value ('' for a pure number or a flag).

    Read with the field's ``description`` by :mod:`simcrm.scenario.reference_doc`.
    """
    return {"unit": unit}


class Section(NoBooleanNumbers):
    """A scenario section: unknown keys are refused, values never change after loading,
    and a boolean is never taken for a number."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Simulation(Section):
    """How many trials, from which seed, over which horizon (docs/model.md §8)."""

    trials: int = Field(
        default=100_000,
        ge=1,
        le=MAX_TRIALS,
        description="Number of trials: simulated projects, one row each in the results.",
        json_schema_extra=unit("trials"),
    )
    seed: int = Field(
        default=20_261_122,
        ge=0,
        lt=2**63,
        description="Seed of every random stream: the same seed, scenario and number of "
        "trials give the same results (docs/model.md §8).",
        json_schema_extra=unit(""),
    )
    horizon_months: int = Field(
        default=60,
        ge=1,
        le=600,
        description="Horizon `H`: months from project start that are simulated; cash flows "
        "and adoption stop there.",
        json_schema_extra=unit("months"),
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
        json_schema_extra=unit("the parameter's own"),
    )
    epistemic: dict[str, DistributionOrNumber] = Field(
        default_factory=dict,
        description="Parameters uncertain but the same for every project of one world: a "
        "dotted parameter path → its distribution. `simcrm failure-rate` draws them once per "
        "world; a single run draws them per project.",
        json_schema_extra=unit("the parameter's own"),
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
        json_schema_extra=unit(""),
    )
