"""A run: simulate a scenario chunk by chunk into a results directory, then summarise.

A run is resumable and atomic: every file is written under a temporary name and renamed
when whole; the manifest lists the chunks that are complete, and says how the run ended
(``running``, ``interrupted``, ``failed``, ``complete``) and, if it did not finish, the
exact command that finishes it (``--resume`` computes only the missing chunks).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import simcrm.stats.summary as summaries
from simcrm.engine.blocks import Chunk, Job, plan_chunks
from simcrm.engine.defaults import resolve
from simcrm.engine.directory import prepare_directory, remove_run
from simcrm.engine.encode import EncodeChunk, EncodedChunk
from simcrm.engine.executors import Executor, InProcess, open_executor
from simcrm.engine.mapping import map_chunks
from simcrm.engine.precision import half_widths, reached
from simcrm.engine.request import RunRequest, command, identity, resume_hint
from simcrm.engine.results import summarize_files
from simcrm.engine.store import (
    DATA,
    FORMAT,
    MANIFEST,
    SUMMARY,
    chunk_is_whole,
    chunk_path,
    file_digest,
    now,
    run_lock,
    versions,
    write_json,
)
from simcrm.engine.writer import ChunkWriter
from simcrm.errors import InputError, ResultsError
from simcrm.model.design import check_sampling
from simcrm.stats.run_summary import Summary
from simcrm.stats.summary import SummaryBuilder
from simcrm.streams import BLOCK_SIZE


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
    check_sampling(request.sampling)
    chunks = plan_chunks(request.n, request.chunk_trials)
    with run_lock(request.directory):
        if executor is not None:
            return _execute(request, chunks, executor, progress)
        with open_executor(request.workers, request.scheduler) as pool:
            return _execute(request, chunks, pool, progress)


def _provenance(request: RunRequest, ident: dict[str, Any]) -> dict[str, str]:
    """What every chunk file of the run records of where it comes from."""
    provenance = {
        "seed": str(request.root_seed),
        "scenario_digest": ident["scenario_digest"],
        "numpy": ident["numpy"],
        "simcrm": ident["simcrm"],
    }
    if request.sampling != "mc":
        provenance["sampling"] = request.sampling
    return provenance


def _execute(
    request: RunRequest,
    chunks: list[Chunk],
    pool: Executor,
    progress: Callable[[int], None] | None,
) -> Summary:
    out = request.directory
    ident = identity(request)
    provenance = _provenance(request, ident)
    listed = prepare_directory(
        out, ident, force=request.force, resume=request.resume, extend=request.extend
    )
    recorded = listed if request.reusable else {}
    done = {
        c.name
        for c in chunks
        if c.name in recorded
        and chunk_is_whole(chunk_path(out, c.name), c.trials(request.n), provenance)
        and recorded.get(c.name) == file_digest(chunk_path(out, c.name))
    }
    manifest = _new_manifest(request, ident, len(chunks), done, pool.description)
    manifest["chunk_sha256"] = {name: str(recorded[name]) for name in sorted(done)}
    write_json(out / MANIFEST, manifest)
    todo = [c for c in chunks if c.name not in done]
    if progress is not None:
        progress(request.n - sum(c.trials(request.n) for c in todo))
    job = Job(
        request.scenario,
        request.root_seed,
        request.n,
        inputs=request.inputs,
        monthly=True,
        sampling=request.sampling,
    )
    sketch = request.n > summaries.EXACT_LIMIT or request.precision is not None
    local = isinstance(pool, InProcess)
    encoder = EncodeChunk(
        provenance,
        sketch,
        encode=not local,
        data=request.data,
        columns=request.columns,
        keep_values=request.n <= summaries.EXACT_LIMIT or request.precision is not None,
        replicates=request.sampling != "mc",
        defer=local and request.precision is None,  # summarised on the writer thread
    )
    try:
        record = lambda status: _record(out, manifest, status)  # noqa: E731
        summary = _run_summary(request)

        def joined(chunk: Chunk, result: EncodedChunk) -> None:
            if encoder.defer and result.summary is not None:
                summary.merge(result.summary)
                if progress is not None:
                    progress(result.rows)

        with ChunkWriter(
            out,
            manifest,
            record,
            write=request.data,
            background=local,
            finish=encoder.finish,
            joined=joined,
        ) as writer:
            results = map_chunks(job, encoder, pool, todo)
            try:
                _join(request, summary, chunks, done, results, writer, progress)
            finally:
                close = getattr(results, "close", None)
                if close is not None:
                    close()
            writer.finish()
        kept = {c.name for c in chunks if c.first * BLOCK_SIZE < summary.trials}
        if request.precision is not None:  # stopped at its targets, or at its cap
            _stopped(request, manifest, summary)
        final = summary.result()
        write_json(out / SUMMARY, final.to_dict())
        for path in sorted((out / DATA).glob("blocks-*.parquet")):  # e.g. an extended
            if path.stem not in kept:  # run's old last chunk, listed or not
                path.unlink(missing_ok=True)
        manifest["completed_chunks"] = [n for n in manifest["completed_chunks"] if n in kept]
        if not request.data and not any((out / DATA).iterdir()):
            (out / DATA).rmdir()  # a summary-only run leaves no empty data/ behind
        manifest["percentiles"] = summary.accuracy()
        manifest["finished"] = now()
        _record(out, manifest, "complete")
    except KeyboardInterrupt:
        _record(out, manifest, "interrupted", resume_hint(request))
        raise
    except InputError as err:
        if isinstance(err, ResultsError):
            _record(out, manifest, "failed", resume_hint(request))
            raise ResultsError(
                err.field,
                err.value,
                f"{err.allowed}; fix that, then finish the run with: {resume_hint(request)}",
            ) from err
        if not done and not request.extend:
            remove_run(out)  # refused before any of its results: leave nothing behind
        else:
            _record(out, manifest, "failed", resume_hint(request))
        raise
    except BaseException:
        _record(out, manifest, "failed", resume_hint(request))
        raise
    return final


def _run_summary(request: RunRequest) -> SummaryBuilder:
    """The empty summary of a run, that its chunks are merged into."""
    return SummaryBuilder(
        request.scenario.crosstab_pair(),
        keep_values=True,  # the chunks' values while the run has few enough
        sketch=request.n > summaries.EXACT_LIMIT or request.precision is not None,
        replicates=request.sampling != "mc",
    )


def _join(
    request: RunRequest,
    summary: SummaryBuilder,
    chunks: list[Chunk],
    done: set[str],
    results: Iterator[tuple[Chunk, EncodedChunk]],
    writer: ChunkWriter,
    progress: Callable[[int], None] | None,
) -> SummaryBuilder:
    """The summary of the run's chunks, each joined in block order as it completes.

    A chunk joins the run when every chunk before it has: it is then written and its
    summary merged, so the results directory always holds a prefix of the run. With a
    precision the targets are checked after each join, and the run stops (the chunks
    still computing are dropped) as soon as they hold: the decision depends on the
    trials alone, not on the order in which chunks finish. A chunk whose summary is
    deferred (in process, without a precision) is merged by ``writer`` once written.
    """
    waiting: dict[int, tuple[Chunk, EncodedChunk]] = {}
    index = {c.name: i for i, c in enumerate(chunks)}
    order = iter(enumerate(chunks))
    position, following = next(order, (len(chunks), None))

    def reused(chunk: Chunk) -> SummaryBuilder:
        return summarize_files(
            [chunk_path(request.directory, chunk.name)],
            keep_values=request.n <= summaries.EXACT_LIMIT or request.precision is not None,
            sketch=summary.columns["npv"].sketch is not None,
            replicates=request.sampling != "mc",
        )

    def advance() -> bool:
        """Join every chunk that can; True once the precision is reached."""
        nonlocal position, following
        while following is not None:
            if following.name in done:
                summary.merge(reused(following))
            elif position in waiting:
                chunk, result = waiting.pop(position)
                writer.put(chunk, result)
                if result.summary is not None:  # else merged once written
                    summary.merge(result.summary)
                    if progress is not None:
                        progress(result.rows)
            else:
                return False
            position, following = next(order, (len(chunks), None))
            if request.precision is not None and reached(half_widths(summary, request.precision)):
                return True
        return False

    if advance():
        return summary
    for chunk, result in results:
        if result.nonfinite is not None:
            column, trial = result.nonfinite
            raise InputError(
                str(request.scenario_path or request.scenario.name),
                f"{column} in trial {trial}",
                "the scenario's numbers take the model beyond what it can compute (an "
                "output is infinite or undefined); bring the largest amounts, rates or "
                "durations back to the scale of a real project",
            )
        waiting[index[chunk.name]] = (chunk, result)
        if advance():
            return summary
    return summary


def _stopped(request: RunRequest, manifest: dict[str, Any], summary: SummaryBuilder) -> None:
    """Make the manifest of a run stopped at its precision that of a fixed run of the
    trials it made (the same files), recording the targets and what they reached."""
    assert request.precision is not None
    fixed = replace(request, trials=summary.trials, precision=None, resume=False)
    widths = half_widths(summary, request.precision)
    manifest["identity"] = identity(fixed)
    manifest["trials"] = summary.trials
    manifest["chunks"] = len(plan_chunks(summary.trials, request.chunk_trials))
    manifest["command"] = command(fixed)
    manifest["precision"] = {
        "targets": request.precision.to_dict(),
        "cap": request.n,
        "reached": {name: {"half_width": w, "target": t} for name, (w, t) in widths.items()},
    }


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
        "scenario_path": (
            None if request.scenario_path is None else str(request.scenario_path.resolve())
        ),
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
