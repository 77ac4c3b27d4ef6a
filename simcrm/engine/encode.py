"""What a run keeps of a chunk: the bytes of its Parquet file and the summary of its trials.

The worker encodes, so the client only writes bytes: workers need no access to the
client's disk, and the files are the same bytes on every executor (docs/model.md §8).
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


@dataclass(frozen=True)
class EncodedChunk:
    """A computed chunk: its Parquet file's bytes and the summary of its trials."""

    rows: int
    parquet: npt.NDArray[np.uint8]
    summary: SummaryBuilder


@dataclass(frozen=True)
class EncodeChunk:
    """Reducer of a run: encode the chunk as Parquet (with ``provenance``) and summarise it.

    ``sketch``: keep quantile sketches (runs beyond the exact-percentile limit).
    """

    provenance: dict[str, str]
    sketch: bool

    def __call__(self, job: Job, chunk: Chunk, columns: Columns) -> EncodedChunk:
        """Encode and summarise one chunk's columns (and its monthly adoption counts,
        kept in the file's metadata so a resumed run or a recomputed summary has them)."""
        columns = dict(columns)
        monthly = {key: columns.pop(key) for key in MONTHLY_KEYS if key in columns}
        table = pa.table(columns)
        summary = SummaryBuilder(keep_values=False, sketch=self.sketch)
        summary.add(table)
        provenance = dict(self.provenance)
        for key, counts in monthly.items():
            summary.add_monthly_counts(key, np.asarray(counts, dtype=np.int64))
            provenance[key] = encode_counts(counts)
        return EncodedChunk(table.num_rows, encode_chunk(table, provenance), summary)
