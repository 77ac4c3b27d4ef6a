"""The example scenarios and calibration targets that ship with simcrm.

They live in the repository's top-level ``scenarios/`` directory (the one source) and are
packaged as the data-only package ``simcrm.examples`` (``[tool.setuptools.package-dir]``
in pyproject.toml): an installed wheel holds them in ``simcrm/examples/``. An editable
install cannot import that package (setuptools' editable finder does not resolve a
namespace subpackage mapped outside its parent, pypa/setuptools#4943), so there, as in a
plain checkout, they are read from ``scenarios/`` beside the ``simcrm`` package directory.

A command's SCENARIO argument is either a file or the bare name of a shipped scenario
(``baseline`` or ``baseline.toml``): see :func:`resolve_scenario`.
"""

from __future__ import annotations

import difflib
import importlib.util
import tomllib
from dataclasses import dataclass
from pathlib import Path

from simcrm.errors import ScenarioError, SimcrmError

PACKAGE = "simcrm.examples"
"""The data-only package holding the shipped scenarios (``targets/`` holds targets files)."""

CHECKOUT_DIR = "scenarios"
"""Their directory beside the ``simcrm`` package in a checkout (editable installs)."""

TARGETS_SUBDIR = "targets"


@dataclass(frozen=True)
class Shipped:
    """One shipped file: its bare name, a one-line description and where it is."""

    name: str
    description: str
    path: Path


def examples_dir() -> Path:
    """The directory of the shipped scenarios (its ``targets/`` holds the targets files).

    Raises
    ------
    SimcrmError
        Neither the installed package data nor a checkout's ``scenarios/`` is there (a
        broken installation).
    """
    spec = importlib.util.find_spec(PACKAGE)
    if spec is not None and spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            if Path(location).is_dir():
                return Path(location)
    checkout = Path(__file__).resolve().parents[2] / CHECKOUT_DIR  # simcrm/scenario/..
    if checkout.is_dir():
        return checkout
    raise SimcrmError(
        f"the shipped scenarios are missing: no package {PACKAGE} and no {checkout}; "
        "reinstall simcrm"
    )


def shipped_scenarios() -> list[Shipped]:
    """Every shipped scenario, by name, with the ``description`` of its file."""
    files = sorted(examples_dir().glob("*.toml"))
    return [_describe_scenario(p) for p in files if not is_portfolio_file(p)]


def shipped_portfolios() -> list[Shipped]:
    """Every shipped portfolio file (a file of ``scenarios/`` with ``[[candidates]]``)."""
    files = sorted(examples_dir().glob("*.toml"))
    return [_describe_scenario(p) for p in files if is_portfolio_file(p)]


def is_portfolio_file(path: Path) -> bool:
    """Whether a TOML file is a portfolio (it lists ``[[candidates]]``), not a scenario."""
    return "candidates" in _read(path)


def shipped_targets() -> list[Shipped]:
    """Every shipped calibration-targets file, by name."""
    folder = examples_dir() / TARGETS_SUBDIR
    return [_describe_targets(p) for p in sorted(folder.glob("*.toml"))]


def resolve_scenario(text: str, argument: str = "SCENARIO") -> Path:
    """The scenario file a command-line argument names.

    An existing path is used as it is; otherwise a bare name (``baseline`` or
    ``baseline.toml``) is the shipped scenario of that name.

    Raises
    ------
    ScenarioError
        Neither: names the argument, the value and the shipped scenarios.
    """
    return _resolve(text, argument, shipped_scenarios(), "scenario", "simcrm scenarios")


def shipped_scenario(text: str, argument: str) -> Path:
    """The shipped scenario named ``text`` (never a file of the current directory: what a
    portfolio file names is looked up beside it, then among the shipped ones)."""
    return _resolve(text, argument, shipped_scenarios(), "scenario", "simcrm scenarios", here=False)


def resolve_portfolio(text: str, argument: str = "PORTFOLIO") -> Path:
    """The portfolio file a command-line argument names (a path, or a shipped name such
    as ``portfolio_example``); see :func:`resolve_scenario`."""
    return _resolve(text, argument, shipped_portfolios(), "portfolio", "simcrm scenarios")


def resolve_targets(text: str, argument: str = "--targets") -> Path:
    """The targets file a command-line argument names (a path, or a shipped name such as
    ``it_reference_class``); see :func:`resolve_scenario`."""
    return _resolve(text, argument, shipped_targets(), "targets file", "simcrm scenarios")


def _resolve(
    text: str, argument: str, known: list[Shipped], kind: str, lister: str, *, here: bool = True
) -> Path:
    if here and text and _is_file(text):
        return Path(text)
    name = text.removesuffix(".toml")
    by_name = {item.name: item.path for item in known}
    if name in by_name:
        return by_name[name]
    close = difflib.get_close_matches(name, list(by_name), n=1, cutoff=0.6)
    hint = f"did you mean {close[0]!r}? " if close else ""
    names = ", ".join(by_name) or "none"
    raise ScenarioError(
        argument,
        text,
        f"no such file, nor a shipped {kind} of that name; {hint}"
        f"shipped: {names} (`{lister}` lists them)",
    )


def _is_file(text: str) -> bool:
    """Whether ``text`` names a file (False for a name the system refuses: too long)."""
    try:
        return Path(text).is_file()
    except (OSError, ValueError):
        return False


def _read(path: Path) -> dict[str, object]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):  # TOMLDecodeError and UnicodeDecodeError too
        return {}


def _describe_scenario(path: Path) -> Shipped:
    description = _read(path).get("description")
    return Shipped(path.stem, description if isinstance(description, str) else "", path)


def _describe_targets(path: Path) -> Shipped:
    data = _read(path)
    description = data.get("description")
    if not isinstance(description, str):
        targets = data.get("targets")
        parameters = data.get("parameters")
        count = len(targets) if isinstance(targets, list) else 0
        description = f"{count} calibration target{'s' if count != 1 else ''}"
        if isinstance(parameters, dict) and parameters:
            description += f", {len(parameters)} parameters to fit"
    return Shipped(path.stem, description, path)
