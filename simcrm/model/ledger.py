"""Book adoption a window of months at a time: use, its present value, and payback.

The monthly loop (:mod:`simcrm.model.operate`) keeps the adoption of each month of a
window as one row; :class:`Ledger` books the window at once and
finds, for the few trials whose cumulative cash may have turned positive within it, the
month it did.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from simcrm.model.adoption import Shares

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

Spending = tuple[int, npt.NDArray[np.intp], FloatArray]
"""Spending at the end of one month of a window: its row, the trials (positions in the
sorted order) and the amounts they pay."""


class Ledger:
    """Use, discounted use and spending of each trial, and its payback month.

    Cash is counted in months of full use: after month ``k`` the gap ``k · slope + spent
    − used`` (running cost, improvement and rescue spending, minus use) is ≤ 0 exactly
    when the project has paid back. Paid back, or never able to, the gap is +inf.

    Parameters
    ----------
    gap
        The gap at go-live: the implementation cost in months of full use (+inf for
        trials that cannot pay back).
    slope
        Running cost of a month, in months of full use.
    worth
        Value of a month of full use (+inf where nothing is worth anything).
    power
        ``v^k`` for ``k = 0 … horizon`` (ones when each trial has its own ``v``: then
        :meth:`book` is given each trial's ``v^k`` for the months of its window).
    left, go_live
        Months of operation, and the go-live month, of each trial.
    dtype
        Floating type of the adoption windows booked.
    """

    def __init__(
        self,
        gap: FloatArray,
        slope: FloatArray,
        worth: FloatArray,
        power: FloatArray,
        left: IntArray,
        go_live: IntArray,
        dtype: type[np.floating[Any]],
    ) -> None:
        n = gap.size
        self.gap, self.slope, self.worth, self.left, self.go_live = gap, slope, worth, left, go_live
        self.power = power
        # weights of a window's months: 1 (use) and v^k (discounted use)
        self.weights = np.vstack([np.ones_like(power), power]).astype(dtype)
        self.used = np.zeros(n)  # Σ adoption over operating months
        self.used_discounted = np.zeros(n)  # Σ v^k · adoption over operating months
        self.spent_pv = np.zeros(n)  # present value of improvement and rescue spending
        self.payback = np.full(n, np.nan)  # month of payback, NaN if never
        self._rise: dict[int, tuple[FloatArray, FloatArray]] = {}
        self._reach = np.empty(n)
        self._maybe = np.empty(n, dtype=np.bool_)

    def rise(self, width: int) -> tuple[FloatArray, FloatArray]:
        """``width · slope`` and ``min_j j · slope`` (j = 1 … width): the running cost of a
        window, and the least of it at any month within it."""
        if width not in self._rise:
            whole = width * self.slope
            self._rise[width] = (whole, np.minimum(self.slope, whole))
        return self._rise[width]

    def book(
        self,
        window: Shares,
        start: int,
        spending: list[Spending],
        discount: FloatArray,
        own_power: FloatArray | None = None,
    ) -> None:
        """Book months ``start+1 …`` (``window`` is month × trial, the first trials).

        ``spending`` is paid at the end of the months of its rows; ``discount`` is ``v``
        to the power of each trial's go-live month. ``own_power`` (month × trial, the
        window's shape), when each trial has its own ``v``, is ``v^k`` of each trial for
        the window's months ``k``; else every trial's is the ledger's ``power``.
        """
        width, m = window.shape
        sums = self.weights[:, start + 1 : start + width + 1] @ window  # one pass over it
        total = sums[0].astype(np.float64)
        self.used[:m] += total
        if own_power is None:
            self.used_discounted[:m] += sums[1]
        else:  # in float64, where the table's weights are LOOP_DTYPE
            self.used_discounted[:m] += np.einsum("km,km->m", own_power, window, dtype=np.float64)
        whole, least = self.rise(width)
        g = self.gap[:m]
        # spending only raises the gap: trials whose gap may reach 0 within the window
        reach = np.add(g, least[:m], out=self._reach[:m])
        candidate = np.less_equal(reach, total, out=self._maybe[:m])
        maybe = np.flatnonzero(candidate)
        before = g[maybe]
        g += whole[:m]
        g -= total
        lifts: list[Spending] = []  # each spending's rise of the gap, in months of full use
        for row, trials, amounts in spending:
            if not trials.size:
                continue
            at = self.power[start + row + 1] if own_power is None else own_power[row, trials]
            self.spent_pv[trials] += amounts * discount[trials] * at
            lift = amounts / self.worth[trials]
            g[trials] += lift
            lifts.append((row, trials, lift))
        if maybe.size:
            self._find_payback(window, start, maybe, candidate, before, lifts)

    def _find_payback(
        self,
        window: Shares,
        start: int,
        maybe: npt.NDArray[np.intp],
        candidate: npt.NDArray[np.bool_],
        before: FloatArray,
        lifts: list[Spending],
    ) -> None:
        """The gap month by month for the trials ``maybe`` (``candidate`` as a mask; their
        gap ``before`` the window), row by row since the arrays are small; spending
        ``lifts`` the gap from its row on; payers get their month."""
        width = window.shape[0]
        slope = self.slope[maybe]
        path = np.empty((width, maybe.size))
        previous = before
        for row in range(width - 1):  # the last month is the gap booked, spending and all
            now = path[row]
            np.add(previous, slope, out=now)
            now -= window[row].take(maybe)  # a month of use of the trials (contiguous row)
            previous = now
        for row, trials, lift in lifts:  # from its month on (the last row has it)
            spender = candidate[trials]
            if row >= width - 1 or not spender.any():
                continue
            # a dense row of lifts (0 elsewhere: x + 0 is x, up to the sign of a zero gap,
            # which `<= 0` does not see) is cheaper than a 2-d fancy index
            dense = np.zeros(maybe.size)
            dense[np.searchsorted(maybe, trials[spender])] = lift[spender]
            path[row : width - 1] += dense
        path[-1] = self.gap[maybe]
        paid = np.less_equal(path, 0.0)
        end = start + width
        left = self.left[maybe]
        if np.min(left) < end:  # operation ends within the window for some: not after it
            paid &= np.arange(start + 1, end + 1)[:, None] <= left
        hit = np.flatnonzero(paid.any(axis=0))  # at or below 0 in some month
        if not hit.size:
            return
        # the first such month: of the payers alone when they are few
        first = (
            paid[:, hit].argmax(axis=0) if 4 * hit.size < maybe.size else paid.argmax(axis=0)[hit]
        )
        payers = maybe[hit]
        self.payback[payers] = self.go_live[payers] + (start + 1 + first)
        self.gap[payers] = np.inf
