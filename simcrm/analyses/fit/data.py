"""Read the column of past values a fit is made on: a CSV file, bounded, checked cell by cell."""

from __future__ import annotations

import csv
import difflib
import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from simcrm.errors import InputError

if TYPE_CHECKING:
    pass

FloatArray = npt.NDArray[np.float64]

MAX_BYTES = 50_000_000
"""Largest CSV file read (50 MB)."""
MAX_ROWS = 1_000_000
"""Most data rows read."""
MIN_VALUES = 8
"""Fewest values a fit is attempted on."""

# ---------------------------------------------------------------------------- reading


def read_column(path: Path, column: str) -> FloatArray:
    """Read one numeric column of a CSV file, refusing anything that is not clean.

    The file must be UTF-8 text (a byte-order mark is allowed) with a header line,
    comma-separated, at most :data:`MAX_BYTES` bytes and :data:`MAX_ROWS` data rows.
    Blank lines are skipped. Every value of the column must be a finite number.

    Parameters
    ----------
    path
        The CSV file.
    column
        The header name of the column to read (surrounding spaces are ignored).

    Returns
    -------
    numpy.ndarray
        The values, in file order (float64).

    Raises
    ------
    InputError
        Naming the file, the column, and for a bad value its data row (1-based, the
        header not counted, blank lines skipped) and CSV line number: missing file, not
        CSV text, too large, unknown column (with a suggestion), a value that is empty,
        not a number, NaN or infinite.
    """
    name = str(path)
    if not path.exists():
        raise InputError(name, name, "no such file")
    if not path.is_file():
        raise InputError(name, name, "is not a file; give a CSV file")
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise InputError(
            name, f"{size / 1e6:,.1f} MB", f"files over {MAX_BYTES / 1e6:.0f} MB are refused"
        )
    values: list[float] = []
    line = 0
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.reader(fh, strict=True)
            header = next(reader, None)
            line = reader.line_num
            if header is None or not any(h.strip() for h in header):
                raise InputError(name, "no header line", "a CSV file with a header line")
            j = _column_index([h.strip() for h in header], column, name)
            where = f"{name}, column {column!r}"
            row = 0
            for record in reader:
                line = reader.line_num
                if not record:
                    continue  # a blank line
                row += 1
                if row > MAX_ROWS:
                    raise InputError(
                        name,
                        f"more than {MAX_ROWS:,} data rows",
                        f"at most {MAX_ROWS:,} data rows are read; give a smaller file",
                    )
                if j >= len(record):
                    raise InputError(
                        f"{where}, data row {row} (line {line})",
                        ",".join(record),
                        f"not a CSV table: this row has {len(record)} fields, the header "
                        f"{len(header)} (the column is field {j + 1})",
                    )
                values.append(_number(record[j], f"{where}, data row {row} (line {line})"))
    except UnicodeDecodeError:
        raise InputError(name, "binary or non-UTF-8 content", "not a CSV text file") from None
    except csv.Error as err:
        raise InputError(f"{name}, line {line + 1}", str(err), "not a valid CSV file") from None
    except OSError as err:
        raise InputError(name, name, f"cannot be read ({err.strerror or err})") from None
    return np.asarray(values, dtype=np.float64)


def _column_index(names: list[str], column: str, file: str) -> int:
    """Index of ``column`` in the header, or an InputError listing the columns."""
    wanted = column.strip()
    found = [i for i, n in enumerate(names) if n == wanted]
    if len(found) == 1:
        return found[0]
    if found:
        raise InputError(
            f"{file}: --column",
            column,
            f"the header has {len(found)} columns of that name; rename them apart",
        )
    by_case = [n for n in names if n.lower() == wanted.lower()]
    close = by_case or difflib.get_close_matches(wanted, names, n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    shown = ", ".join(repr(n) for n in names[:20]) + (" …" if len(names) > 20 else "")
    if len(names) == 1 and any(sep in names[0] for sep in ";\t|"):
        hint += "; the header is one field: the file must be comma-separated"
    raise InputError(f"{file}: --column", column, f"no such column{hint}; columns: {shown}")


def _number(cell: str, where: str) -> float:
    """A cell as a finite float, or an InputError saying what is wrong with it."""
    text = cell.strip()
    if not text:
        raise InputError(where, cell, "an empty cell; every row needs a value in this column")
    try:
        x = float(text)
    except ValueError:
        raise InputError(
            where, cell, "not a number (write plain numbers such as 1.25: no units or text)"
        ) from None
    if math.isnan(x):
        raise InputError(where, cell, "NaN (a missing value); every value must be a number")
    if math.isinf(x):
        raise InputError(where, cell, "an infinity; every value must be a finite number")
    return x


def check_data(data: FloatArray, where: str) -> None:
    """Refuse data too short to fit or without spread.

    Parameters
    ----------
    data
        The values (already known to be finite).
    where
        Names the data in the error (``"file.csv, column 'x'"``).

    Raises
    ------
    InputError
        Fewer than :data:`MIN_VALUES` values, or all values equal.
    """
    if data.size < MIN_VALUES:
        raise InputError(
            where,
            int(data.size),
            f"too few values: at least {MIN_VALUES} are needed to fit a distribution",
        )
    if np.ptp(data) == 0:
        raise InputError(
            where,
            float(data[0]),
            f"all {data.size} values are equal: no spread to fit "
            f'(a constant is {{ kind = "fixed", value = {float(data[0])!r} }})',
        )


# ---------------------------------------------------------------------------- results
