"""The generated scenario reference (docs/scenario-reference.md) is current and complete."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Annotated, Any

import pytest
from pydantic import BaseModel, TypeAdapter

from simcrm.scenario import schema
from simcrm.scenario.outputs import OUTPUT_COLUMNS, OUTPUT_DESCRIPTIONS
from simcrm.scenario.reference_doc import REGENERATE, scenario_reference

DOC = Path(__file__).resolve().parents[2] / "docs" / "scenario-reference.md"

# Where each section model's keys live in a scenario file ("" for the top level).
PREFIXES: dict[type[BaseModel], tuple[str, ...]] = {
    schema.Scenario: ("",),
    schema.Simulation: ("simulation.",),
    schema.Plan: ("plan.",),
    schema.Component: ("components.<name>.",),
    schema.Overrun: ("components.<name>.overrun.", "execution.schedule."),
    schema.Execution: ("execution.",),
    schema.Scope: ("scope.",),
    schema.Adoption: ("adoption.",),
    schema.Reviews: ("reviews.",),
    schema.Money: ("money.",),
    schema.Population: ("population.",),
    schema.Correlations: ("correlations.",),
    schema.Risk: ("risks[<i>].",),
    schema.Mitigation: ("risks[<i>].mitigation.",),
    schema.Report: ("report.",),
}


@pytest.fixture(scope="module")
def text() -> str:
    return scenario_reference()


@pytest.fixture(scope="module")
def rows(text: str) -> dict[str, list[str]]:
    """Table rows by key (the first cell without its backticks): the other cells."""
    found = {}
    for line in text.splitlines():
        if line.startswith("| `"):
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
            found.setdefault(cells[0].strip("`"), cells[1:])
    return found


def test_the_committed_reference_is_current(text: str) -> None:
    committed = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
    assert committed == text, (
        f"{DOC.relative_to(DOC.parents[1])} is stale: regenerate it with `make docs` "
        f"(that is: {REGENERATE})"
    )


def test_the_reference_is_deterministic(text: str) -> None:
    assert scenario_reference() == text


def test_every_section_model_is_covered() -> None:
    sections = {
        cls
        for cls in vars(schema).values()
        if isinstance(cls, type) and issubclass(cls, schema.Section) and cls is not schema.Section
    }
    assert sections == set(PREFIXES)


@pytest.mark.parametrize(
    ("model", "name"),
    [(model, name) for model in PREFIXES for name in model.model_fields],
    ids=lambda x: x if isinstance(x, str) else x.__name__,
)
def test_every_field_appears_with_its_default(
    rows: dict[str, list[str]], model: type[BaseModel], name: str
) -> None:
    info = model.model_fields[name]
    for prefix in PREFIXES[model]:
        key = prefix + (info.alias or name)
        assert key in rows, f"no row for {key}"
        kind, unit, default, allowed, meaning = rows[key]
        assert kind, f"{key}: no type"
        assert unit, f"{key}: no unit (— for none)"
        assert allowed, f"{key}: no range (— for none)"
        assert meaning.rstrip("."), f"{key}: no meaning"
        if info.is_required():
            assert default == "*required*", key
            continue
        expected = info.get_default(call_default_factory=True)
        if expected is None:
            assert default == "*not set*", key
            continue
        # the cell starts with the default as a TOML value; read back, it is the default
        literal = re.match(r"`([^`]*)`", default)
        assert literal, f"{key}: default {default!r} is not a TOML value"
        value = tomllib.loads(f"x = {literal.group(1)}")["x"]
        form: Any = Annotated[info.annotation, *info.metadata] if info.metadata else info.annotation
        assert TypeAdapter(form).validate_python(value) == expected, key


@pytest.mark.parametrize("model", list(PREFIXES), ids=lambda m: m.__name__)
def test_every_field_has_a_description_and_a_unit(model: type[BaseModel]) -> None:
    for name, info in model.model_fields.items():
        assert info.description, f"{model.__name__}.{name} has no description"
        extra = info.json_schema_extra
        assert isinstance(extra, dict), f"{model.__name__}.{name} has no unit"
        assert "unit" in extra, f"{model.__name__}.{name} has no unit"


def test_every_output_column_is_described(rows: dict[str, list[str]]) -> None:
    assert list(OUTPUT_DESCRIPTIONS) == list(OUTPUT_COLUMNS)
    for column, meaning in OUTPUT_DESCRIPTIONS.items():
        assert rows[column][-1] == meaning.replace("|", "\\|")
