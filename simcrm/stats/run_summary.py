"""The summary of a run as typed values: proportions with intervals, spreads, a cross-table.

:class:`Summary` is what :func:`simcrm.summarize` and a run return. ``to_dict()`` is the
JSON written to ``summary.json`` (:meth:`Summary.from_dict` reads it back) and
``to_frame()`` is the same figures as a tidy pandas table, one row per figure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from simcrm.stats.adoption_fan import AdoptionFan
from simcrm.stats.contingency import Contingency
from simcrm.stats.tails import mean_is_unstable

if TYPE_CHECKING:
    import pandas as pd

QUANTILE_LABELS = ("p10", "p50", "p80", "p90")


@dataclass(frozen=True)
class Proportion:
    """``count`` of ``trials`` with its share ``p`` and 95% Wilson interval ``ci95``."""

    count: int
    p: float
    ci95: tuple[float, float]

    def to_dict(self) -> dict[str, Any]:
        """``{"count", "p", "ci95"}``."""
        return {"count": self.count, "p": self.p, "ci95": list(self.ci95)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Proportion:
        """Inverse of :meth:`to_dict`."""
        low, high = data["ci95"]
        return cls(int(data["count"]), _float(data["p"]), (_float(low), _float(high)))


@dataclass(frozen=True)
class Spread:
    """Share of trials where an output is defined, its mean and percentiles.

    ``tail_exponent`` is the estimated power-law exponent of the heavier of its two tails
    (:mod:`simcrm.stats.tails`; NaN below 10,000 values or for a bounded tail): below 2
    the variance is infinite and the sample mean is unstable (:attr:`mean_unstable`).
    """

    defined: float
    mean: float
    p10: float
    p50: float
    p80: float
    p90: float
    tail_exponent: float = float("nan")

    @property
    def mean_unstable(self) -> bool:
        """The tail exponent is below 2: the sample mean is not to be trusted."""
        return mean_is_unstable(self.tail_exponent)

    def to_dict(self) -> dict[str, float | None]:
        """``{"defined", "mean", "p10", "p50", "p80", "p90", "tail_exponent"}`` (the tail
        exponent ``None`` where it is not estimated)."""
        exponent = self.tail_exponent if math.isfinite(self.tail_exponent) else None
        return {
            "defined": self.defined,
            "mean": self.mean,
            **{k: getattr(self, k) for k in QUANTILE_LABELS},
            "tail_exponent": exponent,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Spread:
        """Inverse of :meth:`to_dict` (a summary of before 0.3.0 has no tail exponent)."""
        values = {k: _float(data[k]) for k in ("defined", "mean", *QUANTILE_LABELS)}
        return cls(**values, tail_exponent=_float(data.get("tail_exponent")))


@dataclass(frozen=True)
class CrossTab:
    """Counts of two criteria's verdicts: ``counts[row][column]``, False then True."""

    rows: str
    columns: str
    counts: tuple[tuple[int, int], tuple[int, int]]

    def to_dict(self) -> dict[str, Any]:
        """``{"rows", "columns", "counts"}``."""
        return {
            "rows": self.rows,
            "columns": self.columns,
            "counts": [list(r) for r in self.counts],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CrossTab:
        """Inverse of :meth:`to_dict`."""
        (a, b), (c, d) = data["counts"]
        return cls(str(data["rows"]), str(data["columns"]), ((a, b), (c, d)))


@dataclass(frozen=True)
class RiskFigures:
    """One risk of the register over a run.

    Attributes
    ----------
    occurred
        Trials where it occurred, its probability and 95% Wilson interval.
    cost_per_trial
        Its expected direct cost: the mean, over every trial, of the cost it added to
        that trial (column ``cost_risk_<name>``; 0 where it did not occur). Exact per
        trial, so causal: the cost the risk's own impact put in. It leaves out indirect
        effects (a delay that pushes a project past the execution cap).
    cost_if_occurred
        The mean of that cost over the trials where it occurred (NaN if none).
    npv_if_occurred, npv_if_not
        Mean NPV over the trials where it occurred, and where it did not.
    npv_difference
        ``npv_if_occurred − npv_if_not``: a comparison of different trials, not of the
        same trial with and without the risk. A risk's occurrence is drawn independently
        of every other input (unless ``[correlations]`` ties it to others: then it is
        only an association), so it estimates without bias the mean effect on the NPV of
        the risk occurring, everything its impacts lead to included — but with the Monte
        Carlo noise of a difference of two conditional means (see the next figure).
    npv_difference_se
        Standard error of that difference (Welch: the two groups' variances over their
        sizes).
    """

    occurred: Proportion
    cost_per_trial: float
    cost_if_occurred: float
    npv_if_occurred: float
    npv_if_not: float
    npv_difference: float
    npv_difference_se: float

    def to_dict(self) -> dict[str, Any]:
        """``{"occurred", "cost_per_trial", "cost_if_occurred", "npv_if_occurred",
        "npv_if_not", "npv_difference", "npv_difference_se"}``."""
        return {"occurred": self.occurred.to_dict()} | {k: getattr(self, k) for k in RISK_FIGURES}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RiskFigures:
        """Inverse of :meth:`to_dict`."""
        return cls(Proportion.from_dict(data["occurred"]), *(_float(data[k]) for k in RISK_FIGURES))


RISK_FIGURES = (
    "cost_per_trial",
    "cost_if_occurred",
    "npv_if_occurred",
    "npv_if_not",
    "npv_difference",
    "npv_difference_se",
)
"""The money figures of a risk, in :class:`RiskFigures` order."""


@dataclass(frozen=True)
class Summary:
    """Every figure of a run's summary.

    Attributes
    ----------
    trials
        Trials summarised.
    criteria
        Per failure criterion: failures, P(fail) and its 95% Wilson interval.
    events
        Abandonment, rescue, NPV < 0, payback within 18 months (of the start), within the
        horizon and within 18 months of go-live.
    distributions
        Per continuous output: share defined, mean, P10, P50, P80, P90 and the exponent of
        its heavier tail.
    disagreement
        Per pair of criteria (``"a|b"``): the share of trials where one says fail and the
        other not.
    crosstab
        The 2×2 counts of two criteria, if the scenario has two or more.
    risks
        Per risk of the register: how often it occurred, its direct cost and the NPV
        where it occurred and where not (empty without a register).
    contingency
        ``cost`` and ``schedule``: the plan and the reserve it needs at 50%, 80%, 90% and
        95% confidence (:mod:`simcrm.stats.contingency`).
    profiles
        ``actual_cost`` and ``npv``: their percentiles at 0%, 0.5%, …, 100% (what the
        figures draw).
    adoption
        Percentiles of the active share by month after go-live (runs only: from the
        model's monthly counts, :mod:`simcrm.stats.adoption_fan`).
    cash
        Percentiles of the cumulative undiscounted cash by month from the start, in
        multiples of the budget ``B`` (runs only).
    intervals
        How the probabilities' 95% intervals were computed: ``"wilson"`` (independent
        trials) or ``"replicates"`` (the spread across blocks of a sampling design,
        :mod:`simcrm.stats.replicates`).
    """

    trials: int
    criteria: dict[str, Proportion]
    events: dict[str, Proportion]
    distributions: dict[str, Spread]
    disagreement: dict[str, Proportion]
    crosstab: CrossTab | None = None
    risks: dict[str, RiskFigures] = field(default_factory=dict)
    contingency: dict[str, Contingency] = field(default_factory=dict)
    profiles: dict[str, list[float]] = field(default_factory=dict)
    adoption: AdoptionFan | None = None
    cash: AdoptionFan | None = None
    intervals: str = "wilson"

    @property
    def interval_label(self) -> str:
        """What the probabilities' intervals are, for a table's heading."""
        if self.intervals == "replicates":
            return "95% interval (across blocks)"
        return "95% Wilson interval"

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready form (what ``summary.json`` holds)."""
        out: dict[str, Any] = {
            "trials": self.trials,
            "criteria": {k: v.to_dict() for k, v in self.criteria.items()},
            "events": {k: v.to_dict() for k, v in self.events.items()},
            "distributions": {k: v.to_dict() for k, v in self.distributions.items()},
            "disagreement": {k: v.to_dict() for k, v in self.disagreement.items()},
        }
        if self.crosstab is not None:
            out["crosstab"] = self.crosstab.to_dict()
        if self.risks:  # no key without a register: such summaries keep their bytes
            out["risks"] = {k: v.to_dict() for k, v in self.risks.items()}
        if self.contingency:
            out["contingency"] = {k: v.to_dict() for k, v in self.contingency.items()}
        if self.profiles:
            out["profiles"] = {k: list(v) for k, v in self.profiles.items()}
        if self.adoption is not None:
            out["adoption_by_month"] = self.adoption.to_dict()
        if self.cash is not None:
            out["cash_by_month"] = self.cash.to_dict()
        if self.intervals != "wilson":  # a plain run's summary keeps its bytes
            out["intervals"] = self.intervals
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Summary:
        """Read the JSON form back (``KeyError``/``TypeError``/``ValueError`` if malformed)."""

        def proportions(key: str) -> dict[str, Proportion]:
            return {k: Proportion.from_dict(v) for k, v in data[key].items()}

        cross = data.get("crosstab")
        return cls(
            trials=int(data["trials"]),
            criteria=proportions("criteria"),
            events=proportions("events"),
            distributions={k: Spread.from_dict(v) for k, v in data["distributions"].items()},
            disagreement=proportions("disagreement"),
            crosstab=CrossTab.from_dict(cross) if cross else None,
            risks={k: RiskFigures.from_dict(v) for k, v in data.get("risks", {}).items()},
            contingency={
                k: Contingency.from_dict(v) for k, v in data.get("contingency", {}).items()
            },
            profiles={k: [_float(x) for x in v] for k, v in data.get("profiles", {}).items()},
            adoption=(
                AdoptionFan.from_dict(data["adoption_by_month"])
                if "adoption_by_month" in data
                else None
            ),
            cash=AdoptionFan.from_dict(data["cash_by_month"]) if "cash_by_month" in data else None,
            intervals=str(data.get("intervals", "wilson")),
        )

    def to_frame(self) -> pd.DataFrame:
        """One row per figure: ``section``, ``name``, ``statistic``, ``value``, ``low``,
        ``high`` (the 95% interval where one is computed, else NaN)."""
        import pandas as pd

        nan = float("nan")
        rows: list[tuple[str, str, str, float, float, float]] = []
        for section, table in (
            ("criterion", self.criteria),
            ("event", self.events),
            ("disagreement", self.disagreement),
        ):
            for name, entry in table.items():
                rows.append((section, name, "p", entry.p, *entry.ci95))
        for name, spread in self.distributions.items():
            for statistic, value in spread.to_dict().items():
                rows.append(("distribution", name, statistic, _float(value), nan, nan))
        for name, reserve in self.contingency.items():
            rows.append(("contingency", name, "plan", reserve.plan, nan, nan))
            for r in reserve.levels:
                tag = f"P{100 * r.level:g}"
                rows.append(("contingency", name, tag, r.value, nan, nan))
                rows.append(("contingency", name, f"{tag} contingency", r.contingency, nan, nan))
        for name, risk in self.risks.items():
            rows.append(("risk", name, "p", risk.occurred.p, *risk.occurred.ci95))
            for statistic in RISK_FIGURES:
                rows.append(("risk", name, statistic, getattr(risk, statistic), nan, nan))
        return pd.DataFrame(rows, columns=["section", "name", "statistic", "value", "low", "high"])


def _float(value: Any) -> float:
    """A JSON number, or NaN for JSON's null."""
    return float("nan") if value is None else float(value)
