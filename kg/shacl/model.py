"""The SHACL engine's data: shapes, constraints, results, and the base of a constraint component.

The engine (:mod:`kg.shacl.engine`) is layered so that imports go one way: this module, then the
components (:mod:`kg.shacl.components`), then reading the shapes (:mod:`kg.shacl.shapes`), compiling
them (:mod:`kg.shacl.compiler`) and running them (:mod:`kg.shacl.validator`). A component reaches
the reader and the compiler only through the two protocols below.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeAlias

import pyoxigraph as ox

from kg.errors import KgError
from kg.namespaces import RDF, SH, shorten

Term = ox.NamedNode | ox.BlankNode | ox.Literal
Row: TypeAlias = ox.QuerySolution

RDF_TYPE = RDF + "type"
RDF_FIRST = RDF + "first"
RDF_REST = RDF + "rest"
RDF_NIL = RDF + "nil"
RDF_LANGSTRING = RDF + "langString"
SH_VIOLATION = SH + "Violation"
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


def sparql_term(term: Term) -> str:
    """An IRI or literal as SPARQL syntax (its N-Triples form); the reader's ``comparable`` has
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

    component: Component
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

    @property
    def min1(self) -> bool:
        """Whether the sh:minCount of the shape is 1 (the focus pass checks it, not the count pass)."""
        return any(n == 1 for n in self.min_counts) and all(n <= 1 for n in self.min_counts)

    @property
    def max1(self) -> bool:
        """Whether the sh:maxCount of the shape is 1 (the focus pass checks it, not the count pass)."""
        return bool(self.max_counts) and all(n == 1 for n in self.max_counts)

    def message(self, generic: str | Callable[[], str]) -> str:
        """The sh:message of the shape (English, else untagged, else the first), else ``generic`` (a
        callable is called only then: a million results must not format a million unused messages)."""
        if not self.messages:
            return generic() if callable(generic) else generic
        if self._message is None:
            ranked = sorted(self.messages, key=lambda m: (m.language != "en", m.language is not None, m.value))
            self._message = ranked[0].value
        return self._message


@dataclass(frozen=True)
class Detail:
    """A node that broke sh:node ``shape``: pyshacl reports (as sh:detail) its own results against the
    shape too, and :func:`kg.shacl.check_shapes` lists them as problems."""

    shape: Shape
    node: Term
    outer: str  # the focus pattern the node was reached from
    path: str | None  # and the path from there, None for the focus node itself


@dataclass(frozen=True)
class FocusCheck:
    """One check of the focus pass: a pattern joined to the focus nodes, the failure test in SPARQL
    (true only when broken), the same test on an answer row, and the results of a failure."""

    pattern: str  # "" when an earlier check's pattern binds the variables tested
    test: str
    failed: Callable[[Row], bool]
    results: Callable[[Row], Sequence[Result | Detail]]


def unbound(var: str) -> Callable[[Row], bool]:
    """A row test: ``var`` is unbound."""
    return lambda row: row[var] is None


def bound(var: str) -> Callable[[Row], bool]:
    """A row test: ``var`` is bound."""
    return lambda row: row[var] is not None


def false(var: str) -> Callable[[Row], bool]:
    """A row test: ``var`` is not the boolean true."""
    return lambda row: not true(row[var])


#: A query of a component's own and what turns its rows into results.
Query: TypeAlias = tuple[str, Callable[[list[Row]], list[Result]]]


class Reader(Protocol):
    """What a component reads its parameters with (:class:`kg.shacl.shapes.ShapesGraph`)."""

    def objects(self, s: Term, p: str) -> list[Term]: ...
    def one(self, s: Term, p: str) -> Term | None: ...
    def items(self, head: Term, what: str) -> list[Term]: ...
    def ints(self, node: Term, p: str) -> list[int]: ...
    def boolean(self, node: Term, p: str) -> bool: ...
    def iri(self, node: Term, value: Term, p: str) -> str: ...
    def comparable(self, node: Term, value: Term, p: str) -> Term: ...
    def where(self, node: Term) -> str: ...
    def error(self, message: str, hint: str = ...) -> ShapesError: ...
    def unsupported(self, message: str) -> ShapesError: ...
    def shape(self, node: Term) -> Shape: ...


