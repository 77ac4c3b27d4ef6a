"""Figures of ``simcrm portfolio``: the efficient frontier, the total-cost S-curve with the
budget and contingency marked, and each project's contribution to the portfolio's risk.

Each figure is drawn from a small JSON-ready dictionary (:func:`portfolio_figure_data`),
written beside it, so what a figure shows can be read back exactly. matplotlib is
imported inside the functions that draw.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from simcrm.report.style import BLUE, GREEN, GREY, RED, blank_figure, money_axis, percent_axis

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

S_CURVE_POINTS = 401


def portfolio_figure_data(
    doc: dict[str, Any], total_cost: npt.NDArray[np.float64]
) -> dict[str, dict[str, Any]]:
    """The data of every figure: ``frontier`` (if solved), ``cost_scurve``,
    ``contributions``. ``doc`` is :meth:`PortfolioResult.to_dict`; ``total_cost`` the chosen
    portfolio's total cost by trial."""
    currency = doc["currency"]
    levels = np.linspace(0.0, 1.0, S_CURVE_POINTS)
    data: dict[str, dict[str, Any]] = {
        "cost_scurve": {
            "title": f"{doc['portfolio']}: total implementation cost of the chosen portfolio",
            "currency": currency,
            "trials": int(total_cost.size),
            "probability": levels.tolist(),
            "cost": np.quantile(total_cost, levels).tolist() if total_cost.size else [],
            "budget": doc["budget"].get("total"),
            "base": (doc["aggregate"].get("contingency") or [{}])[0].get("base"),
            "marks": [
                {"level": c["level"], "cost": c["cost"], "ci95": c["cost_ci95"]}
                for c in doc["aggregate"].get("contingency", [])
            ],
        },
        "contributions": {
            "title": f"{doc['portfolio']}: what each project adds to the portfolio's risk",
            "currency": currency,
            **{k: doc["contributions"].get(k) for k in ("level", "total", "window")},
            "projects": doc["contributions"].get("projects", []),
        },
    }
    if doc.get("frontier"):
        data["frontier"] = {
            "title": f"{doc['portfolio']}: efficient frontier",
            "currency": currency,
            "alpha": doc["alpha"],
            "budget": doc["frontier"]["by_budget"][2]["budget"],
            "budget_line": doc["frontier"]["budget_line"],
            "by_budget": [_point(p, "budget") for p in doc["frontier"]["by_budget"]],
            "by_alpha": [_point(p, "alpha") for p in doc["frontier"]["by_alpha"]],
        }
    return data


def _point(p: dict[str, Any], x: str) -> dict[str, Any]:
    """A frontier point: where it is, its out-of-sample expected NPV (interval) and
    P(overspending)."""
    if not p.get("feasible"):
        return {x: p[x], "feasible": False}
    out = p["out_of_sample"]
    return {
        x: p[x],
        "feasible": True,
        "projects": sum(p["counts"].values()),
        "expected_npv": out["expected_npv"],
        "expected_npv_ci95": out["expected_npv_ci95"],
        "in_sample_npv": p["in_sample"]["expected_npv"],
        "p_overspend": out["p_overspend"],
        "p_overspend_ci95": out["p_overspend_ci95"],
    }


def frontier_figure(data: dict[str, Any]) -> Figure:
    """Expected NPV (out of sample, 95% interval) of the best portfolio against the
    budget and against α, the portfolio's own point marked."""
    fig = blank_figure(11.0, 4.2)
    left, right = fig.subplots(1, 2)
    currency = data["currency"]
    for ax, key, x_label in (
        (left, "by_budget", f"budget ({data['budget_line']}, {currency})"),
        (right, "by_alpha", "α: probability of overspending allowed"),
    ):
        points = [p for p in data[key] if p["feasible"]]
        x_name = "budget" if key == "by_budget" else "alpha"
        xs = [p[x_name] for p in points]
        ys = [p["expected_npv"] for p in points]
        low = [p["expected_npv"] - p["expected_npv_ci95"][0] for p in points]
        high = [p["expected_npv_ci95"][1] - p["expected_npv"] for p in points]
        ax.errorbar(xs, ys, yerr=[low, high], fmt="o-", color=BLUE, capsize=3,
                    label="expected NPV out of sample (95% interval)")  # fmt: skip
        ax.plot(xs, [p["in_sample_npv"] for p in points], "x", color=GREY,
                label="on the selection sample")  # fmt: skip
        for p in points:
            ax.annotate(f"{p['projects']}", (p[x_name], p["expected_npv"]),
                        textcoords="offset points", xytext=(4, -12), fontsize=7, color=GREY)  # fmt: skip
        own = data["budget"] if key == "by_budget" else data["alpha"]
        ax.axvline(own, color=RED, linewidth=1, linestyle="--", label="this portfolio's")
        ax.set_xlabel(x_label, fontsize=9)
        ax.set_ylabel(f"expected NPV ({currency})", fontsize=9)
        money_axis(ax.yaxis)
        if key == "by_budget":
            money_axis(ax.xaxis)
            ax.set_title(f"at α = {100 * data['alpha']:g}%", fontsize=10)
        else:
            percent_axis(ax.xaxis)
            ax.set_title("at this budget", fontsize=10)
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3)
    left.legend(fontsize=7, loc="lower right")
    fig.suptitle(f"{data['title']} (numbers: projects funded)", fontsize=11)
    return fig


