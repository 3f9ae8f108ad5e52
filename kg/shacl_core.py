"""SHACL Core validation run as SPARQL on the embedded Oxigraph store.

pyshacl (:func:`kg.shacl.check_shapes`) copies the graph into rdflib and checks every focus node
in Python: 25-50 s at 100k triples. This validator compiles each shape into a few SPARQL queries
that Oxigraph answers for all focus nodes at once, returning only what is broken (about 1.5 s for
the project's shapes at a million triples; see :class:`Validator` for the plan):

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

Known differences from pyshacl, none of which the project's data can produce: Oxigraph stores
numbers and dates in canonical form, so sh:pattern sees ``"1"`` for ``"01"^^xsd:integer``; ill-typed
``xsd:gYear``/``xsd:gYearMonth`` literals fail sh:datatype here (as the SHACL spec says) while rdflib
accepts them; sh:pattern uses Oxigraph's regular expressions (XPath syntax), pyshacl Python's.
"""

from __future__ import annotations

import functools
import itertools
import os
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeAlias

import pyoxigraph as ox

from kg.errors import KgError, Problem
from kg.graph import KnowledgeGraph
from kg.namespaces import OWL, RDF, RDFS, SH, XSD, shorten

Term = ox.NamedNode | ox.BlankNode | ox.Literal

RDF_TYPE = RDF + "type"
RDF_FIRST = RDF + "first"
RDF_REST = RDF + "rest"
RDF_NIL = RDF + "nil"
RDF_LANGSTRING = RDF + "langString"
SH_VIOLATION = SH + "Violation"

#: The SHACL vocabulary this validator evaluates.
SUPPORTED = frozenset(SH + n for n in (
    "targetClass targetNode targetSubjectsOf targetObjectsOf property path inversePath alternativePath "
    "zeroOrMorePath oneOrMorePath zeroOrOnePath class datatype nodeKind minCount maxCount minInclusive "
    "maxInclusive minExclusive maxExclusive minLength maxLength pattern flags languageIn uniqueLang in "
    "hasValue node not and or xone closed ignoredProperties message severity deactivated").split())
#: SHACL terms that do not take part in validation (documentation, prefixes for SHACL-SPARQL, forms).
IGNORED = frozenset(SH + n for n in (
    "name description order group defaultValue declare prefixes prefix namespace").split())
#: Classes of the SHACL vocabulary a shapes graph may use with this validator.
KNOWN_TYPES = frozenset(SH + n for n in "NodeShape PropertyShape Shape PrefixDeclaration PropertyGroup".split())
NODE_KINDS = {SH + "IRI": "isIRI({x})", SH + "BlankNode": "isBlank({x})", SH + "Literal": "isLiteral({x})",
              SH + "BlankNodeOrIRI": "(isBlank({x}) || isIRI({x}))",
              SH + "BlankNodeOrLiteral": "(isBlank({x}) || isLiteral({x}))",
              SH + "IRIOrLiteral": "(isIRI({x}) || isLiteral({x}))"}
#: Datatypes whose lexical forms Oxigraph checks: a literal is well-typed when it casts to its own type.
CASTABLE = frozenset(XSD + n for n in (
    "integer decimal double float boolean date dateTime time gYear gYearMonth gMonthDay gDay gMonth "
    "duration dayTimeDuration yearMonthDuration").split())
RANGES = {"minInclusive": ">=", "maxInclusive": "<=", "minExclusive": ">", "maxExclusive": "<"}
#: The largest sh:minCount/sh:maxCount inside a nested shape (compiled to that many joined values).
MAX_NESTED_COUNT = 8


class ShapesError(KgError):
    """The shapes file uses something this validator cannot evaluate, or uses SHACL wrongly."""


def true(term: Term | None) -> bool:
    """Whether a SPARQL answer is the boolean true."""
    return isinstance(term, ox.Literal) and term.value == "true"


@functools.cache
def component(name: str) -> str:
    """The IRI of the SHACL constraint component for a parameter name (``minCount`` ...)."""
    return f"{SH}{name[0].upper()}{name[1:]}ConstraintComponent"


@dataclass(frozen=True)
class Result:
    """One validation result, as pyshacl reports it in its results graph."""

    focus: Term
    path: Term | None  # the sh:path of a property shape (an IRI for a predicate path), None for a node shape
    value: Term | None
    component: str  # IRI of the constraint component
    shape: Term  # the source shape (node of the shapes graph)
    message: str
    detail: str = ""  # tells apart results that differ only in what pyshacl leaves out (sh:uniqueLang's language)


@dataclass(frozen=True)
class ValueConstraint:
    """A constraint that each value node must satisfy on its own, compiled to a boolean expression."""

    name: str  # the parameter: class, datatype, node, or ...
    arg: Any  # an IRI, a term, a number, a list of terms or of shapes, a (regex, flags) pair
    report_value: bool = True  # sh:hasValue on a node shape reports no value


@dataclass(eq=False)
class Shape:
    """A node or property shape, read from the shapes graph."""

    node: Term
    path: str | None = None  # SPARQL property path; None for a node shape
    path_node: Term | None = None
    values: list[ValueConstraint] = field(default_factory=list)
    min_counts: list[int] = field(default_factory=list)
    max_counts: list[int] = field(default_factory=list)
    unique_lang: bool = False
    has_values: list[Term] = field(default_factory=list)  # on a property shape
    closed: frozenset[str] | None = None
    properties: list[Shape] = field(default_factory=list)
    messages: list[ox.Literal] = field(default_factory=list)
    severity: str = SH_VIOLATION
    deactivated: bool = False
    target_classes: list[str] = field(default_factory=list)
    target_nodes: list[Term] = field(default_factory=list)
    subjects_of: list[str] = field(default_factory=list)
    objects_of: list[str] = field(default_factory=list)
    _message: str | None = None

    @property
    def has_targets(self) -> bool:
        return bool(self.target_classes or self.target_nodes or self.subjects_of or self.objects_of)

    @property
    def reported(self) -> bool:
        """Whether results of this shape's own constraints are reported (violations of an active shape)."""
        return self.severity == SH_VIOLATION and not self.deactivated

    def message(self, generic: str | Callable[[], str]) -> str:
        """The sh:message of the shape (English, else untagged, else the first), else ``generic`` (a
        callable is called only then: a million results must not format a million unused messages)."""
        if not self.messages:
            return generic() if callable(generic) else generic
        if self._message is None:
            ranked = sorted(self.messages, key=lambda m: (m.language != "en", m.language is not None, m.value))
            self._message = ranked[0].value
        return self._message


