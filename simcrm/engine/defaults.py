"""How many trials from which seed: the one place that fills in defaults and checks them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from simcrm.errors import InputError
from simcrm.scenario.schema import MAX_TRIALS

if TYPE_CHECKING:
    from simcrm.scenario.schema import Scenario

MAX_SEED = 2**63 - 1


def resolve(
    scenario: Scenario | None = None,
    trials: int | None = None,
    seed: int | None = None,
    *,
    default_trials: int | None = None,
) -> tuple[int, int]:
    """The number of trials and the seed of a run, defaults filled in and checked.

    Parameters
    ----------
    scenario
        Its ``[simulation]`` section gives the defaults.
    trials, seed
        As asked (None: the default).
    default_trials
        An analysis's own default sample size, used before the scenario's.

    Returns
    -------
    tuple of int
        ``(trials, seed)``.

    Raises
    ------
    InputError
        Trials outside ``1 .. MAX_TRIALS`` or a seed outside ``0 .. 2**63 - 1``, naming
        ``--trials`` or ``--seed``.
    """
    if trials is None:
        trials = default_trials
    if trials is None and scenario is not None:
        trials = scenario.simulation.trials
    if seed is None and scenario is not None:
        seed = scenario.simulation.seed
    if trials is None or seed is None:
        raise InputError("trials" if trials is None else "seed", None, "give a value")
    if isinstance(trials, bool) or not 1 <= trials <= MAX_TRIALS:
        raise InputError("--trials", trials, f"give a whole number from 1 to {MAX_TRIALS:.0e}")
    if isinstance(seed, bool) or not 0 <= seed <= MAX_SEED:
        raise InputError("--seed", seed, "give a whole number from 0 to 2**63 - 1")
    return int(trials), int(seed)