def scurve_figure(data: dict[str, Any]) -> Figure:
    """The total cost's S-curve (cumulative probability), the budget, the base estimate
    and the contingency levels with their 95% intervals."""
    fig = blank_figure(8.0, 4.6)
    ax: Axes = fig.subplots()
    currency = data["currency"]
    ax.plot(data["cost"], data["probability"], color=BLUE, linewidth=1.8,
            label=f"total cost ({data['trials']:,} trials)")  # fmt: skip
    if data["base"] is not None:
        ax.axvline(
            data["base"], color=GREY, linestyle=":", label=f"base estimate {data['base']:,.0f}"
        )
    if data["budget"] is not None:
        ax.axvline(data["budget"], color=RED, linestyle="--", label=f"budget {data['budget']:,.0f}")
    for mark in data["marks"]:
        low, high = mark["ci95"]
        ax.plot([low, high], [mark["level"]] * 2, color=GREEN, linewidth=4, alpha=0.5)
        ax.plot(mark["cost"], mark["level"], "o", color=GREEN)
        contingency = f" (+{mark['cost'] - data['base']:,.0f})" if data["base"] is not None else ""
        ax.annotate(f"P{100 * mark['level']:g}: {mark['cost']:,.0f}{contingency}",
                    (mark["cost"], mark["level"]), textcoords="offset points",
                    xytext=(8, -4), fontsize=8)  # fmt: skip
    money_axis(ax.xaxis)
    percent_axis(ax.yaxis)
    # a power-law tail would squeeze the curve against the axis: cut at the P99.5
    shown = [data["cost"][int(0.995 * (len(data["cost"]) - 1))]]
    shown += [x for x in (data["budget"], data["base"]) if x is not None]
    shown += [m["ci95"][1] for m in data["marks"]]
    right = 1.08 * max(shown)
    if data["cost"] and data["cost"][-1] > right:
        ax.set_xlim(left=0.0, right=right)
        ax.annotate(f"cut at P99.5; the largest trial: {data['cost'][-1]:,.0f}",
                    (0.99, 0.3), xycoords="axes fraction", ha="right", fontsize=7, color=GREY)  # fmt: skip
    ax.set_xlabel(f"total implementation cost ({currency})", fontsize=9)
    ax.set_ylabel("probability the cost is at most this", fontsize=9)
    ax.set_ylim(0, 1)
    ax.grid(alpha=0.3)
    ax.tick_params(labelsize=8)
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title(f"{data['title']}\n(green: contingency levels, bar: 95% interval)", fontsize=10)
    return fig


def contribution_figure(data: dict[str, Any]) -> Figure:
    """Each project's Euler contribution to the portfolio's cost quantile, beside its
    incremental effect and its standalone quantile."""
    rows = data["projects"]
    fig = blank_figure(8.5, 1.4 + 0.38 * max(len(rows), 1))
    ax: Axes = fig.subplots()
    y = np.arange(len(rows))[::-1]
    level = f"P{100 * (data['level'] or 0):g}"
    ax.barh(y + 0.2, [r["euler"] for r in rows], height=0.4, color=BLUE,
            label=f"contribution to the portfolio's {level} (Euler; they add up to it)")  # fmt: skip
    ax.barh(y - 0.2, [r["incremental"] for r in rows], height=0.4, color=RED, alpha=0.7,
            label=f"what dropping it saves at {level}")  # fmt: skip
    ax.plot([r["standalone"] for r in rows], y, "|", color="black", markersize=12,
            label=f"its own {level}")  # fmt: skip
    ax.set_yticks(y, [f"{r['project']} ({100 * r['euler_share']:.0f}%)" for r in rows], fontsize=8)
    money_axis(ax.xaxis)
    ax.set_xlabel(f"cost ({data['currency']})", fontsize=9)
    ax.tick_params(labelsize=8)
    ax.grid(axis="x", alpha=0.3)
    ax.legend(fontsize=7, loc="lower right")
    total = data["total"] or 0.0
    ax.set_title(
        f"{data['title']}\n(portfolio {level}: {total:,.0f} {data['currency']})", fontsize=10
    )
    return fig


FIGURES = {
    "frontier": frontier_figure,
    "cost_scurve": scurve_figure,
    "contributions": contribution_figure,
}
"""File stem → the function drawing it from its data."""
