"""Replicate intervals: a proportion over the blocks of a run with a sampling design.

``replicate_proportion(counts, sizes)`` is pinned against the formula computed here by
hand with numpy (the ratio estimator ``p = Σk/Σn``, ``SE² = B/(B−1)·Σ(k_b − p n_b)²/(Σn)²``,
``p ± t_{B−1,0.975}·SE`` clipped to [0, 1]), with Student's quantile from
``scipy.stats.t`` and the Wilson fallback from the closed form of
:mod:`tests.stats.closed_form`. At summary level, a design's probabilities get these
intervals from the blocks of the trials, a Monte Carlo run's stay Wilson's.
"""

from __future__ import annotations

from itertools import combinations, pairwise

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import simcrm
from simcrm.engine.blocks import simulate
from simcrm.stats.replicates import ReplicateCounts, replicate_proportion, student_quantile
from simcrm.stats.run_summary import Proportion
from simcrm.stats.summary import SummaryBuilder, summarize
from simcrm.streams import BLOCK_SIZE
from tests.conftest import ROOT
from tests.stats.closed_form import wilson_by_hand

BASELINE = ROOT / "scenarios" / "baseline.toml"
TRIALS = 3 * BLOCK_SIZE + 1_000
"""Three whole blocks and a partial one (four replicates of unequal size)."""


def by_hand(counts: list[int], sizes: list[int]) -> tuple[float, tuple[float, float]]:
    """The replicate estimate and 95% interval, computed from the definition."""
    k = np.array(counts, dtype=float)
    n = np.array(sizes, dtype=float)
    b = k.size
    p = k.sum() / n.sum()
    se = np.sqrt(b / (b - 1) * np.sum((k - p * n) ** 2) / n.sum() ** 2)
    t = stats.t.ppf(0.975, b - 1)
    return p, (max(0.0, p - t * se), min(1.0, p + t * se))


@pytest.mark.parametrize("seed", range(6))
def test_replicate_proportion_equals_the_formula(seed: int) -> None:
    rng = np.random.default_rng(seed)
    blocks = int(rng.integers(2, 40))
    sizes = rng.integers(1, 20_000, size=blocks)
    counts = rng.binomial(sizes, rng.uniform(0.05, 0.95))
    found = replicate_proportion(counts, sizes)
    p, ci = by_hand(counts.tolist(), sizes.tolist())
    assert found.count == int(counts.sum())
    assert found.p == pytest.approx(p, rel=1e-14)
    assert found.ci95 == pytest.approx(ci, rel=1e-12, abs=1e-15)


def test_equal_sized_blocks_give_the_t_interval_of_the_block_shares() -> None:
    """With blocks of equal size the ratio estimator is the mean of the block shares, and
    the interval is the textbook ``mean ± t·sd/√B``."""
    counts = [480, 530, 505, 470, 515, 499]
    shares = np.array(counts) / 1000
    found = replicate_proportion(counts, [1000] * 6)
    half = stats.t.ppf(0.975, 5) * shares.std(ddof=1) / np.sqrt(6)
    assert found.p == pytest.approx(shares.mean(), rel=1e-14)
    assert found.ci95 == pytest.approx((shares.mean() - half, shares.mean() + half), rel=1e-12)


def test_student_quantile_is_scipys() -> None:
    for dof in (1, 2, 3, 10, 23, 1000):
        assert student_quantile(dof) == pytest.approx(stats.t.ppf(0.975, dof), rel=1e-12)
    assert student_quantile(4, 0.9) == pytest.approx(stats.t.ppf(0.95, 4), rel=1e-12)


def test_the_interval_is_clipped_to_zero_and_one() -> None:
    low = replicate_proportion([0, 0, 9], [100, 100, 100])
    assert low.ci95[0] == 0.0
    assert low.ci95[1] == pytest.approx(by_hand([0, 0, 9], [100] * 3)[1][1], rel=1e-12)
    high = replicate_proportion([100, 100, 91], [100, 100, 100])
    assert high.ci95[1] == 1.0
    assert high.ci95[0] == pytest.approx(by_hand([100, 100, 91], [100] * 3)[1][0], rel=1e-12)


@pytest.mark.parametrize(
    ("counts", "sizes"),
    [
        ([37], [1000]),  # one block: no spread to measure
        ([0, 0, 0], [100, 100, 50]),  # never: no spread
        ([100, 100, 50], [100, 100, 50]),  # always: no spread
        ([10, 20, 5], [100, 200, 50]),  # every block the same share
    ],
)
def test_wilson_when_fewer_than_two_blocks_or_no_spread(
    counts: list[int], sizes: list[int]
) -> None:
    found = replicate_proportion(counts, sizes)
    k, n = sum(counts), sum(sizes)
    assert found.count == k
    assert found.p == k / n
    assert found.ci95 == pytest.approx(wilson_by_hand(k, n), rel=1e-12, abs=1e-15)


def test_equal_shares_whose_residuals_round_give_wilson_too() -> None:
    counts, sizes = [2408, 2408, 3612, 3612], [3580, 3580, 5370, 5370]  # each share 0.6726…
    assert len({k / n for k, n in zip(counts, sizes, strict=True)}) == 1
    found = replicate_proportion(counts, sizes)
    k, n = sum(counts), sum(sizes)
    assert found.ci95 == pytest.approx(wilson_by_hand(k, n), rel=1e-12)


def test_no_trials_gives_nan() -> None:
    found = replicate_proportion([], [])
    assert found.count == 0
    assert np.isnan(found.p)
    assert all(np.isnan(found.ci95))


