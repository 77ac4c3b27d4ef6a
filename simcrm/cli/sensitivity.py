"""``simcrm sensitivity SCENARIO``: what drives the risk — inputs ranked per output.

Three methods (:mod:`simcrm.analyses.sensitivity`, docs/sensitivity.md):

- ``tornado`` (default): each input held at its low and high percentile, everything
  else random on the same trials; the *swing* of every statistic, in the statistic's
  own units (money, percentage points of P(fail)) with a paired 95% interval. It answers
  "what drives the risk" in the terms the question is asked (how much NPV or P(fail)
  moves), is exact about direction, and copes with 0/1 failure outputs; it costs one run
  per input and percentile.
- ``rank``: Spearman correlations and contributions to variance from one run (cheap
  screening; correlated inputs share their credit).
- ``sobol``: first-order and total Sobol' indices (variance shares, interactions
  included in the total; the most runs).

Writes ``sensitivity.json`` (the result), ``figures.json`` (every figure's data) and each
figure as PNG and SVG to ``--out``, all or nothing.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.table import Table

from simcrm.analyses.sensitivity import rank, tornado, variance
from simcrm.cli.args import percentile_pair, positive_int, scenario_path, seed
from simcrm.cli.executor_options import add_executor_options, executor_from
from simcrm.engine.defaults import resolve
from simcrm.errors import InputError
from simcrm.report.files import json_writer, png_writer, svg_writer, to_json, write_files
from simcrm.report.sensitivity_figures import figure, figure_data, format_value, statistic_unit
from simcrm.report.terminal import report_console
from simcrm.scenario import load_scenario

METHODS = ("tornado", "rank", "sobol")
DEFAULT_METHOD = "tornado"
DEFAULT_TRIALS = {
    "tornado": tornado.DEFAULT_TRIALS,
    "rank": rank.DEFAULT_TRIALS,
    "sobol": variance.DEFAULT_ROWS,
}
"""Each method's own default sample size (for Sobol': rows ``n`` of each matrix)."""
SHOWN = 10
"""Inputs printed per output (the JSON holds them all)."""


def _names(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def _percentiles(text: str) -> list[float]:
    try:
        return [float(t) for t in _names(text)]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: give two numbers, e.g. 10,90") from None


def _group(text: str) -> tuple[str, list[str]]:
    name, sep, paths = text.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"{text!r}: give NAME=PATH,PATH,...")
    return name.strip(), _names(paths)


def register(sub: Any) -> None:
    """Add the ``sensitivity`` subcommand."""
    p = sub.add_parser(
        "sensitivity",
        help="what drives the risk: inputs ranked by their effect on NPV, cost and P(fail)",
    )
    p.add_argument("scenario", type=scenario_path, metavar="SCENARIO")
    p.add_argument(
        "--method",
        choices=METHODS,
        default=DEFAULT_METHOD,
        help="tornado (default: swings in money and P(fail) points), rank (Spearman, one "
        "run) or sobol (variance shares)",
    )
    p.add_argument(
        "--outputs",
        type=_names,
        metavar="LIST",
        help="statistics, comma-separated: npv, 'P80 actual_cost', 'P(fail cio)', ... "
        "(default: mean npv, mean and P80 actual_cost, P(fail) of every criterion)",
    )
    p.add_argument(
        "--inputs", type=_names, metavar="LIST", help="dotted paths (default: every uncertain)"
    )
    p.add_argument(
        "--groups",
        type=_group,
        action="append",
        metavar="NAME=PATH,...",
        help="a group of inputs (rank, sobol; repeatable), beside the default groups",
    )
    p.add_argument(
        "--trials",
        type=positive_int,
        help="trials per run (sobol: rows n, a power of 2); default: "
        + ", ".join(f"{m} {n:,}" for m, n in DEFAULT_TRIALS.items()),
    )
    p.add_argument("--seed", type=seed, help="root seed (default: the scenario's)")
    p.add_argument(
        "--percentiles",
        type=percentile_pair,
        metavar="LOW,HIGH",
        help="tornado: the percentiles each input is held at (default 10,90)",
    )
    p.add_argument("--out", type=Path, help="default: results/<scenario>/sensitivity/")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    add_executor_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Check the options, run the analysis, write its files, print the rankings."""
    scenario = load_scenario(args.scenario)
    method = args.method
    if args.groups and method == "tornado":
        raise InputError("--groups", args.groups, "groups apply to --method rank or sobol")
    if args.percentiles is not None and method != "tornado":
        raise InputError("--percentiles", args.percentiles, "applies to --method tornado")
    trials, s = resolve(scenario, args.trials, args.seed, default_trials=DEFAULT_TRIALS[method])
    groups = dict(args.groups) if args.groups else None
    common: dict[str, Any] = {"outputs": args.outputs, "inputs": args.inputs, "seed": s}
    with executor_from(args) as executor:
        if method == "tornado":
            result: Any = tornado.tornado(
                scenario, trials=trials, executor=executor,
                percentiles=args.percentiles or (10.0, 90.0), **common,
            )  # fmt: skip
        elif method == "rank":
            result = rank.rank_sensitivity(
                scenario, trials=trials, groups=groups, executor=executor, **common
            )
        else:
            result = variance.sobol(
                scenario, trials=trials, groups=groups, executor=executor, **common
            )
    doc = result.to_dict() | {"currency": scenario.currency}
    doc["ranking"] = ranking(doc)
    data = figure_data(doc, scenario.currency)
    writers = {"sensitivity.json": json_writer(doc), "figures.json": json_writer(data)}
    for name, entry in data.items():
        fig = figure(entry)
        writers[f"{name}.png"] = png_writer(fig)
        writers[f"{name}.svg"] = svg_writer(fig)
    out = args.out or Path("results") / scenario.name / "sensitivity"
    written = write_files(out, writers)
    if args.json:
        print(to_json(doc))
        return 0
    console = report_console()
    tables: dict[str, Callable[[dict[str, Any]], list[Table]]] = {
        "tornado": tornado_tables,
        "rank": rank_tables,
        "sobol": sobol_tables,
    }
    for table in tables[method](doc):
        console.print(table)
    console.print(f"[dim]written: {out} ({len(written)} files: sensitivity.json, "
                  f"figures.json, {len(data)} figures as PNG and SVG)[/dim]")  # fmt: skip
    return 0


