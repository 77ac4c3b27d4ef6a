"""The figure of ``simcrm calibrate``: each target's value, achieved before and after the
fit, and on an independent check sample.

Targets have different units, so each row shows the difference ``achieved − target``:
in percentage points for probabilities and shares up to 150% (overruns, adoption, ROI), as
a percent of the target for the others (money, months, exponents, far quantiles).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from simcrm.report.style import BLUE, GREEN, GREY, blank_figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure

SHARE_WORDS = ("overrun", "adoption", "roi", "scope_growth", "P(", "probability")


def calibrate_figure_data(doc: dict[str, Any], title: str) -> dict[str, Any]:
    """Each target's differences ``before``, ``after`` and ``check`` in its own unit."""
    rows = []
    for row in doc["rows"]:
        share = row["statistic"] == "probability" or (
            any(w in row["target"] for w in SHARE_WORDS) and abs(row["value"]) <= 1.5
        )
        relative = not share and row["value"] != 0
        unit = "points" if share or not relative else "% of target"

        def difference(x: float | None, row: dict[str, Any] = row, rel: bool = relative) -> float:
            if x is None or x != x:
                return float("nan")
            return 100 * (x - row["value"]) / abs(row["value"]) if rel else 100 * (x - row["value"])

        rows.append(
            {
                "target": row["target"],
                "value": row["value"],
                "unit": unit,
                **{k: difference(row[k]) for k in ("before", "after", "check")},
            }
        )
    return {"title": title, "trials": doc["trials"], "rows": rows}


def calibrate_figure(data: dict[str, Any]) -> Figure:
    """Dot chart: achieved − target before (grey) and after (blue) the fit, and on the
    check sample (green ring), one row per target."""
    rows = data["rows"]
    fig = blank_figure(8.5, 1.3 + 0.42 * len(rows))
    ax = fig.subplots()
    y = np.arange(len(rows))[::-1]
    for k, row in zip(y, rows, strict=True):
        ax.plot([row["before"], row["after"]], [k, k], color=GREY, linewidth=1, alpha=0.6)
    ax.plot([r["before"] for r in rows], y, "o", color=GREY, label="before the fit")
    ax.plot([r["after"] for r in rows], y, "o", color=BLUE, label="after the fit")
    ax.plot([r["check"] for r in rows], y, "o", mfc="none", color=GREEN, markersize=9,
            label="after, on an independent check sample")  # fmt: skip
    ax.axvline(0.0, color="black", linewidth=0.8)
    ax.set_yticks(y, [f"{r['target']} ({r['unit']})" for r in rows], fontsize=8)
    ax.set_xlabel("achieved − target (percentage points, or % of the target)", fontsize=9)
    ax.grid(axis="x", alpha=0.3)
    ax.legend(fontsize=8, loc="best")
    ax.set_title(f"{data['title']} ({data['trials']:,} trials per evaluation)", fontsize=10)
    return fig
