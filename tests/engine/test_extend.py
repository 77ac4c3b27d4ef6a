"""``simcrm run --extend DIR --trials N``: a finished run grown to N trials is the same
bytes as a fresh run of N trials (chunk files and summary.json), on any chunking."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pandas as pd
import pytest

from simcrm.cli import main
from simcrm.engine.extend import extension
from simcrm.engine.run import execute
from simcrm.streams import BLOCK_SIZE
from tests.run_helpers import BASELINE, data_bytes, manifest, run_cli

BEFORE = 2 * BLOCK_SIZE + 500
"""The run to extend: two whole blocks and a partial one."""
AFTER = 5 * BLOCK_SIZE + 100
"""What it grows to: its partial block becomes whole, and more."""
TWO_BLOCKS = ("--chunk-size", str(2 * BLOCK_SIZE))

LHS = pytest.param("lhs", marks=())
SOBOL = pytest.param("sobol", marks=())


def extend_cli(out: Path, trials: int, *extra: str) -> int:
    return main(["run", "--extend", str(out), "--trials", str(trials), "--quiet", *extra])


def same_run(a: Path, b: Path) -> None:
    """Two run directories hold the same chunk files and summary bytes."""
    assert data_bytes(a) == data_bytes(b)
    assert (a / "summary.json").read_bytes() == (b / "summary.json").read_bytes()


def files(out: Path) -> dict[str, bytes]:
    """Every file of a run directory (but the figures), by relative path."""
    return {
        str(f.relative_to(out)): f.read_bytes()
        for f in sorted(out.rglob("*"))
        if f.is_file() and "figures" not in f.parts
    }


@pytest.mark.parametrize("sampling", ["mc", LHS, SOBOL])
def test_an_extended_run_is_the_fresh_run(tmp_path: Path, sampling: str) -> None:
    grown, fresh = tmp_path / "grown", tmp_path / "fresh"
    options = ("--sampling", sampling, *TWO_BLOCKS, "--no-figures")
    assert run_cli(grown, *options, trials=BEFORE) == 0
    old = data_bytes(grown)
    assert sorted(old) == ["blocks-00000000-00000002.parquet", "blocks-00000002-00000003.parquet"]
    assert extend_cli(grown, AFTER, "--no-figures") == 0
    assert run_cli(fresh, *options, trials=AFTER) == 0
    same_run(grown, fresh)
    # the whole first chunk is kept, the partial one (which changes) recomputed and gone
    assert (
        data_bytes(grown)["blocks-00000000-00000002.parquet"]
        == old["blocks-00000000-00000002.parquet"]
    )
    assert "blocks-00000002-00000003.parquet" not in data_bytes(grown)
    found, plain = manifest(grown), manifest(fresh)
    assert found["status"] == "complete"
    assert found["reused_chunks"] == ["blocks-00000000-00000002"]
    assert found["identity"] == plain["identity"]
    assert found["trials"] == AFTER
    assert found["completed_chunks"] == plain["completed_chunks"]
    assert found["chunk_sha256"] == plain["chunk_sha256"]
    assert found["command"].replace(str(grown.resolve()), "X") == plain["command"].replace(
        str(fresh.resolve()), "X"
    )


@pytest.mark.parametrize(
    ("chunk_blocks", "sampling"),
    [(1, "mc"), pytest.param(1, "sobol", marks=()), (3, "sobol")],
)
def test_extension_is_the_same_on_any_chunking(
    tmp_path: Path, chunk_blocks: int, sampling: str
) -> None:
    options = ("--sampling", sampling, "--chunk-size", str(chunk_blocks * BLOCK_SIZE))
    grown, reference = tmp_path / "grown", tmp_path / "reference"
    assert run_cli(grown, *options, trials=BEFORE) == 0
    assert extend_cli(grown, AFTER) == 0
    assert run_cli(reference, "--sampling", sampling, *TWO_BLOCKS, trials=AFTER) == 0
    pd.testing.assert_frame_equal(
        pd.read_parquet(grown / "data"), pd.read_parquet(reference / "data")
    )
    assert (grown / "summary.json").read_bytes() == (reference / "summary.json").read_bytes()


def test_an_extension_of_whole_blocks_only_adds_chunks(tmp_path: Path) -> None:
    grown, fresh = tmp_path / "grown", tmp_path / "fresh"
    assert run_cli(grown, *TWO_BLOCKS, trials=2 * BLOCK_SIZE) == 0
    old = data_bytes(grown)
    assert extend_cli(grown, AFTER) == 0
    assert run_cli(fresh, *TWO_BLOCKS, trials=AFTER) == 0
    same_run(grown, fresh)
    assert manifest(grown)["reused_chunks"] == [name.removesuffix(".parquet") for name in old]


def test_the_python_interface_extends_a_design_run(tmp_path: Path) -> None:
    grown, fresh = tmp_path / "grown", tmp_path / "fresh"
    assert run_cli(grown, "--sampling", "lhs", *TWO_BLOCKS, trials=BEFORE) == 0
    request = extension(grown, AFTER, workers=1)
    assert request.extend
    assert request.n == AFTER
    assert request.sampling == "lhs"
    assert request.chunk_trials == 2 * BLOCK_SIZE
    assert request.root_seed == 11
    summary = execute(request)
    assert summary.trials == AFTER
    assert run_cli(fresh, "--sampling", "lhs", *TWO_BLOCKS, trials=AFTER) == 0
    same_run(grown, fresh)


def test_extending_to_the_same_trials_recomputes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "r"
    assert run_cli(out, *TWO_BLOCKS, trials=BEFORE, seed=3) == 0
    before = data_bytes(out)
    summary = (out / "summary.json").read_bytes()
    assert extend_cli(out, BEFORE) == 0
    assert data_bytes(out) == before
    assert (out / "summary.json").read_bytes() == summary
    assert manifest(out)["reused_chunks"] == manifest(out)["completed_chunks"]


def test_a_precision_stopped_run_extends_to_the_fixed_run(tmp_path: Path) -> None:
    out, fresh = tmp_path / "r", tmp_path / "fresh"
    one = ("--chunk-size", str(BLOCK_SIZE))
    assert run_cli(out, "--precision", "0.004", *one, trials=AFTER) == 0
    stopped = manifest(out)["trials"]
    assert stopped < AFTER
    assert extend_cli(out, AFTER) == 0
    assert run_cli(fresh, *one, trials=AFTER) == 0
    same_run(out, fresh)
    assert manifest(out)["identity"] == manifest(fresh)["identity"]
    assert len(manifest(out)["reused_chunks"]) == stopped // BLOCK_SIZE


def test_a_precision_run_that_reached_its_cap_extends_too(tmp_path: Path) -> None:
    out, fresh = tmp_path / "r", tmp_path / "fresh"
    one = ("--chunk-size", str(BLOCK_SIZE))
    assert run_cli(out, "--precision", "0.0005", *one, trials=BEFORE) == 0
    assert manifest(out)["trials"] == BEFORE
    assert extend_cli(out, AFTER) == 0
    assert run_cli(fresh, *one, trials=AFTER) == 0
    same_run(out, fresh)


@pytest.mark.parametrize("sampling", [pytest.param("mc", marks=()), SOBOL])
@pytest.mark.parametrize("how", ["resume", "extend again"])
def test_an_interrupted_extension_finishes(tmp_path: Path, how: str, sampling: str) -> None:
    """KeyboardInterrupt (from the progress callback) once the first new chunk has
    joined; then the manifest's resume command (or the same --extend) finishes the run,
    and it is the fresh run: no stale chunk file left behind."""
    grown, fresh = tmp_path / "grown", tmp_path / "fresh"
    options = ("--sampling", sampling, *TWO_BLOCKS)
    assert run_cli(grown, *options, trials=BEFORE) == 0
    calls: list[int] = []

    def progress(trials: int) -> None:
        calls.append(trials)
        if len(calls) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        execute(extension(grown, AFTER), progress=progress)
    assert calls == [2 * BLOCK_SIZE, 2 * BLOCK_SIZE]
    stopped = manifest(grown)
    assert stopped["status"] == "interrupted"
    assert stopped["trials"] == AFTER
    assert stopped["resume"].endswith(" --resume")
    assert not (grown / "summary.json").exists() or stopped["status"] != "complete"

    if how == "resume":
        words = shlex.split(stopped["resume"])
        assert main([*words[words.index("run") :], "--quiet"]) == 0
    else:
        assert extend_cli(grown, AFTER) == 0
    assert run_cli(fresh, *options, trials=AFTER) == 0
    assert manifest(grown)["status"] == "complete"
    assert (grown / "summary.json").read_bytes() == (fresh / "summary.json").read_bytes()
    assert sorted(data_bytes(grown)) == sorted(data_bytes(fresh))  # no stale chunk left
    same_run(grown, fresh)


def test_an_extended_no_data_run_is_the_fresh_one(tmp_path: Path) -> None:
    grown, fresh, full = tmp_path / "grown", tmp_path / "fresh", tmp_path / "full"
    assert run_cli(grown, "--no-data", *TWO_BLOCKS, trials=BEFORE) == 0
    assert extend_cli(grown, AFTER) == 0
    assert run_cli(fresh, "--no-data", *TWO_BLOCKS, trials=AFTER) == 0
    assert run_cli(full, *TWO_BLOCKS, trials=AFTER) == 0
    assert data_bytes(grown) == {}
    assert manifest(grown)["identity"] == manifest(fresh)["identity"]
    assert (grown / "summary.json").read_bytes() == (fresh / "summary.json").read_bytes()
    assert (grown / "summary.json").read_bytes() == (full / "summary.json").read_bytes()


def test_an_extended_columns_run_is_the_fresh_one(tmp_path: Path) -> None:
    grown, fresh = tmp_path / "grown", tmp_path / "fresh"
    options = ("--columns", "npv,actual_cost", "--sampling", "sobol", *TWO_BLOCKS)
    # (a --columns run reuses no chunk file: every chunk is computed again)
    assert run_cli(grown, *options, trials=BEFORE) == 0
    assert extend_cli(grown, AFTER) == 0
    assert run_cli(fresh, *options, trials=AFTER) == 0
    same_run(grown, fresh)
    assert list(pd.read_parquet(grown / "data").columns) == ["trial", "npv", "actual_cost"]


# --- refusals --------------------------------------------------------------------------


@pytest.fixture
def finished(tmp_path: Path) -> Path:
    out = tmp_path / "run"
    assert run_cli(out, *TWO_BLOCKS, trials=BEFORE) == 0
    return out


def refused(capsys: pytest.CaptureFixture[str], code: int, *words: str) -> str:
    """The error line of a refusal with exit code 2."""
    assert code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    for word in words:
        assert word in err
    return err


def test_fewer_trials_are_refused(finished: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = files(finished)
    capsys.readouterr()
    refused(capsys, extend_cli(finished, BEFORE - 1), "--trials", str(BEFORE))
    assert files(finished) == before


@pytest.mark.parametrize(
    "extra",
    [
        [str(BASELINE)],
        ["--seed", "4"],
        ["--out", "elsewhere"],
        ["--precision", "0.01"],
        ["--columns", "npv"],
        ["--force"],
        ["--no-data"],
    ],
)
def test_options_of_a_run_are_refused_with_extend(
    finished: Path, capsys: pytest.CaptureFixture[str], extra: list[str]
) -> None:
    before = files(finished)
    capsys.readouterr()
    code = main(["run", *extra, "--extend", str(finished), "--trials", str(AFTER), "--quiet"])
    refused(capsys, code, "--extend")
    assert files(finished) == before


def test_extend_needs_the_trials(finished: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    refused(capsys, main(["run", "--extend", str(finished), "--quiet"]), "--trials")


def test_a_directory_with_no_run_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    refused(capsys, extend_cli(tmp_path / "nothing", AFTER), "nothing")
    assert not (tmp_path / "nothing").exists()
    (tmp_path / "empty").mkdir()
    refused(capsys, extend_cli(tmp_path / "empty", AFTER), "empty")
    assert list((tmp_path / "empty").iterdir()) == []
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    refused(capsys, extend_cli(tmp_path / "other", AFTER), "other")
    assert [f.name for f in (tmp_path / "other").iterdir()] == ["notes.txt"]


def test_a_changed_scenario_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario = tmp_path / "mine.toml"
    scenario.write_text(BASELINE.read_text())
    out = tmp_path / "run"
    code = main(["run", str(scenario), "--trials", str(BEFORE), "--out", str(out), "--quiet"])
    assert code == 0
    scenario.write_text(BASELINE.read_text().replace("users = 1_000", "users = 1_200"))
    before = files(out)
    capsys.readouterr()
    refused(capsys, extend_cli(out, AFTER), "changed")
    assert files(out) == before


def test_a_changed_data_file_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = BASELINE.read_text()
    line = 'planned_months = { kind = "pert", low = 6, mode = 10, high = 18 }'
    assert line in text
    scenario = tmp_path / "data.toml"
    scenario.write_text(
        text.replace(
            line, 'planned_months = { kind = "empirical", file = "months.csv", column = "m" }'
        )
    )
    (tmp_path / "months.csv").write_text("m\n8\n10\n12\n15\n")
    out = tmp_path / "run"
    code = main(["run", str(scenario), "--trials", str(BEFORE), "--out", str(out), "--quiet"])
    assert code == 0
    (tmp_path / "months.csv").write_text("m\n8\n10\n12\n16\n")
    before = files(out)
    capsys.readouterr()
    refused(capsys, extend_cli(out, AFTER), "changed")
    assert files(out) == before
    # with the data back as they were, the run extends
    (tmp_path / "months.csv").write_text("m\n8\n10\n12\n15\n")
    assert extend_cli(out, AFTER) == 0
    assert json.loads((out / "summary.json").read_text())["trials"] == AFTER
