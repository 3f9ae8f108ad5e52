"""A synthetic co-production graph of any size, for the viz tests and benchmarks (not curated data).

People, organisations, works and events of three editions of one programme, tied by participations
(directors, producers, speakers, organisers, exhibited works) whose agents are picked with preferential
attachment, so that a few hubs and many small players appear, as in real collaboration networks.
"""

from __future__ import annotations

import random
from pathlib import Path

import pyoxigraph as ox

from kg.graph import KnowledgeGraph
from kg.namespaces import KG, KGO, PROV, RDF, RDFS, ROLE, SKOS

ONTOLOGY = Path(__file__).resolve().parents[2] / "ontology"


def synthetic_graph(entities: int, seed: int = 7) -> KnowledgeGraph:
    """A graph of about ``entities`` entities (and about twice as many participations)."""
    from kg.ontology import load_ontology

    rng = random.Random(seed)
    triples: list[ox.Triple] = list(load_ontology(ONTOLOGY).triples)

    def iri(x: str) -> ox.NamedNode:
        return ox.NamedNode(KG + x)

    def add(s: ox.NamedNode, p: str, o: ox.NamedNode | ox.Literal) -> None:
        triples.append(ox.Triple(s, ox.NamedNode(p), o))

    source = iri("synthetic-source")
    add(source, RDF + "type", ox.NamedNode(KGO + "WebPage"))
    add(source, SKOS + "prefLabel", ox.Literal("A synthetic source", language="en"))

    def entity(x: str, cls: str, label: str) -> ox.NamedNode:
        node = iri(x)
        add(node, RDF + "type", ox.NamedNode(KGO + cls))
        add(node, SKOS + "prefLabel", ox.Literal(label, language="en"))
        add(node, RDFS + "label", ox.Literal(label, language="en"))
        add(node, PROV + "wasDerivedFrom", source)
        return node

    programme = entity("programme", "Programme", "Synthetic programme")
    editions = []
    for i in range(1, 4):
        e = entity(f"edition-{i}", "ProgrammeEdition", f"Edition {i}")
        add(e, KGO + "editionOf", programme)
        editions.append(e)
    n = max(10, entities - 5)
    people = [entity(f"person-{i:05d}", "Person", f"Person {i}") for i in range(int(n * 0.45))]
    orgs = [entity(f"org-{i:05d}", "Organisation", f"Organisation {i}") for i in range(int(n * 0.2))]
    works = [entity(f"work-{i:05d}", "DocumentaryFilm", f"Film {i}") for i in range(int(n * 0.2))]
    events = [entity(f"event-{i:05d}", "Event", f"Event {i}") for i in range(int(n * 0.15))]
    for ev in events:
        add(ev, KGO + "partOf", rng.choice(editions))

    weight = {x.value: 1.0 for x in people + orgs + works}
    count = 0

    def pick(pool: list[ox.NamedNode]) -> ox.NamedNode:
        # Preferential attachment: the more an agent took part, the likelier it takes part again.
        chosen = rng.choices(pool, weights=[weight[x.value] for x in pool])[0]
        weight[chosen.value] += 1.0
        return chosen

    def take_part(agent: ox.NamedNode, target: ox.NamedNode, role: str) -> None:
        nonlocal count
        count += 1
        p = iri(f"participation-{count:06d}")
        add(p, RDF + "type", ox.NamedNode(KGO + "Participation"))
        add(p, KGO + "agent", agent)
        add(p, KGO + "participationIn", target)
        add(p, KGO + "role", ox.NamedNode(ROLE + role))
        add(p, PROV + "wasDerivedFrom", source)

    for w in works:
        take_part(pick(people), w, "director")
        take_part(pick(orgs), w, "producer")
        if rng.random() < 0.4:
            take_part(pick(orgs), w, "producer")
    for ev in events:
        for _ in range(rng.randint(1, 4)):
            take_part(pick(people), ev, "speaker")
        take_part(pick(orgs), ev, "organiser")
        if rng.random() < 0.5:
            take_part(pick(works), ev, "exhibited-work")
    return KnowledgeGraph(triples)
