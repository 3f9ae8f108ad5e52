"""From the RDF graph to networkx graphs: the typed multigraph and the person, organisation and
country projections, with their filters (role, edition, date window)."""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from itertools import combinations
from typing import Any

import networkx as nx

from kg.errors import UsageError
from kg.graph import KnowledgeGraph
from kg.model.dates import parse_date
from kg.model.facts import CONTEXT_FAMILIES, Facts, Participation, facts_of
from kg.namespaces import ROLE, shorten

#: The projections :func:`project` and :func:`kg.network.analyze` know.
PROJECTIONS = ("person", "organisation", "country")

#: The kind of tie of the person projection: two people took part in the same context.
CO_PARTICIPATION = "co-participation"

#: Kinds of organisation tie -> the roles (local names in ``role:``, narrower roles included) that both
#: organisations must hold in the same context. Roles missing from the ontology are ignored.
ORGANISATION_TIES: dict[str, tuple[str, ...]] = {
    "co-production": ("producer",),
    "co-organisation": ("organiser", "co-organiser", "host", "guiding-body"),
}

_ROLE_PAIR = re.compile(r"(?:role:)?([^:\s]+)(?:\s*:\s*(?:role:)?([^:\s]*))?")


@dataclass(frozen=True)
class RoleFilter:
    """Keep a tie when, in the shared context, one side held ``first`` and the other ``second``
    (``None``: any role). Narrower roles count: ``juror`` also matches a ``jury-chair``."""

    first: str
    second: str | None = None

    def text(self) -> str:
        """The filter in the syntax :func:`parse_role_filter` reads (``mentor:director``, ``mentor``)."""
        a = self.first.removeprefix(ROLE)
        return f"{a}:{self.second.removeprefix(ROLE)}" if self.second else a


@dataclass(frozen=True)
class Filters:
    """Which participations and ties a projection keeps (all given ones must hold)."""

    role: RoleFilter | None = None
    edition: str | None = None
    since: date | None = None
    until: date | None = None

    def as_dict(self) -> dict[str, str | None]:
        """The filters as plain values, for a summary."""
        return {"role": self.role.text() if self.role else None, "edition": self.edition,
                "since": self.since.isoformat() if self.since else None,
                "until": self.until.isoformat() if self.until else None}


def parse_role_filter(text: str) -> tuple[str, str | None]:
    """Split a role filter into its two sides: ``mentor`` -> (mentor, None), ``mentor:director``,
    ``mentor->director`` and ``mentor→director`` -> (mentor, director); ``*`` stands for any role.
    Sides may be local names (``mentor``), prefixed names (``role:mentor``) or full IRIs (then
    separated by ``->``, ``→`` or a space)."""
    text = text.strip()
    for sep in ("->", "→"):
        if sep in text:
            a, b = (s.strip() for s in text.split(sep, 1))
            return _sides(a, b, text)
    if "://" in text:
        parts = text.split()
        if len(parts) in (1, 2):
            return _sides(parts[0], parts[1] if len(parts) == 2 else "", text)
    m = _ROLE_PAIR.fullmatch(text)
    if not m:
        raise UsageError(f"role filter {text!r} is not understood", field="role",
                         hint="write a role (mentor) or two roles joined by a colon (mentor:director)")
    return _sides(m.group(1), m.group(2) or "", text)


def _sides(a: str, b: str, text: str) -> tuple[str, str | None]:
    a, b = a.strip(), b.strip()
    if a in ("", "*"):
        a, b = b, ""
    if a in ("", "*"):
        raise UsageError(f"role filter {text!r} names no role", field="role",
                         hint="write a role (mentor) or two roles joined by a colon (mentor:director)")
    return a, (None if b in ("", "*") else b)


