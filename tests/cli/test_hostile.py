"""A corpus of hostile scenario files: each is refused with one clear line, nothing else.

``tests/hostile/EXPECTED.toml`` says what each file tries and a word its error message
must contain (the field, or the file's problem). Every file must give exit code 2 for
``run`` and ``validate``, one line on stderr naming it, no traceback, and no output.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from simcrm.cli import main

HOSTILE = Path(__file__).resolve().parent / "hostile"
EXPECTED: dict[str, dict[str, str]] = tomllib.loads(
    (HOSTILE / "EXPECTED.toml").read_text(encoding="utf-8")
)


def test_the_corpus_and_its_index_match() -> None:
    files = {p.stem for p in HOSTILE.glob("*.toml")} - {"EXPECTED"}
    assert files == set(EXPECTED)
    assert len(files) >= 40


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_hostile_file_is_refused_with_one_clear_line(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = HOSTILE / f"{name}.toml"
    out = tmp_path / "out"
    assert main(["run", str(scenario), "--trials", "100", "--out", str(out), "--quiet"]) == 2
    captured = capsys.readouterr()
    err = captured.err
    assert captured.out == ""
    assert err.startswith(f"simcrm: error: {scenario}")
    assert err.count("\n") == 1, "one line"
    assert "Traceback" not in err
    assert EXPECTED[name]["expect"] in err
    assert not out.exists(), "nothing written"
    assert main(["validate", str(scenario)]) == 2
    assert EXPECTED[name]["expect"] in capsys.readouterr().err
