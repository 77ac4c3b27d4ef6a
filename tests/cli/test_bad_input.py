"""Bad input: exit code 2, one line naming the field, no traceback, nothing written."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

import pytest

from simcrm.cli import main
from tests.conftest import ROOT


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    return repr(value)


def dump(data: dict[str, Any]) -> str:
    """Minimal TOML writer for nested tables (enough for scenarios)."""
    lines: list[str] = []

    def table(prefix: str, content: dict[str, Any]) -> None:
        scalars = {
            k: v for k, v in content.items() if not (isinstance(v, dict) and _is_section(k, v))
        }
        if prefix:
            lines.append(f"[{prefix}]")
        lines.extend(f"{k} = {_toml(v)}" for k, v in scalars.items())
        for k, v in content.items():
            if k not in scalars:
                table(f"{prefix}.{k}" if prefix else k, v)

    table("", data)
    return "\n".join(lines) + "\n"


def _is_section(key: str, value: dict[str, Any]) -> bool:
    return "kind" not in value and key not in {"overrun", "schedule"}


BASELINE = tomllib.loads((ROOT / "scenarios" / "baseline.toml").read_text())


def _variant(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASELINE)
    node = data
    for key in path[:-1]:
        node = node[key]
    if value is DELETE:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return data


DELETE = object()

# (id, path, value, words the message must contain)
CASES: list[tuple[str, tuple[str, ...], Any, list[str]]] = [
    (
        "probability above 1",
        ("scope", "p_approve"),
        1.5,
        ["scope.p_approve", "1.5", "less than or equal to 1"],
    ),
    (
        "negative probability",
        ("execution", "tail_probability"),
        -0.1,
        ["execution.tail_probability"],
    ),
    (
        "p90 below p50",
        ("components", "integration", "overrun"),
        {"p50": 1.2, "p90": 1.0},
        ["components.integration.overrun", "p90"],
    ),
    ("negative users", ("plan", "users"), -5, ["plan.users", "-5"]),
    ("wrong type", ("plan", "users"), "many", ["plan.users", "many"]),
    (
        "shares not summing to 1",
        ("components", "licences", "share"),
        0.5,
        ["components.*.share", "sum to 1.34", "must sum to 1"],
    ),
    (
        "unknown key with hint",
        ("plan", "planing_quality"),
        0.4,
        ["plan.planing_quality", "did you mean 'planning_quality'"],
    ),
    ("unknown section", ("scenery",), {"a": 1}, ["scenery", "unknown key"]),
    ("missing section", ("plan",), DELETE, ["plan", "required"]),
    (
        "criterion naming an unknown output",
        ("criteria", "cio"),
        "cost_overun > 0.5",
        ["criteria.cio", "did you mean 'cost_overrun'"],
    ),
    ("criterion calling a function", ("criteria", "cio"), "__import__('os')", ["criteria.cio"]),
    ("unknown complexity", ("plan", "complexity"), "extreme", ["plan.complexity", "extreme"]),
    (
        "bad distribution parameter",
        ("plan", "planned_months"),
        {"kind": "pert", "low": 6, "mode": 20, "high": 18},
        ["plan.planned_months"],
    ),
    (
        "unknown distribution kind",
        ("plan", "planned_months"),
        {"kind": "cauchy", "loc": 1},
        ["plan.planned_months", "cauchy"],
    ),
    (
        "quality outside [0, 1]",
        ("plan", "planning_quality"),
        {"kind": "uniform", "low": 0.5, "high": 1.5},
        ["plan.planning_quality", "[0, 1]"],
    ),
    ("horizon zero", ("simulation", "horizon_months"), 0, ["simulation.horizon_months"]),
    (
        "runaway scope creep without a cap",
        ("execution", "max_execution_months"),
        DELETE,
        [],  # baseline scope is tame: replaced below with a runaway one
    ),
]


def _runaway() -> dict[str, Any]:
    data = _variant(("execution", "max_execution_months"), DELETE)
    data["scope"]["discovery_rate"] = 5.0
    data["scope"]["effect"] = 0.05
    return data


def _check_refused(
    text: str | bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str], words: list[str]
) -> None:
    scenario = tmp_path / "bad.toml"
    if isinstance(text, bytes):
        scenario.write_bytes(text)
    else:
        scenario.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", str(scenario), "--trials", "100", "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("simcrm: error: ")
    assert err.count("\n") == 1, "one line"
    assert "Traceback" not in err
    for word in words:
        assert word in err
    assert not out.exists(), "nothing written"
    assert main(["validate", str(scenario)]) == 2
    capsys.readouterr()


@pytest.mark.parametrize(
    ("path", "value", "words"), [c[1:] for c in CASES[:-1]], ids=[c[0] for c in CASES[:-1]]
)
def test_invalid_scenario_is_refused(
    path: tuple[str, ...],
    value: Any,
    words: list[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _check_refused(dump(_variant(path, value)), tmp_path, capsys, words)


def test_runaway_scope_creep_without_a_cap_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _check_refused(
        dump(_runaway()),
        tmp_path,
        capsys,
        ["scope", "max_execution_months", "never end", "offspring"],
    )


def test_the_same_runaway_process_with_a_cap_is_accepted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _runaway()
    data["execution"]["max_execution_months"] = 36
    scenario = tmp_path / "ok.toml"
    scenario.write_text(dump(data))
    assert main(["validate", str(scenario)]) == 0


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", ["empty"]),
        (b"\x00\x01\x02binary", ["binary"]),
        ("name = 'x'\n".encode("utf-16"), ["UTF-8"]),
        (b"[plan]\nusers = 1\nusers = 2\n", ["not valid TOML"]),
        (b"[plan\nusers = 1", ["not valid TOML"]),
    ],
    ids=["empty", "binary", "not utf-8", "duplicate key", "broken toml"],
)
def test_unreadable_files_are_refused(
    content: bytes, words: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _check_refused(content, tmp_path, capsys, words)


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(tmp_path / "nope.toml"), "--out", str(tmp_path / "out")]) == 2
    assert "no such file" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "args",
    [
        ["--trials", "0"],
        ["--trials", "abc"],
        ["--seed", "-1"],
        ["--chunk-size", "0"],
        ["--trials", "1e11"],
    ],
    ids=["zero trials", "non-numeric trials", "negative seed", "zero chunk", "too many trials"],
)
def test_bad_command_line_values(
    args: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    code = main(
        ["run", str(ROOT / "scenarios" / "baseline.toml"), "--out", str(out), "--quiet", *args]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    assert args[0] in err
    assert not out.exists()


def test_unwritable_output_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code = main(
        [
            "run",
            str(ROOT / "scenarios" / "baseline.toml"),
            "--trials",
            "10",
            "--out",
            str(blocker / "sub"),
            "--quiet",
        ]
    )
    assert code == 2
    assert "--out" in capsys.readouterr().err
