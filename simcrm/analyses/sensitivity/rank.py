"""Rank sensitivity from one run: Spearman correlations and contributions to variance.

One run with ``inputs=True`` gives every trial's sampled inputs (``in_<path>``) beside
its outputs. For every input and output: Spearman's rank correlation ``r`` (ties
averaged, so 0/1 failure columns work), its 95% interval by Fisher's z with the
Bonett–Wright (2000) standard error ``sqrt((1 + r²/2) / (n − 3))``, and the input's
*contribution to variance*, ``r² / Σ r²`` over the inputs (as @RISK and Crystal Ball
report it: a normalised screening figure, not a variance decomposition). A group's
contribution is the sum of its inputs'. The inputs keep their correlations here (shared
project shock, ``[correlations]``), so correlated inputs share their credit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from simcrm.analyses.sensitivity.inputs import (
    default_statistics,
    input_groups,
    output_columns,
    parse_statistics,
    uncertain_inputs,
)
from simcrm.analyses.sensitivity.runs import FloatArray, run_jobs
from simcrm.engine.blocks import Job
from simcrm.engine.defaults import resolve
from simcrm.engine.executors import Executor, InProcess
from simcrm.errors import InputError
from simcrm.model.trial import input_column
from simcrm.scenario.schema import Scenario
from simcrm.stats.intervals import normal_quantile

DEFAULT_TRIALS = 100_000
MIN_TRIALS = 100


@dataclass(frozen=True)
class RankEntry:
    """One input's (or group's) rank correlation with one output."""

    output: str
    input: str
    group: bool
    spearman: float
    ci95: tuple[float, float]
    contribution: float
    contribution_ci95: tuple[float, float]


@dataclass(frozen=True)
class RankResult:
    """Spearman correlations and contributions to variance from one run."""

    scenario: str
    trials: int
    seed: int
    entries: tuple[RankEntry, ...]

    def to_frame(self) -> pd.DataFrame:
        """One row per output and input or group (tidy)."""
        rows = [
            (e.output, e.input, e.group, e.spearman, *e.ci95, e.contribution, *e.contribution_ci95)
            for e in self.entries
        ]
        columns = [
            "output", "input", "group", "spearman", "low", "high",
            "contribution", "contribution_low", "contribution_high",
        ]  # fmt: skip
        return pd.DataFrame(rows, columns=columns)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "method": "rank",
            "scenario": self.scenario,
            "trials": self.trials,
            "seed": self.seed,
            "entries": self.to_frame().to_dict(orient="records"),
        }


def spearman(inputs: FloatArray, outputs: FloatArray) -> FloatArray:
    """Spearman correlations, ``(outputs, inputs)``, of columns ``(n, d)`` and ``(n, s)``
    (NaN where a column is constant)."""
    ranked_x = rankdata(inputs, axis=0)
    ranked_y = rankdata(outputs, axis=0)
    x = ranked_x - ranked_x.mean(axis=0)
    y = ranked_y - ranked_y.mean(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        norm = np.outer(np.sqrt((y**2).sum(axis=0)), np.sqrt((x**2).sum(axis=0)))
        return np.asarray((y.T @ x) / norm, dtype=np.float64)


def fisher_interval(r: FloatArray, n: int, level: float = 0.95) -> tuple[FloatArray, FloatArray]:
    """Fisher-z interval of Spearman correlations (Bonett–Wright standard error)."""
    z = np.arctanh(np.clip(r, -1 + 1e-15, 1 - 1e-15))
    se = np.sqrt((1 + r**2 / 2) / (n - 3))
    half = normal_quantile(level) * se
    return np.tanh(z - half), np.tanh(z + half)


def rank_sensitivity(
    scenario: Scenario,
    outputs: Sequence[str] | None = None,
    inputs: Sequence[str] | None = None,
    groups: Mapping[str, Sequence[str]] | None = None,
    trials: int = DEFAULT_TRIALS,
    seed: int | None = None,
    executor: Executor | None = None,
) -> RankResult:
    """Spearman correlation and contribution to variance of every input, every output.

    Parameters are those of :func:`simcrm.analyses.sensitivity.tornado.tornado`; the
    outputs are the columns behind the statistics (``npv``, ``actual_cost``,
    ``fail_<criterion>``). At least 100 trials.
    """
    if trials < MIN_TRIALS:
        raise InputError("--trials", trials, f"the rank method needs at least {MIN_TRIALS} trials")
    trials, seed = resolve(scenario, trials, seed)
    stats = default_statistics(scenario) if outputs is None else parse_statistics(scenario, outputs)
    columns = output_columns(stats)
    chosen = uncertain_inputs(scenario, inputs)
    grouped = input_groups(chosen, groups)
    names = tuple(input_column(i.path) for i in chosen)
    (found,) = run_jobs([Job(scenario, seed, trials, inputs=True)], columns + names,
                        executor or InProcess())  # fmt: skip
    x = np.column_stack([found[c] for c in names])
    y = np.column_stack([found[c] for c in columns])
    r = spearman(x, y)
    low, high = fisher_interval(r, trials)
    share = shares(r)
    boot = bootstrap_shares(x, y, np.random.default_rng([seed, 2]))  # (resamples, s, d)
    share_ci = np.nanquantile(boot, [0.025, 0.975], axis=0)
    entries = []
    for o, column in enumerate(columns):
        for k, i in enumerate(chosen):
            entries.append(RankEntry(column, i.path, False, float(r[o, k]),
                                     (float(low[o, k]), float(high[o, k])), float(share[o, k]),
                                     (float(share_ci[0, o, k]), float(share_ci[1, o, k]))))  # fmt: skip
        for name, members in grouped.items():
            total = float(share[o, list(members)].sum())
            summed = np.nanquantile(boot[:, o, list(members)].sum(axis=1), [0.025, 0.975])
            entries.append(RankEntry(column, name, True, float("nan"), (np.nan, np.nan), total,
                                     (float(summed[0]), float(summed[1]))))  # fmt: skip
    return RankResult(scenario.name, trials, seed, tuple(entries))


def shares(r: FloatArray) -> FloatArray:
    """Contributions to variance ``r² / Σ r²`` over the inputs, per output."""
    squared = np.nan_to_num(r**2)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(squared / squared.sum(axis=-1, keepdims=True), dtype=np.float64)


def bootstrap_shares(
    inputs: FloatArray, outputs: FloatArray, rng: np.random.Generator, resamples: int = 200
) -> FloatArray:
    """Contributions to variance on ``resamples`` bootstrap resamples of the rows,
    ``(resamples, outputs, inputs)``, for a 95% percentile interval.

    The ranks are those of the whole sample (a resample reuses them rather than ranking
    again), and each resample is a vector of multinomial row counts from ``rng``, so every
    correlation is a ratio of count-weighted sums: a few matrix products for all of them.
    """
    n = inputs.shape[0]
    x = rankdata(inputs, axis=0)
    y = rankdata(outputs, axis=0)
    x -= x.mean(axis=0)
    y -= y.mean(axis=0)
    counts = rng.multinomial(n, np.full(n, 1.0 / n), size=resamples).astype(np.float64) / n
    mx, my = counts @ x, counts @ y  # (resamples, d), (resamples, s)
    vx = counts @ (x * x) - mx**2
    vy = counts @ (y * y) - my**2
    products = (y[:, :, None] * x[:, None, :]).reshape(n, -1)  # (n, s·d)
    cov = (counts @ products).reshape(resamples, y.shape[1], x.shape[1])
    cov -= my[:, :, None] * mx[:, None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        r = cov / np.sqrt(vy[:, :, None] * vx[:, None, :])
    return shares(r)
