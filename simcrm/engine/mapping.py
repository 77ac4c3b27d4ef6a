"""Map a job's chunks onto an executor, reduce each chunk where it was computed.

An analysis says what it needs from a chunk's trials with a *reducer*: a picklable
callable ``reduce(job, chunk, columns) -> R`` that runs where the chunk was simulated
(in this process or on a Dask worker) and returns something small — failure counts per
world, a chunk's Parquet bytes and summary, the few columns a statistic needs. Only
that travels back. Results arrive in order of completion; reducers whose results are
combined exactly (integer counts, results placed by chunk) give the same answer on any
executor and chunking.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

import numpy as np

from simcrm.engine.blocks import (
    DEFAULT_CHUNK_TRIALS,
    Chunk,
    Columns,
    Job,
    compute_blocks,
    plan_chunks,
)
from simcrm.engine.executors import Executor, open_executor

R = TypeVar("R")
R_co = TypeVar("R_co", covariant=True)


class Reducer(Protocol[R_co]):
    """What an analysis keeps of one chunk's trials."""

    def __call__(self, job: Job, chunk: Chunk, columns: Columns) -> R_co:
        """Reduce ``columns`` (the chunk's trials, in trial order)."""
        ...


@dataclass(frozen=True)
class ChunkTask(Generic[R]):
    """One chunk of a job and what to keep of it (a few kilobytes: no arrays)."""

    job: Job
    chunk: Chunk
    reduce: Reducer[R]


def compute_chunk(task: ChunkTask[R]) -> tuple[Chunk, R]:
    """Simulate one chunk and reduce it (runs on a worker)."""
    columns = compute_blocks(task.job, task.chunk.first, task.chunk.stop)
    return task.chunk, task.reduce(task.job, task.chunk, columns)


def map_chunks(
    job: Job,
    reduce: Reducer[R],
    executor: Executor,
    chunks: Iterable[Chunk] | None = None,
    chunk_trials: int = DEFAULT_CHUNK_TRIALS,
) -> Iterator[tuple[Chunk, R]]:
    """``(chunk, reduce(job, chunk, columns))`` for every chunk, in order of completion.

    Parameters
    ----------
    job
        What to simulate.
    reduce
        What to keep of each chunk (picklable).
    executor
        Where to compute (:func:`simcrm.engine.executors.open_executor`).
    chunks
        Default: the whole run in chunks of ``chunk_trials``.
    """
    todo = plan_chunks(job.trials, chunk_trials) if chunks is None else chunks
    return executor.imap_unordered(compute_chunk, (ChunkTask(job, c, reduce) for c in todo))


@dataclass(frozen=True)
class KeepColumns:
    """Reducer that keeps the named columns (all when ``names`` is None)."""

    names: tuple[str, ...] | None = None

    def __call__(self, job: Job, chunk: Chunk, columns: Columns) -> Columns:
        """The kept columns of the chunk."""
        if self.names is None:
            return columns
        return {name: columns[name] for name in self.names}


def collect_columns(
    job: Job,
    executor: Executor,
    names: tuple[str, ...] | None = None,
    chunk_trials: int = DEFAULT_CHUNK_TRIALS,
    progress: Callable[[int], None] | None = None,
) -> Columns:
    """The named columns of every trial of ``job``, in trial order (memory: the columns)."""
    parts: dict[int, Columns] = {}
    for chunk, columns in map_chunks(job, KeepColumns(names), executor, chunk_trials=chunk_trials):
        parts[chunk.first] = columns
        if progress is not None:
            progress(chunk.trials(job.trials))
    ordered = [parts[k] for k in sorted(parts)]
    return {name: np.concatenate([p[name] for p in ordered]) for name in ordered[0]}


def simulate_columns(
    job: Job,
    names: tuple[str, ...] | None = None,
    workers: int = 1,
    scheduler: str | None = None,
) -> Columns:
    """:func:`collect_columns` on an executor opened (and shut down) for this call."""
    with open_executor(workers, scheduler) as executor:
        return collect_columns(job, executor, names)
