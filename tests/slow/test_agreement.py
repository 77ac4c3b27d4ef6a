"""The vectorised core and the simpy reference model agree in distribution.

The two models share no random numbers, so agreement is statistical. For each scenario
both are run with fixed seeds and every output column is compared:

- every boolean column (``abandoned``, ``rescued``, each ``fail_<criterion>`` and
  ``risk_<name>``) and the NaN share of every column that can be NaN: a two-proportion z-test (pooled);
- every numeric column, on its defined (non-NaN) values: a two-sample Kolmogorov–Smirnov
  test (any difference in shape) and a Mann–Whitney rank-sum test (a shift in location;
  rank-based, so it stays valid on the Pareto-tailed cost columns, whose variance is
  infinite). On discrete columns (``change_requests``, ``improvements``,
  ``payback_month``, ``payback_from_go_live``, ``abandon_month``) and columns with atoms
  (0, the cap) the KS test is conservative, which only lowers its false-alarm rate;
- whether use fell (docs/model.md §3, rejection): the share of live trials (never
  abandoned, 12 months of use within the horizon) whose ``adoption_final`` ends below
  their ``adoption_12m``, by a two-proportion z-test. The ``strong_rejection`` case makes
  the fall common (most projects' users reject the system, fast, from month 3; rescues
  end it), so the distributions of ``adoption_12m`` and ``adoption_final`` and this
  share are compared where the mechanism dominates; the shipped scenarios reject mildly.

Sample sizes and power. The vectorised model is cheap, the reference is not: on one
idle core it runs ~1,450 trials a second on the baseline, ~300 in the runaway scenario
(~350 change requests per project) and ~600 with a population (a scenario copy per
trial). So the reference gets ``n`` trials (on two processes) and the vectorised model
``10 n``: the comparison behaves like ``n_eff = 10n·n / 11n = 0.91 n`` per side. Each
scenario's family error rate is 0.001, Bonferroni-split over its T ≈ 45–55 tests: each
test runs at α ≈ 2e-5 (two-sided z* = 4.27), so a failure at these fixed seeds is a real
disagreement, not noise.

With ``n = 20,000`` (baseline, half cycle, full cycle, high complexity; ``n_eff =
18,200``):

- a proportion near 0.5: SE of the difference ``sqrt(0.25 / n_eff) = 0.0037``, so a
  2-point shift is 5.4 SE, caught with power Φ(5.4 − 4.27) ≈ 0.87 (3 points: 8.1 SE,
  power ≈ 1); near 0.1 or 0.9 the SE is 0.0022 and a 2-point shift is 9.0 SE (power ≈ 1);
- a shift of 0.05 SD in a normal-shaped column moves the Mann–Whitney AUC by
  ``Φ(0.05/√2) − 0.5 = 0.0141`` against a null SE of ``sqrt(1 / (12 n_eff)) = 0.0021``:
  6.6 SE, power ≈ 0.99. The KS statistic moves by ``0.05 φ(0) = 0.020`` against a
  critical value of ``sqrt(−ln(α/2) / 2) / sqrt(n_eff) = 2.40 / 135 = 0.018``: the KS
  test alone would catch it only about half the time, hence the rank test.

With ``n = 10,000`` (runaway, population, uncertain inputs, risk register, strong
rejection; ``n_eff = 9,100``) the detectable shifts
are larger: near 0.5 a 2-point shift is 3.8 SE (power ≈ 0.33) and a 3-point shift 5.7
SE (power ≈ 0.93); near 0.1 or 0.9 (most runaway proportions: 95% of its projects are
cut at the cap) a 2-point shift is 6.4 SE (power ≈ 0.98); a 0.05 SD shift is 4.7 SE of
the rank test (power ≈ 0.65) and a 0.07 SD shift 6.5 SE (power ≈ 0.99).

What agreement cannot see: a systematic error far below 0.05 SD, such as counting every
flow half a month early (a 0.3% change in present values). The deterministic checks of
``tests/test_closed_form.py`` pin those to 1e-9.

Runtime on this 2-core machine: 2 min 29 s measured while other jobs shared it (load
average 3–5); the reference needs ~110 core-seconds, so about 1¼ min on idle cores.
"""

from __future__ import annotations

