"""Batch-run measurements of ``make bench`` (issue 16): what a long run costs beyond simulating.

- ``run_vs_simulate``: trials/s of :func:`simcrm.engine.run.execute` (Parquet written on
  its writer thread, summary in memory, no figures) over those of computing the same
  chunks alone (``compute_blocks``), both in this process, one worker, interleaved,
  best of ``rounds``; and the bytes on disk per trial.
- ``summary_only``: ``simcrm run --no-data --workers 2`` in a child process: wall time and
  the client's peak RSS.
- ``variance_reduction``: the variance across blocks (each a replicate of 16,384 trials)
  of the baseline's mean NPV and P80 cost, plain Monte Carlo over Latin hypercube and
  over Sobol' (the same total trials), with an F-test interval of each ratio.
- ``startup``: wall seconds of ``simcrm validate baseline`` in a fresh process, best of 5.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from simcrm.engine.blocks import Job, compute_blocks, simulate
from simcrm.engine.run import RunRequest, execute
from simcrm.scenario.schema import Scenario
from simcrm.streams import BLOCK_SIZE, block_count

ROOT = Path(__file__).resolve().parent.parent


def run_vs_simulate(scenario: Scenario, trials: int, seed: int, rounds: int = 3) -> dict[str, Any]:
    """Steady-state throughput of a run with Parquet against the model alone."""
    blocks = block_count(trials)
    job = Job(scenario, seed, trials, monthly=True)
    compute_blocks(Job(scenario, seed, 2 * BLOCK_SIZE), 0, 2)  # warm-up
    best_sim = best_run = float("inf")
    disk = 0
    with tempfile.TemporaryDirectory(prefix="simcrm-bench-") as tmp:
        for _ in range(rounds):
            start = time.perf_counter()
            for first in range(0, blocks, 16):  # the run's chunks, computed and dropped
                compute_blocks(job, first, min(first + 16, blocks))
            best_sim = min(best_sim, time.perf_counter() - start)
            out = Path(tmp) / "run"
            shutil.rmtree(out, ignore_errors=True)
            request = RunRequest(scenario, trials=trials, seed=seed, out=out)
            start = time.perf_counter()
            execute(request)
            best_run = min(best_run, time.perf_counter() - start)
            disk = sum(f.stat().st_size for f in (out / "data").glob("*.parquet"))
    return {
        "trials": trials,
        "simulate_seconds": round(best_sim, 3),
        "run_seconds": round(best_run, 3),
        "run_over_simulate_throughput": round(best_sim / best_run, 3),
        "disk_bytes_per_trial": round(disk / trials, 1),
    }


PROBE = """
import resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode
print(code, time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def summary_only(scenario_file: Path, trials: int, workers: int, seed: int) -> dict[str, Any]:
    """``simcrm run --no-data`` on ``workers`` Dask workers, in a child process."""
    with tempfile.TemporaryDirectory(prefix="simcrm-bench-") as tmp:
        out = Path(tmp) / "run"
        command = [
            sys.executable, "-c", PROBE, sys.executable, "-m", "simcrm", "run",
            str(scenario_file), "--trials", str(trials), "--seed", str(seed), "--out", str(out),
            "--workers", str(workers), "--no-data", "--no-figures", "--quiet",
            "--chunk-size", str(64 * BLOCK_SIZE),
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
        fields = done.stdout.split()
        if done.returncode != 0 or len(fields) != 3 or fields[0] != "0":
            raise RuntimeError(f"summary-only run failed: {done.stderr[-1500:]}")
        written = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    seconds = float(fields[1])
    return {
        "trials": trials,
        "workers": workers,
        "seconds": round(seconds, 1),
        "trials_per_s": round(trials / seconds),
        "client_max_rss_mb": round(int(fields[2]) / 1024),
        "bytes_written": written,
    }


def variance_reduction(scenario: Scenario, blocks: int, seed: int) -> dict[str, Any]:
    """Variance across block replicates of mean NPV and P80 cost, mc over each design."""
    from scipy.stats import f

    spread: dict[str, dict[str, float]] = {}
    for sampling in ("mc", "lhs", "sobol"):
        frame = simulate(scenario, blocks * BLOCK_SIZE, seed, sampling=sampling)
        group = frame["trial"] // BLOCK_SIZE
        spread[sampling] = {
            "npv_mean": float(frame["npv"].groupby(group).mean().var(ddof=1)),
            "cost_p80": float(frame["actual_cost"].groupby(group).quantile(0.8).var(ddof=1)),
        }
    dof = blocks - 1
    low, high = f.ppf(0.025, dof, dof), f.ppf(0.975, dof, dof)
    ratios: dict[str, Any] = {}
    for design in ("lhs", "sobol"):
        for stat in ("npv_mean", "cost_p80"):
            r = spread["mc"][stat] / spread[design][stat]
            ratios[f"{design}_{stat}"] = {
                "variance_ratio": round(r, 2),
                "ci95": [round(float(r / high), 2), round(float(r / low), 2)],
            }
    return {"blocks": blocks, "trials_each": blocks * BLOCK_SIZE, "variances": spread, **ratios}


def startup(rounds: int = 5) -> dict[str, Any]:
    """Best wall seconds of ``simcrm validate baseline`` in a new process."""
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "simcrm", "validate", "baseline"],
            capture_output=True,
            cwd=ROOT,
            check=True,
        )
        best = min(best, time.perf_counter() - start)
    return {"validate_seconds": round(best, 3), "rounds": rounds}


def summary(doc: dict[str, Any]) -> str:
    """One line per measurement, for the bench's progress output."""
    parts = [f"{key}: {value}" for key, value in doc.items() if not isinstance(value, dict)]
    return "; ".join(parts)


if __name__ == "__main__":  # a quick look: python benchmarks/batch_bench.py
    import simcrm

    base = simcrm.load_scenario(ROOT / "scenarios" / "baseline.toml")
    print(run_vs_simulate(base, 2**20, 1, rounds=2))
    print(startup(3))
    print(variance_reduction(base, 16, 1))
    print(np.__version__)
