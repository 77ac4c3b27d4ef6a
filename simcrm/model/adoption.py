"""Operate: Bass diffusion of use after go-live (MODEL.md §3, *contract*)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from simcrm.model.parameters import Parameters

FloatArray = npt.NDArray[np.float64]


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


class BassStepper:
    """In-place monthly Bass updates for many trials: the fast form of :func:`bass_step`.

    ``a ← a (1 − δ) + (p + (qb/m) a)(m − a)``, then ``a ← min(a, m)``; the terms are
    never negative for valid parameters (``p, qb ≥ 0``, ``0 ≤ a ≤ m``, ``δ ≤ 1``), so
    only the upper clip is needed. Call :meth:`refresh` after the ceiling changes.
    """

    def __init__(self, state: AdoptionState) -> None:
        self.state = state
        self.retention = 1.0 - state.discontinuance
        # a ≤ m stays true without clipping when p + qb ≤ 1 (the step is then a convex
        # combination of a(1 − δ) ≤ a and m)
        self.clip = bool(np.any(state.innovation + state.imitation > 1.0))
        self.refresh()
        self._gap = np.empty_like(state.ceiling)
        self._rate = np.empty_like(state.ceiling)

    def refresh(self) -> None:
        """Recompute what depends on the ceiling."""
        m = self.state.ceiling
        self.imitation_per_m = np.divide(self.state.imitation, m, out=np.zeros_like(m), where=m > 0)

    def step(self, active: FloatArray, count: int | None = None) -> None:
        """Advance ``active`` by one month, in place (only its first ``count`` trials)."""
        k = active.size if count is None else count
        a, m = active[:k], self.state.ceiling[:k]
        rate, gap = self._rate[:k], self._gap[:k]
        np.multiply(self.imitation_per_m[:k], a, out=rate)
        rate += self.state.innovation[:k]
        np.subtract(m, a, out=gap)
        rate *= gap
        a *= self.retention[:k]
        a += rate
        if self.clip:
            np.minimum(a, m, out=a)

    def stop(self, trials: npt.NDArray[np.intp]) -> None:
        """End use for good: with ``a = p = 0`` the recursion stays at 0."""
        self.state.innovation[trials] = 0.0


def bass_step(active: FloatArray, state: AdoptionState) -> FloatArray:
    """One month of adoption: ``a + (p + qb·a/m)(m − a) − δ·a``, clipped to ``[0, m]``.

    With ``δ = 0`` this is the discrete Bass recursion of MODEL.md §3.
    """
    m = state.ceiling
    share = np.divide(active, m, out=np.zeros_like(active), where=m > 0)
    grown = active + (state.innovation + state.imitation * share) * (m - active)
    grown -= state.discontinuance * active
    return np.clip(grown, 0.0, m)
