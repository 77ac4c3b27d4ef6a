"""What the shipped scenarios' comments say they produce, they produce.

A comment that cites an input ("assumption", "Sultan et al. 1990") is not checked here; a
comment that states what the scenario *gives* — a share of projects paying back, a
median cost ratio, a failure rate — is a claim, and every claim is in :data:`CLAIMS`:
the scenario file it stands in, the words of the line that makes it (``anchor``), the
figure it states, the statistic that figure is, the value it states and the claim's own
precision. When a model change moves a figure, update the comment and this table
together (the expected values are all here, in one place).

How a claim is checked. Each scenario is simulated once, ``TRIALS`` = 500,000 trials at
the fixed seed ``SEED``, and the estimate must lie within ``tolerance + Z·SE`` of the
stated value:

- ``tolerance`` is the precision the comment itself states: half a unit of the last
  digit given ("~24%": ±0.5 point), or the half-width of a stated range ("47-56%":
  0.515 ± 0.045);
- ``SE`` is the standard error of the estimate at this size: ``sqrt(p(1 − p)/n)`` for a
  share, ``sd/sqrt(n)`` for a mean; a median is checked through its CDF (the stated
  range ``[a, b]`` holds the median iff ``F(a) ≤ ½ ≤ F(b)``, each share with its own SE);
- ``Z = 4``: two-sided 6e-5 per check, so with the ~25 checks here a failure at this
  fixed seed is a real change, not noise (family false-alarm rate below 0.2%). At 500,000
  trials a share near 25% has SE 0.06 point, so the comment's own rounding dominates.

A second test keeps the table complete: a comment line of a shipped scenario that uses
a phrase of the kind claims are made with ("aimed at", "gives", "produces", "calibrated
to" …) fails the suite unless a claim of the table is anchored on it.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

import simcrm
from simcrm.scenario.costcurve import planned_budget
from simcrm.scenario.schema import Scenario
from simcrm.stats.tails import hill_exponent
from tests.conftest import ROOT

SCENARIO_DIR = ROOT / "scenarios"
TRIALS = 500_000
SEED = 14
Z = 4.0

CLAIM_PHRASES = re.compile(
    r"\b(aimed at|aims? at|gives?|giving|produces?|calibrated|reproduces?|achieves?|yields?|"
    r"results? in|matches)\b",
    re.IGNORECASE,
)
"""Phrases that state what a scenario produces: a comment line using one needs a claim."""


@dataclass(frozen=True)
class Statistic:
    """A figure of a run: ``kind`` is ``share`` (of trials where ``values`` is true),
    ``mean`` or ``median`` (of ``values``), or ``exact`` (``values`` of the scenario)."""

    name: str
    kind: str
    values: Callable[..., object]


P_PAID_BACK_18M_FROM_GO_LIVE = Statistic(
    "P(payback_from_go_live <= 18)", "share", lambda f: f["payback_from_go_live"] <= 18
)
P_PAID_BACK_18M = Statistic("P(payback_month <= 18)", "share", lambda f: f["payback_month"] <= 18)
MEDIAN_COST_RATIO = Statistic(
    "median of actual_cost / planned_cost", "median", lambda f: f["actual_cost"] / f["planned_cost"]
)
GROWTH_PER_MONTH = Statistic(
    "mean of scope_growth / actual_months (growth per month of execution)",
    "mean",
    lambda f: f["scope_growth"] / f["actual_months"],
)
P_FAIL_EXPECTATIONS = Statistic("P(fail_expectations)", "share", lambda f: f["fail_expectations"])
P_FAILED = Statistic("P(fail_standish_failed)", "share", lambda f: f["fail_standish_failed"])
P_ADOPTION_ABOVE_90 = Statistic(
    "P(adoption_final > 0.9)", "share", lambda f: f["adoption_final"] > 0.9
)
COST_RATIO = lambda f: f["actual_cost"] / f["planned_cost"]  # noqa: E731
P_COST_OVER_50 = Statistic("P(cost ratio > 1.5)", "share", lambda f: COST_RATIO(f) > 1.5)
P_COST_RATIO_2 = Statistic("P(cost ratio > 2)", "share", lambda f: COST_RATIO(f) > 2.0)
TAIL_EXPONENT = Statistic("Hill exponent of the cost ratio above 2", "hill", COST_RATIO)
MEAN_SCHEDULE = Statistic("mean schedule_overrun", "mean", lambda f: f["schedule_overrun"])
P_LATE = Statistic("P(schedule_overrun > 0)", "share", lambda f: f["schedule_overrun"] > 0)
BUDGET = Statistic(
    "planned budget B",
    "exact",
    lambda s: float(planned_budget(s.plan.users, s.plan.curve_points(), s.plan.price_level)),
)


@dataclass(frozen=True)
class Claim:
    """One figure a scenario's comments state.

    ``file`` holds the words ``anchor`` (on the comment line that makes the claim) and
    ``figure`` (the figure as written, possibly over several lines); ``scenario`` is the
    scenario run to check it (default: the file's own). The claim holds when
    ``statistic`` is within ``tolerance + Z·SE`` of ``expected``.
    """

    file: str
    anchor: str
    figure: str
    statistic: Statistic
    expected: float
    tolerance: float
    scenario: str = ""

    @property
    def run(self) -> str:
        return self.scenario or self.file

    def id(self) -> str:
        return f"{self.file}: {self.figure}"


GROWTH = "aimed at ~1%/month growth"  # the discovery_rate line; "~1%": 0.5% to 1.5%
REFERENCE_CLASS = "aimed at the IT reference class"
SURVEY_FIGURES = "in fewer than 40% of firms) it gives"
BODY = "the baseline gives a median cost ratio ~1.07"
BLACK_SWANS = "the baseline gives ~11.5%"
POWER_LAW = "the baseline gives ~1.3"
SCHEDULE = "the baseline gives a mean of ~43%"
SURVEY_POPULATION = "across this population of firms it gives"
PAYBACK = "not calibrated to payback: it gives"

CLAIMS: tuple[Claim, ...] = (
    # payback: the value per active user is an assumption; what it gives (docs/model.md §5)
    Claim("baseline", PAYBACK, "~21% of projects paid back within 18 months of go-live",
          P_PAID_BACK_18M_FROM_GO_LIVE, 0.21, 0.005),
    Claim("baseline", PAYBACK, "~1% within 18 months of the start",
          P_PAID_BACK_18M, 0.01, 0.005),
    # cost overruns: the IT reference class (median cost ratio 1.0; "near": within 10%)
    Claim("baseline", REFERENCE_CLASS, "median cost ratio near 1.0", MEDIAN_COST_RATIO, 1.0, 0.1),
    # the baseline's fit to the reference class (scenarios/targets/it_reference_class.toml)
    Claim("baseline", BODY, "a median cost ratio ~1.07", MEDIAN_COST_RATIO, 1.07, 0.005),
    Claim("baseline", BODY, "~20% above +50%", P_COST_OVER_50, 0.20, 0.005),
    Claim("baseline", BLACK_SWANS, BLACK_SWANS, P_COST_RATIO_2, 0.115, 0.0005),
    Claim("baseline", POWER_LAW, POWER_LAW, TAIL_EXPONENT, 1.3, 0.05),
    Claim("baseline", SCHEDULE, "a mean of ~43%", MEAN_SCHEDULE, 0.43, 0.005),
    Claim("baseline", SCHEDULE, "~80% late", P_LATE, 0.80, 0.005),
    Claim("low_complexity", REFERENCE_CLASS, "median cost ratio near 1.0",
          MEDIAN_COST_RATIO, 1.0, 0.1),
    Claim("high_complexity", REFERENCE_CLASS, "cost ratio near 1.0",
          MEDIAN_COST_RATIO, 1.0, 0.1, scenario="baseline"),
    Claim("high_complexity", REFERENCE_CLASS, "its median cost ratio is ~1.2",
          MEDIAN_COST_RATIO, 1.2, 0.05),
    Claim("risk_register", REFERENCE_CLASS, "cost ratio near 1.0",
          MEDIAN_COST_RATIO, 1.0, 0.1, scenario="baseline"),
    Claim("risk_register", REFERENCE_CLASS, "the median cost ratio is ~1.2",
          MEDIAN_COST_RATIO, 1.2, 0.05),
    Claim("risk_register_unmitigated", REFERENCE_CLASS, "cost ratio near 1.0",
          MEDIAN_COST_RATIO, 1.0, 0.1, scenario="baseline"),
    Claim("risk_register_unmitigated", REFERENCE_CLASS, "the median cost ratio is ~1.2",
          MEDIAN_COST_RATIO, 1.2, 0.05),
    # scope creep: requirements grow ~1% a month (Capers Jones 1996)
    *(
        Claim(name, GROWTH, GROWTH, GROWTH_PER_MONTH, 0.01, 0.005)
        for name in (
            "baseline",
            "full_cycle",
            "half_cycle",
            "high_complexity",
            "low_complexity",
            "risk_register",
            "risk_register_unmitigated",
            "survey",
        )
    ),
    # the CRM survey figures (docs/reference.md): the half cycle is calibrated to them
    Claim("half_cycle", SURVEY_FIGURES, '"did not meet expectations" ~65%',
          P_FAIL_EXPECTATIONS, 0.65, 0.005),
    Claim("half_cycle", SURVEY_FIGURES, "failed or not adopted ~31%", P_FAILED, 0.31, 0.005),
    Claim("half_cycle", SURVEY_FIGURES, "adoption above 90% in ~23% of projects",
          P_ADOPTION_ABOVE_90, 0.23, 0.005),
    # ... and the survey population (the same project, firms differing)
    Claim("survey", SURVEY_POPULATION, '"did not meet expectations" ~60%',
          P_FAIL_EXPECTATIONS, 0.60, 0.005),
    Claim("survey", SURVEY_POPULATION, "failed or not adopted ~28%", P_FAILED, 0.28, 0.005),
    Claim("survey", SURVEY_POPULATION, "adoption above 90% in ~22% of firms",
          P_ADOPTION_ABOVE_90, 0.22, 0.005),
    # the register's risk sizes are fractions of this budget (closed form)
    *(
        Claim(name, "B = 527,050 CNY", "B = 527,050 CNY", BUDGET, 527_050.0, 0.5)
        for name in ("risk_register", "risk_register_unmitigated")
    ),
)  # fmt: skip
"""Every claim of the shipped scenarios' comments about what they produce."""


def _comments(name: str) -> list[str]:
    """The comment of each line of a scenario file ('' where there is none)."""
    out = []
    for line in (SCENARIO_DIR / f"{name}.toml").read_text().splitlines():
        # a '#' outside quotes starts the comment (scenario strings hold no '#')
        code, sep, comment = line.partition("#")
        out.append(comment if sep and code.count('"') % 2 == 0 else "")
    return out


def _text(name: str) -> str:
    """A scenario's comments as one line of single spaces (figures may wrap)."""
    return " ".join(" ".join(_comments(name)).split())


@functools.cache
def _scenario(name: str) -> Scenario:
    return simcrm.load_scenario(SCENARIO_DIR / f"{name}.toml")


COLUMNS = (
    "actual_cost",
    "planned_cost",
    "actual_months",
    "schedule_overrun",
    "scope_growth",
    "adoption_final",
    "payback_month",
    "payback_from_go_live",
    "fail_expectations",
    "fail_standish_failed",
)
"""The columns the statistics read (a run is kept only in these: 36 MB a scenario)."""


@functools.cache
def _frame(name: str) -> pd.DataFrame:
    frame = simcrm.simulate(_scenario(name), trials=TRIALS, seed=SEED)
    return frame[[c for c in COLUMNS if c in frame.columns]].copy()


def _shipped_scenarios() -> list[str]:
    """The scenario files of ``scenarios/`` (a portfolio file there is not a scenario)."""
    names = []
    for path in sorted(SCENARIO_DIR.glob("*.toml")):
        try:
            simcrm.load_scenario(path)
        except simcrm.ScenarioError:
            continue
        names.append(path.stem)
    return names


def _share_and_se(hit: np.ndarray) -> tuple[float, float]:
    p = float(np.mean(hit))
    return p, math.sqrt(max(p * (1 - p), 0.25 / hit.size) / hit.size)


def check(claim: Claim) -> tuple[bool, str]:
    """Whether the claim holds, and what was measured."""
    stat = claim.statistic
    low, high = claim.expected - claim.tolerance, claim.expected + claim.tolerance
    if stat.kind == "exact":
        value = float(stat.values(_scenario(claim.run)))  # type: ignore[arg-type]
        return low <= value <= high, f"{stat.name} = {value:.6g}"
    values = np.asarray(stat.values(_frame(claim.run)), dtype=np.float64)
    if stat.kind == "share":
        p, se = _share_and_se(values > 0)
        return abs(
            p - claim.expected
        ) <= claim.tolerance + Z * se, f"{stat.name} = {p:.4f} (SE {se:.4f})"
    values = values[~np.isnan(values)]
    if stat.kind == "hill":  # the Hill estimate above 2; its SE is exponent / sqrt(k)
        exponent, k = hill_exponent(values, 2.0)
        se = exponent / math.sqrt(k)
        ok = abs(exponent - claim.expected) <= claim.tolerance + Z * se
        return ok, f"{stat.name} = {exponent:.4g} (SE {se:.2g}, {k:,} trials above 2)"
    if stat.kind == "mean":
        mean = float(values.mean())
        se = float(values.std(ddof=1)) / math.sqrt(values.size)
        ok = abs(mean - claim.expected) <= claim.tolerance + Z * se
        return ok, f"{stat.name} = {mean:.5g} (SE {se:.2g})"
    assert stat.kind == "median", stat.kind
    below, se_below = _share_and_se(values <= low)
    upto, se_upto = _share_and_se(values <= high)
    ok = below <= 0.5 + Z * se_below and upto >= 0.5 - Z * se_upto
    median = float(np.median(values))
    return ok, f"{stat.name} = {median:.4g}: F({low:g}) = {below:.4f}, F({high:g}) = {upto:.4f}"


@pytest.mark.parametrize("claim", CLAIMS, ids=[c.id() for c in CLAIMS])
def test_a_scenario_produces_what_its_comments_claim(claim: Claim) -> None:
    text = _text(claim.file)
    for words in (claim.anchor, claim.figure):
        assert " ".join(words.split()) in text, (
            f"{claim.file}.toml no longer says {words!r}: update the comment and CLAIMS together"
        )
    ok, measured = check(claim)
    assert ok, (
        f"{claim.file}.toml claims {claim.figure!r} (expected {claim.expected:g} ± "
        f"{claim.tolerance:g} + {Z:g} SE); {claim.run}, {TRIALS:,} trials, seed {SEED}: {measured}"
    )


def test_every_claim_in_a_shipped_scenario_is_checked() -> None:
    anchors: dict[str, set[str]] = {}
    for claim in CLAIMS:
        anchors.setdefault(claim.file, set()).add(claim.anchor)
    unchecked = []
    names = _shipped_scenarios()
    assert {"baseline", "half_cycle", "survey"} <= set(names)
    for name in names:
        for number, comment in enumerate(_comments(name), 1):
            if CLAIM_PHRASES.search(comment) and not any(
                a in comment for a in anchors.get(name, ())
            ):
                unchecked.append(f"{name}.toml:{number}:{comment}")
    assert not unchecked, (
        "comment lines that say what a scenario produces, with no claim in "
        "tests/slow/test_scenario_claims.py CLAIMS to check it:\n" + "\n".join(unchecked)
    )


def test_the_phrase_guard_catches_claims() -> None:
    for line in ("aimed at ~50% paying back", "it gives 24%", "calibrated to the survey"):
        assert CLAIM_PHRASES.search(line)
    assert not CLAIM_PHRASES.search("assumption (Sultan, Farley & Lehmann 1990)")
