"""Shared by the HTML report's tests: a small results directory and what its headline says.

The expected texts are formatted here on their own (not with the report's functions), so
a test compares the page with ``summary.json`` rather than the report with itself.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from simcrm.cli import main

RUN_TRIALS = 20_000


def make_results(top: Path) -> Path:
    """``simcrm run baseline`` into ``top/baseline`` and a paired comparison (with its
    figure) into ``top/baseline/compare``; returns the run directory."""
    run = top / "baseline"
    assert main(["run", "baseline", "--trials", str(RUN_TRIALS), "--out", str(run), "--quiet"]) == 0
    args = ["compare", "half_cycle", "full_cycle", "--trials", "2000"]
    assert main([*args, "--out", str(run / "compare")]) == 0
    return run


def svg_files(directory: Path) -> list[str]:
    """Every figure of a results directory, as its path below it."""
    return sorted(
        p.relative_to(directory).as_posix()
        for p in directory.rglob("*.svg")
        if "data" not in p.relative_to(directory).parts
    )


def figures_in(page: str) -> dict[str, str]:
    """``{data-file: inner markup}`` of every ``<figure>`` of a page."""
    found = re.findall(r'<figure\b[^>]*\bdata-file="([^"]+)"[^>]*>(.*?)</figure>', page, re.DOTALL)
    return dict(found)


def has_drawing(markup: str) -> bool:
    """Whether ``markup`` holds an ``<svg>`` element that draws something."""
    match = re.search(r"<svg\b[^>]*>(.*)</svg>", markup, re.DOTALL)
    return match is not None and len(re.findall(r"<(path|text|use|rect|line)\b", match[1])) >= 5


def headline_of(page: str) -> str:
    """The text of the (first) run's headline block, tags removed, spaces collapsed."""
    match = re.search(r'<div class="headline"[^>]*>(.*?)</div>', page, re.DOTALL)
    assert match, "no headline in the page"
    return " ".join(re.sub(r"<[^>]+>", " ", match[1]).split()).replace(" :", ":")


def _pct(p: float) -> str:
    return f"{100 * p:.1f}%"


def expected_headline(summary: dict[str, Any]) -> list[str]:
    """Texts the headline must hold, computed from ``summary.json`` alone."""
    texts = []
    contingency = summary.get("contingency")
    if isinstance(contingency, dict):
        cost = contingency["cost"]
        row = next(r for r in cost["levels"] if abs(r["level"] - 0.8) < 1e-9)
        texts.append(f"With a budget of {cost['plan']:,.0f} CNY, an 80% chance of not overspending")
        if row["value"] > cost["plan"]:
            texts.append(f"needs {row['value'] - cost['plan']:,.0f} CNY contingency")
            texts.append(f"({row['percent_of_plan']:.1f}% of plan)")
    elif "planned_cost" in summary["distributions"]:
        plan = summary["distributions"]["planned_cost"]["mean"]
        value = summary["distributions"]["actual_cost"]["p80"]
        texts.append(f"With a budget of {plan:,.0f} CNY, an 80% chance of not overspending")
        texts.append(f"({100 * (value - plan) / plan:.1f}% of plan)")
    else:
        texts.append("The cost contingency is left out")
        texts.append("planned_cost")
    cross = summary["crosstab"]
    shared = summary["disagreement"][f"{cross['rows']}|{cross['columns']}"]
    low, high = shared["ci95"]
    texts.append(
        f"disagree on {_pct(shared['p'])} of projects (95% interval {_pct(low)} to {_pct(high)})"
    )
    for name, entry in summary["criteria"].items():
        low, high = entry["ci95"]
        texts.append(f"{name}: {_pct(entry['p'])} (95% interval {_pct(low)} to {_pct(high)})")
    return texts


def read_summary(run: Path) -> dict[str, Any]:
    """The run's ``summary.json``."""
    content: dict[str, Any] = json.loads((run / "summary.json").read_text())
    return content
