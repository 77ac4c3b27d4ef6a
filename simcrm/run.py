"""A run: simulate a scenario chunk by chunk into a results directory, then summarise."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from simcrm.engine import DEFAULT_CHUNK_TRIALS, Chunk, check_seed, iter_chunks, plan_chunks
from simcrm.results import (
    FORMAT,
    MANIFEST,
    SUMMARY,
    now,
    open_dataset,
    prepare_directory,
    read_json,
    versions,
    write_chunk,
    write_json,
)
from simcrm.scenario import Scenario
from simcrm.scenario_io import scenario_digest
from simcrm.streams import BLOCK_SIZE
from simcrm.summary import Summary, SummaryBuilder

ChunkRunner = Callable[[Scenario, int, int, list[Chunk]], Any]


@dataclass(frozen=True)
class RunRequest:
    """What to run and where.

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
    """

    scenario: Scenario
    trials: int | None = None
    seed: int | None = None
    out: Path | None = None
    chunk_trials: int = DEFAULT_CHUNK_TRIALS
    force: bool = False
    resume: bool = False
    argv: list[str] = field(default_factory=lambda: list(sys.argv))

    @property
    def n(self) -> int:
        """Trials of the run."""
        return self.scenario.simulation.trials if self.trials is None else self.trials

    @property
    def root_seed(self) -> int:
        """Seed of the run."""
        return self.scenario.simulation.seed if self.seed is None else self.seed

    @property
    def directory(self) -> Path:
        """Results directory of the run."""
        return self.out if self.out is not None else Path("results") / self.scenario.name


def identity(request: RunRequest) -> dict[str, Any]:
    """What makes two runs the same run: equal identities give equal bytes."""
    return {
        "scenario_digest": scenario_digest(request.scenario),
        "seed": request.root_seed,
        "trials": request.n,
        "block_size": BLOCK_SIZE,
        "chunk_blocks": -(-request.chunk_trials // BLOCK_SIZE),
        "simcrm": versions()["simcrm"],
        "numpy": versions()["numpy"],
    }


def execute(
    request: RunRequest,
    progress: Callable[[int], None] | None = None,
) -> Summary:
    """Run ``request`` to its results directory and return the summary.

    Parameters
    ----------
    request
        What to run.
    progress
        Called with the number of trials each finished chunk added.

    Returns
    -------
    dict
        The summary (also written to ``summary.json``).
    """
    check_seed(request.root_seed)
    chunks = plan_chunks(request.n, request.chunk_trials)
    out = request.directory
    ident = identity(request)
    done = prepare_directory(out, ident, force=request.force, resume=request.resume)
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "status": "running",
        "identity": ident,
        "scenario": {
            "name": request.scenario.name,
            "digest": ident["scenario_digest"],
            "text": request.scenario.source_text,
        },
        "seed": request.root_seed,
        "trials": request.n,
        "block_size": BLOCK_SIZE,
        "chunk_trials": ident["chunk_blocks"] * BLOCK_SIZE,
        "chunks": len(chunks),
        "versions": versions(),
        "command": request.argv,
        "started": now(),
        "finished": None,
        "completed_chunks": sorted(done),
    }
    write_json(out / MANIFEST, manifest)
    provenance = {
        "seed": str(request.root_seed),
        "scenario_digest": ident["scenario_digest"],
        "numpy": ident["numpy"],
        "simcrm": ident["simcrm"],
    }
    todo = [c for c in chunks if c.name not in done]
    if progress is not None:
        progress(request.n - _trials_in(todo, request.n))
    try:
        for chunk, table in iter_chunks(request.scenario, request.root_seed, request.n, todo):
            write_chunk(out, chunk.name, table, provenance)
            manifest["completed_chunks"].append(chunk.name)
            write_json(out / MANIFEST, manifest)
            if progress is not None:
                progress(table.num_rows)
    except KeyboardInterrupt:
        manifest["status"] = "interrupted"
        manifest["resume"] = "simcrm run " + " ".join(request.argv[2:]) + " --resume"
        write_json(out / MANIFEST, manifest)
        raise
    summary = summarize_directory(out, request.scenario.crosstab_pair())
    write_json(out / SUMMARY, summary)
    manifest["status"] = "complete"
    manifest["finished"] = now()
    write_json(out / MANIFEST, manifest)
    return summary


def _trials_in(chunks: list[Chunk], trials: int) -> int:
    """Trials in the given chunks of a run of ``trials`` trials."""
    return sum(min(c.stop * BLOCK_SIZE, trials) - c.first * BLOCK_SIZE for c in chunks)


def summarize_directory(out: Path, crosstab: tuple[str, str] | None = None) -> Summary:
    """Summarise a results directory by streaming its Parquet chunks."""
    builder = SummaryBuilder(crosstab)
    for batch in open_dataset(out).to_batches():
        builder.add(pa.Table.from_batches([batch]))
    return builder.result()


def load_summary(out: Path) -> tuple[dict[str, Any], Summary]:
    """The manifest and summary of a finished run directory."""
    manifest = read_json(out / MANIFEST)
    if manifest.get("status") != "complete":
        hint = manifest.get("resume", "re-run it with --resume")
        from simcrm.errors import ResultsError

        raise ResultsError(str(out), manifest.get("status"), f"the run is not complete; {hint}")
    return manifest, read_json(out / SUMMARY)
