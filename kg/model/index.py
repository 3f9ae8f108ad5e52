"""The one reading pass over a graph: every node's properties, the class and role hierarchies, the
shortcut properties and every name in every language, cached on the graph.

The views (:mod:`kg.model.facts` for the network, :mod:`kg.model.drawing` for the graph pages) are
derived from this index, so the triples are walked once however many views a command needs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from kg.export.keys import predicate_part, term_part
from kg.gc_pause import without_gc
from kg.graph import KnowledgeGraph
from kg.model.labels import best_names, display_rank, network_label
from kg.namespaces import KGO, PROV, RDF, RDFS, SCHEMA, SKOS

Obj = ox.NamedNode | ox.BlankNode | ox.Literal
Props = dict[str, list[Obj]]

TYPE, SUBCLASS_OF, BROADER, IN_SCHEME = RDF + "type", RDFS + "subClassOf", SKOS + "broader", SKOS + "inScheme"
PREF_LABEL, ALT_LABEL, LABEL = SKOS + "prefLabel", SKOS + "altLabel", RDFS + "label"
DERIVED_FROM, URL, CERTAINTY = PROV + "wasDerivedFrom", SCHEMA + "url", KGO + "certainty"
SHORTCUTS = (KGO + "shortcutAgentToTarget", KGO + "shortcutTargetToAgent")
UNCERTAIN = KGO + "Uncertain"
ROLE_SCHEME = KGO + "RoleScheme"
#: The date properties of the network's spans, by local name.
DATE_PROPERTIES = {KGO + "date": "date", KGO + "startDate": "startDate", KGO + "endDate": "endDate",
                   KGO + "earliestDate": "earliestDate", KGO + "latestDate": "latestDate",
                   SCHEMA + "datePublished": "datePublished"}

_EMPTY: Props = {}


@dataclass
class GraphIndex:
    """Every triple of a graph, grouped by subject, with the lookups every view needs."""

    nodes: dict[str, Props]  # subject -> property -> objects, in the graph's order
    iri_subjects: set[str]  # the subjects that are IRIs (not blank nodes)
    shortcuts: set[str]  # the properties that repeat a participation (schema:director ...)
    cache: dict[str, object] = field(default_factory=dict)
    _closure: dict[str, frozenset[str]] = field(default_factory=dict)
    _sources: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def props(self, node: str) -> Props:
        """The properties of ``node`` (empty when it is no subject)."""
        return self.nodes.get(node, _EMPTY)

    def values(self, node: str, prop: str) -> list[str]:
        """The values (IRI, blank node id or literal text) of ``prop`` on ``node``."""
        return [o.value for o in self.nodes.get(node, _EMPTY).get(prop, ())]

    def iris(self, node: str, prop: str) -> list[str]:
        """The IRIs among the objects of ``prop`` on ``node``."""
        return [o.value for o in self.nodes.get(node, _EMPTY).get(prop, ()) if isinstance(o, ox.NamedNode)]

    def has_iri(self, node: str, prop: str, iri: str) -> bool:
        """True when ``node`` has the IRI ``iri`` as a value of ``prop``."""
        return any(isinstance(o, ox.NamedNode) and o.value == iri for o in self.nodes.get(node, _EMPTY).get(prop, ()))

    def text(self, node: str, prop: str) -> str:
        """One literal of ``prop`` on ``node`` by the network's language rule (English, then untagged,
        then the others: :func:`kg.model.labels.network_label`); ``""`` when it has none."""
        found = [(getattr(o, "language", None) or "", o.value) for o in self.nodes.get(node, _EMPTY).get(prop, ())
                 if isinstance(o, ox.Literal)]
        return network_label(found) if found else ""

    def uncertain(self, node: str) -> bool:
        """True when ``node`` is marked ``kgo:certainty kgo:Uncertain``."""
        found = self.cache.get("uncertain")
        if found is None:
            found = self.cache["uncertain"] = {x for x, props in self.nodes.items() for o in props.get(CERTAINTY, ())
                                               if type(o) is ox.NamedNode and o.value == UNCERTAIN}
        assert isinstance(found, set)
        return node in found

    def superclasses(self, cls: str) -> frozenset[str]:
        """``cls`` and every class above it (``rdfs:subClassOf*``, as SPARQL follows it)."""
        found = self._closure.get(cls)
        if found is None:
            seen, todo = {cls}, [cls]
            while todo:
                for p in self.values(todo.pop(), SUBCLASS_OF):
                    if p not in seen:
                        seen.add(p)
                        todo.append(p)
            found = self._closure[cls] = frozenset(seen)
        return found

    def is_a(self, node: str, cls: str) -> bool:
        """True when ``node`` is an instance of ``cls`` or of a class below it (``a/rdfs:subClassOf*``)."""
        return any(cls in self.superclasses(t) for t in self.values(node, TYPE))

    def instances(self, cls: str) -> list[str]:
        """The nodes that are instances of ``cls`` or of a class below it, sorted."""
        typed = self.cache.get("typed")
        if typed is None:  # class -> the nodes asserted to be of it, read once for every class
            by_type: defaultdict[str, list[str]] = defaultdict(list)
            for x, props in self.nodes.items():
                for o in props.get(TYPE, ()):
                    by_type[o.value].append(x)
            typed = self.cache["typed"] = by_type
        assert isinstance(typed, dict)
        return sorted({x for t in typed if cls in self.superclasses(t) for x in typed[t]})

    def sources(self, node: str) -> tuple[str, ...]:
        """The sources ``node`` is derived from (``prov:wasDerivedFrom``), sorted, each once."""
        memo = self._sources
        found = memo.get(node)
        if found is None:
            found = memo[node] = tuple(sorted({o.value for o in self.nodes.get(node, _EMPTY).get(DERIVED_FROM, ())}))
        return found

    def dates(self, node: str) -> dict[str, list[str]]:
        """The literal dates of ``node``, by local name (``date``, ``startDate``, ``endDate``, ``datePublished``)."""
        out: dict[str, list[str]] = {}
        props = self.nodes.get(node, _EMPTY)
        for prop, name in DATE_PROPERTIES.items():
            objects = props.get(prop)
            if objects:
                found = [o.value for o in objects if isinstance(o, ox.Literal)]
                if found:
                    out[name] = found
        return out

    def role_broader(self) -> dict[str, tuple[str, ...]]:
        """Every role of the role scheme -> its broader roles, sorted."""
        found = self.cache.get("role-broader")
        if found is None:
            found = self.cache["role-broader"] = {
                r: tuple(sorted(set(self.values(r, BROADER))))
                for r in sorted(x for x, props in self.nodes.items() if IN_SCHEME in props
                                and self.has_iri(x, IN_SCHEME, ROLE_SCHEME))}
        assert isinstance(found, dict)
        return dict(found)

    def display_labels(self) -> dict[str, str]:
        """IRI -> its display label (:func:`kg.model.labels.display_rank`), for every labelled IRI."""
        found = self.cache.get("display-labels")
        if found is None:
            found = self.cache["display-labels"] = best_names(_named(self))
        assert isinstance(found, dict)
        return found

    def network_labels(self) -> dict[str, str]:
        """Node -> its label by the network's rule (:func:`kg.model.labels.network_label`)."""
        found = self.cache.get("network-labels")
        if found is None:
            labels: dict[str, str] = {}
            for prop in (LABEL, PREF_LABEL):  # skos:prefLabel (read second) wins over rdfs:label
                for x, props in self.nodes.items():
                    names = props.get(prop)
                    if names:
                        labels[x] = network_label((getattr(o, "language", None) or "", o.value) for o in names)
            found = self.cache["network-labels"] = labels
        assert isinstance(found, dict)
        return found


