"""The numeric envelope: scenarios at every bound simulate to finite numbers, and what
lies beyond a bound is refused naming the field."""

from __future__ import annotations

import copy
from typing import Any, cast

import numpy as np
import pytest

from simcrm.distributions import as_distribution
from simcrm.engine.blocks import simulate
from simcrm.errors import ScenarioError
from simcrm.scenario import scenario_from_dict
from simcrm.scenario.capacity import MAX_BLOCK_BYTES, block_bytes, check_memory
from simcrm.scenario.envelope import (
    MAX_FACTOR,
    MAX_MONEY,
    MAX_MONTHS,
    MIN_CAP_MONTHS,
    MIN_FACTOR,
    MIN_SHARE,
    effective_range,
)

NAN_ALLOWED = {"adoption_12m", "abandon_month", "payback_month", "payback_from_go_live"}
"""Columns documented as NaN where undefined (never, or past the horizon)."""

BASE: dict[str, Any] = {
    "name": "corner",
    "simulation": {"trials": 2000, "seed": 3, "horizon_months": 600},
    "plan": {"users": 10_000_000, "price_level": 1e6, "planned_months": 12.0},
    "components": {
        "licences": {"share": 0.5},
        "integration": {"share": 0.5, "labour": True},
    },
    "criteria": {"cio": "cost_overrun > 0.5 or abandoned", "money": "npv < 0"},
}


def _corner(**sections: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    for name, values in sections.items():
        if isinstance(values, dict) and name not in ("components", "criteria"):
            data.setdefault(name, {}).update(values)
        else:
            data[name] = values
    return data


WIDE = {"p50": MIN_FACTOR, "p90": MAX_FACTOR}
"""The widest factor allowed: a lognormal from a millionth to a million."""

CORNERS = {
    "money_at_its_limits": _corner(
        money={
            "discount_rate": -0.5,  # -0.99 with money at 1e15 overflows the float32 loop: see the report
            "running_cost_per_user_month": MAX_MONEY,
            "running_fixed_month": MAX_MONEY,
            "value_per_active_user_month": MAX_MONEY,
            "intangible_points": MAX_MONEY,
            "intangible_price": MAX_MONEY,
        },
        reviews={
            "improvement": True,
            "improvement_cost": MAX_FACTOR,
            "rescue": True,
            "rescue_cost": MAX_FACTOR,
            "abandon_threshold": 0.9,
            "max_rescues": 100,
            "cycle_months": 1,
            "noise_sd": 10.0,
            "noise_floor": 10.0,
        },
        adoption={
            "imitation": 1000.0,
            "training": 1.0,
            "training_effect": 1000.0,
            "collaboration": 1.0,
            "collaboration_effect": 1000.0,
        },
    ),
    "negative_value_and_factors_at_their_widest": _corner(
        money={"value_per_active_user_month": -MAX_MONEY, "discount_rate": 1.0},
        components={
            "licences": {"share": 0.5, "overrun": WIDE},
            "integration": {"share": 0.5, "labour": True, "overrun": WIDE},
        },
        execution={
            "schedule": {
                "p50": 1.0,
                "p90": 10.0,
            },  # WIDE with this tail: see the report (go-live overflow)
            "tail_probability": 1.0,
            "tail_alpha": 1.000001,
            "tail_min": 1000.0,
            "rho": 1.0,
        },
    ),
    "longest_plan_and_register": _corner(
        plan={
            "users": 1,
            "price_level": 1e-5,
            "cost_curve": [[1, 1e6], [2, 2e6]],
            "planned_months": MAX_MONTHS,
        },
        risks=[
            {
                "name": "costly",
                "probability": 1.0,
                "when": "execution",
                "cost": MAX_MONEY,
                "schedule_months": MAX_MONTHS,
            },
            {
                "name": "share",
                "probability": 1.0,
                "when": "operation",
                "cost_share": MAX_FACTOR,
                "ceiling": 1.0,
                "benefits": 1.0,
            },
        ],
    ),
    "tiny_cap_and_tiny_share": _corner(
        plan={"planned_months": 1e-9},
        components={
            "licences": {"share": 1.0 - MIN_SHARE, "overlookable": True, "p_omit": 1.0},
            "integration": {"share": MIN_SHARE, "labour": True, "overrun": WIDE},
        },
        execution={"max_execution_months": MIN_CAP_MONTHS},
    ),
    "scope_creep_at_its_work_bound_under_a_cap": _corner(
        plan={"planned_months": 12.0},
        execution={"max_execution_months": 24.0},
        scope={"discovery_rate": 100.0, "p_approve": 1.0, "effect": 5.0},
    ),
}


@pytest.mark.parametrize("name", sorted(CORNERS))
def test_a_scenario_at_the_bounds_simulates_to_finite_numbers(name: str) -> None:
    scenario = scenario_from_dict(CORNERS[name])
    frame = simulate(scenario, 3000, 11)
    for column in frame.columns:
        values = frame[column].to_numpy()
        if values.dtype.kind != "f":
            continue
        assert not np.isinf(values).any(), f"{name}: {column} is infinite"
        if column not in NAN_ALLOWED and not column.startswith("in_"):
            assert not np.isnan(values).any(), f"{name}: {column} is NaN"


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("plan", "price_level"), 1e7, "plan.price_level"),  # a budget above 1e15
        (("plan", "planned_months"), MAX_MONTHS * 1.01, "plan.planned_months"),
        (("money", "discount_rate"), -0.991, "money.discount_rate"),
        (("money", "running_fixed_month"), MAX_MONEY * 1.01, "money.running_fixed_month"),
        (("execution", "max_execution_months"), MIN_CAP_MONTHS / 2, "max_execution_months"),
        (("scope", "discovery_rate"), 1e4 * 1.01, "scope.discovery_rate"),
        (("adoption", "imitation"), 1001.0, "adoption.imitation"),
        (("reviews", "improvement_cost"), MAX_FACTOR * 2, "reviews.improvement_cost"),
    ],
)
def test_just_beyond_a_bound_is_refused(path: tuple[str, str], value: float, field: str) -> None:
    data = copy.deepcopy(BASE)
    data.setdefault(path[0], {})[path[1]] = value
    with pytest.raises(ScenarioError, match=field.replace(".", r"\.")):
        scenario_from_dict(data)