def ranking(doc: dict[str, Any]) -> dict[str, list[str]]:
    """Per statistic (tornado) or output (rank, sobol): the inputs, most important first
    (by |swing|, total index, |Spearman|); groups left out."""
    found: dict[str, list[tuple[float, str]]] = {}
    if doc["method"] == "tornado":
        for s in doc["swings"]:
            found.setdefault(s["statistic"], []).append((_size(s["swing"]), s["input"]))
    elif doc["method"] == "sobol":
        for e in doc["indices"]:
            if not e["group"]:
                found.setdefault(e["output"], []).append((_size(e["total"]), e["input"]))
    else:
        for e in doc["entries"]:
            if not e["group"]:
                found.setdefault(e["output"], []).append((_size(e["spearman"]), e["input"]))
    return {k: [name for _, name in sorted(v, key=lambda t: -t[0])] for k, v in found.items()}


def _size(x: float | None) -> float:
    return 0.0 if x is None or x != x else abs(float(x))


def _title(doc: dict[str, Any], what: str) -> str:
    runs = f"{doc['trials']:,} trials" if "trials" in doc else f"n = {doc['rows']:,} rows"
    return f"{doc['scenario']}: {what} ({runs} per run, seed {doc['seed']})"


def _number(x: float | None, digits: int = 2, signed: bool = False) -> str:
    if x is None or x != x:
        return "—"
    return f"{x:+.{digits}f}" if signed else f"{x:.{digits}f}"


def _input_value(x: float | None) -> str:
    return "—" if x is None or x != x else f"{x:,.3g}"


