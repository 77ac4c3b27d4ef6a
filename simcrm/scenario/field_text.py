"""How a schema field reads in the scenario reference: type, allowed range, default, unit.

Helpers of :mod:`simcrm.scenario.reference_doc` that turn pydantic annotations and
field metadata (constraints such as ``ge``/``lt``, ``description``, the ``unit`` in
``json_schema_extra``) into short Markdown text.
"""

from __future__ import annotations

import enum
import inspect
import json
import math
import re
import types
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import annotated_types as at
import numpy as np
from pydantic import BaseModel, Tag
from pydantic.fields import FieldInfo

from simcrm.distributions import Distribution, Fixed
from simcrm.distributions._base import High
from simcrm.scenario.sections import Section

DISTRIBUTION_KINDS: tuple[type[BaseModel], ...] = get_args(get_args(Distribution)[0])
"""The distribution models, in the order the schema tries them."""


HIGH_RULES = get_args(High)[1:]
"""The metadata that makes a number the upper end of ``[low, high]``."""


@dataclass(frozen=True)
class Row:
    """One key of the reference: the cells of its table row."""

    key: str
    type: str
    unit: str
    default: str
    allowed: str
    meaning: str


def unwrap(tp: Any) -> tuple[Any, list[Any]]:
    """Strip ``Annotated`` layers from a type; return it and all their metadata, flattened.

    A ``FieldInfo`` in the metadata contributes its own constraints (``metadata``).
    """
    meta: list[Any] = []
    while get_origin(tp) is Annotated:
        tp, *extra = get_args(tp)
        for item in extra:
            meta.extend(item.metadata if isinstance(item, FieldInfo) else [item])
    return tp, meta


def optional(tp: Any) -> tuple[Any, bool]:
    """``X`` from ``X | None``, and whether ``None`` was allowed."""
    if get_origin(tp) in (Union, types.UnionType):
        args = [a for a in get_args(tp) if a is not type(None)]
        if len(args) < len(get_args(tp)):
            return (args[0] if len(args) == 1 else Union[tuple(args)]), True  # noqa: UP007
    return tp, False


def forms(tp: Any) -> dict[str, Any]:
    """Tag → member of a union whose members carry a pydantic ``Tag``: a key that takes a
    number or a distribution (``number``, ``distribution``), or a factor given as ``{ p50,
    p90 }`` or as a distribution (``percentiles``, ``distribution``); else empty."""
    tp = unwrap(tp)[0]
    if get_origin(tp) not in (Union, types.UnionType):
        return {}
    found: dict[str, Any] = {}
    for arg in get_args(tp):
        inner, meta = unwrap(arg)
        tags = [m.tag for m in meta if isinstance(m, Tag)]
        if tags:
            found[tags[0]] = inner
    return found


def is_distribution(tp: Any) -> bool:
    """Whether a type is a distribution (a union of distribution models), or may be one."""
    if "distribution" in forms(tp):
        return True
    tp = unwrap(optional(unwrap(tp)[0])[0])[0]  # an optional distribution is one too
    args = get_args(tp) if get_origin(tp) in (Union, types.UnionType) else (tp,)
    return all(isinstance(a, type) and a in DISTRIBUTION_KINDS for a in args)


def section_model(tp: Any) -> type[BaseModel] | None:
    """The model of a field that holds one table (a section or a nested table, which may
    be optional)."""
    tp = forms(tp).get("percentiles", unwrap(optional(unwrap(tp)[0])[0])[0])
    return tp if isinstance(tp, type) and issubclass(tp, Section) else None


def array_model(tp: Any) -> type[BaseModel] | None:
    """The model of a field that holds an array of tables (``[[risks]]``), else None."""
    tp = unwrap(tp)[0]
    if get_origin(tp) is not list:
        return None
    return section_model(get_args(tp)[0])


def is_table_of(tp: Any, value: type) -> bool:
    """Whether a type is ``dict[str, value]``."""
    tp = unwrap(tp)[0]
    return get_origin(tp) is dict and unwrap(get_args(tp)[1])[0] is value


