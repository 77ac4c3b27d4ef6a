"""Read a scenario file: TOML → validated :class:`~simcrm.scenario.schema.Scenario`.

Every problem becomes a :class:`~simcrm.errors.ScenarioError` naming the file, the field
path, the value and what is allowed, with a "did you mean" hint for a mistyped key.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
import tomllib
import types
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Tag, ValidationError

from simcrm.errors import InputError, ScenarioError
from simcrm.scenario.schema import Scenario

MAX_SCENARIO_BYTES = 1_000_000


def load_scenario(path: str | Path) -> Scenario:
    """Load and validate a scenario file.

    Parameters
    ----------
    path
        A TOML scenario file. Without a ``name`` key the file's stem names the scenario.

    Raises
    ------
    ScenarioError
        The file is missing, unreadable, not UTF-8 TOML, or not a valid scenario.
    """
    file = Path(path)
    text = read_text(file, "scenario")
    return parse_scenario(text, base_dir=file.parent, default_name=file.stem, source=str(file))


def read_text(file: Path, what: str) -> str:
    """The UTF-8 text of an input file of at most 1 MB (a scenario, a portfolio, targets).

    At most 1 MB + 1 byte is read, whatever the file is (``/dev/zero``, a growing file).

    Raises
    ------
    ScenarioError
        The file is missing, unreadable, too large or not UTF-8, naming it.
    """
    try:
        with file.open("rb") as fh:
            raw = fh.read(MAX_SCENARIO_BYTES + 1)
    except FileNotFoundError:
        raise ScenarioError(str(file), str(file), "no such file") from None
    except OSError as err:
        raise ScenarioError(
            str(file), str(file), f"cannot be read ({err.strerror or type(err).__name__})"
        ) from None
    if len(raw) > MAX_SCENARIO_BYTES:
        raise ScenarioError(
            str(file), f"more than {MAX_SCENARIO_BYTES:,} bytes", f"a {what} file is at most 1 MB"
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ScenarioError(
            str(file), raw[err.start : err.start + 4], f"not UTF-8 text (byte {err.start})"
        ) from None


def parse_scenario(
    text: str,
    *,
    base_dir: Path | None = None,
    default_name: str = "scenario",
    source: str = "<scenario>",
) -> Scenario:
    """Validate scenario TOML text (see :func:`load_scenario`)."""
    if "\x00" in text:
        raise ScenarioError(source, "\\x00", "a scenario is TOML text, not a binary file")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(source, text[:40], f"not valid TOML: {err}") from None
    except RecursionError:
        raise ScenarioError(source, text[:40], "not valid TOML: nested too deeply") from None
    except (ValueError, OverflowError) as err:  # e.g. a number too long to convert
        raise ScenarioError(source, text[:40], f"not valid TOML: {err}") from None
    if not data:
        raise ScenarioError(
            source, text[:40], "the file is empty; a scenario needs [plan] and [components]"
        )
    data.setdefault("name", default_name)
    return scenario_from_dict(data, base_dir=base_dir, source=source, text=text)


def scenario_from_dict(
    data: dict[str, Any],
    *,
    base_dir: Path | None = None,
    source: str = "<scenario>",
    text: str = "",
) -> Scenario:
    """Validate a scenario given as nested dictionaries (the TOML's structure)."""
    context = {"base_dir": base_dir if base_dir is not None else Path.cwd()}
    try:
        scenario = Scenario.model_validate(data, context=context)
    except ValidationError as err:
        raise validation_error(err, source) from None
    except InputError as err:
        raise ScenarioError(f"{source}: {err.field}", err.value, err.allowed) from None
    scenario._source_text = text
    return scenario


def scenario_digest(scenario: Scenario) -> str:
    """SHA-256 of the scenario as validated (its canonical JSON) and of the bytes of every
    data file it read (an empirical distribution's CSV), for provenance and resumption.

    A scenario that reads no data file digests exactly as its JSON alone (as before data
    files were covered); one that does also covers each file's SHA-256, so a file edited
    between an interrupted run and its ``--resume`` is a different run.
    """
    text = scenario.model_dump_json()
    files = data_files(scenario)
    if files:
        text += "\n" + json.dumps(files, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def data_files(scenario: BaseModel) -> dict[str, str]:
    """Where each data file is used in the scenario (``plan.planned_months``) → the
    SHA-256 of the bytes read from it."""
    found: dict[str, str] = {}

    def walk(prefix: str, node: object) -> None:
        if isinstance(node, BaseModel):
            digest = getattr(node, "file_sha256", None)
            if callable(digest) and (sha := digest()):
                found[prefix or "scenario"] = str(sha)
                return
            for name in type(node).model_fields:
                walk(f"{prefix}.{name}".lstrip("."), getattr(node, name))
        elif isinstance(node, dict):
            for key, child in node.items():
                walk(f"{prefix}.{key}", child)
        elif isinstance(node, list | tuple):
            for i, child in enumerate(node):
                walk(f"{prefix}[{i}]", child)

    walk("", scenario)
    return found


def validation_error(
    err: ValidationError, source: str, root: type[BaseModel] = Scenario
) -> ScenarioError:
    """The first validation problem of a file validated as ``root``, as one clear line."""
    # an unknown key explains a missing one (a typo): report it first, with its hint
    first = min(err.errors(), key=lambda e: e["type"] != "extra_forbidden")
    place = _Place.of(first["loc"], root)
    field = ".".join(place.names) or "scenario"
    value = first.get("input")
    message = first["msg"].removeprefix("Value error, ")
    kinds = ", ".join(sorted(place.kinds))
    others = err.error_count() - 1
    if first["type"] == "extra_forbidden":
        close = _closest(place.key, place.allowed)
        message = _unknown_key(place, close)
        # a mistyped required key also shows as missing: that is no other problem
        typo = (*first["loc"][:-1], close)
        others -= sum(e["type"] == "missing" and e["loc"] == typo for e in err.errors())
    elif first["type"] == "union_tag_invalid" and place.kinds:
        field += ".kind"
        value = (first.get("ctx") or {}).get("tag", value)
        message = "unknown distribution kind" + _then(
            _hint(_closest(str(value), sorted(place.kinds))), f"the kinds are {kinds}"
        )
    elif first["type"] == "union_tag_not_found" and place.kinds:
        message = f"a distribution table needs a kind, one of {kinds} (or give a plain number)"
    elif first["type"] == "model_attributes_type" and place.kinds:
        message = (
            "give a number or a distribution table such as "
            f'{{ kind = "pert", low = 1, mode = 2, high = 3 }}; the kinds are {kinds}'
        )
    elif first["type"] == "missing":
        message = "this field is required"
    extra = f" (and {others} more problems)" if others > 0 else ""
    return ScenarioError(f"{source}: {field}", value, message + extra)


def _unknown_key(place: _Place, close: str | None) -> str:
    """``unknown key 'hgh' in a distribution of kind 'pert'; did you mean 'high'? Allowed
    here: high, kind, lamb, low, mode``: the keys of the table the user wrote."""
    key = place.key
    where = f" in a distribution of kind {place.kind!r}" if place.kind else ""
    allowed = place.allowed
    if not allowed:
        return f"unknown key {key!r}{where}"
    return f"unknown key {key!r}{where}" + _then(
        _hint(close), f"allowed here: {', '.join(allowed)}"
    )


def _then(hint: str, more: str) -> str:
    """``hint`` (a question, or nothing), then ``more`` as its own clause or sentence."""
    return f"{hint} {more[0].upper()}{more[1:]}" if hint else f"; {more}"


def _closest(word: str, choices: list[str]) -> str | None:
    """The choice closest to a mistyped ``word``, if one is close."""
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return close[0] if close else None


def _hint(close: str | None) -> str:
    """``; did you mean 'x'?``, or nothing."""
    return f"; did you mean {close!r}?" if close else ""


class _Place:
    """Where in the scenario schema a validation error's location points.

    pydantic puts a distribution's kind (its union tag) into the location of an error
    inside a distribution table: ``("plan", "planned_months", "pert", "hgh")``. Walking
    the location through the schema tells that tag from a key (a component may be
    called ``beta``), so the kind the user wrote gives the keys allowed in the table.

    Attributes
    ----------
    names
        The location's keys as the user wrote them (tags left out; a key with a dot,
        a population path, quoted; an entry of a top-level array of tables indexed, as
        ``risks[2]``).
    key
        The location's last key, unquoted.
    allowed
        Keys allowed in the table that holds the last key (empty if not a table of
        known keys), in natural order (``p5`` before ``p10``).
    kind
        The distribution kind of that table, if it is a distribution.
    kinds
        Tag → model of the distribution union at the location's end, if it is one.
    """

    def __init__(self) -> None:
        self.names: list[str] = []
        self.key = ""
        self.allowed: list[str] = []
        self.kind = ""
        self.kinds: dict[str, type[BaseModel]] = {}

    @classmethod
    def of(cls, loc: tuple[int | str, ...], root: type[BaseModel] = Scenario) -> _Place:
        place = cls()
        node: object = root
        container: object = None
        kind = ""
        for part in loc:
            forms = _tagged_forms(node)
            if part in forms:  # a number-or-table union's tag ("distribution"), not a key
                node = forms[str(part)]
                continue
            kinds = _tagged_members(node)
            if kinds and part in kinds:  # the union's tag, not a key
                node, kind = kinds[part], str(part)
                continue
            if isinstance(part, int) and len(place.names) == 1:
                # an entry of a top-level array of tables ([[risks]]): risks[2].probability
                place.names[0] += f"[{part}]"
            else:
                place.names.append(
                    f'"{part}"' if isinstance(part, str) and "." in part else str(part)
                )
            container, place.kind = node, kind
            node, kind = _child(node, part), ""
        place.key = str(loc[-1]) if loc else ""
        place.kinds = _tagged_members(node)
        container = _unwrap(container)  # an optional table (a risk's mitigation)
        if isinstance(container, type) and issubclass(container, BaseModel):
            place.allowed = sorted(_keys(container), key=_natural)
        return place


def _child(node: object, part: int | str) -> object:
    """The annotation of ``part`` inside ``node`` (a model, dict, list or tuple), or None."""
    node = _unwrap(node)
    if isinstance(node, type) and issubclass(node, BaseModel):
        for name, info in node.model_fields.items():
            if part in (name, info.alias):
                return info.annotation
        return None
    args = typing.get_args(node)
    origin = typing.get_origin(node)
    if origin is dict and len(args) == 2:
        return args[1]
    if origin in (list, tuple) and args:
        if origin is tuple and args[-1] is not Ellipsis and isinstance(part, int):
            return args[part] if part < len(args) else None
        return args[0]
    return None


def _unwrap(node: object) -> object:
    """``X`` from ``Annotated[X, …]`` and from ``X | None``."""
    while typing.get_origin(node) is typing.Annotated:
        node = typing.get_args(node)[0]
    if typing.get_origin(node) in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(node) if a is not type(None)]
        if len(members) == 1:
            return _unwrap(members[0])
    return node


def _tagged_forms(node: object) -> dict[str, object]:
    """Tag → member of a union whose members carry a pydantic ``Tag`` (a field that takes
    a number or a distribution, or ``{ p50, p90 }`` or a distribution), else empty."""
    while typing.get_origin(node) is typing.Annotated:
        node = typing.get_args(node)[0]
    if typing.get_origin(node) not in (typing.Union, types.UnionType):
        return {}
    forms: dict[str, object] = {}
    for arg in typing.get_args(node):
        tags = [m.tag for m in getattr(arg, "__metadata__", ()) if isinstance(m, Tag)]
        if tags:
            forms[tags[0]] = typing.get_args(arg)[0]
    return forms


def _tagged_members(node: object) -> dict[str, type[BaseModel]]:
    """Tag → model of a union of models tagged by ``kind`` (a distribution), else empty."""
    node = _unwrap(node)
    if typing.get_origin(node) not in (typing.Union, types.UnionType):
        return {}
    members: dict[str, type[BaseModel]] = {}
    for arg in typing.get_args(node):
        tag = (
            arg.model_fields.get("kind")
            if isinstance(arg, type) and issubclass(arg, BaseModel)
            else None
        )
        if tag is None or not isinstance(tag.default, str):
            return {}
        members[tag.default] = arg
    return members


def _keys(model: type[BaseModel]) -> list[str]:
    """The keys a model's table accepts (a field's alias where it has one)."""
    return [info.alias or name for name, info in model.model_fields.items()]


def _natural(key: str) -> list[str | int]:
    """Sort key that puts ``p5`` before ``p10``."""
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", key)]
