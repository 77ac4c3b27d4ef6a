"""Running state of a summary's columns, merged chunk by chunk (see
:mod:`simcrm.stats.summary`): block sums for means, sketches or kept values for
percentiles, and each risk's sums."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from simcrm.stats.intervals import wilson_interval
from simcrm.stats.run_summary import Proportion, RiskFigures, Spread
from simcrm.stats.sketch import ExactSum, QuantileSketch
from simcrm.stats.tails import MIN_BEYOND, TAIL_LEVELS, exponent_from_quantiles
from simcrm.streams import BLOCK_SIZE

Floats = npt.NDArray[np.float64]

QUANTILES = (0.10, 0.50, 0.80, 0.90)

TAIL_QUANTILES = (TAIL_LEVELS[1], TAIL_LEVELS[0], 1 - TAIL_LEVELS[0], 1 - TAIL_LEVELS[1])
"""Percentiles (0.1, 1, 99, 99.9) behind each column's tail exponent (:mod:`simcrm.stats.tails`)."""


def proportion(successes: int, trials: int) -> Proportion:
    """A proportion with its 95% Wilson interval."""
    p = successes / trials if trials else float("nan")
    return Proportion(successes, p, wilson_interval(successes, trials))


def _block_sum(rows: Floats) -> float:
    """Sum of the defined values of one block of rows."""
    return float(np.sum(rows[~np.isnan(rows)]))


@dataclass
class ColumnState:
    """Running state of one distribution column."""

    defined: int = 0
    total: ExactSum = field(default_factory=ExactSum)
    pending: Floats = field(default_factory=lambda: np.empty(0, np.float64))
    sketch: QuantileSketch | None = None
    kept: list[Floats] | None = None

    def add(self, x: Floats) -> None:
        defined = x[~np.isnan(x)]
        self.defined += defined.size
        if self.sketch is not None:
            self.sketch.add(defined)
        if self.kept is not None:
            self.kept.append(defined)
        if self.pending.size:
            head = np.concatenate((self.pending, x[: BLOCK_SIZE - self.pending.size]))
            x = x[BLOCK_SIZE - self.pending.size :]
            if head.size < BLOCK_SIZE:
                self.pending = head
                return
            self.total.add(_block_sum(head))
        whole = x.size - x.size % BLOCK_SIZE
        for start in range(0, whole, BLOCK_SIZE):
            self.total.add(_block_sum(x[start : start + BLOCK_SIZE]))
        self.pending = x[whole:].copy()

    def flush(self) -> None:
        """End the trailing, partial block here."""
        if self.pending.size:
            self.total.add(_block_sum(self.pending))
            self.pending = np.empty(0, np.float64)

    def merge(self, other: ColumnState) -> None:
        self.flush()
        other.flush()
        self.defined += other.defined
        self.total.merge(other.total)
        if self.sketch is not None and other.sketch is not None:
            self.sketch.merge(other.sketch)
        else:
            self.sketch = None
        if self.kept is not None and other.kept is not None:
            self.kept.extend(other.kept)
        else:
            self.kept = None

    def mean(self) -> float:
        """The mean of the defined values (NaN if none)."""
        total = ExactSum(list(self.total.partials), self.total.special)
        if self.pending.size:
            total.add(_block_sum(self.pending))
        return total.value / self.defined if self.defined else float("nan")

    def quantiles(self, levels: Sequence[float], exact: Floats | None) -> list[float]:
        """Percentiles: exact from ``exact`` (the defined values), else the sketch's."""
        if self.defined == 0:
            return [float("nan")] * len(levels)
        if exact is not None:
            return [float(x) for x in np.quantile(exact, levels)]
        if self.sketch is not None:
            return self.sketch.quantiles(levels)
        raise ValueError("no values kept and no sketch: give the exact values")

    def describe(self, trials: int, exact: Floats | None) -> Spread:
        """Share defined, mean and percentiles."""
        total = ExactSum(list(self.total.partials), self.total.special)
        if self.pending.size:
            total.add(_block_sum(self.pending))
        defined = self.defined / trials if trials else float("nan")
        if self.defined == 0:
            return Spread(defined, *[float("nan")] * (1 + len(QUANTILES)))
        mean = total.value / self.defined
        quantiles = self.quantiles(QUANTILES + TAIL_QUANTILES, exact)
        body, tails = quantiles[: len(QUANTILES)], quantiles[len(QUANTILES) :]
        exponent = float("nan")
        if self.defined * TAIL_LEVELS[1] >= MIN_BEYOND:
            exponent = exponent_from_quantiles(tails[0], tails[1], body[1], tails[2], tails[3])
        return Spread(defined, mean, body[0], body[1], body[2], body[3], exponent)


