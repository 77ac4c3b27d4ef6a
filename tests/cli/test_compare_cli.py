"""`simcrm compare`: paired differences on the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simcrm.cli import main
from tests.conftest import ROOT

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
    low, high = figure["ci95"]
    assert low < figure["difference"] < high
    assert {"mean npv", "P50 npv", "P90 cost_overrun"} <= set(result["figures"])


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
