"""The bounded accumulators of summaries: exact sums and the quantile sketch.

Accuracy of the sketch against :func:`numpy.quantile` (its documented bounds): relative
error ≤ 2**-12 at level 0, rank error < 0.1%; merging in any order gives the same state.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import pytest

from simcrm.stats import sketch
from simcrm.stats.sketch import ExactSum, QuantileSketch

QS = (0.001, 0.01, 0.10, 0.25, 0.50, 0.80, 0.90, 0.99, 0.999)
N = 400_000


def _samples() -> dict[str, npt.NDArray[np.float64]]:
    rng = np.random.default_rng(20261122)
    return {
        "lognormal": rng.lognormal(0.0, 1.0, N),
        "normal across zero": rng.normal(0.1, 1.0, N),
        "atom at zero": np.where(rng.random(N) < 0.3, 0.0, rng.beta(3.2, 1.3, N)),
        "months": rng.integers(1, 61, N).astype(np.float64),
        "pareto money": rng.pareto(1.6, N) * 1e5 - 3e4,
    }


def _sketch_of(x: npt.NDArray[np.float64], parts: int = 7) -> QuantileSketch:
    s = QuantileSketch()
    for part in np.array_split(x, parts):
        s.add(part)
    return s


def _rank_error(x: npt.NDArray[np.float64], estimate: float, q: float) -> float:
    """Distance from q to the range of ranks ``estimate`` has in ``x`` (0 if inside)."""
    xs = np.sort(x)
    low = np.searchsorted(xs, estimate, "left") / x.size
    high = np.searchsorted(xs, estimate, "right") / x.size
    return max(0.0, low - q, q - high)


@pytest.mark.parametrize("name", list(_samples()))
def test_quantiles_are_within_the_documented_error(name: str) -> None:
    x = _samples()[name]
    s = _sketch_of(x)
    assert s.level == 0
    exact = np.quantile(x, QS)
    for q, estimate, truth in zip(QS, s.quantiles(QS), exact, strict=True):
        assert abs(estimate - truth) <= s.relative_error * abs(truth)
        assert _rank_error(x, estimate, q) < 1e-3


def test_values_alone_in_their_bucket_are_exact() -> None:
    x = _samples()["months"]
    assert _sketch_of(x).quantiles(QS) == [float(v) for v in np.quantile(x, QS)]


def test_any_split_and_order_gives_the_same_state() -> None:
    x = _samples()["pareto money"]
    a = _sketch_of(x, 3)
    b = QuantileSketch()
    parts = [_sketch_of(p, 2) for p in np.array_split(x[::-1], 5)]
    for p in reversed(parts):
        b.merge(p)
    for field in ("keys", "counts", "lows", "highs"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
    assert a.quantiles(QS) == b.quantiles(QS)


def test_memory_stays_bounded_and_the_level_does_not_depend_on_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sketch, "MAX_BUCKETS", 1_000)
    x = _samples()["lognormal"]
    a = _sketch_of(x, 11)
    b = _sketch_of(np.sort(x), 2)
    assert a.keys.size <= 1_000
    assert a.level == b.level > 0
    np.testing.assert_array_equal(a.counts, b.counts)
    for estimate, truth in zip(a.quantiles(QS), np.quantile(x, QS), strict=True):
        assert abs(estimate - truth) <= a.relative_error * abs(truth)


def test_an_empty_sketch_gives_nan() -> None:
    assert all(math.isnan(v) for v in QuantileSketch().quantiles(QS))


def test_exact_sum_does_not_depend_on_order() -> None:
    rng = np.random.default_rng(1)
    values = (rng.standard_cauchy(5_000) * 10.0 ** rng.integers(-8, 9, 5_000)).tolist()
    forward, backward, halves = ExactSum(), ExactSum(), ExactSum()
    for v in values:
        forward.add(v)
    for v in reversed(values):
        backward.add(v)
    first, second = ExactSum(), ExactSum()
    for v in values[::2]:
        first.add(v)
    for v in values[1::2]:
        second.add(v)
    halves.merge(second)
    halves.merge(first)
    assert forward.value == backward.value == halves.value == math.fsum(values)
    infinite = ExactSum()
    infinite.add(float("inf"))
    infinite.add(1.0)
    assert infinite.value == float("inf")
