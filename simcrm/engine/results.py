"""Summaries read back from a results directory: a finished run's summary, or one
recomputed from its Parquet chunks (streaming, with the chunks' content checked first)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

import simcrm.stats.summary as summaries
from simcrm.engine.store import MANIFEST, SUMMARY, check_chunks, chunk_files, read_json
from simcrm.errors import ResultsError
from simcrm.model.trial import MONTHLY_KEYS
from simcrm.stats.adoption_fan import decode_counts
from simcrm.stats.run_summary import Summary
from simcrm.stats.summary import SUMMARY_INPUTS, SUMMARY_PREFIXES, SummaryBuilder

BATCH_ROWS = 1 << 18
"""Rows read at a time when a summary is computed from disk."""


def summarize_files(
    files: list[Path],
    crosstab: tuple[str, str] | None = None,
    *,
    keep_values: bool = True,
    sketch: bool = True,
    replicates: bool = False,
) -> SummaryBuilder:
    """Summarise chunk files (in block order), reading a batch of rows at a time.

    Distribution values are kept for exact percentiles while there are at most
    :data:`~simcrm.stats.summary.EXACT_LIMIT` trials; beyond, only the bounded sketch is.
    """
    builder = SummaryBuilder(
        crosstab, keep_values=keep_values, sketch=sketch, replicates=replicates
    )
    for path in files:
        try:
            reader = pq.ParquetFile(path)
            names = reader.schema_arrow.names
            columns = [
                c
                for c in names
                if c.startswith(SUMMARY_PREFIXES) or c in SUMMARY_INPUTS or c == "trial"
            ]
            for batch in reader.iter_batches(batch_size=BATCH_ROWS, columns=columns):
                builder.add(batch)
            meta = reader.schema_arrow.metadata or {}
            for key in MONTHLY_KEYS:
                counts = meta.get(f"simcrm.{key}".encode())
                if counts is not None:
                    builder.add_monthly_counts(
                        key, decode_counts(counts.decode()), reader.metadata.num_rows
                    )
        except (OSError, pa.ArrowException) as err:
            reason = str(err)[:120]
            raise ResultsError(
                str(path), path.name, f"damaged: not a readable chunk ({reason})"
            ) from None
        except ValueError as err:
            raise ResultsError(str(path), path.name, f"damaged metadata: {err}") from None
    return builder


def summarize_directory(out: Path, crosstab: Sequence[str] | None = None) -> Summary:
    """Summarise a results directory by streaming its Parquet chunks.

    Memory: one batch of rows, the bounded sketches, and for runs of at most
    :data:`~simcrm.stats.summary.EXACT_LIMIT` trials the values for exact percentiles.
    """
    manifest = read_json(out / MANIFEST) if (out / MANIFEST).exists() else {}
    ident = manifest.get("identity")
    ident = ident if isinstance(ident, dict) else {}
    if ident.get("data") is False or ident.get("columns") is not None:
        raise ResultsError(
            str(out),
            "--no-data" if ident.get("data") is False else "--columns",
            "this run kept only its summary (or some columns), so its summary cannot be "
            "recomputed from its files; use its summary.json, or run it again in full",
        )
    check_chunks(out, manifest)
    files = chunk_files(out)
    trials = 0
    for f in files:
        try:
            trials += pq.read_metadata(f).num_rows
        except (OSError, pa.ArrowException) as err:
            reason = str(err)[:120]
            raise ResultsError(str(f), f.name, f"damaged: not a Parquet chunk ({reason})") from None
    pair = (crosstab[0], crosstab[1]) if crosstab is not None and len(crosstab) == 2 else None
    replicates = ident.get("sampling", "mc") != "mc"
    builder = summarize_files(
        files, pair, sketch=trials > summaries.EXACT_LIMIT, replicates=replicates
    )
    return builder.result()


def load_summary(out: Path) -> tuple[dict[str, Any], Summary]:
    """The manifest and summary of a finished run directory."""
    manifest = read_json(out / MANIFEST)
    if manifest.get("status") != "complete":
        hint = manifest.get("resume", "re-run it with --resume")
        raise ResultsError(
            str(out), manifest.get("status"), f"the run is not complete; finish it with: {hint}"
        )
    path = out / SUMMARY
    try:
        return manifest, Summary.from_dict(read_json(path))
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise ResultsError(
            str(path), str(path), f"not a simcrm summary ({type(err).__name__}: {err})"
        ) from None
