"""The black-swan cost tail (docs/model.md §2, changed in 0.3.0): a Pareto multiplier with
scale ``tail_min`` and exponent ``tail_alpha`` on the labour items.

In the minimal scenario (licences 0.3, labour 0.7, every overrun factor exactly 1, no
scope creep, no cap) with ``tail_probability = 1`` every trial is a black swan and
``cost_overrun = 0.7 (T − 1)`` exactly, ``T`` the multiplier: the vectorised core and the
simpy reference are checked against that closed form and against the Pareto law of ``T``.
Statistical tolerances are 4 standard errors: ``alpha / sqrt(k)`` for a Hill estimate of
``k`` values, ``sqrt(p (1 − p) / n)`` for a share.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np
import pytest

import simcrm
from simcrm.reference import simulate_reference
from simcrm.scenario.load import scenario_from_dict
from simcrm.stats.tails import hill_exponent
from tests.conftest import MINIMAL

ALPHA, X_MIN = 1.3, 2.0


def _black_swans(**execution: float) -> Any:
    data = copy.deepcopy(MINIMAL)
    data["execution"] = {"tail_probability": 1.0, "tail_alpha": ALPHA, "tail_min": X_MIN}
    data["execution"].update(execution)
    return scenario_from_dict(data)


def test_the_multiplier_is_pareto_from_tail_min() -> None:
    n = 65_536
    frame = simcrm.simulate(_black_swans(), trials=n, seed=11, inputs=True)
    tail = frame["in_execution_tail"].to_numpy()
    assert tail.min() >= X_MIN
    np.testing.assert_allclose(frame["cost_overrun"], 0.7 * (tail - 1.0), rtol=1e-12)
    estimate, k = hill_exponent(tail, X_MIN)
    assert k == n
    assert estimate == pytest.approx(ALPHA, abs=4 * ALPHA / math.sqrt(k))
    for x in (4.0, 20.0):  # P(T > x) = (x / x_min)^(−alpha)
        p = (x / X_MIN) ** -ALPHA
        assert np.mean(tail > x) == pytest.approx(p, abs=4 * math.sqrt(p * (1 - p) / n))


def test_tail_min_scales_the_same_draws() -> None:
    # common random numbers: the same uniforms, so T(x_m) = x_m · T(1) trial by trial
    one = simcrm.simulate(_black_swans(tail_min=1.0), trials=5_000, seed=3, inputs=True)
    two = simcrm.simulate(_black_swans(), trials=5_000, seed=3, inputs=True)
    np.testing.assert_allclose(two["in_execution_tail"], X_MIN * one["in_execution_tail"])


def test_the_reference_model_draws_the_same_tail() -> None:
    n = 3_000
    frame = simulate_reference(_black_swans(), n, seed=12)
    tail = 1.0 + frame["cost_overrun"].to_numpy() / 0.7  # T, from the closed form
    assert tail.min() >= X_MIN * (1 - 1e-12)
    estimate, k = hill_exponent(tail, X_MIN * (1 - 1e-9))
    assert k == n
    assert estimate == pytest.approx(ALPHA, abs=4 * ALPHA / math.sqrt(k))