def _where(values: Floats, keep: npt.NDArray[np.bool_]) -> Floats:
    """``values`` where ``keep``, NaN elsewhere (left out of a :class:`ColumnState`'s sums)."""
    return np.where(keep, values, np.nan)


@dataclass
class RiskState:
    """Running state of one risk: occurrences, and block sums of its cost and of the NPV
    (and its square) where it occurred and where not."""

    occurred: int = 0
    cost: ColumnState = field(default_factory=ColumnState)
    npv_in: ColumnState = field(default_factory=ColumnState)
    npv_in_sq: ColumnState = field(default_factory=ColumnState)
    npv_out: ColumnState = field(default_factory=ColumnState)
    npv_out_sq: ColumnState = field(default_factory=ColumnState)

    def parts(self) -> tuple[ColumnState, ...]:
        return (self.cost, self.npv_in, self.npv_in_sq, self.npv_out, self.npv_out_sq)

    def add(self, occurred: npt.NDArray[np.bool_], cost: Floats, npv: Floats) -> None:
        self.occurred += int(occurred.sum())
        square = np.square(npv)
        values = (cost, npv, square, npv, square)
        keeps = (None, occurred, occurred, ~occurred, ~occurred)
        for state, x, keep in zip(self.parts(), values, keeps, strict=True):
            state.add(x if keep is None else _where(x, keep))

    def merge(self, other: RiskState) -> None:
        self.occurred += other.occurred
        for mine, theirs in zip(self.parts(), other.parts(), strict=True):
            mine.merge(theirs)

    def figures(self, trials: int) -> RiskFigures:
        """The risk's figures over ``trials`` trials."""
        cost = _sum(self.cost)
        n_in, n_out = self.npv_in.defined, self.npv_out.defined
        mean_in, var_in = _moments(_sum(self.npv_in), _sum(self.npv_in_sq), n_in)
        mean_out, var_out = _moments(_sum(self.npv_out), _sum(self.npv_out_sq), n_out)
        nan = float("nan")
        se = np.sqrt(var_in / n_in + var_out / n_out) if n_in > 1 and n_out > 1 else nan
        return RiskFigures(
            occurred=proportion(self.occurred, trials),
            cost_per_trial=cost / trials if trials else nan,
            cost_if_occurred=cost / self.occurred if self.occurred else nan,
            npv_if_occurred=mean_in,
            npv_if_not=mean_out,
            npv_difference=mean_in - mean_out,
            npv_difference_se=float(se),
        )


def _sum(state: ColumnState) -> float:
    """The exact sum of a column's defined values so far (its partial block included)."""
    total = ExactSum(list(state.total.partials), state.total.special)
    if state.pending.size:
        total.add(_block_sum(state.pending))
    return total.value


def _moments(total: float, squares: float, n: int) -> tuple[float, float]:
    """Mean and sample variance from a sum and a sum of squares (NaN where undefined)."""
    nan = float("nan")
    if n == 0:
        return nan, nan
    mean = total / n
    return mean, max(squares - total * mean, 0.0) / (n - 1) if n > 1 else nan
