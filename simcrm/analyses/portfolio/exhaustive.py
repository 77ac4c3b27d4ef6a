"""Every allowed choice tried: the check of the selection programme on small problems."""

from __future__ import annotations

import itertools

import numpy as np
import numpy.typing as npt

from simcrm.analyses.portfolio.problem import Problem

BoolArray = npt.NDArray[np.bool_]
MAX_CHOICES = 1 << 20
"""Most choices tried (a million: seconds on a 2,000-trial sample)."""
BATCH = 1 << 12


def choice_count(problem: Problem) -> int:
    """How many choices the candidates' counts allow."""
    return int(
        np.prod([len(g) - m + 1 for g, m in zip(problem.groups, problem.minimum, strict=True)])
    )


def solve_exhaustive(problem: Problem) -> tuple[BoolArray, float] | None:
    """The best allowed choice by trying each (None if none is feasible).

    Ties in value go to the choice found first (counts in lexicographic order).

    Raises
    ------
    ValueError
        More than :data:`MAX_CHOICES` choices.
    """
    if choice_count(problem) > MAX_CHOICES:
        raise ValueError(f"{choice_count(problem):,} choices: too many to try each")
    ranges = [range(m, len(g) + 1) for g, m in zip(problem.groups, problem.minimum, strict=True)]
    projects = problem.value.size
    best: tuple[BoolArray, float] | None = None
    combos = itertools.product(*ranges)
    while batch := list(itertools.islice(combos, BATCH)):
        counts = np.array(batch)
        chosen = np.zeros((len(batch), projects), dtype=np.bool_)
        for k, group in enumerate(problem.groups):
            for copy, j in enumerate(group):
                chosen[:, j] = counts[:, k] > copy
        y = chosen.astype(np.float64)
        over = np.zeros((len(batch), problem.trials), dtype=np.bool_)
        for line in problem.spend:
            over |= y @ line > 1.0
        value = y @ problem.value
        value[over.sum(axis=1) > problem.allowed] = -np.inf
        k = int(np.argmax(value))
        if np.isfinite(value[k]) and (best is None or value[k] > best[1]):
            best = chosen[k].copy(), float(value[k])
    return best
