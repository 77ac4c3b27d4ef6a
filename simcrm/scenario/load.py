"""Read a scenario file: TOML → validated :class:`~simcrm.scenario.schema.Scenario`.

Every problem becomes a :class:`~simcrm.errors.ScenarioError` naming the file, the field
path, the value and what is allowed, with a "did you mean" hint for a mistyped key.
"""

from __future__ import annotations

import difflib
import hashlib
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from simcrm.errors import InputError, ScenarioError
from simcrm.scenario.schema import Scenario

MAX_SCENARIO_BYTES = 1_000_000


def load_scenario(path: str | Path) -> Scenario:
    """Load and validate a scenario file.

    Parameters
    ----------
    path
        A TOML scenario file. Without a ``name`` key the file's stem names the scenario.

    Raises
    ------
    ScenarioError
        The file is missing, unreadable, not UTF-8 TOML, or not a valid scenario.
    """
    file = Path(path)
    try:
        raw = file.read_bytes()
    except FileNotFoundError:
        raise ScenarioError(str(file), str(file), "no such file") from None
    except OSError as err:
        raise ScenarioError(str(file), str(file), f"cannot be read ({err.strerror})") from err
    if len(raw) > MAX_SCENARIO_BYTES:
        raise ScenarioError(str(file), f"{len(raw)} bytes", "a scenario is at most 1 MB")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ScenarioError(
            str(file), raw[err.start : err.start + 4], f"not UTF-8 text (byte {err.start})"
        ) from None
    return parse_scenario(text, base_dir=file.parent, default_name=file.stem, source=str(file))


def parse_scenario(
    text: str,
    *,
    base_dir: Path | None = None,
    default_name: str = "scenario",
    source: str = "<scenario>",
) -> Scenario:
    """Validate scenario TOML text (see :func:`load_scenario`)."""
    if "\x00" in text:
        raise ScenarioError(source, "\\x00", "a scenario is TOML text, not a binary file")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(source, text[:40], f"not valid TOML: {err}") from None
    except RecursionError:
        raise ScenarioError(source, text[:40], "not valid TOML: nested too deeply") from None
    if not data:
        raise ScenarioError(
            source, text[:40], "the file is empty; a scenario needs [plan] and [components]"
        )
    data.setdefault("name", default_name)
    return scenario_from_dict(data, base_dir=base_dir, source=source, text=text)


def scenario_from_dict(
    data: dict[str, Any],
    *,
    base_dir: Path | None = None,
    source: str = "<scenario>",
    text: str = "",
) -> Scenario:
    """Validate a scenario given as nested dictionaries (the TOML's structure)."""
    context = {"base_dir": base_dir if base_dir is not None else Path.cwd()}
    try:
        scenario = Scenario.model_validate(data, context=context)
    except ValidationError as err:
        raise _scenario_error(err, source) from None
    except InputError as err:
        raise ScenarioError(f"{source}: {err.field}", err.value, err.allowed) from None
    scenario._source_text = text
    return scenario


def scenario_digest(scenario: Scenario) -> str:
    """SHA-256 of the scenario as validated (its canonical JSON), for provenance."""
    return hashlib.sha256(scenario.model_dump_json().encode()).hexdigest()


def _scenario_error(err: ValidationError, source: str) -> ScenarioError:
    """The first validation problem, as one clear line."""
    # an unknown key explains a missing one (a typo): report it first, with its hint
    first = min(err.errors(), key=lambda e: e["type"] != "extra_forbidden")
    loc = [str(part) for part in first["loc"] if not _is_union_tag(part)]
    field = ".".join(loc) or "scenario"
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        message = "unknown key" + _did_you_mean(loc)
    elif first["type"] == "missing":
        message = "this field is required"
    extra = f" (and {err.error_count() - 1} more problems)" if err.error_count() > 1 else ""
    return ScenarioError(f"{source}: {field}", first.get("input"), message + extra)


def _is_union_tag(part: object) -> bool:
    """pydantic inserts a union member's tag (``lognormal``) into error paths; hide it."""
    return isinstance(part, str) and part in _DISTRIBUTION_KINDS


def _did_you_mean(loc: list[str]) -> str:
    """``; did you mean 'x'?`` for a mistyped key, from the keys allowed at that place."""
    allowed = _allowed_keys(loc[:-1])
    close = difflib.get_close_matches(loc[-1], allowed, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return hint + (f" Allowed here: {', '.join(sorted(allowed))}" if allowed else "")


def _allowed_keys(loc: list[str]) -> list[str]:
    """Field names of the model at a path through the scenario schema."""
    model: type[BaseModel] | None = Scenario
    for part in loc:
        if model is None:
            return []
        field = model.model_fields.get(part)
        if field is None:  # a dict key (component name) keeps the dict's value model
            continue
        model = _model_of(field.annotation)
    return list(model.model_fields) if model is not None else []


def _model_of(annotation: object) -> type[BaseModel] | None:
    """The pydantic model an annotation holds (directly or as a dict's values)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_of(arg)
        if found is not None:
            return found
    return None


_DISTRIBUTION_KINDS = frozenset(
    {
        "fixed", "uniform", "triangular", "pert", "normal", "truncnormal", "lognormal",
        "beta", "gamma", "poisson", "bernoulli", "discrete", "empirical",
        "float", "int", "function-after", "function-before", "tagged-union[...]",
    }
)  # fmt: skip
