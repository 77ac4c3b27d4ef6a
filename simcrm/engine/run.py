"""A run: simulate a scenario chunk by chunk into a results directory, then summarise.

A run is resumable and atomic: every file is written under a temporary name and renamed
when whole; the manifest lists the chunks that are complete, and says how the run ended
(``running``, ``interrupted``, ``failed``, ``complete``) and, if it did not finish, the
exact command that finishes it (``--resume`` computes only the missing chunks).
"""

from __future__ import annotations

import shlex
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import simcrm.stats.summary as summaries
from simcrm.engine.blocks import DEFAULT_CHUNK_TRIALS, Chunk, Job, plan_chunks
from simcrm.engine.defaults import resolve
from simcrm.engine.encode import EncodeChunk
from simcrm.engine.executors import Executor, open_executor
from simcrm.engine.mapping import map_chunks
from simcrm.engine.results import summarize_files
from simcrm.engine.store import (
    FORMAT,
    MANIFEST,
    SUMMARY,
    chunk_digest,
    chunk_is_whole,
    chunk_path,
    file_digest,
    now,
    prepare_directory,
    read_column,
    run_lock,
    versions,
    write_bytes,
    write_json,
)
from simcrm.errors import ResultsError
from simcrm.scenario.load import scenario_digest
from simcrm.scenario.schema import Scenario
from simcrm.stats.run_summary import Summary
from simcrm.stats.summary import SummaryBuilder
from simcrm.streams import BLOCK_SIZE

MANIFEST_SHARE = 0.05
"""Largest share of the time spent rewriting the manifest as chunks complete: it is
rewritten after every chunk unless that would take more (a very long run's manifest is
large), so a killed run redoes at most the chunks finished since the last rewrite."""


@dataclass(frozen=True)
class RunRequest:
    """What to run, where, and on what.

    Attributes
    ----------
    scenario
        The validated project model.
    trials, seed
        Default: the scenario's ``[simulation]`` settings.
    out
        Results directory (default ``results/<scenario name>``).
    chunk_trials
        Trials per chunk of work (rounded up to whole blocks of 16,384).
    force
        Replace a directory that holds another run.
    resume
        Compute only the chunks a previous, interrupted run of the same identity lacks.
    workers
        1: in this process; N > 1: a local Dask cluster of N processes.
    scheduler
        Address of a running Dask scheduler to compute on instead.
    scenario_path
        The scenario file, to state the command that resumes the run.
    inputs
        Also write a column ``in_<path>`` for every sampled input.
    """

    scenario: Scenario
    trials: int | None = None
    seed: int | None = None
    out: Path | None = None
    chunk_trials: int = DEFAULT_CHUNK_TRIALS
    force: bool = False
    resume: bool = False
    workers: int = 1
    scheduler: str | None = None
    scenario_path: Path | None = None
    inputs: bool = False

    @property
    def n(self) -> int:
        """Trials of the run."""
        return resolve(self.scenario, self.trials, self.seed)[0]

    @property
    def root_seed(self) -> int:
        """Seed of the run."""
        return resolve(self.scenario, self.trials, self.seed)[1]

    @property
    def directory(self) -> Path:
        """Results directory of the run."""
        return self.out if self.out is not None else Path("results") / self.scenario.name


