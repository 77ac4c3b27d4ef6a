"""Operate from go-live to the horizon, month by month, all trials at once (MODEL.md §3–§5).

The only loop is over months since go-live; each month updates every trial's adoption,
holds its reviews, and adds its cash flows, discounted at the trial's calendar month.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from simcrm.model.adoption import AdoptionState, BassStepper
from simcrm.model.money import annuity, monthly_factor
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
    v = monthly_factor(scenario.money.discount_rate)
    n = len(go_live)
    sigma = evaluation_noise(params, quality)
    price = params.value("money.intangible_price")
    # a month of use at full adoption is worth this much (tangible + priced intangible)
    value_at_full = params.value("plan.users") * money.value_per_user
    value_at_full = value_at_full + price * money.intangible_points / horizon
    improvement_price = budget * params.value("reviews.improvement_cost")
    rescue_price = budget * params.value("reviews.rescue_cost")

    months = int(max(horizon - go_live.min(initial=horizon), 0))
    # last month (counted from go-live) each trial operates: the horizon, or abandonment
    stop = np.where(live, np.clip(horizon - go_live, 0, None), 0)
    discount_at_go_live = v ** go_live.astype(np.float64)
    stepper = BassStepper(state)
    active = np.zeros(n)
    used = np.zeros(n)  # Σ adoption over operating months (masked)
    used_discounted = np.zeros(n)  # Σ v^k · adoption over operating months
    month_12 = np.full(n, np.nan)
    final = np.zeros(n)
    extra_pv = np.zeros(n)
    improvements = np.zeros(n, dtype=np.int64)
    improvement_cost = np.zeros(n)
    rescues = np.zeros(n, dtype=np.int64)
    rescued = np.zeros(n, dtype=np.bool_)
    abandon_after = np.full(n, -1)  # months from go-live at abandonment, -1 if never
    payback = np.full(n, np.nan)
    running_month = money.running_month
    # cumulative cash after month k, in months of full use: `gap` = k·slope + offset −
    # used is ≤ 0 exactly when the project has paid back; reviews that spend money raise
    # the offset, and a project that has paid back (or never can) gets gap = +inf
    worth = np.where(value_at_full > 0, value_at_full, np.inf)
    slope = running_month / worth
    gap = np.where(live & (value_at_full > 0), -cash_at_go_live / worth, np.inf)
    masked = np.empty(n)
    # trials whose horizon falls k months after go-live, for reading adoption_final
    last = np.where(live, horizon - go_live, -1)
    by_last = np.argsort(last, kind="stable")
    bounds = np.searchsorted(last[by_last], np.arange(months + 2))

    for k in range(1, months + 1):
        stepper.step(active)
        operating = stop >= k
        np.multiply(active, operating, out=masked)
        if k == 12:
            month_12 = masked.copy()
        if policy.evaluation and k % policy.cycle_months == 0:
            outcome = review(
                params,
                k // policy.cycle_months,
                k,
                operating,
                active,
                rng.standard_normal(n) * sigma,
                rng.random(n),
                rescues,
                state,
            )
            stepper.refresh()
            spent = improvement_price * outcome.improved
            improvements += outcome.improved
            improvement_cost += spent
            spent = spent + rescue_price * outcome.rescue_attempted
            gap += spent / worth
            extra_pv += spent * discount_at_go_live * v**k
            rescues += outcome.rescue_attempted
            rescued |= outcome.rescued
            abandon_after[outcome.abandoned] = k
            stop[outcome.abandoned] = k
        used += masked
        used_discounted += masked * v**k
        ending = by_last[bounds[k] : bounds[k + 1]]
        final[ending] = masked[ending]
        gap += slope
        gap -= masked
        paid = gap <= 0
        if paid.any():
            payback[paid] = go_live[paid] + k
            gap[paid] = np.inf

    at_horizon = live & (stop == horizon - go_live) & (abandon_after < 0)
    twelve = live & (go_live + 12 <= horizon)
    pv_running = running_month * discount_at_go_live * annuity(v, stop.astype(np.float64))
    abandoned = abandon_after >= 0
    return Operation(
        adoption_12m=np.where(twelve, month_12, np.where(live, np.nan, 0.0)),
        adoption_final=np.where(at_horizon, final, 0.0),
        improvements=improvements,
        improvement_cost=improvement_cost,
        rescued=rescued,
        abandoned=abandoned,
        abandon_month=np.where(abandoned, go_live + abandon_after, np.nan),
        pv_costs=pv_running + extra_pv,
        pv_benefits=value_at_full * discount_at_go_live * used_discounted,
        payback_month=payback,
        intangible_score=money.intangible_points * used / horizon,
    )
