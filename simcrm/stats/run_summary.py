"""The summary of a run as typed values: proportions with intervals, spreads, a cross-table.

:class:`Summary` is what :func:`simcrm.summarize` and a run return. ``to_dict()`` is the
JSON written to ``summary.json`` (:meth:`Summary.from_dict` reads it back) and
``to_frame()`` is the same figures as a tidy pandas table, one row per figure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

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
    """Share of trials where an output is defined, its mean and percentiles."""

    defined: float
    mean: float
    p10: float
    p50: float
    p80: float
    p90: float

    def to_dict(self) -> dict[str, float]:
        """``{"defined", "mean", "p10", "p50", "p80", "p90"}``."""
        return {
            "defined": self.defined,
            "mean": self.mean,
            **{k: getattr(self, k) for k in QUANTILE_LABELS},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Spread:
        """Inverse of :meth:`to_dict`."""
        return cls(**{k: _float(data[k]) for k in ("defined", "mean", *QUANTILE_LABELS)})


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
        Abandonment, rescue, NPV < 0, payback within 18 months and within the horizon.
    distributions
        Per continuous output: share defined, mean, P10, P50, P80, P90.
    disagreement
        Per pair of criteria (``"a|b"``): the share of trials where one says fail and the
        other not.
    crosstab
        The 2×2 counts of two criteria, if the scenario has two or more.
    risks
        Per risk of the register: how often it occurred, its direct cost and the NPV
        where it occurred and where not (empty without a register).
    """

    trials: int
    criteria: dict[str, Proportion]
    events: dict[str, Proportion]
    distributions: dict[str, Spread]
    disagreement: dict[str, Proportion]
    crosstab: CrossTab | None = None
    risks: dict[str, RiskFigures] = field(default_factory=dict)

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
                rows.append(("distribution", name, statistic, value, nan, nan))
        for name, risk in self.risks.items():
            rows.append(("risk", name, "p", risk.occurred.p, *risk.occurred.ci95))
            for statistic in RISK_FIGURES:
                rows.append(("risk", name, statistic, getattr(risk, statistic), nan, nan))
        return pd.DataFrame(rows, columns=["section", "name", "statistic", "value", "low", "high"])


def _float(value: Any) -> float:
    """A JSON number, or NaN for JSON's null."""
    return float("nan") if value is None else float(value)