def type_name(tp: Any) -> str:
    """A type in words, as a scenario author writes the value."""
    tagged = forms(tp)
    if "percentiles" in tagged:
        return f"{type_name(tagged['percentiles'])}, or a distribution (any kind)"
    if "number" in tagged:
        return "number or distribution (any kind)"
    tp, _ = unwrap(optional(unwrap(tp)[0])[0])
    if is_distribution(tp):
        args = get_args(tp) if get_origin(tp) in (Union, types.UnionType) else (tp,)
        kinds = (
            "any kind"
            if set(args) == set(DISTRIBUTION_KINDS)
            else ", ".join(f"`{kind(a)}`" for a in args)
        )
        return f"number or distribution ({kinds})"
    origin = get_origin(tp)
    if origin is Literal:
        return " or ".join(json.dumps(a) for a in get_args(tp))
    if origin is list or (origin is tuple and get_args(tp)[-1] is Ellipsis):
        return f"list of {plural(type_name(get_args(tp)[0]))}"
    if origin is tuple:
        return "[" + ", ".join(type_name(a) for a in get_args(tp)) + "]"
    if origin is dict:
        return f"table: key → {type_name(get_args(tp)[1])}"
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return "string: " + ", ".join(f'`"{m.value}"`' for m in tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return "table: " + ", ".join(f"`{info.alias or n}`" for n, info in tp.model_fields.items())
    return {bool: "boolean", int: "integer", float: "number", str: "string"}.get(tp, str(tp))


def plural(name: str) -> str:
    """``number`` → ``numbers``, ``[number, number]`` → ``[number, number] pairs``."""
    if name.isalpha():
        return name + "s"
    return f"{name} pairs" if name.startswith("[") and name.count(",") == 1 else f"({name})"


def allowed_text(tp: Any, info: FieldInfo | None = None) -> str:
    """The constraints of a type (and of the field holding it), in words."""
    rules = constraint_rules(tp, [] if info is None else info.metadata)
    elements = sorted({rule for rule in element_rules(tp)})
    return "; ".join([*rules, *(f"each value {rule}" for rule in elements)])


def constraint_rules(tp: Any, field_meta: Sequence[Any] = ()) -> list[str]:
    """The constraints of a type itself (not of its elements), in words."""
    inner, meta = unwrap(tp)
    inner, _ = optional(inner)
    inner, more = unwrap(inner)
    meta = [*field_meta, *meta, *more]
    if is_distribution(inner):
        return []
    rules = [bounds(meta)]
    low_len = next((m.min_length for m in meta if isinstance(m, at.MinLen)), None)
    high_len = next((m.max_length for m in meta if isinstance(m, at.MaxLen)), None)
    what = "characters" if inner is str else "entries"
    if low_len is not None and high_len is not None:
        rules.append(f"{low_len} to {high_len} {what}")
    elif low_len is not None:
        rules.append(f"at least {low_len} {what}" if low_len > 1 else "not empty")
    elif high_len is not None:
        rules.append(f"at most {high_len} {what}")
    for m in meta:
        if getattr(m, "pattern", None):
            rules.append(f"matches `{m.pattern}`")
        if m in HIGH_RULES:
            rules.append("x > low")
    return [rule for rule in rules if rule]


def element_rules(tp: Any) -> list[str]:
    """The constraints of the values inside a list, pair or table, at any depth."""
    inner, _ = unwrap(optional(unwrap(tp)[0])[0])
    origin = get_origin(inner)
    if origin not in (list, tuple, dict):
        return []
    elements = get_args(inner)[1:] if origin is dict else get_args(inner)
    found: list[str] = []
    for element in elements:
        if element is not Ellipsis:
            found.extend(constraint_rules(element) + element_rules(element))
    return found


def bounds(meta: Sequence[Any]) -> str:
    """Numeric bounds (``Ge``, ``Gt``, ``Le``, ``Lt``) as ``0 ≤ x ≤ 1``."""
    low = high = ""
    for m in meta:
        if isinstance(m, at.Ge):
            low = f"{number(m.ge)} ≤ "
        elif isinstance(m, at.Gt):
            low = f"{number(m.gt)} < "
        elif isinstance(m, at.Le):
            high = f" ≤ {number(m.le)}"
        elif isinstance(m, at.Lt):
            high = f" < {number(m.lt)}"
    if not low and not high:
        return ""
    if low and not high:  # x ≥ 0 reads better than 0 ≤ x
        op, value = low.split()[1], low.split()[0]
        return f"x {'≥' if op == '≤' else '>'} {value}"
    return f"{low}x{high}"


def interval(low: float, high: float) -> str:
    """An interval with its infinite ends open."""
    left = "(−∞" if math.isinf(low) else f"[{number(low)}"
    right = "∞)" if math.isinf(high) else f"{number(high)}]"
    return f"{left}, {right}"


def number(x: Any) -> str:
    """A bound for reading: ``2^63``, ``10_000_000``, ``0.5``, ``1e15``."""
    if isinstance(x, int) and x >= 2**32 and x & (x - 1) == 0:
        return f"2^{x.bit_length() - 1}"
    if isinstance(x, int):
        return f"{x:_}" if abs(x) >= 10_000 else str(x)
    if isinstance(x, float):
        # 1e15, 1e-06 → 1e-6: an exponent as a reader writes it
        return re.sub(r"e([+-])0*(\d)", lambda m: f"e{m[1].strip('+')}{m[2]}", f"{x:g}")
    return str(x)


def dtype_name(dtype: type[np.generic]) -> str:
    """An output column's dtype in words."""
    if issubclass(dtype, np.bool_):
        return "boolean"
    return "integer" if issubclass(dtype, np.integer) else "number"


def kind(model: type[BaseModel]) -> str:
    """The ``kind`` tag of a distribution model."""
    return str(model.model_fields["kind"].default)


# ----------------------------------------------------------------------------- values


def toml_value(value: Any) -> str:
    """A default value written as TOML (an inline value; ``None`` has no TOML form).

    A ``fixed`` distribution is written as its number, as a scenario would give it.
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, enum.Enum):
        return toml_value(value.value)
    if isinstance(value, int):
        return f"{value:_}" if abs(value) >= 10_000 else str(value)
    if isinstance(value, float):
        return ("-inf" if value < 0 else "inf") if math.isinf(value) else repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Fixed):
        return toml_value(value.value)
    if isinstance(value, BaseModel):
        items = {
            info.alias or name: getattr(value, name)
            for name, info in type(value).model_fields.items()
        }
        return inline_table({k: v for k, v in items.items() if v is not None})
    if isinstance(value, dict):
        return inline_table(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise TypeError(f"no TOML form for {value!r}")


def inline_table(items: dict[str, Any]) -> str:
    """``{ a = 1, b = 2 }``, or ``{}``."""
    if not items:
        return "{}"
    return "{ " + ", ".join(f"{key(k)} = {toml_value(v)}" for k, v in items.items()) + " }"


def key(name: str) -> str:
    """A TOML key, quoted unless bare."""
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else json.dumps(name)


def default_cell(info: FieldInfo) -> str:
    """The default of a field: ``*required*``, ``*not set*`` or its TOML value."""
    if info.is_required():
        return "*required*"
    value = info.get_default(call_default_factory=True)
    return "*not set*" if value is None else f"`{toml_value(value)}`"


# ----------------------------------------------------------------------------- text


def description(info: FieldInfo) -> str:
    """A field's description; every field of the schema has one."""
    if not info.description:
        raise ValueError(f"a schema field has no description: {info!r}")
    return info.description


def field_unit(info: FieldInfo) -> str:
    """A field's unit from its ``json_schema_extra`` (empty if none)."""
    extra = info.json_schema_extra
    unit = extra.get("unit", "") if isinstance(extra, dict) else ""
    return str(unit)


def sentence(text: str) -> str:
    """Text starting with a capital and ending with a full stop."""
    text = text.strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "?", "!")) else text + "."


