"""Operate from go-live to the horizon, month by month, all trials at once (MODEL.md §3–§5).

The only loop is over months since go-live; each month updates every trial's adoption,
holds its reviews, and adds its cash flows, discounted at the trial's calendar month.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from simcrm.model.adoption import AdoptionState, BassStepper, Shares
from simcrm.model.money import annuity, monthly_factor
from simcrm.model.parameters import Parameters
from simcrm.model.reviews import ReviewOutcome, ReviewRules, evaluation_noise, review
from simcrm.scenario import Reviews

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
    # a stable sort of small integers: numpy's radix sort, not a comparison sort
    order = np.argsort((horizon - months_left).astype(_sort_key(horizon)), kind="stable")
    left = months_left[order]
    months = int(left[0]) if n else 0
    count = np.searchsorted(-left, -np.arange(months + 2), side="right")
    s_go_live = go_live[order]
    s_sigma = sigma[order]
    s_state = AdoptionState(*(np.array(getattr(state, f)[order]) for f in _STATE_FIELDS))
    power = v ** np.arange(horizon + 1.0)  # v^k by table: whole months only
    s_discount = power[np.minimum(s_go_live, horizon)]
    late = np.flatnonzero(s_go_live > horizon)  # live after the horizon: nothing to discount
    s_discount[late] = v ** s_go_live[late].astype(np.float64)
    rules = ReviewRules.of(params, order)
    worth = np.broadcast_to(value_at_full, n)[order]
    worth = np.where(worth > 0, worth, np.inf)
    # cumulative cash after month k, in months of full use: gap = k·slope + spend − used
    # is ≤ 0 exactly when the project has paid back; paid back (or never able) → +inf
    slope = money.running_month[order] / worth
    gap = np.where(np.isfinite(worth) & (left > 0), -cash_at_go_live[order] / worth, np.inf)
    books = _Books(n, slope, power)

    stepper = BassStepper(s_state, LOOP_DTYPE)
    # adoption of each month of the current window, one row per month
    rows = np.empty((min(WINDOW_MONTHS, max(months, 1)), n), LOOP_DTYPE)
    month_12 = np.zeros(n)
    final = np.zeros(n)
    improvements = np.zeros(n, dtype=np.int64)
    improvement_cost = np.zeros(n)
    rescues = np.zeros(n, dtype=np.int64)
    rescued = np.zeros(n, dtype=np.bool_)
    running = np.ones(n, dtype=np.bool_)  # not abandoned
    abandon_after = np.full(n, -1)  # months from go-live at abandonment, -1 if never
    payback = np.full(n, np.nan)

    previous = np.zeros(n, LOOP_DTYPE)  # adoption before the first month
    start = 0  # the window holds months start+1 … end
    while start < months:
        end = _window_end(start, months, policy)
        width = end - start
        first = int(count[start + 1])  # trials operating in the window's first month
        for j in range(width):
            k = start + 1 + j
            m = int(count[k])
            row = rows[j]
            stepper.step(previous, row, m)
            row[m:first] = 0.0  # trials past their horizon use nothing
            if k == 12:
                month_12[:m] = row[:m]
            # month k's use counts, even if a review at its end abandons the project
            last = int(count[k + 1])
            final[last:m] = row[last:m]
            previous = row
        spent = _NO_SPENDING
        outcome: ReviewOutcome | None = None
        m = int(count[end])
        if policy.evaluation and end % policy.cycle_months == 0:
            # every trial draws, in trial order, whether reviewed or not (same streams)
            reviewed = order[:m]
            noise = rng.standard_normal(n)[reviewed]
            noise *= s_sigma[:m]
            draw = rng.random(n)[reviewed]
            outcome = review(
                policy,
                rules,
                end // policy.cycle_months,
                end,
                running[:m],
                previous[:m],
                noise,
                draw,
                rescues[:m],
                s_state.ceiling,
            )
            stepper.refresh(outcome.raised)
            better, rescue = outcome.improved, outcome.rescue_attempted
            improvements[better] += 1
            better_price = improvement_price[order[better]]
            improvement_cost[better] += better_price
            rescues[rescue] += 1
            rescued[outcome.rescued] = True
            trials = np.concatenate((better, rescue))
            cost = np.concatenate((better_price, rescue_price[order[rescue]]))
            spent = (trials, cost)
        books.close(rows[:width, :first], start, gap, worth, spent, left, s_go_live, payback)
        if outcome is not None:
            books.extra_pv[spent[0]] += spent[1] * s_discount[spent[0]] * power[end]
            ended = outcome.abandoned
            abandon_after[ended] = end
            running[ended] = False
            previous[ended] = 0.0
            stepper.stop(ended)
        start = end

    abandoned = abandon_after >= 0
    stop = np.where(abandoned, abandon_after, left)  # last month of operation
    pv_running = (
        money.running_month[order] * s_discount * annuity(v, np.arange(horizon + 1.0))[stop]
    )
    sorted_out = {
        # float32 rounding may leave a share an ulp outside [0, m]
        "adoption_12m": np.clip(month_12, 0.0, s_state.ceiling),
        "adoption_final": np.where(abandoned, 0.0, np.clip(final, 0.0, s_state.ceiling)),
        "improvements": improvements,
        "improvement_cost": improvement_cost,
        "rescued": rescued,
        "abandoned": abandoned,
        "abandon_month": np.where(abandoned, s_go_live + abandon_after, np.nan),
        "pv_costs": pv_running + books.extra_pv,
        "pv_benefits": worth_or_zero(worth) * s_discount * books.used_discounted,
        "payback_month": payback,
        "intangible_score": money.intangible_points[order] * books.used / horizon,
    }
    rank = np.empty(n, dtype=np.intp)  # where each trial sits in the sorted order
    rank[order] = np.arange(n)
    out: dict[str, Any] = {name: values[rank] for name, values in sorted_out.items()}
    out["adoption_12m"] = np.where(
        live & (go_live + 12 <= horizon), out["adoption_12m"], np.where(live, np.nan, 0.0)
    )
    return Operation(**out)


LOOP_DTYPE = np.float32
"""Floating type of the adoption shares in the monthly loop.

