"""A portfolio analysis gives the same bytes in this process and on two Dask workers."""

from __future__ import annotations

import json
from pathlib import Path

from simcrm.cli import main
from tests.analyses.portfolio.helpers import write_portfolio


def _strip_times(doc: dict[str, object]) -> dict[str, object]:
    """The answer without the solver's wall times (the only figures that may differ)."""
    selection = dict(doc["selection"])  # type: ignore[arg-type]
    selection["milp"] = {k: v for k, v in selection["milp"].items() if k != "seconds"}
    selection["exhaustive_check"] = {
        k: v for k, v in selection["exhaustive_check"].items() if k != "seconds"
    }
    return doc | {"selection": selection, "versions": None}


def test_workers_give_the_same_trials_and_answer(tmp_path: Path) -> None:
    candidates = [
        {"name": "a", "scenario": "baseline", "count": 2, "loadings": {"f": 0.6, "m": 0.5}},
        {"name": "b", "scenario": "high_complexity", "loadings": {"f": 0.5}},
        {"name": "c", "scenario": "low_complexity", "loadings": {"m": 0.7}},
    ]
    path = write_portfolio(
        tmp_path, candidates, factors={"f": "cost", "m": "benefits"}, trials=70_000
    )
    outs = []
    for extra in ([], ["--workers", "2"]):
        out = tmp_path / f"out{len(outs)}"
        args = ["portfolio", str(path), "--out", str(out), "--quiet", "--no-frontier", *extra]
        assert main(args) == 0
        outs.append(out)
    first, second = ((o / "trials.parquet").read_bytes() for o in outs)
    assert first == second
    docs = [json.loads((o / "portfolio.json").read_text()) for o in outs]
    assert _strip_times(docs[0]) == _strip_times(docs[1])
