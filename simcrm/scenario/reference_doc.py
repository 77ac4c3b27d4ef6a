"""The scenario reference, generated from the schema: ``docs/scenario-reference.md``.

Every section and key of a scenario file is listed with its TOML key path, type, unit,
default, allowed range and meaning, all read from the pydantic models of
:mod:`simcrm.scenario.schema` (annotations, defaults, constraints such as ``ge``/``lt``,
the field's ``description`` and the ``unit`` in its ``json_schema_extra``); the
distribution kinds from the models of :mod:`simcrm.distributions`; the output columns
from :mod:`simcrm.scenario.outputs`. Regenerate the file with::

    python -m simcrm.scenario.reference_doc > docs/scenario-reference.md

(``make docs``). A test fails when the file is stale.
"""

from __future__ import annotations

import enum
import inspect
import json
import math
import re
import sys
import types
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import annotated_types as at
import numpy as np
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from simcrm.distributions import Distribution, Fixed
from simcrm.distributions._base import High
from simcrm.scenario import criteria
from simcrm.scenario.outputs import FAIL_PREFIX, OUTPUT_COLUMNS, OUTPUT_DESCRIPTIONS
from simcrm.scenario.paths import NOT_OVERRIDABLE, SUPPORT_RULES
from simcrm.scenario.schema import Component, Population, Scenario, Section

REGENERATE = "python -m simcrm.scenario.reference_doc > docs/scenario-reference.md"
"""The command that rewrites the reference (what ``make docs`` runs)."""

NAME = "<name>"
"""Placeholder, in a key path, for a name the scenario chooses (a component, a criterion)."""

DISTRIBUTION_KINDS: tuple[type[BaseModel], ...] = get_args(get_args(Distribution)[0])
"""The distribution models, in the order the schema tries them."""

_HIGH_RULES = get_args(High)[1:]
"""The metadata that makes a number the upper end of ``[low, high]``."""

_SUPPORT = {f"{section}.{field}": (low, high) for section, field, low, high in SUPPORT_RULES}

_HEADER = f"""\
# Scenario reference

<!-- Generated from the scenario schema (simcrm/scenario/schema.py): do not edit by hand.
     Change the schema's field descriptions, then regenerate with `make docs`, i.e.
     {REGENERATE} -->

Every key a scenario file (TOML) may hold, section by section. The model the keys
parametrise is specified in [model.md](model.md); the published figures to calibrate
them against are in [reference.md](reference.md); `scenarios/baseline.toml` is a worked
example with a source or "assumption" for every value.

How to read the tables:

- **key**: the TOML key path. `{NAME}` stands for a name you choose (a component,
  a criterion); a dotted parameter path in quotes (`"plan.users"`) is one key.
- **type**: *number* is an integer or a decimal; *integer* must be whole. *number or
  distribution* takes a plain number or an inline table with a `kind` (see
  [Distribution kinds](#distribution-kinds)).
- **unit**: money is in the scenario's `currency`; time in months; `B` is the planned
  implementation budget and `T0` the planned duration; — means a pure number or a flag.
- **default**: the value used when the key is left out, written as TOML; *required*
  keys must be given; *not set* keys have no value unless given (the meaning says what
  that does).
- **allowed**: the range the value must lie in (numbers must also be finite). For a
  distribution-valued key, the interval every value of the distribution must stay in.

Unknown keys are refused (with a suggestion when a known key is close), so a typo
cannot silently leave a default in force. Checks that span keys (the component shares
sum to 1, the scope-creep process ends, criteria name real outputs) are stated in the
meanings.
"""


@dataclass(frozen=True)
class Row:
    """One key of the reference: the cells of its table row."""

    key: str
    type: str
    unit: str
    default: str
    allowed: str
    meaning: str


def scenario_reference() -> str:
    """The whole scenario reference, as Markdown.

    Returns
    -------
    str
        The text of ``docs/scenario-reference.md``: deterministic, ends with a newline.
    """
    parts = [_HEADER]
    parts.append(_top_level())
    for name, info in Scenario.model_fields.items():
        parts.extend(_section(name, info))
    parts.append(_distributions())
    parts.append(_outputs())
    return "\n".join(parts).rstrip("\n") + "\n"


