"""Operate from go-live to the horizon, month by month, all trials at once (docs/model.md §3–5).

The only loop is over months since go-live. Each month steps every operating trial's
adoption (in ``LOOP_DTYPE``) into one row of a window and holds the month's reviews;
every ``WINDOW_MONTHS`` the :class:`~simcrm.model.ledger.Ledger` books the window's use,
spending and payback at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from simcrm.model.adoption import AdoptionState, BassStepper
from simcrm.model.ledger import Ledger, Spending
from simcrm.model.money import annuity, monthly_factor
from simcrm.model.parameters import Parameters
from simcrm.model.reviews import ReviewRecord, ReviewRules, evaluation_noise, review

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
    by_month: npt.NDArray[np.int64] | None = None,
    cash_by_month: npt.NDArray[np.int64] | None = None,
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
    by_month
        If given (months × :data:`ADOPTION_BINS`), each month ``k`` after go-live adds to
        row ``k − 1`` the count of operating trials whose active share rounds to each
        bin (``share × (ADOPTION_BINS − 1)``, to the nearest): integer counts, which
        chunks and workers merge exactly.
    cash_by_month
        If given (horizon × :data:`CASH_BINS`), each calendar month of operation adds the
        count of trials by their cumulative undiscounted cash in multiples of the budget
        ``B`` (:func:`cash_bin`): use is worth its value, running costs stop with
        abandonment, improvement and rescue are paid at the end of their review's month.
    """
    scenario = params.scenario
    horizon = scenario.simulation.horizon_months
    policy = scenario.reviews
    n = len(go_live)
    price = params.value("money.intangible_price")
    # a month of use at full adoption is worth this much (tangible + priced intangible)
    value_at_full = params.value("plan.users") * money.value_per_user
    value_at_full = value_at_full + price * money.intangible_points / horizon

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
    s_state = state.taken(order)
    s_params = params.reordered(order)  # per-trial values follow the sort
    v = monthly_factor(s_params.value("money.discount_rate"))
    if isinstance(v, float):  # one rate for the run
        power = v ** np.arange(horizon + 1.0)  # v^k by table: whole months only
        s_discount = power[np.minimum(s_go_live, horizon)]
        late = np.flatnonzero(s_go_live > horizon)  # live after the horizon: nothing to discount
        s_discount[late] = v ** s_go_live[late].astype(np.float64)
    else:  # each trial its own rate: v^k trial by trial, a window at a time
        power = np.ones(horizon + 1)
        s_discount = v ** s_go_live.astype(np.float64)
    worth = np.broadcast_to(value_at_full, n)[order]
    worth = np.where(worth > 0, worth, np.inf)
    gap = np.where(np.isfinite(worth) & (left > 0), -cash_at_go_live[order] / worth, np.inf)
    slope = money.running_month[order] / worth
    ledger = Ledger(gap, slope, worth, power, left, s_go_live, LOOP_DTYPE)
    sigma = evaluation_noise(params, quality)  # in trial order, as the noise is drawn
    rules = ReviewRules.of(s_params)
    record = ReviewRecord(
        order,
        np.broadcast_to(budget * params.value("reviews.improvement_cost"), n),
        np.broadcast_to(budget * params.value("reviews.rescue_cost"), n),
    )

    if cash_by_month is not None:
        cash = cash_at_go_live[order].astype(np.float64)
        cash_worth = worth_or_zero(worth)
        cash_running = money.running_month[order]
        cash_scale = np.broadcast_to(budget, n)[order]
        # every operating (month, trial)'s cell, counted once at the end: one bincount
        cells = np.empty(int(count[1 : months + 1].sum()), dtype=np.int64)
        filled = 0
    # the rejecting trials' ceilings are written to s_state only before they are read
    stepper = BassStepper(s_state, LOOP_DTYPE, lazy_ceilings=True)
    rows = np.empty((min(WINDOW_MONTHS, max(months, 1)), n), LOOP_DTYPE)  # a month a row
    previous = np.zeros(n, LOOP_DTYPE)  # adoption before the first month
    month_12 = np.zeros(n)
    final = np.zeros(n)
    start = 0  # the window holds months start+1 … end
    while start < months:
        end = min(start + WINDOW_MONTHS, months)
        first = int(count[start + 1])  # trials operating in the window's first month
        spending: list[Spending] = []  # of each review in the window, by its row
        for row, k in enumerate(range(start + 1, end + 1)):
            m = int(count[k])
            active = rows[row]
            stepper.step(previous, active, m)
            active[m:first] = 0.0  # trials past their horizon use nothing
            if k == 12:
                month_12[:m] = active[:m]
            if by_month is not None and m:
                bins = np.rint(active[:m] * (ADOPTION_BINS - 1)).astype(np.int64)
                np.clip(bins, 0, ADOPTION_BINS - 1, out=bins)
                by_month[k - 1] += np.bincount(bins, minlength=ADOPTION_BINS)
            if cash_by_month is not None and m:  # month k's use and running cost
                cash[:m] += cash_worth[:m] * active[:m]
                cash[:m] -= cash_running[:m] * record.running[:m]
            last = int(count[k + 1])
            final[last:m] = active[last:m]
            previous = active
            if policy.evaluation and k % policy.cycle_months == 0:
                # every trial draws, in trial order, whether reviewed or not (same streams)
                noise = rng.standard_normal(n)
                draw = rng.random(n)
                # before abandonment may begin, and without improvement, a review decides
                # nothing (its outcome would be empty)
                if k >= policy.abandon_min_months or policy.improvement:
                    noise *= sigma
                    noise = noise[order[:m]]
                    if policy.rescue:  # else the rescue draws are not read
                        draw = draw[order[:m]]
                    stepper.sync()  # the review reads and raises the ceilings
                    outcome = review(
                        policy,
                        rules,
                        k // policy.cycle_months,
                        k,
                        record.running[:m],
                        active[:m],
                        noise,
                        draw,
                        record.rescues[:m],
                        s_state.ceiling,
                    )
                    stepper.refresh(outcome.raised)
                    stepper.end_rejection(outcome.raised)  # raising the ceiling ends rejection
                    # month k's use counts; abandoned projects use nothing from the next on
                    stepper.stop(outcome.abandoned)
                    spending.append((row, *record.add(outcome, k)))
                    if cash_by_month is not None:
                        payers, amounts = spending[-1][1], spending[-1][2]
                        np.subtract.at(cash, payers, amounts)
            if cash_by_month is not None and m:  # the month's end, in calendar months
                where = cells[filled : filled + m]
                np.add(s_go_live[:m], k - 1, out=where)
                where *= CASH_BINS
                where += cash_bin(cash[:m] / cash_scale[:m])
                filled += m
        own = (
            None
            if isinstance(v, float)
            else v[:first] ** np.arange(start + 1.0, end + 1.0)[:, None]
        )
        ledger.book(rows[: end - start, :first], start, spending, s_discount, own)
        start = end

    stepper.sync()
    if cash_by_month is not None:
        flat = np.bincount(cells[:filled], minlength=cash_by_month.size)
        cash_by_month += flat.reshape(cash_by_month.shape)
    abandoned = record.abandon_after >= 0
    stop = np.where(abandoned, record.abandon_after, left)  # last month of operation
    if isinstance(v, float):
        annuities = annuity(v, np.arange(horizon + 1.0))[stop]
    else:
        annuities = annuity(v, stop.astype(np.float64))
    pv_running = money.running_month[order] * s_discount * annuities
    sorted_out = {
        # float32 rounding may leave a share an ulp outside [0, m]
        "adoption_12m": np.clip(month_12, 0.0, stepper.ceiling_bound()),
        "adoption_final": np.where(abandoned, 0.0, np.clip(final, 0.0, s_state.ceiling)),
        "improvements": record.improvements,
        "improvement_cost": record.improvement_cost,
        "rescued": record.rescued,
        "abandoned": abandoned,
        "abandon_month": np.where(abandoned, s_go_live + record.abandon_after, np.nan),
        "pv_costs": pv_running + ledger.spent_pv,
        "pv_benefits": worth_or_zero(worth) * s_discount * ledger.used_discounted,
        "payback_month": ledger.payback,
        "intangible_score": money.intangible_points[order] * ledger.used / horizon,
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

ADOPTION_BINS = 201
"""Bins of the active share in the monthly counts (0, 0.5%, …, 100%)."""

CASH_LOW, CASH_STEP, CASH_BINS = -4.0, 0.05, 401
"""Grid of cumulative cash in multiples of the budget: −4 to +16 in steps of 0.05 (the
ends collect everything beyond them)."""


def cash_bin(multiple: FloatArray) -> IntArray:
    """Nearest grid point of a cumulative cash given in multiples of the budget."""
    index = np.rint((multiple - CASH_LOW) / CASH_STEP)
    return np.clip(np.nan_to_num(index, nan=0.0), 0, CASH_BINS - 1).astype(np.int64)


WINDOW_MONTHS = 12
"""Months of adoption kept (a row each) before the ledger books them at once."""


def _sort_key(horizon: int) -> type[np.unsignedinteger[Any]]:
    """The smallest unsigned type that holds 0 … horizon."""
    return np.uint8 if horizon <= np.iinfo(np.uint8).max else np.uint16


def worth_or_zero(worth: FloatArray) -> FloatArray:
    """Value of a month at full use, with the 'never pays back' infinity back at 0."""
    return np.where(np.isfinite(worth), worth, 0.0)
