"""The tree keeps its shape: no import cycle, every import follows the layer order that
``docs/architecture.md`` documents, and the list of functions allowed to be complex only shrinks.

The imports are read with :mod:`ast`, not by importing: an import inside a function counts (a
cycle hidden in a function is still a cycle); imports under ``if TYPE_CHECKING:`` do not, since
they never run.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "migstat"

# Each room (a sub-package or top-level module of migstat) and the rooms it may import; the same
# table stands in docs/architecture.md. Rooms the next issues add are listed already, so that
# their place is decided before their code: ``disclosure`` (statistical disclosure control: cell
# suppression), ``microdata`` (tabulating survey and census microdata), ``exchange`` (accounts,
# reporting rounds, submission, review, release, sharing agreements, audit).
MAY_IMPORT: dict[str, set[str]] = {
    "migstat": set(),
    "i18n": set(),
    "model": {"i18n"},
    "formats": {"i18n", "model"},
    "validation": {"i18n", "model"},
    "store": {"i18n", "model"},
    "disclosure": {"i18n", "model"},
    "sources": {"i18n", "model", "formats"},
    "analysis": {"i18n", "model", "formats", "store"},
    "mapping": {"i18n", "model", "formats", "sources", "store"},
    "microdata": {"i18n", "model", "formats", "validation", "disclosure"},
    "exchange": {"i18n", "model", "formats", "validation", "store", "disclosure", "analysis"},
    "columnar": {"i18n", "model", "validation", "store", "sources"},
    "importing": {
        "i18n",
        "model",
        "formats",
        "validation",
        "store",
        "sources",
        "mapping",
        "columnar",
    },
    "submitting": {"i18n", "model", "formats", "validation", "store", "sources", "mapping"},
    "api": {
        "migstat",
        "i18n",
        "model",
        "formats",
        "validation",
        "store",
        "disclosure",
        "sources",
        "analysis",
        "mapping",
        "microdata",
        "exchange",
        "columnar",
        "importing",
        "submitting",
    },
}
_BELOW_TOP = set(MAY_IMPORT)
MAY_IMPORT |= {
    "web": _BELOW_TOP,
    "cli": _BELOW_TOP | {"web"},
    "demo": _BELOW_TOP | {"cli"},
    # the `migstat` program: the CLI's command tree with the demo's command added
    "__main__": {"cli", "demo"},
}

# Functions whose cyclomatic complexity is over ruff's limit (``[tool.ruff.lint.mccabe]`` in
# pyproject.toml), each marked with ruff's C901 suppression comment on its ``def`` line. This
# list may only shrink: a new complex function is split instead, and ruff (RUF100) reports a
# mark no longer needed.
COMPLEXITY_EXCEPTIONS: set[str] = set()


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def room(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "migstat"


MODULES: dict[str, Path] = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _runtime_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node but those under ``if TYPE_CHECKING:``."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            stack.extend(node.orelse)
            continue
        yield node
        stack.extend(ast.iter_child_nodes(node))


def imports_of(module: str) -> Iterator[tuple[str, int]]:
    """The migstat modules ``module`` imports, with the line of each import."""
    path = MODULES[module]
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[: len(package) - node.level + 1] + ([base] if base else []))
            # ``from pkg import sub`` imports the module pkg.sub when there is one
            targets = [
                f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names
            ]
        else:
            continue
        for target in targets:
            if target in MODULES:
                yield target, node.lineno


GRAPH: dict[str, set[str]] = {m: {t for t, _ in imports_of(m)} - {m} for m in MODULES}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_every_room_is_documented() -> None:
    rooms = {room(m) for m in MODULES}
    missing = rooms - set(MAY_IMPORT)
    assert not missing, f"rooms missing from the layer table: {missing}"
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    undocumented = [r for r in MAY_IMPORT if r != "migstat" and f"migstat/{r}" not in doc]
    assert not undocumented, f"docs/architecture.md does not describe: {undocumented}"


def test_no_import_cycle() -> None:
    found = cycles(GRAPH)
    assert not found, "import cycles:\n" + "\n".join(" <-> ".join(c) for c in found)


def test_imports_follow_the_layers() -> None:
    wrong = [
        f"{MODULES[m].relative_to(ROOT)}:{line} imports {t} ({room(m)} may not import {room(t)})"
        for m in MODULES
        for t, line in imports_of(m)
        if room(t) != room(m) and room(t) not in MAY_IMPORT[room(m)]
    ]
    assert not wrong, "\n".join(wrong)


def test_no_module_is_too_long() -> None:
    long = {
        m: n
        for m, p in MODULES.items()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 600
    }
    assert not long, f"modules over 600 lines: {long}"


_NOQA_C901 = re.compile(r"^\s*(?:async\s+)?def\s+(\w+).*#\s*noqa:[^#]*\bC901\b")


def test_complexity_exceptions_only_shrink() -> None:
    marked = {
        f"{m}:{match.group(1)}"
        for m, p in MODULES.items()
        for line in p.read_text(encoding="utf-8").splitlines()
        if (match := _NOQA_C901.match(line))
    }
    assert marked - COMPLEXITY_EXCEPTIONS == set(), (
        "new functions marked as too complex; split them instead of marking them"
    )
    assert COMPLEXITY_EXCEPTIONS - marked == set(), (
        "listed exceptions no longer marked: remove them from COMPLEXITY_EXCEPTIONS"
    )


@pytest.mark.parametrize(
    "graph, expected",
    [
        ({"a": {"b"}, "b": {"a"}, "c": set()}, [["a", "b"]]),
        ({"a": {"b"}, "b": {"c"}, "c": set()}, []),
    ],
)
def test_the_cycle_finder_finds_cycles(
    graph: dict[str, set[str]], expected: list[list[str]]
) -> None:
    assert cycles(graph) == expected
