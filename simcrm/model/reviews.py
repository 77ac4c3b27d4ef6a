"""Evaluate and improve: reviews, improvement, rescue and abandonment (docs/model.md §4)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from simcrm.model.parameters import Parameters
from simcrm.scenario.schema import Reviews

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
Indices = npt.NDArray[np.intp]
Value = float | FloatArray


@dataclass(frozen=True)
class ReviewOutcome:
    """What one review decided: positions (into the reviewed arrays) of the trials that…

    Attributes
    ----------
    improved
        paid for an improvement round;
    rescue_attempted
        raised the alarm and paid for a rescue;
    rescued
        were rescued (a subset of ``rescue_attempted``);
    abandoned
        were abandoned;
    raised
        had their ceiling raised (real improvements and rescues), which also ends their
        users' rejection of the system (docs/model.md §3).
    """

    improved: Indices
    rescue_attempted: Indices
    rescued: Indices
    abandoned: Indices
    raised: Indices


class ReviewRecord:
    """What the reviews did to each trial so far (positions in the reviewed order).

    Parameters
    ----------
    order
        Trial of each position.
    improvement_price, rescue_price
        What an improvement round and a rescue cost, per trial (in trial order).
    """

    def __init__(
        self, order: Indices, improvement_price: FloatArray, rescue_price: FloatArray
    ) -> None:
        n = order.size
        self.order, self.improvement_price, self.rescue_price = (
            order,
            improvement_price,
            rescue_price,
        )
        self.improvements = np.zeros(n, dtype=np.int64)
        self.improvement_cost = np.zeros(n)
        self.rescues = np.zeros(n, dtype=np.int64)
        self.rescued = np.zeros(n, dtype=np.bool_)
        self.running = np.ones(n, dtype=np.bool_)  # not abandoned
        self.abandon_after = np.full(n, -1)  # months from go-live at abandonment, or -1

    def add(self, outcome: ReviewOutcome, month: int) -> tuple[Indices, FloatArray]:
        """Record a review held ``month`` months after go-live; return who pays what."""
        better, rescue = outcome.improved, outcome.rescue_attempted
        if outcome.abandoned.size:
            self.abandon_after[outcome.abandoned] = month
            self.running[outcome.abandoned] = False
        if not (better.size or rescue.size):  # no spending (nor rescue) this time
            return better, np.zeros(0)
        paid = self.improvement_price[self.order[better]]
        self.improvements[better] += 1
        self.improvement_cost[better] += paid
        self.rescues[rescue] += 1
        self.rescued[outcome.rescued] = True
        rescue_paid = self.rescue_price[self.order[rescue]]
        return np.concatenate((better, rescue)), np.concatenate((paid, rescue_paid))


@dataclass(frozen=True)
class ReviewRules:
    """The per-trial review parameters, each a scalar or an array in the reviewed order."""

    abandon_threshold: Value
    rescue_success: Value
    improvement_uplift: Value
    rescue_uplift: Value

    @classmethod
    def of(cls, params: Parameters) -> ReviewRules:
        """The rules of the trials of ``params`` (see :meth:`Parameters.reordered`)."""
        values = (
            params.value(f"reviews.{name}")
            for name in (
                "abandon_threshold",
                "rescue_success",
                "improvement_uplift",
                "rescue_uplift",
            )
        )
        return cls(*values)


def evaluation_noise(params: Parameters, quality: FloatArray) -> FloatArray:
    """``σ_eval = σ0 (1 − q) + σ_min``: planning sets how accurate evaluation is."""
    noise_sd = params.value("reviews.noise_sd")
    return noise_sd * (1.0 - quality) + params.value("reviews.noise_floor")


def review(
    policy: Reviews,
    rules: ReviewRules,
    number: int,
    months_live: int,
    reviewed: BoolArray,
    active: npt.NDArray[np.floating[Any]],
    noise: FloatArray,
    rescue_draw: FloatArray,
    rescues_used: npt.NDArray[np.int64],
    ceiling: FloatArray,
) -> ReviewOutcome:
    """Review ``number`` (1, 2, …) of the trials in ``reviewed``, raising ``ceiling`` in place.

    The measured adoption is ``a + noise``. Below the abandonment threshold (once
    ``abandon_min_months`` have passed since go-live) the project is rescued if the
    policy allows and rescues remain — a rescue succeeds when ``rescue_draw <
    rescue_success`` and then closes ``rescue_uplift`` of the gap between the ceiling and
    1 — else abandoned. Otherwise, measured below the review's target and with
    improvement on, an improvement round is paid for; it closes ``improvement_uplift`` of
    that gap only if the shortfall is real (true adoption below target).

    Alarms and improvements concern few trials, so they are handled by position.
    """
    n = active.size
    measured = active + noise
    target = policy.targets[min(number, len(policy.targets)) - 1]
    none = np.zeros(0, dtype=np.intp)
    alarm, rescue_attempted, rescued, abandoned = none, none, none, none
    if months_live >= policy.abandon_min_months:
        low = np.less(measured, _head(rules.abandon_threshold, n))
        low &= reviewed
        alarm = np.flatnonzero(low)
        saved = np.zeros(alarm.size, dtype=np.bool_)
        if policy.rescue:
            attempt = np.flatnonzero(rescues_used[alarm] < policy.max_rescues)
            rescue_attempted = alarm[attempt]
            lucky = rescue_draw[rescue_attempted] < _at(rules.rescue_success, rescue_attempted)
            saved[attempt[lucky]] = True
            rescued = alarm[saved]
        abandoned = alarm[~saved]
    improved = none
    if policy.improvement:
        short = np.less(measured, target)
        short &= reviewed
        short[alarm] = False
        improved = np.flatnonzero(short)
    real = improved[active[improved] < target]
    _close_gap(ceiling, real, _at(rules.improvement_uplift, real))
    _close_gap(ceiling, rescued, _at(rules.rescue_uplift, rescued))
    return ReviewOutcome(
        improved, rescue_attempted, rescued, abandoned, np.concatenate((real, rescued))
    )


def _close_gap(ceiling: FloatArray, trials: Indices, uplift: Value) -> None:
    """Close ``uplift`` of the gap between the ceiling and 1 for ``trials``."""
    if trials.size:
        ceiling[trials] += uplift * (1.0 - ceiling[trials])


def _head(value: Value, n: int) -> Value:
    """The first ``n`` per-trial values (a scalar stays a scalar)."""
    return value if isinstance(value, float) else value[:n]


def _at(value: Value, trials: Indices) -> Value:
    """The values of ``trials`` (a scalar stays a scalar)."""
    return value if isinstance(value, float) else value[trials]
