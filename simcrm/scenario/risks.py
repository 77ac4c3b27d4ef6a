"""The risk register: named risks with a probability and an impact, the ``[[risks]]`` tables.

As in @RISK or Primavera Risk Analysis, each risk of the register either occurs in a
trial or not, with its probability, and if it occurs its impacts apply::

    [[risks]]
    name = "key_consultant_leaves"
    probability = 0.15
    when = "execution"
    cost = { kind = "pert", low = 20_000, mode = 50_000, high = 150_000 }
    schedule_months = { kind = "triangular", low = 0.5, mode = 1, high = 3 }
    mitigation = { cost = 8_000, probability = 0.05 }

An *execution* risk strikes during execution: its cost is part of the implementation
cost (and so of the overrun) and its months lengthen execution. An *operation* risk
strikes at go-live: a one-off cost then, and for the rest of the horizon a lower adoption
ceiling and lower benefits. docs/model.md §2 and §3 give the exact rules;
:mod:`simcrm.model.risks` implements them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Literal

from pydantic import Field

from simcrm.distributions import DistributionOrNumber
from simcrm.errors import ScenarioError
from simcrm.scenario.envelope import MAX_FACTOR, MAX_MONEY, MAX_MONTHS, effective_range, within
from simcrm.scenario.sections import Probability, Section, unit

MAX_RISKS = 64
"""Most risks one register holds."""

IMPACTS = ("cost", "cost_share", "schedule_months", "ceiling", "benefits")
"""The impact fields of a risk, in the order their values are drawn (*contract*)."""

EXECUTION_ONLY = ("schedule_months",)
OPERATION_ONLY = ("ceiling", "benefits")

IMPACT_RANGES: dict[str, tuple[float, float]] = {
    "cost": (0.0, MAX_MONEY),
    "cost_share": (0.0, MAX_FACTOR),
    "schedule_months": (0.0, MAX_MONTHS),
    "ceiling": (0.0, 1.0),
    "benefits": (0.0, 1.0),
}
"""The interval every value of an impact's distribution must stay in (its effective range:
:func:`~simcrm.scenario.envelope.effective_range`)."""


class Mitigation(Section):
    """What is done about a risk before it strikes: paid in every trial, it lowers the
    probability and/or the size of the impact."""

    cost: Annotated[float, Field(ge=0.0, le=MAX_MONEY, allow_inf_nan=False)] = Field(
        default=0.0,
        description="Cost of the mitigation, paid in every trial as part of the "
        "implementation: it is planned (in `planned_cost`) and paid (in `actual_cost`), "
        "spread over execution like the rest of it.",
        json_schema_extra=unit("currency"),
    )
    probability: Probability | None = Field(
        default=None,
        description="The risk's probability with the mitigation, at most its `probability`; "
        "the risk then strikes exactly in the trials where it would have struck with a "
        "probability this low (the same occurrence draw). Not set: unchanged.",
        json_schema_extra=unit("probability"),
    )
    impact_factor: Probability = Field(
        default=1.0,
        description="Multiplier on every impact of the risk when it strikes (1: unchanged, "
        "0: no impact).",
        json_schema_extra=unit("factor"),
    )


class Risk(Section):
    """One named risk: its probability, when it strikes, its impacts and its mitigation.

    Give at least one impact; `cost` and `cost_share` are alternatives. An execution risk
    may have `cost`, `cost_share` and `schedule_months`; an operation risk `cost`,
    `cost_share`, `ceiling` and `benefits`. Each impact is a number or any distribution,
    drawn per trial. Each risk gives the output columns `risk_<name>` and
    `cost_risk_<name>`.
    """

    name: str = Field(
        pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,63}$",
        description="Name of the risk, unique in the register: letters, digits and `_`, not "
        "starting with a digit, at most 64 characters.",
        json_schema_extra=unit(""),
    )
    description: str = Field(
        default="", description="What the risk is, in words.", json_schema_extra=unit("")
    )
    probability: Probability = Field(
        description="Probability that the risk occurs in a project (one draw per trial).",
        json_schema_extra=unit("probability"),
    )
    when: Literal["execution", "operation"] = Field(
        description="`execution`: it strikes during execution (cost and delay); "
        "`operation`: it strikes at go-live, if the project goes live within the horizon "
        "(cost then; lower ceiling and benefits from then on).",
        json_schema_extra=unit(""),
    )
    cost: DistributionOrNumber | None = Field(
        default=None,
        description="Cost when it strikes. An execution risk's is implementation cost (in "
        "`actual_cost` and so in the overrun; cut pro rata, like the rest, when execution "
        "is cut at the cap); an operation risk's is paid at go-live.",
        json_schema_extra=unit("currency"),
    )
    cost_share: DistributionOrNumber | None = Field(
        default=None,
        description="Cost when it strikes as a fraction of the planned budget `B` (instead "
        "of `cost`).",
        json_schema_extra=unit("fraction of B"),
    )
    schedule_months: DistributionOrNumber | None = Field(
        default=None,
        description="Months added to execution when it strikes (execution risks only), "
        "after scope creep and before the execution cap: a project pushed past "
        "`execution.max_execution_months` is cut there and abandoned. No change requests "
        "arrive in these months.",
        json_schema_extra=unit("months"),
    )
    ceiling: DistributionOrNumber | None = Field(
        default=None,
        description="Absolute reduction of the adoption ceiling `m` from go-live "
        "(operation risks only): `m − ceiling`, at least 0.",
        json_schema_extra=unit("share of users"),
    )
    benefits: DistributionOrNumber | None = Field(
        default=None,
        description="Fractional reduction of the value per active user from go-live "
        "(operation risks only): `value × (1 − benefits)`.",
        json_schema_extra=unit("fraction of the value"),
    )
    mitigation: Mitigation | None = Field(
        default=None,
        description="What is done about the risk; not set: nothing.",
        json_schema_extra=unit(""),
    )

    def strike_probability(self) -> float:
        """The probability in force: the mitigation's if it sets one, else the risk's."""
        if self.mitigation is not None and self.mitigation.probability is not None:
            return self.mitigation.probability
        return self.probability

    def impact_factor(self) -> float:
        """The multiplier on every impact (the mitigation's, else 1)."""
        return 1.0 if self.mitigation is None else self.mitigation.impact_factor

    def mitigation_cost(self) -> float:
        """What the mitigation costs (0 without one)."""
        return 0.0 if self.mitigation is None else self.mitigation.cost

    def impacts(self) -> dict[str, DistributionOrNumber]:
        """The impacts given, by field, in :data:`IMPACTS` order."""
        return {f: getattr(self, f) for f in IMPACTS if getattr(self, f) is not None}


def check_risks(risks: Sequence[Risk]) -> None:
    """The rules that span a risk's fields or the register, naming the field at fault.

    Raises
    ------
    ScenarioError
        A duplicate name, a risk without impact, an impact its kind cannot have, both
        `cost` and `cost_share`, an impact whose values leave its range, or a mitigation
        that raises the probability or does nothing.
    """
    seen: dict[str, int] = {}
    for i, risk in enumerate(risks):
        at = f"risks[{i}]"
        if risk.name in seen:
            raise ScenarioError(
                f"{at}.name", risk.name, f"names must be unique; risks[{seen[risk.name]}] has it"
            )
        seen[risk.name] = i
        impacts = risk.impacts()
        if not impacts:
            raise ScenarioError(at, risk.name, "give at least one impact: " + ", ".join(IMPACTS))
        if "cost" in impacts and "cost_share" in impacts:
            raise ScenarioError(f"{at}.cost_share", risk.name, "give cost or cost_share, not both")
        wrong = EXECUTION_ONLY if risk.when == "operation" else OPERATION_ONLY
        for field in wrong:
            if field in impacts:
                what = "execution" if risk.when == "operation" else "operation"
                raise ScenarioError(
                    f"{at}.{field}",
                    risk.when,
                    f"only an {what} risk has a {field} impact; this one has when = {risk.when!r}",
                )
        for field, dist in impacts.items():
            low, high = IMPACT_RANGES[field]
            lo, hi = effective_range(dist)
            if not within((lo, hi), low, high):
                raise ScenarioError(
                    f"{at}.{field}",
                    dist.model_dump(),
                    f"its values range over [{lo:g}, {hi:g}]; they must stay within "
                    f"[{low:g}, {high:g}]",
                )
        mitigation = risk.mitigation
        if mitigation is None:
            continue
        if mitigation.probability is not None and mitigation.probability > risk.probability:
            raise ScenarioError(
                f"{at}.mitigation.probability",
                mitigation.probability,
                f"a mitigation lowers the probability: at most the risk's {risk.probability:g}",
            )
        if mitigation.probability is None and mitigation.impact_factor == 1.0:
            raise ScenarioError(
                f"{at}.mitigation",
                mitigation.model_dump(),
                "a mitigation must lower the probability (probability) or the impact "
                "(impact_factor < 1)",
            )
