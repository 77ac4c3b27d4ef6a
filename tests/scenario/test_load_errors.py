"""A mistyped key or kind is refused with a message that helps fix it.

For an unknown key in a distribution table the keys listed are those of the kind the user
wrote (not of ``fixed``), with a "did you mean" among them; the same for a section or
component, and for an unknown kind the kinds are listed. A component's ``overrun`` is
not a distribution (an ``Overrun`` with p50 and p90) and is described as what it is.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from simcrm.cli import main
from simcrm.errors import ScenarioError
from simcrm.scenario import parse_scenario

KINDS = (
    "bernoulli, beta, discrete, empirical, fixed, gamma, lognormal, normal, pert, poisson, "
    "triangular, truncnormal, uniform"
)

# distribution-valued fields: (section, key as written in TOML, field path in messages)
PLACES = [
    ("plan", "planned_months", "plan.planned_months"),
    ("adoption", "ceiling", "adoption.ceiling"),
    ("scope", "effect", "scope.effect"),
    ("money", "value_per_active_user_month", "money.value_per_active_user_month"),
    (
        "population.heterogeneity",
        '"scope.discovery_rate"',
        'population.heterogeneity."scope.discovery_rate"',
    ),
]

# (kind, TOML table with one mistyped key, the key, the hint, the keys allowed for the kind)
TYPOS = [
    (
        "pert",
        '{ kind = "pert", low = 0.1, mode = 0.2, high = 0.3, hgh = 0.4 }',
        "hgh",
        "high",
        "high, kind, lamb, low, mode, p1, p5, p10, p20, p25, p50, p75, p80, p90, p95, p99",
    ),
    (
        "lognormal",
        '{ kind = "lognormal", mu = -1.0, sigam = 0.2 }',
        "sigam",
        "sigma",
        "kind, mu, p1, p5, p10, p20, p25, p50, p75, p80, p90, p95, p99, sigma",
    ),
    (
        "beta",
        '{ kind = "beta", a = 2, b = 5, hihg = 0.9 }',
        "hihg",
        "high",
        "a, b, high, kind, low, p1, p5, p10, p20, p25, p50, p75, p80, p90, p95, p99",
    ),
    (
        "triangular",
        '{ kind = "triangular", low = 0.1, mdoe = 0.2, high = 0.3 }',
        "mdoe",
        "mode",
        "high, kind, low, mode, p1, p5, p10, p20, p25, p50, p75, p80, p90, p95, p99",
    ),
    ("fixed", '{ kind = "fixed", value = 0.5, vaule = 0.6 }', "vaule", "value", "kind, value"),
    (
        "empirical",
        '{ kind = "empirical", values = [0.2, 0.4], colum = "x" }',
        "colum",
        "column",
        "column, file, kind, values",
    ),
    (
        "uniform",
        '{ kind = "uniform", low = 0.1, hi = 0.3 }',
        "hi",
        "high",
        "high, kind, low, p1, p5, p10, p20, p25, p50, p75, p80, p90, p95, p99",
    ),
    (
        "normal",
        '{ kind = "normal", mean = 0.5, sdd = 0.1 }',
        "sdd",
        "sd",
        "kind, mean, p1, p5, p10, p20, p25, p50, p75, p80, p90, p95, p99, sd",
    ),
]


def scenario_text(section: str = "", line: str = "") -> str:
    """A minimal valid scenario (tests/conftest.py MINIMAL) with ``line`` in ``[section]``."""
    own = {"plan": [], "components.licences": [], section: []} if section else {}
    if section:
        own[section].append(line)
    planned = (
        [] if section == "plan" and line.startswith("planned_months") else ["planned_months = 10.0"]
    )
    parts = [
        'name = "typos"',
        "[plan]",
        "users = 1000",
        *planned,
        *own.get("plan", []),
        "[components.licences]",
        "share = 0.3",
        *own.get("components.licences", []),
        "[components.integration]",
        "share = 0.7",
        "labour = true",
    ]
    for name, lines in own.items():
        if name not in {"plan", "components.licences"}:
            parts += [f"[{name}]", *lines]
    return "\n".join(parts) + "\n"


def refused(text: str) -> ScenarioError:
    with pytest.raises(ScenarioError) as err:
        parse_scenario(text)
    return err.value


def test_the_base_scenario_is_valid() -> None:
    assert parse_scenario(scenario_text()).plan.users == 1000


@pytest.mark.parametrize(("section", "key", "path"), PLACES, ids=[p[2] for p in PLACES])
@pytest.mark.parametrize(
    ("kind", "table", "typo", "hint", "allowed"), TYPOS, ids=[t[0] for t in TYPOS]
)
def test_an_unknown_key_lists_the_keys_of_the_kind_written(
    section: str, key: str, path: str, kind: str, table: str, typo: str, hint: str, allowed: str
) -> None:
    err = refused(scenario_text(section, f"{key} = {table}"))
    assert err.field == f"<scenario>: {path}.{typo}"
    assert err.allowed == (
        f"unknown key {typo!r} in a distribution of kind {kind!r}; "
        f"did you mean {hint!r}? Allowed here: {allowed}"
    )


def test_the_example_of_the_report() -> None:
    text = scenario_text(
        "plan", 'planned_months = { kind = "pert", low = 1, mode = 2, high = 3, hgh = 4 }'
    )
    message = str(refused(text))
    assert "unknown key 'hgh' in a distribution of kind 'pert'; did you mean 'high'?" in message
    assert message.endswith(
        "Allowed here: high, kind, lamb, low, mode, p1, p5, p10, p20, p25, p50, p75, p80, p90, p95, p99"
    )
    assert "value" not in message  # the keys of `fixed` were listed before


def test_an_unknown_key_with_nothing_close_still_lists_the_keys() -> None:
    err = refused(scenario_text("adoption", 'ceiling = { kind = "beta", a = 2, b = 5, zzz = 1 }'))
    assert err.allowed == (
        "unknown key 'zzz' in a distribution of kind 'beta'; allowed here: a, b, high, kind, low, "
        "p1, p5, p10, p20, p25, p50, p75, p80, p90, p95, p99"
    )


@pytest.mark.parametrize(
    ("section", "line", "field", "message"),
    [
        (
            "plan",
            "userz = 5",
            "plan.userz",
            "unknown key 'userz'; did you mean 'users'? Allowed here: complexity, cost_curve, "
            "planned_months, planning_quality, price_level, spread_planning_effect, users",
        ),
        (
            "adoption",
            "imitaton = 0.3",
            "adoption.imitaton",
            "unknown key 'imitaton'; did you mean 'imitation'? Allowed here: ceiling, "
            "collaboration, collaboration_effect, discontinuance, imitation, innovation, "
            "rejection_onset_months, rejection_probability, rejection_rate, training, "
            "training_effect",
        ),
        (
            "components.licences",
            "sahre = 0.3",
            "components.licences.sahre",
            "unknown key 'sahre'; did you mean 'share'? Allowed here: labour, overlookable, "
            "overrun, p_omit, share",
        ),
        (  # an overrun is an Overrun model, not a distribution table
            "components.licences",
            "overrun = { p50 = 1.1, p09 = 1.5 }",
            "components.licences.overrun.p09",
            "unknown key 'p09'; did you mean 'p90'? Allowed here: p50, p90",
        ),
        (
            "population",
            "heterogenity = {}",
            "population.heterogenity",
            "unknown key 'heterogenity'; did you mean 'heterogeneity'? "
            "Allowed here: epistemic, heterogeneity",
        ),
    ],
)
def test_an_unknown_key_in_a_section(section: str, line: str, field: str, message: str) -> None:
    err = refused(scenario_text(section, line))
    assert err.field == f"<scenario>: {field}"
    assert err.allowed == message


def test_a_component_named_like_a_kind_is_a_component() -> None:
    text = scenario_text().replace("[components.licences]", "[components.beta]")
    err = refused(text.replace("share = 0.3", "share = 0.3\nsahre = 1"))
    assert err.field == "<scenario>: components.beta.sahre"
    assert "Allowed here: labour, overlookable, overrun, p_omit, share" in err.allowed


def test_a_mistyped_top_level_section() -> None:
    err = refused(scenario_text() + "[simulaton]\ntrials = 5\n")
    assert err.field == "<scenario>: simulaton"
    assert err.allowed.startswith("unknown key 'simulaton'; did you mean 'simulation'? ")


@pytest.mark.parametrize(("section", "key", "path"), PLACES, ids=[p[2] for p in PLACES])
def test_an_unknown_kind_lists_the_kinds(section: str, key: str, path: str) -> None:
    err = refused(scenario_text(section, f'{key} = {{ kind = "pertt", low = 0.1, high = 0.3 }}'))
    assert err.field == f"<scenario>: {path}.kind"
    assert err.value == "pertt"
    assert err.allowed == f"unknown distribution kind; did you mean 'pert'? The kinds are {KINDS}"


def test_an_unknown_kind_with_nothing_close() -> None:
    err = refused(scenario_text("scope", 'effect = { kind = "cauchy", loc = 0, scale = 1 }'))
    assert err.value == "cauchy"
    assert err.allowed == f"unknown distribution kind; the kinds are {KINDS}"


def test_a_table_without_a_kind() -> None:
    err = refused(scenario_text("adoption", "ceiling = { low = 0.5, high = 0.9 }"))
    assert err.field == "<scenario>: adoption.ceiling"
    assert "needs a kind" in err.allowed
    assert KINDS in err.allowed


def test_an_alias_is_listed_as_written() -> None:
    """``normal`` takes ``mean`` (its field is called ``loc``)."""
    err = refused(scenario_text("scope", 'effect = { kind = "normal", loc = 0.1, sd = 0.1 }'))
    assert err.field == "<scenario>: scope.effect.loc"
    assert (
        "; allowed here: kind, mean, p1, p5, p10, p20, p25, p50, p75, p80, p90, p95, p99, sd"
        in err.allowed
    )


def test_the_key_a_typo_leaves_missing_is_not_another_problem() -> None:
    """``lam`` is required of a poisson: its typo must not also count as a missing key."""
    typo = 'effect = { kind = "poisson", lma = 2 }'
    assert "more problems" not in refused(scenario_text("scope", typo)).allowed
    worse = 'effect = { kind = "poisson", lma = 2, extra = "x" }'
    assert refused(scenario_text("scope", worse)).allowed.endswith(
        "Allowed here: kind, lam (and 1 more problems)"
    )


def test_the_command_line_prints_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "typo.toml"
    path.write_text(
        scenario_text(
            "money",
            'value_per_active_user_month = { kind = "lognormal", p50 = 20, p90 = 40, sigam = 30 }',
        )
    )
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(
        f"simcrm: error: {path}: money.value_per_active_user_month.sigam: got 30;"
    )
    assert (
        "in a distribution of kind 'lognormal'; did you mean 'sigma'? Allowed here: kind, mu" in err
    )
