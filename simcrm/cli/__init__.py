"""The ``simcrm`` command: :func:`main` parses the arguments and runs one subcommand."""

from simcrm.cli.main import build_parser, main

__all__ = ["build_parser", "main"]
