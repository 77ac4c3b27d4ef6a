"""``scope.p_approve`` through the whole model: both ends exact, the middle by Wald's identity.

With a fixed scope fraction ``e0`` per approved request, ``scope_growth = e0 · approved``
trial by trial, and ``change_requests`` counts every request that arrived. So at
``p_approve = 0`` no trial grows (and execution keeps its base length), at ``p_approve = 1``
every request is approved (``scope_growth == e0 · change_requests`` exactly), and in
between each request is approved independently of its arrival, so
``E[scope_growth − p e0 change_requests] = 0`` (Wald): its sample mean is checked within
4.5 standard errors (seed fixed). A model that ignored ``p_approve`` fails all three.
"""

from __future__ import annotations

import copy
import tomllib
from typing import Any

import numpy as np
import pandas as pd
import pytest

import simcrm
from simcrm.scenario.load import scenario_from_dict
from tests.run_helpers import BASELINE

E0 = 0.01
TRIALS = 4_000
BASE: dict[str, Any] = tomllib.loads(BASELINE.read_text())


def _run(p_approve: float, seed: int = 21) -> pd.DataFrame:
    data = copy.deepcopy(BASE)
    data["scope"]["effect"] = E0
    data["scope"]["p_approve"] = p_approve
    return simcrm.simulate(scenario_from_dict(data), trials=TRIALS, seed=seed)


def test_no_request_is_approved_at_zero() -> None:
    frame = _run(0.0)
    assert frame["change_requests"].sum() > TRIALS  # requests do arrive ...
    assert (frame["scope_growth"] == 0).all()  # ... and none is approved


def test_every_request_is_approved_at_one() -> None:
    frame = _run(1.0)
    requests = frame["change_requests"].to_numpy()
    assert requests.sum() > TRIALS
    np.testing.assert_allclose(frame["scope_growth"], E0 * requests, rtol=1e-12, atol=0)


@pytest.mark.parametrize("p", [0.25, 0.5, 0.75])
def test_approved_share_equals_p_approve(p: float) -> None:
    frame = _run(p)
    d = frame["scope_growth"].to_numpy() - p * E0 * frame["change_requests"].to_numpy()
    se = d.std(ddof=1) / np.sqrt(d.size)
    assert se > 0
    assert abs(d.mean()) < 4.5 * se  # 4.5 SE of the mean: two-sided


def test_mean_scope_growth_rises_with_p_approve() -> None:
    """Independent runs (other seeds), so the SE of a difference is that of two means."""
    means, ses = [], []
    for i, p in enumerate((0.0, 0.25, 0.5, 0.75, 1.0)):
        growth = _run(p, seed=100 + i)["scope_growth"].to_numpy()
        means.append(growth.mean())
        ses.append(growth.std(ddof=1) / np.sqrt(growth.size))
    for k in range(4):
        step_se = np.hypot(ses[k], ses[k + 1])
        assert means[k + 1] - means[k] > 4 * step_se  # strictly higher, beyond 4 SE
