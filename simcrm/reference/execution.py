"""Execution of one project in continuous time, with scope creep (docs/model.md §2, *contract*).

Two simpy processes share one :class:`Execution` state. :func:`execute` runs the
project until its (moving) end, or until ``max_execution_months``, whichever comes
first. :func:`change_requests` is the clock: while execution runs, requests arrive with
exponential inter-arrival times at rate ``λ``; each is approved with probability
``p_approve`` and then moves the end ``e·T0`` months later, so requests arriving in the
added months count too. Arrivals after the cap are never seen: the project is cut
there and abandoned.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass

import numpy as np
import simpy

from simcrm.distributions import Distribution
from simcrm.scenario.schema import Scenario

Process = Generator[simpy.Event, object, None]


def request_rate(scenario: Scenario, quality: float) -> float:
    """``λ = λ_discover (1 − k q) + λ_department · departments · (1 − governance)``."""
    sc = scenario.scope
    discovery = sc.discovery_rate * (1.0 - sc.discovery_planning_effect * quality)
    return discovery + sc.department_rate * sc.departments * (1.0 - sc.governance)


@dataclass
class Execution:
    """The state of one project's execution while simpy runs it.

    Attributes
    ----------
    base_months
        ``D = T0 · F_sched``: where execution would end without scope creep.
    planned_months
        ``T0``: an approved request of scope fraction ``e`` adds ``e·T0`` months.
    cap
        ``max_execution_months`` (infinite if none).
    change_requests
        Requests that arrived so far.
    scope_growth
        Sum of the approved scope fractions so far.
    abandoned
        The clock reached the cap before the end.
    """

    base_months: float
    planned_months: float
    cap: float = math.inf
    change_requests: int = 0
    scope_growth: float = 0.0
    abandoned: bool = False

    @property
    def end(self) -> float:
        """Where execution ends, as far as known now: ``D + T0 · scope_growth``."""
        return self.base_months + self.planned_months * self.scope_growth

    @property
    def actual_months(self) -> float:
        """Months of execution: the end, or the cap if the project was cut there."""
        return self.cap if self.abandoned else self.end


def execute(env: simpy.Environment, state: Execution, finished: simpy.Event) -> Process:
    """Run until the end (which approved requests may move) or the cap; then ``finished``."""
    while True:
        target = min(state.end, state.cap)
        yield env.timeout(max(0.0, target - env.now))
        if state.end <= target:  # nothing moved the end while we waited: done
            break
        if target >= state.cap:  # the end lies beyond the cap: cut here
            state.abandoned = True
            break
    finished.succeed()


class Draws:
    """Independent draws of a distribution, handed out one at a time (drawn in batches).

    Drawing a batch of iid values and using them in turn is the same, in distribution,
    as drawing each when needed; it saves the per-call overhead of ``sample``.
    """

    def __init__(self, dist: Distribution, rng: np.random.Generator, batch: int = 64) -> None:
        self.dist, self.rng, self.batch = dist, rng, batch
        self.buffer: list[float] = []

    def next(self) -> float:
        """The next draw."""
        if not self.buffer:
            self.buffer = self.dist.sample(self.rng, self.batch).tolist()
        return self.buffer.pop()


def change_requests(
    env: simpy.Environment,
    state: Execution,
    rng: np.random.Generator,
    rate: float,
    p_approve: float,
    effect: Distribution,
) -> Process:
    """Poisson arrivals of change requests at ``rate`` per month while execution runs.

    Only this process moves the end, so when the next arrival would come at or after the
    end (or the cap), execution is over before it and no more requests arrive.
    """
    effects = Draws(effect, rng)
    while True:
        wait = rng.exponential(1.0 / rate)
        if env.now + wait >= min(state.end, state.cap):
            return
        yield env.timeout(wait)
        state.change_requests += 1
        if rng.random() < p_approve:
            state.scope_growth += effects.next()


def run_execution(
    env: simpy.Environment,
    scenario: Scenario,
    rng: np.random.Generator,
    planned_months: float,
    base_months: float,
    quality: float,
) -> tuple[Execution, simpy.Event]:
    """Start the execution processes of one project at time 0.

    Returns
    -------
    tuple
        The execution state (final once the event fires) and the event that fires when
        execution ends or is cut at the cap.
    """
    cap = scenario.execution.max_execution_months
    state = Execution(base_months, planned_months, math.inf if cap is None else cap)
    finished = env.event()
    env.process(execute(env, state, finished))
    rate = request_rate(scenario, quality)
    if rate > 0:
        sc = scenario.scope
        env.process(change_requests(env, state, rng, rate, sc.p_approve, sc.effect))
    return state, finished
