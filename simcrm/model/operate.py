"""Operate from go-live to the horizon, month by month, all trials at once (MODEL.md §3–§5).

The only loop is over months since go-live; each month updates every trial's adoption,
holds its reviews, and adds its cash flows, discounted at the trial's calendar month.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from simcrm.model.adoption import AdoptionState, bass_step
from simcrm.model.money import monthly_factor
from simcrm.model.parameters import Parameters
from simcrm.model.reviews import evaluation_noise, review

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Operation:
    """Per-trial results of the operating phase (money undiscounted unless named pv)."""

    adoption_12m: FloatArray
    adoption_final: FloatArray
    improvements: IntArray
    improvement_cost: FloatArray
    rescued: BoolArray
    abandoned: BoolArray
    abandon_month: FloatArray
    pv_costs: FloatArray
    pv_benefits: FloatArray
    payback_month: FloatArray
    intangible_score: FloatArray


@dataclass(frozen=True)
class MoneyDraws:
    """Per-trial money parameters from the MONEY stream."""

    running_month: FloatArray
    value_per_user: FloatArray
    intangible_points: FloatArray


def draw_money(params: Parameters, rng: np.random.Generator, n: int) -> MoneyDraws:
    """Running cost per month, value per active user-month and intangible points."""
    users = params.value("plan.users")
    running = users * params.draw("money.running_cost_per_user_month", rng, n)
    running = running + params.draw("money.running_fixed_month", rng, n)
    value = params.draw("money.value_per_active_user_month", rng, n)
    return MoneyDraws(running, value, params.draw("money.intangible_points", rng, n))


def operate(
    params: Parameters,
    rng: np.random.Generator,
    go_live: IntArray,
    live: BoolArray,
    cash_at_go_live: FloatArray,
    quality: FloatArray,
    budget: FloatArray,
    state: AdoptionState,
    money: MoneyDraws,
) -> Operation:
    """Simulate every trial from its go-live month to the horizon.

    Parameters
    ----------
    rng
        The REVIEWS stream: one measurement noise and one rescue draw per trial and review.
    go_live
        Month at whose end execution finished (operation starts the month after).
    live
        Trials that went live (not abandoned during execution).
    cash_at_go_live
        Cumulative undiscounted cash at go-live (minus the implementation cost).
    quality
        Planning quality, which sets the evaluation noise.
    budget
        ``B``: improvement and rescue costs are fractions of it.
    """
    scenario = params.scenario
    horizon = scenario.simulation.horizon_months
    policy = scenario.reviews
    users = params.value("plan.users")
    v = monthly_factor(scenario.money.discount_rate)
    n = len(go_live)
    sigma = evaluation_noise(params, quality)
    price = params.value("money.intangible_price")
    intangible_month = price * money.intangible_points / horizon
    improvement_price = budget * params.value("reviews.improvement_cost")
    rescue_price = budget * params.value("reviews.rescue_cost")

    active = np.zeros(n)
    running = live & (go_live < horizon)
    dropped = ~live
    cum_cash = cash_at_go_live.copy()
    adoption_12m = np.where(live & (go_live + 12 > horizon), np.nan, 0.0)
    final = np.zeros(n)
    improvements = np.zeros(n, dtype=np.int64)
    improvement_cost = np.zeros(n)
    rescues = np.zeros(n, dtype=np.int64)
    rescued = np.zeros(n, dtype=np.bool_)
    abandon_month = np.full(n, np.nan)
    pv_costs = np.zeros(n)
    pv_benefits = np.zeros(n)
    payback = np.full(n, np.nan)
    share_sum = np.zeros(n)

    for k in range(1, horizon - int(go_live.min(initial=horizon)) + 1):
        month = go_live + k
        running &= month <= horizon
        if not running.any() and k > 12:
            break
        active = bass_step(active, state)
        active[dropped] = 0.0
        if k == 12:
            adoption_12m = np.where(live & (go_live + 12 <= horizon), active, adoption_12m)
        flow_in = np.where(running, active * (users * money.value_per_user + intangible_month), 0.0)
        flow_out = np.where(running, money.running_month, 0.0)
        share_sum += np.where(running, active, 0.0)
        if policy.evaluation and k % policy.cycle_months == 0:
            noise = rng.standard_normal(n) * sigma
            outcome = review(
                params,
                k // policy.cycle_months,
                k,
                running,
                active,
                noise,
                rng.random(n),
                rescues,
                state,
            )
            improvements += outcome.improved
            rescues += outcome.rescue_attempted
            rescued |= outcome.rescued
            spent = improvement_price * outcome.improved
            improvement_cost += spent
            flow_out += spent + rescue_price * outcome.rescue_attempted
            abandon_month[outcome.abandoned] = month[outcome.abandoned]
            dropped |= outcome.abandoned
            running &= ~outcome.abandoned
        final = np.where(running & (month == horizon), active, final)
        discount = v ** month.astype(np.float64)
        pv_benefits += discount * flow_in
        pv_costs += discount * flow_out
        cum_cash += flow_in - flow_out
        paid_back = running & np.isnan(payback) & (cum_cash >= 0)
        payback[paid_back] = month[paid_back]
    return Operation(
        adoption_12m,
        final,
        improvements,
        improvement_cost,
        rescued,
        ~np.isnan(abandon_month),
        abandon_month,
        pv_costs,
        pv_benefits,
        payback,
        money.intangible_points * share_sum / horizon,
    )
