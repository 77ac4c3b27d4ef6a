"""Runs: same seed → same bytes; any chunk size → the same results; provenance on disk."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from scipy.stats import binomtest

import simcrm
from simcrm.cli import main
from simcrm.scenario.outputs import OUTPUT_COLUMNS
from simcrm.streams import BLOCK_SIZE
from tests.stats.closed_form import wilson_by_hand

TRIALS = 2 * BLOCK_SIZE + 1_000  # three blocks, the last partial


def _run(scenario: Path, out: Path, *extra: str) -> None:
    code = main(
        [
            "run",
            str(scenario),
            "--trials",
            str(TRIALS),
            "--seed",
            "11",
            "--out",
            str(out),
            "--quiet",
            *extra,
        ]
    )
    assert code == 0


def _data_bytes(out: Path) -> dict[str, bytes]:
    return {f.name: f.read_bytes() for f in sorted((out / "data").glob("*.parquet"))}


def test_same_seed_gives_the_same_bytes(baseline_path: Path, tmp_path: Path) -> None:
    _run(baseline_path, tmp_path / "a")
    _run(baseline_path, tmp_path / "b")
    a, b = _data_bytes(tmp_path / "a"), _data_bytes(tmp_path / "b")
    assert a
    assert a == b
    assert json.loads((tmp_path / "a" / "summary.json").read_text()) == json.loads(
        (tmp_path / "b" / "summary.json").read_text()
    )


def test_other_seed_gives_other_numbers(baseline_path: Path, tmp_path: Path) -> None:
    _run(baseline_path, tmp_path / "a")
    main(
        [
            "run",
            str(baseline_path),
            "--trials",
            str(TRIALS),
            "--seed",
            "12",
            "--out",
            str(tmp_path / "b"),
            "--quiet",
        ]
    )
    a = pd.read_parquet(tmp_path / "a" / "data")
    b = pd.read_parquet(tmp_path / "b" / "data")
    assert not a["actual_cost"].equals(b["actual_cost"])


@pytest.mark.parametrize("chunk", ["1", str(BLOCK_SIZE), "100000"])
def test_chunk_size_does_not_change_results(
    baseline_path: Path, tmp_path: Path, chunk: str
) -> None:
    _run(baseline_path, tmp_path / "ref", "--chunk-size", str(10 * BLOCK_SIZE))
    _run(baseline_path, tmp_path / "other", "--chunk-size", chunk)
    ref = pd.read_parquet(tmp_path / "ref" / "data")
    other = pd.read_parquet(tmp_path / "other" / "data")
    pd.testing.assert_frame_equal(ref, other)
    assert len(ref) == TRIALS
    assert ref["trial"].tolist() == list(range(TRIALS))


def test_in_memory_simulate_equals_the_run_on_disk(baseline_path: Path, tmp_path: Path) -> None:
    _run(baseline_path, tmp_path / "r")
    disk = pd.read_parquet(tmp_path / "r" / "data")
    memory = simcrm.simulate(simcrm.load_scenario(baseline_path), trials=TRIALS, seed=11)
    pd.testing.assert_frame_equal(disk, memory)


def test_outputs_carry_the_contract_columns_and_provenance(
    baseline_path: Path, tmp_path: Path
) -> None:
    _run(baseline_path, tmp_path / "r")
    files = sorted((tmp_path / "r" / "data").glob("*.parquet"))
    schema = pq.read_schema(files[0])
    scenario = simcrm.load_scenario(baseline_path)
    assert schema.names == list(OUTPUT_COLUMNS) + [f"fail_{c}" for c in scenario.criteria]
    meta = {k.decode(): v.decode() for k, v in (schema.metadata or {}).items()}
    assert meta["simcrm.seed"] == "11"
    manifest = json.loads((tmp_path / "r" / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    assert manifest["seed"] == 11
    assert manifest["trials"] == TRIALS
    assert manifest["block_size"] == BLOCK_SIZE
    assert manifest["scenario"]["text"] == baseline_path.read_text()
    assert len(manifest["scenario"]["digest"]) == 64
    assert {"simcrm", "python", "numpy"} <= set(manifest["versions"])
    assert manifest["started"]
    assert manifest["finished"]


def test_summary_command_prints_the_saved_summary(
    baseline_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _run(baseline_path, tmp_path / "r")
    capsys.readouterr()
    assert main(["summary", str(tmp_path / "r"), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads((tmp_path / "r" / "summary.json").read_text())
    assert main(["summary", str(tmp_path / "r")]) == 0
    text = capsys.readouterr().out
    assert "95% Wilson interval" in text
    # each criterion's row: its failure share and 95% Wilson interval, recounted from the data
    frame = pd.read_parquet(tmp_path / "r" / "data")
    rows = {line.split("│")[1].strip(): line for line in text.splitlines() if line.count("│") > 3}
    for name in simcrm.load_scenario(baseline_path).criteria:
        k = int(frame[f"fail_{name}"].sum())
        low, high = wilson_by_hand(k, TRIALS)
        cells = [c.strip() for c in rows[name].split("│")[1:-1]]
        assert cells == [name, f"{100 * k / TRIALS:.1f}%", f"{100 * low:.1f}% – {100 * high:.1f}%"]


def test_summary_matches_a_pandas_recount(baseline_path: Path, tmp_path: Path) -> None:
    _run(baseline_path, tmp_path / "r")
    frame = pd.read_parquet(tmp_path / "r" / "data")
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert summary["trials"] == TRIALS
    for name, entry in summary["criteria"].items():
        k = int(frame[f"fail_{name}"].sum())
        assert entry["count"] == k
        assert entry["p"] == k / TRIALS
        # the 95% Wilson interval, from scipy and from the closed form (z = 1.959964)
        ci = binomtest(k, TRIALS).proportion_ci(method="wilson")
        assert entry["ci95"] == pytest.approx([ci.low, ci.high], rel=1e-12)
        assert list(entry["ci95"]) == pytest.approx(list(wilson_by_hand(k, TRIALS)), rel=1e-12)
    for entry in summary["events"].values():
        assert entry["ci95"] == pytest.approx(
            list(wilson_by_hand(entry["count"], TRIALS)), rel=1e-12
        )
    assert summary["events"]["abandoned"]["count"] == int(frame["abandoned"].sum())
    assert summary["events"]["npv_negative"]["count"] == int((frame["npv"] < 0).sum())
    assert summary["distributions"]["cost_overrun"]["p50"] == pytest.approx(
        frame["cost_overrun"].median()
    )
    cross = summary["crosstab"]
    table = pd.crosstab(frame[f"fail_{cross['rows']}"], frame[f"fail_{cross['columns']}"])
    assert cross["counts"] == table.to_numpy().tolist()


def test_rerun_into_another_runs_directory_is_refused(
    baseline_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _run(baseline_path, tmp_path / "r")
    before = _data_bytes(tmp_path / "r")
    code = main(
        ["run", str(baseline_path), "--trials", "500", "--out", str(tmp_path / "r"), "--quiet"]
    )
    assert code == 2
    assert "different run" in capsys.readouterr().err
    assert _data_bytes(tmp_path / "r") == before
    assert (
        main(
            [
                "run",
                str(baseline_path),
                "--trials",
                "500",
                "--out",
                str(tmp_path / "r"),
                "--quiet",
                "--force",
            ]
        )
        == 0
    )
    assert len(pd.read_parquet(tmp_path / "r" / "data")) == 500
