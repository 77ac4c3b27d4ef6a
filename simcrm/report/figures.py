"""Figures of the failure-rate analyses (matplotlib, Agg: no display needed).

Figures are built with :class:`matplotlib.figure.Figure` on an Agg canvas, never
through ``pyplot``: no global backend changes and no window opens.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

CLAIM_COLOUR = "#c0392b"
BAR_COLOUR = "#2c6e9b"


def _figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


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
        ax.stairs(counts / counts.sum(), edges, fill=True, color=BAR_COLOUR)
        ax.axvline(claim, color=CLAIM_COLOUR, linestyle="--", linewidth=1.2)
        share = entry["at_least_claim"]["p"]
        ax.set_title(f"{name}: P(report ≥ {claim:.0%}) = {share:.1%}", fontsize=9)
        ax.set_xlim(0, 1)
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
        scale = 100.0 if dim["unit"] == "fraction" else 1.0
        p = np.asarray(dim["p_fail"])
        low, high = np.asarray(dim["ci95_low"]), np.asarray(dim["ci95_high"])
        ax.fill_between(x * scale, low, high, color=BAR_COLOUR, alpha=0.25, linewidth=0)
        ax.plot(x * scale, p, color=BAR_COLOUR)
        ax.axhline(claim, color=CLAIM_COLOUR, linestyle="--", linewidth=1.0)
        t = dim["threshold"]
        if t["in_range"]:
            ax.axvline(t["value"] * scale, color=CLAIM_COLOUR, linewidth=0.8)
            ax.axvspan(t["ci95"][0] * scale, t["ci95"][1] * scale, color=CLAIM_COLOUR, alpha=0.15)
        unit = " (%)" if dim["unit"] == "fraction" else f" ({result.get('currency', '')})"
        ax.set_xlabel(f"failure = {dim['label']} x{unit}", fontsize=8)
        ax.set_ylabel("P(fail)", fontsize=8)
        ax.set_ylim(0, 1)
        ax.set_title(_threshold_title(dim, claim, scale, result.get("currency", "")), fontsize=9)
        ax.tick_params(labelsize=8)
    for ax in list(axes.flat)[len(dims) :]:
        ax.set_visible(False)
    fig.suptitle(
        f"{result['scenario']}: failure probability by definition "
        f"({result['trials']:,} trials; dashed: the {claim:.0%} claim)",
        fontsize=10,
    )
    return fig


def _threshold_title(dim: dict[str, Any], claim: float, scale: float, currency: str) -> str:
    t = dim["threshold"]
    value = t["value"] * scale
    text = f"{value:,.1f}%" if scale != 1 else f"{value:,.0f} {currency}"
    where = "" if t["in_range"] else " (outside the plotted range)"
    return f"{claim:.0%} fail if {dim['label']} {text}{where}"
