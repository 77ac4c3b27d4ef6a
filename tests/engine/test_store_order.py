"""Reading a results directory back gives the trials in trial order, by every reader.

A run of 12 whole blocks and 5 trials, one block a chunk, has 13 chunk files: from block
10 on, an order of names that is not the order of blocks (``blocks-10-…`` before
``blocks-2-…`` without zero-padding), or chunks read in any other order, puts trials out
of place. Each reader is checked against :func:`simcrm.engine.blocks.simulate` of the
same scenario, trials and seed, row for row.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simcrm.engine.blocks import simulate
from simcrm.engine.results import summarize_directory
from simcrm.engine.store import chunk_files, open_dataset, read_column
from simcrm.scenario import load_scenario
from simcrm.stats.summary import summarize
from simcrm.streams import BLOCK_SIZE
from tests.run_helpers import BASELINE, manifest, run_cli

TRIALS = 12 * BLOCK_SIZE + 5
"""13 chunks of one block: block indices 10, 11 and 12 have two digits."""
SEED = 23


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("order") / "run"
    assert run_cli(out, "--chunk-size", str(BLOCK_SIZE), trials=TRIALS, seed=SEED) == 0
    return out


@pytest.fixture(scope="module")
def memory() -> pd.DataFrame:
    return simulate(load_scenario(BASELINE), TRIALS, SEED)


def test_chunk_files_are_listed_in_block_order(run: Path) -> None:
    files = chunk_files(run)
    assert len(files) == 13 == manifest(run)["chunks"]
    bounds = [tuple(int(x) for x in f.stem.split("-")[1:]) for f in files]
    assert bounds == [(k, k + 1) for k in range(13)]
    assert [f.stem for f in files] == sorted(manifest(run)["completed_chunks"])


def test_open_dataset_gives_the_trials_in_order(run: Path, memory: pd.DataFrame) -> None:
    table = open_dataset(run).to_table()
    trial = table.column("trial").to_numpy()
    assert trial.size == TRIALS
    np.testing.assert_array_equal(trial, np.arange(TRIALS))
    assert np.all(np.diff(trial) == 1)
    frame = table.to_pandas()
    pd.testing.assert_frame_equal(frame, memory)


@pytest.mark.parametrize("name", ["trial", "npv", "cost_overrun", "adoption_final"])
def test_read_column_gives_the_trials_in_order(run: Path, memory: pd.DataFrame, name: str) -> None:
    column = read_column(run, name)
    assert column.dtype == np.float64
    np.testing.assert_array_equal(column, memory[name].to_numpy(np.float64))


def test_summary_from_disk_equals_the_summary_in_memory(run: Path, memory: pd.DataFrame) -> None:
    """Means are sums of per-block sums (blocks of consecutive trials): the same bytes only
    when the rows come back in trial order; the run's own summary.json too."""
    expected = summarize(memory, ("cio", "marketing")).to_dict()
    recomputed = summarize_directory(run, ("cio", "marketing")).to_dict()
    for key in ("trials", "criteria", "events", "distributions", "disagreement", "crosstab"):
        assert recomputed[key] == expected[key], key
    saved = json.loads((run / "summary.json").read_text())
    for key in ("criteria", "events", "distributions", "disagreement", "crosstab"):
        assert saved[key] == json.loads(json.dumps(expected[key])), key
