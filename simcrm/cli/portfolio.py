"""``simcrm portfolio FILE``: the best portfolio a budget can carry, and its risk.

Simulates every candidate project (two independent samples: one to choose on, one to
check and describe the choice), solves the selection exactly on the first, and writes
to ``--out`` (default ``results/<portfolio>/``): ``portfolio.json``, the aggregate
sample's portfolio trials as ``trials.parquet`` (with provenance), and the frontier,
S-curve and contribution figures as PNG, SVG and JSON.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from simcrm.analyses.portfolio import PortfolioResult, analyse_portfolio
from simcrm.cli.args import finite_number, open_probability, portfolio_path, positive_int, seed
from simcrm.cli.executor_options import add_executor_options, executor_from
from simcrm.cli.portfolio_table import print_portfolio
from simcrm.engine.store import encode_chunk, versions
from simcrm.report.files import json_writer, png_writer, svg_writer, to_json, write_files
from simcrm.report.portfolio_figures import FIGURES, portfolio_figure_data
from simcrm.scenario.portfolio import load_portfolio, with_settings


def register(sub: Any) -> None:
    """Add the ``portfolio`` subcommand."""
    p = sub.add_parser(
        "portfolio",
        help="choose the portfolio a budget can carry; its contingency, risk and frontier",
    )
    p.add_argument("portfolio", type=portfolio_path, metavar="PORTFOLIO")
    p.add_argument("--trials", type=positive_int, help="aggregate trials (default: the file's)")
    p.add_argument(
        "--selection-trials", type=positive_int, help="trials of the selection programme"
    )
    p.add_argument("--seed", type=seed, help="default: the file's")
    p.add_argument("--budget", type=finite_number, help="total budget (default: the file's)")
    p.add_argument("--alpha", type=open_probability, help="P(overspending) allowed")
    p.add_argument("--no-frontier", action="store_true", help="skip the efficient frontier")
    p.add_argument(
        "--size",
        nargs="+",
        metavar="CANDIDATE",
        help="how many projects of these kinds the budget carries (default: every "
        "candidate with count > 1)",
    )
    p.add_argument("--json", action="store_true", help="print portfolio.json to stdout")
    p.add_argument("--out", type=Path, help="default: results/<portfolio>/")
    p.add_argument("--quiet", action="store_true", help="no progress bar, no tables")
    add_executor_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Analyse the portfolio, write its files, print the answer."""
    portfolio = load_portfolio(args.portfolio)
    changes = {
        "simulation.trials": args.trials,
        "simulation.selection_trials": args.selection_trials,
        "simulation.seed": args.seed,
        "budget.total": args.budget,
        "risk.alpha": args.alpha,
    }
    changes = {k: v for k, v in changes.items() if v is not None}
    if changes:
        portfolio = with_settings(portfolio, **changes)
    sim = portfolio.simulation
    total = portfolio.instances * (sim.trials + sim.selection_trials)
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeRemainingColumn())  # fmt: skip
    err = Console(stderr=True)
    with (
        executor_from(args) as executor,
        Progress(*columns, console=err, transient=True, disable=args.quiet) as bar,
    ):
        task = bar.add_task(f"simulating {portfolio.instances} projects", total=total)
        result = analyse_portfolio(
            portfolio,
            executor,
            progress=lambda k: bar.advance(task, k),
            with_frontier=not args.no_frontier,
            size=args.size,
        )
    doc = result.to_dict()
    out = args.out or Path("results") / portfolio.name
    written = write_files(out, writers(result, doc))
    if args.json:
        print(to_json(doc))
    elif not args.quiet:
        print_portfolio(doc)
        names = ", ".join(p.name for p in written)
        err.print(f"[dim]written to {out}/: {names}[/dim]")
    return 0


def writers(result: PortfolioResult, doc: dict[str, Any]) -> dict[str, Any]:
    """Every file of a portfolio analysis, by name."""
    import pyarrow as pa

    table = pa.table(result.trials())
    provenance = {
        "portfolio": result.portfolio.source_text,
        "portfolio_name": result.portfolio.name,
        "seed": str(result.portfolio.simulation.seed),
        "project_seeds": json.dumps(
            {q.label: result.sample.seeds[q.index] for q in result.projects}
        ),
        "versions": json.dumps(versions()),
    }
    data = encode_chunk(table, provenance)
    files: dict[str, Any] = {
        "portfolio.json": json_writer(doc | {"versions": versions()}),
        "trials.parquet": lambda path: path.write_bytes(data.tobytes()),
    }
    chosen = result.sample.cost[result.chosen].sum(axis=0)
    for name, data_of in portfolio_figure_data(doc, chosen).items():
        fig = FIGURES[name](data_of)
        files |= {
            f"{name}.json": json_writer(data_of),
            f"{name}.png": png_writer(fig),
            f"{name}.svg": svg_writer(fig),
        }
    return files
