"""Random streams: one seed, a stream per block of trials and per model stage (docs/model.md §8).

Block ``k`` draws from child ``k`` of ``SeedSequence(seed)``; inside a block every model
stage has its own grandchild. ``SeedSequence(seed, spawn_key=(k, s))`` equals
``SeedSequence(seed).spawn(k + 1)[k].spawn(s + 1)[s]``, so any worker can rebuild a
block's streams from ``(seed, k)`` alone, and results do not depend on how blocks are
grouped into chunks or spread over workers.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np

BLOCK_SIZE = 16_384
"""Trials per block (*contract*: docs/model.md §8)."""


class Stage(IntEnum):
    """Model stages, each with its own stream inside a block.

    The numbers are fixed: adding a stage never changes another stage's draws, so two
    scenarios that differ in one stage share every other stage's random numbers.
    """

    PLAN = 0
    COSTS = 1
    SCOPE = 2
    SCHEDULE = 3
    ADOPTION = 4
    REVIEWS = 5
    MONEY = 6
    POPULATION = 7
    INPUTS = 8
    CORRELATION = 9
    RISKS = 10
    DESIGN = 11


def block_generator(seed: int, block: int, stage: Stage) -> np.random.Generator:
    """The generator of one stage in one block.

    Parameters
    ----------
    seed
        The run's root entropy (a non-negative integer).
    block
        Block index ``k`` (trials ``k*BLOCK_SIZE`` to ``(k+1)*BLOCK_SIZE - 1``).
    stage
        The model stage.
    """
    sequence = np.random.SeedSequence(seed, spawn_key=(block, int(stage)))
    return np.random.Generator(np.random.PCG64(sequence))


def block_count(trials: int) -> int:
    """Number of blocks that hold ``trials`` trials (the last may be partial)."""
    return -(-trials // BLOCK_SIZE)


def block_sizes(trials: int, first: int, stop: int) -> list[tuple[int, int]]:
    """``(block index, trials in it)`` for blocks ``first`` to ``stop - 1`` of a run."""
    return [(k, min(BLOCK_SIZE, trials - k * BLOCK_SIZE)) for k in range(first, stop)]


WORLDS_KEY = 2**32
"""Spawn key of the world-level stream: above any block index (runs stop at 1e10 trials)."""


def world_generator(seed: int, stream: int = 0) -> np.random.Generator:
    """A generator for draws made once per world (epistemic parameters of a survey).

    ``SeedSequence(seed, spawn_key=(WORLDS_KEY, stream))``: a child of the run's root that
    no block stream can equal, so world draws never reuse a block's random numbers.
    """
    sequence = np.random.SeedSequence(seed, spawn_key=(WORLDS_KEY, stream))
    return np.random.Generator(np.random.PCG64(sequence))


PORTFOLIO_KEY = 2**32 + 1
"""Spawn key of a portfolio's streams: apart from every block's and the worlds' stream."""

COUPLING = 2**20
"""Stream index, within a portfolio sample, of the shared factors and the coupling noise."""


def portfolio_seed(seed: int, sample: int, project: int) -> int:
    """The seed of one project of a portfolio sample (``sample`` 0: the aggregate, 1: the
    selection), a 63-bit integer drawn from ``SeedSequence(seed, spawn_key=(PORTFOLIO_KEY,
    sample, project))``. Each project is then simulated as a run with that seed, so
    ``simcrm run SCENARIO --seed <it>`` reproduces its trials."""
    sequence = np.random.SeedSequence(seed, spawn_key=(PORTFOLIO_KEY, sample, project))
    return int(sequence.generate_state(1, np.uint64)[0] >> np.uint64(1))


def portfolio_generator(seed: int, sample: int) -> np.random.Generator:
    """The generator of a portfolio sample's shared factors and coupling noise."""
    sequence = np.random.SeedSequence(seed, spawn_key=(PORTFOLIO_KEY, sample, COUPLING))
    return np.random.Generator(np.random.PCG64(sequence))
