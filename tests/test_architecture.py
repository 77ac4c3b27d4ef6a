"""The package's folders are its architecture: dependencies point one way, no import circle.

Layers, from the bottom: errors and streams; distributions; the scenario language;
the model, statistics and the simpy reference; the engine; analyses and report; the
command line. A module may import its own package and any lower layer, never a higher
one nor a sibling package of its own layer. Imports inside functions count too.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "simcrm"

LAYERS = {
    "errors": 0,
    "streams": 0,
    "distributions": 1,
    "scenario": 2,
    "model": 3,
    "stats": 3,
    "reference": 3,
    "engine": 4,
    "analyses": 5,
    "report": 5,
    "cli": 6,
    "__init__": 7,
    "__main__": 7,
}
"""Rank of each top-level part of the package."""


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> Iterator[str]:
    """Every simcrm module ``path`` imports, wherever the import statement stands."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names if a.name.startswith("simcrm"))
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}: relative import (the package uses absolute ones)"
            base = node.module or ""
            if base.startswith("simcrm"):
                for alias in node.names:
                    candidate = f"{base}.{alias.name}"
                    yield candidate if _exists(candidate) else base


def _exists(name: str) -> bool:
    relative = Path(*name.split("."))
    return (ROOT / relative).with_suffix(".py").is_file() or (
        ROOT / relative / "__init__.py"
    ).is_file()


def part(name: str) -> str:
    """``simcrm.engine.run`` → ``engine``; ``simcrm`` → ``__init__``."""
    pieces = name.split(".")
    return pieces[1] if len(pieces) > 1 else "__init__"


GRAPH = {
    module_name(p): sorted(set(imports(p)) - {module_name(p)})
    for p in sorted(PACKAGE.rglob("*.py"))
}


def test_every_part_has_a_layer() -> None:
    assert {part(m) for m in GRAPH} <= set(LAYERS)


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_dependencies_point_down(module: str) -> None:
    mine = part(module)
    wrong = [
        target
        for target in GRAPH[module]
        if part(target) != mine and LAYERS[part(target)] >= LAYERS[mine]
    ]
    assert not wrong, f"{module} imports {wrong}: only lower layers ({LAYERS})"


def find_cycle(graph: dict[str, list[str]]) -> list[str] | None:
    """A cycle of ``graph`` (as a path that returns to its start), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in graph.get(node, []):
            if state.get(target) == 1:
                return [*stack[stack.index(target) :], target]
            if state.get(target) is None and (found := visit(target)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for module in graph:
        if module not in state and (found := visit(module)):
            return found
    return None


def test_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": ["b"], "b": ["c"], "c": ["a", "d"], "d": []}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": ["b"], "b": []}) is None


def test_no_import_circle() -> None:
    assert find_cycle(GRAPH) is None
