"""Sampling designs (``--sampling lhs|sobol``): the designs' own properties, checked
independently of the package, and runs that are the same bytes on any chunking.

Each block of 16,384 trials is one randomised replicate: a Latin hypercube or the first
points of a scrambled Sobol' net of 2^14 points, seeded from the block's DESIGN stream.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from scipy import stats

import simcrm
from simcrm.cli import main
from simcrm.engine.blocks import simulate
from simcrm.model.design import design_inputs, design_uniforms
from simcrm.streams import BLOCK_SIZE, Stage, block_generator
from tests.run_helpers import BASELINE, SMALL, data_bytes, manifest, run_cli

NET = BLOCK_SIZE.bit_length() - 1
"""A block's Sobol' net has 2^14 points."""


@pytest.fixture(scope="module")
def scenario() -> simcrm.Scenario:
    return simcrm.load_scenario(BASELINE)


def design(
    scenario: simcrm.Scenario, sampling: str, seed: int, block: int, size: int
) -> np.ndarray:
    """One block's design as a (size, inputs) array, from its DESIGN stream."""
    columns = design_uniforms(scenario, sampling, block_generator(seed, block, Stage.DESIGN), size)
    assert list(columns) == design_inputs(scenario)
    return np.column_stack(list(columns.values()))


# --- the designs ---------------------------------------------------------------------


@pytest.mark.parametrize("n", [7, 1_000, BLOCK_SIZE])
def test_lhs_has_one_point_in_each_stratum_of_each_input(scenario: simcrm.Scenario, n: int) -> None:
    points = design(scenario, "lhs", 4, 0, n)
    assert points.shape == (n, len(design_inputs(scenario)))
    assert ((points > 0) & (points < 1)).all()
    for column in points.T:
        strata = np.floor(column * n).astype(int)
        assert np.array_equal(np.sort(strata), np.arange(n))


def test_sobol_net_is_balanced_on_every_dyadic_interval(scenario: simcrm.Scenario) -> None:
    points = design(scenario, "sobol", 4, 2, BLOCK_SIZE)
    assert ((points > 0) & (points < 1)).all()  # strictly inside: no infinite normal score
    for column in points.T:
        for k in range(NET + 1):  # 2^k intervals of 2^(14-k) points each
            counts = np.bincount(np.floor(column * 2**k).astype(int), minlength=2**k)
            assert (counts == 2 ** (NET - k)).all(), k


def boxes(u: np.ndarray, v: np.ndarray, a: int, b: int) -> np.ndarray:
    """Points in each of the 2^a × 2^b boxes of the unit square."""
    cell = np.floor(u * 2**a).astype(int) * 2**b + np.floor(v * 2**b).astype(int)
    return np.bincount(cell, minlength=2 ** (a + b))


def test_sobol_net_is_balanced_on_two_dimensional_boxes(scenario: simcrm.Scenario) -> None:
    """The (t, m, s)-net property: 2^(m-a-b) points in each 2^a × 2^b box for a + b ≤ m − t.
    The first two dimensions of Sobol' have t = 0 (every a + b ≤ 14); every pair of this
    design's 16 inputs has t ≤ 10 (direction polynomials of degree ≤ 6), so boxes with
    a + b ≤ 4 (2×2, 4×4, 2×8, …) hold exactly for all pairs."""
    points = design(scenario, "sobol", 9, 0, BLOCK_SIZE)
    for a in range(NET + 1):
        for b in range(NET + 1 - a):
            assert (boxes(points[:, 0], points[:, 1], a, b) == 2 ** (NET - a - b)).all(), (a, b)
    d = points.shape[1]
    for i in range(d):
        for j in range(i + 1, d):
            for a, b in [(1, 1), (2, 2), (1, 3), (3, 1), (0, 4)]:
                found = boxes(points[:, i], points[:, j], a, b)
                assert (found == 2 ** (NET - a - b)).all(), (i, j, a, b)


def test_a_partial_sobol_block_takes_the_first_points_of_the_net(
    scenario: simcrm.Scenario,
) -> None:
    whole = design(scenario, "sobol", 5, 3, BLOCK_SIZE)
    part = design(scenario, "sobol", 5, 3, 1_000)
    assert np.array_equal(part, whole[:1_000])


@pytest.mark.parametrize("sampling", ["lhs", "sobol"])
def test_the_design_depends_only_on_seed_and_block(
    scenario: simcrm.Scenario, sampling: str
) -> None:
    a = design(scenario, sampling, 5, 1, BLOCK_SIZE)
    assert np.array_equal(a, design(scenario, sampling, 5, 1, BLOCK_SIZE))
    assert not np.array_equal(a, design(scenario, sampling, 5, 2, BLOCK_SIZE))  # other block
    assert not np.array_equal(a, design(scenario, sampling, 6, 1, BLOCK_SIZE))  # other seed


