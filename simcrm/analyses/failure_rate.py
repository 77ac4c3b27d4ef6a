"""The "70% of CRM projects fail" claim as a distribution: analysis of simulated surveys.

:func:`analyse` runs the two-level simulation (:mod:`simcrm.analyses.survey`) and returns a
:class:`FailureRate` holding every figure: per criterion the distribution of the rate a
survey would report, ``P(reported ≥ claim)`` and the variance split; given an observed
survey result, the posterior of the true rate and an ABC posterior of the epistemic
parameters (:mod:`simcrm.analyses.survey_stats` documents the estimators).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    import pandas as pd

from simcrm.analyses.survey import SurveyDesign, SurveySample, simulate_surveys
from simcrm.analyses.survey_stats import abc_posterior, describe, posterior_true_rate, reported_rate
from simcrm.engine.executors import Executor
from simcrm.errors import InputError
from simcrm.scenario.schema import Scenario

Result = dict[str, Any]


@dataclass(frozen=True)
class FailureRate:
    """What surveys of ``cohort`` projects would report, in ``surveys`` possible worlds.

    Attributes
    ----------
    scenario, seed, cohort, surveys, projects_per_world, claim, seconds
        What was simulated, and how long it took.
    epistemic
        Per epistemic parameter, the distribution of its value across worlds.
    heterogeneity
        The parameters drawn per project.
    criteria
        Per criterion: the reported rate's mean and quantiles (``p5`` … ``p95``),
        ``at_least_claim`` (share of surveys reporting the claim or more, with its
        interval) and ``variance`` (its split into epistemic and sampling parts).
    observed
        Given an observed survey result: the posterior of the true rate and the ABC
        posterior of the epistemic parameters (None without one).
    """

    scenario: str
    seed: int
    cohort: int
    surveys: int
    projects_per_world: int
    claim: float
    seconds: float
    epistemic: dict[str, dict[str, float]]
    heterogeneity: list[str]
    criteria: dict[str, Result]
    observed: Result | None = None

    def to_dict(self) -> Result:
        """The JSON-ready form (what ``failure-rate.json`` holds)."""
        out = {k: v for k, v in self.__dict__.items() if k != "observed"}
        return out if self.observed is None else out | {"observed": self.observed}

    def to_frame(self) -> pd.DataFrame:
        """One row per criterion: the reported rate's mean, 5th and 95th percentiles,
        P(reported ≥ claim) with its interval, and the epistemic share of its variance."""
        import pandas as pd

        rows = [
            {
                "criterion": name,
                "mean": e["mean"],
                "p5": e["p5"],
                "p95": e["p95"],
                "p_at_least_claim": e["at_least_claim"]["p"],
                "low": e["at_least_claim"]["ci95"][0],
                "high": e["at_least_claim"]["ci95"][1],
                "epistemic_share": e["variance"]["epistemic_share"],
            }
            for name, e in self.criteria.items()
        ]
        return pd.DataFrame(rows)


@dataclass(frozen=True)
class Observation:
    """A survey result to condition on: ``failures`` of ``projects`` fail ``criterion``.

    ``tolerance`` is the ABC acceptance half-width in projects of the observed survey.
    """

    failures: int
    projects: int
    criterion: str
    tolerance: float = 2.0


def parse_observed(text: str) -> tuple[int, int]:
    """``"140/200"`` → ``(140, 200)``; :class:`InputError` naming ``--observed`` otherwise."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if match is None or not 0 <= int(match[1]) <= int(match[2]) or int(match[2]) < 1:
        raise InputError(
            "--observed", text, "give failures/projects as K/N, e.g. 140/200, with 0 ≤ K ≤ N"
        )
    return int(match[1]), int(match[2])


def check_observation(scenario: Scenario, observation: Observation) -> None:
    """Refuse an unknown criterion or a negative tolerance (before anything runs)."""
    if observation.criterion not in scenario.criteria:
        known = ", ".join(scenario.criteria) or "none"
        raise InputError(
            "--criterion", observation.criterion, f"not a criterion of the scenario; known: {known}"
        )
    if not observation.tolerance >= 0:
        raise InputError("--tolerance", observation.tolerance, "give a number of projects ≥ 0")


def analyse(
    scenario: Scenario,
    design: SurveyDesign,
    claim: float,
    observation: Observation | None = None,
    progress: Callable[[int], None] | None = None,
    executor: Executor | None = None,
) -> tuple[FailureRate, SurveySample]:
    """Simulate ``R`` surveys of ``n`` projects and describe what they would report.

    Returns
    -------
    tuple
        The :class:`FailureRate` and the simulated sample (for plots).
    """
    if not scenario.criteria:
        raise InputError("criteria", {}, "the scenario names no failure criteria")
    if observation is not None:
        check_observation(scenario, observation)
    design.check()
    sample = simulate_surveys(scenario, design, progress, executor)
    n = design.cohort
    result = FailureRate(
        scenario=scenario.name,
        seed=design.seed,
        cohort=n,
        surveys=design.surveys,
        projects_per_world=design.per_world,
        claim=claim,
        seconds=round(sample.seconds, 3),
        epistemic={path: describe(v) for path, v in sample.worlds.items()},
        heterogeneity=list(scenario.population.heterogeneity),
        criteria={c: reported_rate(k, n, claim) for c, k in sample.reported.items()},
        observed=condition(sample, observation) if observation is not None else None,
    )
    return result, sample


def condition(sample: SurveySample, observation: Observation) -> Result:
    """Posterior of the true rate and of the epistemic parameters given an observation."""
    k, big_n = observation.failures, observation.projects
    p_world = sample.true_rate(observation.criterion)
    true_rate = posterior_true_rate(p_world, k, big_n)
    true_rate.pop("weights", None)
    m = sample.design.per_world
    resolution = float(np.sqrt(np.mean(p_world * (1 - p_world)) / m))
    abc = abc_posterior(
        sample.worlds,
        sample.reported[observation.criterion],
        sample.design.cohort,
        k,
        big_n,
        observation.tolerance,
    )
    keep = abc.pop("accepted_worlds")
    abc["true_rate"] = describe(p_world[keep]) if keep.any() else None
    return {
        "criterion": observation.criterion,
        "failures": k,
        "projects": big_n,
        "true_rate": true_rate | {"resolution": resolution, "projects_per_world": m},
        "abc": abc,
    }


def posterior_weights(sample: SurveySample, observation: Observation) -> npt.NDArray[np.float64]:
    """Normalised likelihood weights of the worlds (for the posterior plot)."""
    p_world = sample.true_rate(observation.criterion)
    weights: npt.NDArray[np.float64] = posterior_true_rate(
        p_world, observation.failures, observation.projects
    ).get("weights", np.zeros_like(p_world))
    return weights
