"""Evaluate and improve: reviews, improvement, rescue and abandonment (MODEL.md §4)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from simcrm.model.adoption import AdoptionState
from simcrm.model.parameters import Parameters

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class ReviewOutcome:
    """What one review decided for each trial (all False where no review took place)."""

    improved: BoolArray
    rescue_attempted: BoolArray
    rescued: BoolArray
    abandoned: BoolArray


def evaluation_noise(params: Parameters, quality: FloatArray) -> FloatArray:
    """``σ_eval = σ0 (1 − q) + σ_min``: planning sets how accurate evaluation is."""
    noise_sd = params.value("reviews.noise_sd")
    return noise_sd * (1.0 - quality) + params.value("reviews.noise_floor")


def review(
    params: Parameters,
    number: int,
    months_live: int,
    reviewed: BoolArray,
    active: FloatArray,
    noise: FloatArray,
    rescue_draw: FloatArray,
    rescues_used: npt.NDArray[np.int64],
    state: AdoptionState,
) -> ReviewOutcome:
    """Review ``number`` (1, 2, …) of the trials in ``reviewed``, updating ``state``.

    The measured adoption is ``a + noise``. Below the abandonment threshold (once
    ``abandon_min_months`` have passed since go-live) the project is rescued if the
    policy allows and rescues remain — a rescue succeeds when ``rescue_draw <
    rescue_success`` and then closes ``rescue_uplift`` of the gap between the ceiling and
    1 — else abandoned. Otherwise, measured below the review's target and with
    improvement on, an improvement round is paid for; it closes ``improvement_uplift`` of
    that gap only if the shortfall is real (true adoption below target).
    """
    policy = params.scenario.reviews
    measured = active + noise
    target = policy.targets[min(number, len(policy.targets)) - 1]
    alarm = reviewed & (measured < params.value("reviews.abandon_threshold"))
    alarm &= months_live >= policy.abandon_min_months
    can_rescue = alarm & (rescues_used < policy.max_rescues) & policy.rescue
    rescued = can_rescue & (rescue_draw < params.value("reviews.rescue_success"))
    abandoned = alarm & ~rescued
    improved = reviewed & ~alarm & (measured < target) & policy.improvement
    real = improved & (active < target)
    gap = 1.0 - state.ceiling
    state.ceiling += np.where(real, params.value("reviews.improvement_uplift") * gap, 0.0)
    state.ceiling += np.where(rescued, params.value("reviews.rescue_uplift") * gap, 0.0)
    return ReviewOutcome(improved, can_rescue, rescued, abandoned)