# ----------------------------------------------------------------------------- sections


def _top_level() -> str:
    """The table of the keys outside any section, and of the sections themselves."""
    rows = []
    for name, info in Scenario.model_fields.items():
        tables = _is_table_of(info.annotation, Component) or _is_table_of(info.annotation, str)
        if _section_model(info.annotation) is None and not tables:
            rows.append(_row(name, info, section=""))
            continue
        heading = f"[{name}]"
        if _is_table_of(info.annotation, Component):
            heading = f"[{name}.{NAME}]"
        meaning = f"{_sentence(_description(info))} See `{heading}` below."
        if info.is_required():
            default = "*required*"
        elif tables:
            default = "`{}`"
        else:
            default = "`{}` (every key at its default)"
        rows.append(
            Row(name, "table", _unit(info), default, _allowed(info.annotation, info), meaning)
        )
    return "## Top level\n\n" + _table(rows)


def _section(name: str, info: FieldInfo) -> list[str]:
    """The heading, introduction and table of one section of the scenario."""
    model = _section_model(info.annotation)
    if _is_table_of(info.annotation, Component):
        return [_block(f"[components.{NAME}]", Component, f"components.{NAME}", info)]
    if model is Population:
        return [_block(f"[{name}]", model, name, info), _population_paths()]
    if model is not None:
        return [_block(f"[{name}]", model, name, info)]
    if _is_table_of(info.annotation, str):
        value = get_args(_unwrap(info.annotation)[0])[1]
        row = Row(
            f"{name}.{NAME}",
            _type_name(value),
            "",
            "*required*" if info.is_required() else "no criteria",
            _allowed(info.annotation, info).replace("entries", "criteria"),
            "A boolean expression over the output columns and the criteria declared before "
            'it, e.g. `"npv < 0 or abandoned"`.',
        )
        intro = _sentence(_description(info))
        return [f"## `[{name}]`\n\n{intro}\n\n{_table([row])}\n{_criteria_grammar()}"]
    return []


def _criteria_grammar() -> str:
    """The grammar of criteria, from :mod:`simcrm.scenario.criteria` (reST made Markdown)."""
    text = inspect.cleandoc(criteria.__doc__ or "")
    text = text[text.index("Grammar") :]
    out = []
    for para in text.split("\n\n"):
        if para.startswith("    "):  # the literal block of the paragraph before
            out.append("```text\n" + inspect.cleandoc(para) + "\n```")
        else:
            line = " ".join(part.strip() for part in para.splitlines())
            out.append(_markdown(line.removesuffix("::") + (":" if line.endswith("::") else "")))
    return "\n\n".join(out) + "\n"


def _block(heading: str, model: type[BaseModel], prefix: str, info: FieldInfo) -> str:
    """A section: its heading, its model's docstring, its rows (nested tables flattened)."""
    required = " (required)" if info.is_required() else ""
    text = f"## `{heading}`{required}\n\n{_docstring(model)}\n\n"
    return text + _table(list(_rows(model, prefix)))


def _rows(model: type[BaseModel], prefix: str) -> Iterator[Row]:
    """The rows of a model's fields; a field holding a table is followed by its own keys."""
    for name, info in model.model_fields.items():
        key = f"{prefix}.{info.alias or name}"
        yield _row(key, info, section=prefix.split(".")[0])
        nested = _section_model(info.annotation)
        if nested is not None:
            yield from _rows(nested, key)


def _row(key: str, info: FieldInfo, *, section: str) -> Row:
    """The table row of one field."""
    allowed = _allowed(info.annotation, info)
    if _is_distribution(info.annotation):
        support = _SUPPORT.get(f"{section}.{key.rsplit('.', 1)[-1]}")
        allowed = f"values in {_interval(*support)}" if support else "any values"
    return Row(
        key=key,
        type=_type_name(info.annotation),
        unit=_unit(info),
        default=_default_cell(info),
        allowed=allowed,
        meaning=_sentence(_description(info)),
    )


