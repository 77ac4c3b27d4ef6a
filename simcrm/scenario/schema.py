"""The scenario schema: every parameter of one CRM project model (docs/model.md §1–§6, §8).

A scenario is a TOML file. The sections are pydantic models in
:mod:`~simcrm.scenario.sections`, :mod:`~simcrm.scenario.delivery` and
:mod:`~simcrm.scenario.operation` (the first tier of validation: types, ranges, unknown
keys); :class:`Scenario` puts them together and checks what spans fields (the second
tier: shares summing to 1, a scope-creep process that must end, criteria naming real
outputs). :func:`simcrm.scenario.load.load_scenario` reads a file into it.
"""

from __future__ import annotations

import difflib
from typing import Annotated, Any, Self

from pydantic import (
    Field,
    PrivateAttr,
    SerializerFunctionWrapHandler,
    StringConstraints,
    model_serializer,
    model_validator,
)

from simcrm.errors import InputError, ScenarioError
from simcrm.scenario.capacity import check_capacity
from simcrm.scenario.correlations import Correlations, copula_root
from simcrm.scenario.criteria import compile_criteria
from simcrm.scenario.delivery import Component, Execution, Overrun, Plan, Scope
from simcrm.scenario.envelope import MAX_FACTOR_DRAW, effective_range, within
from simcrm.scenario.operation import Adoption, Money, Reviews
from simcrm.scenario.outputs import BOOLEAN_OUTPUTS, OUTPUT_COLUMNS
from simcrm.scenario.paths import (
    NOT_OVERRIDABLE,
    SUPPORT_RULES,
    check_override_range,
    correlatable,
    lookup,
    overridable,
)
from simcrm.scenario.risks import MAX_RISKS, Mitigation, Risk, check_risks
from simcrm.scenario.sections import (
    MAX_TRIALS,
    NonNegative,
    Population,
    Positive,
    Probability,
    Report,
    Section,
    Simulation,
    unit,
)

__all__ = [
    "MAX_TRIALS",
    "Adoption",
    "Component",
    "Execution",
    "Mitigation",
    "Money",
    "NonNegative",
    "Overrun",
    "Plan",
    "Population",
    "Positive",
    "Probability",
    "Report",
    "Reviews",
    "Risk",
    "Scenario",
    "Scope",
    "Section",
    "Simulation",
]


ComponentName = Annotated[str, StringConstraints(min_length=1, max_length=64)]
"""A component's key: 1 to 64 characters."""


