"""Operate: Bass diffusion of use after go-live (docs/model.md §3, *contract*)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from simcrm.model.parameters import Parameters

FloatArray = npt.NDArray[np.float64]
Shares = npt.NDArray[np.floating[Any]]
"""Adoption shares in the stepper's floating type."""


@dataclass
class AdoptionState:
    """Adoption dynamics of each trial; ``ceiling`` and ``innovation`` change on review.

    Attributes
    ----------
    ceiling
        ``m``: the share of users who will ever use the system.
    innovation
        ``p``: adoption from outside influence (training, mandate).
    imitation
        ``qb``: adoption by imitation of colleagues (collaboration tools raise it).
    discontinuance
        ``δ``: monthly share of active users who stop using it.
    """

    ceiling: FloatArray
    innovation: FloatArray
    imitation: FloatArray
    discontinuance: FloatArray


def draw_adoption(params: Parameters, rng: np.random.Generator, n: int) -> AdoptionState:
    """Draw the adoption parameters from the ADOPTION stream.

    ``p = p0 + training_effect · training``; ``qb = qb0 (1 + collaboration_effect ·
    collaboration)`` — each effect a documented scenario coefficient.
    """
    ceiling = params.draw("adoption.ceiling", rng, n)
    training = params.value("adoption.training_effect") * params.value("adoption.training")
    innovation = params.draw("adoption.innovation", rng, n) + training
    imitation = params.draw("adoption.imitation", rng, n) * (
        1.0 + params.value("adoption.collaboration_effect") * params.value("adoption.collaboration")
    )
    discontinuance = params.draw("adoption.discontinuance", rng, n)
    return AdoptionState(ceiling, np.minimum(innovation, 1.0), imitation, discontinuance)


_ALL = slice(None)


class BassStepper:
    """Monthly Bass updates for many trials, in fused form: the fast form of :func:`bass_step`.

    ``a ← a (1 − δ) + (p + (qb/m) a)(m − a)`` is rewritten ``a ← P + a (R − c a)`` with
    ``P = p m``, ``c = qb/m`` and ``R = 1 − δ − p + c m``: four passes over the trials
    instead of six. The terms are never negative for valid parameters (``p, qb ≥ 0``,
    ``0 ≤ a ≤ m``, ``δ ≤ 1``), so only the upper clip ``a ≤ m`` is needed, and only when
    some ``p + qb > 1``. Call :meth:`refresh` after ceilings change.

    Parameters
    ----------
    state
        The adoption parameters (float64; reviews raise the ceilings).
    dtype
        Floating type of the adoption shares stepped (``P``, ``c``, ``R`` are computed in
        float64 and stored in it).
    """

    def __init__(self, state: AdoptionState, dtype: type[np.floating[Any]] = np.float64) -> None:
        self.state = state
        n = state.ceiling.size
        self.entry = np.empty(n, dtype)  # P = p m
        self.imitation_per_m = np.empty(n, dtype)  # c = qb / m (0 where m = 0)
        self.keep = np.empty(n, dtype)  # R = 1 − δ − p + c m
        self.ceiling = np.empty(n, dtype)
        # a ≤ m stays true without clipping when p + qb ≤ 1 (the step is then a convex
        # combination of a(1 − δ) ≤ a and m)
        self.clip = bool(np.any(state.innovation + state.imitation > 1.0))
        self._rate = np.empty(n, dtype)
        self.refresh()

    def refresh(self, trials: npt.NDArray[np.intp] | slice = _ALL) -> None:
        """Recompute what depends on the ceiling and innovation (of ``trials``)."""
        s = self.state
        m, p = s.ceiling[trials], s.innovation[trials]
        c = np.divide(s.imitation[trials], m, out=np.zeros_like(m), where=m > 0)
        self.imitation_per_m[trials] = c
        self.entry[trials] = p * m
        self.keep[trials] = 1.0 - s.discontinuance[trials] - p + c * m
        self.ceiling[trials] = m

    def step(self, active: Shares, out: Shares, count: int) -> None:
        """Write the month after ``active`` to ``out`` for the first ``count`` trials.

        ``out`` may be ``active`` itself; both have the stepper's dtype.
        """
        a, rate = active[:count], self._rate[:count]
        np.multiply(self.imitation_per_m[:count], a, out=rate)
        np.subtract(self.keep[:count], rate, out=rate)
        rate *= a
        np.add(rate, self.entry[:count], out=out[:count])
        if self.clip:
            np.minimum(out[:count], self.ceiling[:count], out=out[:count])

    def stop(self, trials: npt.NDArray[np.intp]) -> None:
        """End use for good from the next step on: with ``P = R = c = 0`` it gives 0."""
        self.state.innovation[trials] = 0.0
        self.entry[trials] = 0.0
        self.keep[trials] = 0.0
        self.imitation_per_m[trials] = 0.0


def bass_step(active: FloatArray, state: AdoptionState) -> FloatArray:
    """One month of adoption: ``a + (p + qb·a/m)(m − a) − δ·a``, clipped to ``[0, m]``.

    With ``δ = 0`` this is the discrete Bass recursion of docs/model.md §3.
    """
    m = state.ceiling
    share = np.divide(active, m, out=np.zeros_like(active), where=m > 0)
    grown = active + (state.innovation + state.imitation * share) * (m - active)
    grown -= state.discontinuance * active
    return np.clip(grown, 0.0, m)
