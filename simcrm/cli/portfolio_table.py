"""The terminal answer of ``simcrm portfolio``: the choice, its contingency and its risk."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from simcrm.report.terminal import report_console


def _money(x: float | None) -> str:
    return "–" if x is None else f"{x:,.0f}"


def _pct(x: float | None, digits: int = 1) -> str:
    return "–" if x is None else f"{100 * x:.{digits}f}%"


def _interval(ci: list[float], money: bool) -> str:
    low, high = ci
    return f"[{_money(low)}, {_money(high)}]" if money else f"[{_pct(low)}, {_pct(high)}]"


def _chosen(counts: dict[str, int]) -> str:
    return ", ".join(f"{k}×{v}" if v > 1 else k for k, v in counts.items() if v) or "none"


def headline(doc: dict[str, Any]) -> list[str]:
    """The choice in a few lines: what, its value, its risk, how it was solved."""
    s, cur = doc["selection"], doc["currency"]
    budget = ", ".join(f"{k} {_money(v)}" for k, v in doc["budget"].items())
    out, inside = s["out_of_sample"], s["in_sample"]
    milp, check = s["milp"], s["exhaustive_check"]
    status = (
        "optimal" if milp["optimal"] else f"stopped at the time limit, gap {_pct(milp['gap'], 2)}"
    )
    lines = [
        f"[bold]{doc['portfolio']}[/bold]: the most expected NPV with a budget of {budget} {cur} "
        f"and P(overspending) ≤ {_pct(doc['alpha'], 0)}",
        f"  chosen: {len(s['projects'])} of {len(doc['projects'])} projects: {_chosen(s['counts'])}",
        f"  expected NPV {_money(out['expected_npv'])} {cur} "
        f"{_interval(out['expected_npv_ci95'], True)} on {out['trials']:,} independent trials",
        f"  P(overspending) {_pct(out['p_overspend'])} {_interval(out['p_overspend_ci95'], False)}"
        f" out of sample; {_pct(inside['p_overspend'])} on the {inside['trials']:,} selection "
        f"trials (at most {s['allowed_overspent_trials']:,} allowed)",
        f"  solved: MILP (HiGHS) {status} in {milp['seconds']:.1f} s",
    ]
    if check["done"]:
        agrees = "agrees" if check["agrees"] else "[bold red]DISAGREES[/bold red]"
        lines[-1] += (
            f"; trying all {check['choices']:,} choices {agrees} ({check['seconds']:.1f} s)"
        )
    return lines


def contingency_table(doc: dict[str, Any]) -> Table:
    """Contingency at each level: the portfolio's, independent projects', the sum of the
    projects' own, and what the shared factors erode."""
    rows = doc["aggregate"]["contingency"]
    cur = doc["currency"]
    table = Table(
        title=f"Contingency of the chosen portfolio over its base estimate "
        f"({_money(rows[0]['base'])} {cur}, the expected planned cost)",
        title_justify="left",
    )
    for name in ("level", f"total cost ({cur})", "95% interval", "contingency", "% of base",
                 "if independent", "sum of projects'", "diversification", "eroded by factors"):  # fmt: skip
        table.add_column(name, justify="right", no_wrap=True)
    for r in rows:
        table.add_row(
            f"P{100 * r['level']:g}",
            _money(r["cost"]),
            _interval(r["cost_ci95"], True),
            _money(r["portfolio"]),
            f"{r['portfolio_pct_of_base']:.1f}%",
            _money(r["independent"]),
            _money(r["sum_of_projects"]),
            _money(r["diversification"]),
            "–" if r["eroded"] is None or r["eroded"] != r["eroded"] else _pct(r["eroded"], 0),
        )
    table.caption = (
        "diversification: sum of projects' − portfolio; eroded: the share of the independent "
        "portfolio's diversification the shared factors take away"
    )
    if any(r["diversification"] < 0 for r in rows):
        table.caption += (
            ". A negative diversification is real: with skewed, heavy-tailed costs a "
            "quantile of the sum can exceed the sum of the quantiles (a quantile is not "
            "subadditive)"
        )
    return table


