"""Substitute numeric values in a scenario's TOML text, keeping its layout and comments.

Handles what scenario files use: ``[table]`` headers, ``key = number`` lines (dotted
keys too) and one level of inline table (``overrun = { p50 = 0.85, p90 = 1.8 }``). A
value the text does not set is inserted under its table (or in a new table at the end).
The caller re-parses the result and checks every value (:func:`substitute` does).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from simcrm.errors import SimcrmError

HEADER = re.compile(r"^\s*\[(?!\[)\s*([^\]]+?)\s*\]\s*(#.*)?$")
KEY_LINE = re.compile(r"^(\s*)([A-Za-z0-9_\-.\" ]+?)\s*=\s*(.*)$")
NUMBER = r"[+-]?(?:\d[\d_]*\.?[\d_]*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|inf|nan)"
COMMENT_COLUMN = 37
"""Column at which a new comment starts when the line is shorter (as in the scenarios)."""


def _parts(key: str) -> list[str]:
    return [p.strip().strip('"') for p in key.split(".")]


def _split_comment(rest: str) -> tuple[str, str]:
    """``value  # comment`` → (value, comment) for values without ``#`` in strings."""
    if "#" not in rest:
        return rest.rstrip(), ""
    value, _, comment = rest.partition("#")
    return value.rstrip(), comment.strip()


def _with_comment(code: str, note: str, old_comment: str) -> str:
    comment = f"# {note}" + (f" · {old_comment}" if old_comment else "")
    return (
        f"{code.ljust(COMMENT_COLUMN - 1)} {comment}"
        if len(code) < COMMENT_COLUMN
        else f"{code}  {comment}"
    )


def format_number(value: float) -> str:
    """A short TOML float: ``0.2134``, ``1.0``, ``1.5e-05``."""
    text = repr(float(value))
    return text if any(c in text for c in ".en") else text + ".0"


def substitute(text: str, values: Mapping[str, float], note: str) -> str:
    """Set each dotted ``path`` of ``values`` in TOML ``text``, marking the line with ``note``.

    Raises
    ------
    SimcrmError
        A path that cannot be located or inserted.
    """
    lines = text.splitlines()
    todo = dict(values)
    table: list[str] = []
    headers: dict[tuple[str, ...], int] = {}
    for i, line in enumerate(lines):
        header = HEADER.match(line)
        if header:
            table = _parts(header[1])
            headers[tuple(table)] = i
            continue
        match = KEY_LINE.match(line)
        if not match or line.lstrip().startswith("#"):
            continue
        indent, key, rest = match[1], match[2], match[3]
        full = [*table, *_parts(key)]
        value, comment = _split_comment(rest)
        changes: list[str] = []
        for path in [p for p in todo if full in (p.split("."), p.split(".")[:-1])]:
            parts = path.split(".")
            new = format_number(todo[path])
            if full == parts and re.fullmatch(NUMBER, value.strip()):
                changes.append(f"was {value.strip()}")
                value = new
            elif full == parts[:-1] and value.strip().startswith("{"):
                leaf = re.escape(parts[-1])
                old = re.search(rf"\b{leaf}\s*=\s*({NUMBER})", value)
                if old:
                    value = value[: old.start(1)] + new + value[old.end(1) :]
                    changes.append(f"{parts[-1]} was {old[1]}")
                else:
                    value = value.rstrip()[:-1].rstrip() + f", {parts[-1]} = {new} }}"
                    changes.append(f"{parts[-1]} added")
            else:
                continue
            del todo[path]
        if changes:
            code = f"{indent}{key.strip()} = {value.strip()}"
            lines[i] = _with_comment(code, f"{note} ({'; '.join(changes)})", comment)
    for path, number in todo.items():
        *parent, leaf = path.split(".")
        line = _with_comment(f"{leaf} = {format_number(number)}", f"{note} (added)", "")
        if tuple(parent) in headers:
            lines.insert(headers[tuple(parent)] + 1, line)
            headers = {k: v + (v > headers[tuple(parent)]) for k, v in headers.items()}
        elif parent:
            lines.extend(["", f"[{'.'.join(parent)}]", line])
        else:
            raise SimcrmError(f"{path}: cannot be placed in the scenario text")
    return "\n".join(lines) + ("\n" if text.endswith("\n") else "")


def rename(text: str, name: str, note: str) -> str:
    """Set the top-level ``name = "..."`` (before the first table), if the text has one."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if HEADER.match(line):
            break
        match = re.match(r'^name\s*=\s*"[^"]*"\s*(#.*)?$', line)
        if match:
            lines[i] = _with_comment(f'name = "{name}"', note, (match[1] or "").lstrip("# "))
            break
    return "\n".join(lines) + ("\n" if text.endswith("\n") else "")
