"""A results directory is never silently mixed with another run, and write errors are clear.

A directory made by a different scenario, seed, number of trials, chunking or version is
refused (with or without ``--resume``) and left as it was; ``--force`` replaces it. A full
disk fails with one line and exit code 2, leaves no partial file, and the run resumes.
"""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from simcrm.cli import main
from simcrm.engine import store as results
from simcrm.engine.store import run_lock
from simcrm.streams import BLOCK_SIZE
from tests.run_helpers import BASELINE, SMALL, data_bytes, manifest, run_cli

ONE_BLOCK = ("--chunk-size", str(BLOCK_SIZE))


def _other_scenario(tmp_path: Path) -> Path:
    text = BASELINE.read_text().replace("p_approve = 0.6 ", "p_approve = 0.5 ")
    assert text != BASELINE.read_text()
    path = tmp_path / "baseline.toml"
    path.write_text(text)
    return path


CHANGES = {
    "seed": (["--seed", "12"], "seed"),
    "trials": (["--trials", str(SMALL + 1)], "trials"),
    "chunking": (["--chunk-size", str(2 * BLOCK_SIZE)], "chunk_blocks"),
}


def _run(out: Path, args: list[str], *extra: str) -> int:
    """Run the baseline with one-block chunks, ``args`` overriding trials, seed or chunking."""
    given = dict(zip(args[::2], args[1::2], strict=True))
    trials = int(given.pop("--trials", SMALL))
    seed = int(given.pop("--seed", 11))
    chunk = given.pop("--chunk-size", str(BLOCK_SIZE))
    return run_cli(out, "--chunk-size", chunk, *extra, trials=trials, seed=seed)


@pytest.mark.parametrize("resume", [False, True], ids=["rerun", "resume"])
@pytest.mark.parametrize("change", list(CHANGES), ids=list(CHANGES))
def test_another_run_is_refused_and_left_intact(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change: str, resume: bool
) -> None:
    out = tmp_path / "run"
    assert _run(out, []) == 0
    before = data_bytes(out), (out / "manifest.json").read_bytes()
    args, field = CHANGES[change]
    capsys.readouterr()

    assert _run(out, args, *(["--resume"] if resume else [])) == 2

    err = capsys.readouterr().err
    assert f"it holds a different run (differs in {field})" in err
    assert "--force" in err
    assert err.count("\n") == 1
    assert (data_bytes(out), (out / "manifest.json").read_bytes()) == before
    assert _run(out, args, "--force") == 0
    assert manifest(out)["status"] == "complete"
    expected = {"seed": 12, "trials": SMALL + 1, "chunking": 2 * BLOCK_SIZE}[change]
    key = {"seed": "seed", "trials": "trials", "chunking": "chunk_trials"}[change]
    assert manifest(out)[key] == expected


def test_another_scenario_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run"
    assert _run(out, []) == 0
    before = data_bytes(out)
    other = _other_scenario(tmp_path)
    capsys.readouterr()
    args = ["run", str(other), "--trials", str(SMALL), "--seed", "11", "--out", str(out)]
    assert main([*args, *ONE_BLOCK, "--quiet", "--resume"]) == 2
    assert "differs in scenario_digest" in capsys.readouterr().err
    assert data_bytes(out) == before
    assert main([*args, *ONE_BLOCK, "--quiet", "--force"]) == 0
    assert data_bytes(out) != before


def test_another_version_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run"
    assert _run(out, []) == 0
    content = manifest(out)
    content["identity"]["numpy"] = "1.26.0"
    (out / "manifest.json").write_text(json.dumps(content))
    capsys.readouterr()
    assert _run(out, [], "--resume") == 2
    assert "differs in numpy" in capsys.readouterr().err


def test_a_directory_that_holds_no_run_is_refused_even_forced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert _run(out, []) == 2
    assert "holds no simcrm run" in capsys.readouterr().err
    assert (out / "notes.txt").read_text() == "mine"
    assert _run(out, [], "--force") == 2
    assert "holds no simcrm run" in capsys.readouterr().err
    assert (out / "notes.txt").read_text() == "mine"


