"""The monthly fans (adoption, cash) are the same on two Dask workers as in one process."""

from __future__ import annotations

import json
from pathlib import Path

from simcrm.cli import main


def test_two_workers_give_the_same_fan(tmp_path: Path) -> None:
    fans = []
    for extra in ([], ["--workers", "2", "--chunk-size", "16384"]):
        out = tmp_path / f"run{len(fans)}"
        args = ["run", "baseline", "--trials", "70000", "--seed", "2", "--out", str(out)]
        assert main([*args, "--quiet", *extra]) == 0
        summary = json.loads((out / "summary.json").read_text())
        fans.append((summary["adoption_by_month"], summary["cash_by_month"]))
    assert fans[0] == fans[1]
