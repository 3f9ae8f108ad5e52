"""The ontology documents every term, covers every term the loader writes, and stays stable."""

from __future__ import annotations

import pyoxigraph as ox
from conftest import ONTOLOGY

from kg.namespaces import KGO, MEASURE, RDF_TYPE, RDFS, ROLE, SKOS
from kg.ontology import load_ontology
from kg.schema import FAMILIES

OURS = (KGO, ROLE, MEASURE)


def _triples() -> list[ox.Triple]:
    return load_ontology(ONTOLOGY).triples


def test_no_blank_nodes_in_the_built_ontology() -> None:
    assert not [t for t in _triples() if isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode)]


def test_every_term_has_a_label_and_a_comment() -> None:
    triples = _triples()
    subjects = {t.subject.value for t in triples if t.subject.value.startswith(OURS)}
    labelled = {t.subject.value for t in triples if t.predicate.value == RDFS + "label"}
    commented = {t.subject.value for t in triples if t.predicate.value == RDFS + "comment"}
    assert sorted(subjects - labelled) == []
    assert sorted(subjects - commented) == []


def test_every_kgo_term_the_loader_writes_is_declared() -> None:
    onto = load_ontology(ONTOLOGY)
    schema = onto.schema
    declared = {t.subject.value for t in onto.triples if t.predicate.value == RDF_TYPE}
    used = set(FAMILIES.values()) | {iri for words in schema.choices.values() for iri in words.values()}
    for family in FAMILIES:
        used |= {f.predicate for f in schema.fields_for(family).values() if f.predicate}
    for q in schema.qualified:
        used |= {q.node_class, q.link} | {f.predicate for f in q.fields if f.predicate}
    assert sorted(u for u in used if u.startswith(KGO) and u not in declared) == []


def test_families_are_disjoint_and_types_resolve() -> None:
    onto = load_ontology(ONTOLOGY)
    for family, iri in FAMILIES.items():
        assert onto.family[iri] == family
    assert onto.family[KGO + "LaunchCeremony"] == "event"
    assert onto.family[KGO + "TelevisionChannel"] == "organisation"
    assert onto.is_a(KGO + "TelevisionChannel", KGO + "Organisation")


def test_roles_and_measures_are_concepts_of_their_schemes() -> None:
    onto = load_ontology(ONTOLOGY)
    roles = onto.schemes["RoleScheme"]
    for name in ("mentor", "juror", "director", "producer", "speaker", "organiser", "co-organiser", "host",
                 "presenter", "attendee", "head", "exhibited-work"):
        assert roles[name].iri == ROLE + name
    assert ROLE + "juror" in roles["jury-chair"].broader
    assert KGO + "Work" in roles["exhibited-work"].agent_classes
    assert {"attendees", "exhibited-works"} <= set(onto.schemes["MeasureScheme"])
    triples = _triples()
    concepts = {t.subject.value for t in triples
                if t.predicate.value == RDF_TYPE and t.object.value == SKOS + "Concept"}
    assert {c.iri for c in roles.values()} <= concepts


def test_wikidata_alignment_uses_properties_not_items() -> None:
    wikidata = [t.object.value for t in _triples() if isinstance(t.object, ox.NamedNode)
                and t.object.value.startswith("http://www.wikidata.org/")]
    assert wikidata, "the ontology is aligned with Wikidata properties"
    assert all("/prop/direct/P" in iri for iri in wikidata)