The loop's arrays are read and written every month; in float32 they take half the memory
traffic, which is what the loop is bound by. Shares carry ~7 significant digits, sums of
them (use, discounted use, the payback gap) are kept in float64: outputs agree with a
float64 loop to about 1e-6 relative (``tests/test_precision.py``), three orders of
magnitude below the Monte Carlo error of a million trials.
"""

WINDOW_MONTHS = 12
"""Longest run of months whose adoption is kept before it is booked (reviews end one)."""

Spending = tuple[npt.NDArray[np.intp], FloatArray]
_NO_SPENDING: Spending = (np.zeros(0, dtype=np.intp), np.zeros(0))


def _sort_key(horizon: int) -> type[np.unsignedinteger[Any]]:
    """The smallest unsigned type that holds 0 … horizon."""
    return np.uint8 if horizon <= np.iinfo(np.uint8).max else np.uint16


def _window_end(start: int, months: int, policy: Reviews) -> int:
    """The month that ends the window after ``start``: the next review, or the longest
    window, or the last month of operation, whichever comes first."""
    end = min(start + WINDOW_MONTHS, months)
    if policy.evaluation:
        end = min(end, (start // policy.cycle_months + 1) * policy.cycle_months)
    return end


class _Books:
    """Adoption booked a window of months at a time, and payback found within it.

    Summing a window's rows at once (two matrix–vector products) replaces several passes
    a month; payback needs month-by-month sums only for the few trials that may have paid
    back within the window.
    """

    def __init__(self, n: int, slope: FloatArray, power: FloatArray) -> None:
        # weights of a window's months: 1 (use) and v^k (discounted use), k = 0 … horizon
        self.weights = np.vstack([np.ones_like(power), power]).astype(LOOP_DTYPE)
        self.used = np.zeros(n)  # Σ adoption over operating months
        self.used_discounted = np.zeros(n)  # Σ v^k · adoption over operating months
        self.extra_pv = np.zeros(n)  # present value of improvement and rescue spending
        self.slope = slope
        self._rise: dict[int, tuple[FloatArray, FloatArray]] = {}
        self._reach = np.empty(n)
        self._maybe = np.empty(n, dtype=np.bool_)

    def rise(self, width: int) -> tuple[FloatArray, FloatArray]:
        """``width · slope`` and ``min_j j · slope`` (j = 1 … width): the running cost of a
        window, and the least of it at any month within it."""
        if width not in self._rise:
            whole = width * self.slope
            self._rise[width] = (whole, np.minimum(self.slope, whole))
        return self._rise[width]

    def close(
        self,
        window: Shares,
        start: int,
        gap: FloatArray,
        worth: FloatArray,
        spent: Spending,
        left: IntArray,
        go_live: IntArray,
        payback: FloatArray,
    ) -> None:
        """Book a window of months ``start+1 …`` (``window`` is month × trial).

        ``spent`` (trials, amounts) is paid at the end of the window's last month.
        """
        width, m = window.shape
        sums = self.weights[:, start + 1 : start + width + 1] @ window  # one pass over it
        total = sums[0].astype(np.float64)
        self.used[:m] += total
        self.used_discounted[:m] += sums[1]
        whole, least = self.rise(width)
        g = gap[:m]
        # spending only raises the gap: trials whose gap may reach 0 within the window
        reach = np.add(g, least[:m], out=self._reach[:m])
        maybe = np.flatnonzero(np.less_equal(reach, total, out=self._maybe[:m]))
        before = g[maybe]
        g += whole[:m]
        g -= total
        trials, amounts = spent
        g[trials] += amounts / worth[trials]
        if maybe.size == 0:
            return
        # the gap month by month, for those trials only (row by row: the arrays are small)
        slope = self.slope[maybe]
        path = np.empty((width, maybe.size))
        np.add(before, slope, out=path[0])
        path[0] -= window[0, maybe]
        for row in range(1, width - 1):
            np.add(path[row - 1], slope, out=path[row])
            path[row] -= window[row, maybe]
        path[-1] = g[maybe]
        paid = path <= 0.0
        end = start + width
        short = np.flatnonzero(left[maybe] < end)  # operation ends within the window
        if short.size:
            paid[:, short] &= np.arange(start + 1, end + 1)[:, None] <= left[maybe[short]]
        first = np.full(maybe.size, width)  # the first month at or below 0, if any
        for row in range(width - 1, -1, -1):
            first[paid[row]] = row
        hit = first < width
        payers = maybe[hit]
        payback[payers] = go_live[payers] + (start + 1 + first[hit])
        gap[payers] = np.inf


_STATE_FIELDS = ("ceiling", "innovation", "imitation", "discontinuance")


def worth_or_zero(worth: FloatArray) -> FloatArray:
    """Value of a month at full use, with the 'never pays back' infinity back at 0."""
    return np.where(np.isfinite(worth), worth, 0.0)
