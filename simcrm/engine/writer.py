"""Writing a run's chunks as they join it, on a second thread when computing in process.

Summarising a chunk, encoding it as Parquet and writing it cost about a third of
computing it; numpy and pyarrow release the GIL in that work, so a single writer thread
does it while the main thread computes the next chunk. At most two chunks wait
to be written (memory stays flat). The manifest is only touched from the main thread:
a chunk is recorded as complete once its file is whole on disk.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import Any

from simcrm.engine.blocks import Chunk
from simcrm.engine.encode import EncodedChunk
from simcrm.engine.store import chunk_digest, chunk_path, write_bytes

MANIFEST_SHARE = 0.05
"""Largest share of the time spent rewriting the manifest as chunks complete: it is
rewritten after every chunk unless that would take more (a very long run's manifest is
large), so a killed run redoes at most the chunks finished since the last rewrite."""

IN_FLIGHT = 2
"""Chunks at most waiting to be written."""


Finish = Callable[[EncodedChunk], EncodedChunk]


def _write(
    path: Path, result: EncodedChunk, finish: Finish, write: bool
) -> tuple[str | None, EncodedChunk]:
    """Summarise (if deferred), encode (if needed) and write one chunk: its SHA-256 (None
    when nothing is written) and the finished chunk."""
    if result.summary is None:
        result = finish(result)
    if not write:
        return None, result
    data = result.encoded()
    write_bytes(path, data)
    return chunk_digest(data), result


class ChunkWriter:
    """Writes chunks and records them in the manifest, as a context manager.

    Parameters
    ----------
    out
        The results directory.
    manifest
        The run's manifest (``chunk_sha256`` and ``completed_chunks`` are updated).
    record
        ``record(status)`` rewrites the manifest.
    write
        Write the chunks' files (False: a summary-only run records them as computed).
    background
        Write (and finish deferred chunks) on a second thread.
    finish
        Summarises a chunk handed over with its summary deferred.
    joined
        Called in this thread, in chunk order, with each chunk once it is written.
    """

    def __init__(
        self,
        out: Path,
        manifest: dict[str, Any],
        record: Any,
        *,
        write: bool,
        background: bool,
        finish: Finish = lambda result: result,
        joined: Callable[[Chunk, EncodedChunk], None] | None = None,
    ) -> None:
        self.out = out
        self.manifest = manifest
        self.record = record
        self.write = write
        self.finish_chunk = finish
        self.joined = joined
        self.pool = ThreadPoolExecutor(1, "simcrm-writer") if background else None
        self.waiting: deque[tuple[Chunk, Future[tuple[str | None, EncodedChunk]]]] = deque()
        self.written = self.spent = 0.0

    def __enter__(self) -> ChunkWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if kind is not None:
            self.joined = None  # a stopped run: note the files written, summarise nothing
        if self.pool is not None:
            try:  # files being written are finished (each is renamed whole), then noted
                self._collect(0)
            except BaseException:
                if kind is None:
                    raise
            finally:
                self.pool.shutdown(wait=True, cancel_futures=True)

    def put(self, chunk: Chunk, result: EncodedChunk) -> None:
        """Write one chunk (now, or on the writer thread)."""
        path = chunk_path(self.out, chunk.name)
        if self.pool is None:
            self._done(chunk, *_write(path, result, self.finish_chunk, self.write))
        else:
            work = self.pool.submit(_write, path, result, self.finish_chunk, self.write)
            self.waiting.append((chunk, work))
            self._collect(IN_FLIGHT)

    def finish(self) -> None:
        """Wait for every chunk to be written."""
        self._collect(0)

    def _collect(self, keep: int) -> None:
        """Record the written chunks, waiting until at most ``keep`` are in flight."""
        while self.waiting and (len(self.waiting) > keep or self.waiting[0][1].done()):
            chunk, future = self.waiting.popleft()
            self._done(chunk, *future.result())

    def _done(self, chunk: Chunk, digest: str | None, result: EncodedChunk) -> None:
        if digest is not None:
            self.manifest["chunk_sha256"][chunk.name] = digest
        self.manifest["completed_chunks"].append(chunk.name)
        if self.joined is not None:
            self.joined(chunk, result)
        if self.spent <= MANIFEST_SHARE * (time.monotonic() - self.written):
            self.written = time.monotonic()
            self.record("running")
            self.spent = time.monotonic() - self.written
