"""Which outputs a run may keep (``simcrm run --columns``)."""

from __future__ import annotations

from collections.abc import Sequence

from simcrm.errors import InputError
from simcrm.scenario.outputs import FAIL_PREFIX, OUTPUT_COLUMNS, RISK_COST_PREFIX, RISK_PREFIX
from simcrm.scenario.schema import Scenario


def output_names(scenario: Scenario) -> list[str]:
    """Every per-trial output a run of ``scenario`` writes (without ``in_`` inputs)."""
    names = list(OUTPUT_COLUMNS)
    names += [FAIL_PREFIX + name for name in scenario.criteria]
    for risk in scenario.risks:
        names += [RISK_PREFIX + risk.name, RISK_COST_PREFIX + risk.name]
    return names


def check_columns(scenario: Scenario, columns: Sequence[str], inputs: bool) -> None:
    """Refuse a name that is not an output of the run (``in_*`` only with ``--inputs``).

    Raises
    ------
    InputError
        Naming the first unknown column and a few known ones.
    """
    known = set(output_names(scenario))
    for name in columns:
        if name in known or (inputs and name.startswith("in_")):
            continue
        hint = " (in_* columns need --inputs)" if name.startswith("in_") else ""
        raise InputError(
            "--columns",
            name[:60],
            f"not an output of this run{hint}; outputs: " + ", ".join(sorted(known)[:40]),
        )
