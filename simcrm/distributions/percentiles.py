"""Percentile parameterisation: a kind's own parameters solved from given percentiles.

A risk analyst often knows percentiles (a workshop's P10, P50 and P90) rather than a
distribution's parameters. The kinds that allow it take any two of ``p1 … p99`` (three for
``triangular`` and ``pert``, the "alternate parameters" of @RISK's RiskTriangAlt and
RiskPertAlt) instead of their own parameters. :class:`ByPercentiles` checks the form once,
at validation, and keeps the parameters it solves; the solvers of :mod:`~simcrm.distributions.percentile_solvers` return them, or raise
:class:`NoFit` when no distribution of the kind has the percentiles.
"""

from __future__ import annotations

import math
from typing import Annotated, ClassVar, Self

import numpy as np
import numpy.typing as npt
from pydantic import Field, PrivateAttr, ValidationInfo, field_validator, model_validator

from simcrm.distributions._base import PERCENTILES, High, Num, Pos, _Base, _not_below

FloatArray = npt.NDArray[np.float64]

PCT_KEYS = tuple(f"p{q}" for q in PERCENTILES)
"""The percentile keys, ``p1`` to ``p99``."""

REL = 1e-9
"""How closely the solved distribution must reproduce the given percentiles (relative)."""

_COUNT_WORDS = {2: "two", 3: "three"}


def _unset(value: object) -> bool:
    """Whether a field holds no value (it is then left out of dumps)."""
    return value is None


# Optional keys of the kinds that take percentiles: left out of a dump when not given, so
# the dump of a distribution given by its own parameters is what it was before percentiles.
MaybeNum = Annotated[Num | None, Field(exclude_if=_unset)]
MaybePos = Annotated[Pos | None, Field(exclude_if=_unset)]
MaybeHigh = Annotated[High | None, Field(exclude_if=_unset)]


class NoFit(ValueError):
    """No distribution of the kind has the given percentiles; the message says why."""


class ByPercentiles(_Base):
    """Machinery of a kind given by its own parameters or by percentiles, never both.

    A subclass declares its own parameters as optional fields named in ``_OWN``, then the
    fields ``p1 … p99`` (after any field the percentiles are checked against, such as
    ``low`` and ``high``), and implements :meth:`_fit`. Its methods read the parameters
    from ``_solved`` (given or solved), which validation sets once.
    """

    _OWN: ClassVar[tuple[str, ...]] = ()
    """Attribute names of the parameters the percentiles replace, in ``_solved`` order."""
    _COUNT: ClassVar[int] = 2
    """How many percentiles the kind takes."""
    _INSIDE: ClassVar[bool] = False
    """Percentiles must lie strictly between the fields ``low`` and ``high``."""
    _BOUNDS: ClassVar[dict[str, tuple[float, float, str]]] = {}
    """Own parameter → the closed interval it must lie in (given or solved), and why."""

    _solved: tuple[float, ...] = PrivateAttr(default=())

    @field_validator(*PCT_KEYS, check_fields=False)
    @classmethod
    def _check_percentile(cls, v: float | None, info: ValidationInfo) -> float | None:
        if v is None:
            return v
        earlier = [k for k, x in info.data.items() if k in PCT_KEYS and x is not None]
        if earlier:
            _not_below(info, v, earlier[-1], strict=True)
        low, high = info.data.get("low"), info.data.get("high")
        if cls._INSIDE and low is not None and high is not None and not low < v < high:
            raise ValueError(
                f"{info.field_name} ({v:g}) must lie strictly between low ({low:g}) "
                f"and high ({high:g})"
            )
        return v

    @model_validator(mode="after")
    def _one_form(self) -> Self:
        given = self.percentiles()
        keys = [self._key(name) for name in self._OWN]
        own = [
            key
            for name, key in zip(self._OWN, keys, strict=True)
            if getattr(self, name) is not None
        ]
        got = ", ".join([*own, *(f"p{q}" for q in given)]) or "none"
        *first, last = keys
        need = (
            f"give {', '.join(first)} and {last}, or exactly {_COUNT_WORDS[self._COUNT]} of p1..p99"
        )
        if own and given:
            raise ValueError(f"{need}, not both (got {got})")
        if given and len(given) == self._COUNT:
            self._solved = self._solve(given)
        elif not given and len(own) == len(keys):
            self._solved = tuple(float(getattr(self, name)) for name in self._OWN)
        else:
            raise ValueError(f"{need} (got {got})")
        for name, value in zip(self._OWN, self._solved, strict=True):
            low, high, why = self._BOUNDS.get(name, (-math.inf, math.inf, ""))
            if not low <= value <= high:
                how = "solved from the percentiles" if given else "given"
                raise ValueError(
                    f"{self._key(name)} = {value:.6g} ({how}) must lie within "
                    f"[{low:g}, {high:g}]: {why}"
                )
        return self

    def percentiles(self) -> dict[int, float]:
        """The percentiles given, by level (``{10: 80.0, 90: 120.0}``); empty if none."""
        return {q: x for q in PERCENTILES if (x := getattr(self, f"p{q}")) is not None}

    def params(self) -> dict[str, float]:
        """The kind's own parameters by key (``mean``, ``sd`` …): given, or solved."""
        return {self._key(n): v for n, v in zip(self._OWN, self._solved, strict=True)}

    @classmethod
    def _key(cls, name: str) -> str:
        """The key of a field in a scenario file (its alias, if it has one)."""
        return cls.model_fields[name].alias or name

    def _fit(self, u: FloatArray, x: FloatArray) -> tuple[float, ...]:
        """The own parameters whose percentiles at levels ``u`` are ``x`` (increasing)."""
        raise NotImplementedError

    def _solve(self, given: dict[int, float]) -> tuple[float, ...]:
        """Solve the own parameters and check the percentiles they give."""
        u = np.array([q / 100 for q in given])
        x = np.array(list(given.values()), dtype=np.float64)
        listing = ", ".join(f"p{q} = {v:g}" for q, v in given.items())
        kind = type(self).model_fields["kind"].default
        try:
            with np.errstate(all="ignore"):
                solved = tuple(float(v) for v in self._fit(u, x))
                if not all(math.isfinite(v) for v in solved):
                    raise NoFit("its parameters would not be finite numbers")
                self._solved = solved
                fitted = self.ppf(u)
        except NoFit as err:
            raise ValueError(
                f"no {kind} distribution has these percentiles ({listing}): {err}"
            ) from None
        except (ValueError, ArithmeticError, RuntimeError) as err:  # a solver gave up
            raise ValueError(
                f"no {kind} distribution has these percentiles ({listing}): the solver "
                f"failed ({err})"
            ) from None
        scale = np.maximum(np.abs(x), x[-1] - x[0])
        miss = np.abs(fitted - x) / scale
        if not np.all(miss <= REL):  # nan (a failed solve) misses too
            worst = float(np.max(np.where(np.isnan(miss), np.inf, miss)))
            raise ValueError(
                f"no {kind} distribution has these percentiles ({listing}): the closest "
                f"one found misses them by {worst:.1e} (relative)"
            )
        return solved


# ----------------------------------------------------------------------------- solvers
