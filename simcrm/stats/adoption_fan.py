"""Fans over the months: quantiles of the active share by month after go-live, and of the
cumulative cash by month from the start, from integer counts that chunks and workers
merge exactly.

The model counts, for each month ``k`` after go-live, the operating trials (live, within
the horizon; abandoned ones at 0) by their active share rounded to a grid of
:data:`~simcrm.model.operate.ADOPTION_BINS` values (0, 0.5%, …, 100%). Counts add up in
any order, so the fan is the same on any executor and chunking; its percentiles are
exact to the grid (±0.25 point).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
LEVELS = (0.10, 0.25, 0.50, 0.75, 0.90)
ADOPTION_GRID = np.linspace(0.0, 1.0, 201)
"""The active shares counted (the model's ``ADOPTION_BINS``)."""
CASH_GRID = np.round(-4.0 + 0.05 * np.arange(401, dtype=np.float64), 10)
"""Cumulative cash in multiples of the budget (the model's ``CASH_BINS``)."""


def encode_counts(counts: npt.ArrayLike) -> str:
    """Counts as compact, deterministic text (shape and the non-zero cells) for a chunk
    file's metadata."""
    array = np.asarray(counts, dtype=np.int64)
    flat = array.ravel()
    cells = np.flatnonzero(flat)
    body = {"shape": list(array.shape), "cells": cells.tolist(), "counts": flat[cells].tolist()}
    return json.dumps(body, separators=(",", ":"))


def decode_counts(text: str) -> IntArray:
    """The counts of :func:`encode_counts` (ValueError if the text is not such counts)."""
    try:
        body = json.loads(text)
        rows, bins = (int(x) for x in body["shape"])
        cells = np.asarray(body["cells"], dtype=np.int64)
        values = np.asarray(body["counts"], dtype=np.int64)
        if not 0 < rows <= 100_000 or not 0 < bins <= 100_000 or cells.shape != values.shape:
            raise ValueError("bad shape")
        flat = np.zeros(rows * bins, dtype=np.int64)
        flat[cells] = values
    except (KeyError, TypeError, ValueError, IndexError) as err:
        raise ValueError(f"not monthly adoption counts ({err})") from None
    return flat.reshape(rows, bins)


@dataclass(frozen=True)
class AdoptionFan:
    """Percentiles of the active share by month after go-live.

    Attributes
    ----------
    operating
        Trials operating in each month (the fan's sample size).
    quantiles
        Level → the share at that percentile, month by month (NaN with no trial).
    """

    operating: tuple[int, ...]
    quantiles: dict[float, tuple[float, ...]]

    @classmethod
    def of(cls, counts: IntArray, grid: npt.NDArray[np.float64] = ADOPTION_GRID) -> AdoptionFan:
        """The fan of a months × bins array of counts on ``grid`` (the bins' values)."""
        if counts.ndim != 2 or counts.shape[1] != grid.size:
            raise ValueError(f"counts of shape {counts.shape} do not fit a grid of {grid.size}")
        total = counts.sum(axis=1)
        cumulative = np.cumsum(counts, axis=1)
        quantiles = {}
        for q in LEVELS:
            # the smallest grid value with at least a share q of the trials at or below it
            first = np.argmax(cumulative >= np.ceil(q * total)[:, None] - 1e-9, axis=1)
            values = np.where(total > 0, grid[first], np.nan)
            quantiles[q] = tuple(float(v) for v in values)
        return cls(tuple(int(t) for t in total), quantiles)

    def to_dict(self) -> dict[str, Any]:
        """``{"operating": [...], "quantiles": {"0.1": [...], ...}}``."""
        return {
            "operating": list(self.operating),
            "quantiles": {
                f"{q:g}": [None if x != x else x for x in v] for q, v in self.quantiles.items()
            },
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AdoptionFan:
        """Read the JSON form back."""
        quantiles = {
            float(q): tuple(float("nan") if x is None else float(x) for x in v)
            for q, v in data["quantiles"].items()
        }
        return cls(tuple(int(t) for t in data["operating"]), quantiles)
