"""Calibration targets: statistics of the outputs to match, and the parameters to fit.

A targets file is TOML::

    [[targets]]
    statistic = "quantile"          # or "probability", "mean"
    column = "cost_overrun"         # quantile, mean: an output column (or fail_<criterion>)
    q = 0.5                         # quantile only
    value = 0.0
    weight = 1.0                    # optional (1)
    [[targets]]
    statistic = "probability"
    event = "cost_overrun > 0.5"    # parsed by simcrm.scenario.criteria, never eval'ed
    value = 0.18
    [[targets]]
    statistic = "tail_exponent"     # the power-law exponent of (column + shift) above x_min
    column = "cost_overrun"
    shift = 1.0                     # cost ratio = 1 + cost_overrun
    x_min = 2.0
    value = 1.3

    [parameters]                    # dotted paths of numeric scenario fields: [low, high]
    "execution.tail_probability" = [0.05, 0.4]

A ``tail_exponent`` target is the maximum-likelihood (Hill) exponent ``alpha`` of the
survival function ``P(X > x) ∝ x^(−alpha)`` of ``X = column + shift`` above ``x_min``
(:func:`simcrm.stats.tails.hill_exponent`): ``k / Σ ln(X_i / x_min)`` over the ``k``
values above ``x_min`` — Clauset et al.'s estimator with ``x_min`` fixed (their density
exponent is ``alpha + 1``).

Residuals are ``(achieved − value) / scale``; ``scale`` defaults to 1 for probabilities
and dimensionless columns (overruns, adoption, ROI, scope growth), else to ``|value|``
(a relative error; 1 if the value is 0); for a tail exponent, to ``|value|``.
"""

from __future__ import annotations

import math
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal, Self

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator

from simcrm.errors import InputError
from simcrm.scenario.criteria import Criterion, compile_criteria
from simcrm.scenario.load import read_text
from simcrm.scenario.outputs import BOOLEAN_OUTPUTS, FAIL_PREFIX, OUTPUT_COLUMNS
from simcrm.scenario.paths import lookup, overridable
from simcrm.scenario.schema import Scenario
from simcrm.scenario.strict import NoBooleanNumbers
from simcrm.stats.tails import hill_exponent

Finite = Annotated[float, Field(allow_inf_nan=False)]
DIMENSIONLESS = frozenset(
    {"cost_overrun", "schedule_overrun", "scope_growth", "adoption_12m", "adoption_final", "roi"}
)


class TargetsError(InputError):
    """A targets file that cannot be read or does not fit the scenario."""


class Target(NoBooleanNumbers):
    """One statistic of the outputs with the value it should take."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    statistic: Literal["quantile", "probability", "mean", "tail_exponent"]
    value: Finite
    column: str | None = None
    q: Annotated[float, Field(gt=0.0, lt=1.0)] | None = None
    event: str | None = None
    x_min: Annotated[float, Field(gt=0.0, allow_inf_nan=False)] | None = None
    shift: Finite = 0.0
    weight: Annotated[float, Field(gt=0.0, allow_inf_nan=False)] = 1.0
    scale: Annotated[float, Field(gt=0.0, allow_inf_nan=False)] | None = None
    name: str | None = None

    @model_validator(mode="after")
    def _fields_fit_statistic(self) -> Self:
        needs = {
            "quantile": {"column", "q"},
            "probability": {"event"},
            "mean": {"column"},
            "tail_exponent": {"column", "x_min"},
        }
        wanted = needs[self.statistic]
        for field in ("column", "q", "event", "x_min"):
            given = getattr(self, field) is not None
            if given != (field in wanted):
                verb = "needs" if field in wanted else "takes no"
                raise ValueError(f"a {self.statistic} target {verb} {field!r}")
        if self.shift != 0.0 and self.statistic != "tail_exponent":
            raise ValueError(f"a {self.statistic} target takes no 'shift'")
        return self

    def label(self) -> str:
        """A short readable name: ``P50 cost_overrun``, ``P(cost_overrun > 0.5)``."""
        if self.name:
            return self.name
        if self.statistic == "quantile":
            return f"P{100 * (self.q or 0):g} {self.column}"
        if self.statistic == "probability":
            return f"P({self.event})"
        if self.statistic == "tail_exponent":
            shifted = f"{self.column} + {self.shift:g}" if self.shift else self.column
            return f"tail exponent of {shifted} above {self.x_min:g}"
        return f"mean {self.column}"

    def achieved(self, data: npt.NDArray[np.float64]) -> float:
        """The statistic on a column's defined values (a quantile, mean or tail exponent)."""
        if data.size == 0:
            return float("nan")
        if self.statistic == "quantile":
            return float(np.quantile(data, self.q or 0.5))
        if self.statistic == "tail_exponent":
            return hill_exponent(data + self.shift, self.x_min or 1.0)[0]
        return float(data.mean())

    def residual_scale(self) -> float:
        """The divisor of this target's residual (see the module docstring)."""
        if self.scale is not None:
            return self.scale
        if self.statistic == "tail_exponent":
            return abs(self.value) or 1.0
        if self.statistic == "probability" or (self.column or "") in DIMENSIONLESS:
            return 1.0
        if (self.column or "").startswith(FAIL_PREFIX):
            return 1.0
        return abs(self.value) or 1.0


