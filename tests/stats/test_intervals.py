"""The one Wilson interval: scipy's numbers to the bit, and the textbook's."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import binomtest

from simcrm.stats.intervals import wilson, wilson_interval


@pytest.mark.parametrize("level", [0.80, 0.90, 0.95, 0.99])
def test_equals_scipy_to_the_bit(level: float) -> None:
    cases = [(k, n) for n in (1, 2, 7, 100, 1_001, 262_144) for k in {0, 1, n // 3, n - 1, n}]
    k = np.array([c[0] for c in cases])
    n = np.array([c[1] for c in cases])
    low, high = wilson(k, n, level)
    for i, (ki, ni) in enumerate(cases):
        ci = binomtest(ki, ni).proportion_ci(confidence_level=level, method="wilson")
        assert (low[i], high[i]) == (ci.low, ci.high), (ki, ni, level)


def test_matches_the_closed_form_of_wilson_1927() -> None:
    """(p + z²/2n ± z √(p(1−p)/n + z²/4n²)) / (1 + z²/n), z = 1.959964 at 95%."""
    k, n, z = 37, 120, 1.959963984540054
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    low, high = wilson_interval(k, n)
    assert low == pytest.approx(centre - half, rel=1e-12)
    assert high == pytest.approx(centre + half, rel=1e-12)


def test_level_changes_the_width_and_empty_samples_are_undefined() -> None:
    narrow = np.subtract(*wilson_interval(30, 100, 0.90)[::-1])
    wide = np.subtract(*wilson_interval(30, 100, 0.99)[::-1])
    assert 0 < narrow < wide
    # the closed-form widths 2 z √(p(1−p)/n + z²/4n²) / (1 + z²/n), z = 1.644854, 2.575829
    for width, z in ((narrow, 1.6448536269514722), (wide, 2.5758293035489004)):
        closed = 2 * z * math.sqrt(0.3 * 0.7 / 100 + z * z / 40_000) / (1 + z * z / 100)
        assert width == pytest.approx(closed, rel=1e-12)
    assert all(math.isnan(x) for x in wilson_interval(0, 0))
    assert wilson_interval(0, 50)[0] == 0.0
    assert wilson_interval(50, 50)[1] == 1.0
