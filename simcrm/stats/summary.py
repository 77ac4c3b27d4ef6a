"""Summaries of a run: failure probabilities with intervals, distributions, disagreement.

A summary is a :class:`~simcrm.stats.run_summary.Summary`. :class:`SummaryBuilder` fills it chunk by
chunk in memory bounded by the chunk, not by the run, and builders of different chunks
merge in any order into the same state, so the summary of a run is the same bytes
whatever its chunking, executor or order of completion:

- counts are integers;
- means are exact sums of per-block sums (blocks of :data:`~simcrm.streams.BLOCK_SIZE`
  consecutive trials, each summed with :func:`numpy.sum`), rounded once;
- a risk of the register is summarised by the same block sums: of its cost column, and
  of ``npv`` and ``npv²`` where it occurred and where not (:class:`_Risk`);
- percentiles are exact (:func:`numpy.quantile`) for runs of up to :data:`EXACT_LIMIT`
  trials, and beyond come from a :class:`~simcrm.stats.sketch.QuantileSketch` (relative error
  ≤ 2**-12);
- each column's tail exponent comes from its 0.1st, 1st, 50th, 99th and 99.9th
  percentiles (:func:`~simcrm.stats.tails.exponent_from_quantiles`): below 2 its mean is
  reported as unstable.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import combinations

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa

from simcrm.scenario.outputs import FAIL_PREFIX, RISK_COST_PREFIX, RISK_PREFIX
from simcrm.stats.accumulators import (
    ColumnState,
    RiskState,
    proportion,
)
from simcrm.stats.adoption_fan import ADOPTION_GRID, CASH_GRID, AdoptionFan
from simcrm.stats.contingency import LEVELS as CONTINGENCY_LEVELS
from simcrm.stats.contingency import MEASURES, Contingency
from simcrm.stats.replicates import ReplicateCounts
from simcrm.stats.run_summary import CrossTab, Proportion, Summary
from simcrm.stats.sketch import MANTISSA_BITS, QuantileSketch

Floats = npt.NDArray[np.float64]

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


EXACT_LIMIT = 1 << 20
"""Runs of up to 1,048,576 trials get exact percentiles; longer runs, the sketch's.

