"""Failure criteria: restricted boolean expressions over per-trial output columns.

A criterion such as ``"cost_overrun > 0.5 or abandoned"`` is tokenised and parsed by a small
hand-written Pratt parser into an AST of the node classes below, type-checked (boolean vs
numeric) at compile time, and evaluated vectorised with numpy. User text is never handed to
Python's evaluator.

Grammar (keywords ``and or not true false`` are case-sensitive)::

    expr       := or_expr
    or_expr    := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | comparison
    comparison := sum (("<"|"<="|">"|">="|"=="|"!=") sum)*     # chained as in Python
    sum        := product (("+"|"-") product)*
    product    := unary (("*"|"/") unary)*
    unary      := "-" unary | atom
    atom       := NUMBER | "true" | "false" | NAME | "(" expr ")"

Numbers may use underscores and an exponent (``1_000``, ``2.5e3``); a trailing ``%`` divides
by 100 (``50%`` is 0.5). NAME is an output column or a criterion declared earlier.

NaN semantics: every comparison involving NaN is False (numpy's rule). ``payback_month`` is
NaN when a project never pays back, so ``payback_month > 24`` is False for such a trial; write
``not (payback_month <= 24)`` to count it as a failure. Division by zero gives ±inf or NaN
silently; a boolean column counts any nonzero value as true.
"""

from __future__ import annotations

import difflib
import keyword
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, NoReturn

import numpy as np
from numpy.typing import NDArray

from simcrm.errors import CriterionError

__all__ = ["Criterion", "compile_criteria", "evaluate_criteria"]

MAX_LENGTH = 1000  # longest expression accepted, in characters
MAX_DEPTH = 50  # deepest nesting of parentheses, ``not`` and unary minus
DEFAULT_BOOLEAN_OUTPUTS = frozenset({"abandoned", "rescued"})  # when outputs is not a Mapping

_KEYWORDS = frozenset({"and", "or", "not", "true", "false"})
_RESERVED = _KEYWORDS | frozenset(keyword.kwlist)
_CRITERION_NAME = re.compile(r"[a-z][a-z0-9_]*")
_TOKEN = re.compile(
    r"(?P<ws>\s+)"
    r"|(?P<num>(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9][0-9_]*)(?:[eE][+-]?[0-9][0-9_]*)?%?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op>\*\*|<=|>=|==|!=|[<>+\-*/()=])",
    re.ASCII,
)
_BAD_CHARS = dict.fromkeys("'\"", "no strings") | dict.fromkeys("[]", "no indexing")
_BAD_CHARS |= {".": "no attribute access", ",": "no argument lists", ":": "no lambdas or slices"}
_BAD_CHARS |= {"%": "only right after a number: 50% is 0.5", "**": "no power", "=": "use '=='"}
_GRAMMAR = (
    "allowed: numbers (1_000, 2.5e3, 50%), true, false, output columns and earlier criteria, "
    "'and', 'or', 'not', comparisons < <= > >= == != (chainable), + - * / and parentheses"
)
_EARLIER = "a criterion may refer only to criteria declared before it"
_OR, _AND, _NOT, _CMP, _SUM, _PRODUCT, _NEG = 1, 2, 3, 4, 5, 6, 7
_BINDING = {"or": _OR, "and": _AND, "+": _SUM, "-": _SUM, "*": _PRODUCT, "/": _PRODUCT}
_BINDING |= dict.fromkeys(("<", "<=", ">", ">=", "==", "!="), _CMP)
_UFUNCS: dict[str, Any] = {  # operator -> numpy ufunc
    op: getattr(np, ufunc)
    for op, ufunc in re.findall(
        r"(\S+):(\S+)",
        "or:logical_or and:logical_and not:logical_not neg:negative +:add -:subtract "
        "*:multiply /:true_divide <:less <=:less_equal >:greater >=:greater_equal "
        "==:equal !=:not_equal",
    )
}


@dataclass(frozen=True)
class Const:
    """A number or ``true``/``false``."""

    value: float | bool
    boolean: bool


