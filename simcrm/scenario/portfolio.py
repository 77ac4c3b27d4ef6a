"""The portfolio file: candidate projects, what ties them together, the budget and the
risk appetite (docs/portfolio.md).

A portfolio is a TOML file validated like a scenario (unknown keys refused with a "did
you mean", every error naming the field)::

    name = "regional_crm"
    currency = "CNY"

    [simulation]
    trials = 200_000              # the aggregate and the out-of-sample check
    selection_trials = 2_000      # the sample the selection is solved on (one binary each)
    seed = 20261129

    [budget]
    total = 10_000_000            # and/or per_year = [4e6, 4e6, 2e6]

    [risk]
    alpha = 0.10                  # P(cost above budget) allowed
    contingency = [0.5, 0.8, 0.9]

    [factors.vendor]              # drawn once per portfolio trial
    on = "cost"                   # or "benefits"

    [[candidates]]
    name = "sales_emea"
    scenario = "baseline"         # a shipped name, or a path relative to this file
    count = 3                     # up to 3 projects of this kind
    overrides = { "plan.users" = 400 }
    loadings = { vendor = 0.5 }

:func:`load_portfolio` reads the file and resolves each candidate into its validated
scenario (overrides applied by :func:`simcrm.scenario.editing.with_values`).
"""

from __future__ import annotations

import difflib
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal, Self

from pydantic import Field, PrivateAttr, ValidationError, model_validator

from simcrm.errors import InputError, ScenarioError
from simcrm.scenario.editing import with_values
from simcrm.scenario.load import load_scenario, read_text, validation_error
from simcrm.scenario.schema import Scenario
from simcrm.scenario.sections import Positive, Section
from simcrm.scenario.shipped import shipped_scenario

MAX_CANDIDATES = 64
MAX_COUNT = 100
"""Most projects of one kind a candidate may stand for."""
MAX_INSTANCES = 200
"""Most projects in all (the candidates' counts summed)."""
MAX_CELLS = 60_000_000
"""Most project-trials held at once (projects × trials): about 50 bytes each."""
MAX_SELECTION_TRIALS = 20_000
"""Most trials in the selection programme (one binary variable each)."""
MAX_YEARS = 30
NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
Loading = Annotated[float, Field(ge=-1.0, le=1.0, allow_inf_nan=False)]
Level = Annotated[float, Field(gt=0.0, lt=1.0, allow_inf_nan=False)]


class PortfolioSimulation(Section):
    """Sample sizes and the seed of a portfolio analysis."""

    trials: int = Field(
        200_000,
        ge=1_000,
        le=10_000_000,
        description="Portfolio trials of the aggregate and of the out-of-sample check.",
    )
    selection_trials: int = Field(
        2_000,
        ge=100,
        le=MAX_SELECTION_TRIALS,
        description="Portfolio trials the selection is solved on (an independent sample).",
    )
    seed: int = Field(ge=0, le=2**63 - 1, description="Root entropy of every draw.")
    time_limit_seconds: float = Field(
        60.0,
        gt=0.0,
        le=3_600.0,
        allow_inf_nan=False,
        description="Time limit of each selection programme (HiGHS); the gap is reported.",
    )


class Budget(Section):
    """What the portfolio may spend on implementation: in total, per year, or both."""

    total: Positive | None = Field(None, description="Budget for all implementation cost.")
    per_year: list[Positive] | None = Field(
        None,
        min_length=1,
        max_length=MAX_YEARS,
        description="Budget of each year from the portfolio's month 0; spending after the "
        "last year counts against the last.",
    )

    @model_validator(mode="after")
    def _one_given(self) -> Self:
        if self.total is None and self.per_year is None:
            raise ValueError("give total = <amount>, per_year = [<amount>, ...], or both")
        return self

    def lines(self) -> list[tuple[str, float]]:
        """``(label, amount)`` of every limit: ``total``, then ``year 1``, ``year 2``, …"""
        found = [("total", self.total)] if self.total is not None else []
        return found + [(f"year {k + 1}", b) for k, b in enumerate(self.per_year or [])]

    def scaled(self, factor: float) -> Budget:
        """The same time profile, every amount times ``factor``."""
        return Budget(
            total=None if self.total is None else self.total * factor,
            per_year=None if self.per_year is None else [b * factor for b in self.per_year],
        )


