"""Small portfolios written to a temporary directory for the portfolio tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from simcrm.scenario.portfolio import Portfolio, load_portfolio


def toml_value(value: Any) -> str:
    """A Python value as TOML (numbers, strings, lists, inline tables)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, dict):
        return "{ " + ", ".join(f'"{k}" = {toml_value(v)}' for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return repr(value)


def portfolio_text(
    candidates: list[dict[str, Any]],
    *,
    budget: dict[str, Any] | None = None,
    factors: dict[str, str] | None = None,
    trials: int = 4_000,
    selection_trials: int = 400,
    seed: int = 5,
    alpha: float = 0.1,
    extra: str = "",
) -> str:
    """The TOML of a portfolio."""
    lines = [
        'name = "test_portfolio"',
        "[simulation]",
        f"trials = {trials}",
        f"selection_trials = {selection_trials}",
        f"seed = {seed}",
        "[budget]",
        *(f"{k} = {toml_value(v)}" for k, v in (budget or {"total": 5e6}).items()),
        "[risk]",
        f"alpha = {alpha}",
        "[money]",
        "discount_rate = 0.08",
    ]
    for name, on in (factors or {}).items():
        lines += [f"[factors.{name}]", f'on = "{on}"']
    for c in candidates:
        lines.append("[[candidates]]")
        lines += [f"{k} = {toml_value(v)}" for k, v in c.items()]
    return "\n".join(lines) + "\n" + extra


def write_portfolio(tmp: Path, candidates: list[dict[str, Any]], **kwargs: Any) -> Path:
    """Write a portfolio file and return its path."""
    path = tmp / "portfolio.toml"
    path.write_text(portfolio_text(candidates, **kwargs))
    return path


def make_portfolio(tmp: Path, candidates: list[dict[str, Any]], **kwargs: Any) -> Portfolio:
    """Write and load a portfolio."""
    return load_portfolio(write_portfolio(tmp, candidates, **kwargs))


LIGHT_TAIL = {"execution.tail_probability": 0.0}
"""Overrides that switch the black-swan tail off, so sums of projects obey the central
limit theorem (the tests of the normal approximation need a finite variance)."""
