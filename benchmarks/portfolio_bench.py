"""Portfolio part of ``make bench``: the shipped example answered end to end.

``scenarios/portfolio_example.toml`` as shipped: 12 candidates (14 projects), a selection
programme on 2,000 portfolio trials, the aggregate and out-of-sample check on 200,000.
Measured in this process: the wall time of the whole analysis (simulation of both
samples, the MILP, the exhaustive check, aggregate, contributions, sizing), the same with
the efficient frontier, and the MILP's time against trying every choice on the same
sample. Run alone: ``python -m benchmarks.portfolio_bench`` (writes
``results/bench/portfolio.json``).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from simcrm.analyses.portfolio import analyse_portfolio
from simcrm.scenario.portfolio import load_portfolio

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "scenarios" / "portfolio_example.toml"
OUT = ROOT / "results" / "bench" / "portfolio.json"


def measure(path: Path = EXAMPLE) -> dict[str, Any]:
    """Seconds of the example's selection, with and without the frontier."""
    portfolio = load_portfolio(path)
    start = time.perf_counter()
    result = analyse_portfolio(portfolio, with_frontier=False)
    selection_seconds = time.perf_counter() - start
    start = time.perf_counter()
    analyse_portfolio(portfolio, with_frontier=True)
    with_frontier = time.perf_counter() - start
    chosen = result.selection
    check = chosen["exhaustive_check"]
    return {
        "candidates": len(portfolio.candidates),
        "projects": portfolio.instances,
        "selection_trials": portfolio.simulation.selection_trials,
        "aggregate_trials": portfolio.simulation.trials,
        "selection_seconds": round(selection_seconds, 2),
        "with_frontier_seconds": round(with_frontier, 2),
        "milp_seconds": round(chosen["milp"]["seconds"], 3),
        "milp_optimal": chosen["milp"]["optimal"],
        "exhaustive_choices": check["choices"],
        "exhaustive_seconds": round(check.get("seconds", float("nan")), 3),
        "exhaustive_agrees": check.get("agrees"),
        "chosen_projects": len(chosen["projects"]),
    }


def main() -> int:
    """Measure, print and write ``results/bench/portfolio.json``."""
    from benchmarks.bench import machine

    doc = {"machine": machine(), "portfolio": measure()}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(doc, indent=2) + "\n")
    print(json.dumps(doc["portfolio"], indent=2))
    print(f"written: {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