def test_force_replaces_a_run_but_never_the_users_files_beside_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    assert _run(out, []) == 0
    (out / "thesis.tex").write_text("mine")
    assert _run(out, [], "--seed", "99", "--force") == 2
    err = capsys.readouterr().err
    assert "thesis.tex" in err
    assert "files no simcrm run wrote" in err
    assert (out / "thesis.tex").read_text() == "mine"
    (out / "thesis.tex").unlink()
    (out / "data" / "extra.csv").write_text("mine too")
    assert _run(out, [], "--seed", "99", "--force") == 2
    assert (out / "data" / "extra.csv").exists()
    (out / "data" / "extra.csv").unlink()
    assert _run(out, [], "--seed", "99", "--force") == 0


def test_a_changed_chunk_is_recomputed_on_resume_and_refused_by_recompute(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    assert _run(out, []) == 0
    before = data_bytes(out)
    chunk = sorted((out / "data").glob("*.parquet"))[0]
    raw = bytearray(chunk.read_bytes())
    raw[len(raw) // 2] ^= 0xFF  # one flipped byte inside the data pages
    chunk.write_bytes(bytes(raw))
    capsys.readouterr()
    assert main(["summary", str(out), "--recompute"]) == 2
    err = capsys.readouterr().err
    assert chunk.name in err
    assert "content changed" in err
    assert _run(out, [], "--resume") == 0
    assert data_bytes(out) == before  # recomputed, not reused


@pytest.mark.parametrize("content", ["[]", "null", "{}", '{"status": 3}', "{"])
def test_a_damaged_manifest_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str
) -> None:
    out = tmp_path / "run"
    assert _run(out, []) == 0
    (out / "manifest.json").write_text(content)
    capsys.readouterr()
    for args in (["summary", str(out)], ["summary", str(out), "--recompute"]):
        assert main(args) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1
        assert "manifest.json" in err or str(out) in err


def test_a_chunk_that_is_not_parquet_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    assert _run(out, []) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    manifest.pop("chunk_sha256")  # as a run written before chunks were hashed
    (out / "manifest.json").write_text(json.dumps(manifest))
    chunk = sorted((out / "data").glob("*.parquet"))[0]
    chunk.write_bytes(b"not parquet at all")
    capsys.readouterr()
    assert main(["summary", str(out), "--recompute"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert chunk.name in err


def test_a_second_run_into_a_directory_in_use_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    with run_lock(out):
        assert _run(out, []) == 2
    assert "another simcrm run is writing there" in capsys.readouterr().err
    assert _run(out, []) == 0


def test_a_full_disk_fails_clearly_leaves_whole_files_and_resumes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = tmp_path / "reference"
    assert _run(reference, []) == 0
    out = tmp_path / "run"
    written: list[str] = []
    real = results._write_file

    def full_after_two_chunks(path: Path, data: bytes) -> None:
        if ".parquet." in path.name:
            if len(written) == 2:
                real(path, data[: len(data) // 2])
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            written.append(path.name)
        real(path, data)

    monkeypatch.setattr(results, "_write_file", full_after_two_chunks)
    capsys.readouterr()
    assert _run(out, []) == 2

    err = capsys.readouterr().err
    assert err.startswith("simcrm: error: --out: got ")
    assert "No space left on device" in err
    assert "--resume" in err
    assert err.count("\n") == 1
    assert not list(out.rglob("*.tmp")), "no partial file"
    files = sorted((out / "data").glob("*.parquet"))
    assert len(files) == 2
    for f in files:
        assert pq.read_metadata(f).num_rows == BLOCK_SIZE
    assert manifest(out)["status"] == "failed"
    monkeypatch.setattr(results, "_write_file", real)
    assert _run(out, [], "--resume") == 0
    assert data_bytes(out) == data_bytes(reference)


def test_a_chunk_too_large_for_memory_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(tmp_path / "run", ["--chunk-size", "1e9"]) == 2
    assert "--chunk-size: got '1e9'; give a whole number from 1 to 4,194,304" in (
        capsys.readouterr().err
    )
    assert not (tmp_path / "run").exists()
