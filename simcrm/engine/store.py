"""A run's results directory: Parquet chunks, ``manifest.json`` and ``summary.json``.

Layout::

    DIR/manifest.json        what was run (scenario text and digest, seed, trials,
                             versions, times) and which chunks are complete
    DIR/summary.json         the summary, once the run is complete
    DIR/data/blocks-AAAAAAAA-BBBBBBBB.parquet   trials of blocks A..B-1, in trial order

Every file is written under a temporary name and renamed when complete, so a killed run
leaves only whole files behind.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import sys
import tempfile
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from simcrm.errors import ResultsError

Bytes = bytes | npt.NDArray[np.uint8]
"""The content of a file: bytes, or a numpy array of bytes."""

MANIFEST = "manifest.json"
SUMMARY = "summary.json"
DATA = "data"
FIGURES = "figures"
OWN_ENTRIES = frozenset({MANIFEST, SUMMARY, DATA, FIGURES})
"""What a run writes into its directory: ``--force`` removes these and nothing else."""
FORMAT = 2
"""Version of the results directory layout and file encoding (part of a run's identity)."""


def versions() -> dict[str, str]:
    """Versions that a run's numbers depend on."""
    return {
        "simcrm": metadata.version("simcrm"),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": metadata.version("scipy"),
        "pyarrow": pa.__version__,
    }


def now() -> str:
    """The current UTC time, ISO 8601."""
    return datetime.now(UTC).isoformat(timespec="seconds")


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary sibling of ``path`` that replaces it when the block ends without error."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    umask = os.umask(0)
    os.umask(umask)
    try:
        tmp_path.chmod(0o666 & ~umask)
        yield tmp_path
        os.replace(tmp_path, path)
    finally:
        tmp_path.unlink(missing_ok=True)


def write_bytes(path: Path, data: Bytes) -> None:
    """Write ``data`` to ``path`` atomically: the whole file or, on any error, no file.

    Raises
    ------
    ResultsError
        The file cannot be written (full disk, no permission, …).
    """
    try:
        with atomic_path(path) as tmp:
            _write_file(tmp, data)
    except OSError as err:
        reason = err.strerror or str(err)
        raise ResultsError("--out", str(path), f"cannot write it: {reason}") from err


def _write_file(path: Path, data: Bytes) -> None:
    """Write and flush ``data`` to ``path`` (one place for tests to simulate a full disk)."""
    with path.open("wb") as f:
        f.write(data if isinstance(data, bytes) else data.data)


def write_json(path: Path, content: dict[str, Any]) -> None:
    """Write JSON atomically."""
    text = json.dumps(content, indent=2, allow_nan=True) + "\n"
    write_bytes(path, text.encode("utf-8"))


MAX_JSON_BYTES = 256 * 2**20
"""Largest manifest or summary read (a manifest lists one name per chunk: kilobytes)."""


def read_json(path: Path) -> dict[str, Any]:
    """Read a JSON object of a results directory, with a clear error if it is not one."""
    try:
        if path.is_file() and path.stat().st_size > MAX_JSON_BYTES:
            raise ResultsError(
                str(path), f"{path.stat().st_size} bytes", "too large for a simcrm file"
            )
        content = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ResultsError(
            str(path), str(path), "no such file: is this a simcrm results directory?"
        ) from None
    except (OSError, ValueError, RecursionError) as err:
        reason = str(err)[:120]
        raise ResultsError(str(path), str(path), f"cannot be read as JSON ({reason})") from None
    if not isinstance(content, dict):
        raise ResultsError(
            str(path), type(content).__name__, "damaged: a simcrm file holds a JSON object"
        )
    return content


def chunk_digest(data: Bytes) -> str:
    """SHA-256 of a chunk file's bytes (recorded in the manifest, checked before reuse)."""
    return hashlib.sha256(data if isinstance(data, bytes) else data.data).hexdigest()


def file_digest(path: Path) -> str:
    """SHA-256 of a file, read in 8 MB pieces."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while piece := f.read(8 * 2**20):
            digest.update(piece)
    return digest.hexdigest()


def check_chunks(out: Path, manifest: dict[str, Any]) -> None:
    """Every chunk file of a finished run has the content its manifest recorded.

    Raises
    ------
    ResultsError
        A chunk listed in the manifest is missing or its bytes changed since it was
        written (named), or a chunk file is not listed.
    """
    recorded = manifest.get("chunk_sha256")
    if not isinstance(recorded, dict):
        return  # a run written before chunks were hashed: nothing to check against
    files = {f.stem: f for f in chunk_files(out)}
    for name in sorted(set(files) | set(recorded)):
        if name not in recorded:
            raise ResultsError(str(out / DATA / f"{name}.parquet"), name, "not part of this run")
        if name not in files:
            raise ResultsError(str(out / DATA / f"{name}.parquet"), name, "missing")
        if file_digest(files[name]) != recorded[name]:
            raise ResultsError(
                str(files[name]),
                name,
                "its content changed since the run wrote it (SHA-256 differs): re-run "
                "with --resume to recompute it",
            )


def encode_chunk(table: pa.Table, provenance: dict[str, str]) -> npt.NDArray[np.uint8]:
    """One chunk's table as the bytes of its Parquet file, with provenance metadata.

    Workers call this, so the client only writes bytes; the bytes depend on the table and
    the pyarrow version alone (part of a run's identity). They come as a numpy array (a
    view of Arrow's buffer), which Dask sends without copying it into a pickle.
    """
    meta = {f"simcrm.{k}".encode(): v.encode() for k, v in provenance.items()}
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), **meta})
    sink = pa.BufferOutputStream()
    # dictionary encoding of float columns costs 3x the time and saves nothing
    pq.write_table(table, sink, compression="zstd", use_dictionary=False, row_group_size=1 << 17)
    return np.frombuffer(sink.getvalue(), dtype=np.uint8)


def chunk_path(out: Path, name: str) -> Path:
    """Where chunk ``name`` of the run in ``out`` is stored."""
    return out / DATA / f"{name}.parquet"


def chunk_is_whole(path: Path, rows: int, provenance: dict[str, str]) -> bool:
    """Whether ``path`` is a readable chunk file of ``rows`` rows with this provenance."""
    try:
        meta = pq.read_metadata(path)
    except (OSError, pa.ArrowException):
        return False
    kv = {k.decode(): v.decode() for k, v in (meta.metadata or {}).items()}
    wanted = {f"simcrm.{k}": v for k, v in provenance.items()}
    return meta.num_rows == rows and all(kv.get(k) == v for k, v in wanted.items())


def chunk_files(out: Path) -> list[Path]:
    """The run's chunk files, in block order."""
    files = sorted((out / DATA).glob("blocks-*.parquet"))
    if not files:
        raise ResultsError(
            str(out), str(out), "no result files: is this a simcrm results directory?"
        )
    return files


def read_column(out: Path, name: str) -> npt.NDArray[np.float64]:
    """One column of a whole run as float64, in trial order (8 bytes a trial)."""
    table = ds.dataset([str(f) for f in chunk_files(out)], format="parquet").to_table(
        columns=[name]
    )
    return np.asarray(table.column(name).to_numpy(), dtype=np.float64)


def open_dataset(out: Path) -> ds.Dataset:
    """The run's Parquet dataset, chunk files in block order."""
    return ds.dataset([str(f) for f in chunk_files(out)], format="parquet")


@contextmanager
def run_lock(out: Path) -> Iterator[None]:
    """Hold an exclusive lock on the directory ``out`` (created if missing) while a run writes.

    The lock (``flock`` on the directory) dies with its process, even a killed one, so it
    never needs cleaning up; a second run into the same directory is refused meanwhile.
    """
    if out.exists() and not out.is_dir():
        raise ResultsError("--out", str(out), "this is a file; give a directory")
    try:
        out.mkdir(parents=True, exist_ok=True)
        fd = os.open(out, os.O_RDONLY)
    except OSError as err:
        reason = err.strerror or str(err)
        raise ResultsError("--out", str(out), f"cannot write there ({reason})") from err
    try:
        if sys.platform != "win32":
            import fcntl

            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise ResultsError(
                    "--out",
                    str(out),
                    "another simcrm run is writing there; wait for it or choose another --out",
                ) from None
        yield
    finally:
        os.close(fd)


def run_currency(manifest: dict[str, Any]) -> str:
    """The currency of a run's money figures, from its manifest ('' if it cannot be told).

    Runs record it beside the scenario's name; for older manifests it is read from the
    scenario text they hold (CNY when the text does not set it, as the schema does).
    """
    scenario = manifest.get("scenario")
    if not isinstance(scenario, dict):
        return ""
    currency = scenario.get("currency")
    if isinstance(currency, str):
        return currency
    try:
        found = tomllib.loads(str(scenario.get("text", ""))).get("currency", "CNY")
    except tomllib.TOMLDecodeError:
        return ""
    return found if isinstance(found, str) else ""
