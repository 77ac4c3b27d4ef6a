"""Render summaries as short, readable terminal tables (rich)."""

from __future__ import annotations

from rich.console import Console, Group
from rich.table import Table

from simcrm.stats.run_summary import Proportion, Summary
from simcrm.stats.summary import DISTRIBUTION_COLUMNS, EVENTS
from simcrm.stats.tails import unstable_mean_note

MONEY_COLUMNS = {"actual_cost", "npv"}
PERCENT_COLUMNS = {
    "cost_overrun",
    "schedule_overrun",
    "scope_growth",
    "roi",
    "adoption_12m",
    "adoption_final",
}


def _pct(x: float) -> str:
    return "—" if x != x else f"{100 * x:.1f}%"


def _value(column: str, x: float) -> str:
    if x != x:
        return "—"
    if column in PERCENT_COLUMNS:
        return (
            f"{100 * x:+.1f}%"
            if column in {"cost_overrun", "schedule_overrun", "roi"}
            else f"{100 * x:.1f}%"
        )
    if column in MONEY_COLUMNS:
        return f"{x:,.0f}"
    return f"{x:.1f}"


def _interval(entry: Proportion) -> str:
    low, high = entry.ci95
    return f"{_pct(low)} – {_pct(high)}"


def _money(x: float) -> str:
    return "—" if x != x else f"{x:,.0f}"


def risk_table(summary: Summary, currency: str = "") -> Table:
    """The risk register's figures: probability with its interval, direct cost, NPV."""
    unit = f" ({currency})" if currency else ""
    table = Table(
        title="risk register",
        title_justify="left",
        caption="cost: the cost the risk's own impact added, averaged over every trial and "
        "over those where it occurred. NPV: mean where it occurred minus where not (± its "
        "standard error), which compares different trials; delays and lost use included.",
        caption_justify="left",
    )
    table.add_column("risk")
    table.add_column("P(occurs)", justify="right")
    table.add_column(summary.interval_label, justify="right")
    table.add_column(f"cost per trial{unit}", justify="right")
    table.add_column(f"cost if it occurs{unit}", justify="right")
    table.add_column(f"NPV: occurred − not{unit}", justify="right")
    for name, risk in summary.risks.items():
        difference = _money(risk.npv_difference)
        if risk.npv_difference_se == risk.npv_difference_se:
            difference += f" ± {_money(risk.npv_difference_se)}"
        table.add_row(
            name,
            _pct(risk.occurred.p),
            _interval(risk.occurred),
            _money(risk.cost_per_trial),
            _money(risk.cost_if_occurred),
            difference,
        )
    return table


def contingency_table(summary: Summary, currency: str = "") -> Table | None:
    """Plan, the cost and duration at 50/80/90/95% confidence, and the contingency each
    needs over the plan (absolute and in percent of it)."""
    if not summary.contingency:
        return None
    cost = summary.contingency.get("cost")
    unit = f" {currency}" if currency else ""
    title = "contingency: what the plan must hold to be enough with each confidence"
    table = Table(title=title, title_justify="left")
    table.add_column("confidence")
    table.add_column(f"cost{unit}", justify="right")
    table.add_column("contingency", justify="right")
    table.add_column("% of plan", justify="right")
    table.add_column("months", justify="right")
    table.add_column("contingency", justify="right")
    table.add_column("% of plan", justify="right")
    schedule = summary.contingency.get("schedule")
    for k, level in enumerate(cost.levels if cost is not None else ()):
        months = schedule.levels[k] if schedule is not None else None
        table.add_row(
            f"P{100 * level.level:g}",
            _money(level.value),
            f"+{_money(level.contingency)}"
            if level.contingency >= 0
            else _money(level.contingency),
            f"{level.percent_of_plan:+.0f}%",
            "—" if months is None else f"{months.value:.1f}",
            "—" if months is None else f"{months.contingency:+.1f}",
            "—" if months is None else f"{months.percent_of_plan:+.0f}%",
        )
    if cost is not None:
        p80 = cost.at(0.8)
        plan_months = f", {schedule.plan:.1f} months" if schedule is not None else ""
        table.caption = (
            f"plan: {_money(cost.plan)}{unit}{plan_months} (means over the trials). "
            f"With the plan's budget, an 80% chance of not overspending needs "
            f"{_money(p80.contingency)}{unit} of contingency ({p80.percent_of_plan:.0f}% of plan)."
        )
        table.caption_justify = "left"
    return table