def pert_planned_months(u: np.ndarray) -> np.ndarray:
    """baseline's planned months, PERT(6, 10, 18) with λ = 4: a beta(7/3, 11/3) on [6, 18]."""
    return stats.beta(1 + 4 * 4 / 12, 1 + 4 * 8 / 12, loc=6, scale=12).ppf(u)


@pytest.mark.parametrize("sampling", ["lhs", "sobol"])
def test_a_run_takes_each_blocks_inputs_from_its_design(
    scenario: simcrm.Scenario, sampling: str
) -> None:
    """The planned months of block b are F⁻¹ of the design column of (seed, b), in a run
    of any length: the same block in two runs of different totals has the same inputs."""
    short = simulate(scenario, 2 * BLOCK_SIZE, 13, inputs=True, sampling=sampling)
    long = simulate(scenario, SMALL, 13, inputs=True, sampling=sampling)
    pd.testing.assert_frame_equal(short, long.iloc[: 2 * BLOCK_SIZE])
    column = design_inputs(scenario).index("plan.planned_months")
    for block in range(2):
        u = design(scenario, sampling, 13, block, BLOCK_SIZE)[:, column]
        rows = long["in_plan_planned_months"].to_numpy()[
            block * BLOCK_SIZE : (block + 1) * BLOCK_SIZE
        ]
        np.testing.assert_allclose(rows, pert_planned_months(u), rtol=1e-9)


def test_a_last_partial_sobol_block_has_the_first_points_of_the_full_blocks_net(
    scenario: simcrm.Scenario,
) -> None:
    full = simulate(scenario, 2 * BLOCK_SIZE, 13, inputs=True, sampling="sobol")
    part = simulate(scenario, BLOCK_SIZE + 1_000, 13, inputs=True, sampling="sobol")
    name = "in_plan_planned_months"
    assert np.array_equal(
        part[name].to_numpy()[BLOCK_SIZE:], full[name].to_numpy()[BLOCK_SIZE : BLOCK_SIZE + 1_000]
    )


def test_the_marginals_stay_right_under_a_design(scenario: simcrm.Scenario) -> None:
    """Kolmogorov–Smirnov distance of the planned months from their PERT law. Plain Monte
    Carlo passes the test at the 1% level (fixed seed) with a distance of order 1/√n
    (≈ 0.004 here); a stratified design puts each of its blocks within ~1/16,384 of the
    law, so its distance is far smaller (a tenth of mc's is conservative: mc's distance is
    below 0.4/√n with probability ≈ 0.3%, the design's above 1e-3 not at all)."""
    law = stats.beta(1 + 4 * 4 / 12, 1 + 4 * 8 / 12, loc=6, scale=12)
    found = {}
    for sampling in ("mc", "lhs", "sobol"):
        frame = simulate(scenario, SMALL, 21, inputs=True, sampling=sampling)
        found[sampling] = stats.kstest(frame["in_plan_planned_months"], law.cdf)
    assert found["mc"].pvalue > 0.01
    assert found["mc"].statistic > 0.4 / np.sqrt(SMALL)
    for sampling in ("lhs", "sobol"):
        assert found[sampling].statistic < 1e-3
        assert found[sampling].statistic < found["mc"].statistic / 10


# --- runs ------------------------------------------------------------------------------


@pytest.mark.parametrize("sampling", ["lhs", "sobol"])
def test_a_design_run_is_the_same_on_any_chunking(tmp_path: Path, sampling: str) -> None:
    one, three = tmp_path / "one", tmp_path / "three"
    assert run_cli(one, "--sampling", sampling, "--chunk-size", str(BLOCK_SIZE)) == 0
    assert run_cli(three, "--sampling", sampling, "--chunk-size", str(3 * BLOCK_SIZE)) == 0
    assert len(data_bytes(one)) == 4
    assert len(data_bytes(three)) == 2
    a, b = pd.read_parquet(one / "data"), pd.read_parquet(three / "data")
    pd.testing.assert_frame_equal(a, b)
    assert (one / "summary.json").read_bytes() == (three / "summary.json").read_bytes()
    memory = simulate(simcrm.load_scenario(BASELINE), SMALL, 11, sampling=sampling)
    pd.testing.assert_frame_equal(a, memory)
    assert manifest(one)["identity"]["sampling"] == sampling
    meta = pq.read_schema(sorted((one / "data").glob("*.parquet"))[0]).metadata or {}
    assert meta[b"simcrm.sampling"] == sampling.encode()