def test_replicate_counts_do_not_depend_on_how_the_rows_are_split() -> None:
    """Counts by block from rows split anywhere (mid-block too), merged in any order,
    give the proportion of the counts per block."""
    rng = np.random.default_rng(3)
    trials = 3 * BLOCK_SIZE + 777
    hit = rng.random(trials) < 0.3
    trial = np.arange(trials, dtype=np.int64)
    whole = ReplicateCounts()
    whole.add(trial, {"x": hit})
    parts = [ReplicateCounts() for _ in range(4)]
    cuts = [0, 5_000, BLOCK_SIZE + 3, 2 * BLOCK_SIZE + 10_000, trials]
    for part, (a, b) in zip(parts, pairwise(cuts), strict=True):
        part.add(trial[a:b], {"x": hit[a:b]})
    merged = ReplicateCounts()
    for part in reversed(parts):
        merged.merge(part)
    block = trial // BLOCK_SIZE
    counts = np.bincount(block, weights=hit).astype(int).tolist()
    sizes = np.bincount(block).tolist()
    expected = replicate_proportion(counts, sizes)
    assert whole.proportion("x") == expected
    assert merged.proportion("x") == expected
    assert merged.sizes == dict(enumerate(sizes))


# --- summary level ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def sobol_frame() -> pd.DataFrame:
    return simulate(simcrm.load_scenario(BASELINE), TRIALS, 5, sampling="sobol")


@pytest.fixture(scope="module")
def mc_frame() -> pd.DataFrame:
    return simulate(simcrm.load_scenario(BASELINE), TRIALS, 5)


def indicators(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """Every probability of the summary, recounted from the trials (keys as
    ``SummaryBuilder.proportions``)."""
    criteria = [c.removeprefix("fail_") for c in frame.columns if c.startswith("fail_")]
    found = {f"criteria.{c}": frame[f"fail_{c}"].to_numpy(bool) for c in criteria}
    found |= {
        "events.abandoned": frame["abandoned"].to_numpy(bool),
        "events.rescued": frame["rescued"].to_numpy(bool),
        "events.npv_negative": (frame["npv"] < 0).to_numpy(),
        "events.paid_back_18m": (frame["payback_month"] <= 18).to_numpy(),
        "events.paid_back": frame["payback_month"].notna().to_numpy(),
        "events.paid_back_18m_from_go_live": (frame["payback_from_go_live"] <= 18).to_numpy(),
    }
    for a, b in combinations(criteria, 2):
        found[f"disagreement.{a}|{b}"] = found[f"criteria.{a}"] != found[f"criteria.{b}"]
    return found


def summary_entries(frame: pd.DataFrame, replicates: bool) -> dict[str, Proportion]:
    summary = summarize(frame, replicates=replicates)
    found = {f"criteria.{k}": v for k, v in summary.criteria.items()}
    found |= {f"events.{k}": v for k, v in summary.events.items()}
    found |= {f"disagreement.{k}": v for k, v in summary.disagreement.items()}
    return found


def test_a_designs_summary_gives_every_probability_its_replicate_interval(
    sobol_frame: pd.DataFrame,
) -> None:
    block = sobol_frame["trial"].to_numpy() // BLOCK_SIZE
    sizes = np.bincount(block).tolist()
    assert sizes == [BLOCK_SIZE] * 3 + [1_000]
    entries = summary_entries(sobol_frame, replicates=True)
    expected = indicators(sobol_frame)
    assert set(entries) == set(expected)
    wider = 0
    for key, hit in expected.items():
        counts = np.bincount(block, weights=hit).astype(int).tolist()
        entry = entries[key]
        assert entry.count == sum(counts), key
        if len(set(np.array(counts) / np.array(sizes))) == 1:  # no spread: Wilson
            assert entry.ci95 == pytest.approx(wilson_by_hand(sum(counts), TRIALS), abs=1e-15)
            continue
        p, ci = by_hand(counts, sizes)
        assert entry.p == pytest.approx(p, rel=1e-14), key
        assert entry.ci95 == pytest.approx(ci, rel=1e-12, abs=1e-15), key
        wider += entry.ci95 != pytest.approx(wilson_by_hand(sum(counts), TRIALS))
    assert wider > 10  # the replicate intervals are really not Wilson's


def test_builder_proportions_name_every_probability(sobol_frame: pd.DataFrame) -> None:
    builder = SummaryBuilder(replicates=True)
    builder.add(sobol_frame)
    shares = builder.proportions()
    assert set(shares) == set(indicators(sobol_frame))
    assert shares == summary_entries(sobol_frame, replicates=True)


def test_builders_of_chunks_merged_in_any_order_give_the_same_intervals(
    sobol_frame: pd.DataFrame,
) -> None:
    whole = SummaryBuilder(replicates=True)
    whole.add(sobol_frame)
    merged = SummaryBuilder(replicates=True)
    for first, stop in [(2, 4), (0, 1), (1, 2)]:  # chunks of whole blocks, out of order
        part = SummaryBuilder(replicates=True)
        rows = sobol_frame.iloc[first * BLOCK_SIZE : stop * BLOCK_SIZE]
        part.add(rows)
        merged.merge(part)
    assert merged.proportions() == whole.proportions()


def test_mc_intervals_stay_wilson(mc_frame: pd.DataFrame) -> None:
    entries = summary_entries(mc_frame, replicates=False)
    expected = indicators(mc_frame)
    assert set(entries) == set(expected)
    for key, hit in expected.items():
        k = int(hit.sum())
        assert entries[key].count == k
        assert entries[key].ci95 == pytest.approx(wilson_by_hand(k, TRIALS), rel=1e-12, abs=1e-15)
