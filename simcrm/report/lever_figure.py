"""The figure of ``simcrm levers``: each decision's paired effect on every verdict."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from simcrm.report.sensitivity_figures import blank_figure, finite

if TYPE_CHECKING:
    from matplotlib.figure import Figure

LEVER_COLOURS = ("#2c6e9b", "#c0392b", "#27ae60", "#8e44ad", "#d35400", "#2c3e50", "#16a085")


def lever_figure(doc: dict[str, Any]) -> Figure:
    """Dot-and-whisker chart of each lever's effect on each verdict (``simcrm levers``).

    ``doc`` is :meth:`simcrm.analyses.levers.LeverEffects.to_dict`: one row group per
    probability figure (each criterion's P(fail), P(abandoned)), one dot per lever with
    its 95% interval, in percentage points around a 0 line; levers already on are named
    in the legend and not drawn.
    """
    verdicts = [name for name in doc["figures"] if name.startswith("P(")]
    levers = doc["levers"]
    drawn = [lv for lv in levers if lv["figures"] is not None]
    fig = blank_figure(8.5, 1.4 + 0.32 * len(verdicts) * max(len(drawn), 1) ** 0.6)
    ax = fig.subplots()
    step = 0.8 / max(len(drawn), 1)
    y = list(range(len(verdicts)))[::-1]
    for j, lever in enumerate(levers):
        colour = LEVER_COLOURS[j % len(LEVER_COLOURS)]
        if lever["figures"] is None:
            ax.plot([], [], linestyle="none", marker="", label=f"{lever['lever']}: already on")
            continue
        k = drawn.index(lever)
        offset = 0.4 - step / 2 - k * step
        xs, below, above = [], [], []
        for name in verdicts:
            d = lever["figures"][name]
            x = 100 * finite(d["difference"])
            low, high = d["ci95"]
            xs.append(x)
            below.append(max(x - 100 * finite(low), 0.0))
            above.append(max(100 * finite(high) - x, 0.0))
        ax.errorbar(xs, [k0 + offset for k0 in y], xerr=[below, above], fmt="o",
                    color=colour, ecolor=colour, markersize=4, elinewidth=1.2, capsize=2,
                    label=lever["lever"])  # fmt: skip
    ax.axvline(0.0, color="black", linewidth=0.8)
    for k in y[:-1]:
        ax.axhline(k - 0.5, color="#dddddd", linewidth=0.6)
    ax.set_yticks(y, verdicts, fontsize=8)
    ax.set_ylim(-0.6, len(verdicts) - 0.4)
    ax.set_xlabel("change in probability (percentage points; lever − scenario)", fontsize=9)
    ax.set_title(
        f"{doc['scenario']}: what each lever buys ({doc['trials']:,} paired trials, "
        f"seed {doc['seed']}; whisker: 95% interval)",
        fontsize=10,
    )
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5))
    ax.tick_params(axis="x", labelsize=8)
    return fig