Exact percentiles need every value: at the end of a run the client reads each column
back (8 bytes a trial) and sorts it, serially, while the workers wait (about 0.5 s per
million trials). Beyond a million trials the sketch's error (≤ 2**-12 of the value) is far
below the Monte Carlo error of the percentiles themselves."""

EVENTS = {
    "abandoned": "abandoned",
    "rescued": "rescued",
    "npv_negative": "npv < 0",
    "paid_back_18m": "payback_month <= 18",
    "paid_back": "payback within the horizon",
    "paid_back_18m_from_go_live": "payback_from_go_live <= 18",
}

PROFILE_COLUMNS = ("actual_cost", "npv")
"""Outputs whose whole distribution the summary keeps as :data:`PROFILE_LEVELS` percentiles
(the figures' S-curves and histograms)."""
PROFILE_LEVELS = tuple(round(k / 200, 3) for k in range(201))

PAYBACK_INPUTS = ("payback_month", "payback_from_go_live")
PLAN_COLUMNS = ("planned_cost", "planned_months", "actual_months")
"""Columns a summary tracks for the contingency tables only (not reported as distributions)."""
SUMMARY_INPUTS = (
    "abandoned",
    "rescued",
    "npv",
    *PAYBACK_INPUTS,
    *DISTRIBUTION_COLUMNS,
    *PLAN_COLUMNS,
)
"""Columns a summary reads, besides those named by :data:`SUMMARY_PREFIXES`."""

SUMMARY_PREFIXES = (FAIL_PREFIX, RISK_PREFIX, RISK_COST_PREFIX)
"""Prefixes of the per-criterion and per-risk columns a summary reads."""


class SummaryBuilder:
    """Accumulates a summary over chunks of results (tables or DataFrames).

    Parameters
    ----------
    crosstab
        The two criteria to cross-tabulate (default: the first two).
    keep_values
        Keep the distribution columns' values while the builder holds at most
        :data:`EXACT_LIMIT` trials, for exact percentiles (memory: 8 bytes a value).
    sketch
        Keep a quantile sketch of each distribution column (needed beyond
        :data:`EXACT_LIMIT` trials unless :meth:`result` is given the exact values).
    replicates
        Give the proportions intervals from the spread of the blocks' estimates (runs
        with a sampling design, :mod:`simcrm.stats.replicates`), not Wilson's.

    Notes
    -----
    Rows must come in trial order; a builder's trailing partial block is closed when it
    is merged or summarised, so builders are merged per chunk of whole blocks (the last
    chunk of a run may end in a partial block). Merging is commutative.
    """

    def __init__(
        self,
        crosstab: tuple[str, str] | None = None,
        *,
        keep_values: bool = True,
        sketch: bool = True,
        replicates: bool = False,
    ) -> None:
        self.crosstab = crosstab
        self.replicates = ReplicateCounts() if replicates else None
        self.trials = 0
        self.fail_counts: dict[str, int] = {}
        self.pair_counts: dict[tuple[str, str], npt.NDArray[np.int64]] = {}
        self.event_counts = dict.fromkeys(EVENTS, 0)
        self.columns = {
            c: ColumnState(
                sketch=QuantileSketch() if sketch else None, kept=[] if keep_values else None
            )
            for c in (*DISTRIBUTION_COLUMNS, *PLAN_COLUMNS)
        }
        self.risks: dict[str, RiskState] = {}
        self.monthly: dict[str, npt.NDArray[np.int64]] = {}
        self.monthly_trials: dict[str, int] = {}

    def add_monthly_counts(
        self, key: str, counts: npt.NDArray[np.int64], trials: int | None = None
    ) -> None:
        """Add monthly counts (adoption or cash by month) of the trials added (``trials``:
        how many they cover; default, every trial added so far that none covered yet)."""
        self.monthly[key] = self.monthly[key] + counts if key in self.monthly else counts.copy()
        covered = self.monthly_trials.get(key, 0)
        self.monthly_trials[key] = covered + (self.trials - covered if trials is None else trials)

    def add(self, chunk: pa.Table | pa.RecordBatch | pd.DataFrame) -> None:
        """Fold the next rows of per-trial results into the summary."""
        if isinstance(chunk, pd.DataFrame):
            table = pa.Table.from_pandas(chunk)
        elif isinstance(chunk, pa.RecordBatch):
            table = pa.Table.from_batches([chunk])
        else:
            table = chunk
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
        from_go_live = col["payback_from_go_live"]
        self.event_counts["paid_back_18m_from_go_live"] += int((from_go_live <= 18).sum())
        if self.replicates is not None:
            self.replicates.add(col["trial"], _indicators(col, fails))
        npv = col["npv"].astype(np.float64, copy=False)
        for name in (n.removeprefix(RISK_PREFIX) for n in col if n.startswith(RISK_PREFIX)):
            occurred = col[RISK_PREFIX + name].astype(np.bool_, copy=False)
            cost = col[RISK_COST_PREFIX + name].astype(np.float64, copy=False)
            self.risks.setdefault(name, RiskState()).add(occurred, cost, npv)
        for name, state in self.columns.items():
            state.add(col[name].astype(np.float64, copy=False))
            if self.trials > EXACT_LIMIT:
                state.kept = None

    def merge(self, other: SummaryBuilder) -> None:
        """Add the trials summarised by another builder (of the same criteria)."""
        self.trials += other.trials
        for name, k in other.fail_counts.items():
            self.fail_counts[name] = self.fail_counts.get(name, 0) + k
        for pair, counts in other.pair_counts.items():
            self.pair_counts[pair] = self.pair_counts.get(pair, 0) + counts
        for key, k in other.event_counts.items():
            self.event_counts[key] += k
        for name, risk in other.risks.items():
            self.risks.setdefault(name, RiskState()).merge(risk)
        if self.replicates is not None and other.replicates is not None:
            self.replicates.merge(other.replicates)
        for key, counts in other.monthly.items():
            self.add_monthly_counts(key, counts, other.monthly_trials[key])
        for name, state in self.columns.items():
            state.merge(other.columns[name])
            if self.trials > EXACT_LIMIT:
                state.kept = None

    def accuracy(self) -> str:
        """How the percentiles of :meth:`result` are computed: ``exact``, or the sketch's
        bound on their relative error."""
        levels = [c.sketch.level for c in self.columns.values() if c.sketch is not None]
        if self.trials <= EXACT_LIMIT or not levels:
            return "exact"
        return f"sketch (relative error <= 2**-{MANTISSA_BITS - max(levels)})"

    def result(self, exact_values: Callable[[str], Floats] | None = None) -> Summary:
        """The summary of everything added so far.

        Parameters
        ----------
        exact_values
            For a run of at most :data:`EXACT_LIMIT` trials whose values this builder did
            not keep: a function giving a column's values, for exact percentiles.
        """
        n = self.trials
        exact = n <= EXACT_LIMIT
        values: dict[str, Floats | None] = {}
        for name, state in self.columns.items():
            values[name] = None
            if exact and state.kept is not None:
                values[name] = np.concatenate([np.empty(0), *state.kept])
            elif exact and exact_values is not None and name not in PLAN_COLUMNS[:2]:
                column = exact_values(name)
                values[name] = column[~np.isnan(column)]
        distributions = {
            name: self.columns[name].describe(n, values[name]) for name in DISTRIBUTION_COLUMNS
        }
        profiles = {
            name: self.columns[name].quantiles(PROFILE_LEVELS, values[name])
            for name in PROFILE_COLUMNS
        }
        contingency = {}
        for measure, (plan, actual) in MEASURES.items():
            levels = self.columns[actual].quantiles(CONTINGENCY_LEVELS, values[actual])
            plan_mean = self.columns[plan].mean()
            contingency[measure] = Contingency.of(
                plan_mean, dict(zip(CONTINGENCY_LEVELS, levels, strict=True))
            )
        pair = self.crosstab or next(iter(self.pair_counts), None)
        cross = None
        if pair is not None and pair in self.pair_counts:
            (a, b), (c, d) = self.pair_counts[pair].tolist()
            cross = CrossTab(pair[0], pair[1], ((a, b), (c, d)))
        shares = self.proportions()
        return Summary(
            trials=n,
            criteria={k: shares[f"criteria.{k}"] for k in self.fail_counts},
            events={k: shares[f"events.{k}"] for k in self.event_counts},
            distributions=distributions,
            disagreement={
                f"{a}|{b}": shares[f"disagreement.{a}|{b}"] for (a, b) in self.pair_counts
            },
            crosstab=cross,
            risks={name: risk.figures(n) for name, risk in self.risks.items()},
            contingency=contingency if n else {},
            profiles=profiles if n else {},
            adoption=self._fan("adoption_by_month", ADOPTION_GRID),
            cash=self._fan("cash_by_month", CASH_GRID),
            intervals="wilson" if self.replicates is None else "replicates",
        )

    def proportions(self) -> dict[str, Proportion]:
        """Every probability the summary reports, by ``criteria.<name>``,
        ``events.<name>`` and ``disagreement.<a>|<b>``, with its 95% interval (Wilson's,
        or the replicates' when the builder keeps them)."""
        counts = {f"criteria.{k}": v for k, v in self.fail_counts.items()}
        counts |= {f"events.{k}": v for k, v in self.event_counts.items()}
        counts |= {
            f"disagreement.{a}|{b}": int(c[0, 1] + c[1, 0])
            for (a, b), c in self.pair_counts.items()
        }
        if self.replicates is None:
            return {key: proportion(k, self.trials) for key, k in counts.items()}
        return {key: self.replicates.proportion(key) for key in counts}

    def _fan(self, key: str, grid: Floats) -> AdoptionFan | None:
        """The fan of monthly counts, if every trial's are in."""
        counts = self.monthly.get(key)
        if counts is None or not self.trials or self.monthly_trials[key] != self.trials:
            return None
        return AdoptionFan.of(counts, grid)


def _indicators(
    col: dict[str, npt.NDArray[np.generic]], fails: dict[str, npt.NDArray[np.generic]]
) -> dict[str, npt.NDArray[np.bool_]]:
    """Every proportion's indicator per row, keyed as :meth:`SummaryBuilder._proportion`."""
    payback = np.asarray(col["payback_month"], dtype=np.float64)
    from_go_live = np.asarray(col["payback_from_go_live"], dtype=np.float64)
    found = {f"criteria.{name}": np.asarray(v, dtype=np.bool_) for name, v in fails.items()}
    found |= {
        "events.abandoned": np.asarray(col["abandoned"], dtype=np.bool_),
        "events.rescued": np.asarray(col["rescued"], dtype=np.bool_),
        "events.npv_negative": np.asarray(col["npv"], dtype=np.float64) < 0,
        "events.paid_back_18m": payback <= 18,
        "events.paid_back": ~np.isnan(payback),
        "events.paid_back_18m_from_go_live": from_go_live <= 18,
    }
    for a, b in combinations(fails, 2):
        found[f"disagreement.{a}|{b}"] = found[f"criteria.{a}"] != found[f"criteria.{b}"]
    return found


def summarize(
    frame: pd.DataFrame, crosstab: tuple[str, str] | None = None, *, replicates: bool = False
) -> Summary:
    """Summarise per-trial results (the output of :func:`simcrm.simulate`).

    Returns
    -------
    Summary
        ``trials``; ``criteria`` — per criterion the failure count, probability and 95%
        Wilson interval; ``events`` — abandonment, rescue, NPV < 0, payback (within 18
        months of the start, within the horizon, within 18 months of go-live);
        ``distributions`` — share defined, mean, P10, P50, P80, P90 of the main outputs
        (percentiles exact up to :data:`EXACT_LIMIT` trials, else within 2**-12 relative)
        and the exponent of the heavier tail (below 2 the mean is unstable);
        ``disagreement`` — per pair of criteria the share of trials where they disagree;
        ``crosstab`` — the 2×2 counts of two criteria (rows: first, False then True);
        ``risks`` — per risk of the register its probability with its Wilson interval,
        its direct cost per trial and the NPV where it occurred and where not.
        ``.to_frame()`` gives the figures as a tidy table, ``.to_dict()`` as JSON.
        With ``replicates`` (trials simulated with a sampling design), the probabilities'
        intervals come from the spread of the blocks' estimates
        (:mod:`simcrm.stats.replicates`).
    """
    builder = SummaryBuilder(crosstab, sketch=len(frame) > EXACT_LIMIT, replicates=replicates)
    builder.add(frame)
    return builder.result()