def test_a_design_run_is_the_same_bytes_run_twice(tmp_path: Path) -> None:
    assert run_cli(tmp_path / "a", "--sampling", "sobol", trials=BLOCK_SIZE + 10) == 0
    assert run_cli(tmp_path / "b", "--sampling", "sobol", trials=BLOCK_SIZE + 10) == 0
    assert data_bytes(tmp_path / "a") == data_bytes(tmp_path / "b")
    assert (tmp_path / "a" / "summary.json").read_bytes() == (
        tmp_path / "b" / "summary.json"
    ).read_bytes()


def test_mc_changes_nothing_and_designs_change_the_inputs(tmp_path: Path) -> None:
    trials = BLOCK_SIZE + 10
    assert run_cli(tmp_path / "plain", trials=trials) == 0
    assert run_cli(tmp_path / "mc", "--sampling", "mc", trials=trials) == 0
    assert data_bytes(tmp_path / "plain") == data_bytes(tmp_path / "mc")
    assert manifest(tmp_path / "plain")["identity"] == manifest(tmp_path / "mc")["identity"]
    assert "sampling" not in manifest(tmp_path / "mc")["identity"]
    costs = {}
    for sampling in ("lhs", "sobol"):
        assert run_cli(tmp_path / sampling, "--sampling", sampling, trials=trials) == 0
        costs[sampling] = pd.read_parquet(tmp_path / sampling / "data")["actual_cost"]
    costs["mc"] = pd.read_parquet(tmp_path / "mc" / "data")["actual_cost"]
    assert not costs["mc"].equals(costs["lhs"])
    assert not costs["mc"].equals(costs["sobol"])
    assert not costs["lhs"].equals(costs["sobol"])


def test_a_designs_summary_has_replicate_intervals_on_disk(tmp_path: Path) -> None:
    """summary.json of a sobol run: each criterion's interval is the replicate one of
    its block counts (t on 3 degrees of freedom), recomputed here from the data."""
    assert run_cli(tmp_path / "r", "--sampling", "sobol") == 0
    data = pd.read_parquet(tmp_path / "r" / "data")
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    block = data["trial"].to_numpy() // BLOCK_SIZE
    n = np.bincount(block).astype(float)
    for name, entry in summary["criteria"].items():
        k = np.bincount(block, weights=data[f"fail_{name}"].to_numpy(float))
        p = k.sum() / n.sum()
        se = np.sqrt(4 / 3 * np.sum((k - p * n) ** 2) / n.sum() ** 2)
        half = stats.t.ppf(0.975, 3) * se
        assert entry["ci95"] == pytest.approx([max(p - half, 0), min(p + half, 1)], rel=1e-12)


def test_an_unknown_sampling_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(tmp_path / "r", "--sampling", "halton") == 2
    err = capsys.readouterr().err
    assert "halton" in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "r").exists()
    with pytest.raises(simcrm.errors.InputError):
        simulate(simcrm.load_scenario(BASELINE), 10, 1, sampling="halton")


def test_summary_recompute_of_a_design_run_gives_its_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r"
    assert run_cli(out, "--sampling", "sobol", trials=BLOCK_SIZE + 10) == 0
    capsys.readouterr()
    assert main(["summary", str(out), "--recompute", "--json"]) == 0
    recomputed = json.loads(capsys.readouterr().out)
    assert recomputed == json.loads((out / "summary.json").read_text())


def test_an_interrupted_design_run_resumes_to_the_same_bytes(tmp_path: Path) -> None:
    from simcrm.engine.run import RunRequest, execute

    reference, out = tmp_path / "reference", tmp_path / "r"
    one = ("--sampling", "lhs", "--chunk-size", str(BLOCK_SIZE))
    assert run_cli(reference, *one) == 0
    calls: list[int] = []

    def progress(trials: int) -> None:
        calls.append(trials)
        if len(calls) == 2:
            raise KeyboardInterrupt

    request = RunRequest(
        simcrm.load_scenario(BASELINE),
        SMALL,
        11,
        out,
        chunk_trials=BLOCK_SIZE,
        scenario_path=BASELINE,
        sampling="lhs",
    )
    with pytest.raises(KeyboardInterrupt):
        execute(request, progress=progress)
    assert manifest(out)["status"] == "interrupted"
    assert run_cli(out, *one, "--resume") == 0
    assert data_bytes(out) == data_bytes(reference)
    assert (out / "summary.json").read_bytes() == (reference / "summary.json").read_bytes()
