"""Summaries in bounded memory: the same bytes however the trials are batched or merged.

Counts are integers, means exact sums of per-block sums, and percentiles exact up to
``EXACT_LIMIT`` trials and from the mergeable sketch beyond, so a run's summary does not
depend on chunking, executor, order of completion, or being recomputed from disk.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import simcrm
from simcrm.cli import main
from simcrm.stats import summary as summaries
from simcrm.stats.accumulators import QUANTILES
from simcrm.stats.run_summary import Summary
from simcrm.stats.summary import SummaryBuilder
from simcrm.streams import BLOCK_SIZE
from tests.run_helpers import BASELINE, SMALL, manifest, run_cli


@pytest.fixture(scope="module")
def table() -> pa.Table:
    frame = simcrm.simulate(simcrm.load_scenario(BASELINE), trials=SMALL, seed=11)
    return pa.Table.from_pandas(frame, preserve_index=False)


@pytest.fixture(params=["exact", "sketch"])
def mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Percentiles exact, or from the sketch (the exact limit lowered to one block)."""
    if request.param == "sketch":
        monkeypatch.setattr(summaries, "EXACT_LIMIT", BLOCK_SIZE)
    return str(request.param)


def _dump(summary: Summary) -> str:
    return json.dumps(summary.to_dict(), indent=2)


def test_any_batching_or_merge_order_gives_the_same_bytes(table: pa.Table, mode: str) -> None:
    sketch = mode == "sketch"
    whole = SummaryBuilder(("cio", "marketing"), sketch=sketch)
    whole.add(table)
    reference = _dump(whole.result())

    batched = SummaryBuilder(("cio", "marketing"), sketch=sketch)
    start = 0
    for size in [1_000, 5_001, 17_000, 1, 30_000, 10**6]:
        batched.add(table.slice(start, size))
        start += size
    assert _dump(batched.result()) == reference

    merged = SummaryBuilder(("cio", "marketing"), keep_values=False, sketch=sketch)
    blocks = list(range(0, table.num_rows, BLOCK_SIZE))
    random.Random(3).shuffle(blocks)
    for first in blocks:
        part = SummaryBuilder(keep_values=False, sketch=sketch)
        part.add(table.slice(first, BLOCK_SIZE))
        merged.merge(part)
    column = table.column
    result = merged.result(exact_values=lambda c: column(c).to_numpy().astype(np.float64))
    assert _dump(result) == reference


def test_means_and_percentiles_agree_with_pandas(table: pa.Table, mode: str) -> None:
    frame = table.to_pandas()
    builder = SummaryBuilder(sketch=mode == "sketch")
    builder.add(table)
    result = builder.result()
    for name, spread in result.distributions.items():
        entry = spread.to_dict()
        values = frame[name].dropna()
        assert entry["defined"] == len(values) / len(frame)
        assert entry["mean"] == pytest.approx(values.mean(), rel=1e-12)
        for label, q in zip(("p10", "p50", "p80", "p90"), QUANTILES, strict=True):
            truth = float(np.quantile(values, q))
            if mode == "exact":
                assert entry[label] == truth
            else:
                assert entry[label] == pytest.approx(truth, rel=2.0**-12, abs=1e-300)


def test_a_run_equals_its_summary_recomputed_from_disk(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], mode: str
) -> None:
    out = tmp_path / "run"
    assert run_cli(out, "--chunk-size", str(BLOCK_SIZE)) == 0
    expected = "exact" if mode == "exact" else "sketch (relative error <= 2**-12)"
    assert manifest(out)["percentiles"] == expected
    capsys.readouterr()
    assert main(["summary", str(out), "--recompute", "--json"]) == 0
    recomputed = json.loads(capsys.readouterr().out)
    saved = json.loads((out / "summary.json").read_text())
    assert recomputed == saved
    frame = pd.read_parquet(out / "data")
    p50 = saved["distributions"]["cost_overrun"]["p50"]
    assert p50 == pytest.approx(frame["cost_overrun"].median(), rel=2.0**-12)
