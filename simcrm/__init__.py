"""simcrm: Monte Carlo risk simulation of CRM software projects.

The API is a few pure stages::

    scenario = simcrm.load_scenario("scenarios/baseline.toml")
    bigger = simcrm.with_values(scenario, {"plan.users": 2500})   # validated as a file
    frame = simcrm.simulate(scenario, trials=100_000, seed=1)
    summary = simcrm.summarize(frame)          # summary.to_frame(), summary.to_dict()
    diff = simcrm.compare(scenario, bigger, trials=100_000, seed=1)
"""

from simcrm.analyses.compare import Comparison, compare
from simcrm.engine.blocks import simulate
from simcrm.errors import InputError, ScenarioError, SimcrmError
from simcrm.scenario import Scenario, load_scenario
from simcrm.scenario.editing import with_values
from simcrm.stats.run_summary import Summary
from simcrm.stats.summary import summarize

__version__ = "0.2.0"

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
