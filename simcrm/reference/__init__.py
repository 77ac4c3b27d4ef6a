"""The reference model: one trial at a time, as a simpy discrete-event simulation.

It is written for clarity, not speed, and mirrors the semantics of the vectorised core
(:mod:`simcrm.model`) so the two can be compared statistically (``tests/test_agreement.py``).
It shares no random numbers with the core: every trial draws from its own generator,
``SeedSequence(seed, spawn_key=(trial,))``.

- :mod:`simcrm.reference.draws`: the per-trial parameters (plan, overruns, adoption, money);
- :mod:`simcrm.reference.execution`: execution in continuous time, change requests as a
  clock-driven Poisson process, the execution cap;
- :mod:`simcrm.reference.operation`: monthly adoption, reviews and the books;
- :mod:`simcrm.reference.project`: one whole trial, and :func:`simulate_reference`.
"""

from simcrm.reference.project import run_trial, simulate_reference

__all__ = ["run_trial", "simulate_reference"]
