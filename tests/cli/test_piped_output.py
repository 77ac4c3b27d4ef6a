"""Reports written to a pipe or file: no table is cut, and money keeps its currency."""

from __future__ import annotations

from pathlib import Path

import pytest

from simcrm.cli import main
from tests.conftest import ROOT

SURVEY = str(ROOT / "scenarios" / "survey.toml")


def test_wide_tables_are_not_cut_when_piped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """capsys is not a terminal: rich would cut these tables to 80 columns ("…")."""
    args = ["failure-rate", SURVEY, "--cohort", "30", "--surveys", "20", "--inner", "300"]
    assert (
        main([*args, "--observed", "18/30", "--criterion", "marketing", "--out", str(tmp_path)])
        == 0
    )
    out = capsys.readouterr().out
    assert "…" not in out
    assert "epistemic" in out
    assert max(len(line) for line in out.splitlines()) > 80


def test_summary_prints_the_currency_as_run_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r"
    assert (
        main(
            [
                "run",
                str(ROOT / "scenarios" / "baseline.toml"),
                "--trials",
                "5000",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    ran = capsys.readouterr().out
    assert main(["summary", str(out)]) == 0
    again = capsys.readouterr().out
    for label in ("actual_cost (CNY)", "npv (CNY)"):
        assert label in ran
        assert label in again
