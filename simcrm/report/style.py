"""One visual language for every figure: colours per stakeholder, percent axes for
probabilities, thousands separators on money, and a blank Agg figure.

Every figure of simcrm is built on :func:`blank_figure` (a :class:`matplotlib.figure.Figure`
on an Agg canvas: no pyplot, no global state) and formats its axes with
:func:`percent_axis` and :func:`money_axis`, so a probability is never a bare 0–1 number
and money never carries matplotlib's ``1e6`` offset. A criterion has the same colour in
every figure (:func:`criterion_colour`). matplotlib is imported inside the functions.
"""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure

STAKEHOLDER_COLOURS = {
    "expectations": "#8e44ad",
    "cio": "#c0392b",
    "marketing": "#27ae60",
    "financial": "#2c6e9b",
    "standish_failed": "#2c3e50",
    "standish_challenged": "#d35400",
}
"""The shipped criteria's colours (the stakeholders of docs/model.md §6)."""
OTHER_COLOURS = ("#16a085", "#7f8c8d", "#b7950b", "#a93226", "#1f618d", "#6c3483")
BLUE, RED, GREY, GREEN = "#2c6e9b", "#c0392b", "#7f8c8d", "#27ae60"


def criterion_colour(name: str) -> str:
    """The colour of a criterion (``cio`` or ``fail_cio``), the same in every figure."""
    key = name.removeprefix("fail_").removeprefix("P(fail ").removesuffix(")")
    if key in STAKEHOLDER_COLOURS:
        return STAKEHOLDER_COLOURS[key]
    return OTHER_COLOURS[zlib.crc32(key.encode()) % len(OTHER_COLOURS)]


def blank_figure(width: float, height: float) -> Figure:
    """An empty figure with constrained layout on an Agg canvas."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def percent_axis(axis: Any, xmax: float = 1.0) -> None:
    """Ticks in percent (values are shares of ``xmax``)."""
    from matplotlib.ticker import PercentFormatter

    axis.set_major_formatter(PercentFormatter(xmax=xmax, decimals=None))


def money_axis(axis: Any, ticks: int = 5) -> None:
    """Thousands separators and at most ``ticks`` ticks (long amounts never overlap)."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    axis.set_major_locator(MaxNLocator(ticks))
    axis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.0f}"))
