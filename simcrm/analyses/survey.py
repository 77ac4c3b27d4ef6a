"""Two-level Monte Carlo: surveys of ``n`` projects in each of ``R`` possible worlds.

A *world* is one draw of the scenario's epistemic parameters (``[population.epistemic]``,
e.g. the true mean change-request rate): uncertain, but shared by every project of that
world. The heterogeneity parameters (``[population.heterogeneity]``) and every other
random input are drawn per project, as in a single run.

Layout (world-major): world ``r`` holds trials ``r·M … r·M + M − 1`` of one run of
``R·M`` trials; its first ``n`` are the *survey* (the reported failure rate is ``k_r/n``)
and all ``M ≥ n`` estimate the world's true failure probability ``p_r`` (``j_r/M``).
The world values come from :func:`simcrm.streams.world_generator` (drawn once per
world) and reach the model as per-trial overrides (:class:`WorldOverrides`); the run is
simulated by the engine's block loop, chunk by chunk on any executor, every block
vectorised across the worlds it spans, and only failure counts per world come back.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from simcrm.engine.blocks import DEFAULT_CHUNK_TRIALS, Chunk, Columns, Job
from simcrm.engine.defaults import resolve
from simcrm.engine.executors import Executor, InProcess
from simcrm.engine.mapping import map_chunks
from simcrm.errors import InputError
from simcrm.scenario.outputs import FAIL_PREFIX
from simcrm.scenario.schema import MAX_TRIALS, Scenario
from simcrm.streams import BLOCK_SIZE, world_generator

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class SurveyDesign:
    """How many worlds, how many projects per survey, and from which seed.

    Attributes
    ----------
    cohort
        Projects per survey ``n`` (at least 2: the variance split needs ``n − 1``).
    surveys
        Worlds ``R``, one survey each (at least 2).
    seed
        The run's root entropy.
    inner
        Projects simulated per world ``M ≥ n`` (default ``n``): the first ``n`` are the
        survey, all ``M`` estimate the world's true failure probability.
    """

    cohort: int
    surveys: int
    seed: int
    inner: int | None = None

    @property
    def per_world(self) -> int:
        """``M``: projects simulated in each world."""
        return self.cohort if self.inner is None else self.inner

    def check(self) -> None:
        """Refuse a design the analysis cannot use (:class:`InputError`)."""
        resolve(trials=1, seed=self.seed)
        if self.cohort < 2:
            raise InputError("--cohort", self.cohort, "a survey needs at least 2 projects")
        if self.surveys < 2:
            raise InputError("--surveys", self.surveys, "give at least 2 worlds")
        if self.per_world < self.cohort:
            raise InputError(
                "--inner", self.inner, f"give at least the cohort ({self.cohort}) projects"
            )
        if self.surveys * self.per_world > MAX_TRIALS:
            raise InputError(
                "--surveys",
                self.surveys,
                f"worlds × projects per world must stay below {MAX_TRIALS:.0e}",
            )


@dataclass(frozen=True)
class SurveySample:
    """Failure counts per world and criterion, and the worlds' epistemic values.

    Attributes
    ----------
    design
        What was simulated.
    worlds
        Epistemic parameter path → its value in each world (length ``R``).
    reported
        Criterion → failures among the survey's ``n`` projects, per world (``k_r``).
    inner
        Criterion → failures among all ``M`` projects of the world (``j_r``).
    seconds
        Wall-clock time of the simulation.
    """

    design: SurveyDesign
    worlds: dict[str, FloatArray]
    reported: dict[str, IntArray]
    inner: dict[str, IntArray]
    seconds: float

    def true_rate(self, criterion: str) -> FloatArray:
        """Each world's failure probability as estimated from its ``M`` projects."""
        return self.inner[criterion] / self.design.per_world


