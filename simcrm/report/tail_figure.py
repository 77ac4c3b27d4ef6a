"""The cost-ratio tail on log–log axes: simulated survival function against published figures.

A power law ``P(R > x) ∝ x^(−alpha)`` is a straight line of slope ``−alpha`` on log–log
axes, a lognormal a curve that bends down: the figure shows at a glance whether a
scenario's cost tail has the shape of the reference class (``simcrm calibrate --figures``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from simcrm.report.sensitivity_figures import blank_figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure

FloatArray = npt.NDArray[np.float64]

SAMPLE_COLOURS = ("#2c6e9b", "#7f8c8d", "#27ae60")
PUBLISHED_COLOUR = "#c0392b"


@dataclass(frozen=True)
class Mark:
    """A published point of the survival function: ``P(R > x) = share``."""

    x: float
    share: float
    label: str


@dataclass(frozen=True)
class PowerLaw:
    """A published power-law tail ``P(R > x) = share · (x / x_min)^(−alpha)``, ``x ≥ x_min``."""

    alpha: float
    x_min: float
    share: float
    label: str


def survival(values: FloatArray) -> tuple[FloatArray, FloatArray]:
    """The empirical survival function of the positive values: sorted ``x`` and
    ``P(R > x)`` just before each (so the last point is ``1 / n``, drawable on a log axis)."""
    x = np.sort(values[np.isfinite(values) & (values > 0)])
    n = x.size
    return x, 1.0 - np.arange(n) / n


def _percent(p: float, _position: object = None) -> str:
    """An axis label of a probability in percent: 10%, 1%, 0.1%, 0.001%."""
    if p <= 0:
        return ""
    digits = max(0, -int(np.floor(np.log10(100 * p) + 1e-9)))
    return f"{100 * p:.{digits}f}%"


def cost_tail_figure(
    samples: Mapping[str, FloatArray],
    marks: Sequence[Mark] = (),
    power_law: PowerLaw | None = None,
    title: str = "",
) -> Figure:
    """Survival functions of simulated cost ratios on log–log axes, published figures marked.

    Parameters
    ----------
    samples
        Simulated cost ratios (actual / planned cost, ``1 + cost_overrun``) by label,
        e.g. the scenario as given and as calibrated.
    marks
        Published points ``P(R > x)`` (drawn as red diamonds with their labels).
    power_law
        A published power-law tail, drawn as a dashed red line from ``x_min`` to the
        largest simulated ratio.
    title
        The figure's title.

    Returns
    -------
    matplotlib.figure.Figure
        Horizontal axis: cost ratio (log); vertical: share of projects above it, in
        percent (log).
    """
    from matplotlib.ticker import FuncFormatter, LogLocator

    fig = blank_figure(7.0, 4.6)
    ax = fig.subplots()
    largest, smallest_p = 2.0, 1.0
    for colour, (label, values) in zip(SAMPLE_COLOURS * 4, samples.items(), strict=False):
        x, p = survival(np.asarray(values, dtype=np.float64))
        if x.size == 0:
            continue
        ax.step(
            x, p, where="post", color=colour, linewidth=1.6, label=f"{label} ({x.size:,} trials)"
        )
        largest, smallest_p = max(largest, float(x[-1])), min(smallest_p, float(p[-1]))
    if power_law is not None:
        xs = np.geomspace(power_law.x_min, max(largest, 10 * power_law.x_min), 50)
        ps = power_law.share * (xs / power_law.x_min) ** (-power_law.alpha)
        ax.plot(
            xs, ps, color=PUBLISHED_COLOUR, linestyle="--", linewidth=1.3, label=power_law.label
        )
        smallest_p = min(smallest_p, float(ps[-1]))
    for i, mark in enumerate(marks):
        ax.plot(
            mark.x,
            mark.share,
            marker="D",
            color=PUBLISHED_COLOUR,
            markersize=6,
            linestyle="none",
            label="published figures (the targets)" if i == 0 else None,
        )
        ax.annotate(
            mark.label,
            (mark.x, mark.share),
            xytext=(8, 4),
            textcoords="offset points",
            fontsize=8,
            color=PUBLISHED_COLOUR,
        )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_ylim(max(smallest_p / 2, 1e-7), 1.05)
    ax.yaxis.set_major_locator(LogLocator(base=10))
    ax.yaxis.set_major_formatter(FuncFormatter(_percent))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}×"))
    ax.grid(True, which="major", linewidth=0.5, alpha=0.5)
    ax.set_xlabel("cost ratio R = actual / planned implementation cost (log scale)")
    ax.set_ylabel("share of projects with a larger ratio (log scale)")
    ax.set_title(title, fontsize=10, loc="left")
    ax.legend(fontsize=8, loc="lower left", frameon=False)
    return fig
