"""The analyses a results directory may hold beside a run, as report tables and sentences.

Each function reads the JSON an analysis command writes — ``sensitivity.json``
(``simcrm sensitivity``), ``levers.json`` (``simcrm levers``), ``compare.json``
(``simcrm compare``) and ``portfolio.json`` (``simcrm portfolio``) — and returns
``{"sentences": [...], "tables": [...]}`` (and ``"items"``, a list shown as bullets) in the
form of :mod:`simcrm.report.html_tables`.
"""

from __future__ import annotations

from typing import Any

from simcrm.report.headline import count, interval, is_number, money, percent, points
from simcrm.report.html_tables import Table, table
from simcrm.report.sensitivity_figures import format_value, statistic_unit

SHOWN_INPUTS = 10
"""Inputs listed per output of a sensitivity analysis."""
SHARES = ("P(", "adoption", "overrun", "roi", "scope_growth")
"""Figures of a comparison that are shares: percent, differences in percentage points."""

Part = dict[str, Any]


def _statistic(name: str, x: Any, currency: str, signed: bool = False) -> str:
    """A value of a named statistic (``mean npv``, ``P(fail cio)``, ``fail_cio``)."""
    return format_value(x if is_number(x) else None, statistic_unit(name), currency, signed)


def sensitivity_part(doc: dict[str, Any]) -> Part:
    """Per output, the inputs that move it most (the method's own measure and interval)."""
    method, currency = doc.get("method"), str(doc.get("currency", ""))
    size = f"{count(doc['trials'])} trials" if "trials" in doc else f"n = {count(doc.get('rows'))}"
    sentences = [
        f"Method: {method}, {size} per run, seed {doc.get('seed')} "
        "(docs/sensitivity.md explains the measures)."
    ]
    records = doc.get("swings") or doc.get("indices") or doc.get("entries") or []
    key = "statistic" if method == "tornado" else "output"
    by_output: dict[str, dict[str, dict[str, Any]]] = {}
    for r in records:
        if not r.get("group"):
            by_output.setdefault(str(r[key]), {})[str(r["input"])] = r
    ranking = doc.get("ranking") or {k: list(v) for k, v in by_output.items()}
    tables = []
    for output, inputs in ranking.items():
        found = by_output.get(output, {})
        rows = [_sensitivity_row(method, output, found[i], currency) for i in inputs if i in found]
        if not rows:
            continue
        more = len(rows) - SHOWN_INPUTS
        tables.append(
            table(
                f"What moves {output}",
                _SENSITIVITY_COLUMNS.get(str(method), ["input", "value"]),
                rows[:SHOWN_INPUTS],
                f"{more} more input{'s' if more > 1 else ''} in sensitivity.json"
                if more > 0
                else "",
            )
        )
    return {"sentences": sentences, "tables": tables}


_SENSITIVITY_COLUMNS = {
    "tornado": [
        "input",
        "at its low percentile",
        "at its high percentile",
        "swing",
        "95% interval",
    ],
    "rank": ["input", "Spearman correlation", "95% interval", "share of variance"],
    "sobol": ["input", "first-order index", "total index", "95% interval (total)"],
}


def _sensitivity_row(method: Any, output: str, r: dict[str, Any], currency: str) -> list[str]:
    """One input's row: the method's measure of its effect on ``output``, with its interval."""

    def number(x: Any) -> str:
        return f"{x:+.2f}" if is_number(x) else "—"

    if method == "tornado":
        return [
            r["input"],
            _statistic(output, r.get("at_low"), currency),
            _statistic(output, r.get("at_high"), currency),
            _statistic(output, r.get("swing"), currency, signed=True),
            f"[{_statistic(output, r.get('low'), currency, True)}, "
            f"{_statistic(output, r.get('high'), currency, True)}]",
        ]
    if method == "sobol":
        return [
            r["input"],
            percent(r.get("first")),
            percent(r.get("total")),
            interval([r.get("total_low"), r.get("total_high")]),
        ]
    return [
        r["input"],
        number(r.get("spearman")),
        f"[{number(r.get('low'))}, {number(r.get('high'))}]",
        percent(r.get("contribution")),
    ]


def levers_part(doc: dict[str, Any]) -> Part:
    """Each lever's effect on every P(fail) and on the mean NPV (lever − scenario)."""
    currency = str(doc.get("currency", ""))
    levers = doc.get("levers") or []
    sentences = [
        f"Each lever against the scenario {doc.get('scenario')}, paired on "
        f"{count(doc.get('trials'))} trials (seed {doc.get('seed')}): the change with its 95% "
        "interval."
    ]
    items = [f"{lever['lever']}: {lever.get('description', '')}" for lever in levers]
    rows = []
    for name in doc.get("figures") or []:
        row = [name]
        for lever in levers:
            figure = (lever.get("figures") or {}).get(name)
            if figure is None:
                row.append("already on")
                continue
            share = name.startswith("P(")
            fmt = points if share else (lambda x: money(x, "", True))
            bare = _bare_points if share else fmt
            row.append([fmt(figure.get("difference")), interval(figure.get("ci95"), bare)])
        rows.append(row)
    caption = "P(fail) changes in percentage points" + (
        f"; money in {currency}" if currency else ""
    )
    columns = ["figure", *(lever["lever"] for lever in levers)]
    return {
        "sentences": sentences,
        "items": items,
        "tables": [table("What each lever buys", columns, rows, caption)],
    }


def _bare_points(d: Any) -> str:
    """Percentage points without their unit (in an interval under a value that has it)."""
    return f"{100 * d:+.1f}" if is_number(d) else "—"


