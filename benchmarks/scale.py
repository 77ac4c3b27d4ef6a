"""Scale hooks for ``make bench``: Dask speed-up and peak memory of long runs.

Two functions return plain dicts of numbers (``benchmarks/bench.py`` calls them):

- :func:`dask_scaling` — trials per second of ``simcrm run`` on a local Dask cluster of 1
  and of 2 worker processes (and in process), the cluster started before the clock runs;
- :func:`peak_memory` — peak resident memory of ``simcrm run`` and of ``simcrm summary
  --recompute`` at several numbers of trials, each in its own child process.

Everything is written to a temporary directory that is deleted afterwards.
Run ``python benchmarks/scale.py [--quick]`` to print both as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import simcrm  # noqa: E402
from simcrm.engine.executors import InProcess, local_cluster  # noqa: E402
from simcrm.engine.run import RunRequest, execute  # noqa: E402

SCENARIO = ROOT / "scenarios" / "baseline.toml"
SEED = 20261122

_PEAK_RSS = """
import resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode
seconds = time.perf_counter() - start
print(code, seconds, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""
"""A wrapper process: runs one command, prints its exit code, seconds and peak RSS (KiB)."""


def _cpu_seconds(executor: Any) -> float:
    """CPU seconds used so far by this process and the executor's worker processes."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    total = own.ru_utime + own.ru_stime
    client = getattr(executor, "client", None)
    if client is not None:
        total += sum(client.run(_own_cpu_seconds).values())
    return total


def _own_cpu_seconds() -> float:
    """CPU seconds of the calling process (run on each worker)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _timed_run(request: RunRequest, executor: Any) -> tuple[float, float, bytes]:
    """Wall and CPU seconds of one run on ``executor``, and the bytes of its summary."""
    cpu = _cpu_seconds(executor)
    start = time.perf_counter()
    execute(request, executor=executor)
    seconds = time.perf_counter() - start
    cpu = _cpu_seconds(executor) - cpu
    assert request.out is not None
    return seconds, cpu, (request.out / "summary.json").read_bytes()


def dask_scaling(
    trials: int = 2_000_000,
    workers: Sequence[int] = (1, 2),
    chunk_trials: int = 262_144,
    rounds: int = 3,
    seed: int = SEED,
    scenario: Path = SCENARIO,
) -> dict[str, Any]:
    """Trials per second of a run in process and on local Dask clusters.

    Every cluster is started (and has imported simcrm) before the clock starts; its
    start-up time is reported apart. The whole run is timed: simulation on the workers,
    Parquet bytes and partial summaries back to the client, files written, the summary.
    The configurations take turns for ``rounds`` rounds and the best time of each is
    kept, so that other load on the machine disturbs the comparison as little as it can.

    Returns
    -------
    dict
        ``trials``, ``chunk_trials``, ``rounds``, ``trials_per_s_in_process``,
        ``trials_per_s_<n>_worker(s)`` and ``startup_s_<n>_worker(s)`` per cluster size,
        ``cpu_s_…`` (CPU seconds of the client and its workers in the best round),
        ``speedup_2_workers`` (2 workers over 1), ``identical_summaries`` (every run gave
        the same summary bytes), ``load_average`` before and after.
    """
    model = simcrm.load_scenario(scenario)
    result: dict[str, Any] = {
        "trials": trials,
        "chunk_trials": chunk_trials,
        "rounds": rounds,
        "load_average": {"start": list(os.getloadavg())},
    }
    summaries: set[bytes] = set()
    best: dict[str, tuple[float, float]] = {}
    with tempfile.TemporaryDirectory(prefix="simcrm-scale-") as tmp, ExitStack() as stack:
        executors: dict[str, Any] = {"in_process": InProcess()}
        for n in workers:
            key = f"{n}_worker" + ("s" if n > 1 else "")
            start = time.perf_counter()
            executors[key] = stack.enter_context(local_cluster(n))
            result[f"startup_s_{key}"] = time.perf_counter() - start
        for k in range(rounds):
            for key, executor in executors.items():
                out = Path(tmp) / f"{key}-{k}"
                request = RunRequest(model, trials, seed, out=out, chunk_trials=chunk_trials)
                seconds, cpu, summary = _timed_run(request, executor)
                summaries.add(summary)
                best[key] = min(best.get(key, (seconds, cpu)), (seconds, cpu))
    for key, (seconds, cpu) in best.items():
        result[f"trials_per_s_{key}"] = trials / seconds
        result[f"cpu_s_{key}"] = cpu
    if {1, 2} <= set(workers):
        result["speedup_2_workers"] = (
            result["trials_per_s_2_workers"] / result["trials_per_s_1_worker"]
        )
    result["identical_summaries"] = len(summaries) == 1
    result["load_average"]["end"] = list(os.getloadavg())
    return result


def _peak(command: list[str]) -> tuple[float, float]:
    """Seconds and peak resident memory (MB) of ``command`` in a child process."""
    probe = subprocess.run(
        [sys.executable, "-c", _PEAK_RSS, *command],
        capture_output=True,
        text=True,
        check=True,
    )
    code, seconds, kib = probe.stdout.split()
    if int(code) != 0:
        raise RuntimeError(f"{' '.join(command)} exited with {code}")
    return float(seconds), int(kib) / 1024


def peak_memory(
    trials: Sequence[int] = (1_000_000, 100_000_000),
    seed: int = SEED,
    scenario: Path = SCENARIO,
) -> dict[str, Any]:
    """Peak RSS of ``simcrm run`` and of its summary recomputed from disk, per size.

    Each command runs in its own child process (``ru_maxrss`` of that child alone).
    Runs above :data:`~simcrm.stats.summary.EXACT_LIMIT` trials use the quantile sketch, so
    their memory is set by the chunk size, not by the number of trials.

    Returns
    -------
    dict
        Per size ``n``: ``run_<n>_seconds``, ``run_<n>_max_rss_mb``,
        ``summary_<n>_seconds``, ``summary_<n>_max_rss_mb``; and, if both the smallest
        and the largest size were measured, ``run_max_rss_ratio`` (largest over smallest).
    """
    result: dict[str, Any] = {}
    for n in trials:
        with tempfile.TemporaryDirectory(prefix="simcrm-memory-") as tmp:
            out = str(Path(tmp) / "run")
            simcrm_cli = [sys.executable, "-m", "simcrm"]
            run = [*simcrm_cli, "run", str(scenario), "--trials", str(n), "--seed", str(seed)]
            seconds, mb = _peak([*run, "--out", out, "--quiet"])
            result[f"run_{n:.0e}_seconds"], result[f"run_{n:.0e}_max_rss_mb"] = seconds, mb
            seconds, mb = _peak([*simcrm_cli, "summary", out, "--recompute", "--json"])
            result[f"summary_{n:.0e}_seconds"] = seconds
            result[f"summary_{n:.0e}_max_rss_mb"] = mb
    if len(trials) > 1:
        low, high = f"{min(trials):.0e}", f"{max(trials):.0e}"
        result["run_max_rss_ratio"] = (
            result[f"run_{high}_max_rss_mb"] / result[f"run_{low}_max_rss_mb"]
        )
    return result


def main(argv: Sequence[str] | None = None) -> None:
    """Print :func:`dask_scaling` and :func:`peak_memory` as JSON (``--quick``: 1e7)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="memory at 1e7 instead of 1e8")
    args = parser.parse_args(argv)
    largest = 10_000_000 if args.quick else 100_000_000
    report = {"dask": dask_scaling(), "memory": peak_memory((1_000_000, largest))}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
