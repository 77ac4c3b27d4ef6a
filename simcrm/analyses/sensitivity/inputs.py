"""What a sensitivity analysis varies and what it looks at: inputs, groups, statistics.

The *inputs* are a scenario's per-trial uncertain inputs,
:func:`simcrm.scenario.paths.correlatable` of kinds ``"factor"`` (a cost item's overrun,
the schedule factor) and ``"distribution"`` (a field drawn per trial), named by their
dotted paths as the scenario writes them. Risk occurrences (``"occurrence"``) are not
inputs: a risk stays part of the model's own randomness (its occurrence is the same
event in trial ``j`` of every run of an analysis, common random numbers).

Each input has the distribution of the value its ``in_<path>`` column reports: for a
factor, after planning's narrowing and before the fat tail — a ``{ p50, p90 }`` factor
is a lognormal (:func:`simcrm.model.costs.log_params`) whose sigma planning multiplies
by ``1 − s·q``; with a planning quality that varies per trial, the mixture over ``q``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from scipy.special import ndtr, ndtri

from simcrm.errors import InputError
from simcrm.model.costs import MIN_FACTOR, log_params
from simcrm.scenario.delivery import is_percentile_factor
from simcrm.scenario.outputs import BOOLEAN_OUTPUTS, FAIL_PREFIX, OUTPUT_COLUMNS
from simcrm.scenario.paths import correlatable, lookup
from simcrm.scenario.schema import Scenario

FloatArray = npt.NDArray[np.float64]

QUALITY_NODES = 64
"""Planning qualities (their quantiles at midpoints) a factor's mixture is taken over."""

DEFAULT_GROUPS: tuple[tuple[str, str], ...] = (
    ("cost items", r"components\.[^.]+\.overrun"),
    ("adoption", r"adoption\..+"),
    ("money", r"money\..+"),
    ("reviews", r"reviews\..+"),
)
"""Group name → pattern of the input paths it holds (the groups with no input are left out)."""


@dataclass(frozen=True)
class UncertainInput:
    """One per-trial uncertain input of a scenario.

    Attributes
    ----------
    path
        Its dotted path, as the scenario writes it (``components.integration.overrun``).
    kind
        ``"factor"`` or ``"distribution"``.
    quantile
        Its quantile function: probability (array) → value.
    """

    path: str
    kind: str
    quantile: Any

    def ppf(self, u: npt.ArrayLike) -> FloatArray:
        """The input's values at probabilities ``u`` (what scipy calls a ``ppf``)."""
        return np.asarray(self.quantile(np.asarray(u, dtype=np.float64)), dtype=np.float64)


def uncertain_inputs(
    scenario: Scenario, names: Sequence[str] | None = None
) -> list[UncertainInput]:
    """The scenario's uncertain inputs (or those of ``names``), in the scenario's order.

    Raises
    ------
    InputError
        A name (``--inputs``) that is not an uncertain input of the scenario.
    """
    kinds = {p: k for p, k in correlatable(scenario).items() if k != "occurrence"}
    chosen = list(kinds) if names is None else list(names)
    for name in chosen:
        if name not in kinds:
            raise InputError(
                "--inputs", name, f"an uncertain input of the scenario: {_list(kinds)}"
            )
    if not chosen:
        raise InputError("--inputs", list(chosen), "at least one uncertain input")
    found = []
    for path in chosen:
        if kinds[path] == "factor":
            found.append(UncertainInput(path, "factor", _FactorQuantile.of(scenario, path)))
        else:
            found.append(UncertainInput(path, "distribution", lookup(scenario, path).ppf))  # type: ignore[attr-defined]
    return found


@dataclass(frozen=True)
class _FactorQuantile:
    """Quantile of a factor after planning's narrowing: ``X' = m (X / m)^(1 − s q)``."""

    base: Any
    median: float
    spreads: tuple[float, ...]

    @classmethod
    def of(cls, scenario: Scenario, path: str) -> _FactorQuantile:
        given: Any = lookup(scenario, path)
        if is_percentile_factor(given):
            mu, sigma = log_params(float(given.p50), float(given.p90))
            base: Any = _LogNormal(float(mu), float(sigma))
        else:
            base = given
        median = max(float(base.ppf(0.5)), MIN_FACTOR)
        quality = lookup(scenario, "plan.planning_quality")
        nodes = (np.arange(QUALITY_NODES) + 0.5) / QUALITY_NODES
        q = np.atleast_1d(quality.ppf(nodes) if hasattr(quality, "ppf") else float(quality))  # type: ignore[arg-type]
        s = float(scenario.plan.spread_planning_effect)
        spreads = tuple(sorted(set((1.0 - s * np.asarray(q, dtype=np.float64)).tolist())))
        return cls(base, median, spreads)

    def _log_values(self, u: FloatArray, spread: float) -> FloatArray:
        x = np.maximum(np.asarray(self.base.ppf(u), dtype=np.float64), MIN_FACTOR)
        return np.log(self.median) + spread * (np.log(x) - np.log(self.median))

    def __call__(self, u: FloatArray) -> FloatArray:
        if len(self.spreads) == 1:
            return np.exp(self._log_values(u, self.spreads[0]))
        # a mixture over the planning qualities: invert its CDF on a fine grid
        grid = ndtr(np.linspace(-8.5, 8.5, 4001))
        curves = [self._log_values(grid, k) for k in self.spreads]
        xs = np.unique(np.concatenate(curves))
        cdf = np.mean([np.interp(xs, c, grid) for c in curves], axis=0)
        return np.exp(np.interp(u, cdf, xs))


