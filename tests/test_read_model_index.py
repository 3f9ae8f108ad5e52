"""The read model's index (kg/model/index.py) is read from the engine's solutions, not from the graph's
ordered triples, and puts them in the graph's order itself: the same nodes, properties and objects, in
the same order, as one pass over ``graph.triples()`` gives."""

from __future__ import annotations

from collections import defaultdict

import pyoxigraph as ox

from kg.graph import KnowledgeGraph
from kg.model.index import SHORTCUTS, index_of


def _from_triples(graph: KnowledgeGraph) -> tuple[list, set[str], set[str]]:
    """The index as the ordered triples give it (what the reading pass did before)."""
    nodes: dict[str, dict[str, list]] = {}
    iris: set[str] = set()
    shortcuts: set[str] = set()
    for t in graph.triples():
        s = t.subject.value  # type: ignore[union-attr]
        nodes.setdefault(s, defaultdict(list))[t.predicate.value].append(t.object)
        if isinstance(t.subject, ox.NamedNode):
            iris.add(s)
        if t.predicate.value in SHORTCUTS:
            shortcuts.add(t.object.value)  # type: ignore[union-attr]
    return _flat(nodes), iris, shortcuts


def _flat(nodes: dict) -> list:
    return [(x, type(props).__name__, [(p, [(type(o).__name__, str(o)) for o in objects])
                                       for p, objects in props.items()]) for x, props in nodes.items()]


def _same(graph: KnowledgeGraph) -> None:
    index = index_of(graph)
    assert (_flat(index.nodes), index.iri_subjects, index.shortcuts) == _from_triples(graph)


def test_the_index_of_the_small_world_is_in_the_graphs_order(small_graph) -> None:
    _same(small_graph)


def test_the_index_keeps_the_order_of_many_values_languages_and_blank_nodes() -> None:
    ex, kgo = "http://example.org/", "https://w3id.org/coprod-kg/ontology#"
    n, lit = ox.NamedNode, ox.Literal
    a, b = n(ex + "a"), n(ex + "a-b")
    blank = ox.BlankNode("x1")
    label, kind = n("http://www.w3.org/2000/01/rdf-schema#label"), n("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    triples = [
        ox.Triple(b, label, lit("zeta")),
        ox.Triple(a, label, lit("b", language="fr")),
        ox.Triple(a, label, lit("b")),
        ox.Triple(a, label, lit("a", language="en")),
        ox.Triple(a, n(ex + "z"), b), ox.Triple(a, n(ex + "z"), n(ex + "0")), ox.Triple(a, n(ex + "z"), blank),
        ox.Triple(a, n(ex + "z"), lit("1", datatype=n("http://www.w3.org/2001/XMLSchema#integer"))),
        ox.Triple(a, kind, n(ex + "T2")), ox.Triple(a, kind, n(ex + "T1")),
        ox.Triple(blank, n(ex + "p"), a),
        ox.Triple(b, n(kgo + "shortcutAgentToTarget"), n(ex + "director")),
    ]
    graph = KnowledgeGraph(triples)
    _same(graph)
    props = index_of(graph).nodes[ex + "a"]
    assert next(iter(props)) == kind.value  # rdf:type first, as the outputs have it
    assert [o.value for o in props[kind.value]] == [ex + "T1", ex + "T2"]
    assert index_of(graph).shortcuts == {ex + "director"}
