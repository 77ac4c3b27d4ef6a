"""What drives the risk: sensitivity of a scenario's outputs to its uncertain inputs.

One module per method, every run through the block loop (any executor, same numbers):
:mod:`~simcrm.analyses.sensitivity.rank` (Spearman ranks from one run),
:mod:`~simcrm.analyses.sensitivity.variance` (Sobol' indices, on the estimators of
:mod:`~simcrm.analyses.sensitivity.sobol`) and
:mod:`~simcrm.analyses.sensitivity.tornado` (one input at a time, with a spider).
"""
