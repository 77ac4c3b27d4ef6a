"""Vectorised probability distributions used as scenario parameters.

Each distribution is a frozen pydantic model tagged by ``kind`` with the methods
``sample(rng, size)``, ``ppf(u)``, ``mean()``, ``variance()`` and ``support()``.
``ppf`` returns nan for ``u`` outside ``[0, 1]`` and is clipped to the support (so for
discrete kinds ``ppf(0)`` is the smallest possible value). ``sample`` draws only from the
:class:`numpy.random.Generator` it is given.
"""

from __future__ import annotations

import csv
import math
import numbers
from pathlib import Path
from typing import Annotated, Any, Literal, Self, TypeAlias

import numpy as np
import numpy.typing as npt
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    TypeAdapter,
    ValidationInfo,
    field_validator,
    model_validator,
)
from scipy import special


class _LazyStats:
    """``scipy.stats``, imported on first use: it costs ~1 s, and sampling never needs it."""

    def __getattr__(self, name: str) -> Any:
        from scipy import stats as scipy_stats

        return getattr(scipy_stats, name)


stats = _LazyStats()

# A finite number: int or float; bool and str are refused (nan/inf by ``allow_inf_nan``).
Num = Annotated[float, Field(strict=True)]
Pos = Annotated[float, Field(strict=True, gt=0)]

PERCENTILES = (1, 5, 10, 20, 25, 50, 75, 80, 90, 95, 99)


def _u(u: npt.ArrayLike) -> np.ndarray:
    """Probabilities as float64, with nan wherever they fall outside ``[0, 1]``."""
    a = np.asarray(u, dtype=np.float64)
    return np.where((a >= 0.0) & (a <= 1.0), a, np.nan)


def _not_below(info: ValidationInfo, value: float, other: str, *, strict: bool) -> float:
    """Check a field against an earlier one: ``value > other`` (``>=`` if not strict)."""
    ref = info.data.get(other)
    if ref is not None and (value <= ref if strict else value < ref):
        word = "greater than" if strict else "at least"
        raise ValueError(f"{info.field_name} ({value:g}) must be {word} {other} ({ref:g})")
    return value


class _Base(BaseModel):
    """Common configuration and interface; defaults delegate to a ``scipy.stats`` law."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, allow_inf_nan=False, serialize_by_alias=True
    )

    def _scipy(self) -> tuple[Any, tuple[float, ...]]:
        """The ``scipy.stats`` distribution and its positional (shapes, loc, scale)."""
        raise NotImplementedError

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Draw ``size`` float64 values using only ``rng`` (inverse transform by default)."""
        return self.ppf(rng.random(size))

    def ppf(self, u: npt.ArrayLike) -> np.ndarray:
        """Inverse CDF at probabilities ``u`` (float64, shape of ``u``)."""
        law, args = self._scipy()
        return np.clip(np.asarray(law.ppf(_u(u), *args), dtype=np.float64), *self.support())

    def mean(self) -> float:
        """Expected value."""
        law, args = self._scipy()
        return float(law.mean(*args))

    def variance(self) -> float:
        """Variance."""
        law, args = self._scipy()
        return float(law.var(*args))

    def support(self) -> tuple[float, float]:
        """Smallest and largest possible values (may be infinite)."""
        law, args = self._scipy()
        lo, hi = law.support(*args)
        return (float(lo), float(hi))


class Fixed(_Base):
    """A constant ``value`` (sampling draws nothing from the generator)."""

    kind: Literal["fixed"] = "fixed"
    value: Num

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return np.full(size, self.value, dtype=np.float64)

    def ppf(self, u: npt.ArrayLike) -> np.ndarray:
        return np.where(np.isnan(_u(u)), np.nan, self.value)

    def mean(self) -> float:
        return self.value

    def variance(self) -> float:
        return 0.0

    def support(self) -> tuple[float, float]:
        return (self.value, self.value)


class Uniform(_Base):
    """Continuous uniform on ``[low, high]``."""

    kind: Literal["uniform"] = "uniform"
    low: Num
    high: Num

    @field_validator("high")
    @classmethod
    def _check_high(cls, v: float, info: ValidationInfo) -> float:
        return _not_below(info, v, "low", strict=True)

    def _scipy(self) -> tuple[Any, tuple[float, ...]]:
        return stats.uniform, (self.low, self.high - self.low)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.uniform(self.low, self.high, size)


class _ThreePoint(_Base):
    """Fields ``low <= mode <= high`` with ``low < high``."""

    low: Num
    mode: Num
    high: Num

    @field_validator("mode")
    @classmethod
    def _check_mode(cls, v: float, info: ValidationInfo) -> float:
        return _not_below(info, v, "low", strict=False)

    @field_validator("high")
    @classmethod
    def _check_high(cls, v: float, info: ValidationInfo) -> float:
        _not_below(info, v, "low", strict=True)
        return _not_below(info, v, "mode", strict=False)


