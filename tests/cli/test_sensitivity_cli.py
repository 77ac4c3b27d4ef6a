"""``simcrm sensitivity``: every method from the command line, its files, its errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest

from simcrm.cli.main import main

BASELINE = "scenarios/baseline.toml"
SMALL = {"tornado": "1000", "rank": "500", "sobol": "64"}
OUTPUTS = "mean npv,P(fail cio)"


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    assert main(["sensitivity", BASELINE, "--json", *args]) == 0
    doc: dict[str, Any] = json.loads(capsys.readouterr().out)
    return doc


@pytest.mark.parametrize("method", ["tornado", "rank", "sobol"])
def test_each_method_prints_the_ranking_and_writes_valid_figures(
    method: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    args = ["--method", method, "--trials", SMALL[method], "--outputs", OUTPUTS, "--out", str(out)]
    assert main(["sensitivity", BASELINE, *args]) == 0
    printed = capsys.readouterr().out
    assert "components.integration.overrun" in printed
    assert "P(fail cio)" in printed
    doc = run_json(capsys, *args)
    assert doc["method"] == method
    ranking = doc["ranking"]
    key_npv = "mean npv" if method == "tornado" else "npv"
    key_cio = "P(fail cio)" if method == "tornado" else "fail_cio"
    assert set(ranking) == {key_npv, key_cio}
    assert "execution.schedule" in ranking[key_cio][:3]  # the schedule factor drives CIO failure
    assert json.loads((out / "sensitivity.json").read_text())["ranking"] == ranking
    figures = json.loads((out / "figures.json").read_text())
    assert figures
    for name, data in figures.items():
        png = (out / f"{name}.png").read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        svg = (out / f"{name}.svg").read_text()
        root = ElementTree.fromstring(svg)
        assert root.tag.endswith("svg")
        assert "<svg" in svg
        assert "baseline" in svg  # the title names the scenario ...
        assert (data.get("statistic") or data["output"]) in svg.replace("&#39;", "'")  # ... and it


def test_money_and_percent_in_the_tables(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    args = ["--trials", "1000", "--outputs", OUTPUTS, "--out", str(tmp_path)]
    assert main(["sensitivity", BASELINE, *args]) == 0
    printed = capsys.readouterr().out
    assert "CNY" in printed
    assert "," in printed
    assert "pts" in printed
    assert "%" in printed
    svg = (tmp_path / "tornado-p-fail-cio.svg").read_text()
    assert "P(fail cio) (%)" in svg
    assert "%" in svg


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--outputs", "mean no_such_column"], "--outputs"),
        (["--outputs", "P(fail nobody)"], "--outputs"),
        (["--inputs", "adoption.nothing"], "--inputs"),
        (["--percentiles", "0,90"], "--percentiles"),
        (["--percentiles", "10,100"], "--percentiles"),
        (["--percentiles", "ten,90"], "--percentiles"),
        (["--trials", "50"], "--trials"),
        (["--trials", "0"], "--trials"),
        (["--method", "sobol", "--trials", "1000"], "--trials"),
        (["--method", "rank", "--trials", "10"], "--trials"),
        (["--method", "sobol", "--groups", "mine=plan.users", "--trials", "64"], "--groups"),
        (["--groups", "mine=execution.schedule"], "--groups"),
        (["--method", "rank", "--percentiles", "10,90"], "--percentiles"),
        (["--method", "nope"], "--method"),
    ],
)
def test_bad_input_exits_2_with_one_line_naming_the_argument(
    args: list[str], named: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sensitivity", BASELINE, "--out", str(tmp_path / "o"), *args]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert named in err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("method", ["tornado", "sobol"])
def test_two_workers_give_the_same_figures(
    method: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--method", method, "--trials", SMALL[method], "--outputs", OUTPUTS]
    here = run_json(capsys, *args, "--out", str(tmp_path / "a"))
    there = run_json(capsys, *args, "--out", str(tmp_path / "b"), "--workers", "2")
    if method == "tornado":
        assert there == here
        return

    # scipy's BCa bootstrap of the single inputs is unseeded: compare the indices
    def indices(doc: dict[str, Any]) -> list[tuple[Any, ...]]:
        return [(e["output"], e["input"], e["first"], e["total"]) for e in doc["indices"]]

    assert indices(there) == indices(here)
    assert there["ranking"] == here["ranking"]
