"""``simcrm portfolio``: the files it writes, what they say, and the run it equals."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from simcrm.cli import main
from tests.analyses.portfolio.helpers import write_portfolio

EXAMPLE_ARGS = ["--trials", "3000", "--selection-trials", "300", "--quiet"]


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("example") / "out"
    assert main(["portfolio", "portfolio_example", *EXAMPLE_ARGS, "--out", str(out)]) == 0
    return out


def test_it_writes_the_json_the_trials_and_every_figure(example: Path) -> None:
    names = {p.name for p in example.iterdir()}
    assert {"portfolio.json", "trials.parquet"} <= names
    for figure in ("frontier", "cost_scurve", "contributions"):
        assert (example / f"{figure}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        svg = (example / f"{figure}.svg").read_text()
        assert svg.lstrip().startswith("<?xml")
        assert "</svg>" in svg
        json.loads((example / f"{figure}.json").read_text())
    assert not [n for n in names if n.startswith(".")]  # no temporary file left


def test_the_json_holds_a_checked_choice(example: Path) -> None:
    doc = json.loads((example / "portfolio.json").read_text())
    selection = doc["selection"]
    assert selection["exhaustive_check"]["done"]
    assert selection["exhaustive_check"]["agrees"]
    assert selection["milp"]["optimal"]
    assert selection["in_sample"]["p_overspend"] <= doc["alpha"]
    assert len(doc["projects"]) == 14
    assert [c["level"] for c in doc["aggregate"]["contingency"]] == [0.5, 0.8, 0.9]
    assert doc["currency"] == "CNY"


def test_the_s_curve_marks_the_contingency_the_json_reports(example: Path) -> None:
    doc = json.loads((example / "portfolio.json").read_text())
    marks = json.loads((example / "cost_scurve.json").read_text())["marks"]
    assert [m["cost"] for m in marks] == [c["cost"] for c in doc["aggregate"]["contingency"]]
    svg = (example / "cost_scurve.svg").read_text()
    assert "P80" in svg
    assert "budget" in svg
    assert "probability the cost is at most this" in svg


def test_the_trials_carry_provenance_and_add_up(example: Path) -> None:
    table = pq.read_table(example / "trials.parquet")
    meta = table.schema.metadata
    assert b"simcrm.portfolio" in meta
    assert b"simcrm.project_seeds" in meta
    assert "[[candidates]]" in meta[b"simcrm.portfolio"].decode()
    frame = table.to_pandas()
    doc = json.loads((example / "portfolio.json").read_text())
    chosen = [p["project"] for p in doc["projects"] if p["chosen"]]
    total = sum(frame[f"cost_{name}"].to_numpy() for name in chosen)
    assert np.allclose(frame["total_cost"], total, rtol=1e-12)


def test_a_one_project_portfolio_equals_simcrm_run_to_the_bit(tmp_path: Path) -> None:
    path = write_portfolio(tmp_path, [{"name": "solo", "scenario": "baseline"}], trials=5_000)
    out = tmp_path / "p"
    assert main(["portfolio", str(path), "--out", str(out), "--quiet", "--no-frontier"]) == 0
    seeds = json.loads(pq.read_schema(out / "trials.parquet").metadata[b"simcrm.project_seeds"])
    run = tmp_path / "run"
    args = ["run", "baseline", "--trials", "5000", "--seed", str(seeds["solo"])]
    assert main([*args, "--out", str(run), "--quiet"]) == 0
    ran = pq.read_table(run / "data").to_pandas()
    mine = pq.read_table(out / "trials.parquet").to_pandas()
    assert np.array_equal(mine["cost_solo"].to_numpy(), ran["actual_cost"].to_numpy())
    assert np.array_equal(mine["npv_solo"].to_numpy(), ran["npv"].to_numpy())


def test_json_to_stdout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_portfolio(tmp_path, [{"name": "solo", "scenario": "low_complexity"}])
    assert (
        main(["portfolio", str(path), "--out", str(tmp_path / "o"), "--json", "--no-frontier"]) == 0
    )
    assert json.loads(capsys.readouterr().out)["portfolio"] == "test_portfolio"


def test_an_infeasible_portfolio_exits_2_naming_the_tightest_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    candidates = [{"name": "big", "scenario": "high_complexity", "min_count": 1}]
    path = write_portfolio(tmp_path, candidates, budget={"total": 5e6, "per_year": [1e5, 1e7]})
    out = tmp_path / "out"
    assert main(["portfolio", str(path), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "infeasible" in err
    assert "year 1 budget" in err
    assert err.count("\n") == 1
    assert not out.exists()


@pytest.mark.parametrize(
    ("option", "value", "expected"),
    [
        ("--alpha", "1.5", "--alpha"),
        ("--budget", "-3", "budget.total"),
        ("--trials", "10", "simulation.trials"),
        ("--size", "nobody", "--size"),
    ],
)
def test_bad_options_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], option: str, value: str, expected: str
) -> None:
    path = write_portfolio(tmp_path, [{"name": "solo", "scenario": "baseline"}])
    out = tmp_path / "out"
    assert main(["portfolio", str(path), option, value, "--out", str(out), "--quiet"]) == 2
    assert expected in capsys.readouterr().err
    assert not out.exists()
