"""``simcrm levers SCENARIO``: what the spiral's levers buy.

Each lever of :data:`simcrm.analyses.levers.LEVERS` (planning, improvement, rescue,
collaboration, governance, the full spiral) is applied to the scenario and compared with
it on the same random numbers: the change of each criterion's P(fail) in percentage
points and of the mean NPV in money, each with its 95% interval. Writes ``levers.json``
and the dot-and-whisker figure (``levers.png``, ``levers.svg``) to ``--out``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rich.table import Table

from simcrm.analyses.levers import levers
from simcrm.cli.args import positive_int, scenario_path, seed
from simcrm.cli.executor_options import add_executor_options, executor_from
from simcrm.report.files import json_writer, png_writer, svg_writer, to_json, write_files
from simcrm.report.lever_figure import lever_figure
from simcrm.report.terminal import report_console
from simcrm.scenario import load_scenario

DEFAULT_TRIALS = 200_000


def register(sub: Any) -> None:
    """Add the ``levers`` subcommand."""
    p = sub.add_parser(
        "levers",
        help="what the spiral's levers buy: each decision's effect on P(fail) and NPV",
    )
    p.add_argument("scenario", type=scenario_path, metavar="SCENARIO")
    p.add_argument("--trials", type=positive_int, default=DEFAULT_TRIALS)
    p.add_argument("--seed", type=seed, help="default: the scenario's seed")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--out", type=Path, help="default: results/<scenario>/levers/")
    add_executor_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run every lever, write the JSON and the figure, print the table."""
    scenario = load_scenario(args.scenario)
    with executor_from(args) as executor:
        result = levers(scenario, args.trials, args.seed, executor)
    doc = result.to_dict()
    fig = lever_figure(doc)
    out = args.out or Path("results") / scenario.name / "levers"
    writers = {
        "levers.json": json_writer(doc),
        "levers.png": png_writer(fig),
        "levers.svg": svg_writer(fig),
    }
    written = write_files(out, writers)
    if args.json:
        print(to_json(doc))
        return 0
    console = report_console()
    console.print(lever_table(doc))
    console.print(f"[dim]written: {out} ({len(written)} files: levers.json, PNG, SVG)[/dim]")
    return 0


def _cell(d: dict[str, Any], money: bool) -> str:
    """``−14.0 pt`` over ``[−14.5, −13.5]`` (bold when the interval excludes 0)."""
    low, high = d["ci95"]
    if money:
        value, interval = f"{d['difference']:+,.0f}", f"[{low:+,.0f}, {high:+,.0f}]"
    else:
        value = f"{100 * d['difference']:+.1f} pt"
        interval = f"[{100 * low:+.1f}, {100 * high:+.1f}]"
    if not (low <= 0 <= high):
        value = f"[bold]{value}[/bold]"
    return f"{value}\n[dim]{interval}[/dim]"


def lever_table(doc: dict[str, Any]) -> Table:
    """One row per lever; a column per criterion's P(fail) change and the mean NPV change."""
    verdicts = [name for name in doc["figures"] if name.startswith("P(fail ")]
    table = Table(
        title=f"{doc['scenario']}: what each lever buys (lever − scenario, paired on "
        f"{doc['trials']:,} trials, seed {doc['seed']})",
        title_justify="left",
    )
    table.add_column("lever", no_wrap=True)
    for name in verdicts:
        table.add_column(name.removeprefix("P(fail ").removesuffix(")"), justify="right")
    currency = f" ({doc['currency']})" if doc.get("currency") else ""
    table.add_column(f"mean npv{currency}", justify="right", no_wrap=True)
    for lever in doc["levers"]:
        figures = lever["figures"]
        if figures is None:
            table.add_row(lever["lever"], *(["[dim]already on[/dim]"] * (len(verdicts) + 1)))
            continue
        cells = [_cell(figures[name], money=False) for name in verdicts]
        table.add_row(lever["lever"], *cells, _cell(figures["mean npv"], money=True))
    table.caption = (
        "P(fail) of each criterion in percentage points · bold: the 95% interval excludes 0"
    )
    return table
