"""The HTML report in a real browser: headless Chromium loads it from disk.

The page is loaded with ``chromium --headless --disable-gpu --no-sandbox
--enable-logging=stderr --v=0 --dump-dom file://…`` (a fresh profile, a network log, and
every host name resolving to nothing, so no test traffic can leave the machine). Checked:
the browser exits with 0; it logs no console message (a Content-Security-Policy
violation, a failed load or a script error is logged as a ``CONSOLE`` line, older
versions ``Refused to …``); the rendered DOM holds every figure of the results
directory as an ``<svg>`` that draws; the headline's numbers equal ``summary.json``'s;
and the network log holds no request from the page. Both request checks are shown to
fail on pages built to fail them: an external ``<img>`` under the page's CSP is refused
(and logged), and the same image without the CSP is requested (and in the network log).

Skipped, saying so, only where no Chromium binary is installed (``.ci/run`` installs
Debian's ``chromium`` when missing).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from simcrm.cli import main
from tests.report.report_helpers import (
    expected_headline,
    figures_in,
    has_drawing,
    headline_of,
    make_results,
    read_summary,
    svg_files,
)

BROWSER = shutil.which("chromium") or shutil.which("chromium-browser")
LOAD_TIMEOUT = 120
CONSOLE = re.compile(r"CONSOLE|Refused to|Content Security Policy", re.IGNORECASE)
"""A line of Chromium's log that reports a console message or a refused request."""
EXTERNAL_IMAGE = '<img src="http://example.com/x.png" alt="external">'
CSP_META = re.compile(r'<meta http-equiv="Content-Security-Policy"[^>]*>')

pytestmark = pytest.mark.skipif(
    BROWSER is None,
    reason="no Chromium binary (chromium or chromium-browser) on PATH: the report's browser "
    "test needs one (.ci/run installs Debian's chromium)",
)


@dataclass(frozen=True)
class Loaded:
    """What the browser did with a page."""

    returncode: int
    dom: str
    log: list[str]
    requests: list[str]

    @property
    def console(self) -> list[str]:
        """Console messages and refusals logged while the page loaded."""
        return [line for line in self.log if CONSOLE.search(line)]


def _page_requests(net_log: Path) -> list[str]:
    """URLs the page asked for (requests whose network isolation key is the file's)."""
    text = net_log.read_text(encoding="utf-8", errors="replace")
    try:
        events = json.loads(text)["events"]
    except ValueError:  # a log cut short: close it
        events = json.loads(text.rstrip().rstrip(",") + "]}")["events"]
    urls = []
    for event in events:
        params: dict[str, Any] = event.get("params") or {}
        url = str(params.get("url", ""))
        key = str(params.get("network_isolation_key", ""))
        if url and key.startswith("file://") and not url.startswith(("file:", "data:")):
            urls.append(url)
    return sorted(set(urls))


def load(page: Path, work: Path) -> Loaded:
    """Open ``page`` in headless Chromium; its DOM after load, its log, its requests."""
    assert BROWSER is not None
    work.mkdir(parents=True, exist_ok=True)
    net_log = work / "net-log.json"
    argv = [
        BROWSER,
        "--headless",
        "--disable-gpu",
        "--no-sandbox",
        "--enable-logging=stderr",
        "--v=0",
        f"--user-data-dir={work / 'profile'}",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        f"--log-net-log={net_log}",
        "--dump-dom",
        page.resolve().as_uri(),
    ]
    done = subprocess.run(
        argv,
        capture_output=True,
        text=True,
        timeout=LOAD_TIMEOUT,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    requests = _page_requests(net_log) if net_log.exists() else []
    return Loaded(done.returncode, done.stdout, done.stderr.splitlines(), requests)


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run with a comparison below it, and its levers (a figure of their own)."""
    run = make_results(tmp_path_factory.mktemp("browser"))
    levers = ["levers", "baseline", "--trials", "2000", "--out", str(run / "levers")]
    assert main(levers) == 0
    return run


@pytest.fixture(scope="module")
def portfolio(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory written by ``simcrm portfolio`` (its own section of the report)."""
    out = tmp_path_factory.mktemp("portfolio") / "pf"
    args = ["portfolio", "portfolio_example", "--trials", "2000", "--selection-trials", "200"]
    assert main([*args, "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def report(results: Path, portfolio: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("page") / "report.html"
    assert main(["report", str(results), str(portfolio), "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def loaded(report: Path, tmp_path_factory: pytest.TempPathFactory) -> Loaded:
    return load(report, tmp_path_factory.mktemp("chromium"))


def test_the_page_loads_without_console_errors(loaded: Loaded) -> None:
    assert loaded.returncode == 0, "\n".join(loaded.log[-20:])
    assert "</html>" in loaded.dom
    assert loaded.console == []


def test_every_figure_is_in_the_rendered_page_and_draws(
    results: Path, portfolio: Path, loaded: Loaded
) -> None:
    files = svg_files(results) + svg_files(portfolio)
    assert {"compare/compare.svg", "levers/levers.svg", "frontier.svg"} <= set(files)
    shown = re.findall(r'<figure\b[^>]*\bdata-file="([^"]+)"', loaded.dom)
    assert sorted(shown) == sorted(files)
    for name, markup in figures_in(loaded.dom).items():
        assert has_drawing(markup), f"{name}: no drawing in the rendered <svg>"


def test_each_directory_has_its_section(loaded: Loaded) -> None:
    assert loaded.dom.count('<section class="directory"') == 2
    assert '<section class="unit portfolio"' in loaded.dom
    assert '<section class="unit levers"' in loaded.dom


def test_the_rendered_headline_states_the_summarys_numbers(results: Path, loaded: Loaded) -> None:
    text = headline_of(loaded.dom)
    for expected in expected_headline(read_summary(results)):
        assert expected in text, f"{expected!r} not in the rendered headline: {text}"


def test_no_request_leaves_the_file(loaded: Loaded) -> None:
    assert not [line for line in loaded.log if "Refused to" in line]
    assert loaded.requests == []


def test_the_checks_catch_a_request(report: Path, tmp_path: Path) -> None:
    """An external image is refused by the page's CSP (and logged) and, without the CSP,
    requested (and in the network log): the checks above can fail."""
    page = report.read_text(encoding="utf-8").replace("<footer", EXTERNAL_IMAGE + "<footer", 1)
    with_csp = tmp_path / "with_csp.html"
    with_csp.write_text(page, encoding="utf-8")
    refused = load(with_csp, tmp_path / "a")
    assert refused.returncode == 0
    assert any("example.com/x.png" in line for line in refused.console), refused.log[-20:]
    assert refused.requests == []
    without_csp = tmp_path / "without_csp.html"
    without_csp.write_text(CSP_META.sub("", page, count=1), encoding="utf-8")
    requested = load(without_csp, tmp_path / "b")
    assert requested.returncode == 0
    assert requested.requests == ["http://example.com/x.png"]
