"""The shipped scenarios: listed, resolvable by name, copied by ``simcrm init``."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from simcrm.cli import main
from simcrm.errors import ScenarioError
from simcrm.scenario import load_scenario
from simcrm.scenario.shipped import (
    resolve_scenario,
    resolve_targets,
    shipped_scenarios,
    shipped_targets,
)
from tests.conftest import ROOT, SCENARIOS

TARGETS = sorted((ROOT / "scenarios" / "targets").glob("*.toml"))
NAMES = [p.stem for p in SCENARIOS]


def test_every_scenario_and_targets_file_is_shipped() -> None:
    assert [s.name for s in shipped_scenarios()] == NAMES
    assert [t.name for t in shipped_targets()] == [p.stem for p in TARGETS]
    for item in shipped_scenarios():
        data = tomllib.loads(item.path.read_text(encoding="utf-8"))
        assert item.description == data["description"]
        assert item.description
    assert all(t.description for t in shipped_targets())


@pytest.mark.parametrize("name", NAMES)
def test_a_shipped_scenario_resolves_by_name(name: str, tmp_path: Path) -> None:
    source = ROOT / "scenarios" / f"{name}.toml"
    for text in (name, f"{name}.toml"):
        path = resolve_scenario(text)
        assert path.is_file()
        assert path.read_bytes() == source.read_bytes()
    assert load_scenario(resolve_scenario(name)).name == name


def test_shipped_names_work_on_the_command_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # far from the repository's scenarios/
    assert main(["validate", *NAMES]) == 0
    out = capsys.readouterr().out
    for name in NAMES:
        assert f"scenario {name!r}" in out
    assert resolve_targets("it_reference_class").read_bytes() == TARGETS[0].read_bytes()


def test_an_existing_file_wins_over_a_shipped_name(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("baseline").write_text("name = 'mine'\n")
    assert resolve_scenario("baseline") == Path("baseline")
    assert resolve_scenario("survey") != Path("survey")


def test_resolve_names_the_argument_the_value_and_the_known_names() -> None:
    with pytest.raises(ScenarioError) as err:
        resolve_scenario("basline")
    assert err.value.field == "SCENARIO"
    assert err.value.value == "basline"
    message = str(err.value)
    assert "did you mean 'baseline'?" in message
    for name in NAMES:
        assert name in message
    with pytest.raises(ScenarioError, match=r"--targets.*it_reference_class"):
        resolve_targets("nope")


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "no_such_scenario", "--trials", "100"],
        ["validate", "baseline", "no_such_scenario"],
        ["compare", "baseline", "no_such_scenario"],
        ["definitions", "no_such_scenario"],
        ["failure-rate", "no_such_scenario"],
        ["calibrate", "no_such_scenario", "--targets", "it_reference_class"],
        ["calibrate", "baseline", "--targets", "no_such_scenario"],
        ["init", "x", "--from", "no_such_scenario"],
    ],
    ids=[
        "run",
        "validate",
        "compare",
        "definitions",
        "failure-rate",
        "calibrate",
        "calibrate-targets",
        "init-from",
    ],
)
def test_an_unknown_name_is_refused_with_one_line(
    argv: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert "no_such_scenario" in lines[0]
    assert "error: argument" in lines[0]
    assert "shipped:" in lines[0]
    assert list(tmp_path.iterdir()) == [], "nothing written"


def test_a_missing_file_given_as_a_path_is_still_no_such_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", str(tmp_path / "nope.toml")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "no such file" in err


def test_scenarios_lists_names_descriptions_and_how_to_copy(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["scenarios"]) == 0
    out = capsys.readouterr().out
    for item in shipped_scenarios() + shipped_targets():
        assert item.name in out
        assert item.description in out
    assert "simcrm init" in out
    assert main(["scenarios", "--json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    assert [s["name"] for s in listing["scenarios"]] == NAMES
    assert [t["name"] for t in listing["targets"]] == [p.stem for p in TARGETS]
    assert all(Path(s["path"]).is_file() for s in listing["scenarios"])


def _comments(text: str) -> list[str]:
    return [line[line.index("#") :] for line in text.splitlines() if "#" in line]


def test_init_writes_a_renamed_copy_with_its_comments(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["init", "my_project", "--from", "high_complexity"]) == 0
    out = capsys.readouterr().out
    assert "my_project.toml" in out
    assert "simcrm run my_project.toml" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["my_project.toml"], "no leftovers"
    source = (ROOT / "scenarios" / "high_complexity.toml").read_text(encoding="utf-8")
    copy = (tmp_path / "my_project.toml").read_text(encoding="utf-8")
    assert len(_comments(source)) > 20
    assert _comments(copy) == _comments(source)
    assert copy == source.replace('name = "high_complexity"', 'name = "my_project"', 1)
    scenario = load_scenario(tmp_path / "my_project.toml")
    assert scenario.name == "my_project"
    assert scenario.plan.users == load_scenario(resolve_scenario("high_complexity")).plan.users
    assert main(["validate", "my_project.toml"]) == 0


def test_init_defaults_to_baseline_and_takes_a_directory_or_a_path(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["init", "a", "--out", "sub/dir"]) == 0
    assert load_scenario(tmp_path / "sub" / "dir" / "a.toml").name == "a"
    assert "simcrm run sub/dir/a.toml" in capsys.readouterr().out
    assert main(["init", "elsewhere/b.v2.toml", "--from", "sub/dir/a.toml"]) == 0
    copy = load_scenario(tmp_path / "elsewhere" / "b.v2.toml")
    assert copy.name == "b.v2"
    assert copy.plan == load_scenario(resolve_scenario("baseline")).plan


def test_init_never_overwrites(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("mine.toml").write_text("# my own work\n", encoding="utf-8")
    assert main(["init", "mine", "--from", "survey"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1, "one line"
    assert captured.err.startswith("simcrm: error: mine.toml")
    assert "already exists" in captured.err
    assert Path("mine.toml").read_text(encoding="utf-8") == "# my own work\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.toml"], "no leftovers"


@pytest.mark.parametrize(
    "name", ["bad name", "-dash", ".hidden", "x" * 65, "a/b", "ünïcode", "semi;colon"]
)
def test_init_refuses_a_bad_name(
    name: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["init", "--", name]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1, "one line"
    assert captured.err.startswith(f"simcrm: error: NAME: got {name!r}")
    assert list(tmp_path.iterdir()) == [], "nothing written"


def test_pyproject_lists_every_package() -> None:
    """The packages are listed by hand (scenarios/ is mapped in as simcrm.examples): a new
    subpackage missing from the list would be left out of the wheel."""
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    on_disk = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "simcrm").rglob("__init__.py")
    }
    data_only = {"simcrm.examples", "simcrm.examples.targets", "simcrm.report.templates"}
    assert set(setuptools["packages"]) == on_disk | data_only
    assert setuptools["package-dir"] == {"simcrm.examples": "scenarios"}
