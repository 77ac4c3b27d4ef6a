"""The plain-language headline of a run and the number formats of the HTML report.

A run's headline says, from its ``summary.json``, what a CFO asks first: the
contingency an 80% chance of not overspending needs, how often two stakeholders disagree
on the same project, and each criterion's P(fail) with its 95% interval. The contingency
comes from the summary's ``"contingency"`` section when it has one; older summaries are
read from their ``"distributions"`` (P80 of ``actual_cost`` over the mean of
``planned_cost``) and, when a figure is missing, the sentence is left out and the
headline says which figure it lacks.

Formats: probabilities in percent with one decimal (``49.4%``), money with thousands
separators and the run's currency (``1,234,567 CNY``), months with one decimal.
"""

from __future__ import annotations

import math
from typing import Any, TypeGuard

CONTINGENCY_LEVEL = 0.8
"""The confidence of the headline's contingency: an 80% chance of not overspending."""
COLUMNS = {
    "cost": ("planned_cost", "actual_cost"),
    "schedule": ("planned_months", "actual_months"),
}
"""Per contingency kind: the plan's column and the outcome's column of a run."""
PERCENTILE_KEYS = {0.1: "p10", 0.5: "p50", 0.8: "p80", 0.9: "p90"}
"""Levels a summary's ``distributions`` hold, by the key that holds them."""
SPEAKERS = {"cio": "the CIO", "cfo": "the CFO", "it": "IT", "financial": "finance"}
"""How a criterion's stakeholder is named in a sentence (others: their name)."""


def is_number(x: object) -> TypeGuard[float]:
    """Whether ``x`` is a finite number (JSON's null and NaN are not)."""
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def percent(p: Any, digits: int = 1) -> str:
    """A probability in percent: ``0.4936`` → ``49.4%`` (``—`` when not a number).

    A share too small to show with ``digits`` decimals but not 0 keeps two significant
    digits (``0.00019`` → ``0.019%``), so a rare event never reads as impossible.
    """
    if not is_number(p):
        return "—"
    if p != 0 and abs(100 * p) < 10**-digits:
        return f"{100 * p:.2g}%"
    return f"{100 * p:.{digits}f}%"


def points(d: Any) -> str:
    """A difference of probabilities in percentage points: ``-0.219`` → ``-21.9 pts``."""
    return f"{100 * d:+.1f} pts" if is_number(d) else "—"


def money(x: Any, currency: str = "", signed: bool = False) -> str:
    """Money with thousands separators and the currency: ``1234567.8`` → ``1,234,568 CNY``."""
    if not is_number(x):
        return "—"
    text = f"{x:+,.0f}" if signed else f"{x:,.0f}"
    return f"{text} {currency}" if currency else text


def months(x: Any, signed: bool = False) -> str:
    """A duration: ``2.34`` → ``2.3 months``."""
    if not is_number(x):
        return "—"
    return f"{x:+.1f} months" if signed else f"{x:.1f} months"


def count(n: Any) -> str:
    """A count with thousands separators."""
    return f"{int(n):,}" if is_number(n) else "—"


def interval(ci: Any, fmt: Any = percent) -> str:
    """A 95% interval as ``[48.7%, 50.1%]`` in the format ``fmt``."""
    if not isinstance(ci, list | tuple) or len(ci) != 2:
        return "—"
    return f"[{fmt(ci[0])}, {fmt(ci[1])}]"


def speaker(criterion: str) -> str:
    """A criterion's stakeholder as named in a sentence: ``cio`` → ``the CIO``."""
    return SPEAKERS.get(criterion, criterion.replace("_", " "))


def contingency_figures(
    summary: dict[str, Any], kind: str = "cost", level: float = CONTINGENCY_LEVEL
) -> dict[str, Any]:
    """The plan, the outcome at ``level`` and the contingency it needs, from a summary.

    Parameters
    ----------
    summary
        The content of ``summary.json``.
    kind
        ``"cost"`` or ``"schedule"``.
    level
        The chance of not overrunning, e.g. 0.8.

    Returns
    -------
    dict
        Either ``{"kind", "level", "plan", "value", "contingency", "percent_of_plan",
        "source"}`` (``source``: ``"contingency"`` or ``"distributions"``, the part of
        the summary the figures come from), or ``{"kind", "level", "missing"}`` where
        ``missing`` says in words which figure the summary lacks.
    """
    plan_column, outcome_column = COLUMNS[kind]
    section = summary.get("contingency")
    if isinstance(section, dict) and isinstance(section.get(kind), dict):
        entry = section[kind]
        plan = entry.get("plan")
        for row in entry.get("levels") or []:
            if (
                isinstance(row, dict)
                and is_number(row.get("level"))
                and math.isclose(row["level"], level)
            ):
                value = row.get("value")
                if is_number(plan) and is_number(value):
                    return _figures(kind, level, float(plan), float(value), "contingency", row)
        missing = f'no P{100 * level:g} in its "contingency" → "{kind}" section'
        if not is_number(plan):
            missing = f'no plan in its "contingency" → "{kind}" section'
        return {"kind": kind, "level": level, "missing": missing}
    distributions = summary.get("distributions")
    distributions = distributions if isinstance(distributions, dict) else {}
    key = PERCENTILE_KEYS.get(round(level, 6))
    outcome = distributions.get(outcome_column)
    planned = distributions.get(plan_column)
    none = (
        f'no "{kind}" in its "contingency" section'
        if isinstance(section, dict)
        else 'no "contingency" section'
    )
    if key is None or not isinstance(outcome, dict) or not is_number(outcome.get(key)):
        missing = f"{none}, and its distributions have no P{100 * level:g} of {outcome_column}"
        return {"kind": kind, "level": level, "missing": missing}
    if not isinstance(planned, dict) or not is_number(planned.get("mean")):
        missing = f"{none}, and its distributions have no {plan_column} (the plan's mean)"
        return {"kind": kind, "level": level, "missing": missing}
    return _figures(kind, level, planned["mean"], outcome[key], "distributions", {})


