"""``simcrm init NAME --from SCENARIO``: an editable copy of a shipped scenario.

The copy keeps the source's comments and layout (every number's source is cited there);
only its ``name`` changes. It is written atomically (a temporary file in the same
directory, checked by loading it, then renamed) and never replaces an existing file.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.exceptions import TOMLKitError

from simcrm.cli.args import scenario_path
from simcrm.errors import InputError, ScenarioError
from simcrm.scenario import Scenario, load_scenario

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
"""The scenario name pattern of :class:`simcrm.scenario.schema.Scenario`."""


def register(sub: Any) -> None:
    """Add the ``init`` subcommand."""
    p = sub.add_parser(
        "init", help="write NAME.toml, an editable copy of a shipped scenario, with its comments"
    )
    p.add_argument(
        "name",
        metavar="NAME",
        help="the new scenario's name; the file is NAME.toml (or NAME itself if it ends in .toml)",
    )
    p.add_argument(
        "--from",
        dest="source",
        type=scenario_path,
        default="baseline",
        metavar="SCENARIO",
        help="a shipped scenario's name (see `simcrm scenarios`) or a file (default: baseline)",
    )
    p.add_argument("--out", type=Path, help="directory to write into (default: the current one)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Write the copy, renamed, and say how to run it."""
    target, name = _target(args.name, args.out)
    if target.exists():
        raise InputError(
            str(target), str(target), "already exists; simcrm init never overwrites a file"
        )
    source: Path = args.source
    try:
        document = tomlkit.parse(source.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, TOMLKitError) as err:
        raise ScenarioError(str(source), str(source), f"cannot be copied ({err})") from None
    document["name"] = name
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        scenario = _write_atomically(target, tomlkit.dumps(document))
    except OSError as err:
        raise InputError(str(target), str(target), f"cannot be written ({err.strerror})") from None
    print(
        f"wrote {target}: scenario {scenario.name!r}, a copy of {source.stem!r} with its comments"
    )
    print(f"edit it, then run it:  simcrm run {target}")
    return 0


def _target(text: str, out: Path | None) -> tuple[Path, str]:
    """The file to write and the scenario name, from NAME (and ``--out``)."""
    path = Path(text) if text.endswith(".toml") else Path(f"{text}.toml")
    name = path.stem
    if not NAME_PATTERN.fullmatch(name):
        raise InputError(
            "NAME",
            text,
            "a scenario name: a letter or digit, then at most 63 letters, digits, '_', '.' or '-'",
        )
    if not text.endswith(".toml") and text != name:
        raise InputError("NAME", text, "a name, not a path (or a path ending in .toml)")
    return (out / path if out is not None else path), name


def _write_atomically(target: Path, text: str) -> Scenario:
    """Write ``text`` to a new temporary file beside ``target``, check that it loads as a
    scenario, then rename it to ``target`` (which must not exist); the scenario loaded."""
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            scenario = load_scenario(temporary)
        except ScenarioError as err:
            field = err.field.replace(str(temporary), str(target))
            raise ScenarioError(field, err.value, err.allowed) from None
        if target.exists():
            raise InputError(
                str(target), str(target), "already exists; simcrm init never overwrites a file"
            )
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    return scenario