def _named(index: GraphIndex) -> Iterable[tuple[str, tuple[int, str]]]:
    for x in index.iri_subjects:
        props = index.nodes[x]
        for prop, preferred in ((PREF_LABEL, True), (ALT_LABEL, False), (LABEL, False)):
            for o in props.get(prop, ()):
                yield x, display_rank(preferred, getattr(o, "language", None), o.value)


def index_of(graph: KnowledgeGraph) -> GraphIndex:
    """The index of ``graph``, read once (one pass over its triples) and cached on it."""
    cached = graph.cache.get("read-model-index")
    if cached is None:
        cached = graph.cache["read-model-index"] = _read(graph)
    return cached




@without_gc
def _read(graph: KnowledgeGraph) -> GraphIndex:
    nodes: dict[str, Props] = {}
    kinds: dict[str, bool] = {}  # subject -> True when it is an IRI
    named = ox.NamedNode
    props: Props | None = None
    last = None
    # Every triple as three terms, with no sort keys made and no triples rebuilt from them (the whole
    # graph at 1M triples: about 2.5 s, against 8 s for graph.triples()); the index then puts them in
    # the graph's order itself (_ordered). Quoted triples are refused by the build, so plain terms.
    for s, p, o in graph.every_triple():
        sv = s.value
        if sv != last:
            last = sv
            props = nodes.get(sv)
            if props is None:
                props = nodes[sv] = {}
                kinds[sv] = type(s) is named
        pv = p.value
        objects = props.get(pv)  # type: ignore[union-attr]
        if objects is None:
            props[pv] = [o]  # type: ignore[index]
        else:
            objects.append(o)
    shortcuts = {o.value for prop in SHORTCUTS for x in nodes.values() for o in x.get(prop, ())}
    return GraphIndex(_ordered(nodes, kinds), {x for x, iri in kinds.items() if iri}, shortcuts)


def _ordered(nodes: dict[str, dict[str, list[Obj]]], kinds: dict[str, bool]) -> dict[str, Props]:
    """The nodes in the graph's output order (:func:`kg.export.sort_key`): subjects, then ``rdf:type``
    before the other properties, each by its text, then the objects by their sort keys."""
    ordered: dict[str, Props] = {}
    rank = {p: predicate_part(p) for p in {p for props in nodes.values() for p in props}}.__getitem__
    for x in sorted(nodes, key=lambda v: ("0" if kinds[v] else "1") + v):
        props = nodes[x]
        keys = sorted(props, key=rank) if len(props) > 1 else props
        found: Props = defaultdict(list)
        for p in keys:
            objects = props[p]
            found[p] = sorted(objects, key=term_part) if len(objects) > 1 else objects
        ordered[x] = found
    return ordered
