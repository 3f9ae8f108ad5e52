"""The shape of the package: no import cycle between modules of kg, imports inside functions included
(issue 18). A cycle hidden in a function import still ties two modules into one: neither can change,
be tested or be read alone."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
from conftest import ROOT


def module_names(root: Path) -> dict[str, Path]:
    """Every module of the package under ``root`` (``kg/``), by dotted name."""
    names = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        names[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return names


def import_graph(root: Path) -> nx.DiGraph:
    """Module -> module it imports, for every import statement anywhere in a module's body (in functions,
    in ``if TYPE_CHECKING:`` blocks), relative imports resolved. ``from a import b`` depends on the module
    ``a.b`` when there is one, else on ``a``; a module never depends on its own package by being in it."""
    modules = module_names(root)
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(parts + ([base] if base else []))
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
            else:
                continue
            graph.add_edges_from((name, target) for target in targets if target in modules and target != name)
    return graph


def test_no_import_cycle_between_modules_of_kg() -> None:
    cycles = sorted((c for c in nx.simple_cycles(import_graph(ROOT / "kg"))), key=len)
    shown = [" -> ".join([*cycle, cycle[0]]) for cycle in cycles[:5]]
    assert not cycles, f"{len(cycles)} import cycles, e.g.:\n" + "\n".join(shown)


def test_the_cycle_finder_sees_an_import_inside_a_function(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "sub" / "__init__.py").write_text("", encoding="utf-8")
    (package / "a.py").write_text("from pkg.sub import b\n", encoding="utf-8")
    (package / "sub" / "b.py").write_text("def f():\n    from .. import a\n", encoding="utf-8")
    (package / "c.py").write_text("import pkg.a\n", encoding="utf-8")
    graph = import_graph(package)
    assert sorted(graph.edges) == [("pkg.a", "pkg.sub.b"), ("pkg.c", "pkg.a"), ("pkg.sub.b", "pkg.a")]
    assert [sorted(cycle) for cycle in nx.simple_cycles(graph)] == [["pkg.a", "pkg.sub.b"]]
