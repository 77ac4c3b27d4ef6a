"""Changing a scenario: in its text (comments kept) and from Python (validated as a file)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

import simcrm
from simcrm.errors import ScenarioError
from simcrm.scenario import scenario_from_dict
from simcrm.scenario.editing import set_values, with_values
from tests.conftest import MINIMAL


def test_a_hash_inside_a_string_is_not_a_comment() -> None:
    text = 'name = "x"\ndescription = "phase #2 # of 3"  # note\n[plan]\nusers = 10  # few\n'
    new = set_values(text, {"plan.users": 20, "description": "now # 3"}, "edited")
    data = tomllib.loads(new)
    assert data["description"] == "now # 3"
    assert data["plan"]["users"] == 20
    assert "# edited (was 10) · few" in new
    assert '# edited (was "phase #2 # of 3") · note' in new


def test_values_inside_inline_tables_and_new_tables() -> None:
    text = "[execution]\nschedule = { p50 = 1.1, p90 = 1.7 }  # and me\n"
    new = set_values(
        text,
        {"execution.schedule.p90": 2.5, "execution.schedule.p50": 1.2, "scope.governance": 0.5},
        "n",
    )
    data = tomllib.loads(new)
    assert data["execution"]["schedule"] == {"p50": 1.2, "p90": 2.5}
    assert data["scope"] == {"governance": 0.5}
    assert "# n (p90 was 1.7; p50 was 1.1) · and me" in new


def test_with_values_validates_as_a_file_would(baseline_path: Path) -> None:
    scenario = simcrm.load_scenario(baseline_path)
    with pytest.raises(ScenarioError, match=r"plan\.users.*greater than or equal to 1"):
        with_values(scenario, {"plan.users": -5})
    with pytest.raises(ScenarioError, match="no such scenario parameter"):
        with_values(scenario, {"plan.userz": 5})
    with pytest.raises(ScenarioError, match="shares sum to"):
        with_values(scenario, {"components.licences.share": 0.5})


def test_with_values_changes_the_model_and_keeps_the_comments(baseline_path: Path) -> None:
    scenario = simcrm.load_scenario(baseline_path)
    ceiling = {"kind": "beta", "a": 6.0, "b": 2.0}
    changed = with_values(scenario, {"plan.users": 2500, "adoption.ceiling": ceiling})
    assert changed.plan.users == 2500
    assert changed.adoption.ceiling.model_dump().items() >= ceiling.items()
    assert scenario.plan.users == 1000  # the original is untouched
    assert "(source article)" in changed.source_text
    assert tomllib.loads(changed.source_text)["plan"]["users"] == 2500
    plain = with_values(scenario, {"plan.users": 2500}, keep_text=False)
    assert plain.plan == changed.plan
    assert plain.source_text == ""


def test_with_values_on_a_scenario_built_in_code() -> None:
    scenario = scenario_from_dict(MINIMAL)
    assert with_values(scenario, {"plan.users": 40}).plan.users == 40
