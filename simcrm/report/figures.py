"""Figures of the failure-rate analyses (matplotlib, Agg: no display needed).

Figures are built with :class:`matplotlib.figure.Figure` on an Agg canvas, never
through ``pyplot``: no global backend changes and no window opens.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from simcrm.report.style import BLUE, RED, blank_figure, criterion_colour, money_axis, percent_axis

if TYPE_CHECKING:
    from matplotlib.figure import Figure

CLAIM_COLOUR = RED
BAR_COLOUR = BLUE
_figure = blank_figure


def reported_rate_figure(result: dict[str, Any]) -> Figure:
    """Small multiples: per criterion, the histogram of the rate surveys would report."""
    criteria = result["criteria"]
    n, claim = result["cohort"], result["claim"]
    cols = min(3, len(criteria))
    rows = math.ceil(len(criteria) / cols)
    fig = _figure(4.2 * cols, 3.0 * rows)
    axes = fig.subplots(rows, cols, squeeze=False, sharex=True)
    for ax, (name, entry) in zip(axes.flat, criteria.items(), strict=False):
        counts = np.asarray(entry["histogram"], dtype=np.float64)
        edges = (np.arange(counts.size + 1) - 0.5) / n  # one bin per possible count k
        ax.stairs(counts / counts.sum(), edges, fill=True, color=criterion_colour(name))
        ax.axvline(claim, color=CLAIM_COLOUR, linestyle="--", linewidth=1.2)
        share = entry["at_least_claim"]["p"]
        interval = entry["at_least_claim"].get("ci95")
        shown = f"{share:.1%}" + (f" [{interval[0]:.1%}, {interval[1]:.1%}]" if interval else "")
        ax.set_title(f"{name}: P(report ≥ {claim:.0%}) = {shown}", fontsize=9)
        ax.set_xlim(0, 1)
        percent_axis(ax.xaxis)
        percent_axis(ax.yaxis)
        ax.tick_params(labelsize=8, labelbottom=True)
        ax.set_xlabel(f"reported rate (survey of {n})", fontsize=8)
        ax.set_ylabel("share of surveys", fontsize=8)
    for ax in list(axes.flat)[len(criteria) :]:
        ax.set_visible(False)
    fig.suptitle(
        f"{result['scenario']}: what {result['surveys']:,} surveys of {n} projects would report "
        f"(dashed: the {claim:.0%} claim)",
        fontsize=10,
    )
    return fig


def posterior_figure(
    prior: npt.NDArray[np.float64], weights: npt.NDArray[np.float64], observed: dict[str, Any]
) -> Figure:
    """Prior and posterior of a criterion's true failure rate across worlds."""
    fig = _figure(6.0, 3.4)
    ax = fig.subplots()
    bins = [i / 100 for i in range(101)]
    ax.hist(prior, bins=bins, density=True, alpha=0.5, color="grey", label="prior (worlds)")
    ax.hist(prior, bins=bins, weights=weights, density=True, alpha=0.7, color=BAR_COLOUR,
            label="posterior")  # fmt: skip
    k, n = observed["failures"], observed["projects"]
    ax.axvline(k / n, color=CLAIM_COLOUR, linestyle="--", linewidth=1.2, label=f"observed {k}/{n}")
    low, high = float(np.min(prior)), float(np.max(prior))
    pad = 0.1 * (high - low) + 0.02
    ax.set_xlim(max(0.0, low - pad), min(1.0, high + pad))
    percent_axis(ax.xaxis)
    ax.set_xlabel(f"true failure rate: {observed['criterion']}")
    ax.set_ylabel("density")
    ax.legend(fontsize=8)
    return fig


def definitions_figure(result: dict[str, Any]) -> Figure:
    """P(fail) against each criterion's threshold, with the claim and where it is reached."""
    dims = result["dimensions"]
    claim = result["claim"]
    cols = 2
    rows = math.ceil(len(dims) / cols)
    fig = _figure(5.2 * cols, 3.2 * rows)
    axes = fig.subplots(rows, cols, squeeze=False)
    for ax, dim in zip(axes.flat, dims.values(), strict=False):
        x = np.asarray(dim["grid"], dtype=np.float64)
        p = np.asarray(dim["p_fail"])
        low, high = np.asarray(dim["ci95_low"]), np.asarray(dim["ci95_high"])
        ax.fill_between(x, low, high, color=BAR_COLOUR, alpha=0.25, linewidth=0)
        ax.plot(x, p, color=BAR_COLOUR)
        ax.axhline(claim, color=CLAIM_COLOUR, linestyle="--", linewidth=1.0)
        t = dim["threshold"]
        if t["in_range"]:
            ax.axvline(t["value"], color=CLAIM_COLOUR, linewidth=0.8)
            ax.axvspan(t["ci95"][0], t["ci95"][1], color=CLAIM_COLOUR, alpha=0.15)
        if dim["unit"] == "fraction":
            percent_axis(ax.xaxis)
            unit = ""
        else:
            money_axis(ax.xaxis)
            unit = f" ({result.get('currency', '')})"
        ax.set_xlabel(f"failure = {dim['label']} x{unit}", fontsize=8)
        ax.set_ylabel("P(fail) (band: 95% interval)", fontsize=8)
        ax.set_ylim(0, 1)
        percent_axis(ax.yaxis)
        ax.set_title(_threshold_title(dim, claim, result.get("currency", "")), fontsize=9)
        ax.tick_params(labelsize=8)
    for ax in list(axes.flat)[len(dims) :]:
        ax.set_visible(False)
    fig.suptitle(
        f"{result['scenario']}: failure probability by definition "
        f"({result['trials']:,} trials; dashed: the {claim:.0%} claim)",
        fontsize=10,
    )
    return fig


def _threshold_title(dim: dict[str, Any], claim: float, currency: str) -> str:
    t = dim["threshold"]
    fraction = dim["unit"] == "fraction"

    def shown(v: float) -> str:
        return f"{100 * v:,.1f}%" if fraction else f"{v:,.0f} {currency}"

    where = "" if t["in_range"] else " (outside the plotted range)"
    interval = f" [{shown(t['ci95'][0])}, {shown(t['ci95'][1])}]" if t.get("ci95") else ""
    return f"{claim:.0%} fail if {dim['label']} {shown(t['value'])}{interval}{where}"