class Risk(Section):
    """The risk appetite."""

    alpha: Level = Field(
        0.10, description="Largest probability of spending more than the budget allowed."
    )
    contingency: list[Level] = Field(
        [0.5, 0.8, 0.9],
        min_length=1,
        max_length=9,
        description="Confidence levels at which contingency is reported.",
    )


class Factor(Section):
    """A shared factor, drawn once per portfolio trial."""

    on: Literal["cost", "benefits"] = Field(
        "cost", description="What it moves together: the projects' cost or their benefits."
    )
    description: str = Field("", max_length=500)


class Money(Section):
    """Discounting across start months."""

    discount_rate: Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)] | None = Field(
        None, description="Annual rate bringing a later start's NPV to the portfolio's month 0."
    )


class Candidate(Section):
    """One kind of project the portfolio may fund."""

    name: str = Field(pattern=NAME)
    scenario: str = Field(min_length=1, max_length=4096)
    description: str = Field("", max_length=500)
    count: int = Field(1, ge=1, le=MAX_COUNT, description="At most this many projects.")
    min_count: int = Field(0, ge=0, le=MAX_COUNT, description="At least this many projects.")
    start_month: int = Field(0, ge=0, le=240, description="Month of the projects' start.")
    overrides: dict[str, Any] = Field(default_factory=dict, max_length=100)
    loadings: dict[str, Loading] = Field(default_factory=dict, max_length=20)

    @model_validator(mode="after")
    def _counts(self) -> Self:
        if self.min_count > self.count:
            raise ValueError(f"min_count {self.min_count} is above count {self.count}")
        return self


class Portfolio(Section):
    """Candidate projects, shared factors, budget and risk appetite: :func:`load_portfolio`."""

    name: str = Field(pattern=NAME)
    description: str = Field("", max_length=1_000)
    currency: str | None = Field(None, pattern=r"^[A-Z]{3}$")
    simulation: PortfolioSimulation
    budget: Budget
    risk: Risk = Risk()
    money: Money = Money()
    factors: dict[str, Factor] = Field(default_factory=dict, max_length=20)
    candidates: list[Candidate] = Field(min_length=1, max_length=MAX_CANDIDATES)
    _scenarios: dict[str, Scenario] = PrivateAttr(default_factory=dict)
    _source_text: str = PrivateAttr("")

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        names = [c.name for c in self.candidates]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise InputError("candidates.name", twice[0], "each candidate needs its own name")
        for i, c in enumerate(self.candidates):
            for factor in c.loadings:
                if factor not in self.factors:
                    close = difflib.get_close_matches(factor, list(self.factors), n=1)
                    hint = f"did you mean {close[0]!r}? " if close else ""
                    raise InputError(
                        f"candidates[{i}].loadings",
                        factor,
                        f"no such factor; {hint}declared: {', '.join(self.factors) or 'none'}",
                    )
            for on in ("cost", "benefits"):
                squares = sum(w * w for f, w in c.loadings.items() if self.factors[f].on == on)
                if squares > 1.0 + 1e-12:
                    raise InputError(
                        f"candidates[{i}].loadings",
                        {f: w for f, w in c.loadings.items() if self.factors[f].on == on},
                        f"the squares of a candidate's loadings on {on} factors must sum to "
                        f"at most 1 (here {squares:.3f}): the rest is the project's own risk",
                    )
        instances = self.instances
        if instances > MAX_INSTANCES:
            raise InputError(
                "candidates.count", instances, f"at most {MAX_INSTANCES} projects in all"
            )
        cells = instances * self.simulation.trials
        if cells > MAX_CELLS:
            raise InputError(
                "simulation.trials",
                self.simulation.trials,
                f"{instances} projects × trials must stay under {MAX_CELLS:,} "
                f"(about {MAX_CELLS * 50 // 10**9} GB): give at most "
                f"{MAX_CELLS // instances:,} trials",
            )
        if self.money.discount_rate is None and any(c.start_month for c in self.candidates):
            raise InputError(
                "money.discount_rate",
                None,
                "a candidate starts after month 0: give the annual rate that discounts its "
                "NPV to the portfolio's month 0",
            )
        return self

    @property
    def instances(self) -> int:
        """Projects in all: the candidates' counts summed."""
        return sum(c.count for c in self.candidates)

    @property
    def source_text(self) -> str:
        """The TOML text the portfolio was read from."""
        return self._source_text

    def scenario(self, candidate: str) -> Scenario:
        """The validated scenario of a candidate, its overrides applied."""
        return self._scenarios[candidate]

    def monthly_discount(self) -> float:
        """``v = (1 + r)^(−1/12)`` of the portfolio's discount rate (1 without one)."""
        rate = self.money.discount_rate or 0.0
        return float((1.0 + rate) ** (-1.0 / 12.0))