class Triangular(_ThreePoint):
    """Triangular on ``[low, high]`` peaking at ``mode``."""

    kind: Literal["triangular"] = "triangular"

    def _scipy(self) -> tuple[Any, tuple[float, ...]]:
        width = self.high - self.low
        return stats.triang, ((self.mode - self.low) / width, self.low, width)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.triangular(self.low, self.mode, self.high, size)


class Beta(_Base):
    """Beta(``a``, ``b``) scaled to ``[low, high]``."""

    kind: Literal["beta"] = "beta"
    a: Pos
    b: Pos
    low: Num = 0.0
    high: Num = 1.0

    @field_validator("high")
    @classmethod
    def _check_high(cls, v: float, info: ValidationInfo) -> float:
        return _not_below(info, v, "low", strict=True)

    def _scipy(self) -> tuple[Any, tuple[float, ...]]:
        return stats.beta, (self.a, self.b, self.low, self.high - self.low)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return self.low + (self.high - self.low) * rng.beta(self.a, self.b, size)


class Pert(_ThreePoint):
    """Beta-PERT: scaled beta, ``alpha = 1 + lamb (mode-low)/(high-low)``, ``beta`` alike."""

    kind: Literal["pert"] = "pert"
    lamb: Pos = 4.0

    def as_beta(self) -> Beta:
        """The equivalent scaled :class:`Beta`."""
        width = self.high - self.low
        a = 1 + self.lamb * (self.mode - self.low) / width
        b = 1 + self.lamb * (self.high - self.mode) / width
        return Beta(kind="beta", a=a, b=b, low=self.low, high=self.high)

    def _scipy(self) -> tuple[Any, tuple[float, ...]]:
        return self.as_beta()._scipy()

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return self.as_beta().sample(rng, size)


class Normal(_Base):
    """Normal with mean ``mean`` (Python attribute ``loc``) and standard deviation ``sd``."""

    kind: Literal["normal"] = "normal"
    loc: Num = Field(alias="mean")
    sd: Pos

    def _scipy(self) -> tuple[Any, tuple[float, ...]]:
        return stats.norm, (self.loc, self.sd)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.normal(self.loc, self.sd, size)


class TruncNormal(_Base):
    """Normal(``mean``, ``sd``) restricted to ``[low, high]``; sampled by exact inverse CDF.

    The Python attribute of ``mean`` (the untruncated mean) is ``loc``.
    """

    kind: Literal["truncnormal"] = "truncnormal"
    loc: Num = Field(alias="mean")
    sd: Pos
    low: Num
    high: Num

    @field_validator("high")
    @classmethod
    def _check_high(cls, v: float, info: ValidationInfo) -> float:
        return _not_below(info, v, "low", strict=True)

    def _scipy(self) -> tuple[Any, tuple[float, ...]]:
        a, b = (self.low - self.loc) / self.sd, (self.high - self.loc) / self.sd
        return stats.truncnorm, (a, b, self.loc, self.sd)

    def ppf(self, u: npt.ArrayLike) -> np.ndarray:
        a, b = self._scipy()[1][:2]
        if a > 30.0 or b < -30.0:  # far out in a tail: scipy works in logs
            return super().ppf(u)
        uu = _u(u)
        # F(x) and 1 - F(x) as sums of positive terms (no cancellation); invert the smaller.
        p = (1 - uu) * special.ndtr(a) + uu * special.ndtr(b)
        q = (1 - uu) * special.ndtr(-a) + uu * special.ndtr(-b)
        z = np.where(
            p <= 0.5, special.ndtri(np.minimum(p, 0.5)), -special.ndtri(np.minimum(q, 0.5))
        )
        x = np.clip(self.loc + self.sd * z, self.low, self.high)
        return np.where(uu == 0, self.low, np.where(uu == 1, self.high, x))


