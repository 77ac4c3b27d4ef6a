# ruff: noqa: E402  (thread limits must be set before numpy is imported)
"""``make bench``: speed and memory of simcrm on the baseline scenario, against its peers.

Measured in one run, on one machine, and written to ``results/bench/bench.json``:

- trials per second of :func:`simcrm.simulate` on one core (1e6 and 1e7 trials), of
  ``simcrm run`` end to end with Parquet (1e6), and with 2 Dask workers
  (``benchmarks/scale.py``);
- the same model as a plain per-trial Python loop (``benchmarks/loop_model.py``) and the
  simpy reference model (:func:`simcrm.reference.simulate_reference`);
- the RNG bound: the time to make only the Generator calls one ``simulate`` makes
  (``benchmarks/rng_bound.py``), and simulate's time over it;
- peak resident memory of ``simcrm run`` and of its summary at 1e6, 1e7 and 1e8 trials,
  each in its own child process (``benchmarks/scale.py``);
- a cProfile of ``simulate`` at 1e6 (``profile_top``);
- each ratio checked against its target (PASS / MISS; SKIP when not measured).

Short measurements: ``time.perf_counter``, one warm-up run each, then interleaved rounds
(simulate, RNG replay, loop, simpy, one run of each per round) and the best per
measurement. ``--quick`` skips the 1e8 run and the 1e7 timing. Without ``scale.py`` the
Dask figures are reported as a gap.
"""

from __future__ import annotations

import os

# one core means one thread: no BLAS/OpenMP pools inside numpy (set before numpy loads)
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse
import cProfile
import datetime as dt
import glob
import importlib
import json
import platform
import pstats
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np

import simcrm
from benchmarks import batch_bench, portfolio_bench, rng_bound, sensitivity_bench
from benchmarks.loop_model import simulate_loop
from simcrm.scenario.schema import Scenario

SCENARIO = ROOT / "scenarios" / "baseline.toml"
OUT = ROOT / "results" / "bench" / "bench.json"
SEED = 20261122

TARGETS: dict[str, tuple[str, float, str]] = {
    # name: (comparison, bound, what)
    "simulate_vs_simpy": (">=", 100.0, "simulate trials/s ÷ simpy reference trials/s (1 core)"),
    "simulate_vs_loop": (">=", 20.0, "simulate trials/s ÷ plain-loop trials/s (1 core)"),
    "simulate_over_rng_bound": ("<=", 1.8, "simulate time ÷ RNG-bound time (same trials)"),
    "memory_1e8_over_1e6": ("<=", 1.2, "peak RSS of simcrm run at 1e8 ÷ at 1e6"),
    "speedup_2_workers": (">=", 1.7, "trials/s with 2 Dask workers ÷ with 1"),
    "sobol_20_inputs_2e16_seconds": (
        "<=",
        60.0,
        "Sobol' of 20 inputs, n = 2^16, 2 Dask workers: wall seconds (full bench)",
    ),
    "portfolio_example_seconds": (
        "<=",
        120.0,
        "portfolio example: selection on 2,000 trials, aggregate on 200,000 (wall seconds)",
    ),
    "run_over_simulate": (
        ">=",
        0.85,
        "simcrm run trials/s (Parquet on its writer thread, summary in memory, no figures) "
        "÷ the same chunks computed alone, one worker process, 2^21 trials",
    ),
    "startup_validate_seconds": ("<=", 0.4, "simcrm validate baseline, a new process (s)"),
    "sensitivity_overhead": (
        "<=",
        1.3,
        "overrides' overhead: Sobol' evaluation time ÷ a plain run of the same trials, "
        "both in one process (the cluster figure, which adds shipping the held values to "
        "the workers, is reported beside it)",
    ),
}


def say(message: str) -> None:
    """Progress line, flushed at once (the full bench takes many minutes)."""
    stamp = time.strftime("%H:%M:%S")
    print(f"[{stamp}] {message}", flush=True)


