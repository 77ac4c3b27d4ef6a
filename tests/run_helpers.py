"""Helpers for the run tests: CLI runs, data bytes, subprocesses bounded in time."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from simcrm.cli import main
from simcrm.streams import BLOCK_SIZE

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"
SMALL = 3 * BLOCK_SIZE + 1_000
"""Three whole blocks and a partial one."""


def run_cli(out: Path, *extra: str, trials: int = SMALL, seed: int = 11) -> int:
    """``simcrm run baseline`` in this process; returns the exit code."""
    args = ["run", str(BASELINE), "--trials", str(trials), "--seed", str(seed)]
    return main([*args, "--out", str(out), "--quiet", "--no-figures", *extra])


def data_bytes(out: Path) -> dict[str, bytes]:
    """Every chunk file of a run, by name."""
    return {f.name: f.read_bytes() for f in sorted((out / "data").glob("*.parquet"))}


def manifest(out: Path) -> dict[str, Any]:
    """The run's manifest."""
    content: dict[str, Any] = json.loads((out / "manifest.json").read_text())
    return content


def cli_command(out: Path, *extra: str, trials: int, seed: int = 11) -> list[str]:
    """``python -m simcrm run baseline …`` as a subprocess command."""
    return [
        sys.executable,
        "-m",
        "simcrm",
        "run",
        str(BASELINE),
        "--trials",
        str(trials),
        "--seed",
        str(seed),
        "--out",
        str(out),
        "--quiet",
        *extra,
    ]


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``condition`` every 20 ms until it holds; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {timeout:g} s for {what}")
        time.sleep(0.02)


def stop(process: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    """End a process started with ``start_new_session=True`` and every process of its group:
    SIGTERM, up to ``timeout`` seconds to exit, then SIGKILL to whatever remains."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            continue
    process.wait(timeout)
    for stream in (process.stdin, process.stdout, process.stderr):
        if stream is not None:
            stream.close()
