"""``simcrm calibrate SCENARIO --targets TARGETS.toml``: fit parameters to output statistics."""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
from rich.table import Table

from simcrm.analyses.calibrate import Fit, calibrate
from simcrm.analyses.targets import TargetsFile, load_targets
from simcrm.cli.args import positive_int, scenario_path, seed, targets_path
from simcrm.cli.executor_options import add_executor_options, executor_from
from simcrm.engine.blocks import Job
from simcrm.engine.mapping import collect_columns
from simcrm.errors import InputError, SimcrmError
from simcrm.report.calibrate_figure import calibrate_figure, calibrate_figure_data
from simcrm.report.files import json_writer, png_writer, svg_writer, text_writer, write_files
from simcrm.report.tail_figure import Mark, PowerLaw, cost_tail_figure
from simcrm.report.terminal import report_console
from simcrm.scenario.editing import rename, set_values, with_values
from simcrm.scenario.load import load_scenario, parse_scenario
from simcrm.scenario.paths import lookup

DEFAULT_TRIALS = 32_768
"""Two blocks: about 0.15 s per evaluation for the shipped scenarios."""


def register(sub: Any) -> None:
    """Add the ``calibrate`` subcommand."""
    p = sub.add_parser(
        "calibrate", help="fit numeric parameters to target statistics (common random numbers)"
    )
    p.add_argument("scenario", type=scenario_path, metavar="SCENARIO")
    p.add_argument("--targets", type=targets_path, required=True, metavar="TARGETS.toml")
    p.add_argument("--out", type=Path, help="default: results/<scenario>/calibrated.toml")
    p.add_argument("--trials", type=positive_int, default=DEFAULT_TRIALS)
    p.add_argument("--seed", type=seed, help="root seed (default: the scenario's)")
    p.add_argument(
        "--max-evaluations", type=positive_int, default=300, help="optimiser budget (300)"
    )
    p.add_argument("--json", action="store_true", help="print the fit as JSON")
    p.add_argument(
        "--figures",
        type=Path,
        metavar="DIR",
        help="write cost_tail.png and cost_tail.svg there: the cost-ratio survival function "
        "on log-log axes, before and after, with the targets on cost_overrun marked",
    )
    p.add_argument(
        "--no-figures",
        action="store_true",
        help="skip calibration.png/.svg (achieved vs target), written beside --out",
    )
    add_executor_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Check the targets, fit, write the calibrated scenario, print achieved vs target."""
    scenario = load_scenario(args.scenario)
    base_dir = args.scenario.parent
    spec, events = load_targets(args.targets, scenario, base_dir)
    out: Path = args.out or Path("results") / scenario.name / "calibrated.toml"
    if out.is_dir():
        raise InputError("--out", str(out), "is a directory; give the calibrated file's name")
    with executor_from(args) as executor:
        fit = calibrate(
            scenario, spec, events, args.trials, args.seed, args.max_evaluations, base_dir, executor
        )
        figure = None
        if args.figures is not None:
            samples = {"as given": scenario}
            if fit.fitted != fit.start:  # the fit moved: draw the calibrated tail too
                samples["calibrated"] = with_values(scenario, fit.fitted, base_dir)
            ratios = {
                f"{scenario.name} {label}": 1.0
                + np.asarray(
                    collect_columns(Job(s, fit.seed, fit.trials), executor)["cost_overrun"],
                    dtype=np.float64,
                )
                for label, s in samples.items()
            }
            title = f"cost-ratio tail of {scenario.name} vs {args.targets.name}"
            figure = cost_tail_figure(ratios, *tail_marks(spec), title=title)
    text = calibrated_text(scenario.source_text, fit, args.targets, base_dir)
    files = {out.name: text_writer(text)}
    if not args.no_figures:
        data = calibrate_figure_data(fit.to_dict(), f"{scenario.name} vs {args.targets.name}")
        drawn = calibrate_figure(data)
        files |= {
            "calibration.json": json_writer(data),
            "calibration.png": png_writer(drawn),
            "calibration.svg": svg_writer(drawn),
        }
    write_files(out.parent, files)
    if figure is not None:
        writers = {"cost_tail.png": png_writer(figure), "cost_tail.svg": svg_writer(figure)}
        write_files(args.figures, writers)
    if args.json:
        print(json.dumps(fit.to_dict() | {"out": str(out)}, indent=2))
        return 0
    console = report_console()
    console.print(fit_table(fit, scenario.name, args.targets))
    console.print(parameter_table(fit))
    console.print(f"[dim]written: {out}[/dim]")
    if not args.no_figures:
        console.print(f"[dim]achieved vs target: {out.parent}/calibration.png, .svg[/dim]")
    if figure is not None:
        console.print(f"[dim]written: {args.figures}/cost_tail.png, cost_tail.svg[/dim]")
    return 0


def tail_marks(spec: TargetsFile) -> tuple[list[Mark], PowerLaw | None]:
    """The targets on ``cost_overrun`` as points of the cost ratio's survival function.

    ``P(cost_overrun > v) = p`` is the point ``(1 + v, p)``; a quantile ``Q(q) = v`` the
    point ``(1 + v, 1 − q)``; a tail exponent of ``cost_overrun + 1`` above ``x_min`` a
    power law from ``x_min``, anchored at a probability target at the same ratio if there
    is one (else not drawn).
    """
    marks: list[Mark] = []
    for t in spec.targets:
        event = (t.event or "").replace(" ", "")
        if t.statistic == "probability" and event.startswith("cost_overrun>"):
            try:
                ratio = 1.0 + float(event.removeprefix("cost_overrun>"))
            except ValueError:
                continue
            marks.append(Mark(ratio, t.value, f"{t.value:.1%} above {ratio:g}×"))
        elif t.statistic == "quantile" and t.column == "cost_overrun" and t.q is not None:
            marks.append(Mark(1.0 + t.value, 1.0 - t.q, f"P{100 * t.q:g}: {1 + t.value:.3g}×"))
    law = None
    for t in spec.targets:
        if t.statistic == "tail_exponent" and t.column == "cost_overrun" and t.shift == 1.0:
            anchor = [m.share for m in marks if abs(m.x - (t.x_min or 0.0)) < 1e-9]
            if anchor:
                label = f"power law, exponent {t.value:g} above {t.x_min:g}×"
                law = PowerLaw(t.value, t.x_min or 1.0, anchor[0], label)
    return marks, law


def calibrated_text(source: str, fit: Fit, targets: Path, base_dir: Path) -> str:
    """The scenario text with the fitted values substituted, checked by parsing it back."""
    note = f"calibrated to {targets.as_posix()}"
    text = set_values(source, fit.fitted, note)
    name_line = next((ln for ln in text.splitlines() if ln.startswith("name")), None)
    if name_line is not None:
        name = name_line.split('"')[1]
        text = rename(text, f"{name}_calibrated"[:64], note)
    header = (
        f"# {note} by `simcrm calibrate` ({fit.trials:,} trials, seed {fit.seed}): "
        f"loss {fit.loss_before:.4g} -> {fit.loss_after:.4g}\n"
    )
    text = header + text
    check = parse_scenario(text, base_dir=base_dir)
    for path, value in fit.fitted.items():
        if lookup(check, path) != value:
            raise SimcrmError(f"{path}: the calibrated text does not hold {value!r}")
    return text


def _num(x: float) -> str:
    return "—" if not math.isfinite(x) else f"{x:.3f}"


def fit_table(fit: Fit, name: str, targets: Path) -> Table:
    """Achieved vs target for every target, before and after the fit."""
    table = Table(
        title=(
            f"{name} calibrated to {targets} ({fit.trials:,} trials, seed {fit.seed}, "
            f"{fit.evaluations} evaluations, {fit.seconds:.0f} s)"
        ),
        title_justify="left",
    )
    for column in ("target", "weight", "value", "before", "after", "check"):
        table.add_column(column, justify="left" if column == "target" else "right")
    warnings = []
    for row in fit.rows:
        after = _num(row["after"])
        if row.get("warning"):
            after += " †"
            warnings.append(f"† {row['target']}: {row['warning']}")
        table.add_row(
            row["target"],
            f"{row['weight']:g}",
            _num(row["value"]),
            _num(row["before"]),
            after,
            _num(row["check"]),
        )
    table.caption = "\n".join(
        [
            f"loss (weighted mean squared residual): {fit.loss_before:.4g} → "
            f"{fit.loss_after:.4g} · check: the calibrated scenario on an independent sample "
            f"(seed {fit.seed + 1})",
            *warnings,
        ]
    )
    table.caption_justify = "left"
    return table


def parameter_table(fit: Fit) -> Table:
    """The free parameters before and after."""
    table = Table(title="parameters", title_justify="left")
    table.add_column("path")
    table.add_column("scenario", justify="right")
    table.add_column("calibrated", justify="right")
    for path, value in fit.fitted.items():
        table.add_row(path, f"{fit.start[path]:g}", f"{value:g}")
    return table