class TargetsFile(NoBooleanNumbers):
    """The whole targets file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    targets: list[Target] = Field(min_length=1)
    parameters: dict[str, tuple[Finite, Finite]] = Field(min_length=1)


def load_targets(
    path: Path, scenario: Scenario, base_dir: Path | None = None
) -> tuple[TargetsFile, dict[str, Criterion]]:
    """Read and check a targets file against a scenario.

    Returns
    -------
    tuple
        The targets and the compiled events of the probability targets (by label).

    Raises
    ------
    TargetsError
        Unreadable file, unknown key, unknown column or parameter, bounds outside the
        parameter's field range — one line naming the field.
    """
    try:
        text = read_text(path, "targets")  # at most 1 MB, UTF-8
    except InputError as err:
        allowed = "no such targets file" if err.allowed == "no such file" else err.allowed
        raise TargetsError(err.field, err.value, allowed) from None
    try:
        data = tomllib.loads(text)
    except (ValueError, RecursionError) as err:  # TOMLDecodeError, or nested too deeply
        why = "nested too deeply" if isinstance(err, RecursionError) else str(err)
        raise TargetsError(str(path), text[:40], f"cannot be read as TOML ({why})") from None
    try:
        spec = TargetsFile.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        loc = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in first["loc"])
        message = first["msg"].removeprefix("Value error, ")
        raise TargetsError(f"{path}: {loc.lstrip('.')}", first.get("input"), message) from None
    outputs = {c: c in BOOLEAN_OUTPUTS for c in OUTPUT_COLUMNS}
    outputs |= {FAIL_PREFIX + name: True for name in scenario.criteria}
    events: dict[str, Criterion] = {}
    for i, target in enumerate(spec.targets):
        field = f"{path}: targets[{i}]"
        if target.column is not None and target.column not in outputs:
            raise TargetsError(
                f"{field}.column",
                target.column,
                f"not an output column; known: {', '.join(outputs)}",
            )
        if target.event is not None:
            compiled = compile_criteria({"event": target.event}, outputs, field_prefix=field)
            events[target.label()] = compiled["event"]
    for name, bounds in spec.parameters.items():
        check_parameter(scenario, name, bounds, f'{path}: parameters."{name}"', base_dir)
    return spec, events


def check_parameter(
    scenario: Scenario,
    path: str,
    bounds: tuple[float, float],
    field: str,
    base_dir: Path | None = None,
) -> None:
    """Refuse a path that is not a real-valued parameter, or bounds its field refuses.

    Each bound is checked against the field's own range (e.g. a probability in [0, 1]);
    rules that tie fields together (a p90 at least its p50) are left to the fit, which
    gives candidates that break them a penalty.
    """
    kinds = overridable(scenario)
    if kinds.get(path) != "number" or not isinstance(lookup(scenario, path), float):
        why = "a distribution: fit its own numbers" if kinds.get(path) else "no such parameter"
        raise TargetsError(field, path, f"{why}; give the dotted path of a real-valued field")
    if path in scenario.population.paths():
        raise TargetsError(
            field, path, "drawn per project or world by [population]; fit that distribution"
        )
    low, high = bounds
    if not low < high:
        raise TargetsError(field, list(bounds), "give [low, high] with low < high")
    *parents, leaf = path.split(".")
    section = lookup(scenario, ".".join(parents))
    if not isinstance(section, BaseModel):
        raise TargetsError(field, path, "not a field of a scenario section")
    info = type(section).model_fields[leaf]
    form: Any = Annotated[info.annotation, *info.metadata]
    adapter: TypeAdapter[Any] = TypeAdapter(form)
    for end in bounds:
        try:
            adapter.validate_python(end)
        except ValidationError as err:
            message = err.errors()[0]["msg"]
            raise TargetsError(
                field, list(bounds), f"the bound {end:g} is outside the field's range: {message}"
            ) from None


def round_value(value: float, digits: int = 4) -> float:
    """``value`` to ``digits`` significant digits (what a calibrated file records)."""
    if value == 0 or not math.isfinite(value):
        return value
    return float(f"{value:.{digits}g}")