def resolve_role(facts: Facts, name: str) -> str:
    """The IRI of a role given by IRI, prefixed name, local name or English label."""
    name = name.strip()
    candidates = [name, ROLE + name.removeprefix("role:")]
    for c in candidates:
        if c in facts.roles:
            return c
    by_label = {facts.label(r).casefold(): r for r in facts.roles}
    if name.casefold() in by_label:
        return by_label[name.casefold()]
    names = sorted(r.removeprefix(ROLE) for r in facts.roles)
    close = difflib.get_close_matches(name.removeprefix("role:"), names, n=3)
    hint = f"did you mean {' or '.join(repr(c) for c in close)}?" if close else f"roles: {', '.join(names)}"
    raise UsageError(f"unknown role {name!r}", field="role", hint=hint)


def role_filter(facts: Facts, role: str | tuple[str, str | None] | RoleFilter | None) -> RoleFilter | None:
    """A checked :class:`RoleFilter` from text (see :func:`parse_role_filter`), a pair or a filter."""
    if role is None or role == "":
        return None
    if isinstance(role, RoleFilter):
        a, b = role.first, role.second
    elif isinstance(role, tuple):
        a, b = role
    else:
        a, b = parse_role_filter(role)
    return RoleFilter(resolve_role(facts, a), resolve_role(facts, b) if b else None)


def _bound(value: str | date | None, which: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    parsed = parse_date(str(value))
    if parsed is None:
        raise UsageError(f"{which}: {value!r} is not a date", field=which,
                         hint="write YYYY, YYYY-MM or YYYY-MM-DD")
    return parsed[0] if which == "since" else parsed[1]


def check_entity(facts: Facts, iri: str, what: str = "entity", family: str | None = None) -> str:
    """``iri`` when it names an entity of the network (of ``family`` if given); else a UsageError."""
    ent = facts.entities.get(iri)
    if ent is None:
        raise UsageError(f"unknown {what} {shorten(iri)}", field=what,
                         hint="give the IRI of a person, organisation, work, event, edition ... of the graph")
    if ent.family == "source":
        raise UsageError(f"{shorten(iri)} is a source, not an entity of the network", field=what,
                         hint="sources are the evidence on the ties; name a person, organisation, work or event")
    if family is not None and ent.family != family:
        raise UsageError(f"{shorten(iri)} ({ent.label}) is a {shorten(ent.type)}, not a {family}", field=what,
                         hint=_choices(facts, family))
    return iri


def _choices(facts: Facts, family: str) -> str:
    if family == "edition":
        return "editions: " + ", ".join(f"{shorten(e)} ({facts.label(e)})" for e in facts.edition_order)
    return f"give a {family}"


def resolve_filters(facts: Facts, role: str | tuple[str, str | None] | RoleFilter | None = None,
                    edition: str | None = None, since: str | date | None = None,
                    until: str | date | None = None) -> Filters:
    """Checked filters; a UsageError names the first argument that cannot work."""
    rf = role_filter(facts, role)
    if edition:
        check_entity(facts, edition, "edition", "edition")
    lo, hi = _bound(since, "since"), _bound(until, "until")
    if lo is not None and hi is not None and lo > hi:
        raise UsageError(f"since ({since}) is after until ({until})", field="since",
                         hint="give a since date on or before the until date")
    return Filters(rf, edition or None, lo, hi)


def _matches(facts: Facts, rf: RoleFilter, ra: str, rb: str) -> bool:
    first = facts.narrower(rf.first)
    if rf.second is None:
        return ra in first or rb in first
    second = facts.narrower(rf.second)
    return (ra in first and rb in second) or (ra in second and rb in first)


def kept_participations(facts: Facts, filters: Filters, include_uncertain: bool = False) -> list[Participation]:
    """The participations in contexts (works, events, editions, programmes) that the edition and date
    filters keep. Undated participations are dropped as soon as a date bound is given."""
    members = facts.edition_members.get(filters.edition) if filters.edition else None
    windowed = filters.since is not None or filters.until is not None
    kept = []
    for p in facts.participations:
        ctx = facts.entities.get(p.target)
        if ctx is None or ctx.family not in CONTEXT_FAMILIES or p.agent not in facts.entities:
            continue
        if p.uncertain and not include_uncertain:
            continue
        if members is not None and p.target not in members:
            continue
        if windowed and (p.span is None or not p.span.overlaps(filters.since, filters.until)):
            continue
        kept.append(p)
    return kept


def _years(facts: Facts, parts: list[Participation]) -> tuple[set[int], bool]:
    years = {y for p in parts for y in facts.years(p.span)}
    return years, all(p.span is not None for p in parts)


def _node_attrs(facts: Facts, iri: str) -> dict[str, Any]:
    ent = facts.entities[iri]
    countries = list(facts.countries.get(iri, ()))
    return {"iri": iri, "label": ent.label, "type": shorten(ent.type), "family": ent.family,
            "countries": countries, "country_labels": [facts.label(c) for c in countries]}


def _agent_ties(facts: Facts, parts: list[Participation], family: str, kinds: dict[str, frozenset[str] | None],
                rf: RoleFilter | None) -> tuple[dict[str, list[Participation]], dict[tuple[str, str], list[dict]]]:
    """The agents of ``family`` that can be tied, and the evidence of every tie between two of them."""
    by_ctx: dict[str, dict[str, list[Participation]]] = defaultdict(lambda: defaultdict(list))
    nodes: dict[str, list[Participation]] = defaultdict(list)
    for p in parts:
        if facts.entities[p.agent].family != family:
            continue
        if any(allowed is None or p.role in allowed for allowed in kinds.values()):
            by_ctx[p.target][p.agent].append(p)
            nodes[p.agent].append(p)
    ties: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for ctx in sorted(by_ctx):
        for kind, allowed in kinds.items():
            agents = {a: [p for p in ps if allowed is None or p.role in allowed] for a, ps in by_ctx[ctx].items()}
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
                    "context": ctx, "context_label": facts.label(ctx),
                    "context_type": shorten(facts.entities[ctx].type), "kind": kind,
                    "roles": {a: sorted({p.role for p in pa}), b: sorted({p.role for p in pb})},
                    "participations": sorted(p.iri for p in (*pa, *pb)),
                    "sources": srcs, "years": sorted(years)})
    if rf is not None:
        tied = {x for pair in ties for x in pair}
        nodes = defaultdict(list, {a: ps for a, ps in nodes.items() if a in tied})
    return nodes, ties


