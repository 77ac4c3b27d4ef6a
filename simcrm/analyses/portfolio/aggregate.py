"""What a chosen portfolio adds up to on the aggregate sample: total cost and its
contingency, NPV, cash by year and failures under each stakeholder's definition."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from simcrm.analyses.portfolio.sample import Sample
from simcrm.stats.intervals import wilson_interval

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
QUANTILES = (0.1, 0.5, 0.8, 0.9)


def quantile_with_interval(values: FloatArray, level: float) -> dict[str, Any]:
    """The ``level`` quantile and its distribution-free 95% interval (order statistics,
    :func:`scipy.stats.quantile_test`)."""
    from scipy.stats import quantile_test

    value = float(np.quantile(values, level))
    ci = quantile_test(values, q=value, p=level).confidence_interval(0.95)
    return {"level": level, "value": value, "ci95": [float(ci.low), float(ci.high)]}


def contingency(sample: Sample, chosen: BoolArray, levels: list[float]) -> list[dict[str, Any]]:
    """Contingency of the chosen portfolio at each confidence level, against the base
    estimate (the expected planned cost):

    - ``portfolio``: ``Q_q(total cost) − E[total planned cost]`` with the shared factors;
    - ``independent``: the same, the projects' trials unpaired (no shared factors);
    - ``sum_of_projects``: ``Σ_j (Q_q(cost_j) − E[planned_j])``, each project funded to
      ``q`` on its own (what adding up the projects' contingencies asks for);
    - ``diversification``: ``sum_of_projects − portfolio``;
    - ``eroded``: the share of the independent portfolio's diversification benefit that
      the shared factors take away, ``(portfolio − independent) / (sum − independent)``.
    """
    cost = sample.cost[chosen]
    base = float(sample.planned[chosen].mean(axis=1).sum())
    total = cost.sum(axis=0)
    alone = sample.independent().cost[chosen].sum(axis=0)
    rows = []
    for q in levels:
        mine = quantile_with_interval(total, q)
        independent = float(np.quantile(alone, q)) - base
        own = float(np.quantile(cost, q, axis=1).sum()) - base if cost.size else 0.0
        portfolio = mine["value"] - base
        benefit = own - independent
        rows.append(
            {
                "level": q,
                "cost": mine["value"],
                "cost_ci95": mine["ci95"],
                "base": base,
                "portfolio": portfolio,
                "portfolio_pct_of_base": 100 * portfolio / base if base else float("nan"),
                "independent": independent,
                "sum_of_projects": own,
                "diversification": own - portfolio,
                "eroded": (portfolio - independent) / benefit if benefit > 0 else float("nan"),
            }
        )
    return rows


def distribution(values: FloatArray) -> dict[str, Any]:
    """Mean (normal 95% interval) and quantiles (order-statistic intervals)."""
    n = values.size
    mean = float(values.mean())
    half = 1.959963984540054 * float(values.std(ddof=1)) / np.sqrt(n)
    return {
        "mean": mean,
        "mean_ci95": [mean - half, mean + half],
        "quantiles": [quantile_with_interval(values, q) for q in QUANTILES],
    }


def cash_by_year(sample: Sample, chosen: BoolArray) -> list[dict[str, Any]]:
    """Implementation cash of each year until the last project could end: mean, P50,
    P80, P90."""
    if not chosen.any():
        return []
    start = np.array([p.start_month for p in sample.projects])[chosen]
    last = float(np.max(start[:, None] + sample.months[chosen]))
    years = max(1, int(np.ceil(last / 12.0)))
    rows = []
    for k in range(years):
        cash = sample.spending(k, years)[chosen].sum(axis=0)
        q50, q80, q90 = np.quantile(cash, [0.5, 0.8, 0.9])
        rows.append({"year": k + 1, "mean": float(cash.mean()), "p50": q50, "p80": q80, "p90": q90})
    return [{k: float(v) if k != "year" else v for k, v in r.items()} for r in rows]


def failures(sample: Sample, chosen: BoolArray) -> list[dict[str, Any]]:
    """Projects failing under each criterion: the expected number and share, P(at least
    one) (Wilson interval), and the 50th and 90th percentiles of the number."""
    rows = []
    n = sample.trials
    for name, verdicts in sample.fails.items():
        judged = chosen & sample.judged[name]
        if not judged.any():
            continue
        count = verdicts[judged].sum(axis=0)
        some = int((count > 0).sum())
        low, high = wilson_interval(some, n)
        rows.append(
            {
                "criterion": name,
                "projects": int(judged.sum()),
                "expected": float(count.mean()),
                "expected_share": float(count.mean() / judged.sum()),
                "p_at_least_one": some / n,
                "p_at_least_one_ci95": [float(low), float(high)],
                "p50": float(np.quantile(count, 0.5)),
                "p90": float(np.quantile(count, 0.9)),
            }
        )
    return rows


def aggregate(sample: Sample, chosen: BoolArray, levels: list[float]) -> dict[str, Any]:
    """Every aggregate figure of a chosen portfolio on a sample."""
    total_npv = sample.npv[chosen].sum(axis=0)
    return {
        "projects": int(chosen.sum()),
        "trials": sample.trials,
        "cost": distribution(sample.cost[chosen].sum(axis=0)),
        "npv": distribution(total_npv) | {"p_negative": float((total_npv < 0).mean())},
        "contingency": contingency(sample, chosen, levels),
        "cash_by_year": cash_by_year(sample, chosen),
        "failures": failures(sample, chosen),
    }