import copy
import math
import tomllib
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import simcrm
from simcrm.reference import simulate_reference
from simcrm.scenario.load import load_scenario, parse_scenario, scenario_from_dict
from simcrm.scenario.schema import Scenario
from tests.conftest import ROOT

SCENARIO_DIR = ROOT / "scenarios"

FAMILY_ALPHA = 0.001
N_REFERENCE = 20_000
N_REFERENCE_SMALL = 10_000
VECTORISED_FACTOR = 10
WORKERS = 2
SEED_VECTORISED = 20_261_122
SEED_REFERENCE = 4_242_424

BOOLEAN = ("abandoned", "rescued")
MAY_BE_NAN = ("adoption_12m", "abandon_month", "payback_month", "payback_from_go_live")


def _baseline_dict() -> dict[str, Any]:
    with (SCENARIO_DIR / "baseline.toml").open("rb") as f:
        return tomllib.load(f)


def _variant(name: str, changes: dict[tuple[str, str], Any]) -> Scenario:
    """Baseline with ``{(section, key): value}`` changed, under a new name."""
    data = copy.deepcopy(_baseline_dict())
    data["name"] = name
    for (section, key), value in changes.items():
        data[section][key] = value
    return scenario_from_dict(data)


def _shipped_or(name: str, changes: dict[tuple[str, str], Any]) -> Scenario:
    """The shipped scenario file ``name.toml`` if there is one, else a baseline variant."""
    path = SCENARIO_DIR / f"{name}.toml"
    return load_scenario(path) if path.exists() else _variant(name, changes)


def _runaway() -> Scenario:
    """Baseline with so much requirement discovery that the process is supercritical.

    λ = 12 (1 − 0.6·0.3) + 0.08·3·0.7 = 10 requests a month; with p_approve 0.6 and
    E[e] = 0.0187, R = λ p T0 E[e] = 0.112 T0 ≈ 1.2 at the mean T0 and 2.0 at the
    largest: execution runs away and most projects are cut at 36 months.
    """
    return _variant(
        "runaway",
        {("scope", "discovery_rate"): 12.0, ("execution", "max_execution_months"): 36.0},
    )


POPULATION = """
[population.heterogeneity]
"plan.planning_quality" = { kind = "beta", a = 1.5, b = 3 }
"components.integration.overrun.p90" = { kind = "uniform", low = 1.2, high = 2.5 }
[population.epistemic]
"scope.discovery_rate" = { kind = "lognormal", p50 = 0.6, p90 = 1.2 }
"adoption.training" = { kind = "uniform", low = 0.0, high = 1.0 }
"""


def _with_population() -> Scenario:
    """Baseline with per-project planning quality, overrun spread, request rate, training."""
    return parse_scenario((SCENARIO_DIR / "baseline.toml").read_text() + POPULATION)


def _uncertain_inputs() -> Scenario:
    """Full cycle with inputs of every form: a PERT overrun, a triangular schedule factor,
    improvement and rescue settings drawn per project, and rank correlations between a
    factor and the schedule, the duration and the ceiling, a review setting and a factor."""
    with (SCENARIO_DIR / "full_cycle.toml").open("rb") as f:
        data = tomllib.load(f)
    data["name"] = "uncertain_inputs"
    data["components"]["integration"]["overrun"] = {
        "kind": "pert", "low": 0.6, "mode": 0.9, "high": 3.0
    }  # fmt: skip
    data["execution"]["schedule"] = {"kind": "triangular", "low": 0.8, "mode": 1.0, "high": 2.0}
    data["reviews"]["improvement_uplift"] = {"kind": "uniform", "low": 0.1, "high": 0.5}
    data["reviews"]["rescue_success"] = {"kind": "beta", "a": 2.0, "b": 2.0}
    data["correlations"] = {
        "pairs": [
            {"a": "components.integration.overrun", "b": "execution.schedule", "rank": 0.7},
            {"a": "plan.planned_months", "b": "adoption.ceiling", "rank": -0.4},
            {"a": "reviews.improvement_uplift", "b": "components.business.overrun", "rank": 0.3},
        ]
    }
    return scenario_from_dict(data)


