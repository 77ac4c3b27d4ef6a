"""Runs survive being killed or interrupted, and resume to the same bytes.

A run killed with SIGKILL leaves whole chunk files and a manifest of the completed ones;
``--resume`` computes only the others. Ctrl-C (SIGINT) stops with exit code 130 and a
manifest that says the run is incomplete and gives the exact command that finishes it.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from simcrm.cli import main
from simcrm.engine.run import RunRequest, execute
from simcrm.engine.writer import IN_FLIGHT
from simcrm.scenario import load_scenario
from simcrm.streams import BLOCK_SIZE
from tests.run_helpers import (
    BASELINE,
    ROOT,
    cli_command,
    data_bytes,
    manifest,
    run_cli,
    stop,
    wait_for,
)

TRIALS = 20 * BLOCK_SIZE + 123
"""21 chunks of one block (the last partial): time enough to stop the run midway."""

ONE_BLOCK = ("--chunk-size", str(BLOCK_SIZE))
TIMEOUT = 60.0


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An uninterrupted run to compare with."""
    out = tmp_path_factory.mktemp("reference") / "run"
    assert run_cli(out, *ONE_BLOCK, trials=TRIALS) == 0
    return out


def _interruptible() -> None:
    """In the child, before exec: SIGINT back to its default, as at a terminal. A shell
    running the suite in the background (``make test &``) starts it with SIGINT ignored,
    and Python then never raises KeyboardInterrupt."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start(out: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        cli_command(out, *ONE_BLOCK, trials=TRIALS),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        preexec_fn=_interruptible,
    )


def _written(out: Path) -> int:
    """Chunk files written so far (each appears, whole, the moment it is renamed into
    place: a faster signal than the manifest, which is rewritten only when cheap)."""
    return len(list((out / "data").glob("blocks-*.parquet"))) if (out / "data").is_dir() else 0


def _completed(out: Path) -> list[str]:
    try:
        return list(manifest(out)["completed_chunks"])
    except (FileNotFoundError, KeyError):
        return []


def test_a_killed_run_resumes_computing_only_the_missing_chunks(
    tmp_path: Path, reference: Path
) -> None:
    out = tmp_path / "run"
    process = _start(out)
    try:
        wait_for(lambda: len(_completed(out)) >= 3, TIMEOUT, "three chunks in the manifest")
        process.send_signal(signal.SIGKILL)
        process.wait(TIMEOUT)
    finally:
        stop(process)
    before = manifest(out)
    assert before["status"] == "running"
    done = before["completed_chunks"]
    assert 3 <= len(done) < before["chunks"], "killed midway"
    stamps = {name: (out / "data" / f"{name}.parquet").stat().st_mtime_ns for name in done}

    assert run_cli(out, *ONE_BLOCK, "--resume", trials=TRIALS) == 0

    after = manifest(out)
    assert after["status"] == "complete"
    assert after["reused_chunks"] == done
    for name, stamp in stamps.items():
        assert (out / "data" / f"{name}.parquet").stat().st_mtime_ns == stamp, "not recomputed"
    assert len(after["completed_chunks"]) == after["chunks"]
    assert not list(out.rglob("*.tmp")), "no temporary files left"
    assert data_bytes(out) == data_bytes(reference)
    assert (out / "summary.json").read_bytes() == (reference / "summary.json").read_bytes()


DRIVER = """\
import os, signal, sys

import simcrm.cli.run as cli_run
import simcrm.engine.run as engine_run

SIGNAL, AFTER = signal.Signals[sys.argv.pop(1)], int(sys.argv.pop(1))
execute = engine_run.execute


def interrupted_after_chunks(request, progress=None, executor=None):
    calls = []

    def hook(trials):
        if progress is not None:
            progress(trials)
        calls.append(trials)
        if len(calls) == 1 + AFTER:  # the first call counts the chunks already done
            os.kill(os.getpid(), SIGNAL)

    return execute(request, hook, executor)


cli_run.execute = interrupted_after_chunks
from simcrm.cli import main

