"""Portfolio sizing: candidate projects tied by shared factors, the best choice a budget
can carry at a risk appetite (an exact programme on a sample, checked out of sample), its
contingency, which project makes it risky, and the efficient frontier."""

from simcrm.analyses.portfolio.analysis import (
    InfeasibleError,
    PortfolioResult,
    analyse_portfolio,
)

__all__ = ["InfeasibleError", "PortfolioResult", "analyse_portfolio"]
