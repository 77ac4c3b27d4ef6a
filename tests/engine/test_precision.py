"""``simcrm run --precision``: stop at the first chunk where the targets hold.

The stop point is checked against a brute-force recomputation: the prefixes of a fixed
run's data, ending at each chunk boundary, summarised here (Wilson's interval from its
closed form, the replicate interval from its definition, the percentile's
distribution-free interval from ``numpy.quantile``), the first boundary where every
half-width is at most its target. A stopped run is a fixed run of the trials it made:
the same data files and summary.json bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import simcrm
from simcrm.engine.precision import Precision, parse_precision
from simcrm.engine.run import RunRequest, execute
from simcrm.errors import InputError
from simcrm.streams import BLOCK_SIZE
from tests.run_helpers import BASELINE, data_bytes, manifest, run_cli
from tests.stats.closed_form import Z95, wilson_by_hand

CAP = 8 * BLOCK_SIZE + 500
"""The trials cap of the runs here: eight whole blocks and a partial one."""


# --- parsing -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "0",
        "-1",
        "nan",
        "inf",
        "0.7",
        "0.5",
        "foo=1",
        "npv.p0=1",
        "npv.p100=1",
        "nosuch.p50=1",
        "npv.p80=0",
        "npv.p80=-3",
        "npv.p80=nan",
        "criteria.cio=abc",
        "",
    ],
)
def test_a_bad_precision_is_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    out = tmp_path / "r"
    assert run_cli(out, f"--precision={text}", trials=BLOCK_SIZE) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    assert "--precision" in err
    assert not out.exists()
    with pytest.raises(InputError):
        parse_precision([text])


def test_an_unknown_probability_is_refused_at_run_time_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r"
    assert run_cli(out, "--precision", "criteria.nosuch=0.01", trials=BLOCK_SIZE) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    assert "criteria.nosuch" in err
    assert not (out / "summary.json").exists()


def test_good_precisions_parse() -> None:
    found = parse_precision(
        ["0.004", "npv.p80=20000", "criteria.cio=0.01", "disagreement.cio|marketing=0.02"]
    )
    assert found == Precision(
        0.004,
        (("npv.p80", 20000.0), ("criteria.cio", 0.01), ("disagreement.cio|marketing", 0.02)),
    )
    assert parse_precision(["actual_cost.p97.5=1e5"]).statistics == (("actual_cost.p97.5", 1e5),)
    assert parse_precision(["0.01", "0.002"]).probabilities == 0.002  # the last one given


# --- brute force -----------------------------------------------------------------------


def probabilities(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """Every probability the summary reports, as indicators of the trials."""
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


def wilson_half(hit: np.ndarray) -> float:
    low, high = wilson_by_hand(int(hit.sum()), hit.size)
    return (high - low) / 2


def replicate_half(hit: np.ndarray) -> float:
    """Half-width of the replicate interval over the blocks of ``hit`` (Wilson's with
    fewer than two blocks or no spread)."""
    block = np.arange(hit.size) // BLOCK_SIZE
    k = np.bincount(block, weights=hit)
    n = np.bincount(block).astype(float)
    p = k.sum() / n.sum()
    if k.size < 2 or np.all(k * n.sum() == k.sum() * n):
        return wilson_half(hit)
    se = np.sqrt(k.size / (k.size - 1) * np.sum((k - p * n) ** 2) / n.sum() ** 2)
    half = stats.t.ppf(0.975, k.size - 1) * se
    return (min(1.0, p + half) - max(0.0, p - half)) / 2


def percentile_half(values: np.ndarray, p: float) -> float:
    """Half the distribution-free interval of the ``p`` percentile: between the
    percentiles at p ± z √(p(1−p)/n)."""
    values = values[~np.isnan(values)]
    step = Z95 * np.sqrt(p * (1 - p) / values.size)
    low, high = np.quantile(values, [max(p - step, 0.0), min(p + step, 1.0)])
    return float(high - low) / 2


Widths = Callable[[pd.DataFrame], list[tuple[float, float]]]


def stop_point(frame: pd.DataFrame, chunk_blocks: int, widths: Widths) -> int:
    """Trials at the first chunk boundary where every (half-width, target) holds."""
    ends = list(range(chunk_blocks * BLOCK_SIZE, len(frame), chunk_blocks * BLOCK_SIZE))
    for end in [*ends, len(frame)]:
        if all(w <= t for w, t in widths(frame.iloc[:end])):
            return end
    return len(frame)


def every_probability(target: float, half: Callable[[np.ndarray], float]) -> Widths:
    return lambda f: [(half(hit), target) for hit in probabilities(f).values()]


@pytest.fixture(scope="module")
def fixed_mc(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    out = tmp_path_factory.mktemp("fixed") / "mc"
    assert run_cli(out, trials=CAP) == 0
    return pd.read_parquet(out / "data")


@pytest.fixture(scope="module")
def fixed_sobol(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    out = tmp_path_factory.mktemp("fixed") / "sobol"
    assert run_cli(out, "--sampling", "sobol", trials=CAP) == 0
    return pd.read_parquet(out / "data")


def check_stopped_like_fixed(tmp_path: Path, out: Path, trials: int, *extra: str) -> None:
    """The stopped run in ``out`` is the fixed run of ``trials``: files, summary, manifest."""
    fixed = tmp_path / "fixed"
    assert run_cli(fixed, *extra, trials=trials) == 0
    assert data_bytes(out) == data_bytes(fixed)
    assert (out / "summary.json").read_bytes() == (fixed / "summary.json").read_bytes()
    stopped, plain = manifest(out), manifest(fixed)
    assert stopped["status"] == "complete"
    assert stopped["identity"] == plain["identity"]
    assert stopped["trials"] == plain["trials"] == trials
    assert stopped["chunks"] == plain["chunks"]
    assert stopped["completed_chunks"] == plain["completed_chunks"]
    assert stopped["chunk_sha256"] == plain["chunk_sha256"]
    assert stopped["command"].replace(str(out.resolve()), "OUT") == plain["command"].replace(
        str(fixed.resolve()), "OUT"
    )


@pytest.mark.parametrize("chunk_blocks", [1, 2, 3])
def test_a_run_stops_at_the_first_chunk_where_every_probability_is_precise(
    tmp_path: Path, fixed_mc: pd.DataFrame, chunk_blocks: int
) -> None:
    target = 0.004  # p ≈ 0.5 needs ≈ 60,000 trials: four blocks or so
    expected = stop_point(fixed_mc, chunk_blocks, every_probability(target, wilson_half))
    assert BLOCK_SIZE < expected < CAP  # the test means something
    out = tmp_path / "r"
    chunk = str(chunk_blocks * BLOCK_SIZE)
    assert run_cli(out, "--precision", str(target), "--chunk-size", chunk, trials=CAP) == 0
    assert manifest(out)["trials"] == expected
    data = pd.read_parquet(out / "data")
    pd.testing.assert_frame_equal(data, fixed_mc.iloc[:expected])
    check_stopped_like_fixed(tmp_path, out, expected, "--chunk-size", chunk)
    precision = manifest(out)["precision"]
    assert precision["cap"] == CAP
    assert precision["targets"] == {"probabilities": target, "statistics": {}}
    reached = precision["reached"]
    assert set(reached) == set(probabilities(fixed_mc))
    for name, hit in probabilities(fixed_mc.iloc[:expected]).items():
        assert reached[name]["target"] == target
        assert reached[name]["half_width"] == pytest.approx(wilson_half(hit), rel=1e-9)
        assert reached[name]["half_width"] <= target


def test_chunkings_that_share_the_boundary_stop_at_the_same_trials(
    tmp_path: Path, fixed_mc: pd.DataFrame
) -> None:
    """One-block chunks stop after s blocks; chunks of s blocks (whose first boundary is
    that one) stop there too, with the same data and summary bytes."""
    stop = stop_point(fixed_mc, 1, every_probability(0.004, wilson_half))
    blocks = stop // BLOCK_SIZE
    assert stop == blocks * BLOCK_SIZE
    assert blocks > 1
    for chunk in (1, blocks):
        out = tmp_path / str(chunk)
        size = str(chunk * BLOCK_SIZE)
        assert run_cli(out, "--precision", "0.004", "--chunk-size", size, trials=CAP) == 0
        assert manifest(out)["trials"] == stop
        pd.testing.assert_frame_equal(pd.read_parquet(out / "data"), fixed_mc.iloc[:stop])
    assert len(data_bytes(tmp_path / "1")) == blocks
    assert len(data_bytes(tmp_path / str(blocks))) == 1
    assert (tmp_path / "1" / "summary.json").read_bytes() == (
        tmp_path / str(blocks) / "summary.json"
    ).read_bytes()


def test_a_design_run_stops_on_its_replicate_intervals(
    tmp_path: Path, fixed_sobol: pd.DataFrame
) -> None:
    """With sobol the half-widths are those of the replicate intervals (Student's t on
    B − 1 degrees of freedom: very wide on two blocks)."""
    widths = every_probability(0.004, replicate_half)
    expected = stop_point(fixed_sobol, 1, widths)
    wilson = stop_point(fixed_sobol, 1, every_probability(0.004, wilson_half))
    assert BLOCK_SIZE < expected < CAP
    assert expected != wilson  # the stop is really the replicates'
    out = tmp_path / "r"
    extra = ("--sampling", "sobol", "--chunk-size", str(BLOCK_SIZE))
    assert run_cli(out, "--precision", "0.004", *extra, trials=CAP) == 0
    assert manifest(out)["trials"] == expected
    pd.testing.assert_frame_equal(pd.read_parquet(out / "data"), fixed_sobol.iloc[:expected])
    check_stopped_like_fixed(tmp_path, out, expected, *extra)


def test_a_percentile_target_uses_the_order_statistic_interval(
    tmp_path: Path, fixed_mc: pd.DataFrame
) -> None:
    npv = fixed_mc["npv"].to_numpy()
    halves = [percentile_half(npv[: k * BLOCK_SIZE], 0.8) for k in range(1, 9)]
    target = (halves[2] + halves[3]) / 2  # between the 3-block and the 4-block half-width
    expected = stop_point(
        fixed_mc, 1, lambda f: [(percentile_half(f["npv"].to_numpy(), 0.8), target)]
    )
    assert BLOCK_SIZE < expected < CAP
    out = tmp_path / "r"
    assert (
        run_cli(
            out, "--precision", f"npv.p80={target!r}", "--chunk-size", str(BLOCK_SIZE), trials=CAP
        )
        == 0
    )
    assert manifest(out)["trials"] == expected
    reached = manifest(out)["precision"]["reached"]
    assert set(reached) == {"npv.p80"}
    assert reached["npv.p80"]["half_width"] == pytest.approx(
        percentile_half(npv[:expected], 0.8), rel=1e-12
    )
    check_stopped_like_fixed(tmp_path, out, expected, "--chunk-size", str(BLOCK_SIZE))


def test_several_targets_must_all_hold(tmp_path: Path, fixed_mc: pd.DataFrame) -> None:
    def widths(f: pd.DataFrame) -> list[tuple[float, float]]:
        hits = probabilities(f)
        return [
            (wilson_half(hits["criteria.cio"]), 0.006),
            (wilson_half(hits["disagreement.cio|marketing"]), 0.005),
        ]

    expected = stop_point(fixed_mc, 1, widths)
    assert BLOCK_SIZE < expected < CAP
    out = tmp_path / "r"
    extra = ["--precision", "criteria.cio=0.006", "--precision", "disagreement.cio|marketing=0.005"]
    assert run_cli(out, *extra, "--chunk-size", str(BLOCK_SIZE), trials=CAP) == 0
    assert manifest(out)["trials"] == expected
    assert set(manifest(out)["precision"]["reached"]) == {
        "criteria.cio",
        "disagreement.cio|marketing",
    }


def test_a_run_that_never_reaches_its_target_stops_at_the_cap(tmp_path: Path) -> None:
    out = tmp_path / "r"
    cap = 2 * BLOCK_SIZE + 10
    assert run_cli(out, "--precision", "0.0005", "--chunk-size", str(BLOCK_SIZE), trials=cap) == 0
    found = manifest(out)
    assert found["status"] == "complete"
    assert found["trials"] == cap
    assert len(pd.read_parquet(out / "data")) == cap
    precision = found["precision"]
    assert precision["cap"] == cap
    assert precision["targets"]["probabilities"] == 0.0005
    assert any(r["half_width"] > r["target"] for r in precision["reached"].values())
    assert "precision" not in found["identity"]  # as a fixed run of the cap


def test_a_run_at_its_cap_has_the_fixed_runs_data_and_summary(tmp_path: Path) -> None:
    """What holds today of a run that never reaches its target: complete, every trial of
    the cap, the same files and summary as a fixed run of the cap."""
    out = tmp_path / "r"
    cap = 2 * BLOCK_SIZE + 10
    extra = ("--chunk-size", str(BLOCK_SIZE))
    assert run_cli(out, "--precision", "0.0005", *extra, trials=cap) == 0
    assert manifest(out)["status"] == "complete"
    assert manifest(out)["trials"] == cap
    fixed = tmp_path / "fixed"
    assert run_cli(fixed, *extra, trials=cap) == 0
    assert data_bytes(out) == data_bytes(fixed)
    assert (out / "summary.json").read_bytes() == (fixed / "summary.json").read_bytes()


def test_the_python_interface_stops_the_same(tmp_path: Path, fixed_mc: pd.DataFrame) -> None:
    expected = stop_point(fixed_mc, 1, every_probability(0.004, wilson_half))
    request = RunRequest(
        simcrm.load_scenario(BASELINE),
        CAP,
        11,
        tmp_path / "r",
        chunk_trials=BLOCK_SIZE,
        scenario_path=BASELINE,
        precision=parse_precision(["0.004"]),
    )
    summary = execute(request)
    assert summary.trials == expected
    assert manifest(tmp_path / "r")["trials"] == expected
