"""The definition explorer: failure probability as a function of the failure threshold.

For one simulated sample of ``N`` projects and each dimension (cost overrun, schedule
overrun, final adoption, NPV), failure is "the output beyond a threshold ``x``" and
``P(fail | x)`` is read off the empirical CDF, with a 95% Wilson interval at every
``x``. For a claimed rate ``c`` the threshold at which it is reached is the empirical
quantile (the ``1 − c`` quantile for "above ``x``", the ``c`` quantile for "below
``x``"). Its 95% interval inverts the score (Wilson) test: the thresholds whose
empirical failure rate lies within ``c ± 1.96 √(c(1 − c)/N)``, i.e. the quantiles at
those levels.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt
from scipy import stats

from simcrm.stats.intervals import wilson

if TYPE_CHECKING:
    import pandas as pd

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Dimension:
    """One family of failure definitions: ``column > x`` or ``column < x``."""

    column: str
    side: Literal[">", "<"]
    label: str
    unit: Literal["fraction", "currency"]
    grid: tuple[float, float, int] | None  # (low, high, points); None: P5 … P95 of the sample


DIMENSIONS = (
    Dimension("cost_overrun", ">", "cost overrun above", "fraction", (0.0, 3.0, 61)),
    Dimension("schedule_overrun", ">", "schedule overrun above", "fraction", (0.0, 3.0, 61)),
    Dimension("adoption_final", "<", "final adoption below", "fraction", (0.0, 1.0, 41)),
    Dimension("npv", "<", "NPV below", "currency", None),
)


@dataclass(frozen=True)
class DefinitionCurves:
    """P(fail) against each dimension's threshold, and where the claimed rate is reached.

    Attributes
    ----------
    claim
        The claimed failure rate.
    dimensions
        Per output column: ``label``, ``side``, ``unit``, ``defined`` (trials where it
        exists), ``grid``, ``p_fail``, ``ci95_low``, ``ci95_high`` (95% Wilson) and
        ``threshold`` (``value``, ``ci95``, ``in_range``).
    trials
        Trials of the sample.
    criteria
        The scenario's own criteria and their failure rates on the sample.
    """

    claim: float
    dimensions: dict[str, dict[str, Any]]
    trials: int
    criteria: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready form (what ``definitions.json`` holds)."""
        return {
            "claim": self.claim,
            "dimensions": self.dimensions,
            "trials": self.trials,
            "criteria": self.criteria,
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per dimension and threshold: ``column``, ``threshold``, ``p_fail``,
        ``low``, ``high``."""
        import pandas as pd

        parts = [
            pd.DataFrame(
                {
                    "column": name,
                    "threshold": d["grid"],
                    "p_fail": d["p_fail"],
                    "low": d["ci95_low"],
                    "high": d["ci95_high"],
                }
            )
            for name, d in self.dimensions.items()
        ]
        return pd.concat(parts, ignore_index=True)


def failure_counts(values: FloatArray, side: str, grid: FloatArray) -> npt.NDArray[np.int64]:
    """How many ``values`` fail (``value > x`` or ``value < x``) at every ``x`` of ``grid``."""
    ordered = np.sort(values)
    if side == ">":
        return ordered.size - np.searchsorted(ordered, grid, side="right")
    return np.searchsorted(ordered, grid, side="left")


def failure_curve(values: FloatArray, side: str, grid: FloatArray) -> FloatArray:
    """``P(value > x)`` or ``P(value < x)`` at every ``x`` of ``grid`` (empirical)."""
    ordered = np.sort(values)
    if side == ">":
        return 1.0 - np.searchsorted(ordered, grid, side="right") / ordered.size
    return np.searchsorted(ordered, grid, side="left") / ordered.size


def threshold(values: FloatArray, side: str, claim: float, level: float = 0.95) -> dict[str, Any]:
    """The threshold at which ``P(fail) = claim``, with its score-test interval."""
    n = values.size
    z = float(stats.norm.ppf(0.5 + level / 2))
    half = z * np.sqrt(claim * (1 - claim) / n)
    level_at = 1 - claim if side == ">" else claim
    qs = np.clip([level_at, level_at - half, level_at + half], 0.0, 1.0)
    value, low, high = (float(v) for v in np.quantile(values, qs))
    return {"value": value, "ci95": [low, high]}


def explore(
    columns: dict[str, npt.NDArray[Any]],
    claim: float,
    criteria: dict[str, str] | None = None,
) -> DefinitionCurves:
    """Failure probability against the threshold of each dimension, and the claim's threshold.

    Parameters
    ----------
    columns
        Per-trial outputs of one simulated sample (at least the dimensions' columns).
    claim
        The claimed failure rate (e.g. 0.7).
    criteria
        The scenario's criteria, to report their probabilities alongside.

    Returns
    -------
    DefinitionCurves
        ``trials``, ``claim``, ``dimensions`` (per dimension: ``grid``, ``p_fail``,
        ``ci95_low``, ``ci95_high``, ``threshold`` with ``in_range``) and ``criteria``.
    """
    out: dict[str, Any] = {"claim": claim, "dimensions": {}}
    trials = 0
    for dim in DIMENSIONS:
        raw = np.asarray(columns[dim.column], dtype=np.float64)
        values = raw[np.isfinite(raw)]
        trials = raw.size
        if dim.grid is None:
            lo, hi = np.quantile(values, [0.05, 0.95])
            grid = np.linspace(lo, hi, 41)
        else:
            grid = np.linspace(*dim.grid[:2], dim.grid[2])
        p = failure_curve(values, dim.side, grid)
        low, high = wilson(failure_counts(values, dim.side, grid), values.size)
        t = threshold(values, dim.side, claim)
        t["in_range"] = bool(grid[0] <= t["value"] <= grid[-1])
        out["dimensions"][dim.column] = {
            "label": dim.label,
            "side": dim.side,
            "unit": dim.unit,
            "defined": values.size,
            "grid": grid.tolist(),
            "p_fail": p.tolist(),
            "ci95_low": low.tolist(),
            "ci95_high": high.tolist(),
            "threshold": t,
        }
    rates = {name: float(np.mean(columns[f"fail_{name}"])) for name in (criteria or {})}
    return DefinitionCurves(claim, out["dimensions"], trials, rates)
