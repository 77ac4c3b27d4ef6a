"""Levers as decisions (`simcrm.analyses.levers`) and comparisons of several options."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simcrm.analyses.compare import compare, compare_many
from simcrm.analyses.levers import LEVERS, already_on, levers
from simcrm.cli import main
from simcrm.scenario import load_scenario
from simcrm.scenario.editing import with_values
from tests.conftest import ROOT

HALF = ROOT / "scenarios" / "half_cycle.toml"
FULL = ROOT / "scenarios" / "full_cycle.toml"
BASELINE = ROOT / "scenarios" / "baseline.toml"
TRIALS = 20_000


def test_compare_many_with_one_option_equals_compare() -> None:
    half, full = load_scenario(HALF), load_scenario(FULL)
    (many,) = compare_many(half, [full], 4_000, 5)
    one = compare(half, full, 4_000, 5)
    # every figure to the bit (NaN where both are NaN: too few batches for percentiles)
    assert many.to_frame().equals(one.to_frame())
    assert (many.a, many.b, many.trials, many.seed) == (one.a, one.b, one.trials, one.seed)


def test_a_lever_already_on_is_reported_as_such() -> None:
    full = load_scenario(FULL)  # planning 0.8, improvement and rescue on
    result = levers(full, 2_000, 1)
    on = {e.lever.name for e in result.effects if e.already_on}
    assert {"planning", "improvement", "rescue", "full spiral"} <= on
    assert "collaboration" not in on
    assert [e.lever.name for e in result.effects] == [lever.name for lever in LEVERS]
    frame = result.to_frame()
    rows = frame[frame["lever"] == "improvement"]
    assert set(rows["status"]) == {"already on"}
    assert len(rows) == len(result.figures)
    doc = result.to_dict()
    entry = next(lv for lv in doc["levers"] if lv["lever"] == "rescue")
    assert (entry["status"], entry["figures"]) == ("already on", None)


def test_planning_given_as_a_distribution_is_set_to_a_fixed_value() -> None:
    half = load_scenario(HALF)
    spread = with_values(
        half, {"plan.planning_quality": {"kind": "uniform", "low": 0.7, "high": 0.9}}
    )
    planning = next(lever for lever in LEVERS if lever.name == "planning")
    assert not already_on(spread, planning)
    assert already_on(with_values(spread, planning.changes, keep_text=False), planning)


def test_improvement_lowers_marketing_failure_as_compare_says() -> None:
    half = load_scenario(HALF)
    result = levers(half, TRIALS)
    effect = result.difference("improvement", "P(fail marketing)")
    assert effect is not None
    _low, high = effect.ci95
    assert effect.difference < 0
    assert high < 0
    improved = with_values(half, {"reviews.improvement": True}, keep_text=False)
    direct = compare(half, improved, TRIALS).figures["P(fail marketing)"]
    assert effect == direct
    assert set(result.to_frame()["figure"]) == {
        *(f"P(fail {c})" for c in half.criteria),
        "P(abandoned)",
        "mean npv",
    }


def test_levers_cli_writes_the_figure(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "levers"
    assert main(["levers", str(HALF), "--trials", str(TRIALS), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "full spiral" in text
    assert "marketing" in text
    assert " pt" in text
    assert (out / "levers.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = (out / "levers.svg").read_text()
    assert svg.lstrip().startswith("<?xml")
    assert "</svg>" in svg
    assert "improvement" in svg
    doc = json.loads((out / "levers.json").read_text())
    assert doc["trials"] == TRIALS
    assert len(doc["levers"]) == len(LEVERS)


def test_levers_cli_json_names_levers_already_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["levers", str(FULL), "--trials", "2000", "--out", str(tmp_path), "--json"]
    assert main(args) == 0
    doc = json.loads(capsys.readouterr().out)
    status = {lv["lever"]: lv["status"] for lv in doc["levers"]}
    assert status["improvement"] == "already on"
    assert status["governance"] == "effect"


def test_compare_with_three_scenarios(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["compare", str(HALF), str(FULL), str(BASELINE), "--trials", "4000", "--seed", "3"]
    args += ["--no-figures"]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert text.count("paired on 4,000 trials") == 2
    assert "full_cycle − half_cycle" in text
    assert "baseline − half_cycle" in text
    assert main([*args, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert isinstance(result, list)
    assert len(result) == 2
    assert [(r["a"], r["b"]) for r in result] == [
        ("half_cycle", "full_cycle"),
        ("half_cycle", "baseline"),
    ]
