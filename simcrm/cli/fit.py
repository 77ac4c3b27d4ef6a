"""``simcrm fit DATA.csv --column NAME``: the distribution of a column of past data.

Fits every candidate kind by maximum likelihood (:mod:`simcrm.analyses.fit`), prints
them ranked by AIC with BIC and goodness-of-fit p-values, and the TOML line of the best
to paste into a scenario; writes ``fit.json`` and ``fit.png`` (histogram with the top
fitted densities, and a Q–Q plot of the best) to ``--out``.
"""

from __future__ import annotations

import argparse
import json
import math
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from rich.table import Table

from simcrm.analyses.fit import (
    DEFAULT_MC_SAMPLES,
    MAX_MC_SAMPLES,
    FitResult,
    fit_file,
    is_bare_key,
)
from simcrm.analyses.fit.result import scipy_law
from simcrm.cli.args import positive_int, seed
from simcrm.errors import InputError
from simcrm.report.files import json_writer, png_writer, to_json, write_files
from simcrm.report.terminal import report_console

if TYPE_CHECKING:
    from matplotlib.figure import Figure

SHOWN_DENSITIES = 3
"""Fitted densities drawn over the histogram (the best ones)."""
BOUNDED = {"uniform", "triangular", "pert", "beta"}
"""Kinds whose values stay within fitted or fixed ends."""
QQ_POINTS = 1_000
"""Most points of the Q–Q plot (quantiles of larger samples at evenly spaced levels)."""


def register(sub: Any) -> None:
    """Add the ``fit`` subcommand."""
    p = sub.add_parser(
        "fit",
        help="fit a distribution to a column of past data (ranked by AIC) for a scenario",
    )
    p.add_argument("data", type=Path, metavar="DATA.csv", help="CSV file with a header line")
    p.add_argument("--column", required=True, metavar="NAME", help="the column to fit")
    p.add_argument(
        "--kinds",
        type=_kinds,
        metavar="KIND,…",
        help="kinds to try (default: normal,lognormal,gamma,uniform,triangular,pert,beta)",
    )
    p.add_argument(
        "--key", help="scenario key of the TOML line (default: the column's name, if a bare key)"
    )
    p.add_argument("--seed", type=seed, help="seed of the goodness-of-fit samples")
    p.add_argument(
        "--mc-samples",
        type=positive_int,
        default=DEFAULT_MC_SAMPLES,
        metavar="N",
        help=f"Monte Carlo samples of each goodness-of-fit test ({DEFAULT_MC_SAMPLES}; "
        f"at most {MAX_MC_SAMPLES:,})",
    )
    p.add_argument("--out", type=Path, help="default: results/fit/<csv stem>-<column>/")
    p.add_argument("--json", action="store_true", help="print the fit as JSON")
    p.set_defaults(func=run)


def _kinds(text: str) -> list[str]:
    """A comma-separated list of kinds (checked by the analysis)."""
    return [k.strip() for k in text.split(",") if k.strip()]


def default_key(column: str) -> str:
    """The column's name if it is a TOML bare key, else ``value``."""
    return column if is_bare_key(column) else "value"


def default_out(data: Path, column: str) -> Path:
    """``results/fit/<csv stem>-<column>`` (characters unsafe in a file name as ``_``)."""
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", column).strip("._") or "column"
    return Path("results") / "fit" / f"{data.stem}-{safe}"


def run(args: argparse.Namespace) -> int:
    """Read and fit the column, write ``fit.json`` and ``fit.png``, print the ranking."""
    key = args.key if args.key is not None else default_key(args.column)
    if not is_bare_key(key):
        raise InputError("--key", key, "a TOML key: letters, digits, _ and -, dotted (a.b.c)")
    kwargs: dict[str, Any] = {"kinds": args.kinds, "n_mc_samples": args.mc_samples}
    if args.seed is not None:
        kwargs["seed"] = args.seed
    status = report_console(stderr=True)
    if status.is_terminal and not args.json:
        with status.status("reading and fitting…") as shown:
            result = fit_file(
                args.data, args.column, progress=lambda m: shown.update(m + "…"), **kwargs
            )
    else:
        result = fit_file(args.data, args.column, **kwargs)
    line = result.toml_line(key)
    content = result.to_dict() | {"key": key, "toml": line}
    out: Path = args.out or default_out(args.data, args.column)
    written = write_files(
        out, {"fit.json": json_writer(content), "fit.png": png_writer(fit_figure(result))}
    )
    if args.json:
        print(to_json(content | {"written": [str(p) for p in written]}))
        return 0
    console = report_console()
    console.print(ranking_table(result))
    if result.skipped:
        skipped = "; ".join(f"{k} ({why})" for k, why in result.skipped.items())
        console.print(f"not fitted: {skipped}", style="dim", markup=False, highlight=False)
    best = result.best
    console.print(
        f"best by AIC: {best.kind} (Akaike weight {result.aic_weights()[0]:.0%}); "
        f"paste into the scenario:",
        markup=False,
        highlight=False,
    )
    console.print(line, markup=False, highlight=False, soft_wrap=True)
    if best.kind in BOUNDED:
        low, high = best.distribution().support()  # the line's (rounded) ends
        console.print(
            f"note: {best.kind} is bounded: no draw falls outside [{low:.4g}, {high:.4g}], "
            f"ends fitted to the sample's extremes ({result.summary.min:.4g}, "
            f"{result.summary.max:.4g}); such fits are not regular, so AIC's 2k favours "
            "them. If the tail matters, weigh the best unbounded kind:",
            markup=False,
            highlight=False,
        )
        unbounded = [c for c in result.candidates if c.kind not in BOUNDED]
        if unbounded:
            console.print(
                unbounded[0].toml_line(key), markup=False, highlight=False, soft_wrap=True
            )
    if best.ks_pvalue < 0.05:
        empirical = (
            f'{key} = {{ kind = "empirical", file = {json.dumps(str(args.data))}, '
            f"column = {json.dumps(args.column)} }}"
        )
        console.print(
            f"note: the best fit's KS p-value is {best.ks_pvalue:.3f} (< 0.05): no kind tried "
            "describes the data well; the data themselves (file relative to the scenario):",
            markup=False,
            highlight=False,
        )
        console.print(empirical, markup=False, highlight=False, soft_wrap=True)
    console.print(f"[dim]written: {', '.join(str(p) for p in written)}[/dim]")
    return 0