def _compare_value(name: str, x: Any, currency: str, signed: bool) -> str:
    """A comparison's figure: percent (a difference in points), months or money."""
    if any(key in name for key in SHARES):
        return points(x) if signed else percent(x)
    if "payback" in name:
        return f"{x:{'+' if signed else ''}.1f} months" if is_number(x) else "—"
    return money(x, "" if signed else currency, signed)


def comparison_part(doc: dict[str, Any]) -> Part:
    """Every figure of A and B and the paired difference B − A with its 95% interval."""
    currency = str(doc.get("currency", ""))
    a, b = doc.get("a"), doc.get("b")
    rows = []
    for name, f in (doc.get("figures") or {}).items():
        ci = f.get("ci95") or [None, None]
        rows.append(
            [
                name,
                _compare_value(name, f.get("a"), currency, False),
                _compare_value(name, f.get("b"), currency, False),
                _compare_value(name, f.get("difference"), currency, True),
                f"[{_compare_value(name, ci[0], currency, True)}, "
                f"{_compare_value(name, ci[1], currency, True)}]",
            ]
        )
    sentences = [
        f"{b} against {a} on the same random numbers: {count(doc.get('trials'))} paired trials, "
        f"seed {doc.get('seed')}."
    ]
    columns = ["figure", f"A: {a}", f"B: {b}", "B − A", "95% interval"]
    caption = "shares in percent, their differences in percentage points" + (
        f"; money in {currency}" if currency else ""
    )
    return {"sentences": sentences, "tables": [table(f"{b} − {a}", columns, rows, caption)]}


def portfolio_part(doc: dict[str, Any]) -> Part:
    """The chosen portfolio: its value and risk, its contingency and its failures."""
    cur = str(doc.get("currency", ""))
    selection = doc.get("selection") or {}
    out = selection.get("out_of_sample") or {}
    budget = ", ".join(f"{k} {money(v, cur)}" for k, v in (doc.get("budget") or {}).items())
    chosen = [p for p in doc.get("projects") or [] if p.get("chosen")]
    sentences = [
        f"{doc.get('portfolio')}: the most expected NPV within a budget of {budget} with "
        f"P(overspending) at most {percent(doc.get('alpha'), 0)}.",
        f"Chosen: {len(chosen)} of {len(doc.get('projects') or [])} projects "
        f"({', '.join(str(p.get('project')) for p in chosen) or 'none'}).",
        f"Expected NPV {money(out.get('expected_npv'), cur)} "
        f"{interval(out.get('expected_npv_ci95'), money)}; P(overspending) "
        f"{percent(out.get('p_overspend'))} {interval(out.get('p_overspend_ci95'))}, on "
        f"{count(out.get('trials'))} trials independent of the selection (seed {doc.get('seed')}).",
    ]
    tables = [_projects_table(doc, cur)]
    aggregate = doc.get("aggregate") or {}
    tables.append(_portfolio_contingency(aggregate.get("contingency") or [], cur))
    tables.append(_failures_table(aggregate.get("failures") or []))
    versions = doc.get("versions")
    if isinstance(versions, dict):
        sentences.append("Versions: " + ", ".join(f"{k} {v}" for k, v in versions.items()) + ".")
    return {"sentences": sentences, "tables": [t for t in tables if t["rows"]]}


def _projects_table(doc: dict[str, Any], cur: str) -> Table:
    """Every candidate project: its scenario, start, expected NPV and whether it is chosen."""
    rows = [
        [
            str(p.get("project")),
            str(p.get("scenario")),
            str(p.get("start_month", "—")),
            money(p.get("expected_npv"), cur),
            "yes" if p.get("chosen") else "no",
        ]
        for p in doc.get("projects") or []
    ]
    columns = ["project", "scenario", "start month", "expected NPV", "chosen"]
    return table("Candidate projects", columns, rows)


def _portfolio_contingency(levels: list[dict[str, Any]], cur: str) -> Table:
    """The chosen portfolio's contingency at each level, beside independent projects'."""
    rows = [
        [
            f"P{100 * r['level']:g}",
            money(r.get("cost"), cur),
            interval(r.get("cost_ci95"), money),
            money(r.get("portfolio"), cur),
            f"{r['portfolio_pct_of_base']:.1f}%"
            if is_number(r.get("portfolio_pct_of_base"))
            else "—",
            money(r.get("independent"), cur),
            money(r.get("sum_of_projects"), cur),
            money(r.get("diversification"), cur),
        ]
        for r in levels
    ]
    base = money(levels[0].get("base"), cur) if levels else "—"
    columns = ["level", "total cost", "95% interval", "contingency", "% of base",
               "if independent", "sum of projects'", "diversification"]  # fmt: skip
    return table(
        f"Contingency of the chosen portfolio over its base estimate ({base})",
        columns,
        rows,
        "base: the expected planned cost of the chosen projects",
    )


def _failures_table(failures: list[dict[str, Any]]) -> Table:
    """Per criterion: how many of the chosen projects fail, and P(at least one does)."""
    rows = [
        [
            str(f.get("criterion")),
            count(f.get("projects")),
            f"{f['expected']:.2f}" if is_number(f.get("expected")) else "—",
            percent(f.get("expected_share")),
            percent(f.get("p_at_least_one")),
            interval(f.get("p_at_least_one_ci95")),
        ]
        for f in failures
    ]
    columns = ["criterion", "projects", "expected failures", "share", "P(at least one)",
               "95% interval"]  # fmt: skip
    return table("Failures among the chosen projects", columns, rows)
