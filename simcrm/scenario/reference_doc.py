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

import inspect
import math
import sys
from collections.abc import Iterator
from dataclasses import replace
from typing import get_args

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from simcrm.distributions.percentiles import PCT_KEYS
from simcrm.scenario import criteria
from simcrm.scenario.field_text import (
    DISTRIBUTION_KINDS,
    Row,
    allowed_text,
    array_model,
    cell,
    default_cell,
    description,
    docstring,
    dtype_name,
    field_unit,
    interval,
    is_distribution,
    is_table_of,
    kind,
    markdown,
    markdown_table,
    section_model,
    sentence,
    type_name,
    unwrap,
)
from simcrm.scenario.outputs import (
    FAIL_PREFIX,
    OUTPUT_COLUMNS,
    OUTPUT_DESCRIPTIONS,
    RISK_COST_PREFIX,
    RISK_PREFIX,
)
from simcrm.scenario.paths import NOT_OVERRIDABLE, SUPPORT_RULES
from simcrm.scenario.risks import IMPACT_RANGES
from simcrm.scenario.schema import Component, Population, Scenario

REGENERATE = "python -m simcrm.scenario.reference_doc > docs/scenario-reference.md"
"""The command that rewrites the reference (what ``make docs`` runs)."""

NAME = "<name>"
"""Placeholder, in a key path, for a name the scenario chooses (a component, a criterion)."""

INDEX = "<i>"
"""Placeholder, in a key path, for the position of a table in an array of tables
(``risks[<i>].probability``: the ``[[risks]]`` table number ``i``, from 0)."""


_SUPPORT = {f"{section}.{field}": (low, high) for section, field, low, high in SUPPORT_RULES}
_SUPPORT["components.overrun"] = (0.0, math.inf)  # checked per component by the schema
_SUPPORT |= {f"risks[{INDEX}].{field}": support for field, support in IMPACT_RANGES.items()}

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
  a criterion); `{INDEX}` for the position of a table in an array of tables (`risks[0]`
  is the first `[[risks]]` table); a dotted parameter path in quotes (`"plan.users"`)
  is one key.
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
        if array_model(info.annotation) is not None:
            rows.append(
                Row(
                    name,
                    "array of tables",
                    field_unit(info),
                    "`[]`",
                    allowed_text(info.annotation, info),
                    f"{sentence(description(info))} See `[[{name}]]` below.",
                )
            )
            continue
        tables = is_table_of(info.annotation, Component) or is_table_of(info.annotation, str)
        if section_model(info.annotation) is None and not tables:
            rows.append(_row(name, info, section=""))
            continue
        heading = f"[{name}]"
        if is_table_of(info.annotation, Component):
            heading = f"[{name}.{NAME}]"
        meaning = f"{sentence(description(info))} See `{heading}` below."
        if info.is_required():
            default = "*required*"
        elif tables:
            default = "`{}`"
        else:
            default = "`{}` (every key at its default)"
        rows.append(
            Row(
                name,
                "table",
                field_unit(info),
                default,
                allowed_text(info.annotation, info),
                meaning,
            )
        )
    return "## Top level\n\n" + markdown_table(rows)


def _section(name: str, info: FieldInfo) -> list[str]:
    """The heading, introduction and table of one section of the scenario."""
    model = section_model(info.annotation)
    listed = array_model(info.annotation)
    if listed is not None:
        return [_block(f"[[{name}]]", listed, f"{name}[{INDEX}]", info)]
    if is_table_of(info.annotation, Component):
        return [_block(f"[components.{NAME}]", Component, f"components.{NAME}", info)]
    if model is Population:
        return [_block(f"[{name}]", model, name, info), _population_paths()]
    if model is not None:
        return [_block(f"[{name}]", model, name, info)]
    if is_table_of(info.annotation, str):
        value = get_args(unwrap(info.annotation)[0])[1]
        row = Row(
            f"{name}.{NAME}",
            type_name(value),
            "",
            "*required*" if info.is_required() else "no criteria",
            allowed_text(info.annotation, info).replace("entries", "criteria"),
            "A boolean expression over the output columns and the criteria declared before "
            'it, e.g. `"npv < 0 or abandoned"`.',
        )
        intro = sentence(description(info))
        return [f"## `[{name}]`\n\n{intro}\n\n{markdown_table([row])}\n{_criteria_grammar()}"]
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
            out.append(markdown(line.removesuffix("::") + (":" if line.endswith("::") else "")))
    return "\n\n".join(out) + "\n"