# --------------------------------------------------------------------------- machine


def machine() -> dict[str, Any]:
    """CPU model, cores, RAM, Python and numpy versions, and the date."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram_gb = round(int(line.split()[1]) / 1024**2, 1)
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "cores_usable": usable,
        "ram_gb": ram_gb,
        "os": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "simcrm": simcrm.__version__,
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def load() -> list[float]:
    """The 1, 5 and 15-minute load averages."""
    return [round(x, 2) for x in os.getloadavg()]


# --------------------------------------------------------------------------- timing


@dataclass(frozen=True)
class Timing:
    """Repeated wall-clock times of one measurement of ``trials`` trials."""

    name: str
    trials: int
    seconds: list[float]
    warmup: bool

    @property
    def best(self) -> float:
        """The fastest repetition (the least disturbed by other load)."""
        return min(self.seconds)

    @property
    def rate(self) -> float:
        """Trials per second of the best repetition."""
        return self.trials / self.best

    def as_json(self) -> dict[str, Any]:
        """The measurement, its statistic and how it was taken."""
        return {
            "trials": self.trials,
            "seconds": [round(s, 4) for s in self.seconds],
            "statistic": "best" if len(self.seconds) > 1 else "single",
            "best_s": round(self.best, 4),
            "median_s": round(float(np.median(self.seconds)), 4),
            "trials_per_s": round(self.rate, 1),
            "warmup": self.warmup,
            "load_after": load(),
        }


@dataclass(frozen=True)
class Job:
    """A short measurement: ``work`` simulates ``trials`` trials; ``warmup`` runs first."""

    name: str
    trials: int
    work: Callable[[], object]
    warmup: Callable[[], object] | None = None


def timed(job: Job, repeats: int) -> Timing:
    """Run the warm-up once, then time ``work`` ``repeats`` times with ``perf_counter``."""
    return interleaved([job], repeats)[job.name]


def interleaved(jobs: list[Job], rounds: int) -> dict[str, Timing]:
    """Warm every job up, then time them in ``rounds`` rounds, one run of each per round.

    Interleaving exposes every job to the same background load, so their ratios are less
    disturbed by load that comes and goes than back-to-back repetitions would be.
    """
    for job in jobs:
        if job.warmup is not None:
            job.warmup()
    seconds: dict[str, list[float]] = {job.name: [] for job in jobs}
    for k in range(rounds):
        for job in jobs:
            start = time.perf_counter()
            job.work()
            took = time.perf_counter() - start
            seconds[job.name].append(took)
            say(f"  round {k + 1}/{rounds}: {job.name}: {took:.2f} s ({job.trials / took:,.0f}/s)")
    return {
        job.name: Timing(job.name, job.trials, seconds[job.name], job.warmup is not None)
        for job in jobs
    }


# --------------------------------------------------------------------------- memory


@dataclass(frozen=True)
class ChildRun:
    """Wall time and peak resident memory of one ``simcrm run`` child process."""

    trials: int
    seconds: float
    max_rss_mb: float

    def as_json(self) -> dict[str, Any]:
        """The run as JSON."""
        return {
            "trials": self.trials,
            "seconds": round(self.seconds, 2),
            "trials_per_s": round(self.trials / self.seconds, 1),
            "max_rss_mb": round(self.max_rss_mb, 1),
        }


PROBE = """
import resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode
print(code, time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""
"""Runs a command and prints its exit code, seconds and peak RSS (KiB).

A small intermediate process: a child's ``ru_maxrss`` counts the resident memory of the
process that forked it (Linux records the old address space's high-water mark at
``exec``), so forking ``simcrm run`` straight from this large process would inflate it.
"""


def run_child(trials: int, seed: int, label: str) -> ChildRun:
    """``simcrm run`` the baseline in a child process, into a temporary directory.

    Wall time and the child's own peak RSS come from :data:`PROBE`; the directory is
    deleted afterwards. Progress (chunks written) is printed every 30 seconds.
    """
    with tempfile.TemporaryDirectory(prefix="simcrm-bench-") as tmp:
        out = Path(tmp) / "run"
        simcrm_run = [sys.executable, "-m", "simcrm", "run", str(SCENARIO)]
        options = ["--trials", str(trials), "--seed", str(seed), "--out", str(out), "--quiet"]
        command = [sys.executable, "-c", PROBE, *simcrm_run, *options]
        chunks = -(-trials // (16 * 16_384))
        start = time.perf_counter()
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
        while True:
            try:
                stdout, stderr = proc.communicate(timeout=30)
                break
            except subprocess.TimeoutExpired:
                done = len(list((out / "data").glob("*.parquet")))
                took = time.perf_counter() - start
                say(f"  simcrm run {label}: {done}/{chunks} chunks, {took:.0f} s")
        fields = stdout.decode().split()
        if proc.returncode != 0 or len(fields) != 3 or fields[0] != "0":
            raise RuntimeError(f"{' '.join(simcrm_run)} failed:\n{stderr.decode()[-2000:]}")
    return ChildRun(trials, float(fields[1]), int(fields[2]) / 1024)


# --------------------------------------------------------------------------- pieces


def profile_top(scenario: Scenario, trials: int, seed: int, top: int = 20) -> list[dict[str, Any]]:
    """cProfile ``simulate``: the ``top`` functions by own time (tottime)."""
    profiler = cProfile.Profile()
    profiler.enable()
    simcrm.simulate(scenario, trials=trials, seed=seed)
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = stats.total_tt  # type: ignore[attr-defined]
    rows = []
    for (file, line, func), (_, ncalls, tottime, cumtime, _) in stats.stats.items():  # type: ignore[attr-defined]
        where = func if file == "~" else f"{_short(file)}:{line}({func})"
        rows.append(
            {
                "function": where,
                "ncalls": ncalls,
                "tottime_s": round(tottime, 4),
                "cumtime_s": round(cumtime, 4),
                "share_of_total": round(tottime / total, 4),
            }
        )
    rows.sort(key=lambda r: -r["tottime_s"])
    return rows[:top]


def _short(file: str) -> str:
    """A source path relative to the repository or site-packages."""
    for marker in (str(ROOT) + "/", "site-packages/", "lib/python"):
        if marker in file:
            return file.split(marker, 1)[1]
    return file


def load_scale() -> tuple[ModuleType | None, str]:
    """``benchmarks/scale.py`` (the Dask developer's), or None and why not."""
    if not (ROOT / "benchmarks" / "scale.py").exists():
        return None, "benchmarks/scale.py does not exist"
    try:
        module = importlib.import_module("benchmarks.scale")
    except Exception as err:  # a broken peer module is reported, not fatal
        return None, f"importing benchmarks/scale.py failed: {err!r}"
    missing = [f for f in ("dask_scaling", "peak_memory") if not hasattr(module, f)]
    if missing:
        return None, f"benchmarks/scale.py lacks {missing}"
    return module, "ok"


@contextmanager
def heartbeat(what: str, pattern: str | None = None, every: float = 30.0) -> Iterator[None]:
    """Print elapsed time (and chunk files matching ``pattern``) every ``every`` seconds."""
    stop = threading.Event()
    start = time.perf_counter()

    def beat() -> None:
        while not stop.wait(every):
            files = f", {len(glob.glob(pattern))} chunk files on disk" if pattern else ""
            say(f"  {what}: {time.perf_counter() - start:.0f} s{files}")

    thread = threading.Thread(target=beat, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


@contextmanager
def own_tempdir() -> Iterator[str]:
    """Make :mod:`tempfile` place new directories in a fresh one of ours, meanwhile.

    Yields the glob pattern of the chunk files a run writes there (for the heartbeat).
    """
    saved = tempfile.tempdir
    with tempfile.TemporaryDirectory(prefix="simcrm-bench-") as base:
        tempfile.tempdir = base
        try:
            yield str(Path(base) / "*" / "run" / "data" / "*.parquet")
        finally:
            tempfile.tempdir = saved


def scale_speed(
    scale: ModuleType | None, why: str, seed: int, trials: int, rounds: int
) -> dict[str, Any]:
    """Trials/s in process and with 1 and 2 Dask workers (``scale.dask_scaling``).

    Parallel speed-up is measured on a run large enough for the cluster's fixed costs
    (the workers' first chunk, the last chunk's tail) to weigh little: 1e7 trials in the
    full bench (38 chunks), 2e6 in the quick one.
    """
    if scale is None:
        return {"status": "missing", "note": why}
    try:
        with heartbeat("Dask scaling"):
            return {
                "status": "ok",
                **scale.dask_scaling(trials=trials, rounds=rounds, seed=seed),
            }
    except Exception as err:  # report the peer's failure, do not hide the rest
        return {"status": "error", "note": repr(err)}


def scale_memory(
    scale: ModuleType | None, why: str, sizes: dict[str, int], seed: int
) -> dict[str, Any]:
    """Peak RSS of ``simcrm run`` and of its summary per size (``scale.peak_memory``).

    One size at a time, so each result is printed as it comes; a heartbeat shows progress.
    Without ``scale.py`` the runs are measured here (:func:`run_child`) and the summary's
    memory is left unmeasured.
    """
    out: dict[str, Any] = {"status": "ok" if scale else "missing", "note": why, "sizes": {}}
    for label, n in sizes.items():
        say(f"  simcrm run {label} and its summary ...")
        if scale is None:
            child = run_child(n, seed, label)
            row = {"run_seconds": child.seconds, "run_max_rss_mb": child.max_rss_mb}
        else:
            with own_tempdir() as base, heartbeat(f"simcrm run/summary {label}", base):
                got = scale.peak_memory((n,), seed=seed)
            key = f"{n:.0e}"
            row = {
                "run_seconds": got[f"run_{key}_seconds"],
                "run_max_rss_mb": got[f"run_{key}_max_rss_mb"],
                "summary_seconds": got[f"summary_{key}_seconds"],
                "summary_max_rss_mb": got[f"summary_{key}_max_rss_mb"],
            }
        out["sizes"][label] = {k: round(v, 2) for k, v in row.items()}
        say(f"  {label}: " + ", ".join(f"{k} {v:,.1f}" for k, v in row.items()))
    return out


def check(name: str, value: float | None) -> dict[str, Any]:
    """A target's verdict: PASS, MISS, or SKIP when the value was not measured."""
    op, bound, what = TARGETS[name]
    if value is None or not np.isfinite(value):
        status = "SKIP"
    elif op == ">=":
        status = "PASS" if value >= bound else "MISS"
    else:
        status = "PASS" if value <= bound else "MISS"
    return {
        "value": None if value is None else round(value, 3),
        "target": f"{op} {bound:g}",
        "what": what,
        "status": status,
    }


# --------------------------------------------------------------------------- main


def bench(quick: bool, seed: int) -> dict[str, Any]:
    """Every measurement of ``make bench``, as the JSON document it writes."""
    scenario = simcrm.load_scenario(SCENARIO)
    started = load()
    say(f"simcrm bench ({'quick' if quick else 'full'}); load average {started}")
    small = 4 * 16_384

    def run(trials: int) -> Callable[[], object]:
        return lambda: simcrm.simulate(scenario, trials=trials, seed=seed)

    say("RNG bound: recording simulate's Generator calls at 1e6")
    log = rng_bound.record(scenario, 1_000_000, seed)
    recorded = rng_bound.summary(log)
    replayed, _ = rng_bound.replay(log)

    jobs = [
        Job("simulate 1e6", 1_000_000, run(1_000_000), warmup=run(small)),
        Job(
            "RNG replay 1e6",
            1_000_000,
            lambda: rng_bound.replay(log),
            lambda: rng_bound.replay(log),
        ),
        Job(
            "plain loop",
            20_000,
            lambda: simulate_loop(scenario, 20_000, seed),
            lambda: simulate_loop(scenario, 1_000, seed),
        ),
    ]
    try:
        from simcrm.reference import simulate_reference

        jobs.append(
            Job(
                "simpy reference",
                5_000,
                lambda: simulate_reference(scenario, 5_000, seed),
                lambda: simulate_reference(scenario, 200, seed),
            )
        )
    except ImportError as err:
        say(f"  simpy reference model unavailable: {err}")
    rounds = 3 if quick else 5
    say(f"simulate 1e6 / RNG replay 1e6 / plain loop 20,000 / simpy 5,000: {rounds} rounds")
    timings = interleaved(jobs, rounds)
    sim6, replay, loop = (timings[n] for n in ("simulate 1e6", "RNG replay 1e6", "plain loop"))
    simpy = timings.get("simpy reference")
    breakdown = rng_bound.replay_breakdown(log)
    sim7 = None
    if not quick:
        say("simulate, 1e7 trials, one core (one run)")
        sim7 = timed(Job("simulate 1e7", 10_000_000, run(10_000_000)), 1)

    say("cProfile of simulate at 1e6")
    top = profile_top(scenario, 1_000_000, seed)

    scale, why = load_scale()
    say(f"Dask scaling (benchmarks/scale.py: {why})")
    dask = scale_speed(
        scale, why, seed, trials=2_000_000 if quick else 10_000_000, rounds=3 if quick else 2
    )

    say("simcrm run end to end (Parquet + summary) at 1e6, child process, best of 2")
    e2e = min((run_child(1_000_000, seed, "1e6") for _ in range(2)), key=lambda r: r.seconds)
    say(
        f"  {e2e.seconds:.1f} s ({e2e.trials / e2e.seconds:,.0f} trials/s), {e2e.max_rss_mb:.0f} MB"
    )

    say("peak memory of simcrm run and its summary, each in a child process")
    sizes = {"1e6": 1_000_000, "1e7": 10_000_000} | ({} if quick else {"1e8": 100_000_000})
    memory = scale_memory(scale, why, sizes, seed)
    peak = {label: row["run_max_rss_mb"] for label, row in memory["sizes"].items()}

    rows_n = 2**10 if quick else 2**16
    say(f"Sobol' of 20 inputs at n = {rows_n:,}, 2 Dask workers")
    try:
        with heartbeat("Sobol' 20 inputs"):
            sens: dict[str, Any] = {
                "status": "ok",
                **sensitivity_bench.measure(SCENARIO, rows_n, seed),
            }
        say(
            f"  {sens['sobol_seconds']:.1f} s ({sens['evaluation_seconds']:.1f} s simulating); "
            f"overhead {sens['in_process_overhead_ratio']:.2f}x in one process, "
            f"{sens['overhead_ratio']:.2f}x on the cluster"
        )
    except Exception as err:  # report the failure, do not hide the rest
        sens = {"status": "error", "note": repr(err)}
        say(f"  failed: {err!r}")

    say("portfolio example: selection (2,000 trials) and aggregate (200,000), in process")
    try:
        with heartbeat("portfolio example"):
            folio: dict[str, Any] = {"status": "ok", **portfolio_bench.measure()}
        say(
            f"  {folio['selection_seconds']:.1f} s ({folio['with_frontier_seconds']:.1f} s with "
            f"the frontier); MILP {folio['milp_seconds']:.2f} s vs trying all "
            f"{folio['exhaustive_choices']:,} choices {folio['exhaustive_seconds']:.2f} s"
        )
    except Exception as err:  # report the failure, do not hide the rest
        folio = {"status": "error", "note": repr(err)}
        say(f"  failed: {err!r}")

    say("batch runs: run vs simulate (2^21), start-up, LHS/Sobol' variance, summary-only")
    batch: dict[str, Any] = {}
    try:
        batch["run_vs_simulate"] = batch_bench.run_vs_simulate(scenario, 2**21, seed)
        say(f"  {batch_bench.summary(batch['run_vs_simulate'])}")
        batch["startup"] = batch_bench.startup()
        say(f"  {batch_bench.summary(batch['startup'])}")
        batch["variance_reduction"] = batch_bench.variance_reduction(
            scenario, 16 if quick else 48, seed
        )
        say(
            f"  {json.dumps({k: v for k, v in batch['variance_reduction'].items() if k != 'variances'})}"
        )
        label, n = ("1e7", 10_000_000) if quick else ("1e8", 100_000_000)
        with heartbeat(f"summary-only {label}, 2 workers"):
            batch["summary_only"] = batch_bench.summary_only(SCENARIO, n, 2, seed)
        say(f"  {batch_bench.summary(batch['summary_only'])}")
        batch["status"] = "ok"
    except Exception as err:  # report the failure, do not hide the rest
        batch["status"] = "error"
        batch["note"] = repr(err)
        say(f"  failed: {err!r}")

    ratios: dict[str, float | None] = {
        "simulate_vs_simpy": sim6.rate / simpy.rate if simpy else None,
        "simulate_vs_loop": sim6.rate / loop.rate,
        "simulate_over_rng_bound": sim6.best / replay.best,
        "memory_1e8_over_1e6": peak["1e8"] / peak["1e6"] if "1e8" in peak else None,
        "speedup_2_workers": dask.get("speedup_2_workers"),
        "memory_1e7_over_1e6": peak["1e7"] / peak["1e6"],
        "sobol_20_inputs_2e16_seconds": None if quick else sens.get("sobol_seconds"),
        "sensitivity_overhead": sens.get("in_process_overhead_ratio"),
        "portfolio_example_seconds": folio.get("selection_seconds"),
        "run_over_simulate": batch.get("run_vs_simulate", {}).get("run_over_simulate_throughput"),
        "startup_validate_seconds": batch.get("startup", {}).get("validate_seconds"),
    }
    return {
        "schema": 1,
        "mode": "quick" if quick else "full",
        "scenario": str(SCENARIO.relative_to(ROOT)),
        "seed": seed,
        "machine": machine(),
        "load_average": {"start": started, "end": load()},
        "method": (
            "wall clock by time.perf_counter; short measurements (simulate 1e6, RNG replay, "
            "plain loop, simpy): one warm-up run each, then interleaved rounds (one run of "
            "each per round), the best (minimum) per measurement; simulate 1e7: a single run; "
            "simcrm run 1e6 end to end: best of two child processes (through a small probe "
            "process, so ru_maxrss is the child's own); Dask speeds: "
            "benchmarks/scale.py dask_scaling (one run each); peak memory: "
            "benchmarks/scale.py peak_memory, ru_maxrss of each command's own child process; "
            "numpy thread pools pinned to 1 in this process"
        ),
        "timings": {t.name: t.as_json() for t in (sim6, sim7, loop, simpy, replay) if t},
        "simcrm_run_1e6": e2e.as_json(),
        "memory": memory,
        "dask": dask,
        "sensitivity": sens,
        "portfolio": folio,
        "batch": batch,
        "rng_bound": {
            **recorded,
            "replayed_draws": replayed,
            "trials": 1_000_000,
            **breakdown,
        },
        "ratios": {k: None if v is None else round(v, 3) for k, v in ratios.items()},
        "targets": {name: check(name, ratios[name]) for name in TARGETS},
        "profile_note": (
            "cProfile of simcrm.simulate at 1e6, top functions by own time (tottime). "
            "numpy ufuncs and Generator methods (Cython) get no entries of their own: their "
            "time is the calling function's own time; rng_bound.seconds_by_stage says how "
            "much of each stage is drawing."
        ),
        "profile_top": top,
    }


def rows(doc: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """The table: metric, value, target, status."""
    t, tg, r = doc["timings"], doc["targets"], doc["ratios"]

    def rate(name: str) -> str:
        return f"{t[name]['trials_per_s']:,.0f} trials/s" if name in t else "not measured"

    def target(name: str) -> tuple[str, str]:
        return tg[name]["target"], tg[name]["status"]

    def ratio(name: str) -> str:
        return "not measured" if r.get(name) is None else f"{r[name]:.2f}x"

    e2e = doc["simcrm_run_1e6"]
    out = [
        ("simulate, 1 core, 1e6 trials", rate("simulate 1e6"), "", ""),
        ("simulate, 1 core, 1e7 trials", rate("simulate 1e7"), "", ""),
        ("simcrm run 1e6, end to end (Parquet)", f"{e2e['trials_per_s']:,.0f} trials/s", "", ""),
    ]
    dask = doc["dask"]
    if dask.get("status") == "ok":
        n = f"{dask['trials']:.0e}".replace("e+0", "e")
        kinds = {
            "in_process": "in process",
            "1_worker": "1 Dask worker",
            "2_workers": "2 Dask workers",
        }
        for key, label in kinds.items():
            value = f"{dask[f'trials_per_s_{key}']:,.0f} trials/s"
            out.append((f"simcrm run {n}, {label}", value, "", ""))
    else:
        out.append(("Dask workers", f"GAP: {dask.get('note')}", "", ""))
    sens = doc.get("sensitivity", {})
    if sens.get("status") == "ok":
        seconds = tg["sobol_20_inputs_2e16_seconds"]
        out.append((
            f"Sobol' {sens['inputs']} inputs, n = {sens['rows']:,}, {sens['workers']} workers",
            f"{sens['sobol_seconds']:.1f} s ({sens['evaluation_trials_per_s']:,} trials/s)",
            seconds["target"], seconds["status"],
        ))  # fmt: skip
        out.append(("Sobol' evaluation ÷ plain run, 1 process", ratio("sensitivity_overhead"),
                    *target("sensitivity_overhead")))  # fmt: skip
        out.append(("the same on the 2-worker cluster (info)",
                    f"{sens['overhead_ratio']:.2f}x", "", ""))  # fmt: skip
    else:
        out.append(("Sobol' 20 inputs", f"GAP: {sens.get('note')}", "", ""))
    folio = doc.get("portfolio", {})
    if folio.get("status") == "ok":
        out.append((
            f"portfolio example, {folio['projects']} projects, selection + aggregate",
            f"{folio['selection_seconds']:.1f} s", *target("portfolio_example_seconds"),
        ))  # fmt: skip
        out.append(("  the same with the efficient frontier (info)",
                    f"{folio['with_frontier_seconds']:.1f} s", "", ""))  # fmt: skip
        out.append((f"  MILP vs trying all {folio['exhaustive_choices']:,} choices (info)",
                    f"{folio['milp_seconds']:.2f} s vs {folio['exhaustive_seconds']:.2f} s",
                    "", ""))  # fmt: skip
    else:
        out.append(("portfolio example", f"GAP: {folio.get('note')}", "", ""))
    batch = doc.get("batch", {})
    if "run_vs_simulate" in batch:
        rv = batch["run_vs_simulate"]
        out.append((f"simcrm run ÷ simulate, {rv['trials']:,} trials, 1 worker",
                    ratio("run_over_simulate"), *target("run_over_simulate")))  # fmt: skip
        out.append(("  disk bytes per trial (info)", f"{rv['disk_bytes_per_trial']:.1f}", "", ""))
    if "startup" in batch:
        out.append(("simcrm validate baseline, new process",
                    f"{batch['startup']['validate_seconds']:.2f} s",
                    *target("startup_validate_seconds")))  # fmt: skip
    if "variance_reduction" in batch:
        vr = batch["variance_reduction"]
        for key, label in (("npv_mean", "mean NPV"), ("cost_p80", "P80 cost")):
            for design in ("lhs", "sobol"):
                cell = vr[f"{design}_{key}"]
                verdict = ("", "")
                out.append((f"variance of {label} per block, mc ÷ {design}",
                            f"{cell['variance_ratio']:.1f}x [{cell['ci95'][0]:.1f}, {cell['ci95'][1]:.1f}]",
                            *verdict))  # fmt: skip
    if "summary_only" in batch:
        so = batch["summary_only"]
        out.append((f"summary-only run {so['trials']:.0e}, {so['workers']} workers",
                    f"{so['seconds']:.0f} s ({so['trials_per_s']:,} trials/s), client "
                    f"{so['client_max_rss_mb']} MB, {so['bytes_written']:,} bytes written",
                    "", ""))  # fmt: skip
    elif batch.get("status") == "error":
        out.append(("batch runs", f"GAP: {batch.get('note')}", "", ""))
    out += [
        ("plain per-trial loop, 20,000 trials", rate("plain loop"), "", ""),
        ("simpy reference, 5,000 trials", rate("simpy reference"), "", ""),
        ("RNG bound (replayed draws), 1e6", rate("RNG replay 1e6"), "", ""),
        ("simulate ÷ simpy", ratio("simulate_vs_simpy"), *target("simulate_vs_simpy")),
        ("simulate ÷ plain loop", ratio("simulate_vs_loop"), *target("simulate_vs_loop")),
        (
            "simulate time ÷ RNG bound",
            ratio("simulate_over_rng_bound"),
            *target("simulate_over_rng_bound"),
        ),
        ("2-worker speed-up", ratio("speedup_2_workers"), *target("speedup_2_workers")),
    ]
    sizes = doc["memory"]["sizes"]
    for label in ("1e6", "1e7", "1e8"):
        row = sizes.get(label, {})
        run = f"{row['run_max_rss_mb']:,.0f} MB" if row else "not measured"
        out.append((f"peak RSS, simcrm run {label}", run, "", ""))
        if "summary_max_rss_mb" in row:
            summary = f"{row['summary_max_rss_mb']:,.0f} MB"
            out.append((f"peak RSS, its summary (--recompute) {label}", summary, "", ""))
    out.append(("peak RSS 1e8 ÷ 1e6", ratio("memory_1e8_over_1e6"), *target("memory_1e8_over_1e6")))
    out.append(("peak RSS 1e7 ÷ 1e6 (info)", ratio("memory_1e7_over_1e6"), "", ""))
    return out


def table(doc: dict[str, Any]) -> str:
    """The results as a plain-text table."""
    head = ("metric", "value", "target", "status")
    body = rows(doc)
    widths = [max(len(row[i]) for row in [head, *body]) for i in range(4)]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in [head, *body]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    m = doc["machine"]
    lines.append("")
    lines.append(
        f"{m['cpu']}, {m['cores']} cores, {m['ram_gb']} GB RAM, Python {m['python']}, "
        f"numpy {m['numpy']}, {m['date']}; load {doc['load_average']}"
    )
    return "\n".join(lines)


def write_atomically(path: Path, doc: dict[str, Any]) -> None:
    """Write JSON to ``path`` via a temporary file in the same directory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(
        "w", dir=path.parent, prefix=path.name + ".", suffix=".tmp", delete=False
    ) as fh:
        json.dump(doc, fh, indent=2)
        fh.write("\n")
        tmp = Path(fh.name)
    os.replace(tmp, path)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, print the table, write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="skip the 1e8 run and 1e7 timing")
    mode.add_argument("--full", action="store_true", help="everything (the default)")
    parser.add_argument("--out", type=Path, default=OUT, help=f"JSON file (default {OUT})")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    doc = bench(args.quick, args.seed)
    write_atomically(args.out, doc)
    print()
    print(table(doc))
    print()
    print("profile of simulate at 1e6, top 10 by own time:")
    for row in doc["profile_top"][:10]:
        print(f"  {row['tottime_s']:8.3f} s  {row['share_of_total']:6.1%}  {row['function']}")
    print(f"\nwritten: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