def _risk_register() -> Scenario:
    """Baseline with a register of every kind: an execution cost (mitigated: lower
    probability, smaller impact, a fee), an execution cost share with a delay long enough
    to push some projects past the 36-month cap, an operation ceiling and benefits cut, and
    an operation cost at go-live with a benefits cut drawn per trial; two risks' occurrences
    are rank-correlated with each other and one with the integration overrun."""
    data = copy.deepcopy(_baseline_dict())
    data["name"] = "risk_register_agreement"
    data["risks"] = [
        {
            "name": "licences",
            "probability": 0.3,
            "when": "execution",
            "cost": {"kind": "pert", "low": 20_000, "mode": 50_000, "high": 150_000},
            "mitigation": {"cost": 5_000, "probability": 0.2, "impact_factor": 0.8},
        },
        {
            "name": "integration",
            "probability": 0.25,
            "when": "execution",
            "cost_share": {"kind": "triangular", "low": 0.02, "mode": 0.05, "high": 0.2},
            "schedule_months": {"kind": "triangular", "low": 2, "mode": 6, "high": 14},
        },
        {
            "name": "rejection",
            "probability": 0.3,
            "when": "operation",
            "ceiling": {"kind": "uniform", "low": 0.1, "high": 0.4},
            "benefits": 0.15,
        },
        {
            "name": "performance",
            "probability": 0.2,
            "when": "operation",
            "cost": {"kind": "pert", "low": 15_000, "mode": 30_000, "high": 80_000},
            "benefits": {"kind": "uniform", "low": 0.02, "high": 0.1},
        },
    ]
    data["correlations"] = {
        "pairs": [
            {"a": "risks.integration", "b": "risks.rejection", "rank": 0.5},
            {"a": "risks.licences", "b": "components.integration.overrun", "rank": 0.4},
        ]
    }
    return scenario_from_dict(data)


def _strong_rejection() -> Scenario:
    """Baseline where most projects' users turn against the system, fast and early: use
    falls in ~60% of projects from the third month after go-live; rescue is on (a rescue
    ends the rejection; the full cycle's improvement rounds end it too)."""
    data = copy.deepcopy(_baseline_dict())
    data["name"] = "strong_rejection"
    data["adoption"]["rejection_probability"] = 0.6
    data["adoption"]["rejection_rate"] = {"kind": "uniform", "low": 0.03, "high": 0.12}
    data["adoption"]["rejection_onset_months"] = 2
    data["reviews"]["rescue"] = True
    return scenario_from_dict(data)


CASES: dict[str, tuple[Callable[[], Scenario], int]] = {
    "baseline": (lambda: load_scenario(SCENARIO_DIR / "baseline.toml"), N_REFERENCE),
    "half_cycle": (
        lambda: _shipped_or(
            "half_cycle",
            {
                ("plan", "planning_quality"): 0.0,
                ("reviews", "improvement"): False,
                ("reviews", "rescue"): False,
            },
        ),
        N_REFERENCE,
    ),
    "full_cycle": (
        lambda: _shipped_or(
            "full_cycle",
            {
                ("plan", "planning_quality"): 0.8,
                ("reviews", "improvement"): True,
                ("reviews", "rescue"): True,
            },
        ),
        N_REFERENCE,
    ),
    "high_complexity": (lambda: load_scenario(SCENARIO_DIR / "high_complexity.toml"), N_REFERENCE),
    "runaway": (_runaway, N_REFERENCE_SMALL),
    "population": (_with_population, N_REFERENCE_SMALL),
    "uncertain_inputs": (_uncertain_inputs, N_REFERENCE_SMALL),
    "risk_register": (_risk_register, N_REFERENCE_SMALL),
    "strong_rejection": (_strong_rejection, N_REFERENCE_SMALL),
}


def two_proportion_p(x: np.ndarray, y: np.ndarray) -> float:
    """Two-sided p-value of the pooled two-proportion z-test of boolean samples."""
    n1, n2 = len(x), len(y)
    p1, p2 = float(np.mean(x)), float(np.mean(y))
    pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
    if pooled in (0.0, 1.0):
        return 1.0  # both samples all False (or all True): identical
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return float(2 * stats.norm.sf(abs(p1 - p2) / se))


def fell(frame: pd.DataFrame) -> np.ndarray:
    """Of the live trials (never abandoned, 12 months of use within the horizon): whether
    use ended below its 12-month level (by more than the float32 loop's rounding)."""
    live = ~frame["abandoned"].to_numpy() & frame["adoption_12m"].notna().to_numpy()
    final, at_12 = frame["adoption_final"].to_numpy()[live], frame["adoption_12m"].to_numpy()[live]
    return np.asarray(final < at_12 - 1e-5)