def risk_table(doc: dict[str, Any]) -> Table:
    """Each chosen project's contribution to the portfolio's highest contingency level."""
    c = doc["contributions"]
    level = f"P{100 * c['level']:g}"
    table = Table(
        title=f"Which project makes the portfolio risky: contributions to its {level} cost "
        f"({_money(c['total'])} {doc['currency']})",
        title_justify="left",
    )
    for name in ("project", "contribution", "share", "dropping it saves", f"its own {level}"):
        table.add_column(name, justify="right" if name != "project" else "left", no_wrap=True)
    for r in c["projects"]:
        table.add_row(r["project"], _money(r["euler"]), _pct(r["euler_share"]),
                      _money(r["incremental"]), _money(r["standalone"]))  # fmt: skip
    table.caption = "contribution: E(project cost | total at the quantile), Euler: they add up"
    return table


def other_tables(doc: dict[str, Any]) -> list[Table]:
    """NPV, cash by year, failures, sizing and the frontier."""
    agg, cur = doc["aggregate"], doc["currency"]
    npv = Table(title=f"Total NPV and cost of the chosen portfolio ({cur})", title_justify="left")
    for name in ("", "mean [95% interval]", "P10", "P50", "P90"):
        npv.add_column(name, justify="right", no_wrap=True)
    for label, d in (("NPV", agg["npv"]), ("cost", agg["cost"])):
        q = {x["level"]: x["value"] for x in d["quantiles"]}
        npv.add_row(label, f"{_money(d['mean'])} {_interval(d['mean_ci95'], True)}",
                    _money(q[0.1]), _money(q[0.5]), _money(q[0.9]))  # fmt: skip
    npv.caption = f"P(total NPV < 0) = {_pct(agg['npv']['p_negative'])}"
    cash = Table(title=f"Implementation cash by year ({cur})", title_justify="left")
    for name in ("year", "mean", "P50", "P80", "P90"):
        cash.add_column(name, justify="right", no_wrap=True)
    for r in agg["cash_by_year"]:
        cash.add_row(str(r["year"]), *(_money(r[k]) for k in ("mean", "p50", "p80", "p90")))
    fails = Table(title="Projects failing, by each stakeholder's definition", title_justify="left")
    for name in ("criterion", "of", "expected", "P(at least one) [95%]", "P50", "P90"):
        fails.add_column(name, justify="right", no_wrap=True)
    for r in agg["failures"]:
        fails.add_row(r["criterion"], str(r["projects"]), f"{r['expected']:.2f}",
                      f"{_pct(r['p_at_least_one'])} {_interval(r['p_at_least_one_ci95'], False)}",
                      f"{r['p50']:g}", f"{r['p90']:g}")  # fmt: skip
    tables = [npv, cash, fails]
    if doc["sizing"]:
        sizing = Table(
            title=f"Sizing: projects of one kind the budget carries on its own at "
            f"P(overspending) ≤ {_pct(doc['alpha'], 0)}",
            title_justify="left",
        )
        for name in ("candidate", "carried", "P(overspending) with one more [95%]", "trials"):
            sizing.add_column(name, no_wrap=True)
        for r in doc["sizing"]:
            more = "+ (the search stops here)" if r["capped"] else ""
            after = r["by_count"][r["carried"]] if r["carried"] < r["tried"] else None
            beyond = (
                "–"
                if after is None
                else (f"{_pct(after['p_overspend'])} {_interval(after['ci95'], False)}")
            )
            sizing.add_row(r["candidate"], f"{r['carried']}{more}", beyond, f"{r['trials']:,}")
        tables.append(sizing)
    if doc.get("frontier"):
        front = Table(title="Efficient frontier (out of sample)", title_justify="left")
        for name in ("budget", "α", "projects", f"expected NPV ({cur})", "P(overspending)"):
            front.add_column(name, justify="right", no_wrap=True)
        seen = set()
        for p in doc["frontier"]["by_budget"] + doc["frontier"]["by_alpha"]:
            key = (p["budget"], p["alpha"])
            if key in seen:
                continue
            seen.add(key)
            if not p.get("feasible"):
                front.add_row(_money(p["budget"]), _pct(p["alpha"], 0), "infeasible", "", "")
                continue
            out = p["out_of_sample"]
            front.add_row(_money(p["budget"]), _pct(p["alpha"], 0), str(sum(p["counts"].values())),
                          _money(out["expected_npv"]), _pct(out["p_overspend"]))  # fmt: skip
        tables.append(front)
    return tables


def print_portfolio(doc: dict[str, Any]) -> None:
    """Print the whole answer."""
    console = report_console()
    for line in headline(doc):
        console.print(line)
    if not doc["selection"]["projects"]:
        console.print("  no project fits: the budget carries none at this α")
        return
    console.print(contingency_table(doc))
    console.print(risk_table(doc))
    for table in other_tables(doc):
        console.print(table)
