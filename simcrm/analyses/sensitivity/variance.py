"""Sobol' indices of a scenario's outputs (:mod:`simcrm.analyses.sensitivity.sobol`).

Each of the ``d + 2`` matrices of the design (and each group's ``AB_G``) is one run of
``n`` trials on the scenario's seed, row ``j`` of the matrix as trial ``j``'s values of
the inputs: the frozen-noise convention of :mod:`simcrm.analyses.sensitivity.sobol`.
The outputs are the per-trial columns behind the statistics asked for (``npv``,
``actual_cost``, ``fail_<criterion>`` as 0/1): a mean and a percentile of one column
share its indices.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from simcrm.analyses.sensitivity.inputs import (
    default_statistics,
    input_groups,
    output_columns,
    parse_statistics,
    uncertain_inputs,
)
from simcrm.analyses.sensitivity.runs import FloatArray, MatrixRows, run_jobs
from simcrm.analyses.sensitivity.sobol import MIN_ROWS, Indices, sobol_design
from simcrm.engine.blocks import Job
from simcrm.engine.defaults import resolve
from simcrm.engine.executors import Executor, InProcess
from simcrm.errors import InputError
from simcrm.scenario.schema import Scenario

DEFAULT_ROWS = 4096


@dataclass(frozen=True)
class SobolEntry:
    """Indices of one input (or group) for one output, with 95% bootstrap intervals."""

    output: str
    input: str
    group: bool
    first: float
    first_ci: tuple[float, float]
    total: float
    total_ci: tuple[float, float]


@dataclass(frozen=True)
class SobolResult:
    """Sobol' indices of a scenario.

    Attributes
    ----------
    rows
        ``n``: rows of ``A`` and ``B`` (trials per run).
    runs
        Runs of ``n`` trials simulated (``d + 2`` plus one per group).
    seed
        The seed every run shares.
    entries
        Per output, per input then per group.
    variance
        ``Var Y`` per output.
    """

    scenario: str
    rows: int
    runs: int
    seed: int
    entries: tuple[SobolEntry, ...]
    variance: dict[str, float]

    def to_frame(self) -> pd.DataFrame:
        """One row per output and input or group (tidy)."""
        return pd.DataFrame(
            [
                (e.output, e.input, e.group, e.first, *e.first_ci, e.total, *e.total_ci)
                for e in self.entries
            ],
            columns=[
                "output", "input", "group", "first", "first_low", "first_high",
                "total", "total_low", "total_high",
            ],
        )  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "method": "sobol",
            "scenario": self.scenario,
            "rows": self.rows,
            "runs": self.runs,
            "seed": self.seed,
            "variance": self.variance,
            "indices": self.to_frame().to_dict(orient="records"),
        }


@dataclass(frozen=True)
class _ScenarioModel:
    """The scenario as a :data:`~simcrm.analyses.sensitivity.sobol.Model`."""

    scenario: Scenario
    seed: int
    paths: tuple[str, ...]
    columns: tuple[str, ...]
    executor: Executor

    def __call__(self, matrices: Sequence[FloatArray]) -> list[FloatArray]:
        jobs = [
            Job(self.scenario, self.seed, len(m), MatrixRows(self.paths, np.asarray(m)))
            for m in matrices
        ]
        found = run_jobs(jobs, self.columns, self.executor)
        return [np.vstack([f[c] for c in self.columns]) for f in found]


def sobol(
    scenario: Scenario,
    outputs: Sequence[str] | None = None,
    inputs: Sequence[str] | None = None,
    groups: Mapping[str, Sequence[str]] | None = None,
    trials: int = DEFAULT_ROWS,
    seed: int | None = None,
    executor: Executor | None = None,
    resamples: int = 200,
) -> SobolResult:
    """First-order and total Sobol' indices of the scenario's uncertain inputs.

    Parameters
    ----------
    scenario
        The project model.
    outputs
        Statistics (:func:`~simcrm.analyses.sensitivity.inputs.parse_statistics`);
        default: mean npv, mean actual_cost, P80 actual_cost, P(fail) per criterion.
    inputs
        Dotted paths of the inputs to vary; default: every uncertain input.
    groups
        Extra groups (name → paths) beside the default ones.
    trials
        ``n``, rows per matrix: a power of 2, at least 64.
    seed
        Default: the scenario's.
    executor
        Where to compute (default: this process).
    resamples
        Bootstrap resamples of the intervals.
    """
    if trials < MIN_ROWS or trials & (trials - 1):
        raise InputError("--trials", trials, f"Sobol' needs a power of 2, at least {MIN_ROWS}")
    _, seed = resolve(scenario, trials, seed)
    stats = default_statistics(scenario) if outputs is None else parse_statistics(scenario, outputs)
    columns = output_columns(stats)
    chosen = uncertain_inputs(scenario, inputs)
    grouped = input_groups(chosen, groups)
    paths = tuple(i.path for i in chosen)
    model = _ScenarioModel(scenario, seed, paths, columns, executor or InProcess())
    design = sobol_design(model, chosen, trials, seed, grouped, resamples)
    entries = [
        *_entries(columns, list(paths), design.inputs, group=False),
        *_entries(columns, list(grouped), design.groups, group=True),
    ]
    return SobolResult(
        scenario.name,
        trials,
        len(paths) + 2 + len(grouped),
        seed,
        tuple(entries),
        {c: float(v) for c, v in zip(columns, design.variance, strict=True)},
    )


def _entries(
    columns: Sequence[str], names: Sequence[str], indices: Indices, group: bool
) -> list[SobolEntry]:
    found = []
    for o, column in enumerate(columns):
        for k, name in enumerate(names):
            found.append(
                SobolEntry(
                    column,
                    name,
                    group,
                    float(indices.first[o, k]),
                    (float(indices.first_ci[0, o, k]), float(indices.first_ci[1, o, k])),
                    float(indices.total[o, k]),
                    (float(indices.total_ci[0, o, k]), float(indices.total_ci[1, o, k])),
                )
            )
    return found
