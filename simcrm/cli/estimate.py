"""``simcrm estimate``: planned cost per user and in total from the benchmark curve.

Users outside the range the benchmark table covers for the complexity class get a
one-line warning on stderr (the figure is then extrapolated, docs/model.md §1).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Annotated, Any

import annotated_types
from pydantic import TypeAdapter, ValidationError

from simcrm.errors import InputError
from simcrm.scenario.costcurve import (
    USER_LIMITS,
    Complexity,
    benchmark_curve,
    cost_per_user,
    outside_benchmark,
)
from simcrm.scenario.schema import Plan, Scenario


def register(sub: Any) -> None:
    """Add the ``estimate`` subcommand."""
    p = sub.add_parser("estimate", help="planned cost from the per-user benchmark curve")
    p.add_argument(
        "--users", required=True, help=f"number of users: {_allowed('users')} (as plan.users)"
    )
    p.add_argument("--complexity", type=Complexity, choices=list(Complexity), required=True)
    p.add_argument(
        "--price-level",
        default="1.0",
        help=f"multiplier of the benchmark's prices: {_allowed('price_level')} "
        "(as plan.price_level; default 1)",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the cost per user and the total at the benchmark's price level."""
    users = int(plan_value("users", "--users", args.users))
    price_level = float(plan_value("price_level", "--price-level", args.price_level))
    per_user = float(cost_per_user(users, benchmark_curve(args.complexity))) * price_level
    warn_outside_benchmark(users, users, args.complexity)
    result = {
        "users": users,
        "complexity": args.complexity.value,
        "cost_per_user": round(per_user, 2),
        "total_cost": round(per_user * users, 2),
    }
    if args.json:
        print(json.dumps(result, allow_nan=False))
    else:
        print(
            f"{users:,} users, {args.complexity.value} complexity: "
            f"{result['cost_per_user']:,.2f} per user, {result['total_cost']:,.0f} in total "
            "(benchmark curve; CNY at the source's price level)"
        )
    return 0


def warn_outside_benchmark(low: float, high: float, complexity: Complexity) -> None:
    """One line on stderr if users from ``low`` to ``high`` leave the benchmark's range."""
    message = outside_benchmark(low, high, complexity)
    if message is not None:
        print(f"simcrm: warning: {message}", file=sys.stderr)


def warn_scenario_outside_benchmark(scenario: Scenario) -> None:
    """:func:`warn_outside_benchmark` for a scenario on the benchmark curve: its
    ``plan.users``, or the range a population distribution of ``plan.users`` draws from
    (clipped to the limits of ``plan.users``). A scenario's own ``plan.cost_curve`` is
    its own business: no warning."""
    if scenario.plan.cost_curve is not None:
        return
    low = high = float(scenario.plan.users)
    drawn = scenario.population.paths().get("plan.users")
    if drawn is not None:
        first, last = drawn.support()
        low, high = max(first, USER_LIMITS[0]), min(last, USER_LIMITS[1])
    warn_outside_benchmark(low, high, scenario.plan.complexity)


def plan_value(field: str, flag: str, text: object) -> int | float:
    """A command-line value checked against the scenario schema's own ``plan.<field>``.

    The limits are those a scenario file has (one definition, in
    :class:`~simcrm.scenario.schema.Plan`); whole numbers may be written ``10_000`` or
    ``1e6``.

    Raises
    ------
    InputError
        Not a number, or outside what ``plan.<field>`` allows (exit code 2, one line).
    """
    shown = str(text)
    try:
        parsed = float(shown.replace("_", ""))
    except ValueError:
        raise InputError(flag, shown, f"{_allowed(field)} (as plan.{field})") from None
    whole = Plan.model_fields[field].annotation is int and parsed.is_integer()
    number: int | float = int(parsed) if whole else parsed
    try:
        value: int | float = _adapter(field).validate_python(number)
    except ValidationError:
        raise InputError(flag, shown, f"{_allowed(field)} (as plan.{field})") from None
    return value


def _adapter(field: str) -> TypeAdapter[Any]:
    """Validator of one ``Plan`` field, with the field's own constraints."""
    info = Plan.model_fields[field]
    form: Any = Annotated[info.annotation, *info.metadata]
    return TypeAdapter(form)


def _allowed(field: str) -> str:
    """What ``Plan.<field>`` accepts, in words, read from its constraints."""
    info = Plan.model_fields[field]
    kind = "a whole number" if info.annotation is int else "a finite number"
    low = next((r for r in info.metadata if isinstance(r, annotated_types.Ge)), None)
    high = next((r for r in info.metadata if isinstance(r, annotated_types.Le)), None)
    if low is not None and high is not None:
        return f"{kind} from {_number(low.ge)} to {_number(high.le)}"
    words: list[str] = []
    for rule in info.metadata:  # lower bounds first
        if isinstance(rule, annotated_types.Gt):
            words.insert(0, f"greater than {_number(rule.gt)}")
        elif isinstance(rule, annotated_types.Ge):
            words.insert(0, f"at least {_number(rule.ge)}")
        elif isinstance(rule, annotated_types.Lt):
            words.append(f"less than {_number(rule.lt)}")
        elif isinstance(rule, annotated_types.Le):
            words.append(f"at most {_number(rule.le)}")
    return " ".join([kind, " and ".join(words)]).strip()


def _number(x: object) -> str:
    """``10,000,000`` for whole numbers, else ``%g``."""
    value = float(x)  # type: ignore[arg-type]
    return f"{int(value):,}" if value.is_integer() and abs(value) < 1e15 else f"{value:g}"