def summary_tables(summary: Summary, title: str = "", currency: str = "") -> Group:
    """The summary as rich tables: verdicts, events, distributions, the cross-table, the
    disagreement between criteria and the risk register (if the scenario has one)."""
    n = summary.trials
    verdicts = Table(title=f"{title} — {n:,} trials".strip(" —"), title_justify="left")
    verdicts.add_column("failure criterion")
    verdicts.add_column("P(fail)", justify="right")
    verdicts.add_column(summary.interval_label, justify="right")
    for name, entry in summary.criteria.items():
        verdicts.add_row(name, _pct(entry.p), _interval(entry))
    for key, label in EVENTS.items():
        event = summary.events.get(key)
        if event is None:  # a summary.json written before the event existed
            continue
        verdicts.add_row(f"[dim]{label}[/dim]", _pct(event.p), _interval(event))

    spread = Table(title="distributions (mean and percentiles)", title_justify="left")
    spread.add_column("output")
    for label in ("mean", "P10", "P50", "P80", "P90"):
        spread.add_column(label, justify="right")
    unstable: list[str] = []
    for column in DISTRIBUTION_COLUMNS:
        figures = summary.distributions[column]
        label = column + (f" ({currency})" if column in MONEY_COLUMNS and currency else "")
        if figures.defined < 0.999:
            label += f" [dim]({_pct(figures.defined)} defined)[/dim]"
        cells = [_value(column, getattr(figures, k)) for k in ("mean", "p10", "p50", "p80", "p90")]
        if figures.mean_unstable:
            cells[0] += " †"
            unstable.append(unstable_mean_note(column, figures.tail_exponent))
        spread.add_row(label, *cells)
    if unstable:
        spread.caption = "† " + "; † ".join(unstable) + "."
        spread.caption_justify = "left"

    parts: list[Table] = [verdicts, spread]
    reserve = contingency_table(summary, currency)
    if reserve is not None:
        parts.append(reserve)
    cross = summary.crosstab
    if cross is not None:
        table = Table(
            title=f"who calls it a failure: {cross.rows} vs {cross.columns}",
            title_justify="left",
        )
        table.add_column("")
        table.add_column(f"{cross.columns}: ok", justify="right")
        table.add_column(f"{cross.columns}: fail", justify="right")
        for label, row in zip(("ok", "fail"), cross.counts, strict=True):
            table.add_row(f"{cross.rows}: {label}", *(_pct(c / n) for c in row))
        parts.append(table)
    if summary.disagreement:
        table = Table(
            title="stakeholders disagree (one says fail, the other not)", title_justify="left"
        )
        table.add_column("pair")
        table.add_column("share of projects", justify="right")
        table.add_column("95% interval", justify="right")
        for pair, entry in summary.disagreement.items():
            table.add_row(pair.replace("|", " vs "), _pct(entry.p), _interval(entry))
        parts.append(table)
    if summary.risks:
        parts.append(risk_table(summary, currency))
    return Group(*parts)


PIPED_WIDTH = 400
"""Columns of a console writing to a pipe or file: wide enough that no table is ever cut
(tables take only the width they need; a terminal keeps its own width and wraps)."""


def report_console(stderr: bool = False) -> Console:
    """A console for reports: the terminal's width, or :data:`PIPED_WIDTH` when piped.

    Rich cuts a table to the console's width (80 columns when it cannot ask a
    terminal), which would drop digits of numbers in a piped report."""
    console = Console(stderr=stderr)
    return console if console.is_terminal else Console(stderr=stderr, width=PIPED_WIDTH)


def print_summary(
    summary: Summary, title: str = "", currency: str = "", console: Console | None = None
) -> None:
    """Print the summary tables to the terminal."""
    (console or report_console()).print(summary_tables(summary, title, currency))
