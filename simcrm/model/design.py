"""Sampling designs: the per-trial inputs of a block from a Latin hypercube or a Sobol' net.

With ``mc`` (the default) every per-trial input is drawn from its stage's stream
(docs/model.md §8) and nothing here runs. With ``lhs`` or ``sobol`` each block of 16,384
trials is one randomised replicate of a design over the block's *per-trial inputs*
(:func:`design_inputs`): a scrambled Latin hypercube
(:class:`scipy.stats.qmc.LatinHypercube`) or the first points of a scrambled Sobol' net
of 2^14 points (:class:`scipy.stats.qmc.Sobol`), its randomisation seeded from the
block's DESIGN stream ``(seed, block)``. Each input then takes its value from its column:
a distribution ``F⁻¹(u)``, a normal score ``Φ⁻¹(u)``, an occurrence ``u < p``.

The event-level randomness (change requests, reviews, improvements) stays on its
streams, as do the streams' own draws, which are still made, so a design changes no
other draw. Correlations (``[correlations]``) apply on top of the design: the
independent normals the copula mixes are the design's scores of the correlated inputs.
Blocks are independent replicates, so the spread of the block estimates gives honest
intervals (:mod:`simcrm.stats.replicates`), and a block's points depend only on
``(seed, block)``: the same bytes on any chunking and executor.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import numpy as np
import numpy.typing as npt

from simcrm.errors import InputError
from simcrm.scenario.paths import correlatable
from simcrm.scenario.schema import Scenario
from simcrm.streams import BLOCK_SIZE

FloatArray = npt.NDArray[np.float64]

SAMPLINGS: Final = ("mc", "lhs", "sobol")
"""The sampling designs: plain Monte Carlo, Latin hypercube, scrambled Sobol'."""

SOBOL_MAX_DIMENSION: Final = 21_201
"""Most dimensions :class:`scipy.stats.qmc.Sobol` has direction numbers for."""

_LOWEST = float(np.finfo(np.float64).tiny)
_HIGHEST = 1.0 - 2.0**-53
"""A design's uniforms are kept inside (0, 1), so no normal score is infinite."""


def check_sampling(sampling: str) -> str:
    """``sampling`` if it names a design, else an :class:`InputError` naming them."""
    if sampling not in SAMPLINGS:
        raise InputError("--sampling", sampling, "give one of " + ", ".join(SAMPLINGS))
    return sampling


def design_inputs(scenario: Scenario) -> list[str]:
    """The per-trial inputs a design covers, in the fixed order of its columns.

    Every distribution-valued field drawn once per trial (not fixed), every population
    parameter, each overlookable cost item's omission, the shared cost shock, each cost
    item's own overrun score, the schedule's own score, the black-swan occurrence and
    size, the rejection of the system (when projects may reject it), and each risk's
    occurrence and impacts.
    """
    kinds = correlatable(scenario)
    names = [path for path, kind in kinds.items() if kind == "distribution"]
    names += [p for p in scenario.population.paths() if p not in names]
    names += [f"plan.omit.{c}" for c, item in scenario.components.items() if item.overlookable]
    names += ["execution.shock"]
    names += [f"components.{c}.overrun" for c in scenario.components]
    names += ["execution.schedule", "execution.tail", "execution.tail_size"]
    names += ["adoption.rejection"]
    for risk in scenario.risks:
        names.append(f"risks.{risk.name}")
        names += [f"risks.{risk.name}.{field}" for field in risk.impacts()]
    return names


def design_uniforms(
    scenario: Scenario, sampling: str, rng: np.random.Generator, size: int
) -> dict[str, FloatArray]:
    """One block's design: a column of ``size`` uniforms in (0, 1) per per-trial input.

    Parameters
    ----------
    scenario
        The project model.
    sampling
        ``"lhs"`` or ``"sobol"``.
    rng
        The block's DESIGN stream (it randomises the design).
    size
        Trials in the block (at most 16,384; a run's last block may have fewer: the first
        ``size`` points of the block's net, or a hypercube of ``size`` points).
    """
    from scipy.stats import qmc

    names = design_inputs(scenario)
    d = len(names)
    if sampling == "sobol":
        if d > SOBOL_MAX_DIMENSION:
            raise InputError(
                "--sampling",
                sampling,
                f"a Sobol' design has at most {SOBOL_MAX_DIMENSION:,} inputs; this "
                f"scenario has {d:,}: use lhs",
            )
        net = qmc.Sobol(d, scramble=True, bits=53, rng=rng)
        points = net.random_base2(BLOCK_SIZE.bit_length() - 1)[:size]
    elif sampling == "lhs":
        points = qmc.LatinHypercube(d, rng=rng).random(size)
    else:
        raise InputError("--sampling", sampling, "a design is lhs or sobol")
    np.clip(points, _LOWEST, _HIGHEST, out=points)
    return {name: np.ascontiguousarray(points[:, i]) for i, name in enumerate(names)}


def normal_scores(design: Mapping[str, FloatArray], name: str, fallback: FloatArray) -> FloatArray:
    """The normal scores of input ``name`` from the design, else ``fallback`` (the
    stream's draw)."""
    u = design.get(name)
    if u is None:
        return fallback
    from scipy.special import ndtri

    return np.asarray(ndtri(u), dtype=np.float64)
