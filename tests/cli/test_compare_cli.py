"""`simcrm compare`: paired differences on the command line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import simcrm
from simcrm.cli import main
from tests.conftest import ROOT
from tests.stats.closed_form import Z95, mean_interval_by_hand

HALF = str(ROOT / "scenarios" / "half_cycle.toml")
FULL = str(ROOT / "scenarios" / "full_cycle.toml")


def test_compare_prints_every_figure_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["compare", HALF, FULL, "--trials", "20000", "--seed", "3", "--json", "--no-figures"])
        == 0
    )
    result = json.loads(capsys.readouterr().out)
    assert (result["a"], result["b"], result["trials"], result["seed"]) == (
        "half_cycle",
        "full_cycle",
        20_000,
        3,
    )
    figure = result["figures"]["P(fail marketing)"]
    assert figure["difference"] == pytest.approx(figure["b"] - figure["a"])
    assert {"mean npv", "P50 npv", "P90 cost_overrun"} <= set(result["figures"])
    # the same trials (common random numbers) simulated here: paired differences with
    # mean ± 1.959964 sd/√n computed from them
    a, b = (simcrm.simulate(simcrm.load_scenario(s), 20_000, 3) for s in (HALF, FULL))
    paired = {
        "P(fail marketing)": (a["fail_marketing"], b["fail_marketing"]),
        "P(fail cio)": (a["fail_cio"], b["fail_cio"]),
        "mean npv": (a["npv"], b["npv"]),
        "mean cost_overrun": (a["cost_overrun"], b["cost_overrun"]),
    }
    for name, (x, y) in paired.items():
        x, y = x.to_numpy(np.float64), y.to_numpy(np.float64)
        mean, low, high = mean_interval_by_hand(y - x)
        figure = result["figures"][name]
        assert (figure["a"], figure["b"]) == pytest.approx((x.mean(), y.mean()), rel=1e-12)
        assert figure["difference"] == pytest.approx(mean, rel=1e-9, abs=1e-12)
        assert figure["ci95"] == pytest.approx([low, high], rel=1e-9, abs=1e-12)
        assert figure["se"] == pytest.approx((high - low) / (2 * Z95), rel=1e-9)


def test_compare_table_marks_the_units(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", HALF, FULL, "--trials", "20000", "--no-figures"]) == 0
    text = capsys.readouterr().out
    assert "P(fail cio)" in text
    assert " pt" in text  # differences of probabilities in percentage points
    assert "95% interval" in text


def test_compare_refuses_a_missing_scenario(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["compare", HALF, str(tmp_path / "nope.toml")]) == 2
    assert "no such file" in capsys.readouterr().err
