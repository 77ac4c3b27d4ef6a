"""A portfolio sample: every project's trials, simulated by the engine, paired by the
shared factors (:mod:`~simcrm.analyses.portfolio.coupling`).

Project ``j`` of a sample is a run of its scenario from its own seed
(:meth:`~simcrm.analyses.portfolio.projects.Project.seed`), computed in chunks on any
executor, so the sample is the same on any executor and chunking. Its NPV is discounted
from its start month to the portfolio's month 0.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from simcrm.analyses.portfolio.coupling import KINDS, active_loadings, latent_scores, pairing
from simcrm.analyses.portfolio.projects import SAMPLES, Project, loading_matrix
from simcrm.engine.blocks import Chunk, Columns, Job, plan_chunks
from simcrm.engine.executors import Executor
from simcrm.engine.mapping import ChunkTask, compute_chunk
from simcrm.scenario.outputs import FAIL_PREFIX
from simcrm.scenario.portfolio import Portfolio
from simcrm.streams import BLOCK_SIZE, portfolio_generator

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]

G = TypeVar("G", bound=np.generic)
KEPT = ("actual_cost", "planned_cost", "actual_months", "npv", "pv_benefits")
"""The outputs of each project a portfolio needs (and its ``fail_<name>`` verdicts)."""
KEYS = {"cost": "actual_cost", "benefits": "pv_benefits"}
CHUNK_TRIALS = 4 * BLOCK_SIZE
"""Trials per task: small enough to spread a 200,000-trial sample over workers."""


@dataclass(frozen=True)
class ProjectColumns:
    """Reducer keeping a project's outputs of a chunk, tagged with the project's index."""

    index: int

    def __call__(self, job: Job, chunk: Chunk, columns: Columns) -> tuple[int, Columns]:
        """``(index, kept columns)``."""
        kept = [c for c in columns if c in KEPT or c.startswith(FAIL_PREFIX)]
        return self.index, {c: columns[c] for c in kept}


@dataclass(frozen=True)
class Sample:
    """Project outputs, projects × trials, in portfolio-trial order.

    Attributes
    ----------
    projects
        The projects (rows).
    seeds
        Each project's seed.
    cost, planned, months, npv
        Implementation cost paid, planned cost, months of execution, and NPV at the
        portfolio's month 0.
    fails
        Criterion → verdicts (False for projects whose scenario lacks it).
    judged
        Criterion → which projects' scenarios define it.
    coupled
        Whether the shared factors paired the trials (False: independent projects).
    """

    projects: list[Project]
    seeds: list[int]
    cost: FloatArray
    planned: FloatArray
    months: FloatArray
    npv: FloatArray
    fails: dict[str, BoolArray]
    judged: dict[str, BoolArray]
    coupled: bool = True
    _pairings: list[IntArray | None] = field(default_factory=list, repr=False)

    @property
    def trials(self) -> int:
        """Portfolio trials."""
        return int(self.cost.shape[1])

    def spending(self, line: int, years: int | None) -> FloatArray:
        """What each project spends against budget line ``line`` (0: the total when the
        budget has one, else year ``line + 1``), projects × trials.

        Implementation cost is spent evenly over the months of execution from the start
        month; a year's line counts months ``12k … 12k + 11`` (the last year's line, every
        month from ``12k`` on).
        """
        if years is None:
            return self.cost
        start = np.array([p.start_month for p in self.projects], dtype=np.float64)[:, None]
        low = 12.0 * line
        high = np.inf if line == years - 1 else low + 12.0
        end = start + self.months
        inside = np.clip(np.minimum(end, high) - np.maximum(start, low), 0.0, None)
        instant = (start >= low) & (start < high)  # a project of zero months
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(self.months > 0, inside / self.months, instant)
        return self.cost * share

    def independent(self) -> Sample:
        """The same project trials, each project in its own trial order: what the
        portfolio would look like were its projects independent."""
        if not self.coupled:
            return self

        def undo(values: npt.NDArray[G]) -> npt.NDArray[G]:
            out = values.copy()
            for j, placed in enumerate(self._pairings):
                if placed is not None:
                    out[j, placed] = values[j]
            return out

        return Sample(
            self.projects,
            self.seeds,
            undo(self.cost),
            undo(self.planned),
            undo(self.months),
            undo(self.npv),
            {name: undo(v) for name, v in self.fails.items()},
            self.judged,
            coupled=False,
        )


def simulate_sample(
    portfolio: Portfolio,
    projects: list[Project],
    which: str,
    trials: int,
    executor: Executor,
    progress: Callable[[int], None] | None = None,
) -> Sample:
    """Simulate every project of a sample and pair their trials by the shared factors.

    Parameters
    ----------
    which
        ``"aggregate"`` or ``"selection"`` (independent samples: their seeds differ).
    progress
        Called with the trials of each finished chunk (of any project).
    """
    root = portfolio.simulation.seed
    seeds = [p.seed(root, which) for p in projects]
    tasks = [
        ChunkTask(Job(p.scenario, seeds[p.index], trials), chunk, ProjectColumns(p.index))
        for p in projects
        for chunk in plan_chunks(trials, CHUNK_TRIALS)
    ]
    parts: dict[int, dict[int, Columns]] = {p.index: {} for p in projects}
    for chunk, (index, columns) in executor.imap_unordered(compute_chunk, tasks):
        parts[index][chunk.first] = columns
        if progress is not None:
            progress(chunk.trials(trials))
    raw = [_concatenate(parts[p.index]) for p in projects]
    loadings = active_loadings(loading_matrix(portfolio, projects))
    kinds = [f.on for f in portfolio.factors.values()]
    scores = latent_scores(loadings, kinds, portfolio_generator(root, SAMPLES[which]), trials)
    pairings: list[IntArray | None] = []
    for p, columns in zip(projects, raw, strict=True):
        used = [k for k in KINDS if np.any(loadings[p.index] * [f == k for f in kinds])]
        if not used:
            pairings.append(None)
            continue
        keys = {k: columns[KEYS[k]].astype(np.float64) for k in used}
        placed = pairing(keys, {k: scores[k][p.index] for k in used})
        pairings.append(placed)
        for name in columns:
            columns[name] = columns[name][placed]
    discount = np.array([portfolio.monthly_discount() ** p.start_month for p in projects])
    criteria = sorted({c.removeprefix(FAIL_PREFIX) for c in raw[0] if c.startswith(FAIL_PREFIX)})
    for columns in raw[1:]:
        criteria += [
            c.removeprefix(FAIL_PREFIX)
            for c in columns
            if c.startswith(FAIL_PREFIX) and c.removeprefix(FAIL_PREFIX) not in criteria
        ]
    blank = np.zeros(trials, dtype=np.bool_)
    return Sample(
        projects,
        seeds,
        _stack(raw, "actual_cost", np.float64),
        _stack(raw, "planned_cost", np.float64),
        _stack(raw, "actual_months", np.float64),
        _stack(raw, "npv", np.float64) * discount[:, None],
        {n: _stack(raw, FAIL_PREFIX + n, np.bool_, blank) for n in criteria},
        {n: np.array([FAIL_PREFIX + n in c for c in raw]) for n in criteria},
        coupled=any(p is not None for p in pairings),
        _pairings=pairings,
    )


def _concatenate(parts: dict[int, Columns]) -> Columns:
    """A project's chunks, in block order, as whole columns."""
    ordered = [parts[k] for k in sorted(parts)]
    return {name: np.concatenate([p[name] for p in ordered]) for name in ordered[0]}


def _stack(
    raw: list[Columns],
    name: str,
    dtype: type[G],
    missing: npt.NDArray[G] | None = None,
) -> npt.NDArray[G]:
    """Column ``name`` of every project, projects × trials (``missing`` where absent)."""
    rows = [c[name] if missing is None else c.get(name, missing) for c in raw]
    return np.stack(rows).astype(dtype, copy=False)
