"""Operate from go-live to the horizon, month by month, all trials at once (MODEL.md §3–§5).

The only loop is over months since go-live; each month updates every trial's adoption,
holds its reviews, and adds its cash flows, discounted at the trial's calendar month.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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
    price = params.value("money.intangible_price")
    # a month of use at full adoption is worth this much (tangible + priced intangible)
    value_at_full = params.value("plan.users") * money.value_per_user
    value_at_full = value_at_full + price * money.intangible_points / horizon
    improvement_price = np.broadcast_to(budget * params.value("reviews.improvement_cost"), n)
    rescue_price = np.broadcast_to(budget * params.value("reviews.rescue_cost"), n)
    sigma = np.broadcast_to(evaluation_noise(params, quality), n)

    # Trials sorted by months of operation within the horizon, longest first: those still
    # operating k months after go-live are then the first count[k] — no masks, and no
    # work on projects past their horizon or never live. Outputs are unsorted at the end.
    months_left = np.where(live, np.maximum(horizon - go_live, 0), 0)
    order = np.argsort(-months_left, kind="stable")
    left = months_left[order]
    months = int(left[0]) if n else 0
    count = np.searchsorted(-left, -np.arange(months + 1), side="right")
    s_go_live = go_live[order]
    s_sigma = sigma[order]
    s_improvement_price = improvement_price[order]
    s_rescue_price = rescue_price[order]
    s_state = AdoptionState(*(np.array(getattr(state, f)[order]) for f in _STATE_FIELDS))
    s_discount = v ** s_go_live.astype(np.float64)
    worth = np.broadcast_to(value_at_full, n)[order]
    worth = np.where(worth > 0, worth, np.inf)
    # cumulative cash after month k, in months of full use: gap = k·slope + spend − used
    # is ≤ 0 exactly when the project has paid back; paid back (or never able) → +inf
    slope = money.running_month[order] / worth
    gap = np.where(np.isfinite(worth) & (left > 0), -cash_at_go_live[order] / worth, np.inf)

    stepper = BassStepper(s_state)
    active = np.zeros(n)
    used = np.zeros(n)  # Σ adoption over operating months
    used_discounted = np.zeros(n)  # Σ v^k · adoption over operating months
    month_12 = np.zeros(n)
    final = np.zeros(n)
    extra_pv = np.zeros(n)
    improvements = np.zeros(n, dtype=np.int64)
    improvement_cost = np.zeros(n)
    rescues = np.zeros(n, dtype=np.int64)
    rescued = np.zeros(n, dtype=np.bool_)
    stop = left.copy()  # last month of operation: the horizon, or abandonment
    abandon_after = np.full(n, -1)  # months from go-live at abandonment, -1 if never
    payback = np.full(n, np.nan)
    tmp = np.empty(n)

    for k in range(1, months + 1):
        m = int(count[k])
        a = active[:m]
        stepper.step(active, m)
        # month k's use counts, even if a review at its end abandons the project
        if k == 12:
            month_12[:m] = a
        used[:m] += a
        np.multiply(a, v**k, out=tmp[:m])
        used_discounted[:m] += tmp[:m]
        ending = slice(int(count[k + 1]) if k < months else 0, m)
        final[ending] = a[ending]
        g = gap[:m]
        g += slope[:m]
        g -= a
        if policy.evaluation and k % policy.cycle_months == 0:
            # every trial draws, in trial order, whether reviewed or not (same streams)
            noise = rng.standard_normal(n)[order[:m]] * s_sigma[:m]
            draw = rng.random(n)[order[:m]]
            outcome = review(
                params,
                k // policy.cycle_months,
                k,
                stop[:m] >= k,
                a,
                noise,
                draw,
                rescues[:m],
                _view(s_state, m),
            )
            if outcome.improved.any() or outcome.rescued.any():
                stepper.refresh()  # a ceiling moved
            spent = s_improvement_price[:m] * outcome.improved
            improvements[:m] += outcome.improved
            improvement_cost[:m] += spent
            spent += s_rescue_price[:m] * outcome.rescue_attempted
            g += spent / worth[:m]
            extra_pv[:m] += spent * s_discount[:m] * v**k
            rescues[:m] += outcome.rescue_attempted
            rescued[:m] |= outcome.rescued
            ended = np.flatnonzero(outcome.abandoned)
            abandon_after[ended] = k
            stop[ended] = k
            a[ended] = 0.0
            stepper.stop(ended)
        paid = np.flatnonzero(g <= 0)
        if paid.size:
            payback[paid] = s_go_live[paid] + k
            g[paid] = np.inf

    abandoned = abandon_after >= 0
    pv_running = money.running_month[order] * s_discount * annuity(v, stop.astype(np.float64))
    sorted_out = {
        "adoption_12m": month_12,
        "adoption_final": np.where(abandoned, 0.0, final),
        "improvements": improvements,
        "improvement_cost": improvement_cost,
        "rescued": rescued,
        "abandoned": abandoned,
        "abandon_month": np.where(abandoned, s_go_live + abandon_after, np.nan),
        "pv_costs": pv_running + extra_pv,
        "pv_benefits": worth_or_zero(worth) * s_discount * used_discounted,
        "payback_month": payback,
        "intangible_score": money.intangible_points[order] * used / horizon,
    }
    out: dict[str, Any] = {name: _unsort(values, order) for name, values in sorted_out.items()}
    out["adoption_12m"] = np.where(
        live & (go_live + 12 <= horizon), out["adoption_12m"], np.where(live, np.nan, 0.0)
    )
    return Operation(**out)


_STATE_FIELDS = ("ceiling", "innovation", "imitation", "discontinuance")


def _view(state: AdoptionState, count: int) -> AdoptionState:
    """The first ``count`` trials of ``state`` (views: updates reach the whole)."""
    return AdoptionState(*(getattr(state, f)[:count] for f in _STATE_FIELDS))


def _unsort(
    values: npt.NDArray[np.generic], order: npt.NDArray[np.intp]
) -> npt.NDArray[np.generic]:
    """Values computed in ``order`` back in trial order."""
    out = np.empty_like(values)
    out[order] = values
    return out


def worth_or_zero(worth: FloatArray) -> FloatArray:
    """Value of a month at full use, with the 'never pays back' infinity back at 0."""
    return np.where(np.isfinite(worth), worth, 0.0)
