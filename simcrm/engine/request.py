"""What a run is: :class:`RunRequest`, its identity and the command that repeats it."""

from __future__ import annotations

import shlex
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simcrm.engine.blocks import DEFAULT_CHUNK_TRIALS
from simcrm.engine.defaults import resolve
from simcrm.engine.precision import Precision
from simcrm.engine.store import FORMAT, versions
from simcrm.scenario.load import scenario_digest
from simcrm.scenario.schema import Scenario
from simcrm.streams import BLOCK_SIZE


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
    sampling
        ``"mc"``, ``"lhs"`` or ``"sobol"`` (:mod:`simcrm.model.design`).
    data
        Write the per-trial table (False: the summary only, for runs too large to keep).
    columns
        Keep only these outputs in the table (``trial`` always); the summary still sees
        every output.
    extend
        Grow the finished run in ``out`` to ``trials``: its chunks are kept, the rest
        computed (the same bytes as a fresh run of ``trials``).
    precision
        Stop as soon as these targets are reached (checked in block order); ``trials``
        is then the cap.
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
    sampling: str = "mc"
    data: bool = True
    columns: tuple[str, ...] | None = None
    extend: bool = False
    precision: Precision | None = None

    @property
    def reusable(self) -> bool:
        """Whether chunk files hold everything the summary reads (so a resumed or
        extended run can reuse them): the whole table is written."""
        return self.data and self.columns is None

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
    } | _options(request)


def _options(request: RunRequest) -> dict[str, Any]:
    """The identity's entries of the options a run has only when asked (so a plain run's
    identity, and bytes, stay as they were)."""
    found: dict[str, Any] = {}
    if request.inputs:
        found["inputs"] = True
    if request.sampling != "mc":
        found["sampling"] = request.sampling
    if not request.data:
        found["data"] = False
    if request.columns is not None:
        found["columns"] = list(request.columns)
    if request.precision is not None:
        found["precision"] = request.precision.to_dict()
    return found


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
    if request.sampling != "mc":
        words += ["--sampling", request.sampling]
    if not request.data:
        words.append("--no-data")
    if request.columns is not None:
        words += ["--columns", ",".join(request.columns)]
    if request.precision is not None:
        words += request.precision.words()
    if request.scheduler is not None:
        words += ["--scheduler", request.scheduler]
    elif request.workers > 1:
        words += ["--workers", str(request.workers)]
    return shlex.join(words)


def resume_hint(request: RunRequest) -> str:
    """How to finish an incomplete run of ``request``."""
    cmd = command(request)
    return f"{cmd} --resume" if cmd else "run the same request again with resume=True"
