"""Rank correlations between a scenario's uncertain inputs: the ``[correlations]`` section.

A scenario states Spearman rank correlations between named inputs, as pairs or as a
matrix::

    [correlations]
    pairs = [
      { a = "components.integration.overrun", b = "execution.schedule", rank = 0.7 },
    ]
    # or: inputs = ["a", "b", "c"] and matrix = [[1, 0.5, 0.2], [0.5, 1, 0.3], [0.2, 0.3, 1]]

They are induced by a Gaussian copula: the normal scores of the named inputs have the
correlation matrix ``R = 2 sin(π r / 6)`` (element-wise), which gives exactly the rank
correlations ``r`` for continuous marginals (Kruskal 1958), and each input keeps its own
distribution (its quantile function is applied to ``Φ`` of its score). A matrix that is
not positive semi-definite in that space is refused, with the nearest valid one
suggested (Higham 2002), or repaired to it with ``repair = true``.
"""

from __future__ import annotations

from typing import Annotated, Self

import numpy as np
import numpy.typing as npt
from pydantic import Field, model_validator

from simcrm.scenario.sections import Section, unit

FloatArray = npt.NDArray[np.float64]
Rank = Annotated[float, Field(ge=-1.0, le=1.0, allow_inf_nan=False)]

TOLERANCE = 1e-10
"""Smallest eigenvalue of ``R`` still taken as positive semi-definite."""


class RankPair(Section):
    """One rank correlation between two inputs."""

    a: str = Field(description="An input's dotted path.", json_schema_extra=unit(""))
    b: str = Field(description="The other input's dotted path.", json_schema_extra=unit(""))
    rank: Rank = Field(
        description="Spearman rank correlation between the two inputs.",
        json_schema_extra=unit(""),
    )


class Correlations(Section):
    """Rank correlations between uncertain inputs, induced by a Gaussian copula."""

    pairs: list[RankPair] = Field(
        default_factory=list,
        max_length=1_000,
        description="Rank correlations as `{ a, b, rank }` tables; pairs not given are 0.",
        json_schema_extra=unit(""),
    )
    inputs: list[str] = Field(
        default_factory=list,
        max_length=64,
        description="The inputs a `matrix` correlates, in its row order.",
        json_schema_extra=unit(""),
    )
    matrix: list[list[Rank]] | None = Field(
        default=None,
        max_length=64,
        description="Symmetric matrix of rank correlations with 1 on the diagonal, one row "
        "and column per entry of `inputs`.",
        json_schema_extra=unit(""),
    )
    repair: bool = Field(
        default=False,
        description="Use the nearest valid matrix when the one given is not positive "
        "semi-definite (false: refuse it, suggesting the nearest).",
        json_schema_extra=unit(""),
    )

    @model_validator(mode="after")
    def _one_form(self) -> Self:
        if self.matrix is not None and self.pairs:
            raise ValueError("give either pairs or inputs with a matrix, not both")
        if (self.matrix is None) != (not self.inputs):
            raise ValueError("inputs and matrix go together")
        if self.matrix is not None:
            size = len(self.inputs)
            if len(self.matrix) != size or any(len(row) != size for row in self.matrix):
                raise ValueError(f"the matrix must be {size} × {size}, one row per input")
        return self

    def names(self) -> list[str]:
        """The correlated inputs, in a fixed order (the matrix's, else first mention)."""
        if self.matrix is not None:
            return list(self.inputs)
        return list(dict.fromkeys(name for p in self.pairs for name in (p.a, p.b)))

    def ranks(self) -> FloatArray:
        """The rank correlation matrix over :meth:`names` (unstated pairs 0).

        Raises
        ------
        ValueError
            An input correlated with itself, a pair given twice, an asymmetric matrix or a
            diagonal other than 1.
        """
        names = self.names()
        if self.matrix is not None:
            r = np.array(self.matrix, dtype=np.float64)
            if not np.allclose(r, r.T, atol=0.0, rtol=0.0):
                raise ValueError("the matrix must be symmetric")
            if not np.all(np.diag(r) == 1.0):
                raise ValueError("the matrix must have 1 on its diagonal")
            if len(set(names)) < len(names):
                raise ValueError("an input is listed twice")
            return r
        r = np.eye(len(names))
        index = {name: i for i, name in enumerate(names)}
        for pair in self.pairs:
            i, j = index[pair.a], index[pair.b]
            if i == j:
                raise ValueError(f"{pair.a!r} is correlated with itself")
            if r[i, j] != 0.0:
                raise ValueError(f"the pair {pair.a!r}, {pair.b!r} is given twice")
            r[i, j] = r[j, i] = pair.rank
        return r


def normal_scores_matrix(ranks: FloatArray) -> FloatArray:
    """``R = 2 sin(π r / 6)``: the correlation of normal scores giving rank correlations ``r``."""
    return 2.0 * np.sin(np.pi * ranks / 6.0)


def ranks_of(scores: FloatArray) -> FloatArray:
    """Inverse of :func:`normal_scores_matrix`: ``r = (6 / π) arcsin(R / 2)``."""
    return 6.0 / np.pi * np.arcsin(np.clip(scores, -1.0, 1.0) / 2.0)


def is_valid(scores: FloatArray) -> bool:
    """Whether a correlation matrix is positive semi-definite (to :data:`TOLERANCE`)."""
    return bool(np.linalg.eigvalsh(scores).min() >= -TOLERANCE)


def nearest_correlation(matrix: FloatArray, iterations: int = 200) -> FloatArray:
    """The nearest correlation matrix (unit diagonal, positive semi-definite) in the
    Frobenius norm: Higham's alternating projections with Dykstra's correction (Higham,
    *IMA J. Numer. Anal.* 22, 2002).

    Written here because neither numpy nor scipy provides it. The result's eigenvalues
    are then floored at a small positive value and its diagonal rescaled to 1, so it is
    strictly valid.
    """
    y = np.array(matrix, dtype=np.float64)
    correction = np.zeros_like(y)
    for _ in range(iterations):
        r = y - correction
        values, vectors = np.linalg.eigh(r)
        x = (vectors * np.maximum(values, 0.0)) @ vectors.T
        correction = x - r
        y = x.copy()
        np.fill_diagonal(y, 1.0)
        if np.linalg.norm(y - x) < 1e-12:
            break
    values, vectors = np.linalg.eigh((y + y.T) / 2.0)
    y = (vectors * np.maximum(values, 1e-9)) @ vectors.T
    d = np.sqrt(np.diag(y))
    return y / np.outer(d, d)


def copula_root(ranks: FloatArray, repair: bool) -> FloatArray:
    """A matrix ``A`` with ``A Aᵀ = R``, the normal-score correlation of ``ranks``.

    Raises
    ------
    ValueError
        ``R`` is not positive semi-definite and ``repair`` is false; the message gives
        the nearest valid rank correlation matrix.
    """
    scores = normal_scores_matrix(ranks)
    if not is_valid(scores):
        nearest = nearest_correlation(scores)
        if not repair:
            suggestion = np.round(ranks_of(nearest), 3).tolist()
            raise ValueError(
                "these rank correlations cannot hold together (the matrix is not positive "
                f"semi-definite); the nearest that can is {suggestion}: use it, or set "
                "repair = true"
            )
        scores = nearest
    values, vectors = np.linalg.eigh(scores)
    return vectors * np.sqrt(np.clip(values, 0.0, None))
