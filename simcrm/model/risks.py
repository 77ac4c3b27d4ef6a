"""The risk register in the vectorised model: which risks strike, and what they change
(docs/model.md §2–§3, "Risk register").

A block draws from its own RISKS stream, and only if the scenario has a register: first
one uniform ``u`` per risk and trial (trial by trial, risks in register order), then the
values of each risk's impacts for every trial (risk by risk, each in the order of
:data:`~simcrm.scenario.risks.IMPACTS`), whether or not the risk occurs. A risk occurs
where ``u < p`` — with a mitigation, ``p`` is the mitigated probability — so a risk's
occurrence uses the same uniform with and without its mitigation (a mitigation that lowers
``p`` to ``p'`` keeps exactly the strikes with ``u < p'``) and neither changes any other
draw: the scenario with and without a mitigation are on common random numbers. A risk
``[correlations]`` names (``risks.<name>``) takes ``Φ(z)`` of its copula score as ``u``.

- An **execution** risk adds its cost (``cost``, or ``cost_share × B``) to the
  implementation cost and its ``schedule_months`` to execution, after scope creep (no
  change requests arrive in them) and before the cap.
- An **operation** risk strikes at go-live, if the project goes live within the horizon:
  its cost is paid then (at the end of the go-live month), the adoption ceiling drops by
  ``ceiling`` (to no less than 0) and the value per active user is multiplied by
  ``1 − benefits`` for the rest of the horizon. Several operation risks add their ceiling
  cuts and multiply their benefit factors.
- A mitigation multiplies every impact by its ``impact_factor``; its cost is planned and
  paid as part of the implementation, in every trial.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
from scipy.special import ndtr

from simcrm.model.adoption import AdoptionState
from simcrm.model.operate import MoneyDraws
from simcrm.model.parameters import Parameters

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class RiskDraws:
    """The register's draws and impacts in one block.

    Attributes
    ----------
    occurred
        By risk name: whether it occurred (``u < p``), in every trial.
    cost
        By risk name: the cost it brings where it occurred (0 elsewhere), before any cut
        at the execution cap (execution risks) or the go-live condition (operation risks).
    execution
        Names of the execution risks.
    delay
        Months added to execution by the execution risks that occurred.
    execution_cost
        Cost of the execution risks that occurred.
    mitigation_cost
        Cost of every mitigation (the same in every trial).
    operation_cost
        Cost of the operation risks that occurred, paid at go-live.
    ceiling_cut
        Sum of the ceiling reductions of the operation risks that occurred.
    benefit_factor
        Product of ``1 − benefits`` of the operation risks that occurred.
    """

    occurred: dict[str, BoolArray]
    cost: dict[str, FloatArray]
    execution: frozenset[str]
    delay: FloatArray
    execution_cost: FloatArray
    mitigation_cost: float
    operation_cost: FloatArray
    ceiling_cut: FloatArray
    benefit_factor: FloatArray

    def at_go_live(
        self, state: AdoptionState, money: MoneyDraws, struck: BoolArray
    ) -> tuple[AdoptionState, MoneyDraws, FloatArray]:
        """The operation risks strike the trials ``struck`` (live within the horizon).

        Returns
        -------
        tuple
            The adoption state with the lowered ceilings, the money draws with the lowered
            value per active user, and the cost paid at go-live (0 where not struck).
        """
        hit = struck & (self.ceiling_cut > 0)
        ceiling = np.where(hit, np.maximum(state.ceiling - self.ceiling_cut, 0.0), state.ceiling)
        hit = struck & (self.benefit_factor != 1.0)
        value = np.where(hit, money.value_per_user * self.benefit_factor, money.value_per_user)
        cost = np.where(struck, self.operation_cost, 0.0)
        return replace(state, ceiling=ceiling), replace(money, value_per_user=value), cost

    def paid(self, spent: FloatArray, struck: BoolArray) -> dict[str, FloatArray]:
        """By risk name: the cost it added in each trial — an execution risk's cut pro rata
        (``spent``) when execution is cut at the cap, an operation risk's only where it
        struck at go-live."""
        return {
            name: cost * spent if name in self.execution else np.where(struck, cost, 0.0)
            for name, cost in self.cost.items()
        }


def draw_risks(
    params: Parameters, rng: np.random.Generator, budget: FloatArray, size: int
) -> RiskDraws:
    """Draw the register of one block from the RISKS stream (see the module docstring).

    Parameters
    ----------
    params
        The scenario's parameters (correlated occurrence scores in ``params.scores``;
        with recording on, ``in_risks_<name>_occurrence`` and each impact's draws are
        noted as ``risks.<name>.<impact>``).
    rng
        The block's RISKS stream.
    budget
        The planned budget ``B`` of each trial (``cost_share`` is a fraction of it).
    """
    risks = params.scenario.risks
    # drawn trial by trial, used risk by risk (contiguous rows)
    uniforms = np.ascontiguousarray(rng.random((size, len(risks))).T)
    zeros = np.zeros(size)
    occurred: dict[str, BoolArray] = {}
    costs: dict[str, FloatArray] = {}
    delay, execution_cost, operation_cost, cut = zeros, zeros, zeros, zeros
    factor = np.ones(size)
    for risk, u in zip(risks, uniforms, strict=True):
        path = f"risks.{risk.name}"
        u = params.uniforms(path, u)  # a sampling design's column, if any
        score = params.scores.get(path)
        if score is not None:  # correlated by [correlations]
            u = np.asarray(ndtr(score), dtype=np.float64)
        params.note(f"{path}.occurrence", u)
        p = risk.strike_probability()
        hit = u < p if p < 1.0 else np.ones(size, dtype=np.bool_)  # Φ(z) may round to 1
        occurred[risk.name] = hit
        scale = np.where(hit, risk.impact_factor(), 0.0)
        drawn = {}
        for field, dist in risk.impacts().items():
            drawn[field] = np.asarray(dist.sample(rng, size), dtype=np.float64)
            if f"{path}.{field}" in params.design:  # a sampling design's column
                drawn[field] = np.asarray(dist.ppf(params.design[f"{path}.{field}"]), np.float64)
            params.note(f"{path}.{field}", np.broadcast_to(drawn[field], size))
        cost = zeros
        if "cost" in drawn:
            cost = drawn["cost"] * scale
        elif "cost_share" in drawn:
            cost = drawn["cost_share"] * budget * scale
        costs[risk.name] = cost
        if risk.when == "execution":
            execution_cost = execution_cost + cost
            if "schedule_months" in drawn:
                delay = delay + drawn["schedule_months"] * scale
        else:
            operation_cost = operation_cost + cost
            if "ceiling" in drawn:
                cut = cut + drawn["ceiling"] * scale
            if "benefits" in drawn:
                factor = factor * (1.0 - drawn["benefits"] * scale)
    return RiskDraws(
        occurred=occurred,
        cost=costs,
        execution=frozenset(r.name for r in risks if r.when == "execution"),
        delay=delay,
        execution_cost=execution_cost,
        mitigation_cost=float(sum(r.mitigation_cost() for r in risks)),
        operation_cost=operation_cost,
        ceiling_cut=cut,
        benefit_factor=factor,
    )
