"""``--workers`` and ``--scheduler``: where a command computes its chunks."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager

from simcrm.cli.args import workers
from simcrm.engine.executors import Executor, open_executor


def add_executor_options(parser: argparse.ArgumentParser) -> None:
    """Add the mutually exclusive ``--workers N`` and ``--scheduler ADDRESS``."""
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--workers",
        type=workers,
        default=1,
        help="processes of a local Dask cluster, at most the machine's cores (default 1: in this process)",
    )
    where.add_argument(
        "--scheduler", metavar="ADDRESS", help="a running Dask scheduler, e.g. tcp://host:8786"
    )


@contextmanager
def executor_from(args: argparse.Namespace) -> Iterator[Executor]:
    """The executor the options ask for, shut down when the block ends."""
    with open_executor(args.workers, args.scheduler) as executor:
        yield executor
