"""The tables of a run in the HTML report, as plain data: a title, columns and text rows.

Every table is a dict ``{"title", "columns", "rows", "caption"}`` whose cells are the
text shown (or ``[value, note]``: a note, such as an interval, under the value) (probabilities in percent, money with thousands separators and the currency
in the column's heading), so the template only lays them out. The first column is a
label, the others are numbers (right-aligned).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from simcrm.report.headline import count, interval, is_number, money, months, percent
from simcrm.report.sensitivity_figures import FRACTION_COLUMNS, MONEY_COLUMNS

Table = dict[str, Any]
Cell = str | list[str]

EVENT_LABELS = {
    "abandoned": "abandoned",
    "rescued": "rescued",
    "npv_negative": "NPV < 0",
    "paid_back_18m": "paid back within 18 months of the start",
    "paid_back": "paid back within the horizon",
    "paid_back_18m_from_go_live": "paid back within 18 months of go-live",
}
"""How the summary's events read in the report."""
MONTH_COLUMNS = frozenset({"payback_month", "planned_months", "actual_months"})
"""Outputs counted in months."""


def table(
    title: str, columns: list[str], rows: Sequence[Sequence[Cell]], caption: str = ""
) -> Table:
    """A table as the template takes it."""
    return {"title": title, "columns": columns, "rows": rows, "caption": caption}


def column_value(column: str, x: Any, currency: str = "") -> str:
    """A value of an output column as shown: money, percent, months or a number."""
    if column in MONEY_COLUMNS:
        return money(x, currency)
    if column in FRACTION_COLUMNS:
        return percent(x)
    if column in MONTH_COLUMNS:
        return months(x)
    return f"{x:.3g}" if is_number(x) else "—"


def _proportion_rows(entries: dict[str, Any], labels: dict[str, str]) -> list[list[str]]:
    """Rows of name, count, share and 95% interval."""
    return [
        [labels.get(name, name), count(e.get("count")), percent(e.get("p")), interval(e["ci95"])]
        for name, e in entries.items()
    ]


def criteria_table(summary: dict[str, Any]) -> Table:
    """P(fail) of every criterion with its 95% interval (Wilson's, or across blocks)."""
    trials = summary.get("trials")
    return table(
        "Failure by each stakeholder's definition",
        ["criterion", "failed projects", "P(fail)", "95% interval"],
        _proportion_rows(summary.get("criteria") or {}, {}),
        f"of {count(trials)} simulated projects; intervals: "
        + ("across blocks" if summary.get("intervals") == "replicates" else "Wilson score"),
    )


def events_table(summary: dict[str, Any]) -> Table:
    """How often each event happened, with its 95% interval."""
    return table(
        "Events",
        ["event", "projects", "share", "95% interval"],
        _proportion_rows(summary.get("events") or {}, EVENT_LABELS),
    )


def distributions_table(summary: dict[str, Any], currency: str = "") -> Table:
    """Mean and percentiles of every continuous output."""
    rows = []
    unstable = False
    for name, d in (summary.get("distributions") or {}).items():
        exponent = d.get("tail_exponent")
        mean = column_value(name, d.get("mean"), currency)
        if is_number(exponent) and exponent < 2:
            mean, unstable = mean + " †", True
        rows.append(
            [
                name,
                percent(d.get("defined")),
                mean,
                *(column_value(name, d.get(k), currency) for k in ("p10", "p50", "p80", "p90")),
                f"{exponent:.2f}" if is_number(exponent) else "—",
            ]
        )
    caption = "defined: share of projects where the output exists (e.g. a payback month)"
    if unstable:
        caption += "; † tail exponent below 2: the variance is infinite, the mean unstable"
    return table(
        "Distributions of the outcomes",
        ["output", "defined", "mean", "P10", "P50", "P80", "P90", "tail exponent"],
        rows,
        caption,
    )


def disagreement_table(summary: dict[str, Any]) -> Table:
    """Per pair of criteria: the share of projects one calls a failure and the other not."""
    rows = [
        [pair.replace("|", " vs "), percent(e.get("p")), interval(e.get("ci95"))]
        for pair, e in (summary.get("disagreement") or {}).items()
    ]
    return table(
        "Stakeholders' disagreement",
        ["pair of criteria", "projects judged differently", "95% interval"],
        rows,
    )


