"""Runs of a sensitivity analysis: jobs whose trials hold some inputs, through the block loop.

Every run of an analysis is a :class:`simcrm.engine.blocks.Job` on the same seed, so
trial ``j`` of every run shares every random draw the overrides do not replace (common
random numbers, docs/model.md §8): change requests, reviews, risk occurrences, the fat
tail. The runs' chunks are all handed to the executor at once, so ``--workers`` and
``--scheduler`` spread them, and the columns come back placed by run and chunk: the same
numbers on any executor.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from simcrm.engine.blocks import Chunk, Columns, IntArray, Job, plan_chunks
from simcrm.engine.executors import Executor
from simcrm.engine.mapping import ChunkTask, compute_chunk

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class HeldInputs:
    """Overrides holding inputs at one value in every trial (picklable)."""

    values: tuple[tuple[str, float], ...]

    def __call__(self, trials: IntArray) -> dict[str, FloatArray]:
        """Path → the held value, once per trial."""
        return {path: np.full(trials.size, value) for path, value in self.values}


@dataclass(frozen=True, eq=False)
class MatrixRows:
    """Overrides giving trial ``j`` row ``j`` of a matrix of input values (picklable).

    Attributes
    ----------
    paths
        The inputs, one per column.
    matrix
        Shape ``(trials, inputs)``.
    """

    paths: tuple[str, ...]
    matrix: FloatArray = field(repr=False)

    def __call__(self, trials: IntArray) -> dict[str, FloatArray]:
        """Path → its column's values at ``trials``."""
        rows = self.matrix[trials]
        return {path: np.ascontiguousarray(rows[:, k]) for k, path in enumerate(self.paths)}


@dataclass(frozen=True)
class KeepTagged:
    """Reducer: the named columns of a chunk, tagged with the index of its run."""

    run: int
    names: tuple[str, ...]

    def __call__(self, job: Job, chunk: Chunk, columns: Columns) -> tuple[int, Columns]:
        """``(run, {name: values})``."""
        return self.run, {name: columns[name] for name in self.names}


def run_jobs(
    jobs: Sequence[Job], names: tuple[str, ...], executor: Executor
) -> list[dict[str, FloatArray]]:
    """The named columns (as floats) of every trial of every job, in job and trial order."""
    tasks = [
        ChunkTask(job, chunk, KeepTagged(k, names))
        for k, job in enumerate(jobs)
        for chunk in plan_chunks(job.trials)
    ]
    parts: list[dict[int, Columns]] = [{} for _ in jobs]
    for chunk, (run, columns) in executor.imap_unordered(compute_chunk, tasks):
        parts[run][chunk.first] = columns
    results = []
    for found in parts:
        ordered = [found[k] for k in sorted(found)]
        results.append(
            {n: np.concatenate([p[n] for p in ordered]).astype(np.float64) for n in names}
        )
    return results
