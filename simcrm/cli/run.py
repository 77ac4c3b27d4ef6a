"""``simcrm run SCENARIO``: simulate to a Parquet results directory and print the summary."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from simcrm.cli.args import chunk_size, column_list, positive_int, scenario_path, seed
from simcrm.cli.estimate import warn_scenario_outside_benchmark
from simcrm.cli.executor_options import add_executor_options
from simcrm.engine.columns import check_columns
from simcrm.engine.precision import parse_precision
from simcrm.engine.run import RunRequest, execute, sigterm_interrupts
from simcrm.engine.store import FIGURES
from simcrm.errors import InputError
from simcrm.model.design import SAMPLINGS
from simcrm.report.terminal import print_summary, report_console
from simcrm.scenario import load_scenario
from simcrm.stats.run_summary import Summary


def register(sub: Any) -> None:
    """Add the ``run`` subcommand."""
    p = sub.add_parser("run", help="simulate a scenario to a Parquet results directory")
    p.add_argument(
        "scenario",
        type=scenario_path,
        metavar="SCENARIO",
        nargs="?",
        help="the scenario file or shipped name (not with --extend)",
    )
    p.add_argument("--trials", type=positive_int, help="number of trials (default: the scenario's)")
    p.add_argument("--seed", type=seed, help="root seed (default: the scenario's)")
    p.add_argument("--out", type=Path, help="results directory (default: results/<scenario name>)")
    p.add_argument(
        "--chunk-size",
        type=chunk_size,
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
    p.add_argument(
        "--sampling",
        choices=SAMPLINGS,
        default="mc",
        help="per-trial inputs by plain Monte Carlo (default), Latin hypercube or scrambled "
        "Sobol', each block of 16,384 trials one randomised replicate",
    )
    p.add_argument(
        "--precision",
        action="append",
        metavar="HALF-WIDTH|NAME=HALF-WIDTH",
        help="stop once every probability's 95%% half-width is below HALF-WIDTH (0.005), or "
        "a named statistic's (npv.p80=20000; repeatable); --trials is then the cap",
    )
    p.add_argument(
        "--extend",
        type=Path,
        metavar="DIR",
        help="grow the finished run in DIR to --trials (the same bytes as a fresh run)",
    )
    p.add_argument(
        "--columns",
        type=column_list,
        metavar="A,B,...",
        help="write only these outputs (and trial); the summary still sees them all",
    )
    p.add_argument(
        "--no-data",
        action="store_true",
        help="write the summary only, no per-trial table (for very large runs)",
    )
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument("--quiet", action="store_true", help="no progress bar, no summary")
    p.add_argument(
        "--no-figures", action="store_true", help="write no figure (DIR/figures/ by default)"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """``simcrm run SCENARIO``: simulate to Parquet and print the summary."""
    request = _request(args)
    scenario = request.scenario
    warn_scenario_outside_benchmark(scenario)  # one line on stderr, if extrapolated
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


def _request(args: argparse.Namespace) -> RunRequest:
    """The run the arguments ask for (a fresh one, or the extension of a finished one)."""
    if args.extend is not None:
        given = [
            flag
            for flag, value in (
                ("SCENARIO", args.scenario),
                ("--seed", args.seed),
                ("--out", args.out),
                ("--precision", args.precision),
                ("--columns", args.columns),
            )
            if value is not None
        ]
        given += [f for f, on in (("--force", args.force), ("--no-data", args.no_data)) if on]
        if given:
            raise InputError(
                "--extend", given[0], "an extended run keeps its own scenario and options"
            )
        if args.trials is None:
            raise InputError(
                "--extend", str(args.extend), "give the trials to grow it to: --trials N"
            )
        from simcrm.engine.extend import extension

        return extension(args.extend, args.trials, workers=args.workers, scheduler=args.scheduler)
    if args.scenario is None:
        raise InputError("SCENARIO", "", "give a scenario file or shipped name (or --extend DIR)")
    scenario = load_scenario(args.scenario)
    precision = parse_precision(args.precision) if args.precision else None
    if args.columns is not None:
        check_columns(scenario, args.columns, args.inputs)
    return RunRequest(
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
        sampling=args.sampling,
        data=not args.no_data,
        columns=args.columns,
        precision=precision,
    )


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
