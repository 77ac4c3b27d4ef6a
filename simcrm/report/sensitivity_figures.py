"""Figures of the sensitivity analyses: tornado, spider, Sobol' and rank bars.

Each figure is drawn from a plain dict of its data (``*_data`` functions), so what a
figure shows can be written next to it as JSON. matplotlib is imported inside the
functions and used through :class:`matplotlib.figure.Figure` on an Agg canvas: no
display, no global backend change.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from matplotlib.axis import Axis
    from matplotlib.figure import Figure

Unit = Literal["probability", "money", "fraction", "number"]

MONEY_COLUMNS = frozenset({"actual_cost", "npv", "planned_cost"})
FRACTION_COLUMNS = frozenset(
    {"cost_overrun", "schedule_overrun", "scope_growth", "roi", "adoption_12m", "adoption_final"}
)
LOW_COLOUR = "#2c6e9b"
HIGH_COLOUR = "#c0392b"
TOTAL_COLOUR = "#7f8c8d"
SPIDER_INPUTS = 8
"""Inputs drawn in a spider (those of the largest swings)."""


def statistic_unit(name: str) -> Unit:
    """How a statistic (``mean npv``, ``P80 actual_cost``, ``P(fail cio)``) or an output
    column (``npv``, ``fail_cio``) is shown: probability, money, fraction or number."""
    if name.startswith(("P(fail", "fail_")):
        return "probability"
    column = name.split()[-1]
    if column in MONEY_COLUMNS:
        return "money"
    if column in FRACTION_COLUMNS:
        return "fraction"
    return "number"


def format_value(x: float | None, unit: Unit, currency: str = "", signed: bool = False) -> str:
    """A value as printed: ``42.1%`` (``+3.0 pts`` signed), ``1,234,567 CNY``, ``0.123``."""
    if x is None or x != x:
        return "—"
    sign = "+" if signed else ""
    if unit == "probability":
        return f"{100 * x:{sign}.1f} pts" if signed else f"{100 * x:.1f}%"
    if unit == "fraction":
        return f"{100 * x:{sign}.1f}%"
    if unit == "money":
        return f"{x:{sign},.0f}" + (f" {currency}" if currency else "")
    return f"{x:{sign}.3g}"


def slug(name: str) -> str:
    """A file-name part: ``P(fail cio)`` → ``p-fail-cio``, ``mean npv`` → ``mean-npv``."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _label(name: str) -> str:
    """An output column as a person reads it: ``fail_cio`` → ``P(fail cio)``."""
    return f"P(fail {name[5:]})" if name.startswith("fail_") else name


def _axis_format(axis: Axis, unit: Unit, currency: str) -> str:
    """Percent or thousands separators on ``axis``; the unit for its label."""
    from matplotlib.ticker import FuncFormatter, PercentFormatter

    if unit in ("probability", "fraction"):
        axis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=None))
        return "%"
    if unit == "money":
        axis.set_major_formatter(FuncFormatter(lambda x, _pos: f"{x:,.0f}"))
        return currency
    return ""


def blank_figure(width: float, height: float) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


# --------------------------------------------------------------------------- data


def tornado_data(result: dict[str, Any], currency: str = "") -> dict[str, dict[str, Any]]:
    """Per statistic: the bars of its tornado, largest swing first (figure name → data)."""
    found: dict[str, dict[str, Any]] = {}
    for swing in result["swings"]:
        name = swing["statistic"]
        entry = found.setdefault(
            f"tornado-{slug(name)}",
            {
                "kind": "tornado",
                "scenario": result["scenario"],
                "statistic": name,
                "unit": statistic_unit(name),
                "currency": currency,
                "percentiles": list(result["percentiles"]),
                "trials": result["trials"],
                "base": swing["base"],
                "bars": [],
            },
        )
        entry["bars"].append(
            {
                k: swing[k]
                for k in (
                    "input",
                    "low_value",
                    "high_value",
                    "at_low",
                    "at_high",
                    "swing",
                    "low",
                    "high",
                )
            }
        )
    return found


def spider_data(
    result: dict[str, Any], currency: str = "", top: int = SPIDER_INPUTS
) -> dict[str, dict[str, Any]]:
    """Per statistic: the statistic against each input's percentile, for the ``top`` inputs
    of the largest swings (figure name → data)."""
    order: dict[str, list[str]] = {}
    base: dict[str, float] = {}
    for swing in result["swings"]:
        order.setdefault(swing["statistic"], []).append(swing["input"])
        base[swing["statistic"]] = swing["base"]
    found: dict[str, dict[str, Any]] = {}
    for name, inputs in order.items():
        lines = []
        for path in inputs[:top]:
            points = sorted(
                (p for p in result["spider"] if p["statistic"] == name and p["input"] == path),
                key=lambda p: p["percentile"],
            )
            if points:
                lines.append(
                    {
                        "input": path,
                        "percentile": [p["percentile"] for p in points],
                        "value": [p["value"] for p in points],
                        "y": [p["y"] for p in points],
                    }
                )
        if lines:
            found[f"spider-{slug(name)}"] = {
                "kind": "spider",
                "scenario": result["scenario"],
                "statistic": name,
                "unit": statistic_unit(name),
                "currency": currency,
                "trials": result["trials"],
                "base": base[name],
                "lines": lines,
            }
    return found


