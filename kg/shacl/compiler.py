"""Compiling shapes into SPARQL boolean expressions on a node variable (never raising SPARQL errors).

The constraint components (:mod:`kg.shacl.components`) give the expression of each constraint; this
module gives what they share: the class closure of the data graph, SHACL instances, checked regular
expressions and conformance to a whole shape, which nested shapes (sh:node, sh:or ...) are made of.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable

import pyoxigraph as ox

from kg.graph import KnowledgeGraph
from kg.shacl.components import COMPONENTS
from kg.shacl.model import RDF_TYPE, Shape, ShapesError, ValueConstraint, name_of
from kg.shacl.shapes import ShapesGraph


class Compiler:
    """Turns constraints into SPARQL boolean expressions on a node variable (never raising errors)."""

    def __init__(self, subclasses: dict[str, set[str]], graph: KnowledgeGraph, shapes: ShapesGraph) -> None:
        self._subclasses = subclasses  # class -> its direct subclasses in the data graph
        self._closures: dict[str, list[str]] = {}
        self._counter = itertools.count()
        self._graph = graph
        self._shapes = shapes
        self._checked_patterns: set[tuple[str, str]] = set()

    def fresh(self) -> str:
        """A variable name not used before."""
        return f"?_{next(self._counter)}"

    def unsupported(self, message: str) -> ShapesError:
        """The error naming something the built-in validator does not evaluate."""
        return self._shapes.unsupported(message)

    def closure(self, cls: str) -> list[str]:
        """``cls`` and all its subclasses (rdfs:subClassOf* in the data graph), sorted."""
        if cls not in self._closures:
            seen = {cls}
            todo = [cls]
            while todo:
                for sub in self._subclasses.get(todo.pop(), ()):
                    if sub not in seen:
                        seen.add(sub)
                        todo.append(sub)
            self._closures[cls] = sorted(seen)
        return self._closures[cls]

    def class_values(self, classes: Iterable[str]) -> list[str]:
        """The classes and all their subclasses, sorted."""
        return sorted({c for cls in classes for c in self.closure(cls)})

    def instance_of(self, x: str, classes: Iterable[str]) -> str:
        """True when ``x`` is a SHACL instance of one of ``classes``. The closure is spelled out: a
        property path (rdf:type/rdfs:subClassOf*) would be evaluated again for every row."""
        closure = self.class_values(classes)
        if len(closure) == 1:
            return f"EXISTS {{ {x} <{RDF_TYPE}> <{closure[0]}> }}"
        t = self.fresh()
        # FILTER IN is twice as fast as VALUES inside a per-row EXISTS on Oxigraph 0.5.
        return f"EXISTS {{ {x} <{RDF_TYPE}> {t} . FILTER({t} IN ({', '.join(f'<{c}>' for c in closure)})) }}"

    def check_pattern(self, regex: str, flags: str) -> None:
        """Refuse a sh:pattern Oxigraph cannot evaluate (in SPARQL, a bad one would fail every value)."""
        if (regex, flags) in self._checked_patterns:
            return
        query = f"SELECT (REGEX(\"\", {ox.Literal(regex)}, {ox.Literal(flags)}) AS ?ok) WHERE {{}}"
        try:
            rows = list(self._graph.solutions(query))
        except SyntaxError as exc:
            raise self._shapes.error(f"the sh:pattern {regex!r} cannot be used: {exc}") from exc
        if not rows or rows[0]["ok"] is None:
            raise self._shapes.unsupported(f"the sh:pattern {regex!r} (flags {flags!r}) is not a regular expression "
                                           "Oxigraph understands")
        self._checked_patterns.add((regex, flags))

    def condition(self, c: ValueConstraint, x: str, stack: tuple[Shape, ...]) -> str:
        """A SPARQL expression, true when the node in ``x`` satisfies ``c`` (false, never an error, if not)."""
        return c.component.condition(self, c.arg, x, stack)

    def distinct_values(self, x: str, path: str, n: int) -> str:
        """A pattern binding ``n`` pairwise different values of ``path`` from ``x``."""
        names = [self.fresh() for _ in range(n)]
        triples = " ".join(f"{x} {path} {v} ." for v in names)
        differ = " && ".join(f"!sameTerm({a}, {b})" for a, b in itertools.combinations(names, 2))
        return triples + (f" FILTER({differ})" if differ else "")

    def conforms(self, shape: Shape, x: str, stack: tuple[Shape, ...] = ()) -> str:
        """A SPARQL expression, true when the node in ``x`` conforms to ``shape``."""
        if shape in stack:
            raise self._shapes.error(f"the shape {name_of(shape.node)} refers to itself (recursive shapes are "
                                     "undefined in SHACL)")
        if shape.deactivated:
            return "true"
        stack = (*stack, shape)
        parts: list[str] = []
        if shape.path is None:
            parts += [self.condition(c, x, stack) for c in shape.values]
        elif shape.values:
            v = self.fresh()
            ok = " && ".join(self.condition(c, v, stack) for c in shape.values)
            parts.append(f"NOT EXISTS {{ {x} {shape.path} {v} . FILTER(!({ok})) }}")
        for comp in COMPONENTS.values():
            parts += comp.nested(self, shape, x, stack)
        return "(" + " && ".join(parts) + ")" if parts else "true"
