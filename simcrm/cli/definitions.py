"""``simcrm definitions SCENARIO``: failure probability as a function of its definition."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np
from rich.table import Table

from simcrm.analyses.thresholds import explore
from simcrm.cli.args import positive_int, probability, scenario_path, seed
from simcrm.cli.executor_options import add_executor_options, executor_from
from simcrm.engine.blocks import Job
from simcrm.engine.defaults import resolve
from simcrm.engine.mapping import collect_columns
from simcrm.report.figures import definitions_figure
from simcrm.report.files import json_writer, png_writer, svg_writer, to_json, write_files
from simcrm.report.terminal import report_console
from simcrm.scenario import load_scenario

DEFAULT_TRIALS = 100_000
SHOWN = {
    "cost_overrun": (0.0, 0.1, 0.2, 0.5, 1.0, 2.0, 3.0),
    "schedule_overrun": (0.0, 0.1, 0.2, 0.5, 1.0, 2.0, 3.0),
    "adoption_final": (0.1, 0.2, 0.3, 0.5, 0.6, 0.75, 0.9, 1.0),
}
"""Thresholds shown in the printed table (the JSON and PNG hold the whole grid)."""


def register(sub: Any) -> None:
    """Add the ``definitions`` subcommand."""
    p = sub.add_parser(
        "definitions",
        help="failure probability vs each criterion's threshold, and where a claim is reached",
    )
    p.add_argument("scenario", type=scenario_path, metavar="SCENARIO")
    p.add_argument("--claim", type=probability, default=0.70, help="the claimed rate (0.70)")
    p.add_argument("--trials", type=positive_int, default=DEFAULT_TRIALS)
    p.add_argument("--seed", type=seed, help="root seed (default: the scenario's)")
    p.add_argument("--out", type=Path, help="default: results/<scenario>/definitions/")
    p.add_argument("--json", action="store_true", help="print every figure as JSON")
    add_executor_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Simulate one sample, read the curves off its empirical CDFs, write and print them."""
    scenario = load_scenario(args.scenario)
    trials, s = resolve(scenario, args.trials, args.seed)
    with executor_from(args) as executor:
        columns = collect_columns(Job(scenario, s, trials), executor)
    result = {"scenario": scenario.name, "seed": s, "currency": scenario.currency}
    result |= explore(columns, args.claim, scenario.criteria).to_dict()
    out = args.out or Path("results") / scenario.name / "definitions"
    written = write_files(
        out,
        {
            "definitions.json": json_writer(result),
            "definitions.png": png_writer(figure := definitions_figure(result)),
            "definitions.svg": svg_writer(figure),
        },
    )
    if args.json:
        print(to_json(result))
        return 0
    console = report_console()
    console.print(curve_table(result))
    console.print(claim_table(result))
    console.print(f"[dim]written: {', '.join(str(p) for p in written)}[/dim]")
    return 0


def _x(dim: dict[str, Any], x: float, currency: str, digits: int = 0) -> str:
    return f"{100 * x:.{digits}f}%" if dim["unit"] == "fraction" else f"{x:,.0f} {currency}"


def curve_table(result: dict[str, Any]) -> Table:
    """P(fail) with its 95% Wilson interval at a few thresholds of each dimension."""
    table = Table(
        title=f"{result['scenario']}: P(fail) by definition ({result['trials']:,} trials)",
        title_justify="left",
    )
    table.add_column("failure means")
    table.add_column("P(fail)", justify="right")
    table.add_column("95% interval", justify="right")
    for name, dim in result["dimensions"].items():
        grid = np.asarray(dim["grid"])
        wanted = SHOWN.get(name) or tuple(grid[::5])
        rows = sorted({int(np.argmin(np.abs(grid - x))) for x in wanted})
        for i in rows:
            table.add_row(
                f"{dim['label']} {_x(dim, grid[i], result['currency'])}",
                f"{100 * dim['p_fail'][i]:.1f}%",
                f"{100 * dim['ci95_low'][i]:.1f} – {100 * dim['ci95_high'][i]:.1f}%",
            )
        table.add_section()
    for name, p in result["criteria"].items():
        table.add_row(f"[dim]scenario criterion {name}[/dim]", f"[dim]{100 * p:.1f}%[/dim]", "")
    return table


def claim_table(result: dict[str, Any]) -> Table:
    """Where each family of definitions reaches the claimed rate."""
    claim = result["claim"]
    table = Table(title=f"{claim:.0%} of projects fail if failure means …", title_justify="left")
    table.add_column("definition", no_wrap=True)
    table.add_column("X", justify="right", no_wrap=True)
    table.add_column("95% interval", justify="right", no_wrap=True)
    currency = result["currency"]
    for dim in result["dimensions"].values():
        t = dim["threshold"]
        low, high = t["ci95"]
        table.add_row(
            f"{dim['label']} X",
            _x(dim, t["value"], currency, 1) + ("" if t["in_range"] else " *"),
            f"{_x(dim, low, currency, 1)} – {_x(dim, high, currency, 1)}",
        )
    table.caption = (
        "X: empirical quantile; interval: inverted score (Wilson) test · "
        "*: outside the range explored"
    )
    return table