class Scenario(Section):
    """A whole CRM project model: load with :func:`simcrm.load_scenario`."""

    name: str = Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$",
        description="Name of the scenario: letters, digits, `_`, `.` and `-`, at most 64 "
        "characters.",
        json_schema_extra=unit(""),
    )
    description: str = Field(
        default="", description="What the scenario models, in words.", json_schema_extra=unit("")
    )
    currency: str = Field(
        default="CNY",
        min_length=1,
        max_length=8,
        description="Currency of every amount of money, the cost curve's included.",
        json_schema_extra=unit(""),
    )
    simulation: Simulation = Field(
        default_factory=Simulation,
        description="How many trials, from which seed, over which horizon.",
        json_schema_extra=unit(""),
    )
    plan: Plan = Field(
        description="The estimate made before the project starts.", json_schema_extra=unit("")
    )
    components: dict[ComponentName, Component] = Field(
        min_length=1,
        max_length=64,
        description="The total-cost-of-ownership items, one table `[components.<name>]` each.",
        json_schema_extra=unit(""),
    )
    execution: Execution = Field(
        default_factory=Execution,
        description="Overrun correlation and tail, schedule, and the execution cap.",
        json_schema_extra=unit(""),
    )
    scope: Scope = Field(
        default_factory=Scope,
        description="Change requests during execution (scope creep).",
        json_schema_extra=unit(""),
    )
    adoption: Adoption = Field(
        default_factory=Adoption,
        description="Bass diffusion of use after go-live.",
        json_schema_extra=unit(""),
    )
    reviews: Reviews = Field(
        default_factory=Reviews,
        description="Evaluate and improve: reviews, improvement, rescue, abandonment.",
        json_schema_extra=unit(""),
    )
    money: Money = Field(
        default_factory=Money,
        description="Running costs, benefits and discounting.",
        json_schema_extra=unit(""),
    )
    population: Population = Field(
        default_factory=Population,
        description="Parameters that vary across projects or across worlds.",
        json_schema_extra=unit(""),
    )
    criteria: dict[str, str] = Field(
        default_factory=dict,
        max_length=64,
        description="Failure criteria: name → boolean expression over the output columns and "
        "other criteria; each gives the output column `fail_<name>`.",
        json_schema_extra=unit(""),
    )
    correlations: Correlations = Field(
        default_factory=Correlations,
        description="Rank correlations between uncertain inputs (a Gaussian copula).",
        json_schema_extra=unit(""),
    )
    risks: list[Risk] = Field(
        default_factory=list,
        max_length=MAX_RISKS,
        description="The risk register: named risks, each with a probability, when it "
        "strikes, its impacts and an optional mitigation; one table `[[risks]]` each.",
        json_schema_extra=unit(""),
    )
    report: Report = Field(
        default_factory=Report,
        description="What the printed summary shows.",
        json_schema_extra=unit(""),
    )

    _source_text: str = PrivateAttr(default="")

    @model_serializer(mode="wrap")
    def _omit_unused_sections(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """Sections added after 0.2 (``correlations``, ``risks``) are left out of a dump while
        empty, so a scenario that does not use them dumps — and digests — exactly as before."""
        data: dict[str, Any] = handler(self)
        if not self.correlations.names():
            data.pop("correlations", None)
        if not self.risks:
            data.pop("risks", None)
        return data

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
        rules = [
            (f"{s}.{f}", getattr(getattr(self, s), f), lo, hi) for s, f, lo, hi in SUPPORT_RULES
        ]
        rules += [
            (f"components.{n}.overrun", c.overrun, 0.0, MAX_FACTOR_DRAW)
            for n, c in self.components.items()
        ]
        for path, value, low, high in rules:
            if not hasattr(value, "sample"):  # a number, or a { p50, p90 } factor
                continue
            lo, hi = effective_range(value)
            factor = path in FACTORS or path.startswith("components.")
            if factor and (lo < 0 or (lo == 0 and float(value.ppf(1e-12)) <= 0)):
                raise ScenarioError(
                    path,
                    value.model_dump(),
                    "a factor multiplies a cost or a duration: its values must be "
                    f"positive, but it can take {lo:g}",
                )
            if not within((lo, hi), low, high):
                raise ScenarioError(
                    path,
                    value.model_dump(),
                    f"its values range over [{lo:g}, {hi:g}]; they must stay within "
                    f"[{low:g}, {high:g}]",
                )
        self._check_population()
        check_risks(self.risks)
        self._check_correlations()
        self._check_scope_process()
        self._check_criteria()
        check_capacity(self)
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
                check_override_range(self, path, effective_range(dist), field)

    def _check_correlations(self) -> None:
        corr = self.correlations
        names = corr.names()
        if not names:
            return
        known = correlatable(self)
        varied = self.population.paths()
        for name in names:
            field = _correlation_field(corr, name)
            if name in varied:
                raise ScenarioError(
                    field, name, "drawn by [population]; correlate it there or here, not both"
                )
            if name not in known:
                close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
                hint = f"did you mean {close[0]!r}? " if close else ""
                raise ScenarioError(
                    field,
                    name,
                    f"not an uncertain input of this scenario; {hint}the inputs are: "
                    f"{', '.join(known)} (a field with a fixed value has nothing to correlate)",
                )
        where = "correlations.matrix" if corr.matrix is not None else "correlations.pairs"
        try:
            ranks = corr.ranks()
            copula_root(ranks, corr.repair)
        except ValueError as err:
            raise ScenarioError(where, names, str(err)) from None

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
            return effective_range(varied[path])[1] if path in varied else value

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
        t0_max = effective_range(varied.get("plan.planned_months") or self.plan.planned_months)[1]
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


FACTORS = frozenset({"execution.schedule"})
"""Factor-valued fields outside ``components`` (whose overruns are factors too)."""


def _correlation_field(corr: Correlations, name: str) -> str:
    """Where ``name`` stands in the section: ``correlations.pairs[i].a``, ``….inputs[i]``."""
    if corr.matrix is not None:
        return f"correlations.inputs[{corr.inputs.index(name)}]"
    for i, pair in enumerate(corr.pairs):
        if name in (pair.a, pair.b):
            return f"correlations.pairs[{i}].{'a' if pair.a == name else 'b'}"
    return "correlations"
