"""``simcrm run SCENARIO``: simulate to a Parquet results directory and print the summary."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from simcrm.cli.args import positive_int, scenario_path, seed
from simcrm.cli.estimate import warn_scenario_outside_benchmark
from simcrm.cli.executor_options import add_executor_options
from simcrm.engine.run import RunRequest, execute, sigterm_interrupts
from simcrm.engine.store import FIGURES
from simcrm.report.terminal import print_summary, report_console
from simcrm.scenario import load_scenario
from simcrm.stats.run_summary import Summary


def register(sub: Any) -> None:
    """Add the ``run`` subcommand."""
    p = sub.add_parser("run", help="simulate a scenario to a Parquet results directory")
    p.add_argument("scenario", type=scenario_path, metavar="SCENARIO")
    p.add_argument("--trials", type=positive_int, help="number of trials (default: the scenario's)")
    p.add_argument("--seed", type=seed, help="root seed (default: the scenario's)")
    p.add_argument("--out", type=Path, help="results directory (default: results/<scenario name>)")
    p.add_argument(
        "--chunk-size",
        type=positive_int,
        default=262_144,
        help="trials per chunk (whole blocks of 16,384)",
    )
    p.add_argument("--force", action="store_true", help="replace a directory holding another run")
    p.add_argument("--resume", action="store_true", help="finish an interrupted run")
    add_executor_options(p)
    p.add_argument(
        "--inputs",
        action="store_true",
        help="also write a column in_<path> for every sampled input (for your own analysis)",
    )
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument("--quiet", action="store_true", help="no progress bar, no summary")
    p.add_argument(
        "--no-figures", action="store_true", help="write no figure (DIR/figures/ by default)"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """``simcrm run SCENARIO``: simulate to Parquet and print the summary."""
    scenario = load_scenario(args.scenario)
    warn_scenario_outside_benchmark(scenario)  # one line on stderr, if extrapolated
    request = RunRequest(
        scenario=scenario,
        trials=args.trials,
        seed=args.seed,
        out=args.out,
        chunk_trials=args.chunk_size,
        force=args.force,
        resume=args.resume,
        workers=args.workers,
        scheduler=args.scheduler,
        scenario_path=args.scenario,
        inputs=args.inputs,
    )
    err = Console(stderr=True)
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    with (
        sigterm_interrupts(),
        Progress(*columns, console=err, transient=True, disable=args.quiet) as bar,
    ):
        task = bar.add_task(f"simulating {scenario.name}", total=request.n)
        summary = execute(request, progress=lambda k: bar.advance(task, k))
    figures = None
    if not args.no_figures:
        figures = write_run_figures(summary, request.directory, scenario.name, scenario.currency)
    if args.json:
        print(json.dumps(summary.to_dict(), indent=2))
    elif not args.quiet:
        print_summary(summary, title=scenario.name, currency=scenario.currency)
        console = report_console()
        console.print(
            f"[dim]results: {request.directory}/ (Parquet, manifest.json, summary.json)[/dim]"
        )
        if figures is not None:
            console.print(
                f"[dim]figures: {figures}/ (PNG, SVG); one HTML report of it all: "
                f"simcrm report {request.directory}[/dim]"
            )
    return 0


def write_run_figures(summary: Summary, directory: Path, title: str, currency: str | None) -> Path:
    """Draw the run's figures into ``directory/figures/`` (PNG, SVG and the JSON of each)."""
    from simcrm.report.files import Writer, json_writer, png_writer, svg_writer, write_files
    from simcrm.report.run_figures import DRAW, run_figure_data

    out = directory / FIGURES
    writers: dict[str, Writer] = {}
    for stem, data in run_figure_data(summary, title, currency or "").items():
        fig = DRAW[stem](data)
        writers |= {
            f"{stem}.json": json_writer(data),
            f"{stem}.png": png_writer(fig),
            f"{stem}.svg": svg_writer(fig),
        }
    write_files(out, writers)
    return out