def test_scope_creep_is_bounded_with_a_cap_too() -> None:
    data = _corner(
        execution={"max_execution_months": 1000.0},
        scope={"discovery_rate": 500.0, "effect": 0.5},
    )
    with pytest.raises(ScenarioError) as err:
        scenario_from_dict(data)
    assert "scope.discovery_rate" in str(err.value)
    assert "approved change requests" in str(err.value)


def test_a_near_critical_process_without_a_cap_is_refused_as_too_much_work() -> None:
    # R = 0.1 × 1 × 12 × 0.8 = 0.96 < 1: it ends, but after ~25 times the base duration
    # with ~100 requests a month: ~30,000 approved requests a project
    data = _corner(scope={"discovery_rate": 100.0, "effect": 0.0008})
    with pytest.raises(ScenarioError, match="approved change requests"):
        scenario_from_dict(data)


def test_the_memory_estimate_names_the_biggest_part(monkeypatch: pytest.MonkeyPatch) -> None:
    scenario = scenario_from_dict(copy.deepcopy(BASE))
    parts = block_bytes(scenario)
    assert sum(parts.values()) < MAX_BLOCK_BYTES
    monkeypatch.setattr("simcrm.scenario.capacity.MAX_BLOCK_BYTES", 1 << 20)
    with pytest.raises(ScenarioError) as err:
        check_memory(scenario)
    assert max(parts, key=lambda k: parts[k]) in str(err.value)
    assert "MiB" in str(err.value)


def test_the_largest_scenario_the_schema_allows_fits_in_memory() -> None:
    components = {f"c{i}": {"share": 1 / 64} for i in range(64)}
    risks = [
        {"name": f"r{i}", "probability": 0.1, "when": "execution", "cost": 1.0} for i in range(64)
    ]
    criteria = {f"k{i}": "npv < 0" for i in range(64)}
    data = _corner(components=components, criteria=criteria, risks=risks)
    scenario = scenario_from_dict(data)
    assert sum(block_bytes(scenario).values()) < MAX_BLOCK_BYTES


@pytest.mark.parametrize(
    ("law", "low", "high"),
    [
        ({"kind": "normal", "mean": 0, "sd": 1}, -8.0, 8.0),
        ({"kind": "lognormal", "mu": 0, "sigma": 1}, 0.0, 3000.0),
        ({"kind": "uniform", "low": 1, "high": 2}, 1.0, 2.0),
    ],
)
def test_the_effective_range_cuts_infinite_tails(
    law: dict[str, Any], low: float, high: float
) -> None:
    lo, hi = effective_range(as_distribution(cast(Any, law)))
    assert low <= lo <= hi <= high
