"""Money: discounting and the implementation cash flow (docs/model.md §5, *contract*)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
Factor = float | FloatArray
"""The monthly discount factor ``v``: one for the run, or each trial's own."""


def monthly_factor(annual_rate: float | FloatArray) -> Factor:
    """``v = (1 + r)^(−1/12)``: a month-``m`` flow, counted at the month's end, is worth ``v^m``.

    A float for one rate (a number or a 0-d array); an array of each trial's ``v`` for
    rates given per trial (``money.discount_rate`` as a population parameter).
    """
    if np.ndim(annual_rate) == 0:
        return float((1.0 + float(annual_rate)) ** (-1.0 / 12.0))
    return (1.0 + np.asarray(annual_rate, dtype=np.float64)) ** (-1.0 / 12.0)


def annuity(v: Factor, months: FloatArray) -> FloatArray:
    """``Σ_{m=1}^{n} v^m`` for whole ``n = months`` (vectorised; ``v`` one or per trial)."""
    if isinstance(v, float):
        if v == 1.0:
            return months.astype(np.float64)
        return v * (1.0 - v**months) / (1.0 - v)
    n = months.astype(np.float64)
    out = np.array(np.broadcast_to(n, np.broadcast_shapes(v.shape, n.shape)))  # v = 1: n
    return np.divide(v * (1.0 - v**n), 1.0 - v, out=out, where=v != 1.0)


def spread_present_value(total: FloatArray, months: FloatArray, v: Factor) -> FloatArray:
    """Present value of ``total`` spread evenly over ``[0, months]``.

    Month ``m`` carries the part of the spend that falls in ``(m − 1, m]``, counted at
    its end: whole months ``1..⌊A⌋`` each ``total / A``, and the last part-month
    ``(A − ⌊A⌋) · total / A`` at month ``⌈A⌉``.
    """
    whole = np.floor(months)
    rate = np.divide(total, months, out=np.zeros_like(total), where=months > 0)
    return rate * (annuity(v, whole) + (months - whole) * v ** np.ceil(months))
