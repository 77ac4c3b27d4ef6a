"""``--columns A,B`` keeps only these outputs (and ``trial``) in the chunk files;
``--no-data`` keeps none. The summary is built from every output in memory, so it is the
full run's, byte for byte."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from simcrm.cli import main
from simcrm.streams import BLOCK_SIZE
from tests.run_helpers import data_bytes, manifest, run_cli

TRIALS = 2 * BLOCK_SIZE + 300
CHUNK = ("--chunk-size", str(BLOCK_SIZE))


@pytest.fixture(scope="module", params=["mc", "sobol"])
def full(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The full run to compare with (every column written)."""
    out = tmp_path_factory.mktemp("full") / request.param
    assert run_cli(out, "--sampling", request.param, *CHUNK, trials=TRIALS) == 0
    return out


def sampling(run: Path) -> str:
    return str(manifest(run)["identity"].get("sampling", "mc"))


@pytest.mark.parametrize("columns", [["npv"], ["fail_cio", "actual_cost", "abandoned"]])
def test_only_the_chosen_columns_are_written_and_the_summary_is_the_full_runs(
    tmp_path: Path, full: Path, columns: list[str]
) -> None:
    out = tmp_path / "r"
    chosen = ",".join(columns)
    assert (
        run_cli(out, "--columns", chosen, "--sampling", sampling(full), *CHUNK, trials=TRIALS) == 0
    )
    chunks = sorted((out / "data").glob("*.parquet"))
    assert len(chunks) == 3
    for chunk in chunks:
        assert sorted(pq.read_schema(chunk).names) == sorted(["trial", *columns])
        assert pq.read_schema(chunk).names[0] == "trial"
    kept = pd.read_parquet(out / "data")
    whole = pd.read_parquet(full / "data")
    pd.testing.assert_frame_equal(kept, whole[kept.columns])
    assert (out / "summary.json").read_bytes() == (full / "summary.json").read_bytes()
    assert manifest(out)["identity"]["columns"] == columns
    assert manifest(out)["status"] == "complete"


def test_no_data_writes_only_the_manifest_and_the_summary(
    tmp_path: Path, full: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r"
    options = ("--no-data", "--no-figures", "--sampling", sampling(full), *CHUNK)
    assert run_cli(out, *options, trials=TRIALS) == 0
    assert list(out.rglob("*.parquet")) == []
    assert data_bytes(out) == {}
    assert sorted(p.name for p in out.iterdir() if p.is_file()) == [
        "manifest.json",
        "summary.json",
    ]
    assert (out / "summary.json").read_bytes() == (full / "summary.json").read_bytes()
    assert manifest(out)["identity"]["data"] is False
    assert manifest(out)["status"] == "complete"
    capsys.readouterr()
    assert main(["summary", str(out), "--json"]) == 0  # the saved summary is there


@pytest.mark.parametrize("option", [["--no-data"], ["--columns", "npv"]])
def test_summary_recompute_of_a_partial_table_is_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], option: list[str]
) -> None:
    out = tmp_path / "r"
    assert run_cli(out, *option, trials=BLOCK_SIZE + 10) == 0
    capsys.readouterr()
    assert main(["summary", str(out), "--recompute"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err


@pytest.mark.parametrize("option", [pytest.param(["--no-data"], marks=()), ["--columns", "npv"]])
def test_summary_recompute_refusal_names_the_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], option: list[str]
) -> None:
    out = tmp_path / "r"
    assert run_cli(out, *option, trials=BLOCK_SIZE + 10) == 0
    capsys.readouterr()
    assert main(["summary", str(out), "--recompute"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    assert option[0] in err


@pytest.mark.parametrize("name", ["nosuch", "in_plan_planned_months", "fail_nobody"])
def test_an_unknown_column_is_refused_and_nothing_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    out = tmp_path / "r"
    assert run_cli(out, "--columns", f"npv,{name}", trials=BLOCK_SIZE) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    assert "--columns" in err
    assert name in err
    assert not out.exists()


def test_input_columns_can_be_kept_with_inputs(tmp_path: Path) -> None:
    out = tmp_path / "r"
    columns = "in_plan_planned_months,planned_months"
    assert run_cli(out, "--inputs", "--columns", columns, trials=BLOCK_SIZE + 10) == 0
    kept = pd.read_parquet(out / "data")
    assert list(kept.columns) == ["trial", "in_plan_planned_months", "planned_months"]
    assert len(kept) == BLOCK_SIZE + 10
