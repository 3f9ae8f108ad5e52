"""SHACL Core validation run as SPARQL on the embedded Oxigraph store.

pyshacl (:func:`kg.shacl.check_shapes`) copies the graph into rdflib and checks every focus node
in Python: 25-50 s at 100k triples. This validator compiles each shape into a few SPARQL queries
that Oxigraph answers for all focus nodes at once, returning only what is broken (about 1.5 s for
the project's shapes at a million triples; see :class:`~kg.shacl.validator.Validator` for the plan):

* the focus nodes of a shape are one graph pattern (its targets; sh:targetClass follows
  rdfs:subClassOf* in the data graph through a class closure computed once in Python, never as a
  property path evaluated again for every row);
* a *focus pass* per shape walks its focus nodes once for the constraints on the node itself and
  the counts, sh:uniqueLang and sh:hasValue of its property shapes;
* a *value pass* per property shape checks its value constraints (sh:class, sh:datatype,
  sh:nodeKind, sh:pattern, sh:in, ranges, lengths, sh:node, sh:or ...) once per distinct value, each
  a boolean SPARQL expression, and joins the bad values back to their focus nodes;
* nested shapes (sh:node, sh:or, sh:and, sh:xone, sh:not) are compiled into the same expressions:
  conformance of a node to a shape is itself a boolean expression (EXISTS patterns on the node).
  Like pyshacl, a node that breaks sh:node is also validated against that shape, and those results
  (pyshacl's sh:detail) are reported too.

Supported: targets sh:targetClass, sh:targetNode, sh:targetSubjectsOf, sh:targetObjectsOf and
implicit class targets; sh:path as a predicate or a SPARQL-expressible path (sequence, inverse,
alternative, zero-or-more, one-or-more, zero-or-one); the constraints sh:class, sh:datatype,
sh:nodeKind, sh:minCount, sh:maxCount, sh:minInclusive, sh:maxInclusive, sh:minExclusive,
sh:maxExclusive, sh:minLength, sh:maxLength, sh:pattern (with sh:flags), sh:languageIn,
sh:uniqueLang, sh:in, sh:hasValue, sh:node, sh:property, sh:not, sh:and, sh:or, sh:xone and
sh:closed (with sh:ignoredProperties); sh:message, sh:severity (only violations are reported, as
:func:`kg.shacl.check_shapes` does) and sh:deactivated. Anything else of the SHACL vocabulary in
the shapes file (SHACL-SPARQL, property pairs, qualified value shapes, rules ...) is refused with
:class:`ShapesError` naming it, never silently ignored.

This module is the engine's entry; the engine is layered, each module importing only those before it:
:mod:`kg.shacl.model` (shapes, constraints, results, the base of a constraint component),
:mod:`kg.shacl.shape_components` and :mod:`kg.shacl.components` (one class per constraint component,
and the registry of them all), :mod:`kg.shacl.shapes` (reading the shapes file),
:mod:`kg.shacl.compiler` (constraints as SPARQL expressions) and :mod:`kg.shacl.validator` (the
queries and their rounds). It reaches the store only through :meth:`kg.graph.KnowledgeGraph.solutions`.

Known differences from pyshacl, none of which the project's data can produce: Oxigraph stores
numbers and dates in canonical form, so sh:pattern sees ``"1"`` for ``"01"^^xsd:integer``; ill-typed
``xsd:gYear``/``xsd:gYearMonth`` literals fail sh:datatype here (as the SHACL spec says) while rdflib
accepts them; sh:pattern uses Oxigraph's regular expressions (XPath syntax), pyshacl Python's.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from kg.errors import Problem
from kg.graph import KnowledgeGraph
from kg.shacl.components import COMPONENTS, register
from kg.shacl.model import Compiling, Component, Reader, Result, Shape, ShapesError, ValueConstraint
from kg.shacl.problems import located_problem, unreadable_shapes
from kg.shacl.shapes import SUPPORTED, ShapesGraph, read_shapes
from kg.shacl.validator import Validator

__all__ = [
    "COMPONENTS",
    "SUPPORTED",
    "Compiling",
    "Component",
    "Reader",
    "Result",
    "Shape",
    "ShapesError",
    "ShapesGraph",
    "Validator",
    "ValueConstraint",
    "read_shapes",
    "register",
    "results",
    "validate",
]


def results(graph: KnowledgeGraph, shapes_path: Path, display: str = "", *,
            threads: int | None = None) -> list[Result]:
    """The SHACL violations of ``graph`` against the shapes file, as results."""
    shapes = read_shapes(shapes_path, display or str(shapes_path))
    return Validator(graph, shapes).run(threads)


def validate(graph: KnowledgeGraph, shapes_path: Path, display: str, extra: str = "") -> list[Problem]:
    """The SHACL violations of ``graph`` against the shapes file, as located problems (sorted).

    The same problems as :func:`kg.shacl.check_shapes` (pyshacl), in a fraction of the time.
    Raises :class:`ShapesError` when the shapes use something this validator does not evaluate.
    ``extra`` is Turtle text of more shapes (:func:`kg.schema_views.field_shapes`).
    """
    try:
        shapes = read_shapes(shapes_path, display, extra)
    except (SyntaxError, OSError) as exc:
        return [unreadable_shapes(display, exc)]
    found = Validator(graph, shapes).run()
    return sorted(located_problem(graph, display, focus=r.focus.value,
                                  path=r.path.value if isinstance(r.path, ox.NamedNode) else None,
                                  message=r.message, value=r.value.value if r.value is not None else None,
                                  shape=r.shape.value if isinstance(r.shape, ox.NamedNode) else None)
                  for r in found)