class LogNormal(_Base):
    """Log-normal from ``mu`` and ``sigma`` (of the log), or from exactly two percentiles.

    ``p50 = 120, p90 = 300`` means a median of 120 and a 90th percentile of 300.
    """

    kind: Literal["lognormal"] = "lognormal"
    mu: Num | None = None
    sigma: Pos | None = None
    p1: Pos | None = None
    p5: Pos | None = None
    p10: Pos | None = None
    p20: Pos | None = None
    p25: Pos | None = None
    p50: Pos | None = None
    p75: Pos | None = None
    p80: Pos | None = None
    p90: Pos | None = None
    p95: Pos | None = None
    p99: Pos | None = None

    @field_validator(*(f"p{q}" for q in PERCENTILES))
    @classmethod
    def _increasing(cls, v: float | None, info: ValidationInfo) -> float | None:
        earlier = [k for k, x in info.data.items() if k[0] == "p" and x is not None]
        if v is not None and earlier:
            _not_below(info, v, earlier[-1], strict=True)
        return v

    def _percentiles(self) -> list[tuple[int, float]]:
        return [(q, x) for q in PERCENTILES if (x := getattr(self, f"p{q}")) is not None]

    @model_validator(mode="after")
    def _one_form(self) -> Self:
        got = ", ".join(f"p{q}" for q, _ in self._percentiles()) or "none"
        n_log = (self.mu is not None) + (self.sigma is not None)
        if n_log and self._percentiles():
            raise ValueError(f"give mu and sigma, or exactly two of p1..p99, not both (got {got})")
        if n_log == 1:
            raise ValueError("give both mu and sigma (of the log), or exactly two of p1..p99")
        if n_log == 0 and len(self._percentiles()) != 2:
            raise ValueError(f"give mu and sigma, or exactly two of p1..p99 (got {got})")
        return self

    def log_sigma(self) -> float:
        """Standard deviation of the log: given, or solved from the two percentiles."""
        if self.sigma is not None:
            return self.sigma
        (q1, x1), (q2, x2) = self._percentiles()
        dz = special.ndtri(q2 / 100) - special.ndtri(q1 / 100)
        return float((math.log(x2) - math.log(x1)) / dz)

    def log_mu(self) -> float:
        """Mean of the log (log of the median): given, or solved from the two percentiles."""
        if self.mu is not None:
            return self.mu
        # Anchor on the percentile nearer the median (exact when it is p50).
        q, x = min(self._percentiles(), key=lambda qx: abs(qx[0] - 50))
        return float(math.log(x) - self.log_sigma() * special.ndtri(q / 100))

    def _scipy(self) -> tuple[Any, tuple[float, ...]]:
        return stats.lognorm, (self.log_sigma(), 0.0, math.exp(self.log_mu()))

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.lognormal(self.log_mu(), self.log_sigma(), size)

    def ppf(self, u: npt.ArrayLike) -> np.ndarray:
        return np.exp(self.log_mu() + self.log_sigma() * special.ndtri(_u(u)))


class Gamma(_Base):
    """Gamma with ``shape`` and ``scale``."""

    kind: Literal["gamma"] = "gamma"
    shape: Pos
    scale: Pos

    def _scipy(self) -> tuple[Any, tuple[float, ...]]:
        return stats.gamma, (self.shape, 0.0, self.scale)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.gamma(self.shape, self.scale, size)


class Poisson(_Base):
    """Poisson counts with mean ``lam``."""

    kind: Literal["poisson"] = "poisson"
    lam: Num = Field(ge=0)

    def _scipy(self) -> tuple[Any, tuple[float, ...]]:
        return stats.poisson, (self.lam,)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.poisson(self.lam, size).astype(np.float64)

    def support(self) -> tuple[float, float]:
        return (0.0, math.inf if self.lam > 0 else 0.0)


class Bernoulli(_Base):
    """1 with probability ``p``, else 0."""

    kind: Literal["bernoulli"] = "bernoulli"
    p: Num = Field(ge=0, le=1)

    def _scipy(self) -> tuple[Any, tuple[float, ...]]:
        return stats.bernoulli, (self.p,)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return (rng.random(size) < self.p).astype(np.float64)

    def support(self) -> tuple[float, float]:
        return (0.0 if self.p < 1 else 1.0, 1.0 if self.p > 0 else 0.0)


class _Finite(_Base):
    """A distribution on finitely many values, given by :meth:`table`."""

    def table(self) -> tuple[np.ndarray, np.ndarray]:
        """Sorted distinct values of positive probability, and their probabilities."""
        raise NotImplementedError

    def ppf(self, u: npt.ArrayLike) -> np.ndarray:
        x, prob = self.table()
        uu = _u(u)
        idx = np.searchsorted(np.cumsum(prob), np.nan_to_num(uu), side="left")
        return np.where(np.isnan(uu), np.nan, x[np.minimum(idx, len(x) - 1)])

    def mean(self) -> float:
        x, prob = self.table()
        return float(prob @ x)

    def variance(self) -> float:
        x, prob = self.table()
        return float(prob @ (x - prob @ x) ** 2)

    def support(self) -> tuple[float, float]:
        x, _ = self.table()
        return (float(x[0]), float(x[-1]))


