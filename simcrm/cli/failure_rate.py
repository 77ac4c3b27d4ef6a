"""``simcrm failure-rate SCENARIO``: the distribution of the failure rate a survey reports."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rich.table import Table

from simcrm.analyses.failure_rate import Observation, analyse, parse_observed, posterior_weights
from simcrm.analyses.survey import SurveyDesign
from simcrm.cli.args import positive_int, probability, scenario_path, seed, tolerance
from simcrm.cli.executor_options import add_executor_options, executor_from
from simcrm.engine.defaults import resolve
from simcrm.errors import InputError
from simcrm.report.figures import posterior_figure, reported_rate_figure
from simcrm.report.files import json_writer, png_writer, svg_writer, to_json, write_files
from simcrm.report.terminal import report_console
from simcrm.scenario import load_scenario

DEFAULT_COHORT = 200
DEFAULT_SURVEYS = 2_000
DEFAULT_INNER_OBSERVED = 1_000
"""Projects per world behind each world's true rate when ``--observed`` is given."""
MIN_EFFECTIVE_WORLDS = 100
"""Below this effective sample size the posterior table warns."""


def register(sub: Any) -> None:
    """Add the ``failure-rate`` subcommand."""
    p = sub.add_parser(
        "failure-rate",
        help="two-level Monte Carlo: what surveys of n projects would report, per criterion",
    )
    p.add_argument("scenario", type=scenario_path, metavar="SCENARIO")
    p.add_argument("--cohort", type=positive_int, help="projects per survey (default 200)")
    p.add_argument("--surveys", type=positive_int, default=DEFAULT_SURVEYS, help="worlds R")
    p.add_argument("--claim", type=probability, default=0.70, help="the claimed rate (0.70)")
    p.add_argument("--seed", type=seed, help="root seed (default: the scenario's)")
    p.add_argument(
        "--inner",
        type=positive_int,
        help="projects simulated per world to estimate its true rate "
        f"(default: the cohort; {DEFAULT_INNER_OBSERVED:,} with --observed)",
    )
    p.add_argument("--observed", metavar="K/N", help="an observed survey result, e.g. 140/200")
    p.add_argument("--criterion", metavar="NAME", help="the criterion the observation counts")
    p.add_argument(
        "--tolerance",
        type=tolerance,
        default=2.0,
        help="ABC: accept worlds within this many projects of K/N (default 2)",
    )
    p.add_argument("--out", type=Path, help="default: results/<scenario>/failure-rate/")
    p.add_argument("--json", action="store_true", help="print every figure as JSON")
    add_executor_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Check every input, simulate, write JSON and PNGs atomically, print the tables."""
    scenario = load_scenario(args.scenario)
    observation = None
    if args.observed is not None or args.criterion is not None:
        if args.observed is None or args.criterion is None:
            raise InputError(
                "--observed" if args.observed is None else "--criterion",
                None,
                "give both --observed K/N and --criterion NAME",
            )
        k, n_obs = parse_observed(args.observed)
        observation = Observation(k, n_obs, args.criterion, args.tolerance)
    cohort = args.cohort or (observation.projects if observation else DEFAULT_COHORT)
    inner = args.inner
    if inner is None and observation is not None:
        inner = max(cohort, DEFAULT_INNER_OBSERVED)
    design = SurveyDesign(
        cohort=cohort,
        surveys=args.surveys,
        seed=resolve(scenario, seed=args.seed)[1],
        inner=inner,
    )
    with executor_from(args) as executor:
        analysis, sample = analyse(scenario, design, args.claim, observation, executor=executor)
    result = analysis.to_dict()
    out = args.out or Path("results") / scenario.name / "failure-rate"
    writers = {
        "failure-rate.json": json_writer(result),
        "failure-rate.png": png_writer(figure := reported_rate_figure(result)),
        "failure-rate.svg": svg_writer(figure),
    }
    if observation is not None:
        prior = sample.true_rate(observation.criterion)
        weights = posterior_weights(sample, observation)
        posterior = posterior_figure(prior, weights, result["observed"])
        writers["posterior.png"] = png_writer(posterior)
        writers["posterior.svg"] = svg_writer(posterior)
    written = write_files(out, writers)
    if args.json:
        print(to_json(result))
        return 0
    console = report_console()
    console.print(survey_table(result))
    if "observed" in result:
        console.print(posterior_table(result["observed"]))
        console.print(abc_table(result["observed"]["abc"]))
    console.print(f"[dim]written: {', '.join(str(p) for p in written)}[/dim]")
    return 0


def _pct(x: float | None) -> str:
    return "—" if x is None or x != x else f"{100 * x:.1f}%"


def _range(low: float, high: float) -> str:
    return f"{100 * low:.1f}–{100 * high:.1f}%"


def survey_table(result: dict[str, Any]) -> Table:
    """Per criterion: the reported rate's range, P(reported ≥ claim), the variance split."""
    claim = result["claim"]
    table = Table(
        title=(
            f"{result['scenario']}: {result['surveys']:,} worlds × a survey of "
            f"{result['cohort']} projects (seed {result['seed']}, {result['seconds']:.1f} s)"
        ),
        title_justify="left",
    )
    table.add_column("criterion", no_wrap=True)
    table.add_column("mean", justify="right", no_wrap=True)
    table.add_column("90% report", justify="right", no_wrap=True)
    table.add_column(f"P(≥ {claim:.0%})", justify="right", no_wrap=True)
    table.add_column("95% MC", justify="right", no_wrap=True)
    table.add_column("epistemic", justify="right", no_wrap=True)
    for name, e in result["criteria"].items():
        hit = e["at_least_claim"]
        table.add_row(
            name,
            _pct(e["mean"]),
            _range(e["p5"], e["p95"]),
            _pct(hit["p"]),
            _range(*hit["ci95"]),
            _pct(e["variance"]["epistemic_share"]),
        )
    table.caption = (
        f"90% report: range of 90% of surveys · P(≥ {claim:.0%}): share of surveys "
        "reporting the claim or more · epistemic: share of Var(reported) from the true "
        "rate differing between worlds (the rest: binomial sampling)"
    )
    return table


