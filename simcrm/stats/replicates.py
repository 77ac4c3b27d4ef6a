"""Intervals from independent replicates: the blocks of a run with a sampling design.

With Latin hypercube or Sobol' sampling the trials of a block are not independent (that
is the point: they are spread over the inputs' space), so an interval that assumes
independent trials (Wilson's) would be wrong — usually too wide, sometimes too narrow.
Each block is instead one randomised replicate of the design (:mod:`simcrm.model.design`),
independent of the others, so the spread of the block estimates gives the interval
(Owen 1997; L'Ecuyer & Lemieux 2002). A proportion ``p = Σk_b / Σn_b`` over ``B`` blocks
is a ratio estimator: its variance is estimated from the residuals ``k_b − p n_b`` as
``B / (B − 1) · Σ(k_b − p n_b)² / (Σn_b)²``, and its interval is ``p ± t_{B−1} · SE``
(Student's t on ``B − 1`` degrees of freedom), clipped to [0, 1].

Below two blocks, or where every block gives the same share (no spread to measure: a
share of 0 or 1), there is no replicate estimate, and the Wilson interval is given.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from simcrm.stats.intervals import wilson_interval
from simcrm.stats.run_summary import Proportion

IntArray = npt.NDArray[np.int64]


def replicate_proportion(counts: npt.ArrayLike, sizes: npt.ArrayLike) -> Proportion:
    """A proportion over independent replicates with its 95% replicate interval.

    Parameters
    ----------
    counts
        Successes in each replicate (block), in block order.
    sizes
        Trials in each replicate.
    """
    k = np.asarray(counts, dtype=np.int64)
    n_b = np.asarray(sizes, dtype=np.int64)
    total, trials = int(k.sum()), int(n_b.sum())
    if trials == 0:
        return Proportion(0, float("nan"), (float("nan"), float("nan")))
    p = total / trials
    blocks = k.size
    if blocks < 2 or np.all(k * trials == total * n_b):  # every block the same share: exact
        return Proportion(total, p, wilson_interval(total, trials))
    residuals = k - p * n_b
    variance = blocks / (blocks - 1) * float(np.sum(residuals**2)) / trials**2
    if variance <= 0.0:
        return Proportion(total, p, wilson_interval(total, trials))
    half = student_quantile(blocks - 1) * math.sqrt(variance)
    return Proportion(total, p, (max(0.0, p - half), min(1.0, p + half)))


def student_quantile(dof: int, level: float = 0.95) -> float:
    """``t`` of a two-sided interval at ``level`` on ``dof`` degrees of freedom."""
    from scipy.special import stdtrit

    return float(stdtrit(dof, 0.5 + 0.5 * level))


class ReplicateCounts:
    """Per-block counts of a run's proportions, for their replicate intervals.

    Chunks arrive in any order; each adds the counts of its blocks (keyed by block
    index), so the intervals are the same on any chunking and executor.
    """

    def __init__(self) -> None:
        self.sizes: dict[int, int] = {}
        self.counts: dict[str, dict[int, int]] = {}

    def add(self, trial: IntArray, indicators: dict[str, npt.NDArray[np.bool_]]) -> None:
        """Count ``indicators`` (one boolean per row) by the block of each row's ``trial``."""
        from simcrm.streams import BLOCK_SIZE

        if trial.size == 0:
            return
        block = trial // BLOCK_SIZE
        starts = np.flatnonzero(np.r_[True, block[1:] != block[:-1]])
        ids = block[starts].tolist()
        sizes = np.diff(np.r_[starts, trial.size]).tolist()
        for b, size in zip(ids, sizes, strict=True):
            self.sizes[b] = self.sizes.get(b, 0) + size
        for key, hit in indicators.items():
            counts = np.add.reduceat(hit.astype(np.int64), starts).tolist()
            own = self.counts.setdefault(key, {})
            for b, c in zip(ids, counts, strict=True):
                own[b] = own.get(b, 0) + c

    def merge(self, other: ReplicateCounts) -> None:
        """Add another chunk's counts."""
        for b, size in other.sizes.items():
            self.sizes[b] = self.sizes.get(b, 0) + size
        for key, theirs in other.counts.items():
            own = self.counts.setdefault(key, {})
            for b, c in theirs.items():
                own[b] = own.get(b, 0) + c

    def proportion(self, key: str) -> Proportion:
        """The proportion ``key`` with its replicate interval (blocks in index order)."""
        blocks = sorted(self.sizes)
        own = self.counts.get(key, {})
        return replicate_proportion(
            [own.get(b, 0) for b in blocks], [self.sizes[b] for b in blocks]
        )
