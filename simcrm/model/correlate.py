"""Correlated inputs: the Gaussian copula of ``[correlations]`` (docs/model.md §2).

For the inputs a scenario correlates, a block draws from its own CORRELATION stream a
matrix of standard normals, gives them the normal-score correlation ``R`` of the stated
rank correlations (:mod:`simcrm.scenario.correlations`), and hands each input its column:

- a cost item's overrun or the schedule factor takes it as its normal score in the
  one-factor copula (in place of ``rho Z + sqrt(1 − rho²) ε``), so its marginal is
  unchanged and its correlations are those stated;
- a field drawn per trial takes ``F⁻¹(Φ(z))``, its own distribution at the correlated
  uniform, as a per-trial override; its stage still draws from its stream as before, so
  the other inputs' draws do not move;
- a risk of the register (``risks.<name>``) takes ``Φ(z)`` as its occurrence uniform
  (:mod:`simcrm.model.risks`), in place of its draw from the RISKS stream, which is
  still made. The rank correlation stated is that of the occurrence uniforms; the
  correlation of the occurrences themselves (0/1) is smaller.

A scenario without the section draws nothing here.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt
from scipy.special import ndtr, ndtri

from simcrm.scenario.correlations import copula_root
from simcrm.scenario.paths import correlatable, lookup
from simcrm.scenario.schema import Scenario

FloatArray = npt.NDArray[np.float64]


def correlated_draws(
    scenario: Scenario,
    rng: np.random.Generator,
    size: int,
    design: Mapping[str, FloatArray] | None = None,
) -> tuple[dict[str, FloatArray], dict[str, FloatArray]]:
    """The correlated inputs of one block (with a sampling ``design``, the independent
    normals the copula mixes are the design's scores of the correlated inputs).

    Returns
    -------
    tuple of dict
        Normal scores of the correlated factors and risk occurrences, and values of the
        correlated distributions, by path (trial order).
    """
    names = scenario.correlations.names()
    if not names:
        return {}, {}
    root = copula_root(scenario.correlations.ranks(), scenario.correlations.repair)
    independent = rng.standard_normal((size, len(names)))
    for i, name in enumerate(names):
        if design and name in design:
            independent[:, i] = ndtri(design[name])
    z = independent @ root.T
    kinds = correlatable(scenario)
    scores: dict[str, FloatArray] = {}
    values: dict[str, FloatArray] = {}
    for i, name in enumerate(names):
        column = np.ascontiguousarray(z[:, i])
        if kinds[name] in ("factor", "occurrence"):
            scores[name] = column
        else:
            dist = lookup(scenario, name)
            values[name] = np.asarray(dist.ppf(ndtr(column)), dtype=np.float64)  # type: ignore[attr-defined]
    return scores, values
