"""The layout of the built-in SHACL engine: a registry of components, one-way imports, the store behind the graph.

Its results are checked against pyshacl in test_shacl_core.py; these tests keep its structure.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT

from kg.graph import KnowledgeGraph
from kg.namespaces import SH

ENGINE = sorted((ROOT / "kg" / "shacl").glob("*.py"))

#: The constraint components of SHACL Core the engine evaluates.
CORE = ("class datatype nodeKind minCount maxCount minInclusive maxInclusive minExclusive maxExclusive minLength "
        "maxLength pattern languageIn uniqueLang in hasValue node property not and or xone closed").split()


def kg_imports(path: Path) -> set[str]:
    """The kg modules ``path`` imports, at the top or inside functions."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("kg"):
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)  # from kg.shacl import engine
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("kg"))
    return found


def test_the_shacl_modules_import_each_other_one_way() -> None:
    modules = {"kg.shacl" if p.stem == "__init__" else f"kg.shacl.{p.stem}": p for p in ENGINE}
    deps = {m: kg_imports(p) & set(modules) for m, p in modules.items()}

    def reached(start: str) -> set[str]:
        seen: set[str] = set()
        todo = [start]
        while todo:
            for d in deps[todo.pop()] - seen:
                seen.add(d)
                todo.append(d)
        return seen

    cycles = [m for m in modules if m in reached(m)]
    assert not cycles, {m: deps[m] for m in cycles}
    assert "kg.shacl" not in set().union(*(deps[m] for m in modules if m != "kg.shacl"))


def test_the_engine_reaches_the_store_only_through_the_graph() -> None:
    for path in ENGINE:
        assert "_store" not in path.read_text(encoding="utf-8"), path.name


def test_every_core_component_is_registered_under_its_iri() -> None:
    from kg.shacl.engine import COMPONENTS, SUPPORTED

    assert all(iri == comp.iri for iri, comp in COMPONENTS.items())
    assert {comp.name for comp in COMPONENTS.values()} == set(CORE)
    assert {SH + p for comp in COMPONENTS.values() for p in comp.parameters} <= SUPPORTED


SHAPE = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <https://example.org/s#> .
@prefix kgo: <https://w3id.org/coprod-kg/ontology#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
ex:Sources a sh:NodeShape ; sh:targetClass kgo:Person ;
    sh:property [ sh:path prov:wasDerivedFrom ; sh:exampleLiteral true ] .
"""


def test_a_component_is_one_registered_class(graph: KnowledgeGraph, tmp_path: Path) -> None:
    """A made-up component (the values are literals) is read, compiled and reported once registered."""
    from kg.shacl.engine import COMPONENTS, Component, Reader, ShapesError, ValueConstraint, register, results

    class ExampleLiteral(Component):
        name = "exampleLiteral"

        def read(self, reader: Reader, shape: Any) -> None:
            if reader.boolean(shape.node, SH + self.name):
                shape.values.append(ValueConstraint(self, None))

        def condition(self, compiler: Any, arg: Any, x: str, stack: Any) -> str:
            return f"isLiteral({x})"

        def message(self, arg: Any, value: Any) -> str:
            return "Value is not a literal"

    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(SHAPE, encoding="utf-8")
    with pytest.raises(ShapesError, match="sh:exampleLiteral"):
        results(graph, shapes)
    comp = register(ExampleLiteral())
    try:
        found = results(graph, shapes)
    finally:
        del COMPONENTS[comp.iri]
    assert found and {r.component for r in found} == {SH + "ExampleLiteralConstraintComponent"}
    assert {r.message for r in found} == {"Value is not a literal"}
