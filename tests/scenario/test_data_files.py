"""Every file a scenario reads is bounded in size, and its bytes are part of the run's
identity (:func:`simcrm.scenario.load.scenario_digest`)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from simcrm.distributions import finite
from simcrm.errors import InputError, ScenarioError
from simcrm.scenario import load_scenario, scenario_digest
from simcrm.scenario.load import read_text
from simcrm.scenario.shipped import shipped_scenarios

SCENARIO = """
name = "data"
[plan]
users = 100
planned_months = {{ kind = "empirical", file = "{file}", column = "m" }}
[components.all]
share = 1.0
"""


def _write(tmp: Path, csv: str, name: str = "months.csv") -> Path:
    (tmp / name).write_text(csv, encoding="utf-8")
    path = tmp / "s.toml"
    path.write_text(SCENARIO.format(file=name), encoding="utf-8")
    return path


def test_dev_zero_is_refused_quickly_as_a_scenario() -> None:
    start = time.perf_counter()
    with pytest.raises(ScenarioError, match="at most 1 MB"):
        read_text(Path("/dev/zero"), "scenario")
    assert time.perf_counter() - start < 5


def test_dev_zero_is_refused_quickly_as_an_empirical_file(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text(SCENARIO.format(file="/dev/zero"), encoding="utf-8")
    start = time.perf_counter()
    with pytest.raises(ScenarioError, match="larger than"):
        load_scenario(path)
    assert time.perf_counter() - start < 10


def test_too_many_rows_are_refused_naming_the_file_and_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(finite, "MAX_DATA_ROWS", 1_000)
    path = _write(tmp_path, "m\n" + "1\n" * 1_001)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert "months.csv" in str(err.value)
    assert "more than 1,000 data rows" in str(err.value)
    assert str(err.value).count("\n") == 0


def test_a_file_over_the_byte_limit_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(finite, "MAX_DATA_BYTES", 100)
    path = _write(tmp_path, "m\n" + "12.5\n" * 100)
    with pytest.raises(ScenarioError, match="larger than 100 bytes"):
        load_scenario(path)


def test_an_overlong_path_is_one_short_line(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text(SCENARIO.format(file="x" * 5000 + ".csv"), encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_scenario(path)
    assert len(str(err.value)) < 1_200
    with pytest.raises(ScenarioError, match="cannot be read"):
        read_text(Path("y" * 5000), "scenario")


def test_the_digest_covers_the_data_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "m\n10\n12\n14\n")
    before = scenario_digest(load_scenario(path))
    assert scenario_digest(load_scenario(path)) == before
    (tmp_path / "months.csv").write_text("m\n10\n12\n15\n", encoding="utf-8")
    assert scenario_digest(load_scenario(path)) != before


def test_shipped_scenarios_digest_as_their_json_alone() -> None:
    import hashlib

    for item in shipped_scenarios():
        scenario = load_scenario(item.path)
        plain = hashlib.sha256(scenario.model_dump_json().encode()).hexdigest()
        assert scenario_digest(scenario) == plain


def test_a_targets_file_nested_too_deeply_is_one_line(tmp_path: Path) -> None:
    from simcrm.analyses.targets import TargetsError, load_targets

    path = tmp_path / "t.toml"
    path.write_text("x = " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    scenario = load_scenario(shipped_scenarios()[0].path)
    with pytest.raises(TargetsError, match="nested too deeply"):
        load_targets(path, scenario)
    with pytest.raises(TargetsError, match="at most 1 MB"):
        load_targets(Path("/dev/zero"), scenario)


def test_a_boolean_in_a_targets_file_is_refused(tmp_path: Path) -> None:
    from simcrm.analyses.targets import TargetsError, load_targets

    path = tmp_path / "t.toml"
    path.write_text(
        '[[targets]]\nstatistic = "mean"\ncolumn = "npv"\nvalue = true\n'
        '[parameters]\n"execution.tail_probability" = [0.05, 0.4]\n',
        encoding="utf-8",
    )
    scenario = load_scenario(shipped_scenarios()[0].path)
    with pytest.raises(TargetsError, match="boolean"):
        load_targets(path, scenario)
