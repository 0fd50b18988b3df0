"""The import layering, read from the source with ``ast`` (issue 10 item 7): every import counts,
including those under ``if TYPE_CHECKING:`` and inside functions, since a circle that only type
checkers see still ties two parts together.

:func:`import_graph` groups a package's modules into parts (a subpackage, or a module at the
package's top) and links part A → part B when some module of A imports one of B. The policies
package must have no circle among its parts; the graph is generic so that the project-wide import
contract can be built on it.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"


def _imported(tree: ast.AST, module: str, is_package: bool) -> set[str]:
    """Every module name an import statement in ``tree`` refers to, made absolute. ``from a import b``
    yields both ``a`` and ``a.b`` (b may be a submodule)."""
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[: len(base) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            out.add(name)
            out.update(f"{name}.{a.name}" for a in node.names)
    return out


def import_graph(package: str, src: Path = SRC) -> dict[str, set[str]]:
    """Part → the other parts it imports, for the parts of ``package`` (``"onewindow.policies"``): a
    part is the first name below the package (``rules`` for ``onewindow.policies.rules.parser``).
    Imports of the package itself (its ``__init__``) are not a part."""
    root = src.joinpath(*package.split("."))
    graph: dict[str, set[str]] = {}
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).with_suffix("").parts
        if rel == ("__init__",):
            continue
        part = rel[0]
        dotted = ".".join((package, *(rel[:-1] if rel[-1] == "__init__" else rel)))
        imported = _imported(ast.parse(path.read_text(encoding="utf-8")), dotted, rel[-1] == "__init__")
        targets = graph.setdefault(part, set())
        for name in imported:
            if name.startswith(package + "."):
                other = name[len(package) + 1:].split(".")[0]
                if other != part:
                    targets.add(other)
    return graph


def cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """The circles of ``graph``, each as a path that starts and ends at the same part (one per
    strongly connected group of parts, found by depth-first search)."""
    found: list[list[str]] = []
    seen: set[str] = set()
    in_circle: set[str] = set()

    def visit(node: str, path: list[str]) -> None:
        if node in path:
            circle = path[path.index(node):] + [node]
            if not in_circle.intersection(circle):
                found.append(circle)
                in_circle.update(circle)
            return
        if node in seen:
            return
        seen.add(node)
        for nxt in sorted(graph.get(node, ())):
            visit(nxt, [*path, node])

    for node in sorted(graph):
        visit(node, [])
    return found


def test_cycles_finds_a_circle_also_through_a_third_part():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": set(), "c": {"a", "b"}}) == []


def test_import_graph_counts_type_checking_and_function_imports(tmp_path):
    pkg = tmp_path / "demo_pkg"
    (pkg / "low").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "low" / "__init__.py").write_text("")
    (pkg / "low" / "one.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..high import Thing\n")
    (pkg / "high.py").write_text("def f():\n    from demo_pkg.low import one\n")
    graph = import_graph("demo_pkg", src=tmp_path)
    assert graph == {"low": {"high"}, "high": {"low"}}
    assert cycles(graph) == [["high", "low", "high"]]


def test_issue10_policies_parts_import_one_way():
    graph = import_graph("onewindow.policies")
    assert {"rules", "engine", "library", "matching", "disbursement", "pages"} <= set(graph)
    assert cycles(graph) == []
    # The rule language is the bottom layer: it uses nothing else of the package.
    assert graph["rules"] == set()
    assert graph["engine"] == {"rules"}
