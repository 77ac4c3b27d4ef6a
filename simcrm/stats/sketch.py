"""Mergeable, deterministic accumulators of bounded size: exact sums and quantile sketches.

Both are commutative monoids: adding values in any order, or merging partial results of
any split of the data, gives the same state, so a summary does not depend on how a run
was cut into chunks or in which order workers finished them.

:class:`QuantileSketch` is a log-linear histogram over the bits of float64 values, in the
spirit of HdrHistogram (Tene) and DDSketch (Masson, Rim & Lee 2019, "DDSketch: a fast and
fully-mergeable quantile sketch with relative-error guarantees", PVLDB 12(12)). A bucket
holds the values whose float64 representation agrees in sign, exponent and the first
``12 - level`` bits of the mantissa, so its width is at most ``2**-(12 - level)`` of its
values' magnitude; it keeps the count and the smallest and largest value it saw.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]

MANTISSA_BITS = 12
"""Mantissa bits a bucket keeps at level 0: relative bucket width ≤ 2**-12 ≈ 0.024%."""

MAX_BUCKETS = 1 << 17
"""Buckets a sketch may hold (4 MB); beyond, it halves its resolution (level + 1)."""

_FLIP = np.int64(0x7FFF_FFFF_FFFF_FFFF)


def _ordered_bits(values: Floats) -> npt.NDArray[np.int64]:
    """Integers in the same order as the (non-NaN) float64 ``values``."""
    bits = np.ascontiguousarray(values, dtype=np.float64).view(np.int64)
    return np.where(bits < 0, bits ^ _FLIP, bits)


@dataclass
class ExactSum:
    """An exactly rounded running sum of floats (Shewchuk 1997, as in :func:`math.fsum`).

    The partials represent the sum without rounding, so the final value does not depend on
    the order of :meth:`add` and :meth:`merge` calls. Infinities and NaN are summed apart.
    """

    partials: list[float] = field(default_factory=list)
    special: float = 0.0

    def add(self, x: float) -> None:
        """Add one float."""
        if not math.isfinite(x):
            self.special += x
            return
        kept: list[float] = []
        for y in self.partials:
            if abs(x) < abs(y):
                x, y = y, x
            high = x + y
            low = y - (high - x)
            if low:
                kept.append(low)
            x = high
        kept.append(x)
        self.partials = kept

    def merge(self, other: ExactSum) -> None:
        """Add another sum."""
        for x in other.partials:
            self.add(x)
        self.special += other.special

    @property
    def value(self) -> float:
        """The sum, correctly rounded to float64."""
        return math.fsum(self.partials) + self.special


@dataclass
class QuantileSketch:
    """A mergeable histogram of float64 values with a relative-error guarantee.

    Attributes
    ----------
    level
        Resolution: a bucket spans at most ``2**-(MANTISSA_BITS - level)`` of its values'
        magnitude. It rises only when more than :data:`MAX_BUCKETS` buckets are needed,
        to the lowest level at which all values fit, whatever the order they came in.
    keys, counts, lows, highs
        Per non-empty bucket, in increasing order of value: bucket key, number of values,
        smallest and largest value.

    Notes
    -----
    Accuracy: a quantile's order statistic lies in one bucket, between its smallest and
    largest value, so the estimate's error is at most the bucket's width: a relative
    error ≤ 2**-12 (0.024%) at level 0. In rank, the error is at most the share of values
    in that bucket; for the smooth distributions of simcrm's outputs it is far below 0.1%
    (``tests/test_sketch.py`` checks both against :func:`numpy.quantile`). Values alone in
    their bucket, such as integers or atoms at 0, are returned exactly.
    """

    level: int = 0
    keys: npt.NDArray[np.int64] = field(default_factory=lambda: np.empty(0, np.int64))
    counts: npt.NDArray[np.int64] = field(default_factory=lambda: np.empty(0, np.int64))
    lows: Floats = field(default_factory=lambda: np.empty(0, np.float64))
    highs: Floats = field(default_factory=lambda: np.empty(0, np.float64))

    @property
    def count(self) -> int:
        """Number of values added."""
        return int(self.counts.sum())

    @property
    def relative_error(self) -> float:
        """Bound on the relative error of any quantile at the current level."""
        return 2.0 ** -(MANTISSA_BITS - self.level)

    def add(self, values: Floats) -> None:
        """Add values (NaN not allowed: count undefined values apart)."""
        v = np.sort(np.asarray(values, dtype=np.float64) + 0.0)  # + 0.0: -0.0 becomes 0.0
        if v.size == 0:
            return
        keys = _ordered_bits(v) >> (52 - MANTISSA_BITS + self.level)
        starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
        stops = np.append(starts[1:], v.size)
        other = QuantileSketch(self.level, keys[starts], stops - starts, v[starts], v[stops - 1])
        self.merge(other)

    def merge(self, other: QuantileSketch) -> None:
        """Add the values of another sketch.

        Buckets both sketches have are updated in place; only new ones are inserted (a
        run's chunks soon share almost all their buckets).
        """
        level = max(self.level, other.level)
        a, b = self._at_level(level), other._at_level(level)
        at = np.searchsorted(a.keys, b.keys)
        known = at < a.keys.size
        known[known] = a.keys[at[known]] == b.keys[known]
        mine = at[known]  # distinct: b's keys are
        counts, lows, highs = a.counts.copy(), a.lows.copy(), a.highs.copy()
        counts[mine] += b.counts[known]
        lows[mine] = np.minimum(lows[mine], b.lows[known])
        highs[mine] = np.maximum(highs[mine], b.highs[known])
        new = np.flatnonzero(~known)
        if new.size:
            where = at[new]
            keys = np.insert(a.keys, where, b.keys[new])
            counts = np.insert(counts, where, b.counts[new])
            lows = np.insert(lows, where, b.lows[new])
            highs = np.insert(highs, where, b.highs[new])
        else:
            keys = a.keys
        merged = QuantileSketch(level, keys, counts, lows, highs)
        while merged.keys.size > MAX_BUCKETS:
            merged = merged._at_level(merged.level + 1)
        self.level, self.keys, self.counts = merged.level, merged.keys, merged.counts
        self.lows, self.highs = merged.lows, merged.highs

    def _at_level(self, level: int) -> QuantileSketch:
        """This sketch at a coarser (or the same) resolution."""
        if level == self.level:
            return self
        shift = level - self.level
        return _combine(level, self.keys >> shift, self.counts, self.lows, self.highs)

    def quantiles(self, qs: Sequence[float]) -> list[float]:
        """Quantiles as :func:`numpy.quantile` (linear interpolation) would give them."""
        n = self.count
        if n == 0:
            return [float("nan")] * len(qs)
        cumulative = np.cumsum(self.counts)
        out = []
        for q in qs:
            h = (n - 1) * q
            j = math.floor(h)
            low = self._order_statistic(cumulative, j)
            high = self._order_statistic(cumulative, min(j + 1, n - 1))
            out.append(low + (h - j) * (high - low) if high != low else low)
        return out

    def _order_statistic(self, cumulative: npt.NDArray[np.int64], j: int) -> float:
        """Estimate of the ``j``-th smallest value (0-based)."""
        b = int(np.searchsorted(cumulative, j, side="right"))
        c = int(self.counts[b])
        rank = j - (int(cumulative[b]) - c)
        low, high = float(self.lows[b]), float(self.highs[b])
        return low if c == 1 else low + (high - low) * rank / (c - 1)


def _combine(
    level: int,
    keys: npt.NDArray[np.int64],
    counts: npt.NDArray[np.int64],
    lows: Floats,
    highs: Floats,
) -> QuantileSketch:
    """Buckets with equal keys merged into one, in key order."""
    order = np.argsort(keys, kind="stable")
    keys, counts, lows, highs = keys[order], counts[order], lows[order], highs[order]
    if keys.size == 0:
        return QuantileSketch(level)
    starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
    return QuantileSketch(
        level,
        keys[starts],
        np.add.reduceat(counts, starts),
        np.minimum.reduceat(lows, starts),
        np.maximum.reduceat(highs, starts),
    )
