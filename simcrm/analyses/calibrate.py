"""Calibrate a scenario's numeric parameters to statistics of its outputs.

Every evaluation rebuilds the scenario with the candidate values
(:func:`~simcrm.scenario.editing.with_values`, so each candidate is validated like a
file) and simulates the same trials from the same seed: common random numbers make the
loss a deterministic function of the parameters. The loss is the weighted mean of
squared scaled residuals (:mod:`simcrm.analyses.targets`); it is minimised by Nelder–Mead on the
parameters rescaled to ``[0, 1]`` within their bounds, from the scenario's own values.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize

if TYPE_CHECKING:
    import pandas as pd

from simcrm.analyses.targets import Target, TargetsFile, round_value
from simcrm.engine.blocks import Job
from simcrm.engine.defaults import resolve
from simcrm.engine.executors import Executor, InProcess
from simcrm.engine.mapping import collect_columns
from simcrm.errors import ScenarioError
from simcrm.scenario.criteria import Criterion
from simcrm.scenario.editing import with_values
from simcrm.scenario.paths import lookup
from simcrm.scenario.schema import Scenario
from simcrm.stats.tails import mean_is_unstable, two_sided_exponent, unstable_mean_note

PENALTY = 1e6
"""Loss of a candidate the schema refuses (e.g. a p90 below its p50)."""

Columns = dict[str, npt.NDArray[Any]]


@dataclass(frozen=True)
class Fit:
    """The outcome of a calibration.

    Attributes
    ----------
    start, fitted
        Parameter values before and after (fitted values rounded to 4 significant digits).
    rows
        Per target: ``target``, ``statistic``, ``value``, ``weight``, ``before``, ``after``,
        ``check`` (the fitted scenario on an independent sample: seed + 1) and ``warning``
        (for a mean whose column has a power-law tail of exponent below 2: that its sample
        mean is unstable; else ``None``).
    loss_before, loss_after
        The loss at the scenario's own values and at the fitted ones.
    evaluations, seconds, trials, seed
        The optimiser's function evaluations, wall time, sample size and seed.
    """

    start: dict[str, float]
    fitted: dict[str, float]
    rows: list[dict[str, Any]]
    loss_before: float
    loss_after: float
    evaluations: int
    seconds: float
    trials: int
    seed: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return dict(self.__dict__)

    def to_frame(self) -> pd.DataFrame:
        """One row per target: ``target``, ``statistic``, ``value``, ``weight``,
        ``before``, ``after``, ``check``, ``warning``."""
        import pandas as pd

        return pd.DataFrame(self.rows)


def statistics(spec: TargetsFile, events: dict[str, Criterion], columns: Columns) -> list[float]:
    """The achieved value of every target on one sample (NaN values left out)."""
    values: list[float] = []
    for target in spec.targets:
        if target.statistic == "probability":
            values.append(float(np.mean(events[target.label()].evaluate(columns))))
            continue
        data = np.asarray(columns[target.column or ""], dtype=np.float64)
        values.append(target.achieved(data[~np.isnan(data)]))
    return values


def mean_warning(target: Target, columns: Columns | None) -> str | None:
    """For a mean target: why its sample mean is unstable, if its column's heavier tail
    has an estimated exponent below 2 (:mod:`simcrm.stats.tails`); else ``None``."""
    if target.statistic != "mean" or columns is None:
        return None
    exponent = two_sided_exponent(np.asarray(columns[target.column or ""], dtype=np.float64))
    return unstable_mean_note(target.column or "", exponent) if mean_is_unstable(exponent) else None


def loss(spec: TargetsFile, achieved: list[float]) -> float:
    """Weighted mean of squared scaled residuals (NaN achieved: the penalty)."""
    total = weights = 0.0
    for target, value in zip(spec.targets, achieved, strict=True):
        if not np.isfinite(value):
            return PENALTY
        total += target.weight * ((value - target.value) / target.residual_scale()) ** 2
        weights += target.weight
    return total / weights


def calibrate(
    scenario: Scenario,
    spec: TargetsFile,
    events: dict[str, Criterion],
    trials: int | None,
    seed: int | None,
    max_evaluations: int = 300,
    base_dir: Path | None = None,
    executor: Executor | None = None,
) -> Fit:
    """Fit the targets file's free parameters to its targets.

    Parameters
    ----------
    scenario
        The model to calibrate.
    spec, events
        From :func:`simcrm.analyses.targets.load_targets`.
    trials, seed
        The common-random-numbers sample of every evaluation.
    max_evaluations
        Budget of the optimiser (simulations).
    base_dir
        Directory of the scenario file (for relative data files).
    executor
        Where each evaluation's chunks are computed (default: in this process); the
        sample is the same on every executor.
    """
    trials, seed = resolve(scenario, trials, seed)
    pool = executor if executor is not None else InProcess()
    start_time = time.perf_counter()
    paths = list(spec.parameters)
    low = np.array([spec.parameters[p][0] for p in paths])
    high = np.array([spec.parameters[p][1] for p in paths])
    start = {p: float(lookup(scenario, p)) for p in paths}  # type: ignore[arg-type]

    def values_at(u: npt.NDArray[np.float64]) -> dict[str, float]:
        x = low + (high - low) * np.clip(u, 0.0, 1.0)
        return dict(zip(paths, (float(v) for v in x), strict=True))

    def sample(values: dict[str, float], on: int = seed) -> Columns | None:
        try:
            candidate = with_values(scenario, values, base_dir, keep_text=False)
        except ScenarioError:
            return None
        return collect_columns(Job(candidate, on, trials), pool)

    def achieved(values: dict[str, float], on: int = seed) -> list[float] | None:
        columns = sample(values, on)
        return None if columns is None else statistics(spec, events, columns)

    def objective(u: npt.NDArray[np.float64]) -> float:
        got = achieved(values_at(u))
        return PENALTY if got is None else loss(spec, got)

    u0 = np.clip((np.array(list(start.values())) - low) / (high - low), 0.0, 1.0)
    result = minimize(
        objective,
        u0,
        method="Nelder-Mead",
        bounds=[(0.0, 1.0)] * len(paths),
        options={"maxfev": max_evaluations, "xatol": 1e-4, "fatol": 1e-7, "adaptive": True},
    )
    best = result.x if result.fun <= objective(u0) else u0
    fitted = {p: round_value(v) for p, v in values_at(best).items()}
    nan = [float("nan")] * len(spec.targets)
    before = achieved(start) or nan
    fitted_sample = sample(fitted)
    after = nan if fitted_sample is None else statistics(spec, events, fitted_sample)
    check = achieved(fitted, (seed + 1) % 2**63) or nan
    rows = [
        {
            "target": t.label(),
            "statistic": t.statistic,
            "value": t.value,
            "weight": t.weight,
            "before": b,
            "after": a,
            "check": c,
            "warning": mean_warning(t, fitted_sample),
        }
        for t, b, a, c in zip(spec.targets, before, after, check, strict=True)
    ]
    return Fit(
        start=start,
        fitted=fitted,
        rows=rows,
        loss_before=loss(spec, before),
        loss_after=loss(spec, after),
        evaluations=int(result.nfev) + 4,
        seconds=time.perf_counter() - start_time,
        trials=trials,
        seed=seed,
    )
