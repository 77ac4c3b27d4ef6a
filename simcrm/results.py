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

import json
import os
import platform
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from simcrm.errors import ResultsError

MANIFEST = "manifest.json"
SUMMARY = "summary.json"
DATA = "data"
FORMAT = 1


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
    tmp_path.chmod(0o666 & ~umask)
    try:
        yield tmp_path
        os.replace(tmp_path, path)
    finally:
        tmp_path.unlink(missing_ok=True)


def write_json(path: Path, content: dict[str, Any]) -> None:
    """Write JSON atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(content, indent=2, allow_nan=True) + "\n", encoding="utf-8")


def read_json(path: Path) -> dict[str, Any]:
    """Read a JSON file of a results directory, with a clear error if it is not there."""
    try:
        content: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ResultsError(
            str(path), str(path), "no such file: is this a simcrm results directory?"
        ) from None
    except (OSError, ValueError) as err:
        raise ResultsError(str(path), str(path), f"cannot be read as JSON ({err})") from None
    return content


def write_chunk(out: Path, name: str, table: pa.Table, provenance: dict[str, str]) -> None:
    """Write one chunk's table to ``out/data/<name>.parquet`` atomically, with provenance."""
    meta = {f"simcrm.{k}".encode(): v.encode() for k, v in provenance.items()}
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), **meta})
    with atomic_path(out / DATA / f"{name}.parquet") as tmp:
        # dictionary encoding of float columns costs 3x the time and saves nothing
        pq.write_table(table, tmp, compression="zstd", use_dictionary=False, row_group_size=1 << 17)


def open_dataset(out: Path) -> ds.Dataset:
    """The run's Parquet dataset, chunk files in block order."""
    files = sorted((out / DATA).glob("blocks-*.parquet"))
    if not files:
        raise ResultsError(
            str(out), str(out), "no result files: is this a simcrm results directory?"
        )
    return ds.dataset([str(f) for f in files], format="parquet")


def prepare_directory(
    out: Path, identity: dict[str, Any], *, force: bool, resume: bool
) -> set[str]:
    """Make ``out`` ready for a run and return the chunk names already complete.

    A directory holding another run (different scenario, seed, trials, chunking or
    version) is refused unless ``force``; a directory holding something else that is not
    empty is refused unless ``force``. Without ``resume`` the run starts from scratch.
    """
    manifest_path = out / MANIFEST
    if out.exists() and not out.is_dir():
        raise ResultsError("--out", str(out), "this is a file; give a directory")
    if out.exists() and any(out.iterdir()) and not force:
        if not manifest_path.exists():
            raise ResultsError(
                "--out",
                str(out),
                "the directory is not empty and holds no simcrm run; use --force to replace it",
            )
        old = read_json(manifest_path)
        if old.get("identity") != identity:
            changed = sorted(k for k in identity if old.get("identity", {}).get(k) != identity[k])
            raise ResultsError(
                "--out",
                str(out),
                f"it holds a different run (differs in {', '.join(changed)}); "
                "choose another --out or use --force to replace it",
            )
        if resume:
            done = set(old.get("completed_chunks", []))
            return {name for name in done if (out / DATA / f"{name}.parquet").exists()}
    if out.exists() and (force or not resume):
        _clear(out)
    try:
        (out / DATA).mkdir(parents=True, exist_ok=True)
        probe = out / DATA / ".write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as err:
        raise ResultsError("--out", str(out), f"cannot write there ({err.strerror})") from err
    return set()


def _clear(out: Path) -> None:
    """Remove a previous run's files from ``out``."""
    for child in out.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()