def sobol_data(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per output: first-order and total indices with their intervals, inputs by total
    index (largest first), then the groups (figure name → data)."""
    found: dict[str, dict[str, Any]] = {}
    for row in result["indices"]:
        entry = found.setdefault(
            f"sobol-{slug(row['output'])}",
            {
                "kind": "sobol",
                "scenario": result["scenario"],
                "output": _label(row["output"]),
                "rows": result["rows"],
                "bars": [],
            },
        )
        entry["bars"].append({k: row[k] for k in ("input", "group", "first", "first_low",
                                                   "first_high", "total", "total_low",
                                                   "total_high")})  # fmt: skip
    for entry in found.values():
        entry["bars"].sort(key=lambda b: (b["group"], -finite(b["total"])))
    return found


def rank_data(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per output: Spearman correlations with their intervals, by size (figure → data)."""
    found: dict[str, dict[str, Any]] = {}
    for row in result["entries"]:
        if row["group"]:
            continue
        entry = found.setdefault(
            f"rank-{slug(row['output'])}",
            {
                "kind": "rank",
                "scenario": result["scenario"],
                "output": _label(row["output"]),
                "trials": result["trials"],
                "bars": [],
            },
        )
        entry["bars"].append(
            {k: row[k] for k in ("input", "spearman", "low", "high", "contribution")}
        )
    for entry in found.values():
        entry["bars"].sort(key=lambda b: -abs(finite(b["spearman"])))
    return found


def figure_data(result: dict[str, Any], currency: str = "") -> dict[str, dict[str, Any]]:
    """Every figure of a sensitivity result (its ``to_dict()``), figure name → data."""
    method = result["method"]
    if method == "tornado":
        return tornado_data(result, currency) | spider_data(result, currency)
    if method == "sobol":
        return sobol_data(result)
    return rank_data(result)


def finite(x: float | None) -> float:
    return 0.0 if x is None or x != x else float(x)


# --------------------------------------------------------------------------- figures


def figure(data: dict[str, Any]) -> Figure:
    """The figure of one entry of :func:`figure_data`."""
    draw = {
        "tornado": tornado_figure,
        "spider": spider_figure,
        "sobol": sobol_figure,
        "rank": rank_figure,
    }
    return draw[data["kind"]](data)


def tornado_figure(data: dict[str, Any]) -> Figure:
    """Horizontal bars from the statistic at the input's low percentile to it at the high
    one, around the base value; the swing's 95% interval as a whisker at the bar's end."""
    bars = data["bars"]
    low_p, high_p = data["percentiles"]
    fig = blank_figure(8.0, 1.2 + 0.42 * len(bars))
    ax = fig.subplots()
    base = data["base"]
    y = list(range(len(bars)))[::-1]
    for k, bar in zip(y, bars, strict=True):
        a, b = finite(bar["at_low"]), finite(bar["at_high"])
        ax.barh(k, a - base, left=base, color=LOW_COLOUR, height=0.6,
                label=f"input at P{low_p:g}" if k == y[0] else None)  # fmt: skip
        ax.barh(k, b - base, left=base, color=HIGH_COLOUR, height=0.6,
                label=f"input at P{high_p:g}" if k == y[0] else None)  # fmt: skip
        if bar["low"] is not None and bar["high"] is not None:
            # the interval of the swing, placed at the high end: at_low + [low, high]
            below = max(bar["swing"] - bar["low"], 0.0)
            above = max(bar["high"] - bar["swing"], 0.0)
            ax.errorbar(b, k, xerr=[[below], [above]], fmt="none", ecolor="black",
                        elinewidth=1.0, capsize=3)  # fmt: skip
    ax.axvline(base, color="black", linewidth=0.8)
    ax.set_yticks(y, [b["input"] for b in bars], fontsize=8)
    unit = _axis_format(ax.xaxis, data["unit"], data.get("currency", ""))
    suffix = f" ({unit})" if unit else ""
    ax.set_xlabel(f"{data['statistic']}{suffix}; line: base {_fmt_base(data)}", fontsize=9)
    ax.set_title(
        f"{data['scenario']}: tornado of {data['statistic']} "
        f"(each input held at P{low_p:g} / P{high_p:g}; whisker: 95% interval of the swing)",
        fontsize=10,
    )
    ax.legend(fontsize=8, loc="lower right")
    ax.tick_params(axis="x", labelsize=8)
    return fig


def _fmt_base(data: dict[str, Any]) -> str:
    return format_value(data["base"], data["unit"], data.get("currency", ""))


def spider_figure(data: dict[str, Any]) -> Figure:
    """The statistic against the percentile each input is held at, one line per input."""
    from matplotlib.ticker import PercentFormatter

    fig = blank_figure(8.0, 4.8)
    ax = fig.subplots()
    for line in data["lines"]:
        ax.plot(line["percentile"], line["y"], marker="o", markersize=3, label=line["input"])
    ax.axhline(data["base"], color="black", linewidth=0.8, linestyle=":")
    ax.xaxis.set_major_formatter(PercentFormatter(xmax=100, decimals=0))
    ax.set_xlabel("percentile the input is held at (everything else random)", fontsize=9)
    unit = _axis_format(ax.yaxis, data["unit"], data.get("currency", ""))
    ax.set_ylabel(data["statistic"] + (f" ({unit})" if unit else ""), fontsize=9)
    ax.set_title(
        f"{data['scenario']}: spider of {data['statistic']} "
        f"(top {len(data['lines'])} inputs; dotted: base {_fmt_base(data)})",
        fontsize=10,
    )
    ax.legend(fontsize=7, loc="best")
    ax.tick_params(labelsize=8)
    return fig


def sobol_figure(data: dict[str, Any]) -> Figure:
    """First-order and total index per input (then per group), with 95% whiskers."""
    bars = data["bars"]
    fig = blank_figure(8.0, 1.4 + 0.45 * len(bars))
    ax = fig.subplots()
    y = [float(k) for k in range(len(bars))][::-1]
    names = [("group: " if b["group"] else "") + b["input"] for b in bars]
    for key, colour, shift in (("first", LOW_COLOUR, 0.18), ("total", TOTAL_COLOUR, -0.18)):
        values = [finite(b[key]) for b in bars]
        err = _whiskers(bars, key)
        ax.barh([k + shift for k in y], values, height=0.34, color=colour,
                label="first order" if key == "first" else "total", xerr=err,
                error_kw={"elinewidth": 1.0, "capsize": 2})  # fmt: skip
    ax.set_yticks(y, names, fontsize=8)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.xaxis.set_major_formatter(_percent())
    ax.set_xlabel("share of the output's variance (Sobol' index)", fontsize=9)
    ax.set_title(
        f"{data['scenario']}: Sobol' indices of {data['output']} "
        f"(n = {data['rows']:,}; whiskers: 95% bootstrap intervals)",
        fontsize=10,
    )
    ax.legend(fontsize=8, loc="lower right")
    ax.tick_params(axis="x", labelsize=8)
    return fig


def rank_figure(data: dict[str, Any]) -> Figure:
    """Spearman correlation per input with its 95% interval."""
    bars = data["bars"]
    fig = blank_figure(8.0, 1.2 + 0.4 * len(bars))
    ax = fig.subplots()
    y = list(range(len(bars)))[::-1]
    values = [finite(b["spearman"]) for b in bars]
    colours = [HIGH_COLOUR if v > 0 else LOW_COLOUR for v in values]
    ax.barh(y, values, color=colours, height=0.6, xerr=_whiskers(bars, "spearman", "low", "high"),
            error_kw={"elinewidth": 1.0, "capsize": 2})  # fmt: skip
    ax.set_yticks(y, [b["input"] for b in bars], fontsize=8)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlim(-1, 1)
    ax.set_xlabel("Spearman rank correlation with the output", fontsize=9)
    ax.set_title(
        f"{data['scenario']}: rank correlation with {data['output']} "
        f"({data['trials']:,} trials; whiskers: 95% intervals)",
        fontsize=10,
    )
    ax.tick_params(axis="x", labelsize=8)
    return fig


def _percent() -> Any:
    from matplotlib.ticker import PercentFormatter

    return PercentFormatter(xmax=1.0, decimals=None)


def _whiskers(
    bars: Sequence[dict[str, Any]], key: str, low: str | None = None, high: str | None = None
) -> list[list[float]]:
    """Error-bar lengths below and above each value (0 where an end is missing)."""
    low, high = low or f"{key}_low", high or f"{key}_high"
    below, above = [], []
    for b in bars:
        v = finite(b[key])
        below.append(max(v - b[low], 0.0) if b[low] is not None and b[low] == b[low] else 0.0)
        above.append(max(b[high] - v, 0.0) if b[high] is not None and b[high] == b[high] else 0.0)
    return [below, above]
