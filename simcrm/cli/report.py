"""``simcrm report RESULTS_DIR [RESULTS_DIR …] [--out report.html]``: one HTML file to hand over.

The page holds each run's provenance (scenario text, seed, versions, trials, chunks,
times), a plain-language headline (the contingency an 80% chance of not overspending
needs, how often two stakeholders disagree, each P(fail) with its 95% interval), the
summary tables, every figure (inline SVG) and the sensitivity, levers, comparison and
portfolio results the directories (or their subdirectories) hold; one section per
directory. It needs no network and prints to PDF from a browser (docs/report.md).
A directory that holds no simcrm result exits with 2; the file is written atomically.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

DEFAULT_OUT = Path("report.html")


def register(sub: Any) -> None:
    """Add the ``report`` subcommand."""
    p = sub.add_parser(
        "report",
        help="one self-contained HTML report (tables, figures, provenance) of results "
        "directories, printable to PDF",
    )
    p.add_argument(
        "directories",
        type=Path,
        nargs="+",
        metavar="RESULTS_DIR",
        help="a directory written by run, sensitivity, levers, compare or portfolio (or "
        "one holding such directories)",
    )
    p.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help=f"the HTML file (default: {DEFAULT_OUT})"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Collect the directories' results, render the page, write it."""
    from simcrm.report.html import write_report

    out = write_report(args.directories, args.out)
    print(f"written: {out}")
    return 0