def docstring(model: type[BaseModel]) -> str:
    """A model's docstring for readers: its prose paragraphs, reST roles made Markdown.

    A distribution also gets the docstring of a base class that declares fields it
    inherits (e.g. the rule ``low <= mode <= high`` of the three-point kinds).
    """
    texts = [inspect.cleandoc(model.__doc__ or "")]
    for base in model.__mro__[1:]:
        own = [n for n in vars(base).get("__annotations__", {}) if not n.startswith("_")]
        if own and issubclass(base, BaseModel) and base not in (BaseModel, Section):
            texts.append(inspect.cleandoc(base.__doc__ or ""))
    paragraphs = []
    for text in texts:
        for para in text.split("\n\n"):
            lines = para.splitlines()
            if len(lines) > 1 and set(lines[1].strip()) == {"-"}:
                break  # a numpydoc section (Attributes, Parameters): for developers
            paragraphs.append(" ".join(line.strip() for line in lines))
    return markdown("\n\n".join(p for p in paragraphs if p))


def markdown(text: str) -> str:
    """reST inline markup made Markdown: ``x`` and :role:`x` become `x`."""
    text = re.sub(r":\w+:`~?([^`]+)`", r"`\1`", text)
    return text.replace("``", "`")


def cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_table(rows: Sequence[Row], columns: Sequence[str] = ()) -> str:
    """A Markdown table of rows (all six columns, or the named ones)."""
    columns = columns or ("key", "type", "unit", "default", "allowed", "meaning")
    lines = ["| " + " | ".join(columns) + " |", "|" + " --- |" * len(columns)]
    for row in rows:
        cells = {
            "key": f"`{row.key}`",
            "type": row.type,
            "unit": row.unit or "—",
            "default": row.default,
            "allowed": row.allowed or "—",
            "meaning": row.meaning,
        }
        lines.append("| " + " | ".join(cell(cells[c]) for c in columns) + " |")
    return "\n".join(lines) + "\n"
