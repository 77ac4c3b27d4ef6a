"""Distributions on a finite list of values: discrete (weighted) and empirical (inline or CSV)."""

from __future__ import annotations

import csv
import hashlib
import io
import math
from pathlib import Path
from typing import Literal, Self

import numpy as np
import numpy.typing as npt
from pydantic import (
    Field,
    PrivateAttr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from simcrm.distributions._base import Num, _Base, _u


class _Finite(_Base):
    """A distribution on finitely many values, given by :meth:`table`."""

    def table(self) -> tuple[np.ndarray, np.ndarray]:
        """Sorted distinct values of positive probability, and their probabilities."""
        raise NotImplementedError

    def ppf(self, u: npt.ArrayLike) -> np.ndarray:
        x, prob = self.table()
        uu = _u(u)
        idx = np.searchsorted(np.cumsum(prob), np.nan_to_num(uu), side="left")
        return np.where(np.isnan(uu), np.nan, x[np.minimum(idx, len(x) - 1)])

    def mean(self) -> float:
        x, prob = self.table()
        return float(prob @ x)

    def variance(self) -> float:
        x, prob = self.table()
        return float(prob @ (x - prob @ x) ** 2)

    def support(self) -> tuple[float, float]:
        x, _ = self.table()
        return (float(x[0]), float(x[-1]))


class Discrete(_Finite):
    """Finite distribution on ``values`` with optional ``weights`` (normalised)."""

    kind: Literal["discrete"] = "discrete"
    values: tuple[Num, ...] = Field(min_length=1)
    weights: tuple[Num, ...] | None = None

    @field_validator("weights")
    @classmethod
    def _check_weights(
        cls, v: tuple[float, ...] | None, info: ValidationInfo
    ) -> tuple[float, ...] | None:
        values = info.data.get("values")
        if v is not None and values is not None and len(v) != len(values):
            raise ValueError(
                f"weights has {len(v)} entries, values {len(values)}: give one per value"
            )
        if v is not None and min(v, default=0.0) < 0:
            raise ValueError("weights must not be negative")
        if v is not None and sum(v) <= 0:
            raise ValueError("weights must have a positive sum")
        return v

    def table(self) -> tuple[np.ndarray, np.ndarray]:
        x = np.asarray(self.values, dtype=np.float64)
        w = np.ones_like(x) if self.weights is None else np.asarray(self.weights, np.float64)
        x, inverse = np.unique(x[w > 0], return_inverse=True)
        return x, np.bincount(inverse, weights=w[w > 0]) / w.sum()

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        x, prob = self.table()
        return rng.choice(x, size=size, p=prob)


MAX_DATA_BYTES = 50_000_000
"""Largest data file an empirical distribution reads (50 MB, as ``simcrm fit``)."""
MAX_DATA_ROWS = 1_000_000
"""Most data rows an empirical distribution reads (as ``simcrm fit``)."""


def read_bounded(path: Path, limit: int) -> bytes:
    """The bytes of a file of at most ``limit`` bytes, reading no more than ``limit + 1``
    (``/dev/zero`` or a growing file is refused at once, not read to the end).

    Raises
    ------
    OSError
        The file cannot be opened or read.
    ValueError
        It holds more than ``limit`` bytes.
    """
    with path.open("rb") as fh:
        raw = fh.read(limit + 1)
    if len(raw) > limit:
        raise ValueError(f"larger than {limit:,} bytes (the limit)")
    return raw


def _read_column(path: Path, column: str) -> tuple[tuple[float, ...], str]:
    """One numeric column of a CSV file, and the SHA-256 of the file's bytes; any failure
    is a ValueError naming both the file and the column."""
    where = f"empirical file {str(path)!r}, column {column!r}"
    try:
        raw = read_bounded(path, MAX_DATA_BYTES)
        text = raw.decode("utf-8-sig")
        reader = csv.DictReader(io.StringIO(text, newline=""))
        if column not in (names := reader.fieldnames or []):
            raise ValueError(f"{where}: no such column (columns: {', '.join(names)})")
        cells: list[tuple[int, str]] = []
        for row in reader:
            if len(cells) >= MAX_DATA_ROWS:
                raise ValueError(
                    f"{where}: more than {MAX_DATA_ROWS:,} data rows (at most "
                    f"{MAX_DATA_ROWS:,} are read)"
                )
            cells.append((reader.line_num, row[column]))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise ValueError(f"{where}: cannot read the file ({why})") from exc
    except ValueError as exc:
        if str(exc).startswith(where):
            raise
        raise ValueError(f"{where}: {exc}") from None
    out = []
    for line, cell in cells:
        try:
            x = float(cell)
        except (TypeError, ValueError):
            x = math.nan
        if not math.isfinite(x):
            raise ValueError(f"{where}, line {line}: {cell!r} is not a finite number")
        out.append(x)
    if not out:
        raise ValueError(f"{where}: no values")
    return tuple(out), hashlib.sha256(raw).hexdigest()


class Empirical(_Finite):
    """Bootstrap from data: inline ``values``, or a CSV ``file`` and its ``column``.

    A relative ``file`` is resolved against the scenario file's folder (``base_dir`` in
    the validation context), else the current directory; the data are read on loading
    (at most 50 MB and 1,000,000 data rows).
    """

    kind: Literal["empirical"] = "empirical"
    values: tuple[Num, ...] | None = None
    file: str | None = None
    column: str | None = None
    _data: tuple[float, ...] = PrivateAttr(default=())
    _file_sha256: str = PrivateAttr(default="")

    @model_validator(mode="after")
    def _load(self, info: ValidationInfo) -> Self:
        if self.values is not None and self.file is not None:
            raise ValueError("give either values (a list) or file and column (a CSV), not both")
        if self.values is None and self.file is None:
            raise ValueError("give values (a list) or file and column (a CSV)")
        if self.values is not None:
            if self.column is not None:
                raise ValueError("column is only used with file")
            if not self.values:
                raise ValueError("values must not be empty")
            self._data = tuple(self.values)
        elif self.file is not None:
            if self.column is None:
                raise ValueError(f"file {self.file!r} needs column: the CSV column to read")
            ctx = info.context if isinstance(info.context, dict) else {}
            base = Path(ctx.get("base_dir") or Path.cwd())
            self._data, self._file_sha256 = _read_column(
                base / Path(self.file).expanduser(), self.column
            )
        return self

    def file_sha256(self) -> str:
        """SHA-256 of the bytes of the CSV file read ('' for inline values): part of the
        identity of a run (:func:`simcrm.scenario.load.scenario_digest`)."""
        return self._file_sha256

    def data(self) -> np.ndarray:
        """The observations (a new float64 array)."""
        return np.asarray(self._data, dtype=np.float64)

    def table(self) -> tuple[np.ndarray, np.ndarray]:
        x, counts = np.unique(self.data(), return_counts=True)
        return x, counts / counts.sum()

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Draw uniformly with replacement from the observations (bootstrap)."""
        return rng.choice(self.data(), size=size)

    def ppf(self, u: npt.ArrayLike) -> np.ndarray:
        """Empirical quantile, ``np.quantile(..., method="inverted_cdf")``."""
        uu = _u(u)
        q = np.quantile(self.data(), np.nan_to_num(uu), method="inverted_cdf")
        return np.where(np.isnan(uu), np.nan, q)
