"""``simcrm validate FILE…``: check scenario files."""

from __future__ import annotations

import argparse
from typing import Any

from simcrm.cli.args import scenario_path
from simcrm.scenario import load_scenario


def register(sub: Any) -> None:
    """Add the ``validate`` subcommand."""
    p = sub.add_parser("validate", help="check scenario files")
    p.add_argument("files", nargs="+", type=scenario_path, metavar="FILE")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Load every file; the first invalid one stops with its error."""
    for path in args.files:
        sc = load_scenario(path)
        risks = f", {len(sc.risks)} risks" if sc.risks else ""
        print(
            f"ok: {path} — scenario {sc.name!r}, {sc.plan.users:,} users, "
            f"{len(sc.components)} cost components, {len(sc.criteria)} criteria{risks}"
        )
    return 0
