"""Dotted parameter paths into a scenario: look up, list what can vary, check a range.

A path names a field through the scenario's sections and tables, e.g.
``"scope.discovery_rate"``, ``"plan.planning_quality"`` or
``"components.integration.overrun.p90"``. Analyses that vary parameters per trial
(population heterogeneity, epistemic worlds, calibration) name them this way.
Works on any pydantic model, so the schema itself can use it.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel, ValidationError

from simcrm.errors import InputError
from simcrm.scenario.envelope import (
    MAX_FACTOR,
    MAX_FACTOR_DRAW,
    MAX_MONEY,
    MAX_MONTHS,
    MAX_RATE,
    within,
)

SUPPORT_RULES: tuple[tuple[str, str, float, float], ...] = (
    ("plan", "planned_months", 1e-9, MAX_MONTHS),
    ("plan", "planning_quality", 0.0, 1.0),
    ("scope", "effect", 0.0, MAX_FACTOR),
    ("adoption", "ceiling", 0.0, 1.0),
    ("adoption", "innovation", 0.0, 1.0),
    ("adoption", "imitation", 0.0, MAX_RATE),
    ("adoption", "discontinuance", 0.0, 1.0),
    ("adoption", "rejection_rate", 0.0, 1.0),
    ("money", "running_cost_per_user_month", 0.0, MAX_MONEY),
    ("money", "running_fixed_month", 0.0, MAX_MONEY),
    ("money", "value_per_active_user_month", -MAX_MONEY, MAX_MONEY),
    ("money", "intangible_points", 0.0, MAX_MONEY),
    ("reviews", "improvement_cost", 0.0, MAX_FACTOR),
    ("reviews", "improvement_uplift", 0.0, 1.0),
    ("reviews", "rescue_cost", 0.0, MAX_FACTOR),
    ("reviews", "rescue_success", 0.0, 1.0),
    ("reviews", "rescue_uplift", 0.0, 1.0),
    ("execution", "schedule", 0.0, MAX_FACTOR_DRAW),
)
"""Fields that may hold a distribution, and the interval its values must stay in (its
effective range: :func:`~simcrm.scenario.envelope.effective_range`); a field that holds a
plain number is checked by its own type instead. The finite ends are the numeric envelope
of :mod:`simcrm.scenario.envelope`."""


PER_TRIAL_NUMBERS = (
    "reviews.improvement_cost",
    "reviews.improvement_uplift",
    "reviews.rescue_cost",
    "reviews.rescue_success",
    "reviews.rescue_uplift",
)
"""Fields read as numbers by the stages that a scenario may give as a distribution."""


DRAWN_DISTRIBUTIONS = (
    "plan.planned_months",
    "plan.planning_quality",
    "adoption.ceiling",
    "adoption.innovation",
    "adoption.imitation",
    "adoption.discontinuance",
    "adoption.rejection_rate",
    "money.running_cost_per_user_month",
    "money.running_fixed_month",
    "money.value_per_active_user_month",
    "money.intangible_points",
)
"""Distribution-valued fields that a stage draws once per trial."""


def correlatable(scenario: BaseModel) -> dict[str, str]:
    """The inputs ``[correlations]`` may name, each with how it is drawn.

    Returns
    -------
    dict
        Path → ``"factor"`` (a cost item's overrun or the schedule factor: its normal
        score in the one-factor copula is replaced), ``"distribution"`` (a field drawn
        per trial whose distribution is not fixed: its uniform draw is replaced) or
        ``"occurrence"`` (``risks.<name>``, a risk of the register: its occurrence
        uniform is replaced by ``Φ(z)``).
    """
    found = {f"components.{name}.overrun": "factor" for name in lookup(scenario, "components")}  # type: ignore[attr-defined]
    found["execution.schedule"] = "factor"
    for path in (*DRAWN_DISTRIBUTIONS, *PER_TRIAL_NUMBERS):
        value = lookup(scenario, path)
        if hasattr(value, "sample") and getattr(value, "kind", "fixed") != "fixed":
            found[path] = "distribution"
    for risk in getattr(scenario, "risks", ()):
        found[f"risks.{risk.name}"] = "occurrence"
    return found


def lookup(scenario: BaseModel, path: str) -> object:
    """The scenario's value at a dotted path (``components.integration.overrun.p90``)."""
    node: object = scenario
    for part in path.split("."):
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, BaseModel) and part in type(node).model_fields:
            node = getattr(node, part)
        else:
            raise InputError(path, part, "no such scenario parameter")
    return node


def overridable(scenario: BaseModel) -> dict[str, str]:
    """Every numeric or distribution parameter path of a scenario, with its kind.

    Returns
    -------
    dict
        Path → ``"number"`` or ``"distribution"``.
    """
    found: dict[str, str] = {}

    def walk(prefix: str, node: object) -> None:
        if isinstance(node, BaseModel) and hasattr(node, "sample"):
            found[prefix] = "distribution"
        elif isinstance(node, BaseModel):
            for name in type(node).model_fields:
                walk(f"{prefix}.{name}".lstrip("."), getattr(node, name))
        elif isinstance(node, Mapping):
            for key, child in node.items():
                walk(f"{prefix}.{key}", child)
        elif isinstance(node, int | float) and not isinstance(node, bool):
            found[prefix] = "number"
        if prefix in NOT_OVERRIDABLE or prefix.endswith(".share"):
            found.pop(prefix, None)

    for section in ("plan", "components", "execution", "scope", "adoption", "reviews", "money"):
        walk(section, getattr(scenario, section))
    return found


NOT_OVERRIDABLE = frozenset(
    {
        "reviews.cycle_months",
        "reviews.max_rescues",
        "reviews.abandon_min_months",
        "adoption.rejection_onset_months",
        "scope.effect",
        "execution.max_execution_months",
    }
)
"""Parameters the model reads as whole-run settings, not per trial."""


def check_override_range(
    scenario: BaseModel, path: str, support: tuple[float, float], field: str
) -> None:
    """Refuse per-trial values outside what the parameter's own field allows.

    The field is re-validated at both ends of ``support`` with the scenario's schema;
    pass a distribution's effective range
    (:func:`~simcrm.scenario.envelope.effective_range`), not an infinite support.
    """
    for section_name, name, low, high in SUPPORT_RULES:
        if path == f"{section_name}.{name}" and not within(support, low, high):
            raise InputError(field, list(support), f"{path} must stay within [{low:g}, {high:g}]")
    *parents, leaf = path.split(".")
    section = lookup(scenario, ".".join(parents))
    if not isinstance(section, BaseModel):
        raise InputError(field, path, "not a parameter the model can vary")
    current = getattr(section, leaf)
    for end in support:
        trial_value: object = (
            end if isinstance(current, int | float) else {"kind": "fixed", "value": end}
        )
        try:
            type(section).model_validate({**section.model_dump(), leaf: trial_value})
        except ValidationError as err:
            message = err.errors()[0]["msg"].removeprefix("Value error, ")
            raise InputError(
                field, end, f"its values range over {support}, but {path}: {message}"
            ) from None
        except InputError as err:
            raise InputError(
                field, end, f"its values range over {support}, but {err.allowed}"
            ) from None