sys.exit(main(sys.argv[1:]))
"""
"""``simcrm run …`` that signals itself (as a terminal's Ctrl-C or ``kill`` would) the
moment its ``AFTER``-th chunk is written: always mid-run, never after the run is done. Saved
as ``__main__.py``, so the run states its resume command as ``python -m simcrm …``."""


def _signalled_run(
    tmp_path: Path, out: Path, sig: str, after: int
) -> subprocess.CompletedProcess[bytes]:
    driver = tmp_path / "driver" / "__main__.py"
    driver.parent.mkdir(exist_ok=True)
    driver.write_text(DRIVER)
    command = cli_command(out, *ONE_BLOCK, trials=TRIALS)
    return subprocess.run(
        [sys.executable, str(driver), sig, str(after), *command[3:]],
        capture_output=True,
        timeout=TIMEOUT,
        check=False,
        env=os.environ | {"PYTHONPATH": str(ROOT)},  # this tree's simcrm, as ``-m`` from ROOT
        preexec_fn=_interruptible,
    )


@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM"])
def test_ctrl_c_stops_cleanly_and_states_the_command_that_resumes(
    tmp_path: Path, reference: Path, sig: str
) -> None:
    out = tmp_path / "run"
    stopped_run = _signalled_run(tmp_path, out, sig, after=2)
    assert stopped_run.returncode == 130, stopped_run.stderr.decode()
    err = stopped_run.stderr.decode().strip()
    assert err == "simcrm: interrupted; the manifest says how to resume"
    stopped = manifest(out)
    assert stopped["status"] == "interrupted"
    # landed mid-run: the 2 chunks written when the signal came, and the chunks then on
    # the writer thread (at most IN_FLIGHT), which are finished and recorded
    assert 2 <= len(stopped["completed_chunks"]) <= 2 + IN_FLIGHT < stopped["chunks"]
    assert sorted(data_bytes(out)) == [f"{name}.parquet" for name in stopped["completed_chunks"]]
    assert not (out / "summary.json").exists()
    assert not list(out.rglob("*.tmp"))
    command = shlex.split(stopped["resume"])
    assert command[:3] == [sys.executable, "-m", "simcrm"]
    assert command[-1] == "--resume"

    if sig == "SIGINT":  # the stated command finishes the run (a subprocess: seconds)
        env = os.environ | {"PYTHONPATH": str(ROOT)}
        finished = subprocess.run(command, capture_output=True, timeout=TIMEOUT, env=env)
        assert finished.returncode == 0, finished.stderr.decode()
    else:
        assert run_cli(out, *ONE_BLOCK, "--resume", trials=TRIALS) == 0

    assert manifest(out)["status"] == "complete"
    assert manifest(out)["reused_chunks"] == stopped["completed_chunks"]
    assert data_bytes(out) == data_bytes(reference)
    assert (out / "summary.json").read_bytes() == (reference / "summary.json").read_bytes()


def test_interrupt_from_progress_lands_mid_run_and_resume_gives_the_same_bytes(
    tmp_path: Path, reference: Path
) -> None:
    """In-process: KeyboardInterrupt raised by the progress callback once the first chunk
    is written (the first call reports the trials already done: none)."""
    out = tmp_path / "run"
    calls: list[int] = []

    def progress(trials: int) -> None:
        calls.append(trials)
        if len(calls) == 2:
            raise KeyboardInterrupt

    request = RunRequest(
        load_scenario(BASELINE), TRIALS, 11, out, chunk_trials=BLOCK_SIZE, scenario_path=BASELINE
    )
    with pytest.raises(KeyboardInterrupt):
        execute(request, progress=progress)
    assert calls == [0, BLOCK_SIZE]
    stopped = manifest(out)
    assert stopped["status"] == "interrupted"
    assert stopped["resume"].endswith(" --resume")
    # the chunk reported, and those then on the writer thread (finished and recorded)
    completed = len(stopped["completed_chunks"])
    assert 1 <= completed <= 1 + IN_FLIGHT < stopped["chunks"] == 21
    assert len(data_bytes(out)) == completed  # some chunks, not all
    assert not (out / "summary.json").exists()

    assert run_cli(out, *ONE_BLOCK, "--resume", trials=TRIALS) == 0

    assert manifest(out)["status"] == "complete"
    assert manifest(out)["reused_chunks"] == stopped["completed_chunks"]
    assert data_bytes(out) == data_bytes(reference)
    assert (out / "summary.json").read_bytes() == (reference / "summary.json").read_bytes()


def test_summary_of_an_interrupted_run_says_how_to_finish_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    assert run_cli(out, *ONE_BLOCK) == 0
    content = manifest(out) | {"status": "interrupted", "resume": "simcrm run x --resume"}
    (out / "manifest.json").write_text(json.dumps(content))
    capsys.readouterr()
    assert main(["summary", str(out)]) == 2
    err = capsys.readouterr().err
    assert "not complete" in err
    assert "simcrm run x --resume" in err


def test_resume_checks_the_chunk_files_it_reuses(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert run_cli(out, *ONE_BLOCK) == 0
    reference = data_bytes(out)
    damaged = sorted((out / "data").glob("*.parquet"))[1]
    damaged.write_bytes(damaged.read_bytes()[:1000])
    content = manifest(out) | {"status": "interrupted"}
    (out / "manifest.json").write_text(json.dumps(content))

    assert run_cli(out, *ONE_BLOCK, "--resume") == 0

    assert damaged.name.removesuffix(".parquet") not in manifest(out)["reused_chunks"]
    assert len(manifest(out)["reused_chunks"]) == len(reference) - 1
    assert data_bytes(out) == reference


def test_resume_of_a_complete_run_recomputes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert run_cli(out, *ONE_BLOCK) == 0
    reference = data_bytes(out)
    summary = (out / "summary.json").read_bytes()
    assert run_cli(out, *ONE_BLOCK, "--resume") == 0
    assert manifest(out)["reused_chunks"] == manifest(out)["completed_chunks"]
    assert data_bytes(out) == reference
    assert (out / "summary.json").read_bytes() == summary


def _group_alive(process: subprocess.Popen[bytes]) -> bool:
    try:
        os.killpg(process.pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_ctrl_c_of_a_local_dask_run_stops_every_process_cleanly(tmp_path: Path) -> None:
    """A terminal's Ctrl-C reaches the whole process group: client and Dask workers."""
    out = tmp_path / "run"
    command = cli_command(out, *ONE_BLOCK, "--workers", "2", trials=1000 * BLOCK_SIZE)
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        preexec_fn=_interruptible,
    )
    try:
        wait_for(lambda: len(_completed(out)) >= 2, TIMEOUT, "two chunks in the manifest")
        os.killpg(process.pid, signal.SIGINT)
        _, err = process.communicate(timeout=TIMEOUT)
        wait_for(lambda: not _group_alive(process), TIMEOUT, "the Dask workers to exit")
    finally:
        stop(process)
    assert process.returncode == 130
    assert err.decode().strip() == "simcrm: interrupted; the manifest says how to resume"
    stopped = manifest(out)
    assert stopped["status"] == "interrupted"
    assert stopped["resume"].endswith("--workers 2 --resume")
