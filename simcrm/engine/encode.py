"""What a run keeps of a chunk: its Parquet file (or the table to encode) and its summary.

On a cluster the worker encodes, so the client only writes bytes: workers need no access
to the client's disk, and the files are the same bytes on every executor (docs/model.md
§8). In this process the table is handed over unencoded, and the run encodes and writes
it on a second thread while the next chunk is computed (:mod:`simcrm.engine.writer`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from simcrm.engine.blocks import Chunk, Columns, Job
from simcrm.engine.store import encode_chunk
from simcrm.model.trial import MONTHLY_KEYS
from simcrm.stats.adoption_fan import encode_counts
from simcrm.stats.summary import SummaryBuilder

MAY_BE_UNDEFINED = frozenset({"abandon_month", "payback_month", "payback_from_go_live", "roi"})
"""Outputs that are NaN by design in some trials (no abandonment, no payback; ``roi`` when
a project cost nothing). Every other float output must be finite."""


def first_nonfinite(columns: Columns) -> tuple[str, int] | None:
    """The first output (and its trial) that is NaN or infinite where it must be finite:
    the scenario's numbers took the model beyond what float64 computes."""
    for name, values in columns.items():
        if name in MAY_BE_UNDEFINED or values.dtype.kind != "f":
            continue
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size:
            trials = columns.get("trial")
            return name, int(trials[bad[0]]) if trials is not None else int(bad[0])
    return None


@dataclass(frozen=True)
class EncodedChunk:
    """A computed chunk: its Parquet bytes (or its table and metadata, to encode), and
    the summary of its trials."""

    rows: int
    parquet: npt.NDArray[np.uint8] | None
    summary: SummaryBuilder | None
    table: pa.Table | None = None
    metadata: dict[str, str] | None = None
    monthly: dict[str, npt.NDArray[np.int64]] | None = None
    """With a deferred summary: the chunk's monthly counts, still to be added."""
    nonfinite: tuple[str, int] | None = None
    """The first output that is not finite where it must be, and its trial (the run is
    then refused: :func:`first_nonfinite`)."""

    def encoded(self) -> npt.NDArray[np.uint8]:
        """The chunk's Parquet bytes (encoding the table if it was handed over as one)."""
        if self.parquet is not None:
            return self.parquet
        if self.table is None or self.metadata is None:
            raise ValueError("a chunk computed without its data has no file")
        return encode_chunk(self.table, self.metadata)


@dataclass(frozen=True)
class EncodeChunk:
    """Reducer of a run: summarise the chunk, and encode it as Parquet with ``provenance``.

    Attributes
    ----------
    provenance
        What each file records of its origin.
    sketch
        Keep quantile sketches (runs beyond the exact-percentile limit).
    encode
        Encode here (a worker); False: hand the table over (see the module docstring).
    data
        Keep the table at all (False: summary-only runs).
    columns
        Keep only these outputs (and ``trial``); all when None.
    keep_values
        Keep the distribution columns' values for exact percentiles.
    replicates
        Count each block's proportions (runs with a sampling design).
    defer
        Hand the whole table over, to be summarised and encoded by :meth:`finish` on the
        run's writer thread (in process, while the next chunk is computed).
    """

    provenance: dict[str, str]
    sketch: bool
    encode: bool = True
    data: bool = True
    columns: tuple[str, ...] | None = None
    keep_values: bool = False
    replicates: bool = False
    defer: bool = False

    def __call__(self, job: Job, chunk: Chunk, columns: Columns) -> EncodedChunk:
        """Encode and summarise one chunk's columns (and its monthly adoption counts,
        kept in the file's metadata so a resumed run or a recomputed summary has them)."""
        columns = dict(columns)
        monthly = {key: columns.pop(key) for key in MONTHLY_KEYS if key in columns}
        broken = first_nonfinite(columns)
        if broken is not None:  # nothing to keep: the client refuses the run
            empty = SummaryBuilder(keep_values=False, sketch=False)
            return EncodedChunk(0, None, empty, nonfinite=broken)
        table = pa.table(columns)
        counts = {key: np.asarray(v, dtype=np.int64) for key, v in monthly.items()}
        provenance = dict(self.provenance)
        for key, value in counts.items():
            provenance[key] = encode_counts(value)
        handed = EncodedChunk(table.num_rows, None, None, table, provenance, counts)
        return handed if self.defer else self.finish(handed)

    def finish(self, handed: EncodedChunk) -> EncodedChunk:
        """Summarise a handed-over chunk and encode the outputs it keeps (if any)."""
        table, provenance = handed.table, handed.metadata
        if table is None or provenance is None:
            return handed
        summary = SummaryBuilder(
            keep_values=self.keep_values, sketch=self.sketch, replicates=self.replicates
        )
        summary.add(table)
        for key, counts in (handed.monthly or {}).items():
            summary.add_monthly_counts(key, counts)
        if not self.data:
            return EncodedChunk(table.num_rows, None, summary)
        if self.columns is not None:
            table = table.select(["trial", *(c for c in self.columns if c != "trial")])
        if not self.encode:
            return EncodedChunk(table.num_rows, None, summary, table, provenance)
        return EncodedChunk(table.num_rows, encode_chunk(table, provenance), summary)
