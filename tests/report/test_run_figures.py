"""``simcrm run`` draws its figures from the summary: the marks are the summary's numbers."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from simcrm.cli import main

TRIALS = 30_000


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("run") / "baseline"
    args = ["run", "baseline", "--trials", str(TRIALS), "--seed", "5", "--out", str(out)]
    assert main([*args, "--quiet"]) == 0
    return out


def test_every_figure_is_a_valid_png_and_svg(run_dir: Path) -> None:
    stems = (
        "actual_cost_distribution",
        "npv_distribution",
        "adoption_fan",
        "failure",
        "disagreement",
    )
    for stem in stems:
        assert (run_dir / "figures" / f"{stem}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        svg = (run_dir / "figures" / f"{stem}.svg").read_text()
        assert "</svg>" in svg
        assert "baseline" in svg  # the title names the scenario
    assert (
        "probability of at most this" in (run_dir / "figures" / "npv_distribution.svg").read_text()
    )
    assert "95% Wilson interval" in (run_dir / "figures" / "failure.svg").read_text()


def test_the_marked_percentiles_are_the_summarys(run_dir: Path) -> None:
    summary = json.loads((run_dir / "summary.json").read_text())
    data = json.loads((run_dir / "figures" / "actual_cost_distribution.json").read_text())
    marks = {m["level"]: m["value"] for m in data["marks"]}
    spread = summary["distributions"]["actual_cost"]
    assert marks == {0.5: spread["p50"], 0.8: spread["p80"], 0.9: spread["p90"]}
    assert data["plan"] == summary["contingency"]["cost"]["plan"]
    # and they are the data's own percentiles
    cost = pq.read_table(run_dir / "data", columns=["actual_cost"]).column(0).to_numpy()
    assert marks[0.8] == float(np.quantile(cost, 0.8))


def test_failure_figure_shows_each_criterion_with_its_interval(run_dir: Path) -> None:
    summary = json.loads((run_dir / "summary.json").read_text())
    data = json.loads((run_dir / "figures" / "failure.json").read_text())
    for row in data["criteria"]:
        entry = summary["criteria"][row["criterion"]]
        assert row["p"] == entry["p"]
        assert row["ci95"] == entry["ci95"]
    matrix = json.loads((run_dir / "figures" / "disagreement.json").read_text())
    i, j = matrix["criteria"].index("cio"), matrix["criteria"].index("marketing")
    assert matrix["matrix"][i][j] == summary["disagreement"]["cio|marketing"]["p"]


def test_no_figures_writes_none(tmp_path: Path) -> None:
    out = tmp_path / "bare"
    args = ["run", "baseline", "--trials", "2000", "--out", str(out), "--quiet", "--no-figures"]
    assert main(args) == 0
    assert not (out / "figures").exists()
