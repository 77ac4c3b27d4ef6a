"""``simcrm estimate`` and ``simcrm run`` warn, in one line on stderr and without failing,
when the users are outside the range the benchmark table covers for the complexity class
(the cost per user is then extrapolated: docs/model.md §1)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simcrm.cli import main

WARNING = "simcrm: warning: "


def _warnings(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith(WARNING)]


@pytest.mark.parametrize(
    ("users", "complexity", "warned"),
    [
        ("1000", "high", False),
        ("999", "high", True),
        ("400", "medium", True),
        ("500", "medium", False),
        ("5000", "low", False),
        ("5001", "low", True),
        ("1", "low", True),
        ("1e7", "high", True),
    ],
)
@pytest.mark.parametrize("as_json", [False, True])
def test_estimate_warns_outside_the_benchmark_range(
    users: str, complexity: str, warned: bool, as_json: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["estimate", "--users", users, "--complexity", complexity]
    assert main(argv + (["--json"] if as_json else [])) == 0
    captured = capsys.readouterr()
    lines = _warnings(captured.err)
    assert len(lines) == int(warned)
    assert captured.err.count("\n") == int(warned)  # nothing else on stderr
    if warned:
        assert "extrapolated" in lines[0]
        assert complexity in lines[0]
    if as_json:
        assert json.loads(captured.out)["complexity"] == complexity  # stdout stays JSON


SCENARIO = """
name = "warned"
[simulation]
trials = 200
seed = 7
[plan]
{plan}
[components.licences]
share = 0.3
[components.integration]
share = 0.7
labour = true
[criteria]
cio = "cost_overrun > 0.5 or abandoned"
"""


def _run(tmp_path: Path, plan: dict[str, object], extra: str = "") -> None:
    lines = "\n".join(f"{key} = {json.dumps(value)}" for key, value in plan.items())
    path = tmp_path / "scenario.toml"
    path.write_text(SCENARIO.format(plan=lines) + extra)
    out = tmp_path / "out"
    assert main(["run", str(path), "--out", str(out), "--quiet"]) == 0


@pytest.mark.parametrize(
    ("plan", "warned"),
    [
        ({"users": 1000, "complexity": "medium"}, False),
        ({"users": 200, "complexity": "medium"}, True),
        ({"users": 200, "complexity": "low"}, False),
        ({"users": 800, "complexity": "high"}, True),
        # a scenario's own curve: its own business, no warning
        ({"users": 200, "complexity": "high", "cost_curve": [[100, 900.0], [1000, 500.0]]}, False),
    ],
)
def test_run_warns_outside_the_benchmark_range(
    plan: dict[str, object], warned: bool, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _run(tmp_path, plan)
    lines = _warnings(capsys.readouterr().err)
    assert len(lines) == int(warned)
    if warned:
        assert f"{plan['users']} users is outside" in lines[0]


def test_run_warns_for_a_population_of_users_reaching_outside(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    population = (
        "\n[population.heterogeneity]\n"
        '"plan.users" = { kind = "triangular", low = 200, mode = 800, high = 5000 }\n'
    )
    _run(tmp_path, {"users": 1000, "complexity": "medium"}, population)
    lines = _warnings(capsys.readouterr().err)
    assert len(lines) == 1
    assert "200 to 5,000 users is outside the 500 to 5,000 users" in lines[0]
