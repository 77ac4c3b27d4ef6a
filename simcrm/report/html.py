"""One self-contained HTML report of one or more results directories.

:func:`collect` walks each directory (and its subdirectories) for what simcrm commands
write — a run (``manifest.json`` and ``summary.json``), a sensitivity analysis
(``sensitivity.json``), levers (``levers.json``), a comparison (``compare.json``), a
portfolio (``portfolio.json``) and every figure (``*.svg``) — and gathers it into a plain
dict; :func:`render` fills the jinja2 template ``templates/report.html.j2`` with it;
:func:`write_report` does both and writes the file atomically.

The page needs no network: figures are inline SVG, the style is in the page, and a
Content-Security-Policy (``default-src 'none'``) forbids every request. It prints to PDF
from a browser with figures and tables kept whole on a page.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from simcrm.engine.results import load_summary
from simcrm.engine.store import MANIFEST, SUMMARY, read_json, run_currency
from simcrm.errors import ResultsError
from simcrm.report.files import text_writer, write_files
from simcrm.report.headline import headline
from simcrm.report.html_extras import comparison_part, levers_part, portfolio_part, sensitivity_part
from simcrm.report.html_tables import provenance, run_tables
from simcrm.report.inline_svg import NotSvgError, inline_svg

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
"""The page's Content-Security-Policy: no request of any kind leaves the file."""
ANALYSES = {
    "sensitivity.json": ("sensitivity", "Sensitivity: what drives the risk", sensitivity_part),
    "levers.json": ("levers", "Levers: what each decision buys", levers_part),
    "compare.json": ("comparison", "Comparison (paired)", comparison_part),
    "portfolio.json": ("portfolio", "Portfolio", portfolio_part),
}
"""The analyses' result files: their kind, heading and how they become report parts."""
KNOWN = (MANIFEST, *ANALYSES)
"""Files that make a directory a simcrm results directory."""
SKIPPED = frozenset({"data", "__pycache__"})
"""Subdirectories never searched (a run's Parquet chunks)."""
MAX_DEPTH = 4
"""How deep below a given directory results are looked for."""


def _directories(top: Path) -> list[Path]:
    """``top`` and its subdirectories to ``MAX_DEPTH``, top first, then by path."""
    found: list[Path] = []
    for root, dirs, _ in os.walk(top):
        depth = len(Path(root).relative_to(top).parts)
        dirs[:] = sorted(
            d for d in dirs if d not in SKIPPED and not d.startswith(".") and depth < MAX_DEPTH
        )
        found.append(Path(root))
    return found


def _figures(top: Path, directory: Path, counter: list[int]) -> list[dict[str, str]]:
    """The directory's ``*.svg`` files, inline, each with ids of its own (``f<n>-``);
    ``file`` is the path below ``top``."""
    figures = []
    for path in sorted(directory.glob("*.svg")):
        counter[0] += 1
        try:
            svg = inline_svg(path.read_text(encoding="utf-8"), f"f{counter[0]}-")
        except (OSError, UnicodeDecodeError, NotSvgError) as err:
            raise ResultsError(
                str(path), str(path), f"cannot be read as an SVG figure ({err})"
            ) from None
        file = path.relative_to(top).as_posix()
        figures.append({"id": f"fig{counter[0]}", "name": path.stem, "file": file, "svg": svg})
    return figures


def _run_unit(directory: Path) -> dict[str, Any]:
    """A run: provenance, headline, tables."""
    load_summary(directory)  # checks the run is complete and its summary well-formed
    manifest = read_json(directory / MANIFEST)
    summary = read_json(directory / SUMMARY)
    currency = run_currency(manifest)
    found = manifest.get("scenario")
    scenario: dict[str, Any] = found if isinstance(found, dict) else {}
    return {
        "kind": "run",
        "heading": f"Run of {scenario.get('name', directory.name)}",
        "currency": currency,
        "provenance": provenance(manifest),
        "scenario_text": str(scenario.get("text", "")),
        "headline": headline(summary, currency),
        "tables": run_tables(summary, currency),
        "sentences": [],
    }


def _units(top: Path, counter: list[int]) -> list[dict[str, Any]]:
    """Everything ``top`` holds, one unit per result found (figures with their result)."""
    units: list[dict[str, Any]] = []
    for directory in _directories(top):
        try:
            names = {p.name for p in directory.iterdir() if p.is_file()}
        except OSError as err:
            raise ResultsError(str(directory), str(directory), f"cannot be read ({err})") from None
        where = directory.relative_to(top).as_posix()
        parts = []
        if MANIFEST in names:
            parts.append(_run_unit(directory))
        for name, (kind, heading, part) in ANALYSES.items():
            if name in names:
                doc = read_json(directory / name)
                try:
                    content = part(doc)
                except (KeyError, TypeError, ValueError, AttributeError, IndexError) as err:
                    raise ResultsError(
                        str(directory / name),
                        str(directory / name),
                        f"not a simcrm {kind} result ({type(err).__name__}: {err})",
                    ) from None
                parts.append({"kind": kind, "heading": heading, **content})
        figures = _figures(top, directory, counter)
        if not parts and figures:
            parts.append({"kind": "figures", "heading": "Figures", "sentences": [], "tables": []})
        for unit in parts:
            unit.setdefault("items", [])
        for i, unit in enumerate(parts):
            unit["path"] = where
            unit["figures"] = figures if i == len(parts) - 1 else []
            units.append(unit)
    return units


def collect(directories: Sequence[Path]) -> dict[str, Any]:
    """Everything the report shows, as a plain dict (the template's only input).

    Raises
    ------
    ResultsError
        A directory is missing, is not a directory, holds no simcrm result, or holds one
        that cannot be read (an incomplete run, a malformed JSON file or figure).
    """
    sections: list[dict[str, Any]] = []
    counter = [0]
    for number, top in enumerate(directories, start=1):
        if not top.is_dir():
            why = "no such directory" if not top.exists() else "not a directory"
            raise ResultsError("RESULTS_DIR", str(top), f"{why}; give a simcrm results directory")
        units = _units(top, counter)
        if not any(u["kind"] != "figures" for u in units):
            raise ResultsError(
                "RESULTS_DIR",
                str(top),
                "not a simcrm results directory: neither it nor its subdirectories hold "
                + ", ".join(KNOWN),
            )
        for i, unit in enumerate(units, start=1):
            unit["id"] = f"d{number}-{i}"
        sections.append(
            {"id": f"d{number}", "directory": str(top), "name": top.name, "units": units}
        )
    names = ", ".join(s["name"] for s in sections)
    return {"title": f"simcrm report: {names}", "csp": CSP, "sections": sections}


def render(data: dict[str, Any]) -> str:
    """The HTML page of :func:`collect`'s data, from the package's jinja2 template."""
    import jinja2

    source = resources.files("simcrm.report").joinpath("templates/report.html.j2")
    env = jinja2.Environment(
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    template = env.from_string(source.read_text(encoding="utf-8"))
    return template.render(**data)


def write_report(directories: Sequence[Path], out: Path) -> Path:
    """Collect, render and write the report to ``out`` atomically (all or nothing).

    Raises
    ------
    ResultsError
        A directory cannot be reported (:func:`collect`) or ``out`` cannot be written.
    """
    if out.is_dir():
        raise ResultsError("--out", str(out), "is a directory; give the report's file name")
    page = render(collect(directories))
    try:
        write_files(out.parent if str(out.parent) else Path("."), {out.name: text_writer(page)})
    except OSError as err:
        reason = err.strerror or str(err)
        raise ResultsError("--out", str(out), f"cannot write it: {reason}") from err
    return out