def _population_paths() -> str:
    """Which parameter paths ``[population]`` may name."""
    excluded = ", ".join(f"`{path}`" for path in sorted(NOT_OVERRIDABLE))
    return (
        "### Parameters a population may vary\n\n"
        "The keys of `[population.heterogeneity]` and `[population.epistemic]` are dotted "
        "paths to a numeric or distribution-valued key of `[plan]`, "
        f"`[components.{NAME}]`, `[execution]`, `[scope]`, `[adoption]`, `[reviews]` or "
        '`[money]` (e.g. `"scope.discovery_rate"`, '
        '`"components.integration.overrun.p90"`), quoted because they hold dots. Not '
        f"allowed: the component shares (`components.{NAME}.share`) and the whole-run "
        f"settings {excluded}. A parameter is either heterogeneous or epistemic, not both; "
        "every value its distribution can take must be allowed for the key it replaces "
        "(the ranges above). The drawn values are written as output columns "
        "`in_<path>`, dots replaced by underscores.\n"
    )


def _distributions() -> str:
    """The distribution kinds and their keys."""
    names = ", ".join(f"`{_kind(model)}`" for model in DISTRIBUTION_KINDS)
    parts = [
        "## Distribution kinds\n\n"
        "A key of type *number or distribution* takes a plain number `x`, the same as "
        '`{ kind = "fixed", value = x }`, or an inline table whose `kind` is one of '
        f"{names}. Values are numbers (booleans and strings are refused) and must be "
        "finite. Each kind's keys:\n"
    ]
    for model in DISTRIBUTION_KINDS:
        rows = [
            Row(
                key=info.alias or name,
                type=_type_name(info.annotation),
                unit="",
                default=_default_cell(info),
                allowed=_allowed(info.annotation, info),
                meaning="",
            )
            for name, info in model.model_fields.items()
            if name != "kind"
        ]
        parts.append(
            f'### `kind = "{_kind(model)}"`\n\n{_docstring(model)}\n\n'
            + _table(rows, columns=("key", "type", "default", "allowed"))
        )
    return "\n".join(parts)


def _outputs() -> str:
    """The per-trial output columns."""
    rows = [
        f"| `{name}` | {_dtype_name(dtype)} | {_cell(OUTPUT_DESCRIPTIONS[name])} |"
        for name, dtype in OUTPUT_COLUMNS.items()
    ]
    rows.append(
        f"| `{FAIL_PREFIX}{NAME}` | boolean | the verdict of criterion `{NAME}` "
        "(true: a failure by that definition) |"
    )
    rows.append(
        "| `in_<path>` | number | the value drawn for population parameter `<path>`, dots "
        "replaced by underscores |"
    )
    return (
        "## Output columns\n\n"
        "One row per trial, in this order (docs/model.md §7; the names are a contract). "
        "Money is in the scenario's currency, time in months from project start; NaN marks "
        "a value that does not exist for that trial. Criteria may use every column above "
        f"`{FAIL_PREFIX}{NAME}`.\n\n"
        "| column | type | meaning |\n| --- | --- | --- |\n" + "\n".join(rows) + "\n"
    )


# ----------------------------------------------------------------------------- types


def _unwrap(tp: Any) -> tuple[Any, list[Any]]:
    """Strip ``Annotated`` layers from a type; return it and all their metadata, flattened.

    A ``FieldInfo`` in the metadata contributes its own constraints (``metadata``).
    """
    meta: list[Any] = []
    while get_origin(tp) is Annotated:
        tp, *extra = get_args(tp)
        for item in extra:
            meta.extend(item.metadata if isinstance(item, FieldInfo) else [item])
    return tp, meta