def sparql_term(term: Term) -> str:
    """An IRI or literal as SPARQL syntax (its N-Triples form); :meth:`ShapesGraph.comparable` has
    refused blank nodes, which cannot name a node of the data."""
    return str(term)


short = functools.lru_cache(maxsize=1 << 16)(shorten)


def name_of(term: Term | None) -> str:
    """A short readable name of a term for messages."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return short(term.value)
    return term.value if isinstance(term, ox.Literal) else f"_:{term.value}"


class ShapesGraph:
    """The shapes file: its triples by subject, its shapes, and the check that nothing is left unsupported."""

    def __init__(self, triples: Iterable[ox.Triple | ox.Quad], display: str) -> None:
        self.display = display
        self._out: dict[Term, dict[str, list[Term]]] = defaultdict(lambda: defaultdict(list))
        self._parent: dict[Term, Term] = {}  # blank node -> a subject that points to it
        for t in triples:
            s, o = t.subject, t.object
            if isinstance(s, ox.Triple) or isinstance(o, ox.Triple):
                raise self.unsupported(f"the shapes use a triple term (in {t}), which the built-in SHACL validator "
                                       "does not support")
            self._out[s][t.predicate.value].append(o)
            if isinstance(o, ox.BlankNode):
                self._parent.setdefault(o, s)
        self._shapes: dict[Term, Shape] = {}
        self._check_vocabulary()

    def error(self, message: str, hint: str = "fix the shape (SHACL: https://www.w3.org/TR/shacl/)") -> ShapesError:
        return ShapesError(message, hint, file=self.display)

    def unsupported(self, message: str) -> ShapesError:
        return self.error(message, "the built-in validator evaluates SHACL Core (see kg/shacl_core.py); pyshacl "
                          "evaluates more: kg.shacl.validate_shapes(..., engine=\"pyshacl\")")

    def where(self, node: Term) -> str:
        """A name for ``node`` in messages: its own, or that of the named shape it is part of."""
        seen = set()
        while isinstance(node, ox.BlankNode) and node in self._parent and node not in seen:
            seen.add(node)
            node = self._parent[node]
        return name_of(node) if isinstance(node, ox.NamedNode) else "a blank node"

    def _check_vocabulary(self) -> None:
        """Refuse the whole file, naming every SHACL term used that this validator does not evaluate."""
        unknown: dict[str, Term] = {}
        for s, props in self._out.items():
            for p, objects in props.items():
                if p.startswith(SH) and p not in SUPPORTED and p not in IGNORED:
                    unknown.setdefault(shorten(p), s)
                if p == RDF_TYPE:
                    for o in objects:
                        if isinstance(o, ox.NamedNode) and o.value.startswith(SH) and o.value not in KNOWN_TYPES:
                            unknown.setdefault(shorten(o.value), s)
        if unknown:
            names = ", ".join(f"{name} (in {self.where(unknown[name])})" for name in sorted(unknown))
            raise self.unsupported(f"the shapes use {names}, which the built-in SHACL validator does not support")

    def objects(self, s: Term, p: str) -> list[Term]:
        props = self._out.get(s)
        return list(props.get(p, ())) if props else []

    def one(self, s: Term, p: str) -> Term | None:
        values = self.objects(s, p)
        if len(values) > 1:
            raise self.error(f"{self.where(s)}: a node has {len(values)} values of {shorten(p)}; SHACL allows one")
        return values[0] if values else None

    def items(self, head: Term, what: str) -> list[Term]:
        """The members of an RDF list."""
        out: list[Term] = []
        node = head
        seen = set()
        while not (isinstance(node, ox.NamedNode) and node.value == RDF_NIL):
            first, rest = self.one(node, RDF_FIRST), self.one(node, RDF_REST)
            if first is None or rest is None or node in seen:
                raise self.error(f"the value of {what} is not a well-formed RDF list")
            seen.add(node)
            out.append(first)
            node = rest
        return out

    def top_level(self) -> list[Shape]:
        """Every shape with targets, in a stable order."""
        candidates = set()
        for s, props in self._out.items():
            if any(p in props for p in (SH + "targetClass", SH + "targetNode", SH + "targetSubjectsOf",
                                        SH + "targetObjectsOf")):
                candidates.add(s)
            types = {o.value for o in props.get(RDF_TYPE, ()) if isinstance(o, ox.NamedNode)}
            if types & {SH + "NodeShape", SH + "PropertyShape"} and types & {RDFS + "Class", OWL + "Class"}:
                candidates.add(s)
        shapes = [self.shape(s) for s in sorted(candidates, key=str)]
        return [s for s in shapes if s.has_targets]

    def shape(self, node: Term) -> Shape:
        """The shape at ``node`` (read once)."""
        if node in self._shapes:
            return self._shapes[node]
        shape = Shape(node)
        self._shapes[node] = shape
        try:
            self._read(shape)
        except ShapesError:
            del self._shapes[node]
            raise
        return shape

    def comparable(self, node: Term, value: Term, p: str) -> Term:
        """``value``, an IRI or a literal to find in the data (a blank node of the shapes file cannot be)."""
        if isinstance(value, ox.BlankNode):
            raise self.error(f"the sh:{p} in {self.where(node)} is a blank node, which cannot match data",
                             hint="use IRIs or literals")
        return value

    def _iri(self, node: Term, value: Term, p: str) -> str:
        if not isinstance(value, ox.NamedNode):
            raise self.error(f"the {shorten(p)} in {self.where(node)} must be an IRI, not {value}")
        return value.value

    def _int(self, node: Term, p: str) -> list[int]:
        out = []
        for v in self.objects(node, p):
            if not (isinstance(v, ox.Literal) and v.datatype.value == XSD + "integer"
                    and v.value.lstrip("+").isdigit()):
                raise self.error(f"the {shorten(p)} in {self.where(node)} must be a non-negative xsd:integer, "
                                 f"not {v}")
            out.append(int(v.value))
        return out

    def _bool(self, node: Term, p: str) -> bool:
        v = self.one(node, p)
        if v is None:
            return False
        if not (isinstance(v, ox.Literal) and v.datatype.value == XSD + "boolean" and v.value in ("true", "false",
                                                                                                    "1", "0")):
            raise self.error(f"the {shorten(p)} in {self.where(node)} must be an xsd:boolean, not {v}")
        return v.value in ("true", "1")

    def _read(self, shape: Shape) -> None:
        node = shape.node
        path = self.one(node, SH + "path")
        if path is not None:
            shape.path = self._path(path)
            shape.path_node = path
        shape.messages = [m for m in self.objects(node, SH + "message") if isinstance(m, ox.Literal)]
        severity = self.one(node, SH + "severity")
        if severity is not None:
            shape.severity = self._iri(node, severity, SH + "severity")
        shape.deactivated = self._bool(node, SH + "deactivated")
        shape.target_classes = [self._iri(node, c, SH + "targetClass") for c in self.objects(node, SH + "targetClass")]
        types = {o.value for o in self.objects(node, RDF_TYPE) if isinstance(o, ox.NamedNode)}
        if types & {RDFS + "Class", OWL + "Class"} and isinstance(node, ox.NamedNode):
            shape.target_classes.append(node.value)  # an implicit class target
        shape.target_nodes = [self.comparable(node, t, "targetNode") for t in self.objects(node, SH + "targetNode")]
        shape.subjects_of = [self._iri(node, p, SH + "targetSubjectsOf")
                             for p in self.objects(node, SH + "targetSubjectsOf")]
        shape.objects_of = [self._iri(node, p, SH + "targetObjectsOf")
                            for p in self.objects(node, SH + "targetObjectsOf")]

        for c in self.objects(node, SH + "class"):
            shape.values.append(ValueConstraint("class", self._iri(node, c, SH + "class")))
        for d in self.objects(node, SH + "datatype"):
            shape.values.append(ValueConstraint("datatype", self._iri(node, d, SH + "datatype")))
        for k in self.objects(node, SH + "nodeKind"):
            if not (isinstance(k, ox.NamedNode) and k.value in NODE_KINDS):
                raise self.error(f"the sh:nodeKind in {self.where(node)} must be one of the six SHACL node kinds, "
                                 f"not {k}")
            shape.values.append(ValueConstraint("nodeKind", k.value))
        for name in RANGES:
            for v in self.objects(node, SH + name):
                if not isinstance(v, ox.Literal):
                    raise self.error(f"the sh:{name} in {self.where(node)} must be a literal, not {v}")
                shape.values.append(ValueConstraint(name, v))
        for name in ("minLength", "maxLength"):
            for n in self._int(node, SH + name):
                shape.values.append(ValueConstraint(name, n))
        flags = self.one(node, SH + "flags")
        if flags is not None and not isinstance(flags, ox.Literal):
            raise self.error(f"the sh:flags in {self.where(node)} must be a string, not {flags}")
        for pattern in self.objects(node, SH + "pattern"):
            if not isinstance(pattern, ox.Literal):
                raise self.error(f"the sh:pattern in {self.where(node)} must be a string, not {pattern}")
            shape.values.append(ValueConstraint("pattern", (pattern.value, flags.value if flags is not None else "")))
        for head in self.objects(node, SH + "languageIn"):
            tags = self.items(head, "sh:languageIn")
            if not all(isinstance(t, ox.Literal) for t in tags):
                raise self.error(f"the sh:languageIn in {self.where(node)} must list strings")
            shape.values.append(ValueConstraint("languageIn", [t.value for t in tags]))
        for head in self.objects(node, SH + "in"):
            members = [self.comparable(node, m, "in") for m in self.items(head, "sh:in")]
            shape.values.append(ValueConstraint("in", members))
        for nested in self.objects(node, SH + "node"):
            shape.values.append(ValueConstraint("node", self.shape(nested)))
        for nested in self.objects(node, SH + "not"):
            shape.values.append(ValueConstraint("not", self.shape(nested)))
        for name in ("and", "or", "xone"):
            for head in self.objects(node, SH + name):
                shape.values.append(ValueConstraint(name, [self.shape(m) for m in self.items(head, f"sh:{name}")]))
        for hv in self.objects(node, SH + "hasValue"):
            self.comparable(node, hv, "hasValue")
            if shape.path is None:
                shape.values.append(ValueConstraint("hasValue", hv, report_value=False))
            else:
                shape.has_values.append(hv)

        shape.min_counts = self._int(node, SH + "minCount")
        shape.max_counts = self._int(node, SH + "maxCount")
        shape.unique_lang = self._bool(node, SH + "uniqueLang")
        if shape.path is None:
            for p in ("minCount", "maxCount", "uniqueLang"):
                if self.objects(node, SH + p):
                    raise self.error(f"{self.where(node)}: a shape with sh:{p} needs a sh:path")
        for prop_node in self.objects(node, SH + "property"):
            prop = self.shape(prop_node)
            if prop.path is None:
                raise self.error(f"{self.where(node)}: a sh:property has no sh:path")
            shape.properties.append(prop)
        if self._bool(node, SH + "closed"):
            allowed: set[str] = set()
            for prop in shape.properties:
                if isinstance(prop.path_node, ox.NamedNode):
                    allowed.add(prop.path_node.value)
            for head in self.objects(node, SH + "ignoredProperties"):
                allowed.update(self._iri(node, i, SH + "ignoredProperties")
                               for i in self.items(head, "sh:ignoredProperties"))
            shape.closed = frozenset(allowed)

    def _path(self, node: Term, depth: int = 0) -> str:
        """A SHACL property path as a SPARQL property path."""
        if depth > 50:
            raise self.error("a sh:path nests too deeply (a cycle?)")
        if isinstance(node, ox.NamedNode):
            return f"<{node.value}>"
        if isinstance(node, ox.BlankNode):
            if self.objects(node, RDF_FIRST):
                steps = self.items(node, "sh:path")
                if len(steps) < 2:
                    raise self.error("a sequence sh:path needs at least two steps")
                return "(" + "/".join(self._path(s, depth + 1) for s in steps) + ")"
            for p, template in (("inversePath", "^{}"), ("zeroOrMorePath", "{}*"), ("oneOrMorePath", "{}+"),
                                ("zeroOrOnePath", "{}?")):
                inner = self.one(node, SH + p)
                if inner is not None:
                    return "(" + template.format(self._path(inner, depth + 1)) + ")"
            alternatives = self.one(node, SH + "alternativePath")
            if alternatives is not None:
                members = self.items(alternatives, "sh:alternativePath")
                if len(members) < 2:
                    raise self.error("a sh:alternativePath needs at least two paths")
                return "(" + "|".join(self._path(m, depth + 1) for m in members) + ")"
        raise self.error(f"the sh:path {node} is not a SHACL property path")


class Compiler:
    """Turns constraints into SPARQL boolean expressions on a node variable (never raising errors)."""

    def __init__(self, subclasses: dict[str, set[str]], store: ox.Store, shapes: ShapesGraph) -> None:
        self._subclasses = subclasses  # class -> its direct subclasses in the data graph
        self._closures: dict[str, list[str]] = {}
        self._counter = itertools.count()
        self._store = store
        self._shapes = shapes
        self._checked_patterns: set[tuple[str, str]] = set()

    def fresh(self) -> str:
        return f"?_{next(self._counter)}"

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

    def _pattern_ok(self, regex: str, flags: str) -> None:
        if (regex, flags) in self._checked_patterns:
            return
        query = f"SELECT (REGEX(\"\", {ox.Literal(regex)}, {ox.Literal(flags)}) AS ?ok) WHERE {{}}"
        try:
            solutions = self._store.query(query)
            assert isinstance(solutions, ox.QuerySolutions)  # a SELECT
            rows = list(solutions)
        except SyntaxError as exc:
            raise self._shapes.error(f"the sh:pattern {regex!r} cannot be used: {exc}") from exc
        if not rows or rows[0]["ok"] is None:
            raise self._shapes.unsupported(f"the sh:pattern {regex!r} (flags {flags!r}) is not a regular expression "
                                           "Oxigraph understands")
        self._checked_patterns.add((regex, flags))

    @staticmethod
    def _only_class(shape: Shape) -> str | None:
        """The class when ``shape`` says nothing but sh:class C about a node, else None."""
        if (shape.path is None and not shape.deactivated and not shape.properties and shape.closed is None
                and len(shape.values) == 1 and shape.values[0].name == "class"):
            return str(shape.values[0].arg)
        return None

    def classes_of(self, c: ValueConstraint) -> list[str] | None:
        """The classes when ``c`` only asks for a SHACL instance of one of them (sh:class, or sh:or of
        shapes saying only sh:class), else None."""
        if c.name == "class":
            return [c.arg]
        if c.name == "or" and c.arg:
            classes = [self._only_class(s) for s in c.arg]
            if all(classes):
                return [k for k in classes if k]
        return None

    def condition(self, c: ValueConstraint, x: str, stack: tuple[Shape, ...]) -> str:
        """A SPARQL expression, true when the node in ``x`` satisfies ``c`` (false, never an error, if not)."""
        name, arg = c.name, c.arg
        classes = self.classes_of(c)
        if classes is not None:  # sh:or ([sh:class A] [sh:class B]) too: one type lookup, not one per class
            return self.instance_of(x, classes)
        if name == "datatype":
            if arg == RDF_LANGSTRING:
                return f"COALESCE(isLiteral({x}) && LANG({x}) != \"\", false)"
            if arg == RDFS + "Literal":  # as pyshacl: every literal
                return f"isLiteral({x})"
            expr = f"isLiteral({x}) && DATATYPE({x}) = <{arg}>"
            if arg in CASTABLE:  # ill-typed literals ("abc"^^xsd:integer) fail the cast to their own type
                expr += f" && isLiteral(<{arg}>({x}))"
            return f"COALESCE({expr}, false)"
        if name == "nodeKind":
            return NODE_KINDS[arg].format(x=x)
        if name in RANGES:
            return f"COALESCE({x} {RANGES[name]} {sparql_term(arg)}, false)"
        if name == "minLength":
            return f"COALESCE(!isBlank({x}) && STRLEN(STR({x})) >= {arg}, false)"
        if name == "maxLength":
            return f"COALESCE(!isBlank({x}) && STRLEN(STR({x})) <= {arg}, false)"
        if name == "pattern":
            regex, flags = arg
            self._pattern_ok(regex, flags)
            return f"COALESCE(!isBlank({x}) && REGEX(STR({x}), {ox.Literal(regex)}, {ox.Literal(flags)}), false)"
        if name == "languageIn":
            tests = " || ".join(f"langMatches(LANG({x}), {ox.Literal(tag)})" for tag in arg)
            return f"COALESCE(isLiteral({x}) && ({tests or 'false'}), false)"
        if name == "in":
            return "(" + (" || ".join(f"sameTerm({x}, {sparql_term(m)})" for m in arg) or "false") + ")"
        if name == "hasValue":
            return f"sameTerm({x}, {sparql_term(arg)})"
        if name == "node":
            return self.conforms(arg, x, stack)
        if name == "not":
            return f"!{self.conforms(arg, x, stack)}"
        if name == "and":
            return "(" + (" && ".join(self.conforms(s, x, stack) for s in arg) or "true") + ")"
        if name == "or":
            return "(" + (" || ".join(self.conforms(s, x, stack) for s in arg) or "false") + ")"
        if name == "xone":
            terms = " + ".join(f"IF({self.conforms(s, x, stack)}, 1, 0)" for s in arg)
            return f"(({terms or '0'}) = 1)"
        raise AssertionError(name)

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
        else:
            path = shape.path
            if shape.values:
                v = self.fresh()
                ok = " && ".join(self.condition(c, v, stack) for c in shape.values)
                parts.append(f"NOT EXISTS {{ {x} {path} {v} . FILTER(!({ok})) }}")
            for n in shape.min_counts:
                if n > MAX_NESTED_COUNT:
                    raise self._shapes.unsupported(f"a sh:minCount of {n} in a nested shape is not supported "
                                             f"({MAX_NESTED_COUNT} at most)")
                if n:
                    parts.append(f"EXISTS {{ {self.distinct_values(x, path, n)} }}")
            for n in shape.max_counts:
                if n > MAX_NESTED_COUNT:
                    raise self._shapes.unsupported(f"a sh:maxCount of {n} in a nested shape is not supported "
                                             f"({MAX_NESTED_COUNT} at most)")
                parts.append(f"NOT EXISTS {{ {self.distinct_values(x, path, n + 1)} }}")
            if shape.unique_lang:
                a, b = self.fresh(), self.fresh()
                parts.append(f"NOT EXISTS {{ {x} {path} {a} . {x} {path} {b} . FILTER(!sameTerm({a}, {b}) && "
                             f"isLiteral({a}) && LANG({a}) != \"\" && LCASE(LANG({a})) = LCASE(LANG({b}))) }}")
            for hv in shape.has_values:
                parts.append(f"EXISTS {{ {x} {path} {sparql_term(hv)} }}")
        if shape.closed is not None:
            p, o = self.fresh(), self.fresh()
            parts.append(f"NOT EXISTS {{ {x} {p} {o} . {closed_filter(shape, p)} }}")
        parts += [self.conforms(p, x, stack) for p in shape.properties]
        return "(" + " && ".join(parts) + ")" if parts else "true"



def closed_filter(shape: Shape, p: str) -> str:
    """The FILTER keeping the predicates a closed shape does not allow."""
    allowed = ", ".join(f"<{i}>" for i in sorted(shape.closed or ()))
    return f"FILTER({p} NOT IN ({allowed}))" if allowed else ""


def generic_message(c: ValueConstraint, value: Term | None = None) -> str:
    """A message in pyshacl's words, for shapes without sh:message."""
    name, arg = c.name, c.arg
    if name == "class":
        return f"Value does not have class {shorten(arg)}"
    if name == "datatype":
        return f"Value is not Literal with datatype {shorten(arg)}"
    if name == "nodeKind":
        return f"Value is not of Node Kind {shorten(arg)}"
    if name in ("minLength", "maxLength"):
        return f"String length not {'>=' if name == 'minLength' else '<='} {arg}"
    if name == "languageIn":
        return f"String language is not in {arg}"
    if name in RANGES:
        return f"Value is not {RANGES[name]} {name_of(arg)}"
    if name == "pattern":
        return f"Value does not match pattern '{arg[0]}'"
    if name == "in":
        return f"Value {name_of(value)} not in list {[name_of(m) for m in arg]}"
    if name == "hasValue":
        return f"Node does not have value {name_of(arg)}"
    if name == "node":
        return f"Value does not conform to Shape {name_of(arg.node)}. See details for more information."
    if name == "not":
        return f"Node {name_of(value)} must not conform to shape {name_of(arg.node)}"
    shapes = ", ".join(name_of(s.node) for s in arg)
    which = {"and": "all shapes", "or": "one or more shapes", "xone": "exactly one shape"}[name]
    return f"Node {name_of(value)} must conform to {which} in ({shapes})"


