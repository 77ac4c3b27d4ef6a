"""The vectorised model, one module per stage; :func:`simulate_block` runs them all."""

from simcrm.model.trial import simulate_block

__all__ = ["simulate_block"]
