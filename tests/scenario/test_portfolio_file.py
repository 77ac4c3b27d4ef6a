"""The portfolio file: the shipped example loads, and every bad input is one clear error
naming the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from simcrm.cli import main
from simcrm.errors import ScenarioError
from simcrm.scenario.portfolio import load_portfolio, with_settings
from simcrm.scenario.shipped import resolve_portfolio, shipped_portfolios, shipped_scenarios
from tests.analyses.portfolio.helpers import portfolio_text, write_portfolio
from tests.conftest import PORTFOLIOS, ROOT

EXAMPLE = ROOT / "scenarios" / "portfolio_example.toml"
ONE = [{"name": "a", "scenario": "baseline"}]


def test_the_example_loads_with_twelve_candidates() -> None:
    portfolio = load_portfolio(EXAMPLE)
    assert len(portfolio.candidates) == 12
    assert {portfolio.scenario(c.name).plan.complexity for c in portfolio.candidates} == {
        "low",
        "medium",
        "high",
    }
    assert portfolio.scenario("sales_north").plan.users == 600  # its override applied
    assert portfolio.scenario("service_centre").plan.users == 3_000  # the shipped value


def test_portfolios_are_listed_apart_from_scenarios() -> None:
    assert [p.stem for p in PORTFOLIOS] == ["portfolio_example"]
    assert "portfolio_example" in [p.name for p in shipped_portfolios()]
    assert "portfolio_example" not in [s.name for s in shipped_scenarios()]
    assert resolve_portfolio("portfolio_example") == EXAMPLE


def test_every_number_of_the_example_is_cited_or_an_assumption() -> None:
    text = EXAMPLE.read_text()
    for line in text.splitlines():
        value = line.split("#")[0]
        if "=" in value and any(ch.isdigit() for ch in value.split("=", 1)[1]):
            if value.strip().startswith(("seed", "name", "description")):
                continue
            comment = line.partition("#")[2]
            assert "assumption" in comment or "(" in comment, f"uncited number: {line}"


def _error(tmp_path: Path, candidates: list[dict[str, object]], **kwargs: object) -> str:
    path = write_portfolio(tmp_path, candidates, **kwargs)
    with pytest.raises(ScenarioError) as caught:
        load_portfolio(path)
    return str(caught.value)


@pytest.mark.parametrize(
    ("candidates", "kwargs", "expected"),
    [
        ([{"name": "a", "scenario": "no_such"}], {}, "candidates[0].scenario"),
        ([{"name": "a", "scenario": "baselin"}], {}, "did you mean 'baseline'"),
        (
            [{"name": "a", "scenario": "baseline", "loadings": {"f": 1.5}}],
            {"factors": {"f": "cost"}},
            "candidates[0].loadings.f",
        ),
        (
            [{"name": "a", "scenario": "baseline", "loadings": {"f": -1.01}}],
            {"factors": {"f": "cost"}},
            "greater than or equal to -1",
        ),
        (
            [{"name": "a", "scenario": "baseline", "loadings": {"f": 0.8, "g": 0.8}}],
            {"factors": {"f": "cost", "g": "cost"}},
            "must sum to at most 1",
        ),
        (
            [{"name": "a", "scenario": "baseline", "loadings": {"vendr": 0.5}}],
            {"factors": {"vendor": "cost"}},
            "did you mean 'vendor'",
        ),
        (ONE, {"budget": {"total": 0}}, "budget.total"),
        (ONE, {"budget": {"total": -1e6}}, "greater than 0"),
        (ONE, {"budget": {"per_year": []}}, "budget.per_year"),
        (ONE, {"alpha": 0.0}, "risk.alpha"),
        (ONE, {"alpha": 1.0}, "less than 1"),
        (ONE, {"alpha": 1.5}, "risk.alpha"),
        (ONE * 2, {}, "each candidate needs its own name"),
        ([{"name": "a", "scenario": "baseline", "count": 2, "min_count": 3}], {}, "min_count"),
        ([{"name": "a", "scenario": "baseline", "count": 0}], {}, "candidates[0].count"),
        ([{"name": "a", "scenario": "baseline", "cuont": 2}], {}, "did you mean 'count'"),
        (
            [{"name": "a", "scenario": "baseline", "overrides": {"plan.users": -5}}],
            {},
            "candidates[0].overrides",
        ),
        (
            [{"name": "a", "scenario": "baseline", "overrides": {"plan.usrs": 5}}],
            {},
            "no such scenario parameter",
        ),
        (
            [{"name": "a", "scenario": "baseline", "count": 100}] * 1
            + [{"name": "b", "scenario": "baseline", "count": 100}],
            {"trials": 1_000_000},
            "simulation.trials",
        ),
    ],
)
def test_bad_portfolios_name_the_field(
    tmp_path: Path, candidates: list[dict[str, object]], kwargs: dict[str, object], expected: str
) -> None:
    message = _error(tmp_path, candidates, **kwargs)
    assert expected in message
    assert "\n" not in message


def test_a_later_start_needs_a_discount_rate(tmp_path: Path) -> None:
    text = portfolio_text([{"name": "a", "scenario": "baseline", "start_month": 6}])
    path = tmp_path / "p.toml"
    path.write_text(text.replace("discount_rate = 0.08", ""))
    with pytest.raises(ScenarioError, match=r"money\.discount_rate"):
        load_portfolio(path)


def test_candidates_must_share_a_currency(tmp_path: Path) -> None:
    scenario = (ROOT / "scenarios" / "baseline.toml").read_text()
    (tmp_path / "usd.toml").write_text(scenario.replace('currency = "CNY"', 'currency = "USD"'))
    candidates = [{"name": "a", "scenario": "baseline"}, {"name": "b", "scenario": "usd.toml"}]
    assert "every candidate must count money in CNY" in _error(tmp_path, candidates)


def test_a_scenario_beside_the_file_is_found_first(tmp_path: Path) -> None:
    scenario = (ROOT / "scenarios" / "baseline.toml").read_text()
    (tmp_path / "mine.toml").write_text(scenario.replace("users = 1_000", "users = 1_234"))
    path = write_portfolio(tmp_path, [{"name": "a", "scenario": "mine.toml"}])
    assert load_portfolio(path).scenario("a").plan.users == 1_234


def test_with_settings_validates_and_keeps_the_scenarios() -> None:
    portfolio = load_portfolio(EXAMPLE)
    changed = with_settings(portfolio, **{"risk.alpha": 0.05, "simulation.trials": 5_000})
    assert changed.risk.alpha == 0.05
    assert changed.simulation.trials == 5_000
    assert changed.scenario("sales_north") is portfolio.scenario("sales_north")
    with pytest.raises(ScenarioError, match=r"risk\.alpha"):
        with_settings(portfolio, **{"risk.alpha": 2.0})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "this field is required"),
        ("name = [", "not valid TOML"),
        ("\x00", "not valid TOML"),
    ],
)
def test_unreadable_files_are_one_line(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "p.toml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as caught:
        load_portfolio(path)
    assert "\n" not in str(caught.value)


def test_cli_bad_portfolio_exits_2_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_portfolio(tmp_path, ONE, budget={"total": -5})
    out = tmp_path / "out"
    assert main(["portfolio", str(path), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "budget.total" in err
    assert not out.exists()


def test_cli_missing_file_and_unknown_name_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["portfolio", "no/such/file.toml"]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["portfolio", "portfolio_exampel"]) == 2
    assert "did you mean 'portfolio_example'" in capsys.readouterr().err


def test_names_resolve_beside_the_file_never_in_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "work"
    (work / "baseline").mkdir(parents=True)  # e.g. a results directory called baseline
    (work / "baseline.toml").write_text("not a scenario")
    monkeypatch.chdir(work)
    folder = tmp_path / "plans"
    folder.mkdir()
    path = write_portfolio(folder, [{"name": "a", "scenario": "baseline"}])
    assert load_portfolio(path).scenario("a").name == "baseline"
