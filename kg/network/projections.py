"""From the RDF graph to networkx graphs: the typed multigraph and the person, organisation and
country projections, with their filters (role, edition, date window: :mod:`kg.network.filters`)."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date
from itertools import combinations
from typing import Any

import networkx as nx

from kg.errors import UsageError
from kg.gc_pause import without_gc
from kg.graph import KnowledgeGraph
from kg.model.facts import Facts, Participation, facts_of
from kg.namespaces import shorten
from kg.network.filters import Filters, RoleFilter, kept_participations, resolve_filters

#: The projections :func:`project` and :func:`kg.network.analyze` know.
PROJECTIONS = ("person", "organisation", "country")

def tie_roles(facts: Facts, family: str) -> dict[str, frozenset[str]]:
    """Kinds of tie between two agents of ``family`` (person, organisation) -> the roles (IRIs) that make
    it: both agents hold one in the same context. Declared in the ontology on the role concepts
    (``kgo:tiesPeople``, ``kgo:tiesOrganisations`` in ``ontology/roles.ttl``); a declaring role's narrower
    roles tie too. Today: people, any role (``role:participant`` and below: co-participation);
    organisations, ``producer`` (co-production), ``organiser``, ``co-organiser``, ``host``,
    ``guiding-body``, ``launcher`` (co-organisation) and ``partner`` (partnership)."""
    kinds: dict[str, frozenset[str]] = {}
    for kind, declaring in facts.role_ties.get(family, {}).items():
        roles = frozenset(r for d in declaring for r in facts.narrower(d))
        if roles:
            kinds[kind] = roles
    return kinds

def _matches(facts: Facts, rf: RoleFilter, ra: str, rb: str) -> bool:
    first = facts.narrower(rf.first)
    if rf.second is None:
        return ra in first or rb in first
    second = facts.narrower(rf.second)
    return (ra in first and rb in second) or (ra in second and rb in first)


def _years(facts: Facts, parts: list[Participation]) -> tuple[set[int], bool]:
    years = {y for p in parts for y in facts.years(p.span)}
    return years, all(p.span is not None for p in parts)


def _short_type(facts: Facts, cls: str) -> str:
    """``shorten(cls)``, remembered per graph: there are few types and many entities."""
    memo = facts.cache.setdefault("short-types", {})
    found = memo.get(cls)
    if found is None:
        found = memo[cls] = shorten(cls)
    return found


def _node_attrs(facts: Facts, iri: str) -> dict[str, Any]:
    ent = facts.entities[iri]
    countries = list(facts.countries.get(iri, ()))
    return {"iri": iri, "label": ent.label, "type": _short_type(facts, ent.type), "family": ent.family,
            "countries": countries, "country_labels": [facts.label(c) for c in countries]}


def _agent_ties(facts: Facts, parts: list[Participation], family: str, kinds: dict[str, frozenset[str]],
                rf: RoleFilter | None) -> tuple[dict[str, list[Participation]], dict[tuple[str, str], list[dict]]]:
    """The agents of ``family`` that can be tied, and the evidence of every tie between two of them."""
    by_ctx: dict[str, dict[str, list[Participation]]] = defaultdict(lambda: defaultdict(list))
    nodes: dict[str, list[Participation]] = defaultdict(list)
    for p in parts:
        if facts.entities[p.agent].family != family:
            continue
        if any(p.role in allowed for allowed in kinds.values()):
            by_ctx[p.target][p.agent].append(p)
            nodes[p.agent].append(p)
    ties: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for ctx in sorted(by_ctx):
        ctx_label, ctx_type = facts.label(ctx), _short_type(facts, facts.entities[ctx].type)
        for kind, allowed in kinds.items():
            agents = {a: [p for p in ps if p.role in allowed] for a, ps in by_ctx[ctx].items()}
            agents = {a: ps for a, ps in agents.items() if ps}
            for a, b in combinations(sorted(agents), 2):
                pa, pb = agents[a], agents[b]
                if rf is not None:
                    pairs = [(x, y) for x in pa for y in pb if _matches(facts, rf, x.role, y.role)]
                    if not pairs:
                        continue
                    pa = sorted({x for x, _ in pairs}, key=lambda p: p.iri)
                    pb = sorted({y for _, y in pairs}, key=lambda p: p.iri)
                ya, da = _years(facts, pa)
                yb, db = _years(facts, pb)
                # Both sides dated: the years they share (or, if none, all of theirs); else undated.
                years = (ya & yb or ya | yb) if da and db else set()
                srcs = sorted({s for p in (*pa, *pb) for s in p.sources})
                ties[(a, b)].append({
                    "context": ctx, "context_label": ctx_label, "context_type": ctx_type, "kind": kind,
                    "roles": {a: sorted({p.role for p in pa}), b: sorted({p.role for p in pb})},
                    "participations": sorted(p.iri for p in (*pa, *pb)),
                    "sources": srcs, "years": sorted(years)})
    if rf is not None:
        tied = {x for pair in ties for x in pair}
        nodes = defaultdict(list, {a: ps for a, ps in nodes.items() if a in tied})
    return nodes, ties


def _entity_projection(facts: Facts, filters: Filters, family: str, kinds: dict[str, frozenset[str]],
                       include_uncertain: bool) -> nx.Graph:
    parts = kept_participations(facts, filters, include_uncertain)
    nodes, ties = _agent_ties(facts, parts, family, kinds, filters.role)
    net = nx.Graph()
    for n in sorted(nodes):
        years, dated = _years(facts, nodes[n])
        net.add_node(n, **_node_attrs(facts, n), contexts=len({p.target for p in nodes[n]}),
                     years=sorted(years), dated=dated)
    for (a, b) in sorted(ties):
        ev = sorted(ties[(a, b)], key=lambda e: (e["context"], e["kind"]))
        srcs = sorted({s for e in ev for s in e["sources"]})
        net.add_edge(a, b, weight=len({e["context"] for e in ev}), kinds=sorted({e["kind"] for e in ev}),
                     contexts=sorted({e["context"] for e in ev}),
                     context_labels=[facts.label(c) for c in sorted({e["context"] for e in ev})],
                     sources=srcs, source_urls=facts.urls(srcs),
                     years=sorted({y for e in ev for y in e["years"]}), dated=all(e["years"] for e in ev),
                     evidence=ev)
    return net


def _country_projection(facts: Facts, filters: Filters, include_uncertain: bool) -> nx.Graph:
    parts = {"person": _entity_projection(facts, filters, "person", tie_roles(facts, "person"), include_uncertain),
             "organisation": _entity_projection(facts, filters, "organisation", tie_roles(facts, "organisation"),
                                                include_uncertain)}
    members: dict[str, set[str]] = defaultdict(set)
    years: dict[str, set[int]] = defaultdict(set)
    dated: dict[str, bool] = defaultdict(lambda: True)
    for sub in parts.values():
        for n, d in sub.nodes(data=True):
            for c in d["countries"]:
                members[c].add(n)
                years[c] |= set(d["years"])
                dated[c] = dated[c] and d["dated"]
    domestic: dict[str, int] = defaultdict(int)
    edges: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for name, sub in parts.items():
        for x, y, d in sorted(sub.edges(data=True), key=lambda e: tuple(sorted(e[:2]))):
            x, y = sorted((x, y))
            tie = {"between": [x, y], "labels": [facts.label(x), facts.label(y)], "projection": name,
                   "kinds": d["kinds"], "weight": d["weight"], "contexts": d["contexts"], "sources": d["sources"],
                   "years": d["years"], "dated": d["dated"]}
            for cx in facts.countries.get(x, ()):
                for cy in facts.countries.get(y, ()):
                    if cx == cy:
                        domestic[cx] += 1
                    else:
                        edges[tuple(sorted((cx, cy)))].append(tie)  # type: ignore[index]
    net = nx.Graph()
    for c in sorted(members):
        net.add_node(c, **_node_attrs(facts, c), members=len(members[c]), domestic_ties=domestic[c],
                     years=sorted(years[c]), dated=dated[c])
    for (a, b) in sorted(edges):
        ev = edges[(a, b)]
        srcs = sorted({s for t in ev for s in t["sources"]})
        net.add_edge(a, b, weight=len(ev), kinds=sorted({k for t in ev for k in t["kinds"]}),
                     contexts=sorted({c for t in ev for c in t["contexts"]}),
                     context_labels=[facts.label(c) for c in sorted({c for t in ev for c in t["contexts"]})],
                     sources=srcs, source_urls=facts.urls(srcs),
                     years=sorted({y for t in ev for y in t["years"]}), dated=all(t["dated"] for t in ev),
                     evidence=[{k: v for k, v in t.items() if k != "dated"} for t in ev])
    return net


@without_gc
def build_projection(facts: Facts, projection: str, filters: Filters, include_uncertain: bool = False) -> nx.Graph:
    """The projection from already read facts and checked filters (see :func:`project`)."""
    if projection == "person":
        net = _entity_projection(facts, filters, "person", tie_roles(facts, "person"), include_uncertain)
    elif projection == "organisation":
        net = _entity_projection(facts, filters, "organisation", tie_roles(facts, "organisation"), include_uncertain)
    elif projection == "country":
        net = _country_projection(facts, filters, include_uncertain)
    else:
        raise UsageError(f"unknown projection {projection!r}", field="projection",
                         hint=f"choose one of {', '.join(PROJECTIONS)}")
    net.graph.update(projection=projection, **{k: v for k, v in filters.as_dict().items() if v is not None})
    return net


def check_projection(projection: str) -> str:
    """``projection`` if it is one of :data:`PROJECTIONS`; else a UsageError."""
    if projection not in PROJECTIONS:
        raise UsageError(f"unknown projection {projection!r}", field="projection",
                         hint=f"choose one of {', '.join(PROJECTIONS)}")
    return projection


def project(graph: KnowledgeGraph, projection: str = "person", *,
            role: str | tuple[str, str | None] | RoleFilter | None = None, edition: str | None = None,
            since: str | date | None = None, until: str | date | None = None,
            include_uncertain: bool = False) -> nx.Graph:
    """A weighted, undirected projection of the graph: ``person``, ``organisation`` or ``country``.

    Person: two people are tied when they took part in the same work, event, edition or programme;
    organisation: when both held roles of one kind of tie in the same context (producer roles on a work:
    co-production; organiser, co-organiser, host, guiding-body or launcher roles: co-organisation; partner
    in a partnership) -- the roles are declared in the ontology (:func:`tie_roles`); country: the person
    and organisation ties between entities of two different countries. ``weight`` is the number of distinct
    shared contexts (for countries, of entity ties) and ``evidence`` says which, with roles and sources.
    ``role`` (e.g. ``"mentor:director"``), ``edition`` (an edition IRI) and ``since``/``until`` filter the
    participations; uncertain participations are left out unless ``include_uncertain``.
    """
    check_projection(projection)
    facts = facts_of(graph)
    return build_projection(facts, projection, resolve_filters(facts, role, edition, since, until), include_uncertain)


def _relation_label(facts: Facts, iri: str) -> str:
    # Terms of other vocabularies (schema:about ...) carry no label in the graph: use their local name.
    return facts.labels.get(iri) or re.split(r"[#/]", iri)[-1]


def _typed(facts: Facts, include_uncertain: bool) -> nx.MultiDiGraph:
    key = f"typed:{include_uncertain}"
    if key in facts.cache:
        return facts.cache[key]
    net = nx.MultiDiGraph()
    for x in sorted(facts.entities):
        if facts.entities[x].family != "source":
            net.add_node(x, **_node_attrs(facts, x))
    edges = []
    for p in facts.participations:
        if p.uncertain and not include_uncertain:
            continue
        edges.append((p.agent, p.target, p.iri, {
            "relation": p.role, "relation_label": _relation_label(facts, p.role), "kind": "participation", "via": p.iri,
            "date": p.date, "sources": list(p.sources), "source_urls": facts.urls(p.sources),
            "certainty": shorten(p.certainty) if p.certainty else "",
            "years": list(facts.years(p.span)), "dated": p.span is not None}))
    for ln in facts.relations:
        if ln.uncertain and not include_uncertain:
            continue
        edges.append((ln.source, ln.target, ln.via or ln.relation, {
            "relation": ln.relation, "relation_label": _relation_label(facts, ln.relation), "kind": ln.kind,
            "via": ln.via,
            "date": ln.date, "sources": list(ln.sources), "source_urls": facts.urls(ln.sources),
            "certainty": shorten(ln.certainty) if ln.certainty else "",
            "years": list(facts.years(ln.span)), "dated": ln.span is not None}))
    for u, v, k, d in sorted(edges, key=lambda e: e[:3]):
        if u in net and v in net and not net.has_edge(u, v, k):
            net.add_edge(u, v, key=k, **d)
    net.graph["projection"] = "typed"
    facts.cache[key] = net
    return net


def typed_graph(graph: KnowledgeGraph, *, include_uncertain: bool = False) -> nx.MultiDiGraph:
    """The typed multigraph: every entity (person, organisation, work, event, programme, edition, place,
    award; not sources) with its label, type, family and countries, and every relation between two of
    them: participations (agent -> target, ``relation`` = the role), the plain relations of the ontology
    (``kgo:partOf``, ``kgo:editionOf``, ``kgo:basedIn``, ``kgo:country``, ``schema:location`` ...), award
    outcomes (work and recipients -> award, work -> ceremony) and quotations (speaker -> where said).
    Schema triples (``rdf:type``, ``rdfs:``, ``owl:``, ``skos:``, provenance) and the shortcut triples
    that merely repeat a participation are not edges. Every edge carries its sources."""
    return _typed(facts_of(graph), include_uncertain).copy()