def draw_worlds(scenario: Scenario, seed: int, surveys: int) -> dict[str, FloatArray]:
    """The epistemic parameters of ``surveys`` worlds, in declaration order.

    Drawn from ``world_generator(seed)``: never a block's random numbers.
    """
    rng = world_generator(seed)
    return {
        path: np.asarray(dist.sample(rng, surveys), dtype=np.float64)
        for path, dist in scenario.population.epistemic.items()
    }


@dataclass(frozen=True)
class WorldOverrides:
    """Per-trial overrides of a world-major survey run: trial ``i`` lives in world
    ``i // per_world`` and takes that world's epistemic values."""

    worlds: dict[str, FloatArray]
    per_world: int

    def __call__(self, trials: IntArray) -> dict[str, FloatArray]:
        """Each trial's world's value of every epistemic parameter."""
        world = trials // self.per_world
        return {path: values[world] for path, values in self.worlds.items()}


@dataclass(frozen=True)
class CountFailures:
    """Reducer: failures per world and criterion among a chunk's trials.

    Returns the index of the chunk's first world and, per criterion, the counts of the
    worlds it spans among all its trials (``inner``) and among the survey's (``reported``).
    """

    criteria: tuple[str, ...]
    cohort: int
    per_world: int

    def __call__(
        self, job: Job, chunk: Chunk, columns: Columns
    ) -> tuple[int, dict[str, IntArray], dict[str, IntArray]]:
        """Count the chunk's failures by world."""
        trial = np.arange(
            chunk.first * BLOCK_SIZE, chunk.first * BLOCK_SIZE + len(columns["trial"])
        )
        world = trial // self.per_world
        first = int(world[0])
        local = world - first
        span = int(local[-1]) + 1
        in_survey = trial % self.per_world < self.cohort
        inner: dict[str, IntArray] = {}
        reported: dict[str, IntArray] = {}
        for name in self.criteria:
            fail = columns[FAIL_PREFIX + name].astype(bool)
            inner[name] = np.bincount(local[fail], minlength=span)
            reported[name] = np.bincount(local[fail & in_survey], minlength=span)
        return first, inner, reported


def simulate_surveys(
    scenario: Scenario,
    design: SurveyDesign,
    progress: Callable[[int], None] | None = None,
    executor: Executor | None = None,
    chunk_trials: int = DEFAULT_CHUNK_TRIALS,
) -> SurveySample:
    """Simulate one survey in each of ``R`` worlds (world-major, chunk by chunk).

    Parameters
    ----------
    scenario
        The project model; its ``[population]`` section says what varies how.
    design
        Cohort, number of worlds, seed, projects per world.
    progress
        Called with the number of trials of each chunk when it is done.
    executor
        Where to compute the chunks (default: in this process). Counts are integers
        added per world, so the sample is the same on every executor and chunking.
    chunk_trials
        Trials per chunk of work.

    Returns
    -------
    SurveySample
        Per world and criterion: failures in the survey and among all ``M`` projects.
    """
    design.check()
    start = time.perf_counter()
    n, m, r = design.cohort, design.per_world, design.surveys
    worlds = draw_worlds(scenario, design.seed, r)
    names = tuple(scenario.criteria)
    reported = {c: np.zeros(r, dtype=np.int64) for c in names}
    inner = {c: np.zeros(r, dtype=np.int64) for c in names}
    job = Job(scenario, design.seed, r * m, WorldOverrides(worlds, m))
    pool = executor if executor is not None else InProcess()
    counts = CountFailures(names, n, m)
    for chunk, (first, chunk_inner, chunk_reported) in map_chunks(
        job, counts, pool, chunk_trials=chunk_trials
    ):
        for name in names:
            span = chunk_inner[name].size
            inner[name][first : first + span] += chunk_inner[name]
            reported[name][first : first + span] += chunk_reported[name]
        if progress is not None:
            progress(chunk.trials(job.trials))
    return SurveySample(design, worlds, reported, inner, time.perf_counter() - start)
