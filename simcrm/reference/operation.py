"""Operation of one project from go-live to the horizon (docs/model.md §3–§5).

Month ``m`` is the interval ``(m − 1, m]`` of the simulation clock. Three things happen
in it, at fixed points so their order is plain:

- at ``m − ½`` (:meth:`Operation.use`): one Bass step of adoption (in a project whose
  users reject the system, past the onset, a share ``ρ`` of the active users also leaves
  for good and lowers the ceiling by as much); while the project runs, the month's
  benefit (tangible and priced intangible) and running cost accrue;
- at ``m − ¼`` (:meth:`Operation.reviews`), every ``cycle_months`` after go-live: a
  review measures adoption with noise and decides improvement, rescue or abandonment,
  paying for them in this month;
- at ``m`` (the end of :meth:`Operation.use`'s month): the books close — the month's
  flows are discounted by ``v^m`` and added to the cumulative cash, and payback is
  checked (in any month the project operated in, its month of abandonment included).
"""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass

import numpy as np
import simpy

from simcrm.distributions import Fixed
from simcrm.reference.draws import TrialDraws
from simcrm.scenario.schema import Scenario

Process = Generator[simpy.Event, object, None]


def bass_step(a: float, m: float, p: float, qb: float, delta: float) -> float:
    """One month of adoption: ``a + (p + qb·a/m)(m − a) − δ·a``, clipped to ``[0, m]``."""
    share = a / m if m > 0 else 0.0
    return min(max(a + (p + qb * share) * (m - a) - delta * a, 0.0), m)


def _num(value: object) -> float:
    """A review setting as a number: the scenario's own number, or the value drawn for this
    trial (the trial's scenario holds it as a fixed distribution)."""
    return float(value.value) if isinstance(value, Fixed) else float(value)  # type: ignore[arg-type]


@dataclass
class Books:
    """What operation adds up for one project (money undiscounted unless named pv)."""

    cum_cash: float
    pv_costs: float = 0.0
    pv_benefits: float = 0.0
    inflow: float = 0.0  # of the month in progress
    outflow: float = 0.0  # of the month in progress
    payback_month: float = math.nan
    adoption_12m: float = math.nan
    adoption_final: float = 0.0
    active_months: float = 0.0  # sum of the active share over the months it ran
    improvements: int = 0
    improvement_cost: float = 0.0
    rescues: int = 0
    rescued: bool = False
    abandon_month: float = math.nan


class Operation:
    """The operating phase of one project, as simpy processes on ``env``.

    Parameters
    ----------
    env
        The trial's environment; ``env.now`` is the go-live month when it starts.
    scenario, draws
        The model and the trial's parameters.
    rng
        The trial's generator (review noise and rescue draws).
    go_live
        Month at whose end execution finished.
    budget
        ``B``: improvement and rescue costs are fractions of it.
    cash
        Cumulative undiscounted cash at go-live (minus the implementation cost).
    """

    def __init__(
        self,
        env: simpy.Environment,
        scenario: Scenario,
        draws: TrialDraws,
        rng: np.random.Generator,
        go_live: int,
        budget: float,
        cash: float,
    ) -> None:
        self.env, self.scenario, self.draws, self.rng = env, scenario, draws, rng
        self.go_live, self.budget = go_live, budget
        self.horizon = scenario.simulation.horizon_months
        self.onset = scenario.adoption.rejection_onset_months
        self.v = (1.0 + scenario.money.discount_rate) ** (-1.0 / 12.0)
        self.active = 0.0
        self.ceiling = draws.ceiling
        self.rejection = draws.rejection  # 0 once a real improvement or a rescue ends it
        self.running = go_live < self.horizon
        self.books = Books(cum_cash=cash)
        if go_live + 12 <= self.horizon:
            self.books.adoption_12m = 0.0

    def start(self) -> None:
        """Start the monthly process and, if evaluation is on, the reviews."""
        self.env.process(self.use())
        if self.scenario.reviews.evaluation:
            self.env.process(self.reviews())

    def use(self) -> Process:
        """Month by month: adoption and the month's flows at mid-month, books at month end."""
        d, b = self.draws, self.books
        mo = self.scenario.money
        intangible = mo.intangible_price * d.intangible_points / self.horizon
        for month in range(self.go_live + 1, self.horizon + 1):
            yield self.env.timeout(0.5)
            operating = self.running  # the month counts if the project ran into it
            if operating:
                # rejection: from the onset on, a share ρ of the active users leaves for good
                rho = self.rejection if month - self.go_live > self.onset else 0.0
                before = self.active
                self.active = bass_step(
                    before, self.ceiling, d.innovation, d.imitation, d.discontinuance + rho
                )
                if rho > 0.0:  # they leave the ceiling too: fewer users will ever use it
                    self.ceiling -= rho * before
                    self.active = min(self.active, self.ceiling)
                b.inflow += self.active * (self.scenario.plan.users * d.value_per_user + intangible)
                b.outflow += d.running_month
                b.active_months += self.active
            if month - self.go_live == 12:
                b.adoption_12m = self.active
            yield self.env.timeout(0.5)
            self.close(month, operating)

    def close(self, month: int, operating: bool) -> None:
        """Close the books of ``month``: discount at its end, cumulate, check payback.

        Payback is the first month the cumulative cash is ≥ 0, among the months the
        project operated in (the month of abandonment included, its review costs paid).
        """
        b = self.books
        b.pv_benefits += self.v**month * b.inflow
        b.pv_costs += self.v**month * b.outflow
        b.cum_cash += b.inflow - b.outflow
        b.inflow = b.outflow = 0.0
        if operating and math.isnan(b.payback_month) and b.cum_cash >= 0:
            b.payback_month = float(month)
        if self.running and month == self.horizon:  # 0 if abandoned, even this month
            b.adoption_final = self.active

    def reviews(self) -> Process:
        """A review every ``cycle_months`` after go-live, a quarter-month before month end."""
        policy = self.scenario.reviews
        months_live = policy.cycle_months
        yield self.env.timeout(months_live - 0.25)
        while self.running and self.go_live + months_live <= self.horizon:
            self.review(months_live // policy.cycle_months, months_live)
            months_live += policy.cycle_months
            yield self.env.timeout(policy.cycle_months)

    def review(self, number: int, months_live: int) -> None:
        """Review ``number``: measure, then improve, rescue or abandon (docs/model.md §4)."""
        policy, b = self.scenario.reviews, self.books
        sigma = policy.noise_sd * (1.0 - self.draws.quality) + policy.noise_floor
        measured = self.active + sigma * self.rng.standard_normal()
        target = policy.targets[min(number, len(policy.targets)) - 1]
        gap = 1.0 - self.ceiling
        if measured < policy.abandon_threshold and months_live >= policy.abandon_min_months:
            if policy.rescue and b.rescues < policy.max_rescues:
                b.rescues += 1
                b.outflow += self.budget * _num(policy.rescue_cost)
                if self.rng.random() < _num(policy.rescue_success):
                    b.rescued = True
                    self.ceiling += _num(policy.rescue_uplift) * gap
                    self.rejection = 0.0
                    return
            b.abandon_month = float(self.go_live + months_live)
            self.running = False
            self.active = 0.0
        elif measured < target and policy.improvement:
            b.improvements += 1
            b.improvement_cost += self.budget * _num(policy.improvement_cost)
            b.outflow += self.budget * _num(policy.improvement_cost)
            if self.active < target:  # the shortfall is real: the round helps
                self.ceiling += _num(policy.improvement_uplift) * gap
                self.rejection = 0.0  # and ends any rejection