def _figures(
    kind: str, level: float, plan: float, value: float, source: str, row: dict[str, Any]
) -> dict[str, Any]:
    """The contingency figures, the summary's own where it states them."""
    given = row.get("contingency")
    contingency = float(given) if is_number(given) else value - plan
    given = row.get("percent_of_plan")
    share = float(given) if is_number(given) else 100 * contingency / plan if plan else math.nan
    return {
        "kind": kind,
        "level": level,
        "plan": plan,
        "value": value,
        "contingency": contingency,
        "percent_of_plan": share,
        "source": source,
    }


def contingency_sentence(figures: dict[str, Any], currency: str = "") -> str:
    """The contingency as one sentence, or why it is left out.

    ``"With a budget of 600,000 CNY, an 80% chance of not overspending needs 173,397 CNY
    contingency (28.9% of plan)."``
    """
    kind, level = figures["kind"], percent(figures["level"], 0)
    label = f"P{100 * figures['level']:g}"
    chance = f"{'an' if level.startswith(('8', '11', '18')) else 'a'} {level} chance"
    if "missing" in figures:
        return f"The {kind} contingency is left out: summary.json has {figures['missing']}."
    fmt = (lambda x: money(x, currency)) if kind == "cost" else months
    share = figures["percent_of_plan"]
    share_text = f"{share:.1f}% of plan" if is_number(share) else "plan is 0"
    if kind == "cost":
        start = f"With a budget of {fmt(figures['plan'])}, {chance} of not overspending"
    else:
        start = f"With a plan of {fmt(figures['plan'])}, {chance} of finishing on time"
    if figures["contingency"] <= 0:
        return (
            f"{start} needs no contingency: the {label} outcome, "
            f"{fmt(figures['value'])}, is within the plan ({share_text})."
        )
    return f"{start} needs {fmt(figures['contingency'])} contingency ({share_text})."


def disagreement_figures(summary: dict[str, Any]) -> dict[str, Any] | None:
    """The share of projects two stakeholders judge differently, or None.

    The pair is the summary's cross-table's (the scenario's ``[report] crosstab``), else
    ``cio`` and ``marketing`` when both are criteria. The share and its interval come
    from ``disagreement``; from the cross-table's counts (no interval) when it lacks them.
    """
    cross = summary.get("crosstab")
    disagreement = summary.get("disagreement")
    disagreement = disagreement if isinstance(disagreement, dict) else {}
    if isinstance(cross, dict) and "rows" in cross and "columns" in cross:
        a, b = str(cross["rows"]), str(cross["columns"])
    elif "cio|marketing" in disagreement:
        a, b = "cio", "marketing"
    else:
        return None
    for key in (f"{a}|{b}", f"{b}|{a}"):
        entry = disagreement.get(key)
        if isinstance(entry, dict) and is_number(entry.get("p")):
            return {"a": a, "b": b, "p": entry["p"], "ci95": entry.get("ci95")}
    try:
        counts: list[list[int]] = cross["counts"]  # type: ignore[index]
        (_, a_only), (b_only, _) = counts
        total = sum(sum(row) for row in counts)
        return {"a": a, "b": b, "p": (a_only + b_only) / total, "ci95": None}
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None


def disagreement_sentence(figures: dict[str, Any]) -> str:
    """``"The CIO and marketing disagree on 28.6% of projects (95% interval 28.0% to
    29.3%): one calls the project a failure, the other does not."``"""
    who = f"{speaker(figures['a'])} and {speaker(figures['b'])}"
    ci = figures.get("ci95")
    within = f" (95% interval {percent(ci[0])} to {percent(ci[1])})" if ci else ""
    return (
        f"{who[0].upper()}{who[1:]} disagree on {percent(figures['p'])} of projects{within}: "
        "one calls the project a failure, the other does not."
    )


def headline(summary: dict[str, Any], currency: str = "") -> dict[str, Any]:
    """The headline of a run as plain data for the report template.

    Returns
    -------
    dict
        ``sentences`` (the contingency and disagreement sentences, in order),
        ``contingency`` (the cost and schedule figures, :func:`contingency_figures`),
        ``disagreement`` (:func:`disagreement_figures` or None) and ``criteria`` (per
        criterion: ``name``, ``p``, ``ci95`` and their text ``p_text``, ``ci_text``).
    """
    cost = contingency_figures(summary, "cost")
    schedule = contingency_figures(summary, "schedule")
    sentences = [contingency_sentence(cost, currency)]
    if "missing" not in schedule or isinstance(summary.get("contingency"), dict):
        sentences.append(contingency_sentence(schedule, currency))
    disagreement = disagreement_figures(summary)
    if disagreement is not None:
        sentences.append(disagreement_sentence(disagreement))
    criteria = []
    for name, entry in (summary.get("criteria") or {}).items():
        ci = entry.get("ci95") or [None, None]
        criteria.append(
            {
                "name": name,
                "p": entry.get("p"),
                "ci95": ci,
                "p_text": percent(entry.get("p")),
                "ci_text": f"{percent(ci[0])} to {percent(ci[1])}",
            }
        )
    return {
        "sentences": sentences,
        "contingency": {"cost": cost, "schedule": schedule},
        "disagreement": disagreement,
        "criteria": criteria,
    }
