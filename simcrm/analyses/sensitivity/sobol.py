"""Sobol' indices: first-order and total, of every input and of groups of inputs.

The design is Saltelli's (2010): two matrices ``A`` and ``B`` of ``n`` rows (a scrambled
Sobol' sequence of ``2d`` columns, through each input's quantile function) and, for
every input ``i``, ``AB_i`` = ``A`` with column ``i`` from ``B``.
:func:`scipy.stats.sobol_indices` builds them and gives the indices of single inputs
(first order: Saltelli 2010; total: Jansen 1999). It does not do groups;
:func:`sobol_design` does, on the same ``A`` and ``B``: ``AB_G`` takes every column of
group ``G`` from ``B``, and the same two estimators give
``S_G = mean(f_B (f_AB_G − f_A)) / V`` and ``S_T,G = mean((f_A − f_AB_G)²) / 2V``.

Intervals, of inputs and groups alike, come from this module's percentile bootstrap over
the rows, not from scipy's ``SobolResult.bootstrap``: that one draws from numpy's global
random state (no generator can be given, so intervals would differ from run to run) and
its BCa jackknife holds an ``n × n`` array (34 GB at ``n = 2^16``). Here each resample
is a vector of multinomial row counts from a generator seeded by the run, and every
index of a resample is a ratio of count-weighted row sums: one matrix product for all
resamples, inputs and outputs.

**Frozen noise per row (common random numbers).** In a scenario every matrix is its own
run of ``n`` trials on one seed, trial ``j`` taking row ``j`` of the matrix as per-trial
overrides. The model's own randomness ``Ω`` — change requests, the fat tail, omissions,
reviews, risk occurrences, and every input not analysed — is then the same in row ``j``
of every matrix: it is not an input of the design but a frozen part of each row. For
``Y = f(X, Ω)`` with ``X`` independent of ``Ω`` the estimators then estimate, relative
to the total variance ``V = Var Y``:

- first order ``S_i = E_Ω[Var(E[Y | X_i, Ω] | Ω)] / V``: the main effect of ``X_i`` in
  the model given the noise, averaged over the noise;
- total ``S_T,i = E[Var(Y | X_~i, Ω)] / V``: the usual total index of ``X_i`` with the
  noise counted as one more input (its interactions with the noise included).

No index holds the noise's own main effect ``S_Ω = Var(E[Y | Ω]) / V``:
``1 − Σ_i S_i = S_Ω`` plus the interactions (among the inputs, and of the inputs with
the noise); in a model additive in its inputs and the noise it is exactly ``S_Ω``, the
share of the variance no input explains. Inputs are sampled independently: the shared
project shock and ``[correlations]`` do not act between inputs that are held
(:mod:`simcrm.analyses.sensitivity.rank` keeps them).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.stats import sobol_indices

FloatArray = npt.NDArray[np.float64]

Model = Callable[[Sequence[FloatArray]], list[FloatArray]]
"""Matrices of input values, each ``(n, d)`` → each one's outputs, ``(outputs, n)``."""

MIN_ROWS = 64
"""Fewest rows of a design (a power of 2)."""


@dataclass(frozen=True)
class Indices:
    """First-order and total indices of inputs or groups, per output.

    Attributes
    ----------
    first, total
        Shape ``(outputs, inputs or groups)``.
    first_ci, total_ci
        Their 95% intervals, shape ``(2, outputs, inputs or groups)``: low, high.
    """

    first: FloatArray
    total: FloatArray
    first_ci: FloatArray
    total_ci: FloatArray


@dataclass(frozen=True)
class Design:
    """What :func:`sobol_design` estimated: single inputs, groups, and the variance."""

    inputs: Indices
    groups: Indices
    variance: FloatArray


class _Evaluator:
    """The ``func`` given to :func:`scipy.stats.sobol_indices`: called with ``A``, then
    ``B``, then every ``AB_i`` side by side (``(d, n d)``, row ``j`` of ``AB_i`` in
    column ``j d + i``), it evaluates each matrix as one batch of the model."""

    def __init__(self, model: Model, n: int) -> None:
        self.model = model
        self.n = n
        self.seen: list[FloatArray] = []
        self.outputs: list[FloatArray] = []
        self.swapped: list[FloatArray] = []
        """Outputs of every ``AB_i``, each ``(outputs, n)``."""

    def __call__(self, x: FloatArray) -> FloatArray:
        self.seen.append(x)
        if len(self.seen) <= 2:  # A, then B: kept for the group estimators
            self.outputs.append(np.atleast_2d(self.model([x.T])[0]))
            return self.outputs[-1].copy()  # scipy centres what it gets in place
        d = x.shape[0]
        pages = x.reshape(d, self.n, d)  # (input column, row, page i)
        outputs = [np.atleast_2d(o) for o in self.model([pages[:, :, i].T for i in range(d)])]
        self.swapped = outputs
        return np.stack(outputs, axis=-1).reshape(len(outputs[0]), self.n * d)


