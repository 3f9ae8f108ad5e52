"""The one place where checked records become triples."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar, cast

import pyoxigraph as ox

from kg import export
from kg.namespaces import KGO, RDF, RDF_TYPE, RDFS
from kg.ontology import Ontology
from kg.records import Record
from kg.schema import Qualified

_UNCERTAIN = KGO + "Uncertain"
T = TypeVar("T")
S = TypeVar("S")
_Term = ox.NamedNode | ox.BlankNode | ox.Literal


def records_to_triples(records: Iterable[Record], ontology: Ontology) -> Iterator[ox.Triple]:
    """Every triple the records state, in record order (the export sorts them)."""
    # ``_statements`` gives subject, predicate and object one type; Oxigraph's stubs are narrower per
    # position (an IRI predicate, no literal subject), which the checked records guarantee.
    make = cast(Callable[[_Term, _Term, _Term], ox.Triple], ox.Triple)
    return _statements(records, ontology, make, ox.NamedNode, _cached(ox.NamedNode), _same)


def records_to_keys(records: Iterable[Record], ontology: Ontology) -> list[str]:
    """The sort keys (:func:`kg.export.triple_key`) of the triples of :func:`records_to_triples`,
    made from the records' text without making the triples."""
    return list(_statements(records, ontology, _key, _iri_part, _cached(export.predicate_part), export.term_part))


def _same(term: ox.NamedNode | ox.Literal) -> ox.NamedNode | ox.Literal:
    return term


def _key(subject: str, predicate: str, obj: str) -> str:
    return f"{subject}\x00{predicate}\x00{obj}"


def _iri_part(iri: str) -> str:
    return "0" + iri


def _cached(make: Callable[[str], T]) -> Callable[[str], T]:
    """``make``, remembering what it made for each IRI (predicates: a few dozen)."""
    made: dict[str, T] = {}

    def get(iri: str) -> T:
        node = made.get(iri)
        if node is None:
            node = made[iri] = make(iri)
        return node

    return get


def _statements(records: Iterable[Record], ontology: Ontology, make: Callable[[T, T, T], S],
                node: Callable[[str], T], predicate: Callable[[str], T],
                term: Callable[[ox.NamedNode | ox.Literal], T]) -> Iterator[S]:
    """Each statement of the records as ``make(subject, predicate, object)``, where ``node`` makes a
    subject or object of an IRI, ``predicate`` a predicate, and ``term`` a subject or object of a
    checked value's term."""
    roles = ontology.schemes.get("RoleScheme", {})
    a, label = predicate(RDF_TYPE), predicate(RDFS + "label")
    rdf_predicate, rdf_object = predicate(RDF + "predicate"), predicate(RDF + "object")
    classes = _cached(node)
    families: dict[str, dict[str, T | None]] = {}  # family -> field key -> its predicate
    lists: dict[int, tuple[Qualified, dict[str, T | None]]] = {}  # id(spec) -> the same
    for record in records:
        subject = node(record.iri)
        yield make(subject, a, classes(record.type_iri))
        predicates = families.get(record.family)
        if predicates is None:
            predicates = families[record.family] = {
                key: predicate(f.predicate) if f.predicate is not None else None
                for key, f in ontology.schema.fields_for(record.family).items()}
        for key, values in record.values.items():
            p = predicates[key]
            if p is None:
                continue
            for v in values:
                o = term(v.term)
                yield make(subject, p, o)
                if key == "label":
                    yield make(subject, label, o)
        uncertain_record = _is_uncertain(record.values)
        for entry in record.entries:
            spec = entry.spec
            cached = lists.get(id(spec))
            if cached is None:
                cached = lists[id(spec)] = (spec, {f.key: predicate(f.predicate) if f.predicate is not None else None
                                                   for f in spec.fields})
            entry_predicates = cached[1]
            entry_node = node(entry.iri)
            yield make(entry_node, a, classes(spec.node_class))
            yield make(entry_node, predicate(spec.link), subject)
            for key, values in entry.values.items():
                if key == "value" and entry.claim_field is not None:
                    yield make(entry_node, rdf_predicate, classes(entry.claim_field.predicate or ""))
                    for v in values:
                        yield make(entry_node, rdf_object, term(v.term))
                    continue
                p = entry_predicates[key]
                if p is None:
                    continue
                for v in values:
                    yield make(entry_node, p, term(v.term))
            if spec.key == "participants" and not uncertain_record and not _is_uncertain(entry.values):
                # A confirmed participation also states the direct relation its role implies (a
                # director of a work is its schema:director), for consumers that do not read roles.
                role = (entry.values.get("role") or (None,))[0]
                who = (entry.values.get("who") or (None,))[0]
                if role is not None and who is not None and role.ref in roles:
                    concept = roles[role.ref]
                    for iri in concept.agent_to_target:
                        yield make(term(who.term), predicate(iri), subject)
                    for iri in concept.target_to_agent:
                        yield make(subject, predicate(iri), term(who.term))


def _is_uncertain(values: dict) -> bool:
    return any(v.term.value == _UNCERTAIN for v in values.get("certainty", ()))
