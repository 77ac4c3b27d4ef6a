"""Which project makes the portfolio risky.

Contribution of project ``j`` to the ``q`` quantile of total cost ``T = Σ_j X_j``:

- **Euler** (the allocation of Tasche 1999): ``E[X_j | T = Q_q(T)]``, estimated as the
  mean of ``X_j`` over the trials whose total ranks nearest the quantile (a window of 1%
  of the trials, at least 200). The contributions add up to the quantile (up to the
  window's averaging); for comonotone projects each equals the project's own quantile.
- **Incremental**: ``Q_q(T) − Q_q(T − X_j)``, what dropping the project saves.
- **Standalone**: ``Q_q(X_j)``, the project funded to ``q`` on its own.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from simcrm.analyses.portfolio.sample import Sample

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
WINDOW_SHARE = 0.01
MIN_WINDOW = 200


def window(n: int) -> int:
    """Trials around the quantile averaged by the Euler estimate."""
    return min(n, max(MIN_WINDOW, round(WINDOW_SHARE * n)))


def contributions(cost: FloatArray, level: float) -> dict[str, FloatArray]:
    """Euler, incremental and standalone contributions of each row of ``cost`` (project ×
    trial) to the ``level`` quantile of the total."""
    total = cost.sum(axis=0)
    n = total.size
    order = np.argsort(total, kind="stable")
    at = int(np.clip(round(level * (n - 1)), 0, n - 1))
    width = window(n)
    first = int(np.clip(at - width // 2, 0, n - width))
    near = order[first : first + width]
    quantile = np.quantile(total, level)
    return {
        "euler": cost[:, near].mean(axis=1),
        "incremental": np.array([quantile - np.quantile(total - row, level) for row in cost]),
        "standalone": np.quantile(cost, level, axis=1),
    }


def contribution_table(sample: Sample, chosen: BoolArray, level: float) -> dict[str, Any]:
    """Each chosen project's contributions to the ``level`` quantile of total cost."""
    index = np.flatnonzero(chosen)
    cost = sample.cost[index]
    parts = contributions(cost, level)
    total = float(np.quantile(cost.sum(axis=0), level))
    order = np.argsort(-parts["euler"], kind="stable")  # the largest contribution first
    rows: list[dict[str, Any]] = [
        {
            "project": sample.projects[j].label,
            "euler": float(parts["euler"][k]),
            "euler_share": float(parts["euler"][k] / total) if total else float("nan"),
            "incremental": float(parts["incremental"][k]),
            "standalone": float(parts["standalone"][k]),
        }
        for k, j in ((k, index[k]) for k in order)
    ]
    return {"level": level, "total": total, "window": window(sample.trials), "projects": rows}