class Discrete(_Finite):
    """Finite distribution on ``values`` with optional ``weights`` (normalised)."""

    kind: Literal["discrete"] = "discrete"
    values: tuple[Num, ...] = Field(min_length=1)
    weights: tuple[Num, ...] | None = None

    @field_validator("weights")
    @classmethod
    def _check_weights(
        cls, v: tuple[float, ...] | None, info: ValidationInfo
    ) -> tuple[float, ...] | None:
        values = info.data.get("values")
        if v is not None and values is not None and len(v) != len(values):
            raise ValueError(
                f"weights has {len(v)} entries, values {len(values)}: give one per value"
            )
        if v is not None and min(v, default=0.0) < 0:
            raise ValueError("weights must not be negative")
        if v is not None and sum(v) <= 0:
            raise ValueError("weights must have a positive sum")
        return v

    def table(self) -> tuple[np.ndarray, np.ndarray]:
        x = np.asarray(self.values, dtype=np.float64)
        w = np.ones_like(x) if self.weights is None else np.asarray(self.weights, np.float64)
        x, inverse = np.unique(x[w > 0], return_inverse=True)
        return x, np.bincount(inverse, weights=w[w > 0]) / w.sum()

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        x, prob = self.table()
        return rng.choice(x, size=size, p=prob)


def _read_column(path: Path, column: str) -> tuple[float, ...]:
    """Read one numeric column of a CSV file; any failure is a ValueError naming both."""
    where = f"empirical file {str(path)!r}, column {column!r}"
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            if column not in (names := reader.fieldnames or []):
                raise ValueError(f"{where}: no such column (columns: {', '.join(names)})")
            cells = [(reader.line_num, row[column]) for row in reader]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ValueError(f"{where}: cannot read the file ({exc})") from exc
    out = []
    for line, cell in cells:
        try:
            x = float(cell)
        except (TypeError, ValueError):
            x = math.nan
        if not math.isfinite(x):
            raise ValueError(f"{where}, line {line}: {cell!r} is not a finite number")
        out.append(x)
    if not out:
        raise ValueError(f"{where}: no values")
    return tuple(out)


class Empirical(_Finite):
    """Bootstrap from data: inline ``values``, or a CSV ``file`` and its ``column``.

    A relative ``file`` is resolved against the validation context's ``base_dir`` (the
    scenario's folder), else the current directory; the data are loaded at validation.
    """

    kind: Literal["empirical"] = "empirical"
    values: tuple[Num, ...] | None = None
    file: str | None = None
    column: str | None = None
    _data: tuple[float, ...] = PrivateAttr(default=())

    @model_validator(mode="after")
    def _load(self, info: ValidationInfo) -> Self:
        if self.values is not None and self.file is not None:
            raise ValueError("give either values (a list) or file and column (a CSV), not both")
        if self.values is None and self.file is None:
            raise ValueError("give values (a list) or file and column (a CSV)")
        if self.values is not None:
            if self.column is not None:
                raise ValueError("column is only used with file")
            if not self.values:
                raise ValueError("values must not be empty")
            self._data = tuple(self.values)
        elif self.file is not None:
            if self.column is None:
                raise ValueError(f"file {self.file!r} needs column: the CSV column to read")
            ctx = info.context if isinstance(info.context, dict) else {}
            base = Path(ctx.get("base_dir") or Path.cwd())
            self._data = _read_column(base / Path(self.file).expanduser(), self.column)
        return self

    def data(self) -> np.ndarray:
        """The observations (a new float64 array)."""
        return np.asarray(self._data, dtype=np.float64)

    def table(self) -> tuple[np.ndarray, np.ndarray]:
        x, counts = np.unique(self.data(), return_counts=True)
        return x, counts / counts.sum()

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Draw uniformly with replacement from the observations (bootstrap)."""
        return rng.choice(self.data(), size=size)

    def ppf(self, u: npt.ArrayLike) -> np.ndarray:
        """Empirical quantile, ``np.quantile(..., method="inverted_cdf")``."""
        uu = _u(u)
        q = np.quantile(self.data(), np.nan_to_num(uu), method="inverted_cdf")
        return np.where(np.isnan(uu), np.nan, q)


Distribution: TypeAlias = Annotated[
    Fixed
    | Uniform
    | Triangular
    | Pert
    | Normal
    | TruncNormal
    | LogNormal
    | Beta
    | Gamma
    | Poisson
    | Bernoulli
    | Discrete
    | Empirical,
    Field(discriminator="kind"),
]


def _number_to_fixed(x: Any) -> Any:
    """Turn a bare number (not a bool) into a ``fixed`` table."""
    if isinstance(x, bool | np.bool_):
        raise ValueError("expected a number or a distribution table with a kind, got a boolean")
    if isinstance(x, numbers.Real):
        return {"kind": "fixed", "value": float(x)}
    return x


DistributionOrNumber: TypeAlias = Annotated[Distribution, BeforeValidator(_number_to_fixed)]

_ADAPTER: TypeAdapter[Distribution] = TypeAdapter(DistributionOrNumber)


def as_distribution(x: float | Distribution) -> Distribution:
    """Return ``x`` if it is a distribution, else ``Fixed(value=x)``.

    Parameters
    ----------
    x
        A number (not a bool) or a distribution.
    """
    return _ADAPTER.validate_python(x)
