"""A run whose outputs leave float64's range is refused: exit 2, one line, nothing left."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import simcrm.engine.blocks as blocks
from simcrm.cli import main
from simcrm.engine.encode import MAY_BE_UNDEFINED, first_nonfinite


def test_the_first_nonfinite_output_is_named_with_its_trial() -> None:
    trial = np.arange(100, 110, dtype=np.int64)
    npv = np.zeros(10)
    npv[[4, 7]] = [np.inf, np.nan]
    payback = np.full(10, np.nan)  # undefined by design: no payback
    found = first_nonfinite({"trial": trial, "payback_month": payback, "npv": npv})
    assert found == ("npv", 104)
    assert first_nonfinite({"trial": trial, "payback_month": payback}) is None
    assert "payback_month" in MAY_BE_UNDEFINED
    assert "npv" not in MAY_BE_UNDEFINED


def test_a_run_that_overflows_is_refused_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real = blocks.simulate_block

    def overflowing(*args: Any, **kwargs: Any) -> dict[str, np.ndarray]:
        columns = real(*args, **kwargs)
        if args[2] == 1:  # block 1: its 6th trial overflows
            columns["actual_cost"][5] = np.inf
        return columns

    monkeypatch.setattr(blocks, "simulate_block", overflowing)
    out = tmp_path / "run"
    argv = ["run", "baseline", "--trials", "40000", "--seed", "3", "--out", str(out)]
    code = main([*argv, "--chunk-size", "16384", "--quiet", "--no-figures"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1
    assert "Traceback" not in err
    assert "actual_cost in trial 16389" in err
    assert not out.exists(), "the refused run left nothing behind"
