"""``simcrm estimate``: planned cost per user and in total from the benchmark curve."""

from __future__ import annotations

import argparse
import json
from typing import Any

from simcrm.cli.args import positive_int
from simcrm.scenario.costcurve import BENCHMARK_POINTS, Complexity, cost_per_user


def register(sub: Any) -> None:
    """Add the ``estimate`` subcommand."""
    p = sub.add_parser("estimate", help="planned cost from the per-user benchmark curve")
    p.add_argument("--users", type=positive_int, required=True)
    p.add_argument("--complexity", type=Complexity, choices=list(Complexity), required=True)
    p.add_argument("--price-level", type=float, default=1.0)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the cost per user and the total at the benchmark's price level."""
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
