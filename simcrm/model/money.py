"""Money: discounting and the implementation cash flow (MODEL.md §5, *contract*)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def monthly_factor(annual_rate: float) -> float:
    """``v = (1 + r)^(−1/12)``: a month-``m`` flow, counted at the month's end, is worth ``v^m``."""
    return float((1.0 + annual_rate) ** (-1.0 / 12.0))


def annuity(v: float, months: FloatArray) -> FloatArray:
    """``Σ_{m=1}^{n} v^m`` for whole ``n = months`` (vectorised)."""
    if v == 1.0:
        return months.astype(np.float64)
    return v * (1.0 - v**months) / (1.0 - v)


def spread_present_value(total: FloatArray, months: FloatArray, v: float) -> FloatArray:
    """Present value of ``total`` spread evenly over ``[0, months]``.

    Month ``m`` carries the part of the spend that falls in ``(m − 1, m]``, counted at
    its end: whole months ``1..⌊A⌋`` each ``total / A``, and the last part-month
    ``(A − ⌊A⌋) · total / A`` at month ``⌈A⌉``.
    """
    whole = np.floor(months)
    rate = np.divide(total, months, out=np.zeros_like(total), where=months > 0)
    return rate * (annuity(v, whole) + (months - whole) * v ** np.ceil(months))
