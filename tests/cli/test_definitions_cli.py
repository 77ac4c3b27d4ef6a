"""``simcrm definitions``: its figures recomputed here from the same trials.

The command simulates ``--trials`` trials from ``--seed``, which
:func:`simcrm.simulate` reproduces; every curve, band and threshold of its JSON is checked
against a count, the closed-form 95% Wilson interval and the quantiles at
``level ± 1.959964 √(c(1 − c)/N)`` computed from those trials here.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

import simcrm
from simcrm.cli import main
from tests.run_helpers import BASELINE
from tests.stats.closed_form import Z95, wilson_by_hand

TRIALS, SEED, CLAIM = 20_000, 5, 0.6


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("definitions")
    args = ["definitions", str(BASELINE), "--trials", str(TRIALS), "--seed", str(SEED)]
    assert main([*args, "--claim", str(CLAIM), "--out", str(out)]) == 0
    written: dict[str, Any] = json.loads((out / "definitions.json").read_text())
    return written


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return simcrm.simulate(simcrm.load_scenario(BASELINE), trials=TRIALS, seed=SEED)


def test_curves_and_bands_equal_a_recount(result: dict[str, Any], frame: pd.DataFrame) -> None:
    assert (result["trials"], result["seed"], result["claim"]) == (TRIALS, SEED, CLAIM)
    for name, dim in result["dimensions"].items():
        values = frame[name].dropna().to_numpy()
        assert dim["defined"] == values.size
        for i, x in enumerate(dim["grid"]):
            k = int((values > x).sum() if dim["side"] == ">" else (values < x).sum())
            assert dim["p_fail"][i] == pytest.approx(k / values.size, abs=1e-15)
            band = (dim["ci95_low"][i], dim["ci95_high"][i])
            assert band == pytest.approx(wilson_by_hand(k, values.size), rel=1e-12, abs=1e-15)


def test_claim_thresholds_equal_the_score_interval(
    result: dict[str, Any], frame: pd.DataFrame
) -> None:
    for name, dim in result["dimensions"].items():
        values = frame[name].dropna().to_numpy()
        level = 1 - CLAIM if dim["side"] == ">" else CLAIM
        half = Z95 * math.sqrt(CLAIM * (1 - CLAIM) / values.size)
        expected = np.quantile(values, [level, level - half, level + half])
        t = dim["threshold"]
        assert t["value"] == expected[0]
        assert t["ci95"] == pytest.approx(expected[1:].tolist(), rel=1e-12)
        assert t["in_range"] == (dim["grid"][0] <= t["value"] <= dim["grid"][-1])


def test_scenario_criteria_rates_equal_a_recount(
    result: dict[str, Any], frame: pd.DataFrame
) -> None:
    rates = {c.removeprefix("fail_"): frame[c].mean() for c in frame if c.startswith("fail_")}
    assert result["criteria"] == pytest.approx(rates, rel=1e-15)
