"""The ``simcrm`` command line: one module per subcommand, each a thin wrapper over a stage.

Exit codes: 0 success, 2 bad usage or input (one line on stderr), 1 internal error.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import NoReturn

from simcrm.errors import InputError

COMMANDS = (
    "scenarios",
    "init",
    "validate",
    "run",
    "summary",
    "estimate",
    "compare",
    "failure-rate",
    "definitions",
    "calibrate",
    "fit",
    "sensitivity",
    "levers",
    "portfolio",
    "report",
)
"""Every subcommand, in the order ``--help`` lists them. Each lives in ``simcrm.cli.<name>``
(dashes as underscores) with ``register(subparsers)`` and ``run``. Only the module of the
command given is imported (``simcrm --help`` imports them all, for their help), so a
command starts without loading what the others need."""


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line on stderr and exit code 2.

    (argparse prints the usage block first; a script reading stderr wants the error.)"""

    def error(self, message: str) -> NoReturn:
        """Print ``simcrm COMMAND: error: MESSAGE (see --help)`` and exit with 2."""
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def command_module(name: str) -> ModuleType:
    """The module of subcommand ``name``."""
    return importlib.import_module(f"simcrm.cli.{name.replace('-', '_')}")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser: every subcommand, or only ``only`` with its arguments (the
    others by name)."""
    parser = OneLineParser(
        prog="simcrm", description="Monte Carlo risk simulation of CRM projects."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        if only is None or name == only:
            command_module(name).register(sub)
        else:
            sub.add_parser(name)
    return parser


def _chosen(argv: Sequence[str]) -> str | None:
    """The subcommand named by ``argv`` (its first word that is not an option)."""
    first = next((a for a in argv if not a.startswith("-")), None)
    return first if first in COMMANDS else None


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``simcrm`` command."""
    words = list(sys.argv[1:] if argv is None else argv)
    chosen = _chosen(words)
    parser = build_parser(chosen) if chosen is not None else build_parser()
    try:
        args = parser.parse_args(words)
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