def load_portfolio(path: str | Path) -> Portfolio:
    """Read and validate a portfolio file, and resolve each candidate's scenario.

    Raises
    ------
    ScenarioError
        The file, a field, a candidate's scenario or one of its overrides is not valid;
        the message names the field (``candidates[3].overrides."plan.users"``).
    """
    file = Path(path)
    text = read_text(file, "portfolio")
    source = str(file)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(source, text[:40], f"not valid TOML: {err}") from None
    except RecursionError:
        raise ScenarioError(source, text[:40], "not valid TOML: nested too deeply") from None
    data.setdefault("name", file.stem)
    try:
        portfolio = Portfolio.model_validate(data)
    except ValidationError as err:
        raise validation_error(err, source, Portfolio) from None
    except InputError as err:
        raise ScenarioError(f"{source}: {err.field}", err.value, err.allowed) from None
    portfolio._source_text = text
    portfolio._scenarios = {
        c.name: _candidate_scenario(c, i, file.parent, source)
        for i, c in enumerate(portfolio.candidates)
    }
    _check_currency(portfolio, source)
    return portfolio


def _candidate_scenario(candidate: Candidate, index: int, base: Path, source: str) -> Scenario:
    """A candidate's scenario: a file beside the portfolio file, else a shipped name (never
    a file of the current directory: the portfolio means the same wherever it is run)."""
    field = f"{source}: candidates[{index}]"
    near = base / candidate.scenario
    try:
        path = near if near.is_file() else shipped_scenario(candidate.scenario, "scenario")
    except ScenarioError as err:
        raise ScenarioError(f"{field}.scenario", err.value, err.allowed) from None
    except OSError:  # a name too long for the file system, …
        raise ScenarioError(
            f"{field}.scenario", candidate.scenario, "not a readable file"
        ) from None
    try:
        scenario = load_scenario(path)
    except ScenarioError as err:
        raise ScenarioError(f"{field}.scenario ({err.field})", err.value, err.allowed) from None
    if not candidate.overrides:
        return scenario
    try:
        return with_values(scenario, candidate.overrides, base_dir=path.parent)
    except InputError as err:
        where = err.field.split(": ")[-1]
        raise ScenarioError(f"{field}.overrides ({where})", err.value, err.allowed) from None


def _check_currency(portfolio: Portfolio, source: str) -> None:
    """Every candidate counts money in one currency (the portfolio's, if it names one)."""
    wanted = portfolio.currency
    for i, c in enumerate(portfolio.candidates):
        has = portfolio.scenario(c.name).currency
        if wanted is None:
            wanted = has
        elif has is not None and has != wanted:
            raise ScenarioError(
                f"{source}: candidates[{i}].scenario",
                f"{c.scenario} ({has})",
                f"every candidate must count money in {wanted}; sums across currencies "
                "mean nothing",
            )


def portfolio_currency(portfolio: Portfolio) -> str:
    """The currency the portfolio's money is in ('' if no file names one)."""
    if portfolio.currency:
        return portfolio.currency
    for c in portfolio.candidates:
        if portfolio.scenario(c.name).currency:
            return str(portfolio.scenario(c.name).currency)
    return ""


def with_settings(portfolio: Portfolio, **changes: Any) -> Portfolio:
    """A copy with some settings changed, validated as the file would be.

    ``changes`` are dotted keys of the file: ``{"simulation.trials": 20_000,
    "budget.total": 8e6, "risk.alpha": 0.05}``; the candidates' scenarios are kept.

    Raises
    ------
    ScenarioError
        A changed value the file would refuse, naming its key.
    """
    data = portfolio.model_dump()
    for path, value in changes.items():
        node = data
        *parents, leaf = path.split(".")
        for part in parents:
            node = node[part]
        node[leaf] = value
    try:
        copy = Portfolio.model_validate(data)
    except ValidationError as err:
        raise validation_error(err, portfolio.name, Portfolio) from None
    except InputError as err:
        raise ScenarioError(err.field, err.value, err.allowed) from None
    copy._scenarios = dict(portfolio._scenarios)
    copy._source_text = portfolio._source_text
    return copy
