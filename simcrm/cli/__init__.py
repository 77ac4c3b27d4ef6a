"""The ``simcrm`` command line: thin wrappers over the library's stages.

Exit codes: 0 success, 2 bad usage or input (one line on stderr), 1 internal error.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from simcrm.cli import calibrate as calibrate_command
from simcrm.cli import compare as compare_command
from simcrm.cli import definitions as definitions_command
from simcrm.cli import failure_rate as failure_rate_command
from simcrm.cli.args import positive_int, seed
from simcrm.engine.run import (
    RunRequest,
    execute,
    load_summary,
    sigterm_interrupts,
    summarize_directory,
)
from simcrm.errors import InputError
from simcrm.report.terminal import print_summary
from simcrm.scenario.costcurve import BENCHMARK_POINTS, Complexity, cost_per_user
from simcrm.scenario.load import load_scenario

SUBCOMMANDS = (compare_command, failure_rate_command, definitions_command, calibrate_command)
"""Analysis subcommands, each a module of :mod:`simcrm.cli` with ``register()``."""


def cmd_validate(args: argparse.Namespace) -> int:
    """``simcrm validate FILE…``: check scenario files."""
    for path in args.files:
        sc = load_scenario(path)
        print(
            f"ok: {path} — scenario {sc.name!r}, {sc.plan.users:,} users, "
            f"{len(sc.components)} cost components, {len(sc.criteria)} criteria"
        )
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    """``simcrm run SCENARIO``: simulate to Parquet and print the summary."""
    scenario = load_scenario(args.scenario)
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
    if args.json:
        print(json.dumps(summary, indent=2))
    elif not args.quiet:
        print_summary(summary, title=scenario.name, currency=scenario.currency)
        Console().print(
            f"[dim]results: {request.directory}/ (Parquet, manifest.json, summary.json)[/dim]"
        )
    return 0


def cmd_summary(args: argparse.Namespace) -> int:
    """``simcrm summary DIR``: print a finished run's summary again (or recompute it)."""
    manifest, summary = load_summary(args.directory)
    if args.recompute:
        summary = summarize_directory(args.directory, manifest.get("crosstab"))
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print_summary(summary, title=manifest["scenario"]["name"])
    return 0


def cmd_estimate(args: argparse.Namespace) -> int:
    """``simcrm estimate``: planned cost per user and in total from the benchmark curve."""
    per_user = (
        float(cost_per_user(args.users, BENCHMARK_POINTS[args.complexity])) * args.price_level
    )
    result = {
        "users": args.users,
        "complexity": args.complexity.value,
        "cost_per_user": round(per_user, 2),
        "total_cost": round(per_user * args.users, 2),
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(
            f"{args.users:,} users, {args.complexity.value} complexity: "
            f"{result['cost_per_user']:,.2f} per user, {result['total_cost']:,.0f} in total "
            "(benchmark curve; CNY at the source's price level)"
        )
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = argparse.ArgumentParser(
        prog="simcrm", description="Monte Carlo risk simulation of CRM projects."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("validate", help="check scenario files")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("run", help="simulate a scenario to a Parquet results directory")
    p.add_argument("scenario", type=Path, metavar="SCENARIO")
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
    where = p.add_mutually_exclusive_group()
    where.add_argument(
        "--workers",
        type=positive_int,
        default=1,
        help="processes of a local Dask cluster (default 1: in this process)",
    )
    where.add_argument(
        "--scheduler", metavar="ADDRESS", help="a running Dask scheduler, e.g. tcp://host:8786"
    )
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument("--quiet", action="store_true", help="no progress bar, no summary")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("summary", help="print the summary of a finished run")
    p.add_argument("directory", type=Path, metavar="DIR")
    p.add_argument("--json", action="store_true")
    p.add_argument(
        "--recompute", action="store_true", help="recompute it from the Parquet data, streaming"
    )
    p.set_defaults(func=cmd_summary)

    p = sub.add_parser("estimate", help="planned cost from the per-user benchmark curve")
    p.add_argument("--users", type=positive_int, required=True)
    p.add_argument("--complexity", type=Complexity, choices=list(Complexity), required=True)
    p.add_argument("--price-level", type=float, default=1.0)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_estimate)
    for module in SUBCOMMANDS:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``simcrm`` command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
    except InputError as err:
        print(f"simcrm: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("simcrm: interrupted; the manifest says how to resume", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    return code


if __name__ == "__main__":
    sys.exit(main())
