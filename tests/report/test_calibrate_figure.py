"""``simcrm calibrate`` draws achieved against target for every target it prints."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simcrm.cli import main


def test_the_figure_shows_each_targets_difference(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "cal" / "calibrated.toml"
    args = ["calibrate", "baseline", "--targets", "it_reference_class", "--trials", "4000"]
    assert main([*args, "--max-evaluations", "3", "--out", str(out), "--json"]) == 0
    fit = json.loads(capsys.readouterr().out)
    data = json.loads((out.parent / "calibration.json").read_text())
    assert [r["target"] for r in data["rows"]] == [r["target"] for r in fit["rows"]]
    for drawn, row in zip(data["rows"], fit["rows"], strict=True):
        scale = 100.0 if drawn["unit"] == "points" else 100.0 / abs(row["value"])
        assert drawn["after"] == pytest.approx(scale * (row["after"] - row["value"]))
    assert (out.parent / "calibration.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = (out.parent / "calibration.svg").read_text()
    assert "achieved − target" in svg
    assert "after the fit" in svg


def test_no_figures(tmp_path: Path) -> None:
    out = tmp_path / "cal" / "calibrated.toml"
    args = ["calibrate", "baseline", "--targets", "it_reference_class", "--trials", "2000"]
    assert main([*args, "--max-evaluations", "2", "--out", str(out), "--no-figures"]) == 0
    assert sorted(p.name for p in out.parent.iterdir()) == ["calibrated.toml"]