def compare(vec: pd.DataFrame, ref: pd.DataFrame) -> list[tuple[str, str, float, str]]:
    """Every test of one scenario: ``(column, test, p-value, what was compared)``."""
    x, y = fell(vec), fell(ref)
    share = f"{x.mean():.4f} vs {y.mean():.4f} of live trials"
    results = [("use fell after 12 months", "proportion", two_proportion_p(x, y), share)]
    for name in vec.columns:
        if name == "trial":
            continue
        x, y = vec[name].to_numpy(), ref[name].to_numpy()
        if name in BOOLEAN or name.startswith(("fail_", "risk_")):
            results.append(
                (name, "proportion", two_proportion_p(x, y), f"{x.mean():.4f} vs {y.mean():.4f}")
            )
            continue
        if name in MAY_BE_NAN:
            nx, ny = np.isnan(x), np.isnan(y)
            results.append(
                (name, "NaN share", two_proportion_p(nx, ny), f"{nx.mean():.4f} vs {ny.mean():.4f}")
            )
            x, y = x[~nx], y[~ny]
        if min(len(x), len(y)) < 20:
            continue  # (almost) never defined: the NaN share said it all
        if np.all(x == x[0]) and np.all(y == x[0]):
            continue  # one constant value in both
        means = f"mean {x.mean():.6g} vs {y.mean():.6g}"
        results.append((name, "KS", float(stats.ks_2samp(x, y).pvalue), means))
        mw = stats.mannwhitneyu(x, y, method="asymptotic")
        results.append((name, "Mann-Whitney", float(mw.pvalue), means))
    return results


@pytest.mark.slow
@pytest.mark.parametrize("case", list(CASES))
def test_vectorised_and_reference_models_agree(case: str) -> None:
    make, n = CASES[case]
    scenario = make()
    vec = simcrm.simulate(scenario, trials=VECTORISED_FACTOR * n, seed=SEED_VECTORISED)
    ref = simulate_reference(scenario, n, SEED_REFERENCE, workers=WORKERS)

    assert list(ref.columns) == list(vec.columns)
    assert ref.dtypes.to_dict() == vec.dtypes.to_dict()
    np.testing.assert_array_equal(ref["trial"].to_numpy(), np.arange(n))

    results = compare(vec, ref)
    level = FAMILY_ALPHA / len(results)  # Bonferroni over the scenario's tests
    failed = [r for r in results if r[2] < level]
    report = "\n".join(f"  {c:26} {t:12} p={p:.3g}  {d}" for c, t, p, d in failed)
    assert not failed, f"{case}: {len(failed)} of {len(results)} tests below {level:.2g}:\n{report}"


@pytest.mark.slow
def test_runaway_scenario_is_supercritical_and_mostly_cut_at_the_cap() -> None:
    scenario = _runaway()
    assert scenario.offspring_mean() > 1
    for frame in (
        simcrm.simulate(scenario, trials=20_000, seed=SEED_VECTORISED),
        simulate_reference(scenario, 1_000, SEED_REFERENCE),
    ):
        cut = frame[frame["abandoned"] & (frame["actual_months"] == 36.0)]
        assert len(cut) > 0.9 * len(frame)
        # cut during execution: never live, so no adoption, benefit or payback
        assert (cut["abandon_month"] == 36.0).all()
        assert (cut["schedule_overrun"] == 36.0 / cut["planned_months"] - 1).all()
        assert (cut["pv_benefits"] == 0).all()
        assert (cut["adoption_final"] == 0).all()
        assert cut["payback_month"].isna().all()
        assert cut["payback_from_go_live"].isna().all()


def test_reference_results_do_not_depend_on_the_number_of_workers() -> None:
    scenario = _with_population()
    one = simulate_reference(scenario, 300, SEED_REFERENCE)
    two = simulate_reference(scenario, 300, SEED_REFERENCE, workers=2)
    pd.testing.assert_frame_equal(one, two)
    head = simulate_reference(scenario, 100, SEED_REFERENCE)  # trial t's draws are its own
    pd.testing.assert_frame_equal(head, one.iloc[:100])
