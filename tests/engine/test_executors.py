"""Every executor gives the same bytes: in process, a local Dask cluster, a remote scheduler.

The remote cluster is a real ``dask scheduler`` and two ``dask worker`` processes on the
loopback interface, with explicit ports and no dashboards, started by the test, bounded
in time, and always torn down.
"""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from simcrm.engine import executors
from simcrm.engine.run import RunRequest, execute
from simcrm.scenario.load import load_scenario
from tests.run_helpers import BASELINE, SMALL, data_bytes, manifest, run_cli, stop, wait_for

STARTUP_TIMEOUT = 60.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _dask(*args: str, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as sink:
        return subprocess.Popen(
            [sys.executable, "-m", *args],
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Address of a scheduler with two single-threaded workers, on 127.0.0.1."""
    logs = tmp_path_factory.mktemp("dask")
    address = f"tcp://127.0.0.1:{_free_port()}"
    port = address.rsplit(":", 1)[1]
    processes = [
        _dask(
            "distributed.cli.dask_scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            port,
            "--no-dashboard",
            "--dashboard-address",
            f"127.0.0.1:{_free_port()}",
            log=logs / "scheduler.log",
        )
    ]
    try:
        for k in range(2):
            processes.append(
                _dask(
                    "distributed.cli.dask_worker",
                    address,
                    "--host",
                    "127.0.0.1",
                    "--nthreads",
                    "1",
                    "--no-nanny",
                    "--no-dashboard",
                    "--death-timeout",
                    "60",
                    log=logs / f"worker-{k}.log",
                )
            )
        wait_for(
            lambda: all(
                (logs / f"worker-{k}.log").read_text().count("Registered to") for k in (0, 1)
            ),
            STARTUP_TIMEOUT,
            "two Dask workers to register",
        )
        yield address
    finally:
        for process in reversed(processes):
            stop(process)


def test_in_process_local_cluster_and_remote_scheduler_give_the_same_bytes(
    tmp_path: Path, scheduler: str
) -> None:
    chunk = ["--chunk-size", "16384"]
    assert run_cli(tmp_path / "local", *chunk) == 0
    assert run_cli(tmp_path / "remote", *chunk, "--scheduler", scheduler) == 0
    progress: list[int] = []
    request = RunRequest(
        load_scenario(BASELINE), SMALL, 11, out=tmp_path / "two", chunk_trials=16384, workers=2
    )
    execute(request, progress=progress.append)
    assert sum(progress) == SMALL, "the progress bar reaches the end"
    assert len(progress) == 1 + 4, "once at the start, then once per chunk"
    reference = data_bytes(tmp_path / "local")
    assert len(reference) == 4
    summary = (tmp_path / "local" / "summary.json").read_bytes()
    for other in ("two", "remote"):
        assert data_bytes(tmp_path / other) == reference
        assert (tmp_path / other / "summary.json").read_bytes() == summary
    assert manifest(tmp_path / "two")["executor"] == "local Dask cluster of 2 processes"
    assert manifest(tmp_path / "remote")["executor"] == f"Dask scheduler {scheduler}"


def test_missing_dask_is_a_clear_input_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)
    assert run_cli(tmp_path / "r", "--workers", "2") == 2
    err = capsys.readouterr().err
    assert "--workers" in err
    assert "Dask is not installed" in err
    assert err.count("\n") == 1


def test_unreachable_scheduler_is_a_clear_input_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(executors, "CONNECT_TIMEOUT", 1.0)
    address = f"tcp://127.0.0.1:{_free_port()}"
    assert run_cli(tmp_path / "r", "--scheduler", address) == 2
    err = capsys.readouterr().err
    assert f"--scheduler: got {address!r}" in err
    assert "cannot reach a Dask scheduler" in err
    assert not (tmp_path / "r" / "data").exists()