def _p(x: float) -> str:
    return "—" if not math.isfinite(x) else f"{x:.3f}"


def ranking_table(result: FitResult) -> Table:
    """The candidates ranked by AIC, with BIC and the goodness-of-fit p-values."""
    s = result.summary
    where = f"{result.source}, column {result.column!r}" if result.column else result.source
    table = Table(
        title=(
            f"{where}: {s.n:,} values (min {s.min:.4g}, median {s.median:.4g}, "
            f"max {s.max:.4g}, mean {s.mean:.4g}, sd {s.sd:.4g})"
        ),
        title_justify="left",
        caption_justify="left",
    )
    table.add_column("#", justify="right")
    table.add_column("kind")
    table.add_column("parameters (4 significant digits)")
    table.add_column("k", justify="right")
    table.add_column("log L", justify="right")
    table.add_column("AIC", justify="right")
    table.add_column("ΔAIC", justify="right")
    table.add_column("weight", justify="right")
    table.add_column("BIC", justify="right")
    table.add_column("KS", justify="right")
    table.add_column("KS p", justify="right")
    table.add_column("AD", justify="right")
    table.add_column("AD p", justify="right")
    for i, (c, d, w) in enumerate(
        zip(result.candidates, result.delta_aic(), result.aic_weights(), strict=True)
    ):
        params = " ".join(f"{k}={v:g}" for k, v in c.table().items() if k != "kind")
        table.add_row(
            str(i + 1),
            c.kind,
            params,
            str(c.n_params),
            f"{c.loglik:.2f}",
            f"{c.aic:.2f}",
            f"{d:.2f}",
            f"{w:.0%}",
            f"{c.bic:.2f}",
            f"{c.ks:.4f}",
            _p(c.ks_pvalue),
            "—" if not math.isfinite(c.ad) else f"{c.ad:.3f}",
            _p(c.ad_pvalue),
            style="bold" if i == 0 else None,
        )
    subsample = (
        f", on a random subsample of {result.gof_n:,} values"
        if result.gof_n < result.summary.n
        else ""
    )
    notes = sorted({c.note for c in result.candidates if c.note})
    table.caption = (
        "ranked by AIC = 2k − 2 log L (lower is better; ΔAIC < 2: about as good) · "
        "BIC = k ln n − 2 log L · weight: Akaike weight · "
        "KS: Kolmogorov–Smirnov, AD: Anderson–Darling, p-values from "
        f"scipy.stats.goodness_of_fit with the parameters refitted on each of "
        f"{result.n_mc_samples:,} Monte Carlo samples (seed {result.seed}{subsample})"
        + "".join(f" · {n}" for n in notes)
    )
    return table


def fit_figure(result: FitResult) -> Figure:
    """Two panels: the data's histogram with the densities of the best fits, and a Q–Q
    plot of the best fit (its quantiles against the data's)."""
    from matplotlib.figure import Figure

    data = np.sort(np.asarray(result.data, dtype=np.float64))
    fig = Figure(figsize=(10, 4.2), layout="constrained")
    hist, qq = fig.subplots(1, 2)
    bins = min(60, max(10, int(np.sqrt(data.size))))
    hist.hist(data, bins=bins, density=True, color="#c9d6e3", edgecolor="white", label="data")
    span = data[-1] - data[0]
    grid = np.linspace(data[0] - 0.1 * span, data[-1] + 0.1 * span, 400)
    for candidate in result.candidates[:SHOWN_DENSITIES]:
        law = scipy_law(candidate.kind, candidate.params)
        hist.plot(grid, law.pdf(grid), lw=2, label=f"{candidate.kind} (AIC {candidate.aic:.1f})")
    hist.set_xlabel(result.column)
    hist.set_ylabel("density")
    hist.set_title(f"{Path(result.source).name}: {result.column} ({data.size:,} values)")
    hist.legend(frameon=False)
    best = result.best
    levels = (np.arange(min(data.size, QQ_POINTS)) + 0.5) / min(data.size, QQ_POINTS)
    empirical = np.quantile(data, levels)
    fitted = scipy_law(best.kind, best.params).ppf(levels)
    qq.plot(fitted, empirical, ".", ms=4, color="#1f4e79")
    ends = [min(fitted.min(), empirical.min()), max(fitted.max(), empirical.max())]
    qq.plot(ends, ends, color="grey", lw=1, ls="--")
    qq.set_xlabel(f"quantile of the fitted {best.kind}")
    qq.set_ylabel("quantile of the data")
    qq.set_title(f"Q–Q plot of the best fit ({best.kind})")
    return fig
