"""Tests of simcrm.scenario.criteria: the restricted expression language of failure criteria."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from simcrm.errors import CriterionError, InputError
from simcrm.scenario.criteria import (
    MAX_DEPTH,
    MAX_LENGTH,
    Criterion,
    compile_criteria,
    evaluate_criteria,
)

OUTPUTS = {
    "cost_overrun": False,
    "schedule_overrun": False,
    "adoption_final": False,
    "npv": False,
    "payback_month": False,
    "abandoned": True,
    "rescued": True,
}

COLUMNS = {
    "cost_overrun": np.array([0.0, 0.6, -0.1, 0.2, 1.0, 0.5]),
    "schedule_overrun": np.array([0.0, 0.1, 0.7, -0.2, 0.0, 0.5]),
    "adoption_final": np.array([0.9, 0.4, 0.6, 0.5, 0.0, 0.3]),
    "npv": np.array([10.0, -5.0, 0.0, 3.0, -1.0, 2.0]),
    "payback_month": np.array([12.0, np.nan, 30.0, 24.0, np.nan, 6.0]),
    "abandoned": np.array([False, False, False, False, True, False]),
    "rescued": np.array([False, True, False, True, False, False]),
}
c, s, a, v = (COLUMNS[k] for k in ("cost_overrun", "schedule_overrun", "adoption_final", "npv"))
ab, re_ = COLUMNS["abandoned"], COLUMNS["rescued"]


def run(expression: str, columns: dict[str, np.ndarray] | None = None) -> np.ndarray:
    compiled = compile_criteria({"x": expression}, OUTPUTS)
    return evaluate_criteria(compiled, COLUMNS if columns is None else columns)["x"]


def refused(expression: str, name: str = "x", **others: str) -> str:
    criteria = {**others, name: expression}
    with pytest.raises(CriterionError) as info:
        compile_criteria(criteria, OUTPUTS)
    message = str(info.value)
    assert f"criteria.{name}" in message
    assert isinstance(info.value, InputError)
    return message


# --------------------------------------------------------------------------- results


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("cost_overrun > 0.5 or schedule_overrun > 0.5 or abandoned", (c > 0.5) | (s > 0.5) | ab),
        ("adoption_final < 0.5 or abandoned", (a < 0.5) | ab),
        ("npv < 0", v < 0),
        ("not abandoned or rescued and npv > 0", (~ab) | (re_ & (v > 0))),
        ("not (abandoned or rescued) and npv > 0", ~(ab | re_) & (v > 0)),
        ("not npv > 0", ~(v > 0)),
        ("not not abandoned", ab),
        ("0 <= cost_overrun < 0.5", (c >= 0) & (c < 0.5)),
        ("-0.15 < cost_overrun <= 0.2 < 1", (c > -0.15) & (c <= 0.2)),
        ("npv > cost_overrun == schedule_overrun", (v > c) & (c == s)),
        ("cost_overrun + schedule_overrun * 2 > 1", c + s * 2 > 1),
        ("(cost_overrun + schedule_overrun) * 2 > 1", (c + s) * 2 > 1),
        ("npv - 1 - 2 > 0", v - 3 > 0),
        ("npv / 2 / 2 > 0.5", v / 4 > 0.5),
        ("-npv > 0", -v > 0),
        ("- -npv > 0", v > 0),
        ("-npv * 2 < -1", -v * 2 < -1),
        ("2 - -npv > 2", 2 + v > 2),
        ("cost_overrun >= 50%", c >= 0.5),
        ("cost_overrun >= 5e-1", c >= 0.5),
        ("npv * 1_000 > 2_500.0", v * 1000 > 2500),
        ("npv > .5e1 - 3", v > 2),
        ("true", np.ones(6, dtype=bool)),
        ("false or abandoned", ab),
        ("abandoned == true", ab),
        ("abandoned != rescued", ab ^ re_),
        ("((((npv < 0))))", v < 0),
        ("1 < 2", np.ones(6, dtype=bool)),
        ("npv/0 > 1e308", v > 0),
    ],
)
def test_results_match_numpy(expression: str, expected: np.ndarray) -> None:
    result = run(expression)
    assert result.dtype == np.bool_
    assert result.shape == (6,)
    np.testing.assert_array_equal(result, expected)


def test_nan_comparisons_are_false() -> None:
    never_pays_back = np.isnan(COLUMNS["payback_month"])
    assert not run("payback_month > 24")[never_pays_back].any()
    assert not run("payback_month <= 24")[never_pays_back].any()
    np.testing.assert_array_equal(
        run("not (payback_month <= 24)"), [False, True, True, False, True, False]
    )
    np.testing.assert_array_equal(run("payback_month != payback_month"), never_pays_back)


def test_references_to_earlier_criteria() -> None:
    criteria = {
        "cio": "cost_overrun > 0.5 or schedule_overrun > 0.5 or abandoned",
        "marketing": "adoption_final < 0.5 or abandoned",
        "financial": "npv < 0",
        "either": "cio or marketing",
        "challenged": "not either and (cost_overrun > 0 or schedule_overrun > 0)",
    }
    compiled = compile_criteria(criteria, OUTPUTS)
    assert list(compiled) == list(criteria)
    assert compiled["either"].names == frozenset({"cio", "marketing"})
    assert compiled["cio"].names == frozenset({"cost_overrun", "schedule_overrun", "abandoned"})
    assert isinstance(compiled["cio"], Criterion)
    out = evaluate_criteria(compiled, COLUMNS)
    cio = (c > 0.5) | (s > 0.5) | ab
    marketing = (a < 0.5) | ab
    np.testing.assert_array_equal(out["cio"], cio)
    np.testing.assert_array_equal(out["marketing"], marketing)
    np.testing.assert_array_equal(out["financial"], v < 0)
    np.testing.assert_array_equal(out["either"], cio | marketing)
    np.testing.assert_array_equal(out["challenged"], ~(cio | marketing) & ((c > 0) | (s > 0)))
    # a compiled criterion can be evaluated on its own, given the earlier results
    np.testing.assert_array_equal(compiled["either"].evaluate(out), cio | marketing)


def test_scalars_broadcast_and_plain_collection_outputs() -> None:
    compiled = compile_criteria({"x": "npv < limit or abandoned"}, ["npv", "limit", "abandoned"])
    columns = {"npv": np.array([1.0, -1.0, 5.0]), "limit": 2.0, "abandoned": False}
    np.testing.assert_array_equal(evaluate_criteria(compiled, columns)["x"], [True, True, False])
    # "abandoned" is boolean in a plain collection, others numeric
    with pytest.raises(CriterionError, match="boolean"):
        compile_criteria({"x": "abandoned > 0"}, ["abandoned"])
    with pytest.raises(CriterionError, match="numeric"):
        compile_criteria({"x": "npv"}, ["npv"])


def test_constant_criterion_takes_length_from_columns() -> None:
    compiled = compile_criteria({"x": "true", "y": "x and 1 > 2"}, OUTPUTS)
    out = evaluate_criteria(compiled, COLUMNS)
    np.testing.assert_array_equal(out["x"], np.ones(6, dtype=bool))
    np.testing.assert_array_equal(out["y"], np.zeros(6, dtype=bool))


def test_evaluation_errors_are_programming_errors() -> None:
    compiled = compile_criteria({"x": "npv < cost_overrun"}, OUTPUTS)
    with pytest.raises(KeyError, match="cost_overrun"):
        evaluate_criteria(compiled, {"npv": np.zeros(3)})
    with pytest.raises(ValueError, match="one length"):
        evaluate_criteria(compiled, {"npv": np.zeros(3), "cost_overrun": np.zeros(4)})


def test_no_criteria() -> None:
    assert compile_criteria({}, OUTPUTS) == {}
    assert evaluate_criteria({}, COLUMNS) == {}


def test_field_prefix() -> None:
    with pytest.raises(CriterionError, match=r"^scenario\.criteria\.bad: "):
        compile_criteria({"bad": "npv <"}, OUTPUTS, field_prefix="scenario.criteria")


# --------------------------------------------------------------------------- refusals


def test_typo_suggests_the_name() -> None:
    message = refused("cost_overun > 0.5")
    assert "did you mean 'cost_overrun'" in message
    assert "column 1" in message
    assert "did you mean 'true'" in refused("True")


@pytest.mark.parametrize(
    ("expression", "word"),
    [
        ("abs(npv) > 1", "function call"),
        ("npv.real > 1", "attribute"),
        ("npv[0] > 1", "indexing"),
        ("npv == 'a'", "string"),
        ("lambda: 1", "keyword"),
        ("npv ** 2 > 1", "'**'"),
        ("npv = 1", "'=='"),
        ("nope > 1", "unknown name"),
        ("", "empty"),
        ("   ", "empty"),
        ("npv < 0 npv", "unexpected 'npv'"),
        ("npv < 0 1", "unexpected '1'"),
        ("(npv < 0", "missing ')'"),
        ("npv < 0)", "unmatched ')'"),
        ("npv < ", "ends where a value was expected"),
        ("npv < (", "ends where a value was expected"),
        ("() or true", "unexpected ')'"),
        ("npv < 1__0", "malformed number"),
        ("npv % 2 > 0", "'%'"),
        ("npv < 0 and", "ends where a value was expected"),
        ("+npv > 0", "unexpected '+'"),
        ("npv", "boolean"),
        ("npv + 1", "boolean"),
        ("1", "boolean"),
        ("npv and abandoned", "needs boolean operands"),
        ("not npv", "needs boolean operands"),
        ("abandoned + 1 > 0", "needs numeric operands"),
        ("-abandoned", "needs numeric operands"),
        ("abandoned < rescued", "needs numeric operands"),
        ("abandoned == 1", "needs numeric operands"),
        ("npv == not abandoned", "parenthesised"),
        ("npv < 0 AND abandoned", "did you mean 'and'"),
        ("npv < 0 or NOT abandoned", "unknown name 'NOT'"),
        ("npv ≥ 0", "not allowed"),
        ("npv < ٣", "not allowed"),
        ("x > 0", "refers to itself"),
        ("x or true", "refers to itself"),
    ],
)
def test_refusals(expression: str, word: str) -> None:
    message = refused(expression)
    assert word in message
    assert "column" in message or "allowed" in message


def test_refers_to_later_criterion() -> None:
    with pytest.raises(CriterionError) as info:
        compile_criteria({"first": "second or abandoned", "second": "npv < 0"}, OUTPUTS)
    assert "criteria.first" in str(info.value)
    assert "declared later" in str(info.value)
    assert "declared before" in str(info.value)


def test_too_long_and_too_deep() -> None:
    long = "npv < 0" + " or npv < 0" * 100
    assert len(long) > MAX_LENGTH
    assert f"at most {MAX_LENGTH}" in refused(long)
    assert run("npv < 0" + " or npv < 0" * 80).shape == (6,)  # long but under the limit
    ok = "(" * MAX_DEPTH + "npv < 0" + ")" * MAX_DEPTH
    np.testing.assert_array_equal(run(ok), v < 0)
    assert "nesting deeper" in refused("(" * (MAX_DEPTH + 1) + "npv < 0" + ")" * (MAX_DEPTH + 1))
    assert "nesting deeper" in refused("not " * (MAX_DEPTH + 1) + "abandoned")
    assert "nesting deeper" in refused("-" * (MAX_DEPTH + 1) + "npv < 0")
    np.testing.assert_array_equal(run("not " * MAX_DEPTH + "abandoned"), ab)
    longest = "npv" + " + 1" * ((MAX_LENGTH - 9) // 4) + " > 0"  # a 247-deep left chain
    np.testing.assert_array_equal(run(longest), v > -247)
    tightest = "1+" * (MAX_LENGTH // 2 - 4) + "npv > 0"  # ~500 nodes deep
    np.testing.assert_array_equal(run(tightest), v > -(MAX_LENGTH // 2 - 4))


HOSTILE = [
    "__import__('os').system('x')",
    "__import__",
    "().__class__",
    "().__class__.__bases__[0].__subclasses__()",
    "x[0]",
    "npv[0]",
    "lambda: 1",
    "'a' == 'a'",
    '"a" == "a"',
    "open('f')",
    "open",
    "1 ** 2",
    "a = 1",
    "npv := 1",
    "[npv for npv in ()]",
    "{}",
    "npv if true else npv",
    "npv; npv",
    "npv < 0 # comment",
    "npv < 0 \\",
    "f'{npv}'",
    "npv @ npv",
    "~abandoned",
    "abandoned & rescued",
    "abandoned | rescued",
    "npv << 1",
    "npv, npv",
    "globals()",
    "getattr(npv, 'real')",
    "abandoned is true",
    "abandoned in true",
    "True or False",
    "None",
    "npv.__class__",
    "`npv`",
    "npv < 0\x00",
]


@pytest.mark.parametrize("expression", HOSTILE)
def test_hostile_expressions_are_refused(expression: str) -> None:
    message = refused(expression)
    assert "allowed" in message


@pytest.mark.parametrize(
    ("name", "word"),
    [
        ("Cio", "[a-z][a-z0-9_]*"),
        ("1st", "[a-z][a-z0-9_]*"),
        ("cio-x", "[a-z][a-z0-9_]*"),
        ("", "[a-z][a-z0-9_]*"),
        ("and", "keyword"),
        ("true", "keyword"),
        ("lambda", "keyword"),
        ("npv", "output column"),
        ("abandoned", "output column"),
    ],
)
def test_bad_criterion_names(name: str, word: str) -> None:
    assert word in refused("true", name=name)


def test_expression_must_be_text() -> None:
    with pytest.raises(CriterionError, match=r"criteria\.x: .*string"):
        compile_criteria({"x": 1}, OUTPUTS)  # type: ignore[dict-item]


def test_criterion_is_frozen() -> None:
    crit = compile_criteria({"x": "npv < 0"}, OUTPUTS)["x"]
    assert (crit.name, crit.expression, crit.names) == ("x", "npv < 0", frozenset({"npv"}))
    with pytest.raises(AttributeError):
        crit.name = "y"  # type: ignore[misc]


def test_module_never_evaluates_user_text() -> None:
    source = Path(__file__).parents[2].joinpath("simcrm", "scenario", "criteria.py").read_text()
    for banned in ("eval(", "exec(", "import ast", "from ast", "builtins"):
        assert banned not in source
    assert source.count("compile(") == source.count("re.compile(")
