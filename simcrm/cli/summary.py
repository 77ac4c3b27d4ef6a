"""``simcrm summary DIR``: print a finished run's summary again (or recompute it)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from simcrm.engine.results import load_summary, summarize_directory
from simcrm.engine.store import run_currency
from simcrm.report.terminal import print_summary


def register(sub: Any) -> None:
    """Add the ``summary`` subcommand."""
    p = sub.add_parser("summary", help="print the summary of a finished run")
    p.add_argument("directory", type=Path, metavar="DIR")
    p.add_argument("--json", action="store_true")
    p.add_argument(
        "--recompute", action="store_true", help="recompute it from the Parquet data, streaming"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Read (or recompute) the summary and print it."""
    manifest, summary = load_summary(args.directory)
    if args.recompute:
        summary = summarize_directory(args.directory, manifest.get("crosstab"))
    if args.json:
        print(json.dumps(summary.to_dict(), indent=2))
    else:
        scenario = manifest.get("scenario")
        title = scenario.get("name") if isinstance(scenario, dict) else None
        print_summary(summary, title=str(title or args.directory), currency=run_currency(manifest))
    return 0