def _optional(tp: Any) -> tuple[Any, bool]:
    """``X`` from ``X | None``, and whether ``None`` was allowed."""
    if get_origin(tp) in (Union, types.UnionType):
        args = [a for a in get_args(tp) if a is not type(None)]
        if len(args) < len(get_args(tp)):
            return (args[0] if len(args) == 1 else Union[tuple(args)]), True  # noqa: UP007
    return tp, False


def _is_distribution(tp: Any) -> bool:
    """Whether a type is a distribution (a union of distribution models)."""
    tp = _unwrap(tp)[0]
    args = get_args(tp) if get_origin(tp) in (Union, types.UnionType) else (tp,)
    return all(isinstance(a, type) and a in DISTRIBUTION_KINDS for a in args)


def _section_model(tp: Any) -> type[BaseModel] | None:
    """The model of a field that holds one table (a section or a nested table)."""
    tp = _unwrap(tp)[0]
    return tp if isinstance(tp, type) and issubclass(tp, Section) else None


def _is_table_of(tp: Any, value: type) -> bool:
    """Whether a type is ``dict[str, value]``."""
    tp = _unwrap(tp)[0]
    return get_origin(tp) is dict and _unwrap(get_args(tp)[1])[0] is value


def _type_name(tp: Any) -> str:
    """A type in words, as a scenario author writes the value."""
    tp, _ = _unwrap(_optional(_unwrap(tp)[0])[0])
    if _is_distribution(tp):
        args = get_args(tp) if get_origin(tp) in (Union, types.UnionType) else (tp,)
        kinds = (
            "any kind"
            if set(args) == set(DISTRIBUTION_KINDS)
            else ", ".join(f"`{_kind(a)}`" for a in args)
        )
        return f"number or distribution ({kinds})"
    origin = get_origin(tp)
    if origin is Literal:
        return " or ".join(json.dumps(a) for a in get_args(tp))
    if origin is list or (origin is tuple and get_args(tp)[-1] is Ellipsis):
        return f"list of {_plural(_type_name(get_args(tp)[0]))}"
    if origin is tuple:
        return "[" + ", ".join(_type_name(a) for a in get_args(tp)) + "]"
    if origin is dict:
        return f"table: key → {_type_name(get_args(tp)[1])}"
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return "string: " + ", ".join(f'`"{m.value}"`' for m in tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return "table: " + ", ".join(f"`{info.alias or n}`" for n, info in tp.model_fields.items())
    return {bool: "boolean", int: "integer", float: "number", str: "string"}.get(tp, str(tp))


def _plural(name: str) -> str:
    """``number`` → ``numbers``, ``[number, number]`` → ``[number, number] pairs``."""
    if name.isalpha():
        return name + "s"
    return f"{name} pairs" if name.startswith("[") and name.count(",") == 1 else f"({name})"


def _allowed(tp: Any, info: FieldInfo | None = None) -> str:
    """The constraints of a type (and of the field holding it), in words."""
    rules = _rules(tp, [] if info is None else info.metadata)
    elements = sorted({rule for rule in _element_rules(tp)})
    return "; ".join([*rules, *(f"each value {rule}" for rule in elements)])


def _rules(tp: Any, field_meta: Sequence[Any] = ()) -> list[str]:
    """The constraints of a type itself (not of its elements), in words."""
    inner, meta = _unwrap(tp)
    inner, _ = _optional(inner)
    inner, more = _unwrap(inner)
    meta = [*field_meta, *meta, *more]
    if _is_distribution(inner):
        return []
    rules = [_bounds(meta)]
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
        if m in _HIGH_RULES:
            rules.append("x > low")
    return [rule for rule in rules if rule]


def _element_rules(tp: Any) -> list[str]:
    """The constraints of the values inside a list, pair or table, at any depth."""
    inner, _ = _unwrap(_optional(_unwrap(tp)[0])[0])
    origin = get_origin(inner)
    if origin not in (list, tuple, dict):
        return []
    elements = get_args(inner)[1:] if origin is dict else get_args(inner)
    found: list[str] = []
    for element in elements:
        if element is not Ellipsis:
            found.extend(_rules(element) + _element_rules(element))
    return found


def _bounds(meta: Sequence[Any]) -> str:
    """Numeric bounds (``Ge``, ``Gt``, ``Le``, ``Lt``) as ``0 ≤ x ≤ 1``."""
    low = high = ""
    for m in meta:
        if isinstance(m, at.Ge):
            low = f"{_number(m.ge)} ≤ "
        elif isinstance(m, at.Gt):
            low = f"{_number(m.gt)} < "
        elif isinstance(m, at.Le):
            high = f" ≤ {_number(m.le)}"
        elif isinstance(m, at.Lt):
            high = f" < {_number(m.lt)}"
    if not low and not high:
        return ""
    if low and not high:  # x ≥ 0 reads better than 0 ≤ x
        op, value = low.split()[1], low.split()[0]
        return f"x {'≥' if op == '≤' else '>'} {value}"
    return f"{low}x{high}"


def _interval(low: float, high: float) -> str:
    """An interval with its infinite ends open."""
    left = "(−∞" if math.isinf(low) else f"[{_number(low)}"
    right = "∞)" if math.isinf(high) else f"{_number(high)}]"
    return f"{left}, {right}"


def _number(x: Any) -> str:
    """A bound for reading: ``2^63``, ``10_000_000``, ``0.5``."""
    if isinstance(x, int) and x >= 2**32 and x & (x - 1) == 0:
        return f"2^{x.bit_length() - 1}"
    if isinstance(x, int):
        return f"{x:_}" if abs(x) >= 10_000 else str(x)
    return f"{x:g}" if isinstance(x, float) else str(x)


def _dtype_name(dtype: type[np.generic]) -> str:
    """An output column's dtype in words."""
    if issubclass(dtype, np.bool_):
        return "boolean"
    return "integer" if issubclass(dtype, np.integer) else "number"


def _kind(model: type[BaseModel]) -> str:
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
        return _inline_table({k: v for k, v in items.items() if v is not None})
    if isinstance(value, dict):
        return _inline_table(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise TypeError(f"no TOML form for {value!r}")


def _inline_table(items: dict[str, Any]) -> str:
    """``{ a = 1, b = 2 }``, or ``{}``."""
    if not items:
        return "{}"
    return "{ " + ", ".join(f"{_key(k)} = {toml_value(v)}" for k, v in items.items()) + " }"


def _key(name: str) -> str:
    """A TOML key, quoted unless bare."""
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else json.dumps(name)


def _default_cell(info: FieldInfo) -> str:
    """The default of a field: ``*required*``, ``*not set*`` or its TOML value."""
    if info.is_required():
        return "*required*"
    value = info.get_default(call_default_factory=True)
    return "*not set*" if value is None else f"`{toml_value(value)}`"


# ----------------------------------------------------------------------------- text


def _description(info: FieldInfo) -> str:
    """A field's description; every field of the schema has one."""
    if not info.description:
        raise ValueError(f"a schema field has no description: {info!r}")
    return info.description


def _unit(info: FieldInfo) -> str:
    """A field's unit from its ``json_schema_extra`` (empty if none)."""
    extra = info.json_schema_extra
    unit = extra.get("unit", "") if isinstance(extra, dict) else ""
    return str(unit)


def _sentence(text: str) -> str:
    """Text starting with a capital and ending with a full stop."""
    text = text.strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "?", "!")) else text + "."


def _docstring(model: type[BaseModel]) -> str:
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
    return _markdown("\n\n".join(p for p in paragraphs if p))


def _markdown(text: str) -> str:
    """reST inline markup made Markdown: ``x`` and :role:`x` become `x`."""
    text = re.sub(r":\w+:`~?([^`]+)`", r"`\1`", text)
    return text.replace("``", "`")


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def _table(rows: Sequence[Row], columns: Sequence[str] = ()) -> str:
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
        lines.append("| " + " | ".join(_cell(cells[c]) for c in columns) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    """Write the reference to standard output, as UTF-8."""
    sys.stdout.buffer.write(scenario_reference().encode("utf-8"))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
