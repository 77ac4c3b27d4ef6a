"""The scenario language: schema, loading, dotted parameter paths, criteria, cost curve,
output names and editing. Depends only on :mod:`simcrm.distributions` and
:mod:`simcrm.errors`; everything else in simcrm depends on it."""

from simcrm.scenario.load import load_scenario, parse_scenario, scenario_digest, scenario_from_dict
from simcrm.scenario.schema import Scenario

__all__ = ["Scenario", "load_scenario", "parse_scenario", "scenario_digest", "scenario_from_dict"]