@dataclass
class Task:
    """One query and what turns its rows into results."""

    query: str
    handle: Callable[[list[ox.QuerySolution]], list[Result | Task | Detail]]  # results, or what to run next


@dataclass(frozen=True)
class Detail:
    """A node that broke sh:node ``shape``: pyshacl reports (as sh:detail) its own results against the
    shape too, and :func:`kg.shacl.check_shapes` lists them as problems."""

    shape: Shape
    node: Term
    outer: str  # the focus pattern the node was reached from
    path: str | None  # and the path from there, None for the focus node itself


class Validator:
    """Compiles the top-level shapes into queries over one store and runs them.

    Two kinds of queries, so that no constraint costs a per-row lookup it does not need:

    * a *focus pass* per shape: one walk over its focus nodes checking the constraints on the focus
      node itself and, for its property shapes, the usual counts (sh:minCount 1 and sh:maxCount 1, as
      OPTIONAL joins that bind only when broken), sh:uniqueLang and sh:hasValue;
    * a *value pass* per property shape with value constraints: those are functions of the value
      alone, so they are checked once per distinct value of the path (the 100k participations of a
      million triples have 45 distinct roles) and only the bad values are joined back to their focus
      nodes, by a second query. sh:class is a hash join with the instances of the class closure, not
      an EXISTS per row (6 µs each on Oxigraph 0.5).
    """

    #: Bad values joined back to their focus nodes through VALUES at most; beyond, one query re-checks every row.
    MAX_JOIN_BACK = 5000

    def __init__(self, store: ox.Store, shapes: ShapesGraph) -> None:
        self.store = store
        self.shapes = shapes
        subclasses: dict[str, set[str]] = defaultdict(set)
        for q in store.quads_for_pattern(None, ox.NamedNode(RDFS + "subClassOf"), None, ox.DefaultGraph()):
            if isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.NamedNode):
                subclasses[q.object.value].add(q.subject.value)
        self.compiler = Compiler(subclasses, store, shapes)

    def focus_pattern(self, shape: Shape) -> str:
        """A group pattern binding ``?this`` to each focus node of ``shape``.

        Class targets are a plain join (a node comes twice only if it has two types of the closure;
        every query deduplicates its answers): wrapping them in SELECT DISTINCT costs 60 % more.
        """
        branches = []
        if shape.target_classes:
            classes = self.compiler.class_values(shape.target_classes)
            if len(classes) == 1:
                branches.append(f"?this <{RDF_TYPE}> <{classes[0]}> .")
            else:
                branches.append(f"?this <{RDF_TYPE}> ?_tc . VALUES ?_tc {{ {' '.join(f'<{c}>' for c in classes)} }}")
        if shape.target_nodes:
            branches.append(f"VALUES ?this {{ {' '.join(sparql_term(n) for n in shape.target_nodes)} }}")
        for i, preds in enumerate((shape.subjects_of, shape.objects_of)):
            if preds:
                values = " ".join(f"<{p}>" for p in sorted(set(preds)))
                triple = "?this ?_tp ?_to ." if i == 0 else "?_ts ?_tp ?this ."
                branches.append(f"{triple} VALUES ?_tp {{ {values} }}")
        if len(branches) == 1 and shape.target_classes:
            return branches[0]
        union = " UNION ".join(f"{{ {b} }}" for b in branches)
        return f"{{ SELECT DISTINCT ?this WHERE {{ {union} }} }}"

    def tasks(self) -> list[Task]:
        """The queries of every top-level shape."""
        out: list[Task] = []
        for shape in self.shapes.top_level():
            self.shape_tasks(shape, self.focus_pattern(shape), out)
        return out

    def shape_tasks(self, shape: Shape, focus: str, out: list[Task]) -> None:
        """The queries validating the focus nodes bound by the pattern ``focus`` against ``shape``."""
        if shape.deactivated:
            return
        props = [p for p in shape.properties if p.reported] if shape.path is None else []
        if shape.path is not None and shape.reported:
            props = [shape]
        self._focus_task(shape, focus, props, out)
        for prop in props:
            self._value_tasks(prop, focus, out)
            if not (all(n <= 1 for n in prop.min_counts) and all(n == 1 for n in prop.max_counts)):
                self._count_task(prop, focus, out)
        if shape.path is None and shape.reported and shape.closed is not None:
            query = f"SELECT DISTINCT ?this ?p ?o WHERE {{ {focus} ?this ?p ?o . {closed_filter(shape, '?p')} }}"
            out.append(Task(query, lambda rows: [
                Result(r["this"], r["p"], r["o"], component("closed"), shape.node, shape.message(
                    f"Node {name_of(r['this'])} is closed. It cannot have value: {name_of(r['o'])}"))
                for r in rows]))

    def detail_focus(self, shape: Shape, nodes: set[Term], outer: str, path: str | None) -> str:
        """A focus pattern for the ``nodes`` that broke sh:node ``shape`` as values of ``path`` from the
        focus nodes of ``outer`` (of those focus nodes themselves when ``path`` is None)."""
        if len(nodes) <= self.MAX_JOIN_BACK and not any(isinstance(n, ox.BlankNode) for n in nodes):
            return f"VALUES ?this {{ {' '.join(str(n) for n in sorted(nodes, key=str))} }}"
        values = f"?_o {path} ?this ." if path is not None else "BIND(?_o AS ?this)"
        return (f"{{ SELECT DISTINCT ?this WHERE {{ {{ SELECT (?this AS ?_o) WHERE {{ {outer} }} }} {values} "
                f"FILTER(!{self.compiler.conforms(shape, '?this')}) }} }}")

    def _result(self, shape: Shape, focus: Term, value: Term | None, name: str, generic: str | Callable[[], str],
                detail: str = "") -> Result:
        return Result(focus, shape.path_node, value, component(name), shape.node, shape.message(generic), detail)

    @staticmethod
    def _details(c: ValueConstraint, node: Term, focus: str, path: str | None) -> list[Detail]:
        return [Detail(c.arg, node, focus, path)] if c.name == "node" else []

    @staticmethod
    def _count_message(shape: Shape, focus: Term, which: str, n: int) -> Callable[[], str]:
        return lambda: f"{which} than {n} values on {name_of(focus)}->{name_of(shape.path_node)}"

    def _focus_task(self, shape: Shape, focus: str, props: list[Shape], out: list[Task]) -> None:
        """The focus pass: node constraints of ``shape`` (if a node shape) and, for ``props``,
        sh:minCount 1, sh:maxCount 1, sh:uniqueLang and sh:hasValue; each binds a variable only when broken."""
        Row: TypeAlias = ox.QuerySolution
        parts: list[str] = []
        # (the failure test in SPARQL, the same test on an answer row, the results of a failure)
        checks: list[tuple[str, Callable[[Row], bool], Callable[[Row], list[Result | Detail]]]] = []

        def unbound(var: str) -> Callable[[Row], bool]:
            return lambda row: row[var] is None

        def bound(var: str) -> Callable[[Row], bool]:
            return lambda row: row[var] is not None

        def false(var: str) -> Callable[[Row], bool]:
            return lambda row: not true(row[var])

        def node_results(c: ValueConstraint) -> Callable[[Row], list[Result | Detail]]:
            return lambda row: [self._result(shape, row["this"], row["this"] if c.report_value else None, c.name,
                                             lambda: generic_message(c, row["this"])),
                                *self._details(c, row["this"], focus, None)]

        def count_results(p: Shape, name: str) -> Callable[[Row], list[Result | Detail]]:
            which = "Less" if name == "minCount" else "More"
            return lambda row: [self._result(p, row["this"], None, name, self._count_message(p, row["this"], which, 1))]

        def unique_lang_results(p: Shape, j: int) -> Callable[[Row], list[Result | Detail]]:
            return lambda row: [self._result(
                p, row["this"], None, "uniqueLang", "More than one String shares the same Language",
                detail=(row[f"u{j}"].language or "").lower())]

        def has_value_results(p: Shape, hv: Term) -> Callable[[Row], list[Result | Detail]]:
            return lambda row: [self._result(
                p, row["this"], None, "hasValue", lambda: f"Node {name_of(row['this'])}->{name_of(p.path_node)} "
                f"does not contain a value in the set: {name_of(hv)}")]

        if shape.path is None and shape.reported:
            for i, c in enumerate(shape.values):
                parts.append(f"BIND({self.compiler.condition(c, '?this', (shape,))} AS ?n{i})")
                checks.append((f"!?n{i}", false(f"n{i}"), node_results(c)))
        for j, prop in enumerate(props):
            path = prop.path
            min1 = any(n == 1 for n in prop.min_counts) and all(n <= 1 for n in prop.min_counts)
            max1 = bool(prop.max_counts) and all(n == 1 for n in prop.max_counts)
            if min1 and max1:  # ?a: a value (unbound: none), ?b: a second one
                parts.append(f"OPTIONAL {{ ?this {path} ?a{j} OPTIONAL {{ ?this {path} ?b{j} "
                             f"FILTER(!sameTerm(?a{j}, ?b{j})) }} }}")
                checks.append((f"!BOUND(?a{j})", unbound(f"a{j}"), count_results(prop, "minCount")))
            elif max1:
                parts.append(f"OPTIONAL {{ ?this {path} ?a{j} . ?this {path} ?b{j} FILTER(!sameTerm(?a{j}, ?b{j})) }}")
            elif min1:
                parts.append(f"BIND(EXISTS {{ ?this {path} ?_ }} AS ?e{j})")
                checks.append((f"!?e{j}", false(f"e{j}"), count_results(prop, "minCount")))
            if max1:
                checks.append((f"BOUND(?b{j})", bound(f"b{j}"), count_results(prop, "maxCount")))
            if prop.unique_lang:  # ?u: a value with another one in its language
                parts.append(f"OPTIONAL {{ ?this {path} ?u{j} . ?this {path} ?x{j} FILTER(!sameTerm(?u{j}, ?x{j}) "
                             f"&& isLiteral(?u{j}) && LANG(?u{j}) != \"\" "
                             f"&& LCASE(LANG(?u{j})) = LCASE(LANG(?x{j}))) }}")
                checks.append((f"BOUND(?u{j})", bound(f"u{j}"), unique_lang_results(prop, j)))
            for h, hv in enumerate(prop.has_values):
                parts.append(f"BIND(EXISTS {{ ?this {path} {sparql_term(hv)} }} AS ?h{j}_{h})")
                checks.append((f"!?h{j}_{h}", false(f"h{j}_{h}"), has_value_results(prop, hv)))
        if not checks:
            return
        query = f"SELECT * WHERE {{ {focus} {' '.join(parts)} FILTER({' || '.join(t for t, _, _ in checks)}) }}"

        def handle(rows: list[Row]) -> list[Result | Task | Detail]:
            return [item for row in rows for _, failed, make in checks if failed(row) for item in make(row)]

        out.append(Task(query, handle))

    def _count_task(self, shape: Shape, focus: str, out: list[Task]) -> None:
        """sh:minCount/sh:maxCount other than 1, by counting the values of every focus node."""
        mins = [n for n in shape.min_counts if n > 0]
        maxs = shape.max_counts
        lo, hi = max(mins, default=0), min(maxs, default=None)
        tests = ([f"?n < {lo}"] if lo else []) + ([f"?n > {hi}"] if hi is not None else [])
        values = f"OPTIONAL {{ ?this {shape.path} ?v }}" if lo else f"?this {shape.path} ?v ."
        query = (f"SELECT ?this ?n WHERE {{ {{ SELECT ?this (COUNT(DISTINCT ?v) AS ?n) WHERE {{ {focus} {values} }} "
                 f"GROUP BY ?this }} FILTER({' || '.join(tests)}) }}")

        def handle(rows: list[ox.QuerySolution]) -> list[Result | Task | Detail]:
            results: list[Result | Task | Detail] = []
            for row in rows:
                n = int(row["n"].value)
                results += [self._result(shape, row["this"], None, "minCount",
                                         self._count_message(shape, row["this"], "Less", m)) for m in mins if n < m]
                results += [self._result(shape, row["this"], None, "maxCount",
                                         self._count_message(shape, row["this"], "More", m)) for m in maxs if n > m]
            return results

        out.append(Task(query, handle))

    def _value_tasks(self, shape: Shape, focus: str, out: list[Task]) -> None:
        """The value pass of a property shape: its distinct values breaking a value constraint, then
        (a second query, only if there are any) the focus nodes that have them."""
        if not shape.values:
            return
        path = shape.path
        # The values of a predicate over the whole graph (a scan, cheaper than the join with the focus
        # nodes); for other paths (which may be transitive), the values from the focus nodes only.
        source = f"?_s {path} ?v" if isinstance(shape.path_node, ox.NamedNode) else f"{focus} ?this {path} ?v"
        parts = []
        for i, c in enumerate(shape.values):
            classes = self.compiler.classes_of(c)
            if classes is not None:  # a hash join with the instances, binding ?c<i> when ?v is one
                closure = ", ".join(f"<{k}>" for k in self.compiler.class_values(classes))
                parts.append(f"OPTIONAL {{ ?v <{RDF_TYPE}> ?c{i} FILTER(?c{i} IN ({closure})) }} "
                             f"BIND(BOUND(?c{i}) AS ?k{i})")
            else:
                parts.append(f"BIND({self.compiler.condition(c, '?v', (shape,))} AS ?k{i})")
        keys = " ".join(f"?k{i}" for i in range(len(shape.values)))
        failed = " || ".join(f"!?k{i}" for i in range(len(shape.values)))
        query = f"SELECT DISTINCT ?v {keys} WHERE {{ {{ SELECT DISTINCT ?v WHERE {{ {source} }} }} {' '.join(parts)} " \
                f"FILTER({failed}) }}"

        def handle(rows: list[ox.QuerySolution]) -> list[Result | Task | Detail]:
            broken: dict[Term, set[int]] = defaultdict(set)
            passed: dict[Term, set[int]] = defaultdict(set)
            for row in rows:  # a value with several types comes once per type: it passes if one row does
                for i in range(len(shape.values)):
                    ok = row[f"k{i}"]
                    (passed if ok is not None and ok.value == "true" else broken)[row["v"]].add(i)
            bad = {v: sorted(broken[v] - passed[v]) for v in broken}
            bad = {v: failed for v, failed in bad.items() if failed}
            if not bad:
                return []
            return [self._join_back(shape, focus, bad)]

        out.append(Task(query, handle))

    def _join_back(self, shape: Shape, focus: str, bad: dict[Term, list[int]]) -> Task:
        """The task finding the focus nodes that have the ``bad`` values (value -> broken constraints)."""
        def results(rows: list[ox.QuerySolution], failed: Callable[[ox.QuerySolution], Iterable[int]]):
            out: list[Result | Task | Detail] = []
            nodes: dict[Term, set[int]] = defaultdict(set)
            for row in rows:
                for i in failed(row):
                    c = shape.values[i]
                    out.append(self._result(shape, row["this"], row["v"] if c.report_value else None, c.name,
                                            functools.partial(generic_message, c, row["v"])))
                    nodes[row["v"]].add(i)
            for v, broken in nodes.items():  # a value shared by many focus nodes is detailed once
                for i in broken:
                    out += self._details(shape.values[i], v, focus, shape.path)
            return out

        if len(bad) <= self.MAX_JOIN_BACK and not any(isinstance(v, ox.BlankNode) for v in bad):
            values = " ".join(str(v) for v in bad)
            # The VALUES joined with the path in a subquery first: as one group, Oxigraph 0.5 took 8 s
            # for 2,000 values (75k rows), as a subquery 0.5 s.
            query = (f"SELECT DISTINCT ?this ?v WHERE {{ {{ SELECT ?this ?v WHERE {{ VALUES ?v {{ {values} }} "
                     f"?this {shape.path} ?v }} }} {focus} }}")
            return Task(query, lambda rows: results(rows, lambda row: bad.get(row["v"], ())))
        # Blank nodes cannot be written in a query, and a long VALUES is slow to parse: check every row.
        binds = " ".join(f"BIND({self.compiler.condition(c, '?v', (shape,))} AS ?k{i})"
                         for i, c in enumerate(shape.values))
        keys = " ".join(f"?k{i}" for i in range(len(shape.values)))
        failed = " || ".join(f"!?k{i}" for i in range(len(shape.values)))
        query = f"SELECT DISTINCT ?this ?v {keys} WHERE {{ {focus} ?this {shape.path} ?v . {binds} FILTER({failed}) }}"
        return Task(query, lambda rows: results(rows, lambda row: [
            i for i in range(len(shape.values)) if row[f"k{i}"] is None or row[f"k{i}"].value != "true"]))

    def _evaluate(self, query: str) -> list[ox.QuerySolution]:
        solutions = self.store.query(query)
        assert isinstance(solutions, ox.QuerySolutions)  # every query here is a SELECT
        return list(solutions)

    def run(self, threads: int | None = None) -> list[Result]:
        """Every result, deduplicated and sorted. The queries run on ``threads`` threads (default: one
        per core, up to 4); Oxigraph releases the GIL while it evaluates."""
        workers = threads or max(1, min(4, os.cpu_count() or 1))
        found: set[Result] = set()
        answers: dict[str, list[ox.QuerySolution]] = {}
        checked: set[tuple[Shape, Term]] = set()
        tasks = self.tasks()
        with ThreadPoolExecutor(max_workers=workers) as pool:
            while tasks:  # later rounds join bad values back to their focus nodes, and validate sh:node details
                # Shapes often share a query (the value pass of prov:wasDerivedFrom sh:class kgo:Source
                # is the same for six shapes): each distinct query runs once.
                queries = [q for q in dict.fromkeys(t.query for t in tasks) if q not in answers]
                answers.update(zip(queries, pool.map(self._evaluate, queries), strict=True))
                follow_ups: list[Task] = []
                details: dict[tuple[Shape, str, str | None], set[Term]] = defaultdict(set)
                for task in tasks:
                    for item in task.handle(answers[task.query]):
                        if isinstance(item, Task):
                            follow_ups.append(item)
                        elif isinstance(item, Detail):
                            if (item.shape, item.node) not in checked:
                                checked.add((item.shape, item.node))
                                details[(item.shape, item.outer, item.path)].add(item.node)
                        else:
                            found.add(item)
                for (shape, outer, path), nodes in details.items():
                    self.shape_tasks(shape, self.detail_focus(shape, nodes, outer, path), follow_ups)
                tasks = follow_ups
        return sorted(found, key=lambda r: (str(r.focus), str(r.path), r.component, str(r.value), str(r.shape),
                                            r.detail))


