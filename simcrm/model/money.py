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
    up = np.ceil(months)
    if isinstance(v, float) and v != 1.0:
        # v^k of whole months by table: the same numbers as v ** k, without a pow a trial
        power_whole, power_up = whole_powers(v, whole), whole_powers(v, up)
        return rate * (v * (1.0 - power_whole) / (1.0 - v) + (months - whole) * power_up)
    return rate * (annuity(v, whole) + (months - whole) * v**up)


POWER_TABLE_MONTHS = 1200
"""Longest exponent (whole months) :func:`whole_powers` looks up rather than computes."""


def whole_powers(v: float, months: FloatArray) -> FloatArray:
    """``v ** months`` for whole (integer-valued) ``months``, elementwise.

    Where every exponent is a whole number of months from 0 to
    :data:`POWER_TABLE_MONTHS`, each value is looked up in a table of ``v ** k``
    (``k = 0, 1, …``) made with the same ``**``: the same bits as ``v ** months``, with
    one ``pow`` per month of the table rather than per element.
    """
    if months.size == 0:
        return v**months
    low, high = float(np.min(months)), float(np.max(months))
    if not (low >= 0.0 and high <= POWER_TABLE_MONTHS):  # NaN falls here too
        return v**months
    table = v ** np.arange(int(high) + 1.0)
    return table[months.astype(np.intp)]