def crosstab_table(summary: dict[str, Any]) -> Table | None:
    """The 2×2 counts of the cross-tabulated criteria, or None."""
    cross = summary.get("crosstab")
    if not isinstance(cross, dict):
        return None
    a, b = cross["rows"], cross["columns"]
    (ok_ok, ok_fail), (fail_ok, fail_fail) = cross["counts"]
    return table(
        f"{a} × {b}: projects by both verdicts",
        [f"{a} \\ {b}", f"{b}: success", f"{b}: failure"],
        [
            [f"{a}: success", count(ok_ok), count(ok_fail)],
            [f"{a}: failure", count(fail_ok), count(fail_fail)],
        ],
    )


def contingency_table(summary: dict[str, Any], currency: str = "") -> Table | None:
    """The summary's contingency section (cost, schedule) at every level, or None."""
    section = summary.get("contingency")
    if not isinstance(section, dict):
        return None
    rows = []
    for kind, entry in section.items():
        if not isinstance(entry, dict):
            continue
        fmt = (lambda x, s=False: money(x, currency, s)) if kind == "cost" else months
        for row in entry.get("levels") or []:
            share = row.get("percent_of_plan")
            rows.append(
                [
                    f"{kind} at P{100 * row['level']:g}",
                    fmt(entry.get("plan")),
                    fmt(row.get("value")),
                    fmt(row.get("contingency"), True),
                    f"{share:+.1f}%" if is_number(share) else "—",
                ]
            )
    return table(
        "Contingency: what each confidence level needs over the plan",
        ["level", "plan", "outcome", "contingency", "% of plan"],
        rows,
        "plan: the mean planned cost (months); outcome: that percentile of the actual one",
    )


def risks_table(summary: dict[str, Any], currency: str = "") -> Table | None:
    """The risk register's figures, or None without a register."""
    risks = summary.get("risks")
    if not isinstance(risks, dict) or not risks:
        return None
    rows = [
        [
            name,
            percent(r["occurred"].get("p")),
            interval(r["occurred"].get("ci95")),
            money(r.get("cost_per_trial"), currency),
            money(r.get("cost_if_occurred"), currency),
            money(r.get("npv_difference"), currency, signed=True),
        ]
        for name, r in risks.items()
    ]
    return table(
        "Risk register",
        [
            "risk",
            "occurred",
            "95% interval",
            "cost per project",
            "cost if it occurs",
            "NPV if it occurs − if not",
        ],
        rows,
        "cost per project: its expected direct cost over every project",
    )


def run_tables(summary: dict[str, Any], currency: str = "") -> list[Table]:
    """Every table of a run's summary, in the report's order."""
    found = [
        criteria_table(summary),
        contingency_table(summary, currency),
        events_table(summary),
        distributions_table(summary, currency),
        disagreement_table(summary),
        crosstab_table(summary),
        risks_table(summary, currency),
    ]
    return [t for t in found if t is not None and t["rows"]]


def provenance(manifest: dict[str, Any]) -> list[list[str]]:
    """The manifest's provenance as ``[label, value]`` rows."""
    found = manifest.get("scenario")
    scenario: dict[str, Any] = found if isinstance(found, dict) else {}
    rows = [
        ["scenario", str(scenario.get("name", "—"))],
        ["scenario digest (SHA-256)", str(scenario.get("digest", "—"))],
        ["seed", str(manifest.get("seed", "—"))],
        ["trials", count(manifest.get("trials"))],
        ["block size (trials)", count(manifest.get("block_size"))],
        ["chunk size (trials)", count(manifest.get("chunk_trials"))],
        ["chunks", count(manifest.get("chunks"))],
        ["chunks reused from an earlier run", count(len(manifest.get("reused_chunks") or []))],
        ["percentiles", str(manifest.get("percentiles", "—"))],
        ["executor", str(manifest.get("executor", "—"))],
        ["started", str(manifest.get("started", "—"))],
        ["finished", str(manifest.get("finished", "—"))],
        ["status", str(manifest.get("status", "—"))],
        ["command", str(manifest.get("command", "—"))],
    ]
    versions = manifest.get("versions")
    if isinstance(versions, dict):
        rows.append(["versions", ", ".join(f"{k} {v}" for k, v in versions.items())])
    return rows
