"""Where chunks are computed: in this process, or on a Dask cluster (local or remote).

A task travels as a few kilobytes (:class:`simcrm.engine.mapping.ChunkTask`: the job and
a range of blocks, never arrays) and comes back reduced to what the caller needs. An
executor only runs ``fn(task)`` for every task; it knows nothing of simulations.

Dask (``dask.distributed``) is imported only when a Dask executor is asked for.
"""

from __future__ import annotations

import logging
import signal
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from itertools import islice
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from simcrm.engine.store import versions
from simcrm.errors import InputError

if TYPE_CHECKING:
    from distributed import Client

T = TypeVar("T")
R = TypeVar("R")

CONNECT_TIMEOUT = 30.0
"""Seconds to wait for a scheduler to answer and for its first worker."""

MATCHING_VERSIONS = ("simcrm", "numpy", "scipy", "pyarrow")
"""Packages whose versions every worker must share with the client (they set the bytes)."""


class Executor(Protocol):
    """Computes tasks and yields their results as they complete."""

    description: str

    def imap_unordered(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        """``fn(task)`` for every task, in order of completion."""
        ...


class InProcess:
    """One task after another in this process (the default, one worker)."""

    description = "in process"

    def imap_unordered(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        """``fn(task)`` for every task, in order."""
        for task in tasks:
            yield fn(task)


class DaskExecutor:
    """Tasks on a Dask cluster, at most ``ahead`` of them submitted at a time.

    Parameters
    ----------
    client
        A connected ``distributed.Client``.
    ahead
        Tasks in flight: enough to keep every worker busy while the client writes
        results, few enough that memory stays flat (twice the worker threads).
    description
        How the cluster is described in the manifest.
    """

    def __init__(self, client: Client, ahead: int, description: str) -> None:
        self.client = client
        self.ahead = ahead
        self.description = description

    def imap_unordered(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        """``fn(task)`` for every task on the cluster, in order of completion.

        The first tasks are submitted at once, so the workers start while the caller
        does other work before it asks for the first result.
        """
        from distributed import as_completed

        queue = iter(tasks)
        running = as_completed([self._submit(fn, t) for t in islice(queue, self.ahead)])
        return self._results(fn, queue, running)

    def _submit(self, fn: Callable[[T], R], task: T) -> Any:
        """Submit one task. A task that carries per-trial values (a sensitivity run's
        matrix of held inputs, ~10 MB) makes Dask warn that the graph is large; that is
        expected, and the warning would only clutter the command's output."""
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Sending large graph", category=UserWarning)
            return self.client.submit(fn, task, pure=False)

    def _results(self, fn: Callable[[T], R], queue: Iterator[T], running: Any) -> Iterator[R]:
        """Results as they complete, one more task submitted for each."""
        for future in running:
            result: R = future.result()
            future.release()
            for task in islice(queue, 1):
                running.add(self._submit(fn, task))
            yield result


@contextmanager
def open_executor(workers: int = 1, scheduler: str | None = None) -> Iterator[Executor]:
    """The executor for ``--workers``/``--scheduler``, shut down when the block ends.

    Parameters
    ----------
    workers
        1: in this process. N > 1: a local Dask cluster of N single-threaded processes,
        on the loopback interface, without dashboard.
    scheduler
        Address of a running Dask scheduler (``tcp://host:8786``) to send the chunks to.

    Raises
    ------
    InputError
        Dask is not installed, the scheduler cannot be reached or has no workers, or a
        worker's versions differ from the client's (its results would differ).
    """
    if scheduler is None and workers <= 1:
        yield InProcess()
        return
    if scheduler is not None:
        distributed = _import_distributed("--scheduler")
        with _connect(distributed, scheduler) as client:
            threads = sum(w["nthreads"] for w in client.scheduler_info()["workers"].values())
            _check_worker_versions(client, scheduler)
            yield DaskExecutor(client, 2 * max(threads, 1), f"Dask scheduler {scheduler}")
        return
    with local_cluster(workers) as executor:
        yield executor


@contextmanager
def local_cluster(workers: int) -> Iterator[DaskExecutor]:
    """A local Dask cluster of ``workers`` single-threaded processes, ready to compute.

    The processes listen on the loopback interface only, serve no dashboard, and have
    imported simcrm before this returns (so start-up is not charged to the first chunks).
    They are started with ``spawn``: as with any multiprocessing code, a script that calls
    this must guard its entry point with ``if __name__ == "__main__":``.
    """
    distributed = _import_distributed("--workers")
    import dask

    environ = dict(dask.config.get("distributed.nanny.pre-spawn-environ", {}))
    # Dask sets MALLOC_TRIM_THRESHOLD_ for its workers so that they give memory back to
    # the system; it also stops glibc from raising its mmap threshold, so every array of
    # a block (128 KB and more) is mapped afresh and page-faulted: chunks run up to twice
    # slower. A chunk's memory is bounded anyway, so workers keep glibc's defaults.
    environ.pop("MALLOC_TRIM_THRESHOLD_", None)
    settings = {
        "distributed.nanny.pre-spawn-environ": environ,
        # the statistical profiler samples every worker's stack 100 times a second (for
        # the dashboard, which is off): about 8% of a chunk's time
        "distributed.worker.profile.enabled": False,
        # housekeeping timers meant for long interactive sessions (event-loop health,
        # system and memory monitors, work stealing among equal chunks): less often,
        # they leave the client about 0.3 s of a core more per 10 s of work on 2 cores
        "distributed.admin.tick.interval": "500ms",
        "distributed.admin.system-monitor.interval": "5s",
        "distributed.worker.memory.monitor-interval": "1s",
        "distributed.scheduler.work-stealing": False,
        "distributed.worker.preload": ["simcrm.engine.executors"],
    }
    with (
        dask.config.set(settings),
        distributed.LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            # the scheduler serves HTTP (health, metrics) even without a dashboard, by
            # default on port 8787 of every interface: keep it on a free loopback port
            scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"},
            # task errors reach the client as exceptions; below CRITICAL the workers only
            # log races of their own shutdown (a heartbeat to a closed scheduler)
            silence_logs=logging.CRITICAL,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        client.run(versions)
        yield DaskExecutor(client, 2 * workers, f"local Dask cluster of {workers} processes")


def dask_setup(worker: object) -> None:
    """Dask preload hook of simcrm's local workers: leave Ctrl-C to the client.

    A terminal's Ctrl-C reaches every process of its group. The client records that the
    run was interrupted and shuts its cluster down, so the workers ignore SIGINT rather
    than each printing a traceback.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _import_distributed(option: str) -> Any:
    """The ``distributed`` module, or an InputError saying how to install it."""
    try:
        import distributed
    except ImportError:
        raise InputError(
            option,
            "dask.distributed",
            "Dask is not installed: pip install 'simcrm[dask]' (or 'dask[distributed]')",
        ) from None
    return distributed


@contextmanager
def _connect(distributed: Any, address: str) -> Iterator[Client]:
    """A client of the scheduler at ``address`` with at least one worker."""
    try:
        client = distributed.Client(address, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError, ValueError) as err:
        raise InputError(
            "--scheduler", address, f"cannot reach a Dask scheduler there ({err})"
        ) from None
    with client:
        try:
            client.wait_for_workers(1, timeout=CONNECT_TIMEOUT)
        except TimeoutError:
            raise InputError(
                "--scheduler", address, f"the scheduler has no workers after {CONNECT_TIMEOUT:g} s"
            ) from None
        yield client


def _check_worker_versions(client: Client, address: str) -> None:
    """Refuse workers whose simcrm, numpy, scipy or pyarrow differ from the client's."""
    try:
        found: dict[str, dict[str, str]] = client.run(versions)
    except ImportError as err:
        raise InputError(
            "--scheduler", address, f"a worker cannot import simcrm ({err}); install it there"
        ) from None
    mine = versions()
    for worker, theirs in sorted(found.items()):
        for package in MATCHING_VERSIONS:
            if theirs.get(package) != mine[package]:
                raise InputError(
                    "--scheduler",
                    address,
                    f"worker {worker} has {package} {theirs.get(package)}, this client "
                    f"{mine[package]}: results would differ; install the same versions",
                )
