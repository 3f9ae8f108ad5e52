"""Reading the ontology: the record types, role and measure schemes the loader accepts.

The loader hard-codes no type, role or measure: a record's ``type`` is valid when the ontology
declares it as a class under one of the record families, and a ``role`` or ``measure`` when the
ontology declares it as a concept of the matching scheme.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kg.errors import Problem, ValidationError
from kg.namespaces import KGO, OWL, RDF_TYPE, RDFS, SKOS
from kg.schema import FAMILIES, FIELDS_FILE, Schema
from kg.schema_file import load_schema

SHAPES_FILE = "shapes.ttl"

_SUBCLASS = RDFS + "subClassOf"
_IN_SCHEME = SKOS + "inScheme"
_BROADER = SKOS + "broader"


@dataclass
class Concept:
    """A concept of a scheme (a role or a measure) with the loader-relevant annotations."""

    iri: str
    name: str
    broader: list[str] = field(default_factory=list)
    agent_classes: list[str] = field(default_factory=list)
    target_classes: list[str] = field(default_factory=list)
    agent_to_target: list[str] = field(default_factory=list)
    target_to_agent: list[str] = field(default_factory=list)


@dataclass
class Ontology:
    """The parsed ontology: its triples and the vocabularies the record checker needs."""

    triples: list[ox.Triple]
    files: list[Path]
    types: dict[str, str]  # local name of a record class -> class IRI
    family: dict[str, str]  # class IRI -> family key
    superclasses: dict[str, frozenset[str]]  # class IRI -> itself and all its superclasses
    schemes: dict[str, dict[str, Concept]]  # scheme local name -> concept name -> concept
    schema: Schema  # the record fields (fields.yaml)

    def is_a(self, class_iri: str, other: str) -> bool:
        """True when ``class_iri`` is ``other`` or one of its subclasses."""
        return other in self.superclasses.get(class_iri, frozenset((class_iri,)))


def parse_turtle(path: Path, display: str, base: str | None = None) -> tuple[list[ox.Triple], list[Problem]]:
    """Parse a Turtle file, naming its blank nodes by order of appearance so output is stable."""
    try:
        triples = list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=base))
    except SyntaxError as exc:
        line = exc.lineno or 0  # pyoxigraph sets the 1-based line of the error
        return [], [Problem(display, line, "", f"Turtle syntax error: {exc}", "fix the Turtle syntax")]
    except OSError as exc:
        return [], [Problem(display, 0, "", f"cannot read the file: {exc}", "check the path")]
    names: dict[str, ox.BlankNode] = {}

    def rename(term):
        if isinstance(term, ox.BlankNode):
            if term.value not in names:
                names[term.value] = ox.BlankNode(f"{path.stem}{len(names) + 1}")
            return names[term.value]
        return term

    return [ox.Triple(rename(t.subject), t.predicate, rename(t.object)) for t in triples], []


def load_ontology(directory: Path, display: str | None = None) -> Ontology:
    """Read every ``*.ttl`` in ``directory`` but the SHACL shapes, and the record fields declared in
    its ``fields.yaml``; raise on any problem."""
    shown = display if display is not None else str(directory)
    if not directory.is_dir():
        raise ValidationError([Problem(shown, 0, "", "the ontology folder does not exist",
                                       "pass --ontology DIR or run kg from the project folder")])
    files = sorted(p for p in directory.glob("*.ttl") if p.name != SHAPES_FILE)
    if not files:
        raise ValidationError([Problem(shown, 0, "", "no ontology (*.ttl) in this folder",
                                       "pass --ontology DIR")])
    triples: list[ox.Triple] = []
    problems: list[Problem] = []
    for path in files:
        got, bad = parse_turtle(path, f"{shown}/{path.name}")
        triples.extend(got)
        problems.extend(bad)
    fields_file = directory / FIELDS_FILE
    schema: Schema | None = None
    if not fields_file.is_file():
        problems.append(Problem(f"{shown}/{FIELDS_FILE}", 0, "", "the ontology folder has no record fields",
                                f"copy {FIELDS_FILE} from kg's ontology folder; it declares what a record may hold"))
    else:
        try:
            schema = load_schema(fields_file, f"{shown}/{FIELDS_FILE}")
        except ValidationError as exc:
            problems.extend(exc.problems)
    if problems or schema is None:
        raise ValidationError(problems)
    return _index(triples, files, schema)


def _index(triples: list[ox.Triple], files: list[Path], schema: Schema) -> Ontology:
    parents: dict[str, set[str]] = {}
    classes: set[str] = set()
    in_scheme: dict[str, str] = {}
    props: dict[str, dict[str, list[str]]] = {}
    for t in triples:
        if not isinstance(t.subject, ox.NamedNode):
            continue
        s, p, o = t.subject.value, t.predicate.value, t.object
        if p == RDF_TYPE and isinstance(o, ox.NamedNode) and o.value in (OWL + "Class", RDFS + "Class"):
            classes.add(s)
        elif p == _SUBCLASS and isinstance(o, ox.NamedNode):
            parents.setdefault(s, set()).add(o.value)
        elif p == _IN_SCHEME and isinstance(o, ox.NamedNode):
            in_scheme[s] = o.value
        if isinstance(o, ox.NamedNode):
            props.setdefault(s, {}).setdefault(p, []).append(o.value)

    superclasses: dict[str, frozenset[str]] = {}

    def ancestors(c: str, trail: frozenset[str] = frozenset()) -> frozenset[str]:
        if c in superclasses:
            return superclasses[c]
        result = {c}
        for parent in parents.get(c, ()):
            if parent not in trail:
                result |= ancestors(parent, trail | {c})
        superclasses[c] = frozenset(result)
        return superclasses[c]

    family_iris = {iri: key for key, iri in FAMILIES.items()}
    types: dict[str, str] = {}
    family: dict[str, str] = {}
    for c in sorted(classes | set(parents)):
        if not c.startswith(KGO):
            continue
        found = [family_iris[a] for a in ancestors(c) if a in family_iris]
        if len(found) == 1:
            types[c[len(KGO):]] = c
            family[c] = found[0]

    schemes: dict[str, dict[str, Concept]] = {}
    for iri, scheme in sorted(in_scheme.items()):
        name = re.split(r"[/#]", iri)[-1]
        values = props.get(iri, {})
        schemes.setdefault(scheme.rsplit("#", 1)[-1], {})[name] = Concept(
            iri, name, values.get(_BROADER, []), values.get(KGO + "agentClass", []),
            values.get(KGO + "targetClass", []), values.get(KGO + "shortcutAgentToTarget", []),
            values.get(KGO + "shortcutTargetToAgent", []),
        )
    return Ontology(triples, files, types, family, superclasses, schemes, schema)
