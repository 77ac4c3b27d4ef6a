"""Population parameters in the reference model: one project's own scenario.

A scenario's ``[population]`` names parameters (by dotted path) that vary across
projects or worlds. For one trial of the reference model each is drawn once, from the
trial's generator, and the trial then runs on a copy of the scenario with those values
in place: a number is replaced by the value, a distribution by that fixed value. The
drawn values are reported as ``in_<path with dots as underscores>``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from pydantic import BaseModel

from simcrm.distributions import Fixed
from simcrm.scenario.schema import Scenario


def input_column(path: str) -> str:
    """Output column of a sampled input: ``scope.discovery_rate`` → ``in_scope_discovery_rate``."""
    return "in_" + path.replace(".", "_")


def draw_population(scenario: Scenario, rng: np.random.Generator) -> dict[str, float]:
    """One value of every population parameter (epistemic first, in declaration order)."""
    return {path: float(d.sample(rng, 1)[0]) for path, d in scenario.population.paths().items()}


def with_values(scenario: Scenario, values: Mapping[str, float]) -> Scenario:
    """A copy of ``scenario`` with the parameter at each dotted path set to its value."""
    for path, value in values.items():
        scenario = _replace(scenario, path.split("."), value)
    return scenario


def _replace(node: Any, parts: Sequence[str], value: float) -> Any:
    """``node`` with the field at ``parts`` replaced (models and dicts are copied)."""
    head, rest = parts[0], parts[1:]
    child = node[head] if isinstance(node, Mapping) else getattr(node, head)
    if rest:
        new = _replace(child, rest, value)
    elif isinstance(child, BaseModel) and hasattr(child, "sample"):
        new = Fixed(value=value)
    else:
        new = value
    if isinstance(node, Mapping):
        return {**node, head: new}
    return node.model_copy(update={head: new})