def sobol_design(
    model: Model,
    dists: Sequence[Any],
    n: int,
    seed: int,
    groups: Mapping[str, Sequence[int]] | None = None,
    resamples: int = 200,
) -> Design:
    """Sobol' indices of ``model`` for independent inputs of distributions ``dists``.

    Parameters
    ----------
    model
        Evaluates matrices of input values (rows: points, columns: inputs).
    dists
        One per input, each with a ``ppf``.
    n
        Rows of ``A`` and ``B``: a power of 2, at least :data:`MIN_ROWS`.
    seed
        Seeds the scrambled Sobol' sequence and the bootstraps.
    groups
        Name → indices of the inputs of each group.
    resamples
        Bootstrap resamples of the intervals.

    Returns
    -------
    Design
        Indices of the inputs (scipy's estimates) and of the groups (this module's), each
        with 95% percentile-bootstrap intervals seeded by ``seed``, and ``Var Y`` per output.
    """
    evaluate = _Evaluator(model, n)
    rng = np.random.default_rng(seed)
    result = sobol_indices(func=evaluate, n=n, dists=list(dists), rng=rng)
    first = np.atleast_2d(result.first_order)
    total = np.atleast_2d(result.total_order)
    shape = first.shape
    a, b = evaluate.seen[0].T, evaluate.seen[1].T
    f_a, f_b = evaluate.outputs
    named = dict(groups or {})
    f_ab = model([_swap(a, b, members) for members in named.values()]) if named else []
    counts = _resample_counts(n, resamples, np.random.default_rng([seed, 1]))
    single_ci = _bootstrap(f_a, f_b, evaluate.swapped, counts)
    singles = Indices(first, total, *_filled(single_ci, first, total))
    grouped = _group_indices(f_a, f_b, f_ab, shape[0], counts)
    variance = np.var(np.concatenate([f_a, f_b], axis=1), axis=1)
    return Design(singles, grouped, variance)


def _resample_counts(n: int, resamples: int, rng: np.random.Generator) -> FloatArray:
    """``resamples`` bootstrap resamples of ``n`` rows, as row counts ``(resamples, n)``."""
    return rng.multinomial(n, np.full(n, 1.0 / n), size=resamples).astype(np.float64)


def _bootstrap(
    f_a: FloatArray, f_b: FloatArray, f_ab: Sequence[FloatArray], counts: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """95% percentile intervals of the Saltelli first-order and Jansen total indices of each
    swapped matrix, shapes ``(2, outputs, matrices)``.

    Outputs are centred once on the mean of ``f_A`` and ``f_B`` (as the estimates are);
    each resample's index is a ratio of count-weighted row sums.
    """
    if not f_ab:
        empty = np.empty((2, f_a.shape[0], 0))
        return empty, empty
    mean = np.mean([f_a, f_b], axis=(0, 2))[:, None]
    a, b = f_a - mean, f_b - mean
    ab = np.stack([np.atleast_2d(f) for f in f_ab]) - mean  # (matrices, outputs, n)
    var_rows = (a * a + b * b) / 2.0  # (outputs, n)
    first_rows = b * (ab - a)  # (matrices, outputs, n)
    total_rows = 0.5 * (a - ab) ** 2
    with np.errstate(invalid="ignore", divide="ignore"):
        var = counts @ var_rows.T  # (resamples, outputs)
        shape = (counts.shape[0], *ab.shape[:2])  # (resamples, matrices, outputs)
        first = (counts @ first_rows.reshape(-1, ab.shape[2]).T).reshape(shape)
        total = (counts @ total_rows.reshape(-1, ab.shape[2]).T).reshape(shape)
        first = np.swapaxes(first, 1, 2) / var[:, :, None]  # (resamples, outputs, matrices)
        total = np.swapaxes(total, 1, 2) / var[:, :, None]
        levels = [0.025, 0.975]
        return np.nanquantile(first, levels, axis=0), np.nanquantile(total, levels, axis=0)


def _filled(
    ci: tuple[FloatArray, FloatArray], first: FloatArray, total: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Intervals with the estimate where a resample left them undefined (an output that
    never moves: every ratio 0/0)."""
    low_high_first, low_high_total = ci
    return (
        np.where(np.isnan(low_high_first), first, low_high_first),
        np.where(np.isnan(low_high_total), total, low_high_total),
    )


def _swap(a: FloatArray, b: FloatArray, members: Sequence[int]) -> FloatArray:
    """``AB_G``: ``A`` with the columns of group ``G`` from ``B``."""
    ab = a.copy()
    ab[:, list(members)] = b[:, list(members)]
    return ab


def _group_estimates(
    f_a: FloatArray, f_b: FloatArray, f_ab: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Saltelli (2010) first order and Jansen total, shapes ``(outputs, groups)``.

    ``f_a``, ``f_b``: ``(outputs, n)``; ``f_ab``: ``(groups, outputs, n)``.
    """
    mean = np.mean([f_a, f_b], axis=(0, 2))[:, None]
    a, b, ab = f_a - mean, f_b - mean, f_ab - mean
    var = np.var([a, b], axis=(0, 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        first = np.mean(b * (ab - a), axis=-1) / var
        total = 0.5 * np.mean((a - ab) ** 2, axis=-1) / var
    return first.T, total.T


def _group_indices(
    f_a: FloatArray,
    f_b: FloatArray,
    f_ab: list[FloatArray],
    outputs: int,
    counts: FloatArray,
) -> Indices:
    """Group indices with 95% percentile-bootstrap intervals (rows resampled)."""
    if not f_ab:
        empty = np.empty((outputs, 0))
        return Indices(empty, empty, np.empty((2, outputs, 0)), np.empty((2, outputs, 0)))
    stacked = np.stack([np.atleast_2d(f) for f in f_ab])
    first, total = _group_estimates(f_a, f_b, stacked)
    return Indices(first, total, *_filled(_bootstrap(f_a, f_b, f_ab, counts), first, total))
