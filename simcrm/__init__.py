"""simcrm: Monte Carlo risk simulation of CRM software projects.

The API is a few pure stages::

    scenario = simcrm.load_scenario("scenarios/baseline.toml")
    bigger = simcrm.with_values(scenario, {"plan.users": 2500})   # validated as a file
    frame = simcrm.simulate(scenario, trials=100_000, seed=1)
    summary = simcrm.summarize(frame)          # summary.to_frame(), summary.to_dict()
    diff = simcrm.compare(scenario, bigger, trials=100_000, seed=1)

The names are imported when first used (PEP 562), so ``import simcrm`` and every command
start without loading pandas or scipy.stats.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simcrm.analyses.compare import Comparison, compare
    from simcrm.engine.blocks import simulate
    from simcrm.errors import InputError, ScenarioError, SimcrmError
    from simcrm.scenario import Scenario, load_scenario
    from simcrm.scenario.editing import with_values
    from simcrm.stats.run_summary import Summary
    from simcrm.stats.summary import summarize

__version__ = "0.3.0"

_WHERE = {
    "Comparison": "simcrm.analyses.compare",
    "compare": "simcrm.analyses.compare",
    "simulate": "simcrm.engine.blocks",
    "InputError": "simcrm.errors",
    "ScenarioError": "simcrm.errors",
    "SimcrmError": "simcrm.errors",
    "Scenario": "simcrm.scenario",
    "load_scenario": "simcrm.scenario",
    "with_values": "simcrm.scenario.editing",
    "Summary": "simcrm.stats.run_summary",
    "summarize": "simcrm.stats.summary",
}

__all__ = [
    "Comparison",
    "InputError",
    "Scenario",
    "ScenarioError",
    "SimcrmError",
    "Summary",
    "compare",
    "load_scenario",
    "simulate",
    "summarize",
    "with_values",
]


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use."""
    if name in _WHERE:
        value = getattr(importlib.import_module(_WHERE[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'simcrm' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE])