@dataclass(frozen=True)
class _LogNormal:
    mu: float
    sigma: float

    def ppf(self, u: npt.ArrayLike) -> FloatArray:
        return np.exp(self.mu + self.sigma * ndtri(np.asarray(u, dtype=np.float64)))


def input_groups(
    inputs: Sequence[UncertainInput], extra: Mapping[str, Sequence[str]] | None = None
) -> dict[str, tuple[int, ...]]:
    """Groups of inputs, by name → indices into ``inputs``.

    The default groups ("cost items", "adoption", "money", "reviews") hold the inputs
    whose paths they match (a group without any is left out); ``extra`` adds the user's.

    Raises
    ------
    InputError
        A user group (``--groups``) naming a path that is not one of ``inputs``.
    """
    paths = [i.path for i in inputs]
    groups: dict[str, tuple[int, ...]] = {}
    for name, pattern in DEFAULT_GROUPS:
        members = tuple(k for k, p in enumerate(paths) if re.fullmatch(pattern, p))
        if members:
            groups[name] = members
    for name, names in (extra or {}).items():
        for path in names:
            if path not in paths:
                raise InputError("--groups", path, f"group {name!r}: one of {_list(paths)}")
        if not names:
            raise InputError("--groups", name, "a group names at least one input")
        groups[name] = tuple(paths.index(p) for p in names)
    return groups


@dataclass(frozen=True)
class Statistic:
    """A figure of a run's trials: a mean, a percentile or a failure probability.

    Attributes
    ----------
    name
        As printed: ``mean npv``, ``P80 actual_cost``, ``P(fail cio)``.
    column
        The per-trial output it is a figure of.
    kind
        ``"mean"``, ``"quantile"`` or ``"probability"`` (the mean of a 0/1 column).
    q
        The quantile's probability (quantiles only).
    """

    name: str
    column: str
    kind: Literal["mean", "quantile", "probability"]
    q: float = float("nan")

    def of(self, values: npt.NDArray[Any]) -> float:
        """The statistic of one run's values of :attr:`column`."""
        x = np.asarray(values, dtype=np.float64)
        if self.kind == "quantile":
            return float(np.nanquantile(x, self.q))
        return float(np.nanmean(x))


def default_statistics(scenario: Scenario) -> list[Statistic]:
    """Mean npv, mean actual_cost, P80 actual_cost, and P(fail) of every criterion."""
    names = ["mean npv", "mean actual_cost", "P80 actual_cost"]
    names += [f"P(fail {c})" for c in scenario.criteria]
    return parse_statistics(scenario, names)


_QUANTILE = re.compile(r"[Pp](\d{1,2}(?:\.\d+)?)[ :_](\w+)")
_FAIL = re.compile(r"P\(fail (\w+)\)|fail[:_ ](\w+)")
_MEAN = re.compile(r"(?:mean[ :_])?(\w+)")


def parse_statistics(scenario: Scenario, texts: Sequence[str]) -> list[Statistic]:
    """Statistics from their names: ``mean npv`` (or ``npv``), ``P80 actual_cost`` (or
    ``p80:actual_cost``), ``P(fail cio)`` (or ``fail_cio``).

    Raises
    ------
    InputError
        A name (``--outputs``) of no output column or criterion of the scenario.
    """
    numeric = [c for c, t in OUTPUT_COLUMNS.items() if t is np.float64 and c != "trial"]
    criteria = list(scenario.criteria)
    allowed = (
        f"mean <column>, P<percent> <column> or P(fail <criterion>); columns: "
        f"{', '.join(numeric)}; criteria: {', '.join(criteria) or 'none'}"
    )
    found: list[Statistic] = []
    for text in texts:
        name = text.strip()
        if match := _FAIL.fullmatch(name):
            criterion = match.group(1) or match.group(2)
            if criterion in criteria:
                found.append(
                    Statistic(f"P(fail {criterion})", FAIL_PREFIX + criterion, "probability")
                )
                continue
        elif match := _QUANTILE.fullmatch(name):
            percent, column = float(match.group(1)), match.group(2)
            if column in numeric and 0 < percent < 100:
                found.append(Statistic(f"P{percent:g} {column}", column, "quantile", percent / 100))
                continue
        elif match := _MEAN.fullmatch(name):
            column = match.group(1)
            if column in numeric or column in BOOLEAN_OUTPUTS:
                found.append(Statistic(f"mean {column}", column, "mean"))
                continue
        raise InputError("--outputs", text, allowed)
    if not found:
        raise InputError("--outputs", list(texts), allowed)
    return list({s.name: s for s in found}.values())


def output_columns(statistics: Sequence[Statistic]) -> tuple[str, ...]:
    """The per-trial columns behind ``statistics``, each once, in order."""
    return tuple(dict.fromkeys(s.column for s in statistics))


def _list(names: Sequence[str] | Mapping[str, Any]) -> str:
    return ", ".join(names) if names else "none"
