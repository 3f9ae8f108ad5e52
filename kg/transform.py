"""The one place where checked records become triples."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pyoxigraph as ox

from kg.namespaces import KGO, RDF, RDF_TYPE, RDFS
from kg.ontology import Ontology
from kg.records import Entry, Record
from kg.schema import fields_for

_TYPE = ox.NamedNode(RDF_TYPE)
_LABEL = ox.NamedNode(RDFS + "label")
_PREDICATE = ox.NamedNode(RDF + "predicate")
_OBJECT = ox.NamedNode(RDF + "object")
_UNCERTAIN = KGO + "Uncertain"


def records_to_triples(records: Iterable[Record], ontology: Ontology) -> Iterator[ox.Triple]:
    """Every triple the records state, in record order (the export sorts them)."""
    roles = ontology.schemes.get("RoleScheme", {})
    for record in records:
        subject = ox.NamedNode(record.iri)
        yield ox.Triple(subject, _TYPE, ox.NamedNode(record.type_iri))
        fields = fields_for(record.family)
        for key, values in record.values.items():
            predicate = fields[key].predicate
            if predicate is None:
                continue
            p = ox.NamedNode(predicate)
            for v in values:
                yield ox.Triple(subject, p, v.term)
                if key == "label":
                    yield ox.Triple(subject, _LABEL, v.term)
        uncertain_record = _is_uncertain(record.values)
        for entry in record.entries:
            yield from _entry_triples(subject, entry, roles, uncertain_record)


def _is_uncertain(values: dict) -> bool:
    return any(v.term.value == _UNCERTAIN for v in values.get("certainty", ()))


def _entry_triples(subject: ox.NamedNode, entry: Entry, roles: dict, uncertain_record: bool) -> Iterator[ox.Triple]:
    node = ox.NamedNode(entry.iri)
    spec = entry.spec
    yield ox.Triple(node, _TYPE, ox.NamedNode(spec.node_class))
    yield ox.Triple(node, ox.NamedNode(spec.link), subject)
    fields = {f.key: f for f in spec.fields}
    for key, values in entry.values.items():
        if key == "value" and entry.claim_field is not None:
            yield ox.Triple(node, _PREDICATE, ox.NamedNode(entry.claim_field.predicate or ""))
            for v in values:
                yield ox.Triple(node, _OBJECT, v.term)
            continue
        predicate = fields[key].predicate
        if predicate is None:
            continue
        p = ox.NamedNode(predicate)
        for v in values:
            yield ox.Triple(node, p, v.term)
    if spec.key == "participants" and not uncertain_record and not _is_uncertain(entry.values):
        # A confirmed participation also states the direct relation its role implies (a
        # director of a work is its schema:director), for consumers that do not read roles.
        role = (entry.values.get("role") or [None])[0]
        who = (entry.values.get("who") or [None])[0]
        if role is not None and who is not None and role.ref in roles:
            concept = roles[role.ref]
            for p in concept.agent_to_target:
                yield ox.Triple(who.term, ox.NamedNode(p), subject)
            for p in concept.target_to_agent:
                yield ox.Triple(subject, ox.NamedNode(p), who.term)
