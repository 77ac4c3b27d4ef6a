"""Fit a distribution to history: candidate kinds by maximum likelihood, ranked by AIC.

A column of past values (cost overrun ratios of 40 projects, say) is read from a CSV
file, every candidate kind whose support holds the data is fitted by maximum
likelihood, and the candidates are ranked by AIC (BIC reported too; ``k`` counts the
parameters fitted). Each simcrm kind is fitted with exactly the parameters the scenario
language takes, so the best fit pastes into a scenario as one TOML line:

==============  ======================================  ==================================
simcrm kind     parameters fitted (``k``)               how
==============  ======================================  ==================================
``normal``      ``mean``, ``sd`` (2)                    ``scipy.stats.norm.fit``
``lognormal``   ``mu``, ``sigma`` of the log (2)        ``lognorm.fit`` with ``floc=0``
``gamma``       ``shape``, ``scale`` (2)                ``gamma.fit`` with ``floc=0``
``uniform``     ``low``, ``high`` (2)                   ``uniform.fit`` (min and max)
``triangular``  ``low``, ``mode``, ``high`` (3)         profile likelihood (below)
``pert``        ``low``, ``mode``, ``high`` (3)         profile likelihood (below)
``beta``        ``a``, ``b`` on ``[0, 1]`` (2)          ``beta.fit`` with ``floc=0, fscale=1``
==============  ======================================  ==================================

Triangular: for fixed ends the log-likelihood is convex in the mode between two data
points, so the mode's MLE is a data point; the profile over all of them costs one pass
of cumulative sums. PERT is the beta scaled to ``[low, high]`` with ``alpha = 1 + 4
(mode - low)/(high - low)`` and ``beta = 1 + 4 (high - mode)/(high - low)``; for fixed
ends its log-likelihood is strictly concave in the mode, whose maximum solves one
digamma equation. For both, the ends maximise the profile by Nelder–Mead, and the
likelihood's other local maxima, a mode at an end that touches the sample's minimum or
maximum, are fitted on their own; the best of the three is kept (checked against a
brute-force search in the tests). The beta is fitted only on ``[0, 1]`` (data strictly
inside): the four-parameter beta's likelihood is unbounded as an end approaches the
data when a shape is below 1, so its ends are not fitted.

AIC's penalty ``2k`` is derived for regular models; a kind whose ends are fitted
(uniform, triangular, PERT) is not regular, its ends sit at or near the sample's
extremes, and no draw of it falls beyond them: with few data AIC tends to favour it,
and it caps the tail a risk scenario is about. The command line says so when it wins.

Not fitted: ``fixed`` (no spread), ``truncnormal`` (its ends' MLE are the sample's
extremes, a non-regular four-parameter problem), the counts ``poisson`` and
``bernoulli``, and ``discrete`` / ``empirical`` (the data themselves: ``{ kind =
"empirical", file = ..., column = ... }`` uses them directly).

Goodness of fit: Kolmogorov–Smirnov and Anderson–Darling statistics with p-values from
:func:`scipy.stats.goodness_of_fit`, a parametric bootstrap that refits the free
parameters on each of ``n_mc_samples`` Monte Carlo samples (fixed location and scale
passed as ``known_params``), so the p-values account for the fitting. Both tests of a
kind draw from ``numpy.random.default_rng(seed)``: the same samples, whose refits are
shared. The statistics are ``goodness_of_fit``'s, against the law it fits to the data
(the MLE, except the normal's ``sd``, which it takes with ``ddof=1``). Columns of more
than :data:`GOF_MAX_N` values are tested on a seeded random subsample of that size.
Anderson–Darling is undefined (reported as NaN) when the fitted support ends at a data
value (uniform, always).
"""

from simcrm.analyses.fit.candidates import (
    DEFAULT_MC_SAMPLES,
    DEFAULT_SEED,
    KINDS,
    MAX_MC_SAMPLES,
    NOT_FITTED,
    fit_data,
    fit_file,
)
from simcrm.analyses.fit.data import MIN_VALUES, check_data, read_column
from simcrm.analyses.fit.result import Candidate, DataSummary, FitResult, is_bare_key

__all__ = [
    "DEFAULT_MC_SAMPLES",
    "DEFAULT_SEED",
    "KINDS",
    "MAX_MC_SAMPLES",
    "MIN_VALUES",
    "NOT_FITTED",
    "Candidate",
    "DataSummary",
    "FitResult",
    "check_data",
    "fit_data",
    "fit_file",
    "is_bare_key",
    "read_column",
]
