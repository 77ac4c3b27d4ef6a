"""Paired comparison of two scenarios on common random numbers (docs/model.md §8).

Both scenarios are simulated on the same seed, so trial ``i`` of each shares every
random draw of the stages the scenarios do not change. The difference of each summary
figure is then estimated with far less noise than from two independent runs:

- probabilities and means: the paired differences ``d_i = y_B,i − y_A,i`` give the
  estimate ``mean(d)`` and its standard error ``sd(d)/√n`` (normal 95% interval);
- percentiles: batch means — the trials are cut into batches of ``BATCH`` consecutive
  trials (independent of one another), the figure's difference is computed per batch,
  and the spread of those differences gives the standard error (a t interval).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from simcrm.engine.blocks import Job
from simcrm.engine.defaults import resolve
from simcrm.engine.executors import Executor, InProcess
from simcrm.engine.mapping import collect_columns
from simcrm.scenario.outputs import FAIL_PREFIX, RISK_COST_PREFIX, RISK_PREFIX
from simcrm.scenario.schema import Scenario
from simcrm.stats.summary import DISTRIBUTION_COLUMNS

BATCH = 2_000
"""Trials per batch for the batch-means standard error of percentile differences."""

PERCENTILES = (0.10, 0.50, 0.90)


@dataclass(frozen=True)
class Difference:
    """One figure of A and of B, their difference ``B − A``, its standard error and 95%
    interval."""

    a: float
    b: float
    difference: float
    se: float
    ci95: tuple[float, float]

    def to_dict(self) -> dict[str, Any]:
        """``{"a", "b", "difference", "se", "ci95"}``."""
        return {
            "a": self.a,
            "b": self.b,
            "difference": self.difference,
            "se": self.se,
            "ci95": list(self.ci95),
        }


@dataclass(frozen=True)
class Comparison:
    """Paired differences ``B − A`` of every summary figure of two scenarios.

    Attributes
    ----------
    trials
        Trials on each side (the same trials: common random numbers).
    figures
        Figure name (``P(fail cio)``, ``mean npv``, ``P90 cost_overrun`` …) → difference.
    a, b
        The scenarios' names ('' when compared from frames).
    seed
        The seed both sides ran from (None when compared from frames).
    """

    trials: int
    figures: dict[str, Difference]
    a: str = ""
    b: str = ""
    seed: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready form (what ``simcrm compare --json`` prints)."""
        return {
            "trials": self.trials,
            "figures": {k: v.to_dict() for k, v in self.figures.items()},
            "a": self.a,
            "b": self.b,
            "seed": self.seed,
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per figure: ``figure``, ``a``, ``b``, ``difference``, ``se``, ``low``,
        ``high``."""
        rows = [(name, d.a, d.b, d.difference, d.se, *d.ci95) for name, d in self.figures.items()]
        columns = ["figure", "a", "b", "difference", "se", "low", "high"]
        return pd.DataFrame(rows, columns=columns)


def paired_difference(a: npt.ArrayLike, b: npt.ArrayLike, level: float = 0.95) -> Difference:
    """Mean of ``b − a`` over paired trials with its normal-theory interval.

    Trials where either value is NaN are left out.
    """
    x = np.asarray(a, dtype=np.float64)
    y = np.asarray(b, dtype=np.float64)
    keep = ~(np.isnan(x) | np.isnan(y))
    d = y[keep] - x[keep]
    n = d.size
    z = float(stats.norm.ppf(0.5 + level / 2))
    mean = float(d.mean()) if n else float("nan")
    se = float(d.std(ddof=1) / np.sqrt(n)) if n > 1 else float("nan")
    return _entry(float(x[keep].mean()), float(y[keep].mean()), mean, se, z)


def independent_difference(a: npt.ArrayLike, b: npt.ArrayLike, level: float = 0.95) -> Difference:
    """Mean of ``b`` minus mean of ``a`` for two independent samples (Welch's standard error)."""
    x = np.asarray(a, dtype=np.float64)
    y = np.asarray(b, dtype=np.float64)
    x, y = x[~np.isnan(x)], y[~np.isnan(y)]
    se = float(np.sqrt(x.var(ddof=1) / x.size + y.var(ddof=1) / y.size))
    z = float(stats.norm.ppf(0.5 + level / 2))
    return _entry(float(x.mean()), float(y.mean()), float(y.mean() - x.mean()), se, z)


def batch_quantile_difference(
    a: npt.NDArray[np.float64], b: npt.NDArray[np.float64], q: float, level: float = 0.95
) -> Difference:
    """Difference of the ``q`` quantiles of ``b`` and ``a`` with a batch-means interval."""
    full_a = float(np.nanquantile(a, q))
    full_b = float(np.nanquantile(b, q))
    batches = a.size // BATCH
    if batches < 5:
        return _entry(full_a, full_b, full_b - full_a, float("nan"), float("nan"))
    shape = (batches, BATCH)
    cut = batches * BATCH
    per_batch = np.nanquantile(b[:cut].reshape(shape), q, axis=1) - np.nanquantile(
        a[:cut].reshape(shape), q, axis=1
    )
    per_batch = per_batch[~np.isnan(per_batch)]
    se = float(per_batch.std(ddof=1) * np.sqrt(BATCH / a.size))
    t = float(stats.t.ppf(0.5 + level / 2, df=max(per_batch.size - 1, 1)))
    return _entry(full_a, full_b, full_b - full_a, se, t)


def _entry(a: float, b: float, diff: float, se: float, z: float) -> Difference:
    return Difference(a, b, diff, se, (diff - z * se, diff + z * se))


def compare_frames(a: pd.DataFrame, b: pd.DataFrame) -> Comparison:
    """Paired differences (B − A) of every summary figure of two runs on the same trials.

    Returns
    -------
    Comparison
        ``trials`` and ``figures``: figure name → :class:`Difference`. Figures: ``P(fail <criterion>)`` for criteria in both, ``P(<event>)``,
        and the mean and P10, P50, P90 of each distribution column; for each risk of a
        register in both, ``P(risk <name>)`` and ``mean cost_risk_<name>`` (the direct
        cost it added), after the distributions.
    """
    if len(a) != len(b):
        raise ValueError("paired comparison needs the same trials on both sides")
    figures: dict[str, Difference] = {}
    shared = [c for c in a.columns if c.startswith(FAIL_PREFIX) and c in b.columns]
    for column in shared:
        figures[f"P(fail {column.removeprefix(FAIL_PREFIX)})"] = paired_difference(
            a[column], b[column]
        )
    events = {
        "P(abandoned)": lambda f: f["abandoned"],
        "P(npv < 0)": lambda f: f["npv"] < 0,
        "P(rescued)": lambda f: f["rescued"],
    }
    for name, event in events.items():
        figures[name] = paired_difference(event(a), event(b))
    for column in DISTRIBUTION_COLUMNS:
        x = a[column].to_numpy(np.float64)
        y = b[column].to_numpy(np.float64)
        figures[f"mean {column}"] = paired_difference(x, y)
        for q in PERCENTILES:
            figures[f"P{round(100 * q)} {column}"] = batch_quantile_difference(x, y, q)
    risks = [c for c in a.columns if c.startswith(RISK_PREFIX) and c in b.columns]
    for column in risks:
        name = column.removeprefix(RISK_PREFIX)
        figures[f"P(risk {name})"] = paired_difference(a[column], b[column])
        cost = RISK_COST_PREFIX + name
        figures[f"mean {cost}"] = paired_difference(a[cost], b[cost])
    return Comparison(len(a), figures)


def compare(
    a: Scenario,
    b: Scenario,
    trials: int | None = None,
    seed: int | None = None,
    executor: Executor | None = None,
) -> Comparison:
    """Simulate two scenarios on common random numbers and compare them (B − A).

    ``trials`` and ``seed`` default to A's ``[simulation]`` settings; ``executor`` (default:
    this process) computes the chunks.
    """
    trials, seed = resolve(a, trials, seed)
    pool = executor if executor is not None else InProcess()
    frames = [pd.DataFrame(collect_columns(Job(s, seed, trials), pool)) for s in (a, b)]
    result = compare_frames(*frames)
    return Comparison(result.trials, result.figures, a.name, b.name, seed)


def compare_many(
    base: Scenario,
    options: Sequence[Scenario],
    trials: int | None = None,
    seed: int | None = None,
    executor: Executor | None = None,
) -> list[Comparison]:
    """Compare each option with the baseline (``option − base``) on common random numbers.

    The baseline is simulated once; each option on the same seed and trials, so each
    comparison equals :func:`compare` of ``base`` and that option (to the bit).
    ``trials`` and ``seed`` default to the baseline's ``[simulation]`` settings.
    """
    if not options:
        return []
    trials, seed = resolve(base, trials, seed)
    pool = executor if executor is not None else InProcess()
    frame = pd.DataFrame(collect_columns(Job(base, seed, trials), pool))
    found = []
    for option in options:
        other = pd.DataFrame(collect_columns(Job(option, seed, trials), pool))
        result = compare_frames(frame, other)
        found.append(Comparison(result.trials, result.figures, base.name, option.name, seed))
    return found
