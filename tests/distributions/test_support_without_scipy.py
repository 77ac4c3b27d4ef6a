"""Each law's support, given without importing scipy.stats (scenario validation needs
it, and commands must start fast), equals scipy's."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter

from simcrm.distributions import Distribution

LAWS = [
    {"kind": "uniform", "low": -2, "high": 5},
    {"kind": "uniform", "p10": 2, "p90": 10},
    {"kind": "triangular", "low": 1, "mode": 2, "high": 7},
    {"kind": "pert", "low": 6, "mode": 10, "high": 18},
    {"kind": "pert", "p10": 20, "p50": 30, "p90": 45},
    {"kind": "beta", "a": 1.6, "b": 0.6},
    {"kind": "beta", "a": 2, "b": 3, "low": 10, "high": 20},
    {"kind": "normal", "mean": 1, "sd": 2},
    {"kind": "truncnormal", "mean": 1, "sd": 2, "low": 0, "high": 3},
    {"kind": "lognormal", "p50": 0.012, "p90": 0.04},
    {"kind": "gamma", "p50": 3, "p90": 7},
]


@pytest.mark.parametrize("law", LAWS, ids=[f"{d['kind']}-{i}" for i, d in enumerate(LAWS)])
def test_support_equals_scipys(law: dict[str, object]) -> None:
    dist = TypeAdapter(Distribution).validate_python(law)
    scipy_law, args = dist._scipy()  # type: ignore[attr-defined]
    low, high = scipy_law.support(*args)
    assert dist.support() == pytest.approx((float(low), float(high)), rel=1e-12)
