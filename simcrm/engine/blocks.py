"""The one block loop: any range of blocks of any scenario, optionally with per-trial overrides.

Trials are grouped in blocks of 16,384 (docs/model.md §8); block ``k`` draws only from
streams derived from ``(seed, k)``. A :class:`Job` — scenario, seed, number of trials and
optional per-trial parameter overrides — is fully described by a few kilobytes, so a
range of its blocks can be computed anywhere (in this process or on a Dask worker) and
gives the same numbers. Every analysis computes its trials through
:func:`compute_blocks`, the only loop over :func:`simcrm.model.simulate_block`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np
import numpy.typing as npt

from simcrm.engine.defaults import resolve
from simcrm.errors import InputError
from simcrm.model import simulate_block
from simcrm.model.design import check_sampling
from simcrm.model.trial import MONTHLY_KEYS
from simcrm.scenario.schema import Scenario
from simcrm.streams import BLOCK_SIZE, block_count, block_sizes

if TYPE_CHECKING:
    import pandas as pd

Columns = dict[str, npt.NDArray[np.generic]]
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

DEFAULT_CHUNK_TRIALS = 16 * BLOCK_SIZE
"""Trials per chunk unless asked otherwise (262,144: ~60 MB of columns in memory)."""

MAX_CHUNK_TRIALS = 256 * BLOCK_SIZE
"""Largest chunk (4,194,304 trials): a worker holds about 1 KB a trial of its chunk."""


class TrialOverrides(Protocol):
    """Per-trial parameter values of a job, as a function of the trials' indices.

    Must be picklable (a module-level class), so a Dask worker can evaluate it for the
    blocks it computes.
    """

    def __call__(self, trials: IntArray) -> Mapping[str, FloatArray]:
        """Dotted parameter path → one value per trial of ``trials`` (run-wide indices)."""
        ...


@dataclass(frozen=True)
class Job:
    """Trials to simulate: ``trials`` projects of ``scenario`` from ``seed``.

    Attributes
    ----------
    scenario
        The project model.
    seed
        The run's root entropy.
    trials
        Trials in the whole run (they fix the last block's size).
    overrides
        Optional per-trial parameter values (e.g. one epistemic world per range of
        trials in a survey simulation); the random streams are consumed as without them.
    inputs
        Add a column ``in_<path>`` for every sampled input (the outputs are unchanged).
    monthly
        Also count the operating trials by month after go-live and active share
        and cumulative cash (:data:`~simcrm.model.trial.MONTHLY_KEYS`, summed over the
        blocks).
    sampling
        ``"mc"``, ``"lhs"`` or ``"sobol"``: how each block draws its per-trial inputs
        (:mod:`simcrm.model.design`; each block one randomised replicate).
    """

    scenario: Scenario
    seed: int
    trials: int
    overrides: TrialOverrides | None = None
    inputs: bool = False
    monthly: bool = False
    sampling: str = "mc"

    @property
    def blocks(self) -> int:
        """Number of blocks of the run."""
        return block_count(self.trials)


@dataclass(frozen=True)
class Chunk:
    """Blocks ``first`` to ``stop - 1`` of a run."""

    first: int
    stop: int

    @property
    def name(self) -> str:
        """File stem that orders chunks by block index."""
        return f"blocks-{self.first:08d}-{self.stop:08d}"

    def trials(self, total: int) -> int:
        """Trials of this chunk in a run of ``total`` trials."""
        return min(self.stop * BLOCK_SIZE, total) - self.first * BLOCK_SIZE

    def trial_range(self, total: int) -> range:
        """Run-wide indices of this chunk's trials."""
        return range(self.first * BLOCK_SIZE, min(self.stop * BLOCK_SIZE, total))


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
    resolve(trials=trials, seed=0)
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


def compute_blocks(job: Job, first: int, stop: int) -> Columns:
    """The columns of blocks ``first`` to ``stop - 1`` of a job, in trial order.

    This is the engine's only loop over blocks. Each block is copied into the columns as
    soon as it is done, so the next block reuses its memory while it is still in cache.
    With ``job.monthly`` the blocks' monthly adoption counts are added up under
    under :data:`~simcrm.model.trial.MONTHLY_KEYS` (months × bins arrays, not columns).
    """
    sizes = block_sizes(job.trials, first, stop)
    columns: Columns = {}
    monthly: dict[str, npt.NDArray[np.int64]] = {}
    offset = 0
    for k, size in sizes:
        overrides = None
        if job.overrides is not None:
            start = k * BLOCK_SIZE
            overrides = job.overrides(np.arange(start, start + size, dtype=np.int64))
        block = simulate_block(
            job.scenario, job.seed, k, size, overrides, job.inputs, job.monthly, job.sampling
        )
        popped = {key: block.pop(key) for key in MONTHLY_KEYS if key in block}
        if not columns:
            rows = sum(n for _, n in sizes)
            columns = {name: np.empty(rows, dtype=v.dtype) for name, v in block.items()}
        for name, values in block.items():
            columns[name][offset : offset + size] = values
        for key, value in popped.items():  # integer counts: the same in any grouping
            counts: npt.NDArray[np.int64] = np.asarray(value, dtype=np.int64)
            monthly[key] = monthly[key] + counts if key in monthly else counts
        offset += size
    columns.update(monthly)
    return columns


def simulate(
    scenario: Scenario,
    trials: int | None = None,
    seed: int | None = None,
    *,
    inputs: bool = False,
    sampling: str = "mc",
) -> pd.DataFrame:
    """Simulate ``trials`` projects in memory.

    Parameters
    ----------
    scenario
        The project model (:func:`simcrm.load_scenario`).
    trials, seed
        Default: the scenario's ``[simulation]`` settings.
    inputs
        Also a column ``in_<path>`` for every sampled input (each cost item's overrun
        factor, the schedule factor, every distribution-valued field's draw, …), for
        analyses of one's own in pandas; the other columns are unchanged.
    sampling
        ``"mc"`` (plain Monte Carlo), ``"lhs"`` (Latin hypercube) or ``"sobol"``
        (scrambled Sobol'): how each block of 16,384 trials draws its per-trial inputs
        (docs/sampling.md).

    Returns
    -------
    pandas.DataFrame
        One row per trial, the columns of docs/model.md §7 then ``fail_<name>`` per
        criterion (then ``in_<path>`` per sampled input).
    """
    import pandas as pd

    n, s = resolve(scenario, trials, seed)
    job = Job(scenario, s, n, inputs=inputs, sampling=check_sampling(sampling))
    columns = compute_blocks(job, 0, block_count(n))
    return pd.DataFrame(columns, copy=False)  # no consolidation into 2-D blocks: 0.1 s per 1e6
