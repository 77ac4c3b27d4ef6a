"""Operate: Bass diffusion of use after go-live, and its fall where users reject the system
(docs/model.md §3, *contract*)."""

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
    rejection
        ``ρ``: monthly share of active users who reject it for good, from month
        ``rejection_onset + 1`` after go-live (0 where the project's users do not turn
        against it; None: no project's do).
    rejection_onset
        Months of use before rejection begins.
    """

    ceiling: FloatArray
    innovation: FloatArray
    imitation: FloatArray
    discontinuance: FloatArray
    rejection: FloatArray | None = None
    rejection_onset: int = 0

    def taken(self, order: npt.NDArray[np.intp]) -> AdoptionState:
        """The same parameters for the trials taken in ``order`` (copies)."""
        rejection = None if self.rejection is None else self.rejection[order]
        return AdoptionState(
            self.ceiling[order],
            self.innovation[order],
            self.imitation[order],
            self.discontinuance[order],
            rejection,
            self.rejection_onset,
        )


def draw_adoption(params: Parameters, rng: np.random.Generator, n: int) -> AdoptionState:
    """Draw the adoption parameters from the ADOPTION stream.

    ``p = p0 + training_effect · training``; ``qb = qb0 (1 + collaboration_effect ·
    collaboration)`` — each effect a documented scenario coefficient. A scenario whose
    projects may reject the system then draws each trial's rejection rate and a uniform
    ``u``: the project's users reject it where ``u < rejection_probability``.
    """
    ceiling = params.draw("adoption.ceiling", rng, n)
    training = params.value("adoption.training_effect") * params.value("adoption.training")
    innovation = params.draw("adoption.innovation", rng, n) + training
    imitation = params.draw("adoption.imitation", rng, n) * (
        1.0 + params.value("adoption.collaboration_effect") * params.value("adoption.collaboration")
    )
    discontinuance = params.draw("adoption.discontinuance", rng, n)
    rejection = None
    chance = params.value("adoption.rejection_probability")
    rate_given = params.scenario.adoption.rejection_rate
    # drawn last, so no other draw of the stream moves; the rate whenever it is uncertain
    # (an input like any other), the uniform only where a project may reject
    if np.any(np.asarray(chance) > 0.0) or getattr(rate_given, "kind", "fixed") != "fixed":
        rate = params.draw("adoption.rejection_rate", rng, n)
        if np.any(np.asarray(chance) > 0.0):
            rejects = params.uniforms("adoption.rejection", rng.random(n)) < chance
            rejection = np.where(rejects, rate, 0.0)
    onset = params.scenario.adoption.rejection_onset_months
    return AdoptionState(
        ceiling, np.minimum(innovation, 1.0), imitation, discontinuance, rejection, onset
    )


_ALL = slice(None)


class Rejection:
    """The rejecting trials from their onset on, stepped apart: few, so kept compact.

    From month ``onset + 1`` after go-live a rejecting trial loses ``ρ a`` a month for
    good: ``a ← a (1 − δ − ρ) + (p + (qb/m) a)(m − a)``, clipped to ``[0, m′]``, and its
    ceiling shrinks by as much, ``m′ = m − ρ a`` (the same ``a``, before the step). Its
    share and ceiling are stepped here in float64, in the fused form ``a ← p m + a (K −
    (qb/m) a)`` with ``K = 1 − δ − ρ − p + qb``, and written to the stepper's rows each
    month and to the state's ceilings each month or on :meth:`sync` (the reviews read
    both). The step is a convex
    combination when ``p + qb ≤ 1`` and ``δ + ρ ≤ 1``; the clips cover the other cases.

    Parameters
    ----------
    state
        The adoption parameters; only trials with ``ρ > 0`` and ``m > 0`` reject.
    """

    def __init__(self, state: AdoptionState) -> None:
        n = state.ceiling.size
        rho = np.zeros(n) if state.rejection is None else state.rejection
        self.at = np.flatnonzero((rho > 0) & (state.ceiling > 0))  # positions, ascending
        self.started = self.at  # (end makes new arrays: this stays the first set)
        self.start = state.ceiling[self.at]  # the ceilings before any rejection
        self.onset = state.rejection_onset
        self.rho, self.p, self.qb, self.m = (
            x[self.at] for x in (rho, state.innovation, state.imitation, state.ceiling)
        )
        self.fused = 1.0 - state.discontinuance[self.at] - self.rho - self.p + self.qb
        self.floor = bool(np.any(state.discontinuance[self.at] + self.rho > 1.0))
        self.empty = bool(np.any(self.rho >= 1.0))  # only then can a ceiling reach 0
        self.a = np.zeros(self.at.size)
        self._work = np.empty((2, self.at.size))
        self._gone = np.zeros(n, dtype=np.bool_)

    def step(
        self,
        month: int,
        active: Shares,
        out: Shares,
        count: int,
        ceiling: FloatArray | None = None,
    ) -> None:
        """Month ``month`` of the first ``count`` trials: overwrite the rejecting ones' ``out``.

        ``active`` is the month before (read at the onset only); ``ceiling`` the state's,
        written with the new ceilings if given (else :meth:`sync` writes them on demand).
        """
        j = int(self.at.searchsorted(count))  # those still operating
        at, a, m = self.at[:j], self.a[:j], self.m[:j]
        lost, term = self._work[0, :j], self._work[1, :j]
        if month == self.onset + 1:
            a[:] = active[at]
        np.multiply(self.rho[:j], a, out=lost)
        np.divide(self.qb[:j], np.maximum(m, _TINY) if self.empty else m, out=term)  # qb / m
        term *= a
        np.subtract(self.fused[:j], term, out=term)
        term *= a
        np.multiply(self.p[:j], m, out=a)
        a += term  # p m + a (K − (qb/m) a)
        m -= lost
        np.minimum(a, m, out=a)
        if self.floor:
            np.maximum(a, 0.0, out=a)
        # rounded to the rows' type first: the same values, and a cheaper scatter
        out[at] = a if out.dtype == a.dtype else a.astype(out.dtype)
        if ceiling is not None:
            ceiling[at] = m

    def sync(self, ceiling: FloatArray) -> None:
        """Write the current ceilings of the rejecting trials to ``ceiling`` (the state's).

        A trial's ``m`` changes only while it is stepped, so this writes what writing
        ``ceiling`` at every :meth:`step` would have left.
        """
        if self.at.size:
            ceiling[self.at] = self.m

    def end(self, trials: npt.NDArray[np.intp]) -> None:
        """End the rejection of ``trials`` (positions): they step with the rest from now on."""
        if self.at.size and trials.size:
            self._gone[trials] = True
            keep = ~self._gone[self.at]
            self._gone[trials] = False
            if keep.all():
                return
            self.at = self.at[keep]
            for name in ("rho", "p", "qb", "m", "fused", "a"):
                setattr(self, name, getattr(self, name)[keep])


_TINY = 1e-300
"""Stands in for a ceiling of 0 in ``qb / m`` (its share is then 0 too)."""


class BassStepper:
    """Monthly Bass updates for many trials, in fused form: the fast form of :func:`bass_step`.

    ``a ← a (1 − δ) + (p + (qb/m) a)(m − a)`` is rewritten ``a ← P + a (R − c a)`` with
    ``P = p m``, ``c = qb/m`` and ``R = 1 − δ − p + c m``: four passes over the trials
    instead of six. The terms are never negative for valid parameters (``p, qb ≥ 0``,
    ``0 ≤ a ≤ m``, ``δ ≤ 1``), so only the upper clip ``a ≤ m`` is needed, and only when
    some ``p + qb > 1``. Call :meth:`refresh` after ceilings change. Trials whose users
    reject the system are stepped apart from the onset on (:class:`Rejection`) until
    :meth:`end_rejection`; their ceilings fall month by month, written to the state's
    every month or, with ``lazy_ceilings``, only by :meth:`sync`.

    Parameters
    ----------
    state
        The adoption parameters (float64; reviews raise the ceilings, rejection lowers them).
    dtype
        Floating type of the adoption shares stepped (``P``, ``c``, ``R`` are computed in
        float64 and stored in it).
    lazy_ceilings
        Write the rejecting trials' falling ceilings to ``state.ceiling`` only on
        :meth:`sync` (and :meth:`ceiling_bound`), not every month: call :meth:`sync`
        before reading or changing ``state.ceiling`` (e.g. before a review).
    """

    def __init__(
        self,
        state: AdoptionState,
        dtype: type[np.floating[Any]] = np.float64,
        lazy_ceilings: bool = False,
    ) -> None:
        self.state = state
        self.lazy_ceilings = lazy_ceilings
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
        self.month = 0  # months stepped since go-live
        self.rejection = Rejection(state) if state.rejection is not None else None

    def refresh(self, trials: npt.NDArray[np.intp] | slice = _ALL) -> None:
        """Recompute what depends on the ceiling and innovation (of ``trials``)."""
        if isinstance(trials, np.ndarray) and not trials.size:
            return
        s = self.state
        m, p = s.ceiling[trials], s.innovation[trials]
        c = np.divide(s.imitation[trials], m, out=np.zeros_like(m), where=m > 0)
        self.imitation_per_m[trials] = c
        self.entry[trials] = p * m
        self.keep[trials] = 1.0 - s.discontinuance[trials] - p + c * m
        self.ceiling[trials] = m

    def step(self, active: Shares, out: Shares, count: int) -> None:
        """Write the month after ``active`` to ``out`` for the first ``count`` trials.

        ``out`` may be ``active`` itself; both have the stepper's dtype. The k-th call is
        month k after go-live.
        """
        self.month += 1
        r = (
            self.rejection
            if self.rejection is not None and self.month > self.rejection.onset
            else None
        )
        if r is not None and self.month == r.onset + 1 and out is active:
            active = active.copy()  # the onset reads the month before
        a, rate = active[:count], self._rate[:count]
        np.multiply(self.imitation_per_m[:count], a, out=rate)
        np.subtract(self.keep[:count], rate, out=rate)
        rate *= a
        np.add(rate, self.entry[:count], out=out[:count])
        if self.clip:
            np.minimum(out[:count], self.ceiling[:count], out=out[:count])
        if r is not None:
            r.step(
                self.month, active, out, count, None if self.lazy_ceilings else self.state.ceiling
            )

    def sync(self) -> None:
        """Bring ``state.ceiling`` up to date with the rejection (see ``lazy_ceilings``)."""
        if self.rejection is not None:
            self.rejection.sync(self.state.ceiling)

    def end_rejection(self, trials: npt.NDArray[np.intp]) -> None:
        """End the rejection of ``trials`` (positions): they step as the rest from the next
        month on (call :meth:`refresh` of them first: it reads their ceiling)."""
        if self.rejection is not None:
            self.rejection.end(trials)

    def ceiling_bound(self) -> FloatArray:
        """The highest ceiling each trial had: the bound of its adoption at any month."""
        self.sync()
        r = self.rejection
        if r is None or r.started.size == 0:
            return self.state.ceiling
        bound = np.array(self.state.ceiling)
        bound[r.started] = np.maximum(bound[r.started], r.start)
        return bound

    def stop(self, trials: npt.NDArray[np.intp]) -> None:
        """End use for good from the next step on: with ``P = R = c = 0`` it gives 0."""
        if not trials.size:
            return
        self.end_rejection(trials)
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
