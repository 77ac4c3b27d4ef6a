"""Rank correlations between inputs: induced to their targets, marginals untouched."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import simcrm
from simcrm.cli import main
from simcrm.errors import ScenarioError
from simcrm.scenario import scenario_from_dict
from simcrm.scenario.correlations import (
    nearest_correlation,
    normal_scores_matrix,
    ranks_of,
)
from tests.conftest import MINIMAL
from tests.run_helpers import data_bytes

N = 200_000
BATCHES = 20

PAIRS = [
    ("components.integration.overrun", "execution.schedule", 0.7),
    ("plan.planned_months", "adoption.ceiling", -0.4),
    ("components.licences.overrun", "plan.planned_months", 0.3),
    ("money.value_per_active_user_month", "components.integration.overrun", -0.2),
]


def _scenario(pairs: list[tuple[str, str, float]] | None = PAIRS, **extra: Any) -> dict[str, Any]:
    data = copy.deepcopy(MINIMAL)
    data["plan"]["planned_months"] = {"kind": "pert", "low": 6, "mode": 9, "high": 18}
    data["components"]["licences"]["overrun"] = {"p50": 1.0, "p90": 1.3}
    data["components"]["integration"]["overrun"] = {
        "kind": "triangular", "low": 0.7, "mode": 1.0, "high": 2.5
    }  # fmt: skip
    data["execution"] = {"schedule": {"p50": 1.1, "p90": 1.6}, "rho": 0.5}
    data["adoption"] = {"ceiling": {"kind": "beta", "a": 3, "b": 1.5}}
    data["money"] = {"value_per_active_user_month": {"kind": "gamma", "shape": 4, "scale": 50}}
    if pairs is not None:
        data["correlations"] = {"pairs": [{"a": a, "b": b, "rank": r} for a, b, r in pairs]}
    data.update(extra)
    return data


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return simcrm.simulate(scenario_from_dict(_scenario()), trials=N, seed=17, inputs=True)


def _column(path: str) -> str:
    return "in_" + path.replace(".", "_")


@pytest.mark.parametrize(("a", "b", "target"), PAIRS)
def test_rank_correlations_match_their_targets(
    frame: pd.DataFrame, a: str, b: str, target: float
) -> None:
    """Spearman's rho of the sampled inputs within 4 standard errors of the target; the SE
    is estimated from the spread of rho over 20 batches of 10,000 trials (batch means)."""
    x, y = frame[_column(a)].to_numpy(), frame[_column(b)].to_numpy()
    whole = stats.spearmanr(x, y).statistic
    per_batch = [
        stats.spearmanr(xs, ys).statistic
        for xs, ys in zip(np.split(x, BATCHES), np.split(y, BATCHES), strict=True)
    ]
    se = np.std(per_batch, ddof=1) / np.sqrt(BATCHES)
    assert abs(whole - target) < 4 * se, (whole, target, se)


def test_uncorrelated_pairs_stay_uncorrelated(frame: pd.DataFrame) -> None:
    """Two inputs no pair links (hardware-free scenario: licences overrun and ceiling)."""
    rho = stats.spearmanr(frame[_column("execution.schedule")], frame[_column("adoption.ceiling")])
    # induced only through the chain integration–schedule and months–ceiling: R_sched,ceil = 0
    assert abs(rho.statistic) < 4 / np.sqrt(N)


@pytest.mark.parametrize(
    ("path", "law"),
    [
        ("plan.planned_months", stats.beta(1 + 4 * 3 / 12, 1 + 4 * 9 / 12, loc=6, scale=12)),
        ("components.integration.overrun", stats.triang(0.3 / 1.8, loc=0.7, scale=1.8)),
        ("components.licences.overrun", stats.lognorm(np.log(1.3) / stats.norm.ppf(0.9))),
        ("adoption.ceiling", stats.beta(3, 1.5)),
        ("money.value_per_active_user_month", stats.gamma(4, scale=50)),
    ],
    ids=["pert", "triangular", "lognormal", "beta", "gamma"],
)
def test_marginals_are_untouched(frame: pd.DataFrame, path: str, law: Any) -> None:
    """Each correlated input still follows its own distribution (KS, n = 200,000)."""
    assert stats.kstest(frame[_column(path)], law.cdf).pvalue > 1e-3


def test_no_section_changes_nothing() -> None:
    """With the section absent the bytes are those of a scenario that never had it; with
    an all-zero matrix the inputs are independent draws of another stream."""
    plain = simcrm.simulate(scenario_from_dict(_scenario(None)), trials=5_000, seed=3)
    again = simcrm.simulate(scenario_from_dict(_scenario(None)), trials=5_000, seed=3)
    pd.testing.assert_frame_equal(plain, again)
    assert "correlations" not in scenario_from_dict(_scenario(None)).model_dump()


def test_not_positive_semidefinite_is_refused_with_the_nearest() -> None:
    bad = [
        ("plan.planned_months", "adoption.ceiling", -0.9),
        ("adoption.ceiling", "execution.schedule", -0.9),
        ("execution.schedule", "plan.planned_months", -0.9),
    ]
    with pytest.raises(ScenarioError, match=r"correlations\.pairs.*nearest that can is") as err:
        scenario_from_dict(_scenario(bad))
    assert "repair = true" in str(err.value)
    repaired = scenario_from_dict(
        _scenario(
            None,
            correlations={
                "pairs": [{"a": a, "b": b, "rank": r} for a, b, r in bad],
                "repair": True,
            },
        )
    )
    frame = simcrm.simulate(repaired, trials=20_000, seed=2, inputs=True)
    rho = stats.spearmanr(frame[_column("plan.planned_months")], frame[_column("adoption.ceiling")])
    assert -0.6 < rho.statistic < -0.4  # the nearest valid: about -0.5 each


def test_nearest_correlation_against_higham_example() -> None:
    """Higham (2002) §5: the nearest correlation matrix of [[2,-1,0,0],[-1,2,-1,0],
    [0,-1,2,-1],[0,0,-1,2]], whose published answer (4 decimals) is reproduced."""
    a = np.array([[2, -1, 0, 0], [-1, 2, -1, 0], [0, -1, 2, -1], [0, 0, -1, 2]], dtype=float)
    expected = np.array(
        [
            [1.0000, -0.8084, 0.1916, 0.1068],
            [-0.8084, 1.0000, -0.6562, 0.1916],
            [0.1916, -0.6562, 1.0000, -0.8084],
            [0.1068, 0.1916, -0.8084, 1.0000],
        ]
    )
    np.testing.assert_allclose(nearest_correlation(a), expected, atol=2e-4)


def test_rank_and_score_scales_are_inverse() -> None:
    r = np.linspace(-1, 1, 21)
    np.testing.assert_allclose(ranks_of(normal_scores_matrix(r)), r, atol=1e-12)


@pytest.mark.parametrize(
    ("pairs", "field", "why"),
    [
        (
            [("plan.planed_months", "adoption.ceiling", 0.3)],
            "correlations.pairs[0].a",
            "did you mean 'plan.planned_months'",
        ),
        (
            [("plan.planned_months", "plan.planning_quality", 0.3)],
            "correlations.pairs[0].b",
            "fixed value",
        ),
        (
            [("plan.planned_months", "plan.planned_months", 0.3)],
            "correlations.pairs",
            "with itself",
        ),
        (
            [("plan.planned_months", "adoption.ceiling", 1.5)],
            "correlations.pairs.0.rank",
            "less than or equal to 1",
        ),
    ],
    ids=["unknown input", "fixed input", "self", "rank above 1"],
)
def test_bad_correlations_name_the_field(
    pairs: list[tuple[str, str, float]],
    field: str,
    why: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import tomlkit

    path = tmp_path / "s.toml"
    path.write_text(tomlkit.dumps(_scenario(pairs)))
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert field in err
    assert why in err


def test_bit_identical_across_chunks_and_workers(tmp_path: Path) -> None:
    import tomlkit

    path = tmp_path / "corr.toml"
    path.write_text(tomlkit.dumps(_scenario()))
    runs = {
        "one block a chunk": ["--chunk-size", "16384"],
        "default": [],
        "two workers": ["--workers", "2", "--chunk-size", "32768"],
    }
    found = []
    for label, extra in runs.items():
        out = tmp_path / label.replace(" ", "_")
        args = ["run", str(path), "--trials", "50000", "--seed", "5", "--out", str(out)]
        assert main([*args, "--quiet", "--inputs", *extra]) == 0
        frame = pd.read_parquet(out / "data")
        found.append(frame)
        assert data_bytes(out)  # files written
    for other in found[1:]:
        pd.testing.assert_frame_equal(found[0], other)
