"""Write an analysis's output files all or nothing: temporary names, then renames.

Every file is first written under a temporary name in its directory; only when all of
them are complete are they renamed into place. An error while writing removes the
temporary files (and the directory, if this call created it and it is still empty).
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from simcrm.errors import ResultsError

Writer = Callable[[Path], None]


def write_files(directory: Path, writers: Mapping[str, Writer]) -> list[Path]:
    """Write ``{file name: writer(temporary path)}`` into ``directory``, all or nothing.

    Returns
    -------
    list of Path
        The files written, in the order given.
    """
    created = not directory.exists()
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ResultsError(str(directory), str(directory), f"cannot be created ({err})") from None
    temporary: dict[str, Path] = {}
    umask = os.umask(0)
    os.umask(umask)
    try:
        for name, write in writers.items():
            fd, tmp_name = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=directory)
            os.close(fd)
            temporary[name] = Path(tmp_name)
            temporary[name].chmod(0o666 & ~umask)
            write(temporary[name])
        for name, path in temporary.items():
            os.replace(path, directory / name)
    finally:
        for path in temporary.values():
            path.unlink(missing_ok=True)
        if created and directory.exists() and not any(directory.iterdir()):
            directory.rmdir()
    return [directory / name for name in writers]


def json_writer(content: Mapping[str, Any]) -> Writer:
    """A writer of indented JSON (NaN written as null)."""
    return text_writer(to_json(content) + "\n")


def png_writer(figure: Figure, dpi: int = 110) -> Writer:
    """A writer of a matplotlib figure as PNG."""
    return lambda path: figure.savefig(path, format="png", dpi=dpi, bbox_inches="tight")


def svg_writer(figure: Figure) -> Writer:
    """A writer of a matplotlib figure as SVG, its text kept as text (searchable, and
    readable by tests and screen readers) and no date in it (same figure, same bytes)."""

    def write(path: Path) -> None:
        import matplotlib

        with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "simcrm"}):
            figure.savefig(path, format="svg", bbox_inches="tight", metadata={"Date": None})

    return write


def text_writer(text: str) -> Writer:
    """A writer of UTF-8 text."""

    def write(path: Path) -> None:
        path.write_text(text, encoding="utf-8")

    return write


def _clean(value: Any) -> Any:
    """JSON-ready copy: NaN and infinities become ``None``, tuples lists."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Mapping):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def to_json(content: Mapping[str, Any]) -> str:
    """The same JSON text as :func:`json_writer` writes."""
    return json.dumps(_clean(content), indent=2)
