"""``simcrm run --extend DIR --trials N``: the request that grows a finished run.

The run's scenario is its recorded file, which must still give the run's digest (its
text and the data files it reads unchanged), and every option but the trials is the run's own, so the extended run
is the same run with more trials: its chunks are kept and only the new ones computed,
and its files are the same bytes as a fresh run of ``N`` trials.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

from simcrm.engine.run import RunRequest
from simcrm.engine.store import MANIFEST, read_json
from simcrm.errors import ResultsError
from simcrm.scenario.load import load_scenario, scenario_digest
from simcrm.streams import BLOCK_SIZE


def extension(
    directory: Path, trials: int, *, workers: int = 1, scheduler: str | None = None
) -> RunRequest:
    """The request that extends the run in ``directory`` to ``trials`` trials.

    Raises
    ------
    ResultsError
        No run there, a run that records no scenario, or a scenario whose text or data
        files no longer give the run's digest.
    """
    if not (directory / MANIFEST).is_file():
        raise ResultsError("--extend", str(directory), "no simcrm run there (no manifest.json)")
    manifest = read_json(directory / MANIFEST)
    ident = manifest.get("identity")
    recorded = manifest.get("scenario")
    if not isinstance(ident, dict) or not isinstance(recorded, dict):
        raise ResultsError(str(directory / MANIFEST), "identity", "damaged: not a run's manifest")
    path = _scenario_path(manifest)
    if path is None or not path.is_file():
        raise ResultsError(
            "--extend",
            str(directory),
            f"the run's scenario file ({path}) is not there to extend it from",
        )
    scenario = load_scenario(path)
    if scenario_digest(scenario) != ident.get("scenario_digest"):
        raise ResultsError(
            "--extend",
            str(directory),
            f"the scenario (or a data file it reads beside {path}) changed since the run; "
            "run it again instead",
        )
    columns = ident.get("columns")
    return RunRequest(
        scenario=scenario,
        trials=trials,
        seed=_int(ident, "seed"),
        out=directory,
        chunk_trials=_int(ident, "chunk_blocks") * BLOCK_SIZE,
        extend=True,
        workers=workers,
        scheduler=scheduler,
        scenario_path=path,
        inputs=bool(ident.get("inputs", False)),
        sampling=str(ident.get("sampling", "mc")),
        data=bool(ident.get("data", True)),
        columns=tuple(columns) if isinstance(columns, list) else None,
    )


def _int(ident: dict[str, Any], key: str) -> int:
    value = ident.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ResultsError(key, str(value)[:40], "damaged manifest: not a whole number")
    return value


def _scenario_path(manifest: dict[str, Any]) -> Path | None:
    """The scenario file the run recorded (its own key, else its command's argument)."""
    given = manifest.get("scenario_path")
    if isinstance(given, str):
        return Path(given)
    words = shlex.split(manifest["command"]) if isinstance(manifest.get("command"), str) else []
    if "run" in words and words.index("run") + 1 < len(words):
        return Path(words[words.index("run") + 1])
    return None
