"""The figure of ``simcrm compare``: each paired difference ``B − A`` with its 95% interval.

Three panels: probabilities (P(fail …) and events) in percentage points, each criterion in
its stakeholder colour; the money figures (cost and NPV) in the currency; and the shares
(overruns, adoption, ROI, scope growth) in percentage points. A whisker that excludes 0
is drawn solid; one that includes it, faded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from simcrm.report.style import BLUE, blank_figure, criterion_colour, money_axis

if TYPE_CHECKING:
    from matplotlib.figure import Figure

MONEY = ("actual_cost", "npv")
SHARES = ("overrun", "adoption", "roi", "scope_growth")


def compare_figure_data(doc: dict[str, Any], currency: str = "") -> dict[str, Any]:
    """The data the figure shows, from :meth:`Comparison.to_dict` (JSON-ready)."""
    panels: dict[str, list[dict[str, Any]]] = {"probability": [], "money": [], "share": []}
    for name, d in doc["figures"].items():
        kind = (
            "probability"
            if name.startswith("P(")
            else "money"
            if name.endswith(MONEY)
            else "share"
            if any(key in name for key in SHARES)
            else None
        )
        if kind is not None:
            panels[kind].append({"figure": name, "difference": d["difference"], "ci95": d["ci95"]})
    return {
        "title": f"{doc['b']} − {doc['a']}: paired on {doc['trials']:,} trials (seed {doc['seed']})",
        "currency": currency,
        "panels": panels,
    }


def compare_figure(data: dict[str, Any]) -> Figure:
    """Dot-and-whisker of every difference, one panel per unit."""
    panels = {k: v for k, v in data["panels"].items() if v}
    heights = [max(len(v), 2) for v in panels.values()]
    fig = blank_figure(8.5, 1.2 + 0.27 * sum(heights))
    axes = fig.subplots(len(panels), 1, squeeze=False, height_ratios=heights)[:, 0]
    labels = {
        "probability": "difference (percentage points)",
        "share": "difference (percentage points)",
        "money": f"difference ({data['currency']})" if data["currency"] else "difference",
    }
    for ax, (kind, rows) in zip(axes, panels.items(), strict=True):
        scale = 1.0 if kind == "money" else 100.0
        y = list(range(len(rows)))[::-1]
        for k, row in zip(y, rows, strict=True):
            low, high = (scale * v for v in row["ci95"])
            x = scale * row["difference"]
            clear = not (low <= 0 <= high)
            colour = criterion_colour(row["figure"]) if row["figure"].startswith("P(fail") else BLUE
            ax.plot([low, high], [k, k], color=colour, linewidth=2.2, alpha=1.0 if clear else 0.35)
            ax.plot(x, k, "o", color=colour, markersize=4.5, alpha=1.0 if clear else 0.5)
        ax.axvline(0.0, color="black", linewidth=0.8)
        ax.set_yticks(y, [r["figure"] for r in rows], fontsize=7.5)
        ax.set_ylim(-0.7, len(rows) - 0.3)
        ax.set_xlabel(labels[kind], fontsize=8.5)
        ax.tick_params(axis="x", labelsize=8)
        ax.grid(axis="x", alpha=0.3)
        if kind == "money":
            money_axis(ax.xaxis)
    fig.suptitle(f"{data['title']}\n(whisker: 95% interval; faded: it includes 0)", fontsize=10)
    return fig
