"""Two-level Monte Carlo: surveys of ``n`` projects in each of ``R`` possible worlds.

A *world* is one draw of the scenario's epistemic parameters (``[population.epistemic]``,
e.g. the true mean change-request rate): uncertain, but shared by every project of that
world. The heterogeneity parameters (``[population.heterogeneity]``) and every other
random input are drawn per project, as in a single run.

Layout (world-major): world ``r`` holds trials ``r·M … r·M + M − 1`` of one run of
``R·M`` trials; its first ``n`` are the *survey* (the reported failure rate is ``k_r/n``)
and all ``M ≥ n`` estimate the world's true failure probability ``p_r`` (``j_r/M``).
The world values come from :func:`simcrm.streams.world_generator` (drawn once per
world) and reach the model as per-trial overrides; the run is simulated block by
block, every block vectorised across the worlds it spans.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from simcrm.engine.blocks import check_seed
from simcrm.errors import InputError
from simcrm.model import simulate_block
from simcrm.scenario.outputs import FAIL_PREFIX
from simcrm.scenario.schema import MAX_TRIALS, Scenario
from simcrm.streams import BLOCK_SIZE, block_count, block_sizes, world_generator

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
        check_seed(self.seed)
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


def simulate_surveys(
    scenario: Scenario,
    design: SurveyDesign,
    progress: Callable[[int], None] | None = None,
) -> SurveySample:
    """Simulate one survey in each of ``R`` worlds (world-major, block by block).

    Parameters
    ----------
    scenario
        The project model; its ``[population]`` section says what varies how.
    design
        Cohort, number of worlds, seed, projects per world.
    progress
        Called with the number of trials of each block when it is done.

    Returns
    -------
    SurveySample
        Per world and criterion: failures in the survey and among all ``M`` projects.
    """
    design.check()
    start = time.perf_counter()
    n, m, r = design.cohort, design.per_world, design.surveys
    worlds = draw_worlds(scenario, design.seed, r)
    names = list(scenario.criteria)
    reported = {c: np.zeros(r, dtype=np.int64) for c in names}
    inner = {c: np.zeros(r, dtype=np.int64) for c in names}
    total = r * m
    for block, size in block_sizes(total, 0, block_count(total)):
        trial = block * BLOCK_SIZE + np.arange(size, dtype=np.int64)
        world = trial // m
        first, span = int(world[0]), int(world[-1] - world[0]) + 1
        local = world - first
        overrides = {path: values[world] for path, values in worlds.items()}
        columns = simulate_block(scenario, design.seed, block, size, overrides)
        in_survey = trial % m < n
        for name in names:
            fail = columns[FAIL_PREFIX + name].astype(bool)
            window = slice(first, first + span)
            inner[name][window] += np.bincount(local[fail], minlength=span)
            reported[name][window] += np.bincount(local[fail & in_survey], minlength=span)
        if progress is not None:
            progress(size)
    return SurveySample(design, worlds, reported, inner, time.perf_counter() - start)
