"""The selection problem on a sample: what each project is worth, what it spends against
each budget line in each trial, and which choices are allowed."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Problem:
    """Maximise ``value · y`` over project choices ``y`` subject to
    ``#{s : spend[l, :, s] · y > 1 for some line l} ≤ allowed``.

    Attributes
    ----------
    value
        Expected NPV of each project (its mean over the sample).
    spend
        Spending of each project against each budget line, as a fraction of that line's
        budget: line × project × trial.
    allowed
        Trials that may overspend: ``floor(α × trials)``.
    groups
        The projects of each candidate, copies in order (a copy only after the one before).
    minimum
        Projects of each candidate that must be chosen.
    """

    value: FloatArray
    spend: FloatArray
    allowed: int
    groups: list[list[int]]
    minimum: list[int]

    @property
    def trials(self) -> int:
        """Trials of the sample."""
        return int(self.spend.shape[2])

    def overspent(self, chosen: BoolArray) -> BoolArray:
        """Whether a choice overspends some line, trial by trial."""
        used = np.einsum("ljs,j->ls", self.spend, chosen.astype(np.float64))
        return np.any(used > 1.0, axis=0)


def budget_problem(
    spend_by_line: list[FloatArray],
    amounts: list[float],
    value: FloatArray,
    alpha: float,
    groups: list[list[int]],
    minimum: list[int],
) -> Problem:
    """The problem of spending ``spend_by_line[l]`` (project × trial) against budget
    ``amounts[l]`` with probability at most ``alpha`` of overspending any line."""
    spend = np.stack([s / b for s, b in zip(spend_by_line, amounts, strict=True)])
    trials = spend.shape[2]
    return Problem(value, spend, int(np.floor(alpha * trials + 1e-9)), groups, minimum)
