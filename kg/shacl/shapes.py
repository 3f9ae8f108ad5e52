"""Reading a SHACL shapes file into :class:`~kg.shacl.model.Shape` s, refusing what the engine cannot evaluate.

The parameters of shapes are read here (paths, targets, messages, severity); those of each constraint
component by the component itself (:data:`kg.shacl.components.COMPONENTS`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

from kg.namespaces import OWL, RDFS, SH, XSD, shorten
from kg.shacl.components import COMPONENTS
from kg.shacl.model import RDF_FIRST, RDF_NIL, RDF_REST, RDF_TYPE, Shape, ShapesError, Term, name_of

#: The parameters of shapes themselves (targets, paths, messages ...), beside the components'.
SHAPE_PARAMETERS = frozenset(SH + n for n in (
    "targetClass targetNode targetSubjectsOf targetObjectsOf path inversePath alternativePath "
    "zeroOrMorePath oneOrMorePath zeroOrOnePath message severity deactivated").split())


def supported() -> frozenset[str]:
    """The SHACL vocabulary this validator evaluates: the shapes' parameters and the registered components'."""
    return SHAPE_PARAMETERS | frozenset(SH + p for comp in COMPONENTS.values() for p in comp.parameters)


#: The SHACL vocabulary this validator evaluates (with the built-in components).
SUPPORTED = supported()
#: SHACL terms that do not take part in validation (documentation, prefixes for SHACL-SPARQL, forms).
IGNORED = frozenset(SH + n for n in (
    "name description order group defaultValue declare prefixes prefix namespace").split())
#: Classes of the SHACL vocabulary a shapes graph may use with this validator.
KNOWN_TYPES = frozenset(SH + n for n in "NodeShape PropertyShape Shape PrefixDeclaration PropertyGroup".split())


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
        """An error in the shapes file, with ``hint`` saying what to do."""
        return ShapesError(message, hint, file=self.display)

    def unsupported(self, message: str) -> ShapesError:
        """An error naming something of SHACL the built-in validator does not evaluate."""
        return self.error(message, "the built-in validator evaluates SHACL Core (see kg/shacl/engine.py); pyshacl "
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
        known = supported()
        for s, props in self._out.items():
            for p, objects in props.items():
                if p.startswith(SH) and p not in known and p not in IGNORED:
                    unknown.setdefault(shorten(p), s)
                if p == RDF_TYPE:
                    for o in objects:
                        if isinstance(o, ox.NamedNode) and o.value.startswith(SH) and o.value not in KNOWN_TYPES:
                            unknown.setdefault(shorten(o.value), s)
        if unknown:
            names = ", ".join(f"{name} (in {self.where(unknown[name])})" for name in sorted(unknown))
            raise self.unsupported(f"the shapes use {names}, which the built-in SHACL validator does not support")

    def objects(self, s: Term, p: str) -> list[Term]:
        """The values of ``p`` (an IRI) on ``s``."""
        props = self._out.get(s)
        return list(props.get(p, ())) if props else []

    def one(self, s: Term, p: str) -> Term | None:
        """The value of ``p`` on ``s``, None if it has none; refused if it has several."""
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

    def iri(self, node: Term, value: Term, p: str) -> str:
        """``value`` of ``p`` on ``node``, which must be an IRI."""
        if not isinstance(value, ox.NamedNode):
            raise self.error(f"the {shorten(p)} in {self.where(node)} must be an IRI, not {value}")
        return value.value

    def ints(self, node: Term, p: str) -> list[int]:
        """The values of ``p`` on ``node``, which must be non-negative xsd:integers."""
        out = []
        for v in self.objects(node, p):
            if not (isinstance(v, ox.Literal) and v.datatype.value == XSD + "integer"
                    and v.value.lstrip("+").isdigit()):
                raise self.error(f"the {shorten(p)} in {self.where(node)} must be a non-negative xsd:integer, "
                                 f"not {v}")
            out.append(int(v.value))
        return out

    def boolean(self, node: Term, p: str) -> bool:
        """The xsd:boolean value of ``p`` on ``node`` (false without one)."""
        v = self.one(node, p)
        if v is None:
            return False
        if not (isinstance(v, ox.Literal) and v.datatype.value == XSD + "boolean" and v.value in ("true", "false",
                                                                                                    "1", "0")):
            raise self.error(f"the {shorten(p)} in {self.where(node)} must be an xsd:boolean, not {v}")
        return v.value in ("true", "1")

    def _read(self, shape: Shape) -> None:
        """Read the parameters of ``shape``: its path, targets and the like, then each component's."""
        node = shape.node
        path = self.one(node, SH + "path")
        if path is not None:
            shape.path = self._path(path)
            shape.path_node = path
        shape.messages = [m for m in self.objects(node, SH + "message") if isinstance(m, ox.Literal)]
        severity = self.one(node, SH + "severity")
        if severity is not None:
            shape.severity = self.iri(node, severity, SH + "severity")
        shape.deactivated = self.boolean(node, SH + "deactivated")
        shape.target_classes = [self.iri(node, c, SH + "targetClass") for c in self.objects(node, SH + "targetClass")]
        types = {o.value for o in self.objects(node, RDF_TYPE) if isinstance(o, ox.NamedNode)}
        if types & {RDFS + "Class", OWL + "Class"} and isinstance(node, ox.NamedNode):
            shape.target_classes.append(node.value)  # an implicit class target
        shape.target_nodes = [self.comparable(node, t, "targetNode") for t in self.objects(node, SH + "targetNode")]
        shape.subjects_of = [self.iri(node, p, SH + "targetSubjectsOf")
                             for p in self.objects(node, SH + "targetSubjectsOf")]
        shape.objects_of = [self.iri(node, p, SH + "targetObjectsOf")
                            for p in self.objects(node, SH + "targetObjectsOf")]
        given = self._out.get(node, {})
        for comp in COMPONENTS.values():
            if any(p in given for p in comp.parameter_iris):  # a shape uses a few components of the many
                comp.read(self, shape)

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


def read_shapes(shapes_path: Path, display: str, extra: str = "") -> ShapesGraph:
    """The shapes file, and the shapes of the Turtle text ``extra`` (those made from the field
    declarations), parsed with pyoxigraph; raises ``SyntaxError`` on bad Turtle."""
    triples = list(ox.parse(path=str(shapes_path), format=ox.RdfFormat.TURTLE))
    if extra:
        triples += ox.parse(extra.encode("utf-8"), format=ox.RdfFormat.TURTLE)
    return ShapesGraph(triples, display)
