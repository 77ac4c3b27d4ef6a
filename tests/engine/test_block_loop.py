"""The one block loop: every analysis computes through it, on any chunking and executor."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from simcrm.analyses.survey import SurveyDesign, simulate_surveys
from simcrm.cli import main
from simcrm.engine.blocks import Job, compute_blocks
from simcrm.engine.executors import InProcess, local_cluster
from simcrm.engine.mapping import collect_columns
from simcrm.model import simulate_block
from simcrm.scenario import load_scenario
from simcrm.streams import BLOCK_SIZE
from tests.conftest import ROOT

PACKAGE = ROOT / "simcrm"
SURVEY = ROOT / "scenarios" / "survey.toml"


def test_only_the_engine_loops_over_simulate_block() -> None:
    """No module but engine/blocks.py calls the model's block function."""
    callers = sorted(
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if re.search(r"\bsimulate_block\(", path.read_text())
        and path.name != "trial.py"  # where it is defined
    )
    assert callers == ["engine/blocks.py"]


def test_compute_blocks_joins_blocks_in_trial_order(baseline_path: Path) -> None:
    scenario = load_scenario(baseline_path)
    trials = 2 * BLOCK_SIZE + 100
    joined = compute_blocks(Job(scenario, 5, trials), 0, 3)
    last = simulate_block(scenario, 5, 2, 100)
    assert joined["trial"].tolist() == list(range(trials))
    for name, values in last.items():
        np.testing.assert_array_equal(joined[name][2 * BLOCK_SIZE :], values)


def test_overrides_reach_each_trial(baseline_path: Path) -> None:
    """A per-trial override is the function of the trial index the job says."""

    scenario = load_scenario(baseline_path)
    job = Job(scenario, 9, BLOCK_SIZE + 10, _Quality())
    got = compute_blocks(job, 0, 2)
    plain = compute_blocks(Job(scenario, 9, BLOCK_SIZE + 10), 0, 2)
    assert not np.array_equal(got["npv"], plain["npv"])
    # trials of one parity share planning quality 0 or 1: omissions only at quality 0
    assert got["omitted_cost"][1::2].max() == 0.0
    assert got["omitted_cost"][0::2].max() > 0.0


class _Quality:
    """Planning quality 1 on odd trials, 0 on even ones."""

    def __call__(self, trials: np.ndarray) -> dict[str, np.ndarray]:
        return {"plan.planning_quality": (trials % 2).astype(np.float64)}


def test_survey_counts_do_not_depend_on_chunking() -> None:
    scenario = load_scenario(SURVEY)
    design = SurveyDesign(cohort=30, surveys=25, seed=3, inner=1_500)  # 37,500 trials
    one = simulate_surveys(scenario, design, chunk_trials=BLOCK_SIZE)
    other = simulate_surveys(scenario, design, chunk_trials=3 * BLOCK_SIZE, executor=InProcess())
    for name in scenario.criteria:
        np.testing.assert_array_equal(one.reported[name], other.reported[name])
        np.testing.assert_array_equal(one.inner[name], other.inner[name])
        assert one.inner[name].sum() >= one.reported[name].sum() > 0


def _figures(text: str) -> dict[str, object]:
    result: dict[str, object] = json.loads(text)
    result.pop("seconds", None)
    return result


@pytest.mark.parametrize(
    "command",
    [
        ["failure-rate", str(SURVEY), "--cohort", "40", "--surveys", "30", "--inner", "1000"],
        ["definitions", str(ROOT / "scenarios" / "baseline.toml"), "--trials", "40000"],
    ],
    ids=["failure-rate", "definitions"],
)
def test_analysis_commands_give_the_same_figures_on_dask(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    figures = []
    for extra in ([], ["--workers", "2"]):
        out = tmp_path / ("dask" if extra else "local")
        assert main([*command, "--out", str(out), "--json", *extra]) == 0
        figures.append(_figures(capsys.readouterr().out))
    assert figures[0] == figures[1]


def test_collect_columns_on_a_cluster_equals_in_process(baseline_path: Path) -> None:
    job = Job(load_scenario(baseline_path), 13, 2 * BLOCK_SIZE + 7)
    here = collect_columns(job, InProcess(), ("trial", "npv", "fail_cio"), chunk_trials=BLOCK_SIZE)
    with local_cluster(2) as cluster:
        there = collect_columns(job, cluster, ("trial", "npv", "fail_cio"), chunk_trials=BLOCK_SIZE)
    for name in here:
        np.testing.assert_array_equal(here[name], there[name])