@dataclass(frozen=True)
class Name:
    """An output column or an earlier criterion."""

    name: str
    boolean: bool


@dataclass(frozen=True)
class Apply:
    """An operator (``not``, ``neg``, ``and``, ``or``, ``+ - * /``) on its operands."""

    op: str
    args: tuple[Node, ...]
    boolean: bool


@dataclass(frozen=True)
class Compare:
    """A (possibly chained) comparison: ``operands[0] ops[0] operands[1] ops[1] ...``."""

    operands: tuple[Node, ...]
    ops: tuple[str, ...]
    boolean: bool = True


Node = Const | Name | Apply | Compare


@dataclass(frozen=True)
class _Token:
    kind: str  # "num", "name", "kw", "op" or "end"
    text: str
    pos: int
    value: float = 0.0


@dataclass
class _Parser:
    """Tokeniser, Pratt parser and type checker of one criterion."""

    path: str
    name: str
    text: str
    allowed: Mapping[str, bool]
    later: Collection[str]
    names: set[str] = field(default_factory=set)
    tokens: list[_Token] = field(default_factory=list)
    i: int = 0
    depth: int = 0

    def fail(self, pos: int, message: str, allowed: str = _GRAMMAR) -> NoReturn:
        raise CriterionError(self.path, self.text, f"at column {pos + 1}: {message}; {allowed}")

    def tokenize(self) -> None:
        pos, text = 0, self.text
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if m is None:
                ch = text[pos]
                self.fail(pos, f"character {ch!r} is not allowed ({_BAD_CHARS.get(ch, '?')})")
            kind, word = m.lastgroup or "", m.group()
            if word in ("**", "="):
                self.fail(pos, f"{word!r} is not allowed ({_BAD_CHARS[word]})")
            value = 0.0
            if kind == "num":
                try:
                    value = float(word.rstrip("%")) / (100.0 if word.endswith("%") else 1.0)
                except ValueError:
                    self.fail(pos, f"malformed number {word!r}")
            elif word in _KEYWORDS:
                kind = "kw"
            elif keyword.iskeyword(word):
                hint = difflib.get_close_matches(word.lower(), _KEYWORDS, n=1)
                tip = f" (did you mean {hint[0]!r}?)" if hint else ""
                self.fail(pos, f"Python keyword {word!r} is not allowed{tip}")
            if kind != "ws":
                self.tokens.append(_Token(kind, word, pos, value))
            pos = m.end()
        self.tokens.append(_Token("end", "", len(text)))

    def run(self) -> Node:
        if len(self.text) > MAX_LENGTH:
            self.fail(
                MAX_LENGTH, f"expression of {len(self.text)} characters", f"at most {MAX_LENGTH}"
            )
        self.tokenize()
        if self.tokens[0].kind == "end":
            self.fail(0, "empty expression", "a criterion must be a boolean expression")
        tree = self.parse(0)
        end = self.tokens[self.i]
        if end.kind != "end":
            what = "unmatched ')'" if end.text == ")" else f"unexpected {end.text!r}"
            if end.text.lower() in _KEYWORDS:
                what += f" (keywords are lower-case: did you mean {end.text.lower()!r}?)"
            self.fail(end.pos, f"{what} after a complete expression")
        if not tree.boolean:
            self.fail(0, "numeric expression", "a criterion must be boolean, e.g. 'npv < 0'")
        return tree

    def parse(self, rbp: int) -> Node:
        left = self.prefix(rbp)
        while True:
            tok = self.tokens[self.i]
            bp = _BINDING.get(tok.text, 0) if tok.kind in ("op", "kw") else 0
            if bp <= rbp:
                return left
            self.i += 1
            if bp == _CMP:
                left = self.compare(left, tok)
                continue
            right = self.parse(bp)
            boolean = tok.text in ("and", "or")
            self.check(left, boolean, tok, "left operand")
            self.check(right, boolean, tok, "right operand")
            left = Apply(tok.text, (left, right), boolean)

    def compare(self, first: Node, tok: _Token) -> Compare:
        operands, ops = [first], []
        while True:
            left, right = operands[-1], self.parse(_CMP)
            if tok.text not in ("==", "!=") or left.boolean != right.boolean:
                self.check(left, False, tok, "left operand")
                self.check(right, False, tok, "right operand")
            operands.append(right)
            ops.append(tok.text)
            tok = self.tokens[self.i]
            if tok.kind != "op" or _BINDING.get(tok.text) != _CMP:
                return Compare(tuple(operands), tuple(ops))
            self.i += 1

    def check(self, node: Node, boolean: bool, tok: _Token, side: str) -> None:
        if node.boolean != boolean:
            want, got = ("boolean", "numeric") if boolean else ("numeric", "boolean")
            hint = "compare numbers first, e.g. 'npv < 0'" if boolean else _GRAMMAR
            self.fail(tok.pos, f"{tok.text!r} needs {want} operands; its {side} is {got}", hint)

    def enter(self, tok: _Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            self.fail(tok.pos, f"nesting deeper than {MAX_DEPTH}", "simplify the expression")

    def prefix(self, rbp: int) -> Node:
        tok = self.tokens[self.i]
        self.i += 1
        if tok.kind == "num":
            return Const(tok.value, False)
        if tok.text in ("true", "false") and tok.kind == "kw":
            return Const(tok.text == "true", True)
        if tok.kind == "name":
            return self.resolve(tok)
        node: Node
        if tok.text == "(":
            self.enter(tok)
            node, close = self.parse(0), self.tokens[self.i]
            if close.text != ")":
                self.fail(close.pos, f"missing ')' to close the '(' of column {tok.pos + 1}")
            self.i += 1
        elif tok.text == "not" and tok.kind == "kw":
            if rbp > _NOT:
                self.fail(tok.pos, "'not' must be parenthesised here, e.g. 'a == (not b)'")
            self.enter(tok)
            node = self.parse(_NOT)
            self.check(node, True, tok, "operand")
            node = Apply("not", (node,), True)
        elif tok.text == "-" and tok.kind == "op":
            self.enter(tok)
            node = self.parse(_NEG)
            self.check(node, False, tok, "operand")
            node = Apply("neg", (node,), False)
        elif tok.kind == "end":
            self.fail(tok.pos, "the expression ends where a value was expected")
        else:
            self.fail(tok.pos, f"unexpected {tok.text!r} where a value was expected")
        self.depth -= 1
        return node

    def resolve(self, tok: _Token) -> Name:
        word = tok.text
        if self.tokens[self.i].text == "(":
            self.fail(tok.pos, f"function call {word}(...) is not allowed")
        if word == self.name:
            self.fail(tok.pos, f"criterion {word!r} refers to itself", _EARLIER)
        if word in self.later:
            self.fail(tok.pos, f"{word!r} is a criterion declared later", _EARLIER)
        if word not in self.allowed:
            close = difflib.get_close_matches(word, [*self.allowed, *_KEYWORDS], n=3)
            hint = f" (did you mean {' or '.join(map(repr, close))}?)" if close else ""
            names = ", ".join(self.allowed) or "none"
            self.fail(tok.pos, f"unknown name {word!r}{hint}", f"names allowed here: {names}")
        self.names.add(word)
        return Name(word, self.allowed[word])


def _compute(node: Node, env: Mapping[str, Any]) -> Any:
    """Evaluate ``node`` vectorised over the arrays in ``env``."""
    match node:
        case Const(value=value):
            return np.asarray(value)
        case Name(name=name, boolean=boolean):
            return np.asarray(env[name]).astype(bool if boolean else np.float64, copy=False)
        case Apply(op=op, args=(operand,)):
            return _UFUNCS[op](_compute(operand, env))
        case Apply(op=op, args=(left, right)):  # no comprehension: one frame per level
            return _UFUNCS[op](_compute(left, env), _compute(right, env))
        case Compare(operands=operands, ops=ops):
            values = [_compute(operand, env) for operand in operands]
            result = _UFUNCS[ops[0]](values[0], values[1])
            for k in range(1, len(ops)):
                result = np.logical_and(result, _UFUNCS[ops[k]](values[k], values[k + 1]))
            return result
    raise TypeError(f"not a criterion node: {node!r}")  # pragma: no cover


@dataclass(frozen=True)
class Criterion:
    """One compiled failure criterion: its name, source text, the output columns and earlier
    criteria it refers to (``names``), and its parsed, type-checked ``tree``."""

    name: str
    expression: str
    names: frozenset[str]
    tree: Node = field(repr=False, compare=False)

    def evaluate(self, columns: Mapping[str, Any]) -> NDArray[np.bool_]:
        """Evaluate the criterion on every trial.

        Parameters
        ----------
        columns
            Output columns and earlier criteria, each a 1-D array (all of one length) or a
            scalar (broadcast); must hold every name in :attr:`names`.

        Returns
        -------
        numpy.ndarray
            One boolean per trial (0-d if no array is given at all).
        """
        if missing := sorted(self.names - set(columns)):
            raise KeyError(f"criterion {self.name!r} needs columns {missing}")
        used = {np.shape(columns[n]) for n in self.names} - {()}
        every = [np.shape(v) for v in columns.values() if np.ndim(v) == 1]
        if len(used) > 1 or any(len(s) != 1 for s in used):
            raise ValueError(f"criterion {self.name!r}: columns must be 1-D of one length")
        shape = next(iter(used)) if used else (every[0] if every else ())
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            result = np.asarray(_compute(self.tree, columns), dtype=bool)
        return np.broadcast_to(result, shape).copy()


def compile_criteria(
    criteria: Mapping[str, str],
    outputs: Mapping[str, bool] | Collection[str],
    *,
    field_prefix: str = "criteria",
) -> dict[str, Criterion]:
    """Parse and check every criterion.

    Parameters
    ----------
    criteria
        ``{name: expression}`` in declaration order; each may refer to earlier ones.
    outputs
        Output column names: a mapping to ``True`` for boolean columns and ``False`` for
        numeric ones, or a collection of names (only ``abandoned``/``rescued`` boolean).
    field_prefix
        Dotted path of the criteria table, used in error messages.

    Returns
    -------
    dict[str, Criterion]
        The compiled criteria, in declaration order.

    Raises
    ------
    CriterionError
        A bad name, or an expression that does not parse or type-check.
    """
    if isinstance(outputs, Mapping):
        kinds = {str(k): bool(v) for k, v in outputs.items()}
    else:
        kinds = {str(k): k in DEFAULT_BOOLEAN_OUTPUTS for k in outputs}
    compiled: dict[str, Criterion] = {}
    for name, expression in criteria.items():
        path = f"{field_prefix}.{name}"
        if not _CRITERION_NAME.fullmatch(str(name)) or name in _RESERVED:
            raise CriterionError(path, name, "a name must match [a-z][a-z0-9_]*, not a keyword")
        if name in kinds:
            raise CriterionError(path, name, "an output column has this name; choose another")
        if not isinstance(expression, str):
            raise CriterionError(path, expression, "a criterion must be a string expression")
        allowed = kinds | dict.fromkeys(compiled, True)
        later = set(criteria) - set(compiled) - {name}
        parser = _Parser(path, name, expression, allowed, later)
        tree = parser.run()
        compiled[name] = Criterion(name, expression, frozenset(parser.names), tree)
    return compiled


def evaluate_criteria(
    compiled: Mapping[str, Criterion], columns: Mapping[str, Any]
) -> dict[str, NDArray[np.bool_]]:
    """Evaluate criteria in order, each seeing the results of the earlier ones.

    Parameters
    ----------
    compiled
        The result of :func:`compile_criteria`.
    columns
        Output columns, each a 1-D array of one length per trial.

    Returns
    -------
    dict[str, numpy.ndarray]
        ``{name: boolean array}`` in declaration order (stored by the caller as ``fail_<name>``).
    """
    env = dict(columns)
    results: dict[str, NDArray[np.bool_]] = {}
    for name, criterion in compiled.items():
        results[name] = env[name] = criterion.evaluate(env)
    return results
