"""Simulate trials: whole blocks, grouped into chunks of work (MODEL.md §8).

A chunk is a range of block indices; it is fully described by ``(scenario, seed, trials,
first block, stop block)``, so it can be computed anywhere and gives the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from simcrm.errors import InputError
from simcrm.model import simulate_block
from simcrm.scenario.schema import MAX_TRIALS, Scenario
from simcrm.streams import BLOCK_SIZE, block_count, block_sizes

DEFAULT_CHUNK_TRIALS = 16 * BLOCK_SIZE
"""Trials per chunk unless asked otherwise (262,144: ~60 MB of columns in memory)."""

MAX_CHUNK_TRIALS = 256 * BLOCK_SIZE
"""Largest chunk (4,194,304 trials): a worker holds about 1 KB a trial of its chunk."""


@dataclass(frozen=True)
class Chunk:
    """Blocks ``first`` to ``stop - 1`` of a run of ``trials`` trials."""

    first: int
    stop: int

    @property
    def name(self) -> str:
        """File stem that orders chunks by block index."""
        return f"blocks-{self.first:08d}-{self.stop:08d}"


def plan_chunks(trials: int, chunk_trials: int = DEFAULT_CHUNK_TRIALS) -> list[Chunk]:
    """Split a run into chunks of whole blocks.

    Parameters
    ----------
    trials
        Trials in the run.
    chunk_trials
        Trials per chunk, at most :data:`MAX_CHUNK_TRIALS`; rounded up to a whole number
        of blocks of 16,384.
    """
    check_trials(trials)
    if not 1 <= chunk_trials <= MAX_CHUNK_TRIALS:
        raise InputError(
            "--chunk-size",
            chunk_trials,
            f"give a number of trials from 1 to {MAX_CHUNK_TRIALS:,} "
            "(a chunk takes about 1 KB of memory a trial)",
        )
    per_chunk = block_count(chunk_trials)
    blocks = block_count(trials)
    return [Chunk(k, min(k + per_chunk, blocks)) for k in range(0, blocks, per_chunk)]


def check_trials(trials: int) -> None:
    """Refuse a number of trials outside ``1 .. MAX_TRIALS``."""
    if not 1 <= trials <= MAX_TRIALS:
        raise InputError("trials", trials, f"give a whole number from 1 to {MAX_TRIALS:.0e}")


def check_seed(seed: int) -> None:
    """Refuse a seed that is not a non-negative 63-bit integer."""
    if not 0 <= seed < 2**63:
        raise InputError("seed", seed, "give a whole number from 0 to 2**63 - 1")


def simulate_chunk(scenario: Scenario, seed: int, trials: int, chunk: Chunk) -> pa.Table:
    """Simulate the blocks of one chunk into an Arrow table (rows in trial order)."""
    return pa.table(simulate_blocks(scenario, seed, trials, chunk.first, chunk.stop))


def simulate(
    scenario: Scenario, trials: int | None = None, seed: int | None = None
) -> pd.DataFrame:
    """Simulate ``trials`` projects in memory.

    Parameters
    ----------
    scenario
        The project model (:func:`simcrm.load_scenario`).
    trials, seed
        Default: the scenario's ``[simulation]`` settings.

    Returns
    -------
    pandas.DataFrame
        One row per trial, the columns of MODEL.md §7 then ``fail_<name>`` per criterion.
    """
    n = scenario.simulation.trials if trials is None else trials
    s = scenario.simulation.seed if seed is None else seed
    check_seed(s)
    check_trials(n)
    columns = simulate_blocks(scenario, s, n, 0, block_count(n))
    return pd.DataFrame(columns, copy=False)  # no consolidation into 2-D blocks: 0.1 s per 1e6


def simulate_blocks(
    scenario: Scenario, seed: int, trials: int, first: int, stop: int
) -> dict[str, np.ndarray]:
    """The columns of blocks ``first`` to ``stop - 1`` of a run, in trial order.

    Each block is copied into the columns as soon as it is done, so the next block reuses
    its memory while it is still in cache.
    """
    sizes = block_sizes(trials, first, stop)
    columns: dict[str, np.ndarray] = {}
    offset = 0
    for k, size in sizes:
        block = simulate_block(scenario, seed, k, size)
        if not columns:
            rows = sum(n for _, n in sizes)
            columns = {name: np.empty(rows, dtype=v.dtype) for name, v in block.items()}
        for name, values in block.items():
            columns[name][offset : offset + size] = values
        offset += size
    return columns
