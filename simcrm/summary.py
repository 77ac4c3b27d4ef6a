"""Summaries of a run: failure probabilities with intervals, distributions, disagreement.

A summary is a plain, JSON-ready dictionary; :class:`SummaryBuilder` fills it chunk by
chunk as a run streams, and :func:`summarize` does the same for a whole DataFrame.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
from scipy.stats import binomtest

from simcrm.outputs import FAIL_PREFIX

Summary = dict[str, Any]

DISTRIBUTION_COLUMNS = (
    "cost_overrun",
    "schedule_overrun",
    "actual_cost",
    "scope_growth",
    "npv",
    "roi",
    "adoption_12m",
    "adoption_final",
    "payback_month",
)
"""Continuous outputs whose mean and percentiles the summary reports."""

QUANTILES = (0.10, 0.50, 0.80, 0.90)

EVENTS = {
    "abandoned": "abandoned",
    "rescued": "rescued",
    "npv_negative": "npv < 0",
    "paid_back_18m": "payback_month <= 18",
    "paid_back": "payback within the horizon",
}


def wilson_interval(successes: int, trials: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion (Wilson 1927), via scipy.stats."""
    if trials == 0:
        return (float("nan"), float("nan"))
    ci = binomtest(successes, trials).proportion_ci(confidence_level=level, method="wilson")
    return (float(ci.low), float(ci.high))


def proportion(successes: int, trials: int) -> dict[str, Any]:
    """``{"count", "p", "ci95"}`` of a proportion with its Wilson interval."""
    p = successes / trials if trials else float("nan")
    return {"count": successes, "p": p, "ci95": list(wilson_interval(successes, trials))}


class SummaryBuilder:
    """Accumulates a summary over chunks of results (tables or DataFrames).

    Counts are exact and additive; the distribution columns are kept to compute exact
    percentiles at the end.
    """

    def __init__(self, crosstab: tuple[str, str] | None = None) -> None:
        self.crosstab = crosstab
        self.trials = 0
        self.fail_counts: dict[str, int] = {}
        self.pair_counts: dict[tuple[str, str], npt.NDArray[np.int64]] = {}
        self.event_counts = dict.fromkeys(EVENTS, 0)
        self.sums = dict.fromkeys(DISTRIBUTION_COLUMNS, 0.0)
        self.values: dict[str, list[npt.NDArray[np.float64]]] = {
            c: [] for c in DISTRIBUTION_COLUMNS
        }

    def add(self, chunk: pa.Table | pd.DataFrame) -> None:
        """Fold one chunk of per-trial results into the summary."""
        table = chunk if isinstance(chunk, pa.Table) else pa.Table.from_pandas(chunk)
        col = {name: table.column(name).to_numpy() for name in table.column_names}
        self.trials += table.num_rows
        fails = {n.removeprefix(FAIL_PREFIX): col[n] for n in col if n.startswith(FAIL_PREFIX)}
        for name, verdict in fails.items():
            self.fail_counts[name] = self.fail_counts.get(name, 0) + int(verdict.sum())
        for a, b in combinations(fails, 2):
            counts = np.bincount(2 * fails[a] + fails[b], minlength=4).reshape(2, 2)
            self.pair_counts[(a, b)] = self.pair_counts.get((a, b), 0) + counts
        payback = col["payback_month"]
        self.event_counts["abandoned"] += int(col["abandoned"].sum())
        self.event_counts["rescued"] += int(col["rescued"].sum())
        self.event_counts["npv_negative"] += int((col["npv"] < 0).sum())
        self.event_counts["paid_back_18m"] += int((payback <= 18).sum())
        self.event_counts["paid_back"] += int((~np.isnan(payback)).sum())
        for name in DISTRIBUTION_COLUMNS:
            self.values[name].append(col[name].astype(np.float64, copy=False))

    def result(self) -> Summary:
        """The summary of everything added so far."""
        n = self.trials
        summary: Summary = {
            "trials": n,
            "criteria": {k: proportion(v, n) for k, v in self.fail_counts.items()},
            "events": {k: proportion(v, n) for k, v in self.event_counts.items()},
            "distributions": {c: _describe(np.concatenate(v)) for c, v in self.values.items()},
            "disagreement": {
                f"{a}|{b}": proportion(int(c[0, 1] + c[1, 0]), n)
                for (a, b), c in self.pair_counts.items()
            },
        }
        pair = self.crosstab or next(iter(self.pair_counts), None)
        if pair is not None and pair in self.pair_counts:
            summary["crosstab"] = {
                "rows": pair[0],
                "columns": pair[1],
                "counts": self.pair_counts[pair].tolist(),
            }
        return summary


def _describe(values: npt.NDArray[np.float64]) -> dict[str, float]:
    """Mean and percentiles of the defined (non-NaN) values, and the share defined."""
    defined = values[~np.isnan(values)]
    out = {"defined": defined.size / values.size if values.size else float("nan")}
    if defined.size == 0:
        return (
            out | {"mean": float("nan")} | {f"p{round(q * 100)}": float("nan") for q in QUANTILES}
        )
    quantiles = np.quantile(defined, QUANTILES)
    out["mean"] = float(defined.mean())
    out |= {f"p{round(q * 100)}": float(x) for q, x in zip(QUANTILES, quantiles, strict=True)}
    return out


def summarize(frame: pd.DataFrame, crosstab: tuple[str, str] | None = None) -> Summary:
    """Summarise per-trial results (the output of :func:`simcrm.simulate`).

    Returns
    -------
    dict
        ``trials``; ``criteria`` — per criterion the failure count, probability and 95%
        Wilson interval; ``events`` — abandonment, rescue, NPV < 0, payback;
        ``distributions`` — mean, P10, P50, P80, P90 of the main outputs;
        ``disagreement`` — per pair of criteria the share of trials where they disagree;
        ``crosstab`` — the 2×2 counts of two criteria (rows: first, False then True).
    """
    builder = SummaryBuilder(crosstab)
    builder.add(frame)
    return builder.result()