def _block(heading: str, model: type[BaseModel], prefix: str, info: FieldInfo) -> str:
    """A section: its heading, its model's docstring, its rows (nested tables flattened)."""
    required = " (required)" if info.is_required() else ""
    text = f"## `{heading}`{required}\n\n{docstring(model)}\n\n"
    return text + markdown_table(list(_rows(model, prefix)))


def _rows(model: type[BaseModel], prefix: str) -> Iterator[Row]:
    """The rows of a model's fields; a field holding a table is followed by its own keys."""
    for name, info in model.model_fields.items():
        key = f"{prefix}.{info.alias or name}"
        yield _row(key, info, section=prefix.split(".")[0])
        nested = section_model(info.annotation)
        if nested is not None:
            yield from _rows(nested, key)


def _row(key: str, info: FieldInfo, *, section: str) -> Row:
    """The table row of one field."""
    allowed = allowed_text(info.annotation, info)
    if is_distribution(info.annotation):
        support = _SUPPORT.get(f"{section}.{key.rsplit('.', 1)[-1]}")
        allowed = f"values in {interval(*support)}" if support else "any values"
    return Row(
        key=key,
        type=type_name(info.annotation),
        unit=field_unit(info),
        default=default_cell(info),
        allowed=allowed,
        meaning=sentence(description(info)),
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
    names = ", ".join(f"`{kind(model)}`" for model in DISTRIBUTION_KINDS)
    by_percentiles = ", ".join(
        f"`{kind(model)}`" for model in DISTRIBUTION_KINDS if PCT_KEYS[0] in model.model_fields
    )
    parts = [
        "## Distribution kinds\n\n"
        "A key of type *number or distribution* takes a plain number `x`, the same as "
        '`{ kind = "fixed", value = x }`, or an inline table whose `kind` is one of '
        f"{names}. Values are numbers (booleans and strings are refused) and must be "
        f"finite. The kinds {by_percentiles} take either their own parameters or "
        f"percentiles, never both: `p10 = 80` says that 10% of the values lie below 80 "
        f"(keys {', '.join(f'`{p}`' for p in PCT_KEYS)}); the parameters are solved so "
        "that the distribution has exactly those percentiles, and percentiles that no "
        "distribution of the kind has are refused. Each kind's keys:\n"
    ]
    for model in DISTRIBUTION_KINDS:
        rows = [
            Row(
                key=info.alias or name,
                type=type_name(info.annotation),
                unit="",
                default=default_cell(info),
                allowed=allowed_text(info.annotation, info),
                meaning="",
            )
            for name, info in model.model_fields.items()
            if name != "kind" and name not in PCT_KEYS[1:]
        ]
        if PCT_KEYS[0] in model.model_fields:  # one row for all percentiles (same rules)
            at = next(i for i, row in enumerate(rows) if row.key == PCT_KEYS[0])
            rows[at] = replace(rows[at], key=f"{PCT_KEYS[0]}` … `{PCT_KEYS[-1]}")
        parts.append(
            f'### `kind = "{kind(model)}"`\n\n{docstring(model)}\n\n'
            + markdown_table(rows, columns=("key", "type", "default", "allowed"))
        )
    return "\n".join(parts)


def _outputs() -> str:
    """The per-trial output columns."""
    rows = [
        f"| `{name}` | {dtype_name(dtype)} | {cell(OUTPUT_DESCRIPTIONS[name])} |"
        for name, dtype in OUTPUT_COLUMNS.items()
    ]
    rows.append(
        f"| `{FAIL_PREFIX}{NAME}` | boolean | the verdict of criterion `{NAME}` "
        "(true: a failure by that definition) |"
    )
    rows.append(
        f"| `{RISK_PREFIX}{NAME}` | boolean | risk `{NAME}` of the register occurred (an "
        "operation risk acts only on a project that goes live within the horizon) |"
    )
    rows.append(
        f"| `{RISK_COST_PREFIX}{NAME}` | number | the cost risk `{NAME}` added: its cost "
        "impact where it struck (an execution risk's cut pro rata at the cap), else 0 |"
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


def main() -> None:
    """Write the reference to standard output, as UTF-8."""
    sys.stdout.buffer.write(scenario_reference().encode("utf-8"))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
