"""The figures of ``simcrm run``: cost and NPV (histogram and S-curve, the plan and the
percentiles marked), the fans of adoption over the months after go-live and of cumulative
cash from the start, P(fail) by
stakeholder with 95% intervals, and how often each pair of stakeholders disagree.

Drawn from the summary alone (its percentiles at every half percent, its contingency and
its proportions), so they cost no second pass over the data and are the same on any
executor and chunking. The data of each figure is written beside it as JSON.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from simcrm.report.style import (
    BLUE,
    GREEN,
    GREY,
    RED,
    blank_figure,
    criterion_colour,
    money_axis,
    percent_axis,
)
from simcrm.stats.run_summary import Summary

if TYPE_CHECKING:
    from matplotlib.figure import Figure

SHOWN = {"actual_cost": (0.5, 0.8, 0.9), "npv": (0.1, 0.5, 0.9)}
"""Percentiles marked on each distribution."""
FAN_MIN_TRIALS = 100
"""Months with fewer operating trials are left out of the fan (too few to draw)."""
CUT = 0.99
"""The histograms stop at the 99th percentile (a power-law tail would flatten them)."""


def run_figure_data(summary: Summary, title: str, currency: str) -> dict[str, dict[str, Any]]:
    """Every figure's data, by file stem."""
    data: dict[str, dict[str, Any]] = {}
    levels = [k / 200 for k in range(201)]
    plans = {"actual_cost": summary.contingency.get("cost")}
    for column, marks in SHOWN.items():
        profile = summary.profiles.get(column)
        if not profile:
            continue
        plan = plans.get(column)
        data[f"{column}_distribution"] = {
            "title": f"{title}: {'implementation cost' if column == 'actual_cost' else 'NPV'} "
            f"({summary.trials:,} trials)",
            "column": column,
            "currency": currency,
            "levels": levels,
            "values": profile,
            "marks": [{"level": q, "value": float(np.interp(q, levels, profile))} for q in marks],
            "plan": None if plan is None else plan.plan,
            "zero": column == "npv",
        }
    fan = summary.adoption
    if fan is not None:
        shown = [k for k, n in enumerate(fan.operating) if n >= FAN_MIN_TRIALS]
        data["adoption_fan"] = {
            "title": f"{title}: active share of users by month after go-live",
            "months": [k + 1 for k in shown],
            "operating": [fan.operating[k] for k in shown],
            "quantiles": {f"{q:g}": [fan.quantiles[q][k] for k in shown] for q in fan.quantiles},
        }
    if summary.cash is not None:
        cash = summary.cash
        data["cash_fan"] = {
            "title": f"{title}: cumulative cash by month from the start",
            "months": list(range(1, len(cash.operating) + 1)),
            "quantiles": {f"{q:g}": list(v) for q, v in cash.quantiles.items()},
        }
    data["failure"] = {
        "title": f"{title}: P(fail) under each stakeholder's definition "
        f"({summary.trials:,} trials)",
        "criteria": [
            {"criterion": name, "p": entry.p, "ci95": list(entry.ci95)}
            for name, entry in summary.criteria.items()
        ],
        "interval": summary.interval_label,
    }
    names = list(summary.criteria)
    if len(names) > 1:
        matrix = [[0.0] * len(names) for _ in names]
        for pair, entry in summary.disagreement.items():
            a, b = pair.split("|")
            i, j = names.index(a), names.index(b)
            matrix[i][j] = matrix[j][i] = entry.p
        data["disagreement"] = {
            "title": f"{title}: share of projects on which two stakeholders disagree",
            "criteria": names,
            "matrix": matrix,
        }
    return data


def distribution_figure(data: dict[str, Any]) -> Figure:
    """Histogram (bins of 0.5% probability each, to the 99th percentile) and S-curve."""
    fig = blank_figure(11.0, 4.0)
    hist, curve = fig.subplots(1, 2)
    levels = np.asarray(data["levels"])
    values = np.asarray(data["values"])
    top = round(CUT * 200)
    edges, mass = values[: top + 1], np.diff(levels[: top + 1])
    widths = np.diff(edges)
    with np.errstate(divide="ignore", invalid="ignore"):
        density = np.where(widths > 0, mass / widths, 0.0)
    hist.stairs(density, edges, fill=True, color=BLUE, alpha=0.75)  # one artist, not 200 bars
    hist.set_yticks([])
    hist.set_ylabel("density", fontsize=9)
    hist.set_title(f"histogram (to the P{100 * CUT:g}; bins of 0.5% each)", fontsize=9)
    curve.plot(values, levels, color=BLUE, linewidth=1.8)
    curve.set_ylim(0, 1)
    percent_axis(curve.yaxis)
    curve.set_ylabel("probability of at most this", fontsize=9)
    curve.set_title("S-curve", fontsize=9)
    right = float(values[top]) * 1.05 if values[top] > 0 else float(values[top]) * 0.95
    curve.set_xlim(float(values[0]), max(right, float(values[0]) + 1.0))
    label = "implementation cost" if data["column"] == "actual_cost" else "NPV"
    for ax in (hist, curve):
        money_axis(ax.xaxis, ticks=4)
        ax.set_xlabel(f"{label} ({data['currency']})", fontsize=9)
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3)
        if data["plan"] is not None:
            ax.axvline(data["plan"], color=GREY, linestyle=":", label=f"plan {data['plan']:,.0f}")
        if data["zero"]:
            ax.axvline(0.0, color=RED, linestyle="--", linewidth=1, label="NPV = 0")
        for mark in data["marks"]:
            ax.axvline(mark["value"], color=GREEN, linewidth=0.9, alpha=0.8)
    for mark in data["marks"]:
        curve.plot(mark["value"], mark["level"], "o", color=GREEN)
        curve.annotate(f"P{100 * mark['level']:g} {mark['value']:,.0f}",
                       (mark["value"], mark["level"]), textcoords="offset points",
                       xytext=(6, -10), fontsize=8)  # fmt: skip
    curve.legend(fontsize=8, loc="lower right")
    fig.suptitle(data["title"], fontsize=10)
    return fig