def tornado_tables(doc: dict[str, Any]) -> list[Table]:
    """Per statistic: inputs by swing, with the statistic at the low and high percentile."""
    low_p, high_p = doc["percentiles"]
    currency = doc["currency"]
    by_stat: dict[str, list[dict[str, Any]]] = {}
    for s in doc["swings"]:
        by_stat.setdefault(s["statistic"], []).append(s)
    tables = []
    for name, swings in by_stat.items():
        unit = statistic_unit(name)

        def fmt(x: float | None, signed: bool = False, unit: Any = unit) -> str:
            return format_value(x, unit, currency, signed)

        table = Table(
            title=_title(doc, f"{name}, base {fmt(swings[0]['base'])}"), title_justify="left"
        )
        table.add_column("input", no_wrap=True)
        table.add_column(f"P{low_p:g} → P{high_p:g} value", justify="right", no_wrap=True)
        table.add_column(f"at P{low_p:g}", justify="right", no_wrap=True)
        table.add_column(f"at P{high_p:g}", justify="right", no_wrap=True)
        table.add_column("swing", justify="right", no_wrap=True)
        table.add_column("95% interval", justify="right", no_wrap=True)
        for s in swings[:SHOWN]:
            table.add_row(
                s["input"],
                f"{_input_value(s['low_value'])} → {_input_value(s['high_value'])}",
                fmt(s["at_low"]),
                fmt(s["at_high"]),
                fmt(s["swing"], True),
                f"{fmt(s['low'], True)} … {fmt(s['high'], True)}",
            )
        if len(swings) > SHOWN:
            table.caption = f"{len(swings) - SHOWN} more inputs in sensitivity.json"
        tables.append(table)
    return tables


def _label(output: str) -> str:
    return f"P(fail {output[5:]})" if output.startswith("fail_") else output


def rank_tables(doc: dict[str, Any]) -> list[Table]:
    """Per output: inputs by |Spearman|, then the groups' contributions."""
    by_output: dict[str, list[dict[str, Any]]] = {}
    for e in doc["entries"]:
        by_output.setdefault(e["output"], []).append(e)
    tables = []
    for output, entries in by_output.items():
        table = Table(title=_title(doc, f"rank correlation with {_label(output)}"),
                      title_justify="left")  # fmt: skip
        table.add_column("input", no_wrap=True)
        table.add_column("Spearman", justify="right", no_wrap=True)
        table.add_column("95% interval", justify="right", no_wrap=True)
        table.add_column("contribution", justify="right", no_wrap=True)
        singles = sorted(
            (e for e in entries if not e["group"]), key=lambda e: -_size(e["spearman"])
        )
        for e in singles[:SHOWN]:
            low, high = e["low"], e["high"]
            table.add_row(e["input"], _number(e["spearman"], signed=True),
                          f"{_number(low, signed=True)} … {_number(high, signed=True)}",
                          format_value(e["contribution"], "fraction"))  # fmt: skip
        groups = [e for e in entries if e["group"]]
        if groups:
            table.add_section()
            for e in sorted(groups, key=lambda e: -_size(e["contribution"])):
                table.add_row(f"[dim]group: {e['input']}[/dim]", "", "",
                              format_value(e["contribution"], "fraction"))  # fmt: skip
        table.caption = "contribution: r² / Σ r² (a screening share, not a variance split)"
        tables.append(table)
    return tables


def sobol_tables(doc: dict[str, Any]) -> list[Table]:
    """Per output: inputs by total index, then the groups, each with 95% intervals."""
    by_output: dict[str, list[dict[str, Any]]] = {}
    for e in doc["indices"]:
        by_output.setdefault(e["output"], []).append(e)
    tables = []
    for output, entries in by_output.items():
        table = Table(title=_title(doc, f"Sobol' indices of {_label(output)}"),
                      title_justify="left")  # fmt: skip
        table.add_column("input", no_wrap=True)
        table.add_column("first order", justify="right", no_wrap=True)
        table.add_column("95% interval", justify="right", no_wrap=True)
        table.add_column("total", justify="right", no_wrap=True)
        table.add_column("95% interval", justify="right", no_wrap=True)

        def row(e: dict[str, Any], label: str, table: Table = table) -> None:
            table.add_row(label, _number(e["first"], 3),
                          f"{_number(e['first_low'], 3)} … {_number(e['first_high'], 3)}",
                          _number(e["total"], 3),
                          f"{_number(e['total_low'], 3)} … {_number(e['total_high'], 3)}")  # fmt: skip

        singles = sorted((e for e in entries if not e["group"]), key=lambda e: -_size(e["total"]))
        for e in singles[:SHOWN]:
            row(e, e["input"])
        groups = [e for e in entries if e["group"]]
        if groups:
            table.add_section()
            for e in sorted(groups, key=lambda e: -_size(e["total"])):
                row(e, f"[dim]group: {e['input']}[/dim]")
        first_sum = sum(e["first"] for e in entries if not e["group"] and e["first"] == e["first"])
        table.caption = (
            f"share of Var {_label(output)}; Σ first order {first_sum:.2f} "
            "(the rest: the model's own randomness and interactions)"
        )
        tables.append(table)
    return tables
