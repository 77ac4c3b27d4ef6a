"""``simcrm compare A.toml B.toml [C.toml …]``: paired differences of every summary figure.

With more than two scenarios, each option is compared with the first (the baseline),
which is simulated once: one table per option, and ``--json`` prints a list.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

from rich.table import Table

from simcrm.analyses.compare import Comparison, compare, compare_many
from simcrm.cli.args import positive_int, scenario_path, seed
from simcrm.cli.executor_options import add_executor_options, executor_from
from simcrm.report.terminal import report_console
from simcrm.scenario import load_scenario

DEFAULT_TRIALS = 200_000


def register(sub: Any) -> None:
    """Add the ``compare`` subcommand."""
    p = sub.add_parser(
        "compare",
        help="two scenarios (or a baseline and options) on the same random numbers: paired "
        "differences with 95%% intervals",
    )
    p.add_argument("a", type=scenario_path, metavar="A.toml")
    p.add_argument("b", type=scenario_path, nargs="+", metavar="B.toml", help="one or more options")
    p.add_argument("--trials", type=positive_int, default=DEFAULT_TRIALS)
    p.add_argument("--seed", type=seed, help="default: A's seed")
    p.add_argument("--json", action="store_true", help="print the comparison as JSON")
    p.add_argument(
        "--out", type=Path, help="figures' directory (default: results/<B>-vs-<A>/compare/)"
    )
    p.add_argument("--no-figures", action="store_true", help="write no figure")
    add_executor_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Simulate both scenarios and print the paired differences."""
    a = load_scenario(args.a)
    options = [load_scenario(path) for path in args.b]
    with executor_from(args) as executor:
        if len(options) == 1:
            result = compare(a, options[0], args.trials, args.seed, executor)
        else:
            results = compare_many(a, options, args.trials, args.seed, executor)
    if len(options) == 1:
        results = [result]
    many = len(results) > 1
    written = [] if args.no_figures else [_figures(r, a.currency, args.out, many) for r in results]
    if len(options) == 1:
        if args.json:
            print(json.dumps(result.to_dict(), indent=2))
        else:
            report_console().print(comparison_table(result))
            _say_written(written)
        return 0
    if args.json:
        print(json.dumps([r.to_dict() for r in results], indent=2))
    else:
        console = report_console()
        for r in results:
            console.print(comparison_table(r))
        _say_written(written)
    return 0


def _figures(result: Comparison, currency: str | None, out: Path | None, many: bool) -> Path:
    """Write ``compare.json`` and the figure (PNG, SVG) of one comparison: into ``out``
    (each option in its own ``<B>-vs-<A>/`` when there are ``many``), by default into
    ``results/<B>-vs-<A>/compare/``."""
    from simcrm.report.compare_figure import compare_figure, compare_figure_data
    from simcrm.report.files import json_writer, png_writer, svg_writer, write_files

    doc = result.to_dict()
    data = compare_figure_data(doc, currency or "")
    fig = compare_figure(data)
    pair = f"{result.b}-vs-{result.a}"
    where = Path("results") / pair / "compare" if out is None else out / pair if many else out
    writers = {
        "compare.json": json_writer(doc | {"currency": currency or ""}),
        "compare_figure.json": json_writer(data),
        "compare.png": png_writer(fig),
        "compare.svg": svg_writer(fig),
    }
    write_files(where, writers)
    return where


def _say_written(places: list[Path]) -> None:
    for place in places:
        report_console().print(f"[dim]figure: {place}/compare.png, .svg (and compare.json)[/dim]")


SHARES = ("P(", "adoption", "overrun", "roi", "scope_growth")
"""Figures that are shares: levels shown in %, differences in percentage points."""


def _fmt(name: str, x: float, signed: bool = True) -> str:
    """A difference (``signed``: percentage points for shares) or a level (percent)."""
    if math.isnan(x):
        return "—"
    sign = "+" if signed else ""
    if any(key in name for key in SHARES):
        return f"{100 * x:{sign}.1f}" + (" pt" if signed else "%")
    if "payback" in name:
        return f"{x:{sign}.1f} mo"
    return f"{x:{sign},.0f}"


def comparison_table(result: Comparison) -> Table:
    """The comparison as a table: A, B, B − A and its 95% interval for every figure."""
    table = Table(
        title=f"{result.b} − {result.a}: paired on {result.trials:,} trials (seed {result.seed})",
        title_justify="left",
    )
    table.add_column("figure", no_wrap=True)
    table.add_column("A", justify="right", no_wrap=True)
    table.add_column("B", justify="right", no_wrap=True)
    table.add_column("B − A", justify="right", no_wrap=True)
    table.add_column("95% interval", justify="right", no_wrap=True)
    for name, f in result.figures.items():
        low, high = f.ci95
        clear = not (low <= 0 <= high)
        diff = _fmt(name, f.difference)
        table.add_row(
            name,
            _fmt(name, f.a, signed=False),
            _fmt(name, f.b, signed=False),
            f"[bold]{diff}[/bold]" if clear else diff,
            f"[{_fmt(name, low)}, {_fmt(name, high)}]",
        )
    table.caption = "bold: the interval excludes 0 · percentiles' intervals by batch means"
    return table
