"""The fan of adoption over the months: exact to its grid against the per-trial column,
the same on any chunking, read back from the chunk files, and encoded losslessly."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from simcrm.cli import main
from simcrm.model.operate import ADOPTION_BINS
from simcrm.stats.adoption_fan import LEVELS, AdoptionFan, decode_counts, encode_counts

TRIALS = 40_000


def _run(out: Path, *extra: str) -> dict[str, object]:
    args = ["run", "baseline", "--trials", str(TRIALS), "--seed", "8", "--out", str(out)]
    assert main([*args, "--quiet", "--no-figures", *extra]) == 0
    summary: dict[str, object] = json.loads((out / "summary.json").read_text())
    return summary


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("fan") / "run"
    _run(out)
    return out


def test_month_12_equals_the_adoption_12m_column_rounded_to_the_grid(run_dir: Path) -> None:
    fan = json.loads((run_dir / "summary.json").read_text())["adoption_by_month"]
    frame = pq.read_table(run_dir / "data", columns=["adoption_12m", "abandoned"]).to_pandas()
    cut = pq.read_table(run_dir / "data", columns=["actual_months", "abandon_month"]).to_pandas()
    live = ~(frame["abandoned"] & (cut["abandon_month"] == cut["actual_months"]))
    values = frame["adoption_12m"][live].dropna().to_numpy()
    assert fan["operating"][11] == values.size  # the projects operating in month 12
    grid = np.sort(np.rint(values * (ADOPTION_BINS - 1)) / (ADOPTION_BINS - 1))
    for q in LEVELS:
        expected = grid[math.ceil(q * values.size) - 1]
        assert fan["quantiles"][f"{q:g}"][11] == pytest.approx(expected, abs=1e-12)


def test_chunking_gives_the_same_fans(run_dir: Path, tmp_path: Path) -> None:
    one = json.loads((run_dir / "summary.json").read_text())
    small = _run(tmp_path / "small", "--chunk-size", "16384")
    assert small["adoption_by_month"] == one["adoption_by_month"]
    assert small["cash_by_month"] == one["cash_by_month"]


def test_recomputed_from_the_chunk_files(run_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["summary", str(run_dir), "--recompute", "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    written = json.loads((run_dir / "summary.json").read_text())
    assert again["adoption_by_month"] == written["adoption_by_month"]
    assert again["cash_by_month"] == written["cash_by_month"]


def test_counts_encode_losslessly_and_damage_is_refused() -> None:
    rng = np.random.default_rng(1)
    counts = rng.integers(0, 5, size=(60, ADOPTION_BINS)) * (rng.random((60, ADOPTION_BINS)) < 0.1)
    assert np.array_equal(decode_counts(encode_counts(counts)), counts)
    with pytest.raises(ValueError, match="not monthly adoption counts"):
        decode_counts('{"shape": [2]}')


def test_quantiles_of_known_counts() -> None:
    counts = np.zeros((2, 5), dtype=np.int64)
    counts[0] = [1, 1, 1, 1, 6]  # shares 0, .25, .5, .75, 1
    fan = AdoptionFan.of(counts, np.linspace(0.0, 1.0, 5))
    assert fan.operating == (10, 0)
    # the ceil(q n)-th smallest of the ten: 1st, 3rd, 5th
    assert fan.quantiles[0.1][0] == 0.0
    assert fan.quantiles[0.25][0] == 0.5
    assert fan.quantiles[0.5][0] == 1.0
    assert math.isnan(fan.quantiles[0.5][1])


def test_cash_in_execution_is_the_implementation_cost_spent_evenly(run_dir: Path) -> None:
    from simcrm.scenario.costcurve import planned_budget
    from simcrm.scenario.load import load_scenario
    from simcrm.scenario.shipped import resolve_scenario
    from simcrm.stats.adoption_fan import CASH_GRID

    plan = load_scenario(resolve_scenario("baseline")).plan
    budget = float(planned_budget(plan.users, plan.curve_points(), plan.price_level))
    fan = json.loads((run_dir / "summary.json").read_text())["cash_by_month"]
    table = pq.read_table(run_dir / "data", columns=["actual_cost", "actual_months"])
    cost, months = (table.column(i).to_numpy() for i in range(2))
    assert months.min() > 3  # in month 3 every project is still being built
    spent = -cost * 3 / months / budget
    grid = np.sort(CASH_GRID[np.clip(np.rint((spent + 4.0) / 0.05).astype(int), 0, 400)])
    assert fan["operating"][2] == cost.size
    for q in LEVELS:
        assert fan["quantiles"][f"{q:g}"][2] == pytest.approx(grid[math.ceil(q * cost.size) - 1])


def test_the_cash_median_turns_positive_when_half_the_projects_have_paid_back(
    run_dir: Path,
) -> None:
    fan = json.loads((run_dir / "summary.json").read_text())["cash_by_month"]
    payback = pq.read_table(run_dir / "data", columns=["payback_month"]).column(0).to_numpy()
    median = np.asarray(fan["quantiles"]["0.5"], dtype=float)
    # first month the median's grid value is above 0 (one 0.05-budget step: the grid
    # rounds cash within 2.5% of the budget to 0), and the first month half have paid back
    fan_month = int(np.argmax(median > 0.0)) + 1 if (median > 0).any() else None
    paid = np.array([(payback <= t).mean() for t in range(1, len(median) + 1)])
    payback_month = int(np.argmax(paid >= 0.5)) + 1 if (paid >= 0.5).any() else None
    if payback_month is None:
        assert fan_month is None or fan_month >= len(median) - 2
    else:
        assert fan_month is not None
        assert abs(fan_month - payback_month) <= 3  # cash crossing back below 0 is rare