def read_shapes(shapes_path: Path, display: str) -> ShapesGraph:
    """The shapes file, parsed with pyoxigraph (Turtle); raises ``SyntaxError`` on bad Turtle."""
    return ShapesGraph(ox.parse(path=str(shapes_path), format=ox.RdfFormat.TURTLE), display)


def results(graph: KnowledgeGraph, shapes_path: Path, display: str = "", *,
            threads: int | None = None) -> list[Result]:
    """The SHACL violations of ``graph`` (its store) against the shapes file, as results."""
    shapes = read_shapes(shapes_path, display or str(shapes_path))
    return Validator(graph._store, shapes).run(threads)


def validate(graph: KnowledgeGraph, shapes_path: Path, display: str) -> list[Problem]:
    """The SHACL violations of ``graph`` against the shapes file, as located problems (sorted).

    The same problems as :func:`kg.shacl.check_shapes` (pyshacl), in a fraction of the time.
    Raises :class:`ShapesError` when the shapes use something this validator does not evaluate.
    """
    from kg.shacl import located_problem, unreadable_shapes

    try:
        shapes = read_shapes(shapes_path, display)
    except (SyntaxError, OSError) as exc:
        return [unreadable_shapes(display, exc)]
    found = Validator(graph._store, shapes).run()
    return sorted(located_problem(graph, display, focus=r.focus.value,
                                  path=r.path.value if isinstance(r.path, ox.NamedNode) else None,
                                  message=r.message, value=r.value.value if r.value is not None else None,
                                  shape=r.shape.value if isinstance(r.shape, ox.NamedNode) else None)
                  for r in found)
