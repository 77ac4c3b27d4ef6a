"""simcrm: Monte Carlo risk simulation of CRM software projects.

The API is three pure stages::

    scenario = simcrm.load_scenario("scenarios/baseline.toml")
    frame = simcrm.simulate(scenario, trials=100_000, seed=1)
    summary = simcrm.summarize(frame)
"""

from simcrm.engine.blocks import simulate
from simcrm.errors import InputError, ScenarioError, SimcrmError
from simcrm.scenario.load import load_scenario
from simcrm.scenario.schema import Scenario
from simcrm.stats.summary import summarize

__version__ = "0.2.0"

__all__ = [
    "InputError",
    "Scenario",
    "ScenarioError",
    "SimcrmError",
    "load_scenario",
    "simulate",
    "summarize",
]
