"""Per-trial values of the fields that take a number or a distribution (docs/model.md §4).

Most uncertain inputs are distribution-valued fields that their stage draws from its
own stream (planned duration, adoption ceiling, …). A few fields hold a plain number in
most scenarios and a distribution in some (the effects and costs of improvement and
rescue). Where a scenario gives a distribution, it is drawn here, once per trial, from
the block's INPUTS stream, in the fixed order of :data:`PER_TRIAL_NUMBERS`, and reaches
the stages as a per-trial override; where it gives a number, nothing is drawn, so such
scenarios use exactly the random numbers they used before.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

from simcrm.scenario.paths import PER_TRIAL_NUMBERS, lookup
from simcrm.scenario.schema import Scenario

FloatArray = npt.NDArray[np.float64]


def uses_number_inputs(scenario: Scenario) -> bool:
    """Whether the scenario gives any :data:`PER_TRIAL_NUMBERS` field as a distribution."""
    return any(hasattr(lookup(scenario, path), "sample") for path in PER_TRIAL_NUMBERS)


def draw_number_inputs(
    scenario: Scenario,
    rng: np.random.Generator,
    size: int,
    design: Mapping[str, FloatArray] | None = None,
) -> dict[str, FloatArray]:
    """Per-trial values of every :data:`PER_TRIAL_NUMBERS` field given as a distribution
    (from a sampling ``design``'s column where it has one; the stream draws either way)."""
    drawn: dict[str, FloatArray] = {}
    for path in PER_TRIAL_NUMBERS:
        value = lookup(scenario, path)
        if hasattr(value, "sample"):
            drawn[path] = np.asarray(value.sample(rng, size), dtype=np.float64)
            if design and path in design:
                drawn[path] = np.asarray(value.ppf(design[path]), dtype=np.float64)  # type: ignore[attr-defined]
    return drawn
