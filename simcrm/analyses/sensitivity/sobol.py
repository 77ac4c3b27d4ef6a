"""Sobol' indices: first-order and total, of every input and of groups of inputs.

The design is Saltelli's (2010): two matrices ``A`` and ``B`` of ``n`` rows (a scrambled
Sobol' sequence of ``2d`` columns, through each input's quantile function) and, for
every input ``i``, ``AB_i`` = ``A`` with column ``i`` from ``B``.
:func:`scipy.stats.sobol_indices` builds them, gives the indices of single inputs
(first order: Saltelli 2010; total: Jansen 1999) and bootstraps their intervals. It does
not do groups; :func:`sobol_design` does, on the same ``A`` and ``B``: ``AB_G`` takes
every column of group ``G`` from ``B``, and the same two estimators give
``S_G = mean(f_B (f_AB_G − f_A)) / V`` and ``S_T,G = mean((f_A − f_AB_G)²) / 2V``, with
a percentile bootstrap over the rows.

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

import warnings
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

    def __call__(self, x: FloatArray) -> FloatArray:
        self.seen.append(x)
        if len(self.seen) <= 2:  # A, then B: kept for the group estimators
            self.outputs.append(np.atleast_2d(self.model([x.T])[0]))
            return self.outputs[-1].copy()  # scipy centres what it gets in place
        d = x.shape[0]
        pages = x.reshape(d, self.n, d)  # (input column, row, page i)
        outputs = self.model([pages[:, :, i].T for i in range(d)])
        return np.stack(outputs, axis=-1).reshape(len(outputs[0]), self.n * d)


def sobol_design(
    model: Model,
    dists: Sequence[Any],
    n: int,
    seed: int,
    groups: Mapping[str, Sequence[int]] | None = None,
    resamples: int = 999,
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
        Indices of the inputs (scipy's estimates and BCa bootstrap intervals) and of the
        groups (this module's, percentile bootstrap), and ``Var Y`` per output.
    """
    evaluate = _Evaluator(model, n)
    result = sobol_indices(func=evaluate, n=n, dists=list(dists), rng=np.random.default_rng(seed))
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # BCa of an output the input never moves: NaN
        boot = result.bootstrap(n_resamples=resamples)
    first = np.atleast_2d(result.first_order)
    total = np.atleast_2d(result.total_order)
    shape = first.shape
    singles = Indices(first, total, _ci(boot.first_order, first), _ci(boot.total_order, total))
    a, b = evaluate.seen[0].T, evaluate.seen[1].T
    f_a, f_b = evaluate.outputs
    named = dict(groups or {})
    f_ab = model([_swap(a, b, members) for members in named.values()]) if named else []
    grouped = _group_indices(f_a, f_b, f_ab, shape[0], np.random.default_rng(seed), resamples)
    variance = np.var(np.concatenate([f_a, f_b], axis=1), axis=1)
    return Design(singles, grouped, variance)


def _ci(boot: Any, estimate: FloatArray) -> FloatArray:
    """A bootstrap's interval, shape ``(2, outputs, inputs)``; where it is undefined (every
    resample gave the same index, e.g. 0 for an output the input never moves), the estimate."""
    ci = np.stack([np.reshape(c, estimate.shape) for c in boot.confidence_interval])
    return np.where(np.isnan(ci), estimate, ci)


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
    rng: np.random.Generator,
    resamples: int,
) -> Indices:
    """Group indices with 95% percentile-bootstrap intervals (rows resampled)."""
    if not f_ab:
        empty = np.empty((outputs, 0))
        return Indices(empty, empty, np.empty((2, outputs, 0)), np.empty((2, outputs, 0)))
    stacked = np.stack([np.atleast_2d(f) for f in f_ab])
    first, total = _group_estimates(f_a, f_b, stacked)
    n = f_a.shape[1]
    draws_first, draws_total = [], []
    for _ in range(resamples):
        rows = rng.integers(0, n, n)
        s, t = _group_estimates(f_a[:, rows], f_b[:, rows], stacked[:, :, rows])
        draws_first.append(s)
        draws_total.append(t)
    first_ci = np.nanquantile(np.array(draws_first), [0.025, 0.975], axis=0)
    total_ci = np.nanquantile(np.array(draws_total), [0.025, 0.975], axis=0)
    return Indices(first, total, first_ci, total_ci)