def failure_figure(data: dict[str, Any]) -> Figure:
    """P(fail) of each criterion with its 95% interval, in its stakeholder colour."""
    rows = data["criteria"]
    fig = blank_figure(7.5, 1.2 + 0.42 * len(rows))
    ax = fig.subplots()
    y = np.arange(len(rows))[::-1]
    for k, row in zip(y, rows, strict=True):
        colour = criterion_colour(row["criterion"])
        low, high = row["ci95"]
        ax.barh(k, row["p"], color=colour, alpha=0.8, height=0.6)
        ax.plot([low, high], [k, k], color="black", linewidth=1.5)
        ax.annotate(f"{100 * row['p']:.1f}% [{100 * low:.1f}, {100 * high:.1f}]",
                    (high, k), textcoords="offset points", xytext=(5, -3), fontsize=8)  # fmt: skip
    ax.set_yticks(y, [r["criterion"] for r in rows], fontsize=9)
    ax.set_xlim(0, 1)
    percent_axis(ax.xaxis)
    ax.set_xlabel(f"P(fail) (whisker: {data.get('interval', '95% Wilson interval')})", fontsize=9)
    ax.grid(axis="x", alpha=0.3)
    ax.set_title(data["title"], fontsize=10)
    return fig


def disagreement_figure(data: dict[str, Any]) -> Figure:
    """Heatmap of the share of projects on which each pair of criteria disagree."""
    names, matrix = data["criteria"], np.asarray(data["matrix"])
    fig = blank_figure(1.8 + 0.9 * len(names), 1.2 + 0.75 * len(names))
    ax = fig.subplots()
    image = ax.imshow(matrix, cmap="Reds", vmin=0.0, vmax=max(float(matrix.max()), 0.01))
    for i in range(len(names)):
        for j in range(len(names)):
            text = "—" if i == j else f"{100 * matrix[i, j]:.0f}%"
            dark = matrix[i, j] > 0.6 * matrix.max()
            ax.text(j, i, text, ha="center", va="center", fontsize=8,
                    color="white" if dark else "black")  # fmt: skip
    ax.set_xticks(range(len(names)), names, rotation=35, ha="right", fontsize=8)
    ax.set_yticks(range(len(names)), names, fontsize=8)
    bar = fig.colorbar(image, ax=ax, shrink=0.8)
    percent_axis(bar.ax.yaxis)
    bar.set_label("projects judged differently", fontsize=8)
    ax.set_title(data["title"], fontsize=10)
    return fig


def _fan(data: dict[str, Any], colour: str) -> tuple[Figure, Any]:
    """A fan chart's figure and axes: the 10–90% and 25–75% bands and the median of
    ``data["quantiles"]`` by ``data["months"]``, percent on the value axis."""
    fig = blank_figure(8.0, 4.2)
    ax = fig.subplots()
    months = np.asarray(data["months"])
    q = {k: np.asarray(v, dtype=np.float64) for k, v in data["quantiles"].items()}
    ax.fill_between(months, q["0.1"], q["0.9"], color=colour, alpha=0.18, linewidth=0,
                    label="10–90% of projects")  # fmt: skip
    ax.fill_between(months, q["0.25"], q["0.75"], color=colour, alpha=0.35, linewidth=0,
                    label="25–75%")  # fmt: skip
    ax.plot(months, q["0.5"], color=colour, linewidth=2, label="median")
    percent_axis(ax.yaxis)
    ax.grid(alpha=0.3)
    return fig, ax


def adoption_fan_figure(data: dict[str, Any]) -> Figure:
    """Fan chart: the median active share by month after go-live, with the 25–75% and
    10–90% bands (operating projects; abandoned ones count as 0)."""
    fig, ax = _fan(data, BLUE)
    ax.set_ylim(0, 1)
    ax.set_xlabel("months after go-live", fontsize=9)
    ax.set_ylabel("active share of users", fontsize=9)
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title(f"{data['title']}\n(projects still operating; abandoned ones at 0)", fontsize=10)
    return fig


def cash_fan_figure(data: dict[str, Any]) -> Figure:
    """Fan chart of the cumulative undiscounted cash, in percent of the planned budget:
    the J-curve of spending during execution and paying back after go-live."""
    fig, ax = _fan(data, GREEN)
    ax.axhline(0.0, color="black", linewidth=0.8)
    ax.set_xlabel("months from the start of the project", fontsize=9)
    ax.set_ylabel("cumulative cash (% of the planned budget)", fontsize=9)
    ax.legend(fontsize=8, loc="upper left")
    ax.set_title(f"{data['title']}\n(undiscounted; paid back where it crosses 0)", fontsize=10)
    return fig


DRAW = {
    "cash_fan": cash_fan_figure,
    "adoption_fan": adoption_fan_figure,
    "actual_cost_distribution": distribution_figure,
    "npv_distribution": distribution_figure,
    "failure": failure_figure,
    "disagreement": disagreement_figure,
}
"""File stem → the function that draws it."""
