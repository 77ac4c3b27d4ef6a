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


def test_chunking_gives_the_same_fan(run_dir: Path, tmp_path: Path) -> None:
    one = json.loads((run_dir / "summary.json").read_text())["adoption_by_month"]
    small = _run(tmp_path / "small", "--chunk-size", "16384")["adoption_by_month"]
    assert small == one


def test_recomputed_from_the_chunk_files(run_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["summary", str(run_dir), "--recompute", "--json"]) == 0
    again = json.loads(capsys.readouterr().out)["adoption_by_month"]
    assert again == json.loads((run_dir / "summary.json").read_text())["adoption_by_month"]


def test_counts_encode_losslessly_and_damage_is_refused() -> None:
    rng = np.random.default_rng(1)
    counts = rng.integers(0, 5, size=(60, ADOPTION_BINS)) * (rng.random((60, ADOPTION_BINS)) < 0.1)
    assert np.array_equal(decode_counts(encode_counts(counts)), counts)
    with pytest.raises(ValueError, match="not monthly adoption counts"):
        decode_counts('{"shape": [2]}')


def test_quantiles_of_known_counts() -> None:
    counts = np.zeros((2, 5), dtype=np.int64)
    counts[0] = [1, 1, 1, 1, 6]  # shares 0, .25, .5, .75, 1
    fan = AdoptionFan.of(counts)
    assert fan.operating == (10, 0)
    # the ceil(q n)-th smallest of the ten: 1st, 3rd, 5th
    assert fan.quantiles[0.1][0] == 0.0
    assert fan.quantiles[0.25][0] == 0.5
    assert fan.quantiles[0.5][0] == 1.0
    assert math.isnan(fan.quantiles[0.5][1])
