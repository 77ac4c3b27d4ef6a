"""``simcrm compare`` draws the paired differences it prints, with their intervals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simcrm.cli import main
from simcrm.report.style import STAKEHOLDER_COLOURS, criterion_colour


@pytest.fixture(scope="module")
def compared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cmp") / "out"
    args = ["compare", "half_cycle", "full_cycle", "--trials", "4000", "--out", str(out)]
    assert main(args) == 0
    return out


def test_figure_files_are_written(compared: Path) -> None:
    assert (compared / "compare.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = (compared / "compare.svg").read_text()
    assert "</svg>" in svg
    assert "difference (percentage points)" in svg
    assert "difference (CNY)" in svg
    assert "95% interval" in svg


def test_the_figure_shows_exactly_the_comparisons_differences(compared: Path) -> None:
    doc = json.loads((compared / "compare.json").read_text())
    data = json.loads((compared / "compare_figure.json").read_text())
    shown = {r["figure"]: r for rows in data["panels"].values() for r in rows}
    assert {"P(fail cio)", "mean npv", "P90 actual_cost", "mean adoption_final"} <= set(shown)
    for name, row in shown.items():
        assert row["difference"] == doc["figures"][name]["difference"]
        assert row["ci95"] == doc["figures"][name]["ci95"]
    assert all(r["figure"].endswith(("actual_cost", "npv")) for r in data["panels"]["money"])


def test_no_figures_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "none"
    args = ["compare", "half_cycle", "full_cycle", "--trials", "2000", "--out", str(out)]
    assert main([*args, "--no-figures"]) == 0
    assert not out.exists()


def test_each_stakeholder_keeps_its_colour() -> None:
    assert (
        criterion_colour("cio") == criterion_colour("fail_cio") == criterion_colour("P(fail cio)")
    )
    assert len(set(STAKEHOLDER_COLOURS.values())) == len(STAKEHOLDER_COLOURS)
    assert criterion_colour("my_own") == criterion_colour("fail_my_own")  # stable by name