def identity(request: RunRequest) -> dict[str, Any]:
    """What makes two runs the same run: equal identities give equal bytes."""
    found = versions()
    return {
        "format": FORMAT,
        "scenario_digest": scenario_digest(request.scenario),
        "seed": request.root_seed,
        "trials": request.n,
        "block_size": BLOCK_SIZE,
        "chunk_blocks": -(-request.chunk_trials // BLOCK_SIZE),
        "simcrm": found["simcrm"],
        "numpy": found["numpy"],
        "pyarrow": found["pyarrow"],
    } | ({"inputs": True} if request.inputs else {})


def command(request: RunRequest) -> str | None:
    """The shell command equivalent to ``request`` (None if it has no scenario file)."""
    if request.scenario_path is None:
        return None
    main = Path(sys.argv[0]).name if sys.argv else ""
    program = [sys.executable, "-m", "simcrm"] if main == "__main__.py" else ["simcrm"]
    words = [
        *program,
        "run",
        str(request.scenario_path.resolve()),
        "--trials",
        str(request.n),
        "--seed",
        str(request.root_seed),
        "--out",
        str(request.directory.resolve()),
        "--chunk-size",
        str(request.chunk_trials),
    ]
    if request.inputs:
        words.append("--inputs")
    if request.scheduler is not None:
        words += ["--scheduler", request.scheduler]
    elif request.workers > 1:
        words += ["--workers", str(request.workers)]
    return shlex.join(words)


def resume_hint(request: RunRequest) -> str:
    """How to finish an incomplete run of ``request``."""
    cmd = command(request)
    return f"{cmd} --resume" if cmd else "run the same request again with resume=True"


def execute(
    request: RunRequest,
    progress: Callable[[int], None] | None = None,
    executor: Executor | None = None,
) -> Summary:
    """Run ``request`` to its results directory and return the summary.

    Parameters
    ----------
    request
        What to run.
    progress
        Called with the number of trials each finished chunk added (first with those
        already done, when resuming).
    executor
        Where to compute the chunks; default: as ``request.workers`` and
        ``request.scheduler`` say (opened and shut down for this run).

    Returns
    -------
    Summary
        The summary (also written to ``summary.json``).

    Raises
    ------
    ResultsError
        The directory holds another run, is in use by another run, or cannot be written.
    KeyboardInterrupt
        After recording in the manifest that the run is interrupted and how to resume it.
    """
    resolve(trials=request.n, seed=request.root_seed)
    chunks = plan_chunks(request.n, request.chunk_trials)
    with run_lock(request.directory):
        if executor is not None:
            return _execute(request, chunks, executor, progress)
        with open_executor(request.workers, request.scheduler) as pool:
            return _execute(request, chunks, pool, progress)


def _execute(
    request: RunRequest,
    chunks: list[Chunk],
    pool: Executor,
    progress: Callable[[int], None] | None,
) -> Summary:
    out = request.directory
    ident = identity(request)
    provenance = {
        "seed": str(request.root_seed),
        "scenario_digest": ident["scenario_digest"],
        "numpy": ident["numpy"],
        "simcrm": ident["simcrm"],
    }
    listed = prepare_directory(out, ident, force=request.force, resume=request.resume)
    recorded = listed
    done = {
        c.name
        for c in chunks
        if c.name in listed
        and chunk_is_whole(chunk_path(out, c.name), c.trials(request.n), provenance)
        and recorded.get(c.name) == file_digest(chunk_path(out, c.name))
    }
    sketch = request.n > summaries.EXACT_LIMIT
    manifest = _new_manifest(request, ident, len(chunks), done, pool.description)
    manifest["chunk_sha256"] = {name: str(recorded[name]) for name in sorted(done)}
    write_json(out / MANIFEST, manifest)
    todo = [c for c in chunks if c.name not in done]
    if progress is not None:
        progress(request.n - sum(c.trials(request.n) for c in todo))
    job = Job(request.scenario, request.root_seed, request.n, inputs=request.inputs, monthly=True)
    written = spent = 0.0
    try:
        results = map_chunks(job, EncodeChunk(provenance, sketch), pool, todo)
        summary = SummaryBuilder(request.scenario.crosstab_pair(), keep_values=False, sketch=sketch)
        for c in chunks:  # while a cluster computes the first new chunks
            if c.name in done:
                files = [chunk_path(out, c.name)]
                summary.merge(summarize_files(files, keep_values=False, sketch=sketch))
        for chunk, result in results:
            write_bytes(chunk_path(out, chunk.name), result.parquet)
            manifest["chunk_sha256"][chunk.name] = chunk_digest(result.parquet)
            summary.merge(result.summary)
            manifest["completed_chunks"].append(chunk.name)
            if spent <= MANIFEST_SHARE * (time.monotonic() - written):
                written = time.monotonic()
                _record(out, manifest, "running")
                spent = time.monotonic() - written
            if progress is not None:
                progress(result.rows)
        final = summary.result(exact_values=lambda column: read_column(out, column))
        write_json(out / SUMMARY, final.to_dict())
        manifest["percentiles"] = summary.accuracy()
        manifest["finished"] = now()
        _record(out, manifest, "complete")
    except KeyboardInterrupt:
        _record(out, manifest, "interrupted", resume_hint(request))
        raise
    except ResultsError as err:
        _record(out, manifest, "failed", resume_hint(request))
        raise ResultsError(
            err.field,
            err.value,
            f"{err.allowed}; fix that, then finish the run with: {resume_hint(request)}",
        ) from err
    except BaseException:
        _record(out, manifest, "failed", resume_hint(request))
        raise
    return final


def _new_manifest(
    request: RunRequest, ident: dict[str, Any], chunks: int, done: set[str], executor: str
) -> dict[str, Any]:
    """The manifest of a run that starts, with the chunks it reuses already complete."""
    return {
        "format": FORMAT,
        "status": "running",
        "identity": ident,
        "scenario": {
            "name": request.scenario.name,
            "digest": ident["scenario_digest"],
            "currency": request.scenario.currency,
            "text": request.scenario.source_text,
        },
        "seed": request.root_seed,
        "trials": request.n,
        "block_size": BLOCK_SIZE,
        "chunk_trials": ident["chunk_blocks"] * BLOCK_SIZE,
        "chunks": chunks,
        "crosstab": request.scenario.crosstab_pair(),
        "percentiles": None,
        "versions": versions(),
        "executor": executor,
        "command": command(request),
        "started": now(),
        "finished": None,
        "reused_chunks": sorted(done),
        "completed_chunks": sorted(done),
    }


@contextmanager
def sigterm_interrupts() -> Iterator[None]:
    """While the block runs, SIGTERM (``kill``, a batch system's stop) stops a run as
    Ctrl-C does: the manifest records the interruption and how to resume.

    Only in the main thread (where Python handles signals); elsewhere it does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _record(out: Path, manifest: dict[str, Any], status: str, resume: str | None = None) -> None:
    """Write the manifest with ``status`` (best effort unless the run is complete)."""
    manifest["status"] = status
    manifest["completed_chunks"] = sorted(manifest["completed_chunks"])
    manifest["chunk_sha256"] = dict(sorted(manifest.get("chunk_sha256", {}).items()))
    if resume is None:
        manifest.pop("resume", None)
    else:
        manifest["resume"] = resume
    try:
        write_json(out / MANIFEST, manifest)
    except ResultsError:
        if status in {"running", "complete"}:
            raise
