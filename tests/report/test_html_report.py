"""``simcrm report``: one self-contained HTML page of results directories.

Rendered from a small run (with a paired comparison and its figure below it); the page
is checked for every figure, the headline's numbers against ``summary.json``, no
reference outside the file, the Content-Security-Policy, an atomic write and exit code 2
for what is not a results directory. The headline logic is tested on its own for a
summary with and without its ``contingency`` section.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from simcrm.cli import main
from simcrm.report import html as html_report
from simcrm.report.headline import (
    contingency_figures,
    contingency_sentence,
    disagreement_figures,
    headline,
    percent,
)
from simcrm.report.inline_svg import NotSvgError, inline_svg
from tests.report.report_helpers import (
    expected_headline,
    figures_in,
    has_drawing,
    headline_of,
    make_results,
    read_summary,
    svg_files,
)

CSP_META = (
    '<meta http-equiv="Content-Security-Policy" '
    "content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">"
)


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_results(tmp_path_factory.mktemp("report"))


@pytest.fixture(scope="module")
def page(results: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    out = tmp_path_factory.mktemp("page") / "report.html"
    assert main(["report", str(results), "--out", str(out)]) == 0
    return out.read_text(encoding="utf-8")


def test_every_figure_of_the_directory_is_inline_and_drawn(results: Path, page: str) -> None:
    files = svg_files(results)
    assert "compare/compare.svg" in files
    shown = figures_in(page)
    assert sorted(shown) == files
    for name, markup in shown.items():
        assert has_drawing(markup), f"{name} is empty in the page"
    assert "<img" not in page


def test_the_headline_states_the_summarys_numbers(results: Path, page: str) -> None:
    text = headline_of(page)
    for expected in expected_headline(read_summary(results)):
        assert expected in text, f"{expected!r} not in the headline: {text}"


def test_tables_show_percent_and_money_with_separators(results: Path, page: str) -> None:
    summary = read_summary(results)
    cost = summary["distributions"]["actual_cost"]
    assert f"<td>{cost['p80']:,.0f} CNY</td>" in page
    assert f"<td>{summary['criteria']['cio']['count']:,}</td>" in page
    assert f"<td>{100 * summary['events']['abandoned']['p']:.1f}%</td>" in page


def test_provenance_is_shown(results: Path, page: str) -> None:
    manifest = json.loads((results / "manifest.json").read_text())
    assert "<details>" in page
    assert "[criteria]" in page  # the scenario text
    assert f"<td>{manifest['seed']}</td>" in page
    assert f"<td>{manifest['trials']:,}</td>" in page
    assert f"numpy {manifest['versions']['numpy']}" in page
    assert manifest["finished"] in page


def test_nothing_points_outside_the_file(page: str) -> None:
    for match in re.finditer(r"https?://", page):
        before = page[max(0, match.start() - 20) : match.start()]
        assert re.search(r'xmlns(:\w+)?="$', before), page[match.start() - 60 : match.end() + 60]
    assert not re.search(r"<(script|link|iframe|object|embed)\b", page)
    assert not re.search(r"\b(src|href)=\"(?!#)", page)


def test_the_page_forbids_every_request(page: str) -> None:
    assert page.count(CSP_META) == 1
    assert page.index(CSP_META) < page.index("<style>")


def test_the_file_is_written_alone_and_whole(results: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "report.html"
    assert main(["report", str(results), "--out", str(out)]) == 0
    assert [p.name for p in out.parent.iterdir()] == ["report.html"]
    assert out.read_text(encoding="utf-8").rstrip().endswith("</html>")


def test_a_failed_write_leaves_the_old_file_and_no_temporary(
    results: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "report.html"
    out.write_text("old report")

    def half_then_fail(text: str) -> Any:
        def write(path: Path) -> None:
            path.write_text(text[: len(text) // 2])
            raise OSError(28, "No space left on device")

        return write

    monkeypatch.setattr(html_report, "text_writer", half_then_fail)
    assert main(["report", str(results), "--out", str(out)]) == 2
    assert out.read_text() == "old report"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_several_directories_give_a_section_each(results: Path, tmp_path: Path) -> None:
    out = tmp_path / "two.html"
    assert main(["report", str(results), str(results / "compare"), "--out", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert page.count('<section class="directory"') == 2
    assert page.count('<section class="unit comparison"') == 2
    assert "half_cycle" in page
    assert "full_cycle" in page


@pytest.mark.parametrize("case", ["missing", "not results", "a file"])
def test_what_is_not_a_results_directory_exits_2(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "target"
    if case == "not results":
        (target / "sub").mkdir(parents=True)
        (target / "notes.txt").write_text("hello")
        (target / "sub" / "figure.svg").write_text("<svg></svg>")
    elif case == "a file":
        target.write_text("{}")
    out = tmp_path / "report.html"
    assert main(["report", str(target), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert str(target) in err
    assert not out.exists()
    assert not list(tmp_path.glob(".*.tmp"))


def test_an_incomplete_run_exits_2_saying_how_to_finish(
    results: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = tmp_path / "run"
    shutil.copytree(results, run, ignore=shutil.ignore_patterns("data"))
    manifest = json.loads((run / "manifest.json").read_text())
    manifest.update(status="running", resume="simcrm run baseline --resume")
    (run / "manifest.json").write_text(json.dumps(manifest))
    assert main(["report", str(run), "--out", str(tmp_path / "r.html")]) == 2
    assert "--resume" in capsys.readouterr().err


# The headline logic on its own: with the summary's contingency section, and without it.

SUMMARY: dict[str, Any] = {
    "trials": 1000,
    "criteria": {
        "cio": {"count": 494, "p": 0.494, "ci95": [0.463, 0.525]},
        "marketing": {"count": 382, "p": 0.382, "ci95": [0.352, 0.413]},
    },
    "distributions": {
        "actual_cost": {
            "defined": 1.0,
            "mean": 839_349.7,
            "p10": 382_541.2,
            "p50": 554_854.3,
            "p80": 773_397.1,
            "p90": 1_176_046.6,
        },
        "planned_cost": {
            "defined": 1.0,
            "mean": 600_000.0,
            "p10": 600_000.0,
            "p50": 600_000.0,
            "p80": 600_000.0,
            "p90": 600_000.0,
        },
    },
    "disagreement": {"cio|marketing": {"count": 286, "p": 0.286, "ci95": [0.258, 0.315]}},
    "crosstab": {"rows": "cio", "columns": "marketing", "counts": [[418, 88], [200, 294]]},
}
CONTINGENCY = {
    "cost": {
        "plan": 612_345.6,
        "levels": [
            {
                "level": level,
                "value": value,
                "contingency": value - 612_345.6,
                "percent_of_plan": 100 * (value - 612_345.6) / 612_345.6,
            }
            for level, value in [(0.5, 560_000.0), (0.8, 790_123.4), (0.9, 1.2e6), (0.95, 1.9e6)]
        ],
    },
    "schedule": {
        "plan": 10.4,
        "levels": [
            {"level": 0.8, "value": 15.1, "contingency": 4.7, "percent_of_plan": 100 * 4.7 / 10.4}
        ],
    },
}


def test_the_contingency_section_is_used_when_present() -> None:
    summary = SUMMARY | {"contingency": CONTINGENCY}
    cost = contingency_figures(summary, "cost")
    assert cost["source"] == "contingency"
    assert cost["plan"] == 612_345.6
    assert cost["value"] == 790_123.4
    assert cost["contingency"] == pytest.approx(790_123.4 - 612_345.6)
    assert contingency_sentence(cost, "CNY") == (
        "With a budget of 612,346 CNY, an 80% chance of not overspending needs 177,778 CNY "
        "contingency (29.0% of plan)."
    )
    schedule = contingency_sentence(contingency_figures(summary, "schedule"))
    assert schedule == (
        "With a plan of 10.4 months, an 80% chance of finishing on time needs 4.7 months "
        "contingency (45.2% of plan)."
    )
    assert len(headline(summary, "CNY")["sentences"]) == 3


def test_without_the_section_the_distributions_give_the_contingency() -> None:
    cost = contingency_figures(SUMMARY, "cost")
    assert cost["source"] == "distributions"
    assert cost["plan"] == 600_000.0
    assert cost["value"] == 773_397.1
    assert contingency_sentence(cost, "CNY") == (
        "With a budget of 600,000 CNY, an 80% chance of not overspending needs 173,397 CNY "
        "contingency (28.9% of plan)."
    )
    sentences = headline(SUMMARY, "CNY")["sentences"]
    assert len(sentences) == 2  # no schedule figures in an older summary: no sentence
    assert sentences[1].startswith("The CIO and marketing disagree on 28.6% of projects")


def test_without_the_plan_the_sentence_is_left_out_naming_the_figure() -> None:
    summary = json.loads(json.dumps(SUMMARY))
    del summary["distributions"]["planned_cost"]
    figures = contingency_figures(summary, "cost")
    assert "plan" not in figures
    sentence = contingency_sentence(figures, "CNY")
    assert sentence.startswith("The cost contingency is left out")
    assert "planned_cost" in sentence
    del summary["distributions"]["actual_cost"]
    assert "P80 of actual_cost" in contingency_sentence(contingency_figures(summary), "CNY")


def test_a_p80_within_the_plan_needs_no_contingency() -> None:
    summary = json.loads(json.dumps(SUMMARY))
    summary["distributions"]["actual_cost"]["p80"] = 550_000.0
    sentence = contingency_sentence(contingency_figures(summary), "CNY")
    assert "needs no contingency" in sentence
    assert "550,000 CNY" in sentence


def test_disagreement_from_the_counts_when_the_pair_is_not_listed() -> None:
    summary = SUMMARY | {"disagreement": {}}
    found = disagreement_figures(summary)
    assert found is not None
    assert found["p"] == pytest.approx((88 + 200) / 1000)
    assert disagreement_figures(SUMMARY | {"crosstab": None, "disagreement": {}}) is None


def test_small_shares_keep_two_significant_digits() -> None:
    assert percent(0.4936) == "49.4%"
    assert percent(0.00019) == "0.019%"
    assert percent(0.0) == "0.0%"
    assert percent(None) == "—"


def test_inline_svg_keeps_the_drawing_and_makes_ids_its_own() -> None:
    text = (
        '<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
        '"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n'
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
        "<metadata><dc:title>Matplotlib, https://matplotlib.org/</dc:title></metadata>"
        '<script>alert(1)</script><defs><clipPath id="p1"><rect/></clipPath>'
        '<path id="m1" d="M 0 0"/></defs>'
        '<g clip-path="url(#p1)" onclick="x()"><use xlink:href="#m1"/>'
        '<image href="http://example.com/x.png"/></g></svg>\n'
    )
    svg = inline_svg(text, "f7-")
    assert svg.startswith("<svg")
    assert svg.endswith("</svg>")
    for kept in ('id="f7-p1"', "url(#f7-p1)", 'id="f7-m1"', 'xlink:href="#f7-m1"'):
        assert kept in svg
    for gone in ("DOCTYPE", "metadata", "script", "onclick", "example.com", "<?xml"):
        assert gone not in svg
    with pytest.raises(NotSvgError):
        inline_svg("<html></html>", "f1-")


def test_a_section_without_schedule_says_so() -> None:
    summary = SUMMARY | {"contingency": {"cost": CONTINGENCY["cost"]}}
    sentences = headline(summary, "CNY")["sentences"]
    assert sentences[0].startswith("With a budget of 612,346 CNY")
    assert sentences[1].startswith("The schedule contingency is left out")
    assert '"schedule"' in sentences[1]