def _entity_projection(facts: Facts, filters: Filters, family: str, kinds: dict[str, frozenset[str] | None],
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


def _org_kinds(facts: Facts) -> dict[str, frozenset[str] | None]:
    kinds: dict[str, frozenset[str] | None] = {}
    for kind, names in ORGANISATION_TIES.items():
        roles = frozenset(r for n in names if ROLE + n in facts.roles for r in facts.narrower(ROLE + n))
        if roles:
            kinds[kind] = roles
    return kinds


def _country_projection(facts: Facts, filters: Filters, include_uncertain: bool) -> nx.Graph:
    parts = {"person": _entity_projection(facts, filters, "person", {CO_PARTICIPATION: None}, include_uncertain),
             "organisation": _entity_projection(facts, filters, "organisation", _org_kinds(facts),
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


def build_projection(facts: Facts, projection: str, filters: Filters, include_uncertain: bool = False) -> nx.Graph:
    """The projection from already read facts and checked filters (see :func:`project`)."""
    if projection == "person":
        net = _entity_projection(facts, filters, "person", {CO_PARTICIPATION: None}, include_uncertain)
    elif projection == "organisation":
        net = _entity_projection(facts, filters, "organisation", _org_kinds(facts), include_uncertain)
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
    organisation: when both held producer roles on the same work (co-production) or organiser, co-organiser,
    host or guiding-body roles in the same event, edition or programme (co-organisation); country: the person
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
