"""Statistics of simulated trials: mergeable summaries, accumulators and intervals.

Depends only on the scenario's output names and on numpy/scipy."""
