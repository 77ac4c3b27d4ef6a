"""Sensitivity part of ``make bench``: Sobol' indices of 20 inputs with 2 Dask workers.

The baseline has 10 uncertain inputs; the variant built here (:func:`variant`) also
gives distributions to ``adoption.innovation``/``imitation``, the running costs,
``money.intangible_points`` and the five ``reviews`` improvement/rescue numbers: 20
inputs, the baseline's model otherwise. Measured: the wall time of
:func:`simcrm.analyses.sensitivity.variance.sobol` (simulation and bootstrap), the time
of its runs alone (``run_jobs``), and the same number of trials as one plain engine run
on the same cluster, and in this process by :func:`simcrm.simulate` (one core).
"""

from __future__ import annotations

import time
import tomllib
from pathlib import Path
from typing import Any

import simcrm
from simcrm.analyses.sensitivity import variance
from simcrm.analyses.sensitivity.inputs import uncertain_inputs
from simcrm.engine.blocks import Job
from simcrm.engine.executors import InProcess, local_cluster
from simcrm.engine.mapping import collect_columns
from simcrm.scenario.load import scenario_from_dict
from simcrm.scenario.schema import Scenario

EXTRA = {
    ("adoption", "innovation"): {"kind": "uniform", "low": 0.02, "high": 0.04},
    ("adoption", "imitation"): {"kind": "uniform", "low": 0.3, "high": 0.46},
    ("money", "running_cost_per_user_month"): {"kind": "uniform", "low": 3.0, "high": 5.0},
    ("money", "running_fixed_month"): {"kind": "uniform", "low": 2_000, "high": 4_000},
    ("money", "intangible_points"): {"kind": "uniform", "low": 50, "high": 150},
    ("reviews", "improvement_cost"): {"kind": "uniform", "low": 0.02, "high": 0.06},
    ("reviews", "improvement_uplift"): {"kind": "uniform", "low": 0.1, "high": 0.2},
    ("reviews", "rescue_cost"): {"kind": "uniform", "low": 0.1, "high": 0.2},
    ("reviews", "rescue_success"): {"kind": "uniform", "low": 0.3, "high": 0.7},
    ("reviews", "rescue_uplift"): {"kind": "uniform", "low": 0.3, "high": 0.7},
}


def variant(path: Path) -> Scenario:
    """The baseline with distributions on 10 more fields (20 uncertain inputs)."""
    data: dict[str, Any] = tomllib.loads(path.read_text())
    for (section, field), dist in EXTRA.items():
        data[section][field] = dist
    data["name"] = "baseline_20_inputs"
    return scenario_from_dict(data)


def measure(path: Path, rows: int, seed: int, workers: int = 2) -> dict[str, Any]:
    """Sobol' of the 20-input variant at ``rows`` on ``workers`` local Dask workers."""
    scenario = variant(path)
    d = len(uncertain_inputs(scenario))
    spent: list[float] = []
    original = variance.run_jobs

    def timed_run_jobs(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent.append(time.perf_counter() - start)

    with local_cluster(workers) as executor:
        variance.run_jobs = timed_run_jobs
        try:
            start = time.perf_counter()
            result = variance.sobol(scenario, trials=rows, seed=seed, executor=executor)
            total = time.perf_counter() - start
        finally:
            variance.run_jobs = original
        trials = result.runs * rows
        start = time.perf_counter()
        collect_columns(Job(scenario, seed, trials), executor)
        plain = time.perf_counter() - start
    start = time.perf_counter()
    simcrm.simulate(scenario, trials=trials, seed=seed)
    one_core = time.perf_counter() - start
    evaluation = sum(spent)
    local = in_process_overhead(scenario, min(rows, IN_PROCESS_ROWS), seed)
    return {
        "scenario": "baseline + distributions on " + ", ".join(".".join(k) for k in EXTRA),
        "inputs": d,
        "rows": rows,
        "runs": result.runs,
        "trials": trials,
        "workers": workers,
        "sobol_seconds": round(total, 2),
        "evaluation_seconds": round(evaluation, 2),
        "bootstrap_and_rest_seconds": round(total - evaluation, 2),
        "evaluation_trials_per_s": round(trials / evaluation),
        "plain_engine_trials_per_s": round(trials / plain),
        "simulate_one_core_trials_per_s": round(trials / one_core),
        "overhead_ratio": round((trials / plain) / (trials / evaluation), 3),
        **local,
    }


IN_PROCESS_ROWS = 2**14
"""Rows of the one-process overhead measurement (26 runs of them: 426,000 trials)."""


def in_process_overhead(scenario: Scenario, rows: int, seed: int) -> dict[str, Any]:
    """The overrides' own cost: the Sobol' runs against a plain run of the same trials,
    both in this process (no cluster, so no shipping of the held values)."""
    spent: list[float] = []
    original = variance.run_jobs

    def timed_run_jobs(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent.append(time.perf_counter() - start)

    variance.run_jobs = timed_run_jobs
    try:
        result = variance.sobol(scenario, trials=rows, seed=seed, executor=InProcess())
    finally:
        variance.run_jobs = original
    trials = result.runs * rows
    start = time.perf_counter()
    collect_columns(Job(scenario, seed, trials), InProcess())
    plain = time.perf_counter() - start
    return {
        "in_process_rows": rows,
        "in_process_evaluation_trials_per_s": round(trials / sum(spent)),
        "in_process_plain_trials_per_s": round(trials / plain),
        "in_process_overhead_ratio": round(sum(spent) / plain, 3),
    }
