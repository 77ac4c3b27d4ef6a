"""Scenario parameters as the model stages read them, overridable per trial.

A scenario gives one value per parameter. Analyses that vary parameters across projects
(heterogeneity across firms) or across worlds (epistemic uncertainty) pass *overrides*:
a per-trial array for a dotted parameter path such as ``"scope.discovery_rate"`` or
``"plan.planning_quality"``. The stages read every parameter through
:class:`Parameters`, so an override reaches the model wherever the parameter is used,
and the random streams are consumed exactly as without it (common random numbers).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel

from simcrm.distributions import Distribution
from simcrm.errors import InputError
from simcrm.scenario.paths import lookup
from simcrm.scenario.schema import Scenario

FloatArray = npt.NDArray[np.float64]
Value = float | FloatArray


class Parameters:
    """Read access to a scenario's parameters for one block of trials.

    Parameters
    ----------
    scenario
        The project model.
    overrides
        Per-trial values (arrays of the block's length) by dotted path.
    """

    def __init__(
        self,
        scenario: Scenario,
        overrides: Mapping[str, FloatArray] | None = None,
        *,
        record: bool = False,
        scores: Mapping[str, FloatArray] | None = None,
        design: Mapping[str, FloatArray] | None = None,
    ) -> None:
        self.scenario = scenario
        self.overrides = dict(overrides or {})
        self.scores = dict(scores or {})
        """Normal scores of correlated factors (``components.<c>.overrun``,
        ``execution.schedule``), which replace their scores in the one-factor copula."""
        self.sampled: dict[str, FloatArray] | None = {} if record else None
        """With ``record``: every per-trial input drawn, by path, in trial order."""
        self.design = dict(design or {})
        """A sampling design's uniforms by input (:mod:`simcrm.model.design`); empty with
        plain Monte Carlo."""

    def uniforms(self, name: str, drawn: FloatArray) -> FloatArray:
        """The design's uniforms of input ``name`` if it has them, else ``drawn`` (the
        stream's draw, made either way so no other draw moves)."""
        return self.design.get(name, drawn)

    def note(self, path: str, values: FloatArray) -> None:
        """Record the per-trial values of an input (when recording)."""
        if self.sampled is not None:
            self.sampled[path] = np.asarray(values, dtype=np.float64)

    def value(self, path: str) -> Value:
        """A numeric parameter: the override array if there is one, else the scalar."""
        if path in self.overrides:
            return self.overrides[path]
        found = _cached_lookup(self.scenario, path)
        if not isinstance(found, int | float):
            raise InputError(path, found, "not a number (a distribution? use draw())")
        return float(found)

    def reordered(self, order: npt.NDArray[np.intp]) -> Parameters:
        """The same parameters for the block's trials taken in ``order``."""
        taken = {p: v[order] if np.ndim(v) else v for p, v in self.overrides.items()}
        design = {name: u[order] for name, u in self.design.items()}
        return Parameters(self.scenario, taken, design=design)

    def draw(self, path: str, rng: np.random.Generator, n: int) -> FloatArray:
        """Per-trial values of a distribution parameter, sampled from ``rng``.

        The sample is always drawn, so an override changes no other draw.
        """
        dist = lookup(self.scenario, path)
        if not isinstance(dist, BaseModel):
            raise InputError(path, dist, "this parameter is a number; use value()")
        law = _as_distribution(dist, path)
        sample = law.sample(rng, n)
        if path in self.design:  # a sampling design's column (the stream drew anyway)
            sample = np.asarray(law.ppf(self.design[path]), dtype=np.float64)
        override = self.overrides.get(path)
        drawn = sample if override is None else np.asarray(override, dtype=np.float64)
        self.note(path, np.broadcast_to(drawn, n))
        return drawn


_LOOKUPS: dict[int, tuple[Scenario, dict[str, object]]] = {}


def _cached_lookup(scenario: Scenario, path: str) -> object:
    """:func:`lookup`, remembered per scenario (scenarios are frozen)."""
    entry = _LOOKUPS.get(id(scenario))
    if entry is None or entry[0] is not scenario:
        if len(_LOOKUPS) > 64:
            _LOOKUPS.clear()
        entry = _LOOKUPS[id(scenario)] = (scenario, {})
    cache = entry[1]
    if path not in cache:
        cache[path] = lookup(scenario, path)
    return cache[path]


def _as_distribution(node: BaseModel, path: str) -> Distribution:
    if not hasattr(node, "sample"):
        raise InputError(path, node, "not a distribution")
    return node  # type: ignore[return-value]


def per_component(params: Parameters, field: str, n: int) -> FloatArray:
    """A component field for every component, shaped to broadcast against the
    component-major ``(components, trials)`` arrays of the model: ``(components, 1)``, or
    ``(components, trials)`` when any component's value is overridden per trial."""
    paths = [f"components.{name}.{field}" for name in params.scenario.components]
    values = [params.value(path) for path in paths]
    if all(isinstance(v, float) for v in values):
        return np.array(values)[:, None]
    return np.vstack([np.broadcast_to(v, n) for v in values])