def posterior_table(observed: dict[str, Any]) -> Table:
    """Prior and posterior of the criterion's true failure rate."""
    tr = observed["true_rate"]
    table = Table(
        title=(
            f"true rate of {observed['criterion']} given {observed['failures']}/"
            f"{observed['projects']} (worlds weighted by their likelihood)"
        ),
        title_justify="left",
    )
    for name in ("", "mean", "median", "90% interval"):
        table.add_column(name, justify="right" if name else "left")
    for label in ("prior", "posterior"):
        s = tr[label]
        if s is None:
            table.add_row(label, "—", "—", "no world can produce the observation")
            continue
        low, high = s["interval"]
        table.add_row(label, _pct(s["mean"]), _pct(s["p50"]), f"{_pct(low)} – {_pct(high)}")
    ess = tr["effective_sample_size"]
    table.caption = (
        f"effective sample size {ess:,.0f} worlds; each world's rate "
        f"from {tr['projects_per_world']:,} projects (± {100 * tr['resolution']:.1f} pt)"
    )
    if ess < MIN_EFFECTIVE_WORLDS:
        table.caption += (
            " · [bold red]few worlds can produce this observation: the prior barely covers "
            "it, so the posterior is unreliable (more --surveys, or question the prior)[/]"
        )
    return table


def abc_table(abc: dict[str, Any]) -> Table:
    """ABC rejection: prior vs posterior of every epistemic parameter."""
    table = Table(
        title=(
            f"epistemic parameters, ABC rejection (|k − K| ≤ {abc['tolerance']:g}): "
            f"{abc['accepted']:,} worlds accepted ({_pct(abc['acceptance_rate'])})"
        ),
        title_justify="left",
    )
    table.add_column("parameter", no_wrap=True)
    for name in ("prior mean", "5/50/95%", "posterior", "5/50/95%"):
        table.add_column(name, justify="right", no_wrap=True)

    def fmt(s: dict[str, float] | None) -> tuple[str, str]:
        if s is None:
            return "—", "no world accepted"
        return f"{s['mean']:.3g}", f"{s['p5']:.2g}/{s['p50']:.2g}/{s['p95']:.2g}"

    for path, entry in abc["parameters"].items():
        table.add_row(path, *fmt(entry["prior"]), *fmt(entry["posterior"]))
    if not abc["parameters"]:
        table.add_row("(no [population.epistemic] parameters)", "", "", "", "")
    return table
