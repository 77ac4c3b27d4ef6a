"""``simcrm run --json`` and ``simcrm summary --recompute --json``: the figures they print,
recomputed here from the run's own Parquet data (counts, numpy means and percentiles, the
closed-form 95% Wilson interval), not compared with another output of simcrm."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from simcrm.cli import main
from tests.run_helpers import BASELINE, SMALL
from tests.stats.closed_form import wilson_by_hand


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """A run of 3 blocks and a part (chunks of 20,000 trials) and the JSON it printed."""
    out = tmp_path_factory.mktemp("values") / "run"
    args = ["run", str(BASELINE), "--trials", str(SMALL), "--seed", "17", "--out", str(out)]
    buffer = io.StringIO()  # capsys is per test: read this module's one run by hand
    with contextlib.redirect_stdout(buffer):
        assert main([*args, "--json", "--no-figures", "--chunk-size", "20000"]) == 0
    return out, json.loads(buffer.getvalue())


@pytest.fixture(scope="module")
def printed(run: tuple[Path, dict[str, Any]]) -> tuple[dict[str, Any], pd.DataFrame]:
    out, doc = run
    return doc, pd.read_parquet(out / "data")


def _check_proportion(entry: dict[str, Any], k: int, n: int) -> None:
    assert entry["count"] == k
    assert entry["p"] == k / n
    assert entry["ci95"] == pytest.approx(list(wilson_by_hand(k, n)), rel=1e-12, abs=1e-15)


def test_failure_probabilities_and_events(printed: tuple[dict[str, Any], pd.DataFrame]) -> None:
    doc, frame = printed
    n = len(frame)
    assert doc["trials"] == n == SMALL
    assert frame["trial"].tolist() == list(range(n))
    fails = [c.removeprefix("fail_") for c in frame.columns if c.startswith("fail_")]
    assert list(doc["criteria"]) == fails
    for name in fails:
        _check_proportion(doc["criteria"][name], int(frame[f"fail_{name}"].sum()), n)
    _check_proportion(doc["events"]["abandoned"], int(frame["abandoned"].sum()), n)
    _check_proportion(doc["events"]["npv_negative"], int((frame["npv"] < 0).sum()), n)
    paid = int((frame["payback_month"] <= 18).sum())
    _check_proportion(doc["events"]["paid_back_18m"], paid, n)
    for pair, entry in doc["disagreement"].items():
        a, b = pair.split("|")
        _check_proportion(entry, int((frame[f"fail_{a}"] != frame[f"fail_{b}"]).sum()), n)


def test_distributions_and_crosstab(printed: tuple[dict[str, Any], pd.DataFrame]) -> None:
    doc, frame = printed
    for name, spread in doc["distributions"].items():
        values = frame[name].dropna().to_numpy(np.float64)
        assert spread["defined"] == values.size / len(frame)
        assert spread["mean"] == pytest.approx(values.mean(), rel=1e-12)
        quantiles = np.quantile(values, [0.1, 0.5, 0.8, 0.9])
        assert [spread[k] for k in ("p10", "p50", "p80", "p90")] == quantiles.tolist()
    cross = doc["crosstab"]
    table = pd.crosstab(frame[f"fail_{cross['rows']}"], frame[f"fail_{cross['columns']}"])
    assert cross["counts"] == table.to_numpy().tolist()


def test_recomputed_summary_prints_the_same_figures(
    run: tuple[Path, dict[str, Any]],
    printed: tuple[dict[str, Any], pd.DataFrame],
    capsys: pytest.CaptureFixture[str],
) -> None:
    out, _ = run
    assert main(["summary", str(out), "--recompute", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    test_failure_probabilities_and_events((doc, printed[1]))
    test_distributions_and_crosstab((doc, printed[1]))
