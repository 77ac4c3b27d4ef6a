"""Hostile numbers on the command line: every numeric option of every command.

Each bad value must give exit code 2 and one line on stderr naming the option, with no
traceback (argparse exits through :class:`SystemExit`, which ``main`` turns into 2).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from simcrm.cli import main
from simcrm.cli.args import MAX_CHUNK_TRIALS, max_workers
from simcrm.cli.args import MAX_TRIALS as CLI_MAX_TRIALS
from simcrm.engine.blocks import MAX_CHUNK_TRIALS as ENGINE_MAX_CHUNK_TRIALS
from simcrm.scenario.sections import MAX_TRIALS

HOSTILE_COUNTS = [
    "1e400",
    "1e30",
    "nan",
    "inf",
    "-inf",
    "-0",
    "0",
    "-1",
    "2.5",
    "1e-5",
    "9" * 5000,
    "0x10",
    "",
    "ten",
    "1e",
    "١٢",
]
"""Bad values of a whole number ≥ 1 (a count of trials, projects, samples…)."""
HOSTILE_SEEDS = ["1e400", "nan", "inf", "-1", "2.5", str(2**63), "9" * 5000, "", "seed"]
HOSTILE_PROBABILITIES = ["nan", "inf", "-inf", "1e400", "-1e-300", "1.0000001", "2", "", "p"]
HOSTILE_REALS = ["nan", "inf", "-inf", "1e400", "-1e400", "", "x", "1" * 5000]

SCENARIO = "baseline"
COUNTS = {
    "run": ["--trials", "--chunk-size", "--workers"],
    "compare": ["--trials", "--workers"],
    "definitions": ["--trials", "--workers"],
    "failure-rate": ["--cohort", "--surveys", "--inner", "--workers"],
    "calibrate": ["--trials", "--max-evaluations", "--workers"],
    "levers": ["--trials", "--workers"],
    "sensitivity": ["--trials", "--workers"],
    "portfolio": ["--trials", "--selection-trials", "--workers"],
    "fit": ["--mc-samples"],
}
SEEDS = [
    "run",
    "compare",
    "definitions",
    "failure-rate",
    "calibrate",
    "levers",
    "sensitivity",
    "portfolio",
    "fit",
]
PROBABILITIES = {"definitions": ["--claim"], "failure-rate": ["--claim"], "portfolio": ["--alpha"]}
REALS = {"failure-rate": ["--tolerance"], "portfolio": ["--budget"]}


def _command(name: str, tmp: Path) -> list[str]:
    """The command with its required positional arguments and an output directory."""
    out = ["--out", str(tmp / "out")]
    if name == "compare":
        return [name, SCENARIO, "low_complexity", *out]
    if name == "calibrate":
        return [name, SCENARIO, "--targets", "it_reference_class", *out]
    if name == "portfolio":
        return [name, "portfolio_example", *out]
    if name == "fit":
        data = tmp / "data.csv"
        data.write_text("x\n1\n2\n3\n", encoding="utf-8")
        return [name, str(data), "--column", "x", *out]
    return [name, SCENARIO, *out]


def _cases() -> list[tuple[str, str, str]]:
    cases = []
    for command, options in COUNTS.items():
        for option in options:
            cases += [(command, option, v) for v in HOSTILE_COUNTS]
    cases += [(command, "--seed", v) for command in SEEDS for v in HOSTILE_SEEDS]
    for table, values in ((PROBABILITIES, HOSTILE_PROBABILITIES), (REALS, HOSTILE_REALS)):
        for command, options in table.items():
            cases += [(command, option, v) for option in options for v in values]
    # within the parser's range: fit refuses it itself (a test below checks that)
    return [c for c in cases if c != ("fit", "--mc-samples", "1e30")]


def _refused(argv: list[str], option: str, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(argv) == 2
    captured = capsys.readouterr()
    err = captured.err
    assert captured.out == ""
    assert err.count("\n") == 1, f"one line: {err[:300]!r}"
    assert "Traceback" not in err
    assert option in err
    assert len(err) < 1_000, "a short excerpt of the value"
    return err


@pytest.mark.parametrize(("command", "option", "value"), _cases())
def test_a_hostile_number_is_refused_with_one_line(
    command: str, option: str, value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [*_command(command, tmp_path), f"{option}={value}"]
    _refused(argv, option, capsys)
    assert not (tmp_path / "out").exists()


def test_workers_are_bounded_by_the_cores(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    err = _refused(
        ["run", SCENARIO, "--workers", str(max_workers() + 1), "--out", str(tmp_path / "o")],
        "--workers",
        capsys,
    )
    assert "cores" in err


def test_the_parsers_bounds_are_the_engines() -> None:
    assert MAX_CHUNK_TRIALS == ENGINE_MAX_CHUNK_TRIALS
    assert CLI_MAX_TRIALS == MAX_TRIALS


@pytest.mark.parametrize(
    ("option", "value"),
    [("--users", v) for v in ["1e400", "nan", "inf", "true", "-0", "9" * 5000, "1e30"]]
    + [("--price-level", v) for v in ["1e400", "nan", "-inf", "5e-324x", "1e308", "-0"]],
)
def test_estimate_refuses_hostile_numbers(
    option: str, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["estimate", "--users", "100", "--complexity", "low", f"{option}={value}"]
    _refused(argv, option, capsys)


@pytest.mark.parametrize("value", ["nan,90", "10,inf", "1e400,90", "90,10", "10", "10,20,30"])
def test_sensitivity_percentiles_are_checked(
    value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["sensitivity", SCENARIO, "--out", str(tmp_path / "o"), f"--percentiles={value}"]
    _refused(argv, "--percentiles", capsys)


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (["run", SCENARIO, "--trials", "1e11"], "--trials"),
        (["fit", "DATA", "--column", "x", "--mc-samples", "1e30"], "--mc-samples"),
    ],
)
def test_counts_beyond_a_commands_limit(
    argv: list[str], option: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data.csv"
    data.write_text("x\n1\n2\n3\n", encoding="utf-8")
    argv = [str(data) if a == "DATA" else a for a in argv]
    _refused([*argv, "--out", str(tmp_path / "o")], option, capsys)
