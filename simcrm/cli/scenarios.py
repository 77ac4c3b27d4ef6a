"""``simcrm scenarios``: the example scenarios, calibration targets and portfolios that ship
with simcrm."""

from __future__ import annotations

import argparse
import json
from typing import Any

from simcrm.scenario.shipped import (
    Shipped,
    shipped_portfolios,
    shipped_scenarios,
    shipped_targets,
)


def register(sub: Any) -> None:
    """Add the ``scenarios`` subcommand."""
    p = sub.add_parser(
        "scenarios", help="list the shipped example scenarios, calibration targets and portfolios"
    )
    p.add_argument("--json", action="store_true", help="print the lists as JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the shipped scenarios (name, description) and targets files."""
    scenarios = shipped_scenarios()
    targets = shipped_targets()
    portfolios = shipped_portfolios()
    if args.json:
        lists = {"scenarios": scenarios, "targets": targets, "portfolios": portfolios}
        print(json.dumps({key: _rows(items) for key, items in lists.items()}, indent=2))
        return 0
    width = max((len(item.name) for item in scenarios + targets + portfolios), default=0)
    print("Shipped scenarios (any command taking a SCENARIO accepts the name):")
    for item in scenarios:
        print(f"  {item.name:<{width}}  {item.description}")
    print("Calibration targets (simcrm calibrate SCENARIO --targets NAME):")
    for item in targets:
        print(f"  {item.name:<{width}}  {item.description}")
    print("Portfolios (simcrm portfolio NAME):")
    for item in portfolios:
        print(f"  {item.name:<{width}}  {item.description}")
    example = scenarios[0].name if scenarios else "baseline"
    print()
    print(f"Run one:            simcrm run {example}")
    print(f"Copy one to edit:   simcrm init my_project --from {example}")
    return 0


def _rows(items: list[Shipped]) -> list[dict[str, str]]:
    return [
        {"name": item.name, "description": item.description, "path": str(item.path)}
        for item in items
    ]
