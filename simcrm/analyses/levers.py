"""What the spiral's levers buy: named decisions, each compared with the scenario as it is.

A *lever* is a decision a project can take — plan before starting, improve after each
review, rescue a failing system, give users collaboration tools, govern scope — written
as dotted-path changes to the scenario (:func:`simcrm.scenario.editing.with_values`).
Every lever is simulated on the scenario's random numbers and compared with it
(:func:`simcrm.analyses.compare.compare_many`): the paired difference of each verdict's
P(fail), of P(abandoned) and of the mean NPV, with its 95% interval. A lever the
scenario already has at that setting is reported as *already on*, not run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from simcrm.analyses.compare import Comparison, Difference, compare_many
from simcrm.engine.defaults import resolve
from simcrm.engine.executors import Executor
from simcrm.scenario.editing import Value, with_values
from simcrm.scenario.schema import Scenario


@dataclass(frozen=True)
class Lever:
    """A named decision: the dotted paths it sets and the values it sets them to."""

    name: str
    changes: Mapping[str, Value]
    description: str = ""


PLANNING: dict[str, Value] = {"plan.planning_quality": 0.8}
IMPROVEMENT: dict[str, Value] = {"reviews.improvement": True}
RESCUE: dict[str, Value] = {"reviews.rescue": True}

LEVERS: tuple[Lever, ...] = (
    Lever("planning", PLANNING, "criteria planned before the start (quality 0.8, fixed)"),
    Lever("improvement", IMPROVEMENT, "improve after each review"),
    Lever("rescue", RESCUE, "rescue a system about to be abandoned"),
    Lever("collaboration", {"adoption.collaboration": 1.0}, "full collaboration tools"),
    Lever("governance", {"scope.governance": 0.8}, "a steering committee blocks 80% of add-ons"),
    Lever("full spiral", PLANNING | IMPROVEMENT | RESCUE, "planning, improvement and rescue"),
)
"""The levers :func:`levers` tries, in the order it reports them."""


def current_value(scenario: Scenario, path: str) -> Any:
    """The scenario's value at a dotted path, as JSON (a distribution as its table)."""
    node: Any = scenario.model_dump(mode="json")
    for part in path.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def _same(current: Any, target: Value) -> bool:
    """Whether a current value already is the lever's setting (a fixed distribution of
    the number counts as the number)."""
    if isinstance(current, dict) and current.get("kind") == "fixed":
        current = current.get("value")
    if isinstance(target, bool) or isinstance(current, bool):
        return current is target
    if isinstance(target, int | float) and isinstance(current, int | float):
        return float(current) == float(target)
    return bool(current == target)


def already_on(scenario: Scenario, lever: Lever) -> bool:
    """Whether every value the lever sets already has that setting in the scenario."""
    return all(_same(current_value(scenario, p), v) for p, v in lever.changes.items())


def figure_names(scenario: Scenario) -> list[str]:
    """The figures a lever is judged by: P(fail) of every criterion, P(abandoned), mean npv."""
    return [f"P(fail {name})" for name in scenario.criteria] + ["P(abandoned)", "mean npv"]


@dataclass(frozen=True)
class LeverEffect:
    """One lever's effect: its comparison with the scenario, or None when already on."""

    lever: Lever
    comparison: Comparison | None

    @property
    def already_on(self) -> bool:
        """The scenario already has this lever's setting (nothing was run)."""
        return self.comparison is None


@dataclass(frozen=True)
class LeverEffects:
    """Each lever's paired effect on the verdicts, P(abandoned) and mean NPV.

    Attributes
    ----------
    scenario
        The scenario's name.
    trials, seed
        What every run (the scenario's and each lever's) used.
    figures
        The figures reported: ``P(fail <criterion>)`` …, ``P(abandoned)``, ``mean npv``.
    effects
        One per lever, in :data:`LEVERS` order.
    currency
        The scenario's currency (for the NPV).
    """

    scenario: str
    trials: int
    seed: int
    figures: tuple[str, ...]
    effects: tuple[LeverEffect, ...] = field(default_factory=tuple)
    currency: str = ""

    def difference(self, lever: str, figure: str) -> Difference | None:
        """The lever's paired difference of a figure (None when the lever is already on)."""
        for effect in self.effects:
            if effect.lever.name == lever:
                c = effect.comparison
                return None if c is None else c.figures[figure]
        raise KeyError(lever)

    def to_frame(self) -> pd.DataFrame:
        """One row per lever × figure: ``lever``, ``figure``, ``status`` (``effect`` or
        ``already on``), ``a`` (the scenario), ``b`` (with the lever), ``difference``,
        ``se``, ``low``, ``high`` (NaN when already on)."""
        nan = float("nan")
        rows = []
        for effect in self.effects:
            for name in self.figures:
                if effect.comparison is None:
                    rows.append(
                        (effect.lever.name, name, "already on", nan, nan, nan, nan, nan, nan)
                    )
                    continue
                d = effect.comparison.figures[name]
                rows.append(
                    (effect.lever.name, name, "effect", d.a, d.b, d.difference, d.se, *d.ci95)
                )
        columns = ["lever", "figure", "status", "a", "b", "difference", "se", "low", "high"]
        return pd.DataFrame(rows, columns=columns)

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready form (what ``simcrm levers --json`` prints)."""
        levers = []
        for effect in self.effects:
            c = effect.comparison
            levers.append(
                {
                    "lever": effect.lever.name,
                    "description": effect.lever.description,
                    "changes": dict(effect.lever.changes),
                    "status": "already on" if c is None else "effect",
                    "figures": None
                    if c is None
                    else {name: c.figures[name].to_dict() for name in self.figures},
                }
            )
        return {
            "scenario": self.scenario,
            "trials": self.trials,
            "seed": self.seed,
            "currency": self.currency,
            "figures": list(self.figures),
            "levers": levers,
        }


def levers(
    scenario: Scenario,
    trials: int | None = None,
    seed: int | None = None,
    executor: Executor | None = None,
    chosen: Sequence[Lever] = LEVERS,
) -> LeverEffects:
    """Each lever's effect on ``scenario``, on common random numbers (lever − scenario).

    ``trials`` and ``seed`` default to the scenario's ``[simulation]`` settings; the
    scenario is simulated once, each lever not already on once more.
    """
    trials, seed = resolve(scenario, trials, seed)
    to_run = [lever for lever in chosen if not already_on(scenario, lever)]
    options = [with_values(scenario, lever.changes, keep_text=False) for lever in to_run]
    found = dict(
        zip(
            [lv.name for lv in to_run],
            compare_many(scenario, options, trials, seed, executor),
            strict=True,
        )
    )
    effects = tuple(LeverEffect(lever, found.get(lever.name)) for lever in chosen)
    return LeverEffects(
        scenario.name, trials, seed, tuple(figure_names(scenario)), effects, scenario.currency
    )
