"""Tornado and spider: one input at a time, on common random numbers.

The base run is the scenario as it is. For every input and every percentile asked for,
one more run of the same trials on the same seed holds that input at the percentile of
its distribution (:mod:`simcrm.analyses.sensitivity.inputs`) in every trial while every
other input stays random: trial ``j`` of every run shares all other draws. A
statistic's *swing* is its value with the input at its high percentile minus at its
low one; its 95% interval comes from the paired differences of the two runs' trials, as
:mod:`simcrm.analyses.compare` does (means and probabilities: paired; percentiles: batch
means, which need at least 10,000 trials, else no interval). Inputs are sorted by the
size of their swing. The spider is every statistic at every percentile asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from simcrm.analyses.compare import batch_quantile_difference, paired_difference
from simcrm.analyses.sensitivity.inputs import (
    Statistic,
    default_statistics,
    output_columns,
    parse_statistics,
    uncertain_inputs,
)
from simcrm.analyses.sensitivity.runs import FloatArray, HeldInputs, run_jobs
from simcrm.engine.blocks import Job
from simcrm.engine.defaults import resolve
from simcrm.engine.executors import Executor, InProcess
from simcrm.errors import InputError
from simcrm.scenario.schema import Scenario

DEFAULT_TRIALS = 20_000
MIN_TRIALS = 1_000
SPIDER = (5.0, 25.0, 50.0, 75.0, 95.0)


@dataclass(frozen=True)
class Swing:
    """One input's swing of one statistic.

    Attributes
    ----------
    low_value, high_value
        The input's values at the low and high percentiles.
    at_low, at_high, base
        The statistic with the input held low, held high, and random.
    swing, ci95
        ``at_high − at_low`` and its paired 95% interval.
    """

    statistic: str
    input: str
    low_value: float
    high_value: float
    at_low: float
    at_high: float
    base: float
    swing: float
    ci95: tuple[float, float]


@dataclass(frozen=True)
class SpiderPoint:
    """A statistic with one input held at one percentile."""

    statistic: str
    input: str
    percentile: float
    value: float
    statistic_value: float


@dataclass(frozen=True)
class TornadoResult:
    """Swings (sorted by size within each statistic) and the spider's points."""

    scenario: str
    trials: int
    seed: int
    percentiles: tuple[float, float]
    swings: tuple[Swing, ...]
    spider: tuple[SpiderPoint, ...]

    def to_frame(self) -> pd.DataFrame:
        """One row per statistic and input: the tornado (tidy)."""
        rows = [
            (s.statistic, s.input, s.low_value, s.high_value, s.at_low, s.at_high, s.base,
             s.swing, *s.ci95)
            for s in self.swings
        ]  # fmt: skip
        columns = ["statistic", "input", "low_value", "high_value", "at_low", "at_high",
                   "base", "swing", "low", "high"]  # fmt: skip
        return pd.DataFrame(rows, columns=columns)

    def spider_frame(self) -> pd.DataFrame:
        """One row per statistic, input and percentile."""
        rows = [
            (p.statistic, p.input, p.percentile, p.value, p.statistic_value) for p in self.spider
        ]
        return pd.DataFrame(rows, columns=["statistic", "input", "percentile", "value", "y"])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "method": "tornado",
            "scenario": self.scenario,
            "trials": self.trials,
            "seed": self.seed,
            "percentiles": list(self.percentiles),
            "swings": self.to_frame().to_dict(orient="records"),
            "spider": self.spider_frame().to_dict(orient="records"),
        }


def check_percentiles(percentiles: Sequence[float]) -> tuple[float, float]:
    """Two percentiles, low then high, each in (0, 100)."""
    values = tuple(float(p) for p in percentiles)
    if len(values) != 2 or not all(0 < p < 100 for p in values) or values[0] >= values[1]:
        raise InputError("--percentiles", list(percentiles), "two percentiles 0 < low < high < 100")
    return values[0], values[1]


def tornado(
    scenario: Scenario,
    outputs: Sequence[str] | None = None,
    inputs: Sequence[str] | None = None,
    percentiles: Sequence[float] = (10.0, 90.0),
    trials: int = DEFAULT_TRIALS,
    seed: int | None = None,
    executor: Executor | None = None,
    spider: Sequence[float] = SPIDER,
) -> TornadoResult:
    """Swing of every statistic with each input held at its low and high percentile.

    Parameters
    ----------
    scenario
        The project model.
    outputs
        Statistics (default: mean npv, mean actual_cost, P80 actual_cost, P(fail)).
    inputs
        Inputs to hold (default: every uncertain input).
    percentiles
        Low and high percentiles, in (0, 100).
    trials, seed
        Trials of every run (at least 1,000) and their seed (default: the scenario's).
    executor
        Where to compute (default: this process).
    spider
        Percentiles of the spider (empty: none).
    """
    low, high = check_percentiles(percentiles)
    for p in spider:
        if not 0 < p < 100:
            raise InputError("--percentiles", p, "spider percentiles in (0, 100)")
    if trials < MIN_TRIALS:
        raise InputError("--trials", trials, f"the tornado needs at least {MIN_TRIALS:,} trials")
    trials, seed = resolve(scenario, trials, seed)
    stats = default_statistics(scenario) if outputs is None else parse_statistics(scenario, outputs)
    columns = output_columns(stats)
    chosen = uncertain_inputs(scenario, inputs)
    levels = sorted({low, high, *spider})
    held = [(i, p, float(i.ppf(p / 100))) for i in chosen for p in levels]
    jobs = [Job(scenario, seed, trials)]
    jobs += [Job(scenario, seed, trials, HeldInputs(((i.path, v),))) for i, _, v in held]
    base, *runs = run_jobs(jobs, columns, executor or InProcess())
    by_level = {(i.path, p): (v, run) for (i, p, v), run in zip(held, runs, strict=True)}
    swings: list[Swing] = []
    points: list[SpiderPoint] = []
    for stat in stats:
        found = []
        for i in chosen:
            v_low, at_low = by_level[i.path, low]
            v_high, at_high = by_level[i.path, high]
            d = _difference(stat, at_low[stat.column], at_high[stat.column])
            found.append(
                Swing(stat.name, i.path, v_low, v_high, stat.of(at_low[stat.column]),
                      stat.of(at_high[stat.column]), stat.of(base[stat.column]),
                      d.difference, d.ci95)
            )  # fmt: skip
            points += [
                SpiderPoint(stat.name, i.path, p, by_level[i.path, p][0],
                            stat.of(by_level[i.path, p][1][stat.column]))
                for p in spider
            ]  # fmt: skip
        swings += sorted(found, key=lambda s: -abs(s.swing) if np.isfinite(s.swing) else 0.0)
    return TornadoResult(scenario.name, trials, seed, (low, high), tuple(swings), tuple(points))


def _difference(stat: Statistic, a: FloatArray, b: FloatArray) -> Any:
    """Paired difference ``stat(b) − stat(a)`` of two runs on the same trials."""
    if stat.kind == "quantile":
        return batch_quantile_difference(a, b, stat.q)
    return paired_difference(a, b)
