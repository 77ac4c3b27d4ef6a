"""Argument types shared by the subcommands (argparse reports their errors with exit 2)."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path

from simcrm.errors import InputError
from simcrm.scenario.shipped import resolve_portfolio, resolve_scenario, resolve_targets


def positive_int(text: str) -> int:
    """A whole number ≥ 1; underscores and exponent notation (``1e6``) allowed."""
    clean = text.replace("_", "")
    try:
        value = float(clean) if "e" in clean.lower() else int(clean)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value != int(value) or value < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: give a whole number of at least 1")
    return int(value)


def seed(text: str) -> int:
    """A seed: a whole number from 0 to 2**63 − 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 0 <= value < 2**63:
        raise argparse.ArgumentTypeError(f"{text!r}: give a whole number from 0 to 2**63 - 1")
    return value


def probability(text: str) -> float:
    """A number in [0, 1]."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text!r}: give a number from 0 to 1")
    return value


def scenario_path(text: str) -> Path:
    """A scenario file, or the bare name of a shipped scenario (``baseline``).

    An unknown bare name is refused here, naming the shipped scenarios; a missing file
    given as a path (``dir/x.toml``) is left to the command, which says "no such file"."""
    return _resolved(text, resolve_scenario)


def portfolio_path(text: str) -> Path:
    """A portfolio file, or the bare name of a shipped one (``portfolio_example``)."""
    return _resolved(text, resolve_portfolio)


def targets_path(text: str) -> Path:
    """A targets file, or the bare name of a shipped one (``it_reference_class``)."""
    return _resolved(text, resolve_targets)


def _resolved(text: str, resolve: Callable[[str], Path]) -> Path:
    try:
        return resolve(text)
    except InputError as err:
        if os.sep in text or "/" in text:
            return Path(text)
        raise argparse.ArgumentTypeError(f"got {text!r}; {err.allowed}") from None
