"""Writing a run's chunks as they join it, on a second thread when computing in process.

Encoding a chunk as Parquet and writing it cost about a third of computing it; pyarrow
releases the GIL while it encodes and the disk while it writes, so a single writer
thread does both while the main thread computes the next chunk. At most two chunks wait
to be written (memory stays flat). The manifest is only touched from the main thread:
a chunk is recorded as complete once its file is whole on disk.
"""

from __future__ import annotations

import time
from collections import deque
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


def _write(path: Path, result: EncodedChunk) -> str:
    """Encode (if needed) and write one chunk; its SHA-256."""
    data = result.encoded()
    write_bytes(path, data)
    return chunk_digest(data)


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
        Write on a second thread.
    """

    def __init__(
        self,
        out: Path,
        manifest: dict[str, Any],
        record: Any,
        *,
        write: bool,
        background: bool,
    ) -> None:
        self.out = out
        self.manifest = manifest
        self.record = record
        self.write = write
        self.pool = ThreadPoolExecutor(1, "simcrm-writer") if background and write else None
        self.waiting: deque[tuple[Chunk, Future[str]]] = deque()
        self.written = self.spent = 0.0

    def __enter__(self) -> ChunkWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
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
        if not self.write:
            self._done(chunk, None)
        elif self.pool is None:
            self._done(chunk, _write(path, result))
        else:
            self.waiting.append((chunk, self.pool.submit(_write, path, result)))
            self._collect(IN_FLIGHT)

    def finish(self) -> None:
        """Wait for every chunk to be written."""
        self._collect(0)

    def _collect(self, keep: int) -> None:
        """Record the written chunks, waiting until at most ``keep`` are in flight."""
        while self.waiting and (len(self.waiting) > keep or self.waiting[0][1].done()):
            chunk, future = self.waiting.popleft()
            self._done(chunk, future.result())

    def _done(self, chunk: Chunk, digest: str | None) -> None:
        if digest is not None:
            self.manifest["chunk_sha256"][chunk.name] = digest
        self.manifest["completed_chunks"].append(chunk.name)
        if self.spent <= MANIFEST_SHARE * (time.monotonic() - self.written):
            self.written = time.monotonic()
            self.record("running")
            self.spent = time.monotonic() - self.written
