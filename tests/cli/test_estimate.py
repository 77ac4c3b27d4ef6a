"""``simcrm estimate``: bad numbers are refused in one line, and the output is always finite.

``--users`` and ``--price-level`` have the limits a scenario has for ``plan.users`` and
``plan.price_level`` (one definition, in the schema): a value outside them gives exit code
2 and one line on stderr naming the option, the value and what is allowed.
"""

from __future__ import annotations

import copy
import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simcrm.cli import main
from simcrm.errors import ScenarioError
from simcrm.scenario import scenario_from_dict
from tests.conftest import MINIMAL

BAD_PRICE_LEVELS = ["0", "-1", "-0.5", "nan", "NaN", "inf", "-inf", "1e7", "1000001", "cheap"]
BAD_USERS = ["0", "-3", "1.5", "10000001", "2e7", "1e400", "nan", "inf", "many", ""]


def _estimate(*options: str) -> list[str]:
    return ["estimate", "--complexity", "medium", *options]


def _refused(capsys: pytest.CaptureFixture[str], argv: list[str], option: str, value: str) -> str:
    """Run ``argv``: exit 2, nothing on stdout, one line on stderr; return that line."""
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1, captured.err
    assert "Traceback" not in captured.err
    line = captured.err.strip()
    assert line.startswith(f"simcrm: error: {option}: got {value!r}; ")
    return line


@pytest.mark.parametrize("value", BAD_PRICE_LEVELS)
@pytest.mark.parametrize("as_json", [False, True])
def test_a_bad_price_level_is_refused_in_one_line(
    value: str, as_json: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = _estimate("--users", "1000", f"--price-level={value}") + (["--json"] if as_json else [])
    line = _refused(capsys, argv, "--price-level", value)
    assert "a finite number greater than 0 and at most 1,000,000" in line
    assert "plan.price_level" in line


@pytest.mark.parametrize("value", BAD_USERS)
def test_bad_users_are_refused_in_one_line(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    line = _refused(capsys, _estimate(f"--users={value}", "--json"), "--users", value)
    assert "a whole number from 1 to 10,000,000" in line
    assert "plan.users" in line


@pytest.mark.parametrize(
    ("users", "price_level"),
    [("1", "1"), ("10000000", "1"), ("1e7", "1"), ("10_000", "2.5"), ("1", "1e6"), ("1e7", "1e6")],
)
def test_the_limits_themselves_are_accepted(
    users: str, price_level: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(_estimate("--users", users, "--price-level", price_level, "--json")) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["users"] == int(float(users.replace("_", "")))
    assert math.isfinite(out["total_cost"])
    assert out["total_cost"] > 0


def _strict_json(text: str) -> Any:
    """Parse JSON as the standard has it: NaN and Infinity are not JSON."""

    def refuse(name: str) -> None:
        raise ValueError(f"{name} is not JSON")

    return json.loads(text, parse_constant=refuse)


@settings(max_examples=150, derandomize=True, deadline=None)
@given(
    users=st.one_of(st.integers(-10, 2 * 10**7), st.floats(allow_nan=True, allow_infinity=True)),
    price_level=st.one_of(
        st.floats(allow_nan=True, allow_infinity=True),
        st.floats(min_value=1e-3, max_value=1e6),
        st.sampled_from(["0", "1e6", "1e-300", "nan", "-inf", "1,5"]),
    ),
    complexity=st.sampled_from(["low", "medium", "high"]),
)
def test_json_output_is_always_valid_json_with_finite_numbers(
    users: float, price_level: float | str, complexity: str
) -> None:
    argv = [
        "estimate",
        f"--users={users}",
        f"--price-level={price_level}",
        "--complexity",
        complexity,
        "--json",
    ]
    with pytest.MonkeyPatch.context() as mp:
        printed: list[str] = []
        mp.setattr("builtins.print", lambda *a, **k: printed.append(" ".join(map(str, a))))
        code = main(argv)
    # users outside the benchmark's range: a warning line first (stderr), then the output
    printed = [line for line in printed if not line.startswith("simcrm: warning: ")]
    assert code in (0, 2)
    if code == 0:
        (text,) = printed
        out = _strict_json(text)
        assert set(out) == {"users", "complexity", "cost_per_user", "total_cost"}
        assert all(math.isfinite(out[k]) and out[k] >= 0 for k in ("cost_per_user", "total_cost"))
        assert 1 <= out["users"] <= 10_000_000
    else:
        (line,) = printed  # the one error line (to stderr)
        assert line.startswith(("simcrm: error: --users: ", "simcrm: error: --price-level: "))


def _scenario_accepts(field: str, value: float) -> bool:
    data = copy.deepcopy(MINIMAL)
    data["plan"][field] = value
    try:
        scenario_from_dict(data)
    except ScenarioError:
        return False
    return True


@pytest.mark.parametrize(
    ("option", "field", "value"),
    [
        ("--price-level", "price_level", v)
        for v in (-1.0, 0.0, 1e-9, 1.0, 1e6, 1e6 * (1 + 1e-15), 1e7, math.nan, math.inf)
    ]
    + [("--users", "users", v) for v in (0, 1, 10_000_000, 10_000_001)],
)
def test_the_command_has_the_limits_of_a_scenario_file(
    option: str, field: str, value: float, capsys: pytest.CaptureFixture[str]
) -> None:
    other = ["--users", "100"] if option == "--price-level" else []
    code = main(_estimate(*other, option, repr(value), "--json"))
    capsys.readouterr()
    assert (code == 0) == _scenario_accepts(field, value)


def test_price_level_scales_the_cost(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(_estimate("--users", "2000", "--json")) == 0
    base = json.loads(capsys.readouterr().out)
    assert main(_estimate("--users", "2000", "--price-level", "3", "--json")) == 0
    tripled = json.loads(capsys.readouterr().out)
    assert tripled["total_cost"] == pytest.approx(3 * base["total_cost"], abs=0.01)
