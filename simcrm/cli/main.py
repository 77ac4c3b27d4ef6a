"""The ``simcrm`` command line: one module per subcommand, each a thin wrapper over a stage.

Exit codes: 0 success, 2 bad usage or input (one line on stderr), 1 internal error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

from simcrm.cli import (
    calibrate,
    compare,
    definitions,
    estimate,
    failure_rate,
    fit,
    init,
    levers,
    portfolio,
    report,
    run,
    scenarios,
    sensitivity,
    summary,
    validate,
)
from simcrm.errors import InputError

COMMANDS = (
    scenarios,
    init,
    validate,
    run,
    summary,
    estimate,
    compare,
    failure_rate,
    definitions,
    calibrate,
    fit,
    sensitivity,
    levers,
    portfolio,
    report,
)
"""Subcommand modules, each with ``register(subparsers)``, in the order ``--help`` lists them."""


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line on stderr and exit code 2.

    (argparse prints the usage block first; a script reading stderr wants the error.)"""

    def error(self, message: str) -> NoReturn:
        """Print ``simcrm COMMAND: error: MESSAGE (see --help)`` and exit with 2."""
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = OneLineParser(
        prog="simcrm", description="Monte Carlo risk simulation of CRM projects."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMANDS:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``simcrm`` command."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as done:  # --help (0) or a usage error (2), already printed
        return done.code if isinstance(done.code, int) else 2
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
