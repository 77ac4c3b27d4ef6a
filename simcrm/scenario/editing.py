"""Change a scenario: set values by dotted path, in the TOML text and in the validated model.

Text is edited with :mod:`tomlkit`, which keeps the file's layout and comments (and
strings that contain ``#``); each changed line is marked with a note saying what it
was. A scenario changed from Python (:func:`with_values`) is validated exactly as a
file would be, so a value the schema refuses raises the same error it would in a file.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.container import Container
from tomlkit.items import InlineTable, Item, Table

from simcrm.errors import ScenarioError
from simcrm.scenario.load import parse_scenario, scenario_from_dict
from simcrm.scenario.schema import Scenario

Value = bool | int | float | str | Mapping[str, Any]
"""A scenario value: a number, a flag, a name, or a table such as a distribution."""


def set_values(text: str, values: Mapping[str, Value], note: str | None = None) -> str:
    """Set each dotted ``path`` of ``values`` in TOML ``text``, keeping layout and comments.

    Parameters
    ----------
    text
        A scenario's TOML text.
    values
        Dotted path → new value; a missing key (or table) is added.
    note
        Written as a comment on every changed line, with the old value
        (``# calibrated to t.toml (was 0.7) · the old comment``).

    Raises
    ------
    ScenarioError
        The text is not TOML, or a path runs through a value that is not a table.
    """
    try:
        doc = tomlkit.parse(text)
    except tomlkit.exceptions.ParseError as err:
        raise ScenarioError("scenario", text[:40], f"not valid TOML: {err}") from None
    marks: dict[int, tuple[Item, list[str]]] = {}
    for path, value in values.items():
        owner, change = _set(doc, path, value)
        marks.setdefault(id(owner), (owner, []))[1].append(change)
    if note is not None:
        for owner, changes in marks.values():
            old = owner.trivia.comment.removeprefix("#").strip()
            owner.comment(f"{note} ({'; '.join(changes)})" + (f" · {old}" if old else ""))
    return tomlkit.dumps(doc)


def _set(doc: Container | Table, path: str, value: Value) -> tuple[Item, str]:
    """Set one path; return the item whose line holds the change and what changed."""
    *parents, leaf = path.split(".")
    node: Any = doc
    line: tuple[Any, str] | None = None  # (container, key) of the inline table's line
    for part in parents:
        if part not in node:
            node[part] = tomlkit.inline_table() if line is not None else tomlkit.table()
        child = node[part]
        if not isinstance(child, Table | InlineTable | Container):
            raise ScenarioError(path, part, "is a value, not a table: cannot set a key inside it")
        if isinstance(child, InlineTable) and line is None:
            line = (node, part)
        node = child
    old = node.get(leaf)
    node[leaf] = _item(value)
    if line is None:
        change = "added" if old is None else f"was {_text(old)}"
        return node[leaf], change
    change = f"{leaf} added" if old is None else f"{leaf} was {_text(old)}"
    container, key = line
    return container[key], change


def _item(value: Value) -> Item:
    """A TOML item of ``value``: tables of plain values become inline tables."""
    if isinstance(value, Mapping):
        table = tomlkit.inline_table()
        table.update(dict(value))
        return table
    return tomlkit.item(value)


def _text(item: Any) -> str:
    """An item as written in TOML, without its comment."""
    return item.as_string().strip() if isinstance(item, Item) else repr(item)


def rename(text: str, name: str, note: str | None = None) -> str:
    """Set the scenario's top-level ``name`` in its text."""
    return set_values(text, {"name": name}, note)


def with_values(
    scenario: Scenario,
    values: Mapping[str, Value],
    base_dir: Path | None = None,
    *,
    keep_text: bool = True,
) -> Scenario:
    """A copy of ``scenario`` with the value at each dotted path replaced, validated as a
    file would be (a value the schema refuses raises :class:`ScenarioError`).

    Parameters
    ----------
    scenario
        The scenario to change (unchanged itself: scenarios are frozen).
    values
        Dotted path → value, e.g. ``{"plan.users": 2500, "adoption.ceiling":
        {"kind": "beta", "a": 6, "b": 2}}``.
    base_dir
        Directory for relative data files (empirical distributions); default: the
        current directory, as for a scenario built in code.
    keep_text
        Edit the scenario's TOML text too (about 25 ms); without it the copy has no
        source text (what a calibration's hundreds of candidates need).

    Returns
    -------
    Scenario
        The validated copy; its source text is the original text with the values set
        (comments kept), so a run of it records what was run.
    """
    data: dict[str, Any] = scenario.model_dump(mode="json", exclude_defaults=False)
    for path, value in values.items():
        node = data
        *parents, leaf = path.split(".")
        for part in parents:
            child = node.get(part) if isinstance(node, dict) else None
            if not isinstance(child, dict):
                raise ScenarioError(path, part, "no such section or table in the scenario")
            node = child
        if leaf not in node and not _addable(scenario, parents):
            raise ScenarioError(path, leaf, "no such scenario parameter")
        node[leaf] = dict(value) if isinstance(value, Mapping) else value
    source = f"{scenario.name} (changed: {', '.join(values)})"
    if keep_text and scenario.source_text:
        text = set_values(scenario.source_text, values)
        return parse_scenario(text, base_dir=base_dir, default_name=scenario.name, source=source)
    return scenario_from_dict(data, base_dir=base_dir, source=source)


def _addable(scenario: Scenario, parents: list[str]) -> bool:
    """Whether a new key may be added under ``parents`` (a table of named entries)."""
    return parents in (["components"], ["criteria"]) or parents[:2] in (
        ["population", "heterogeneity"],
        ["population", "epistemic"],
    )