class Compiling(Protocol):
    """What a component compiles its SPARQL with (:class:`kg.shacl.compiler.Compiler`)."""

    def fresh(self) -> str: ...
    def instance_of(self, x: str, classes: Sequence[str]) -> str: ...
    def conforms(self, shape: Shape, x: str, stack: tuple[Shape, ...] = ()) -> str: ...
    def check_pattern(self, regex: str, flags: str) -> None: ...
    def distinct_values(self, x: str, path: str, n: int) -> str: ...
    def unsupported(self, message: str) -> ShapesError: ...


class Component:
    """A SHACL constraint component: how to read its parameters and how to check them.

    A *value* component (sh:class, sh:datatype ...) adds :class:`ValueConstraint` s to the shape in
    :meth:`read`: the engine checks each once per distinct value, as a boolean expression
    (:meth:`condition`), and words a failure with :meth:`message`. A *shape-level* component (counts,
    sh:uniqueLang, sh:closed ...) keeps its parameters on the shape and gives its own parts of the
    focus pass (:meth:`focus_checks`), of conformance in nested shapes (:meth:`nested`) and queries
    (:meth:`queries`). Register an instance in :mod:`kg.shacl.components`; nothing else changes.
    """

    #: The main parameter (``minCount``), which names the component (sh:MinCountConstraintComponent).
    name: str = ""
    #: Further parameters it reads (sh:flags for sh:pattern ...).
    extra: tuple[str, ...] = ()

    def __init__(self) -> None:
        self.iri = component(self.name)
        self.parameter_iris = tuple(SH + p for p in self.parameters)

    @property
    def parameters(self) -> tuple[str, ...]:
        """The sh: parameter names this component reads (:meth:`read` is called only when one is given)."""
        return (self.name, *self.extra)

    def read(self, reader: Reader, shape: Shape) -> None:
        """Read the component's parameters of ``shape`` (raising :class:`ShapesError` if malformed)."""
        raise NotImplementedError

    def condition(self, compiler: Compiling, arg: Any, x: str, stack: tuple[Shape, ...]) -> str:
        """A SPARQL expression, true when the node in ``x`` satisfies the constraint (false, never an
        error, if not); ``stack`` holds the shapes being compiled (to refuse recursion)."""
        raise NotImplementedError(self.name)

    def message(self, arg: Any, value: Term | None) -> str:
        """A message in pyshacl's words for a ``value`` that breaks the constraint."""
        raise NotImplementedError(self.name)

    def classes(self, arg: Any) -> list[str] | None:
        """The classes when the constraint only asks for a SHACL instance of one of them, else None
        (the value pass then joins with the instances instead of testing every value)."""
        return None

    def detail_shape(self, arg: Any) -> Shape | None:
        """The shape against which a node breaking the constraint is validated too (sh:node)."""
        return None

    def nested(self, compiler: Compiling, shape: Shape, x: str, stack: tuple[Shape, ...]) -> list[str]:
        """Boolean SPARQL expressions, all true when the node in ``x`` passes the shape-level
        constraint of ``shape`` (a shape nested in another; ``stack``: as for :meth:`condition`)."""
        return []

    def focus_checks(self, prop: Shape, j: int) -> list[FocusCheck]:
        """The checks of the focus pass for property shape ``prop`` (the ``j``-th of the pass: its
        variables end in ``j``)."""
        return []

    def queries(self, shape: Shape, focus: str) -> list[Query]:
        """Queries of the component's own on the focus nodes of ``shape`` bound by ``focus``."""
        return []

    def result(self, shape: Shape, focus: Term, value: Term | None, generic: str | Callable[[], str],
               detail: str = "") -> Result:
        """A result of this component for ``shape`` (its sh:message, else ``generic``)."""
        return Result(focus, shape.path_node, value, self.iri, shape.node, shape.message(generic), detail)
