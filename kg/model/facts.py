"""The network's view of the read model: entities (instances of the record families, sources included),
their labels, types and countries, the participations, awards and quotations (the qualified relations),
the plain relations between entities, the role hierarchy and edition membership.

Derived from the one reading pass of :mod:`kg.model.index` and cached on the graph. Its rules are the
network's (see :mod:`kg.network`): an entity is a node whose classes reach exactly one record family,
typed with its most specific asserted class; its label is :func:`kg.model.labels.network_label`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from kg.gc_pause import without_gc
from kg.graph import KnowledgeGraph
from kg.model.dates import Span, date_text, span_of
from kg.model.index import TYPE, URL, GraphIndex, index_of
from kg.model.membership import PART_OF, countries, network_editions
from kg.namespaces import KGO, OWL, PROV, RDF, RDFS, SH, SKOS, shorten
from kg.schema import FAMILIES

#: family key -> class IRI, and back.
FAMILY_CLASS: dict[str, str] = dict(FAMILIES)
CLASS_FAMILY: dict[str, str] = {iri: key for key, iri in FAMILIES.items()}

#: Families whose instances are contexts of collaboration: taking part in the same one ties two agents.
CONTEXT_FAMILIES = ("work", "event", "edition", "programme")

UNCERTAIN = KGO + "Uncertain"
EDITION_NUMBER = KGO + "editionNumber"
QUOTED_AT = KGO + "quotedAt"
AT_EVENT = KGO + "atEvent"
COUNTRY_CLASS = KGO + "Country"

#: Namespaces whose properties are schema or provenance, never a relation between entities.
SCHEMA_NAMESPACES = (RDF, RDFS, OWL, SKOS, SH, PROV)


@dataclass(frozen=True)
class Entity:
    """A node of the network: an instance of a record family."""

    iri: str
    label: str
    type: str  # the most specific asserted class, e.g. https://w3id.org/coprod-kg/ontology#LaunchCeremony
    family: str  # a key of kg.schema.FAMILIES: person, organisation, work ...
    uncertain: bool = False


@dataclass(frozen=True)
class Participation:
    """A kgo:Participation: ``agent`` took part in ``target`` in ``role``."""

    iri: str
    agent: str
    role: str
    target: str
    span: Span | None  # its own dates, else those of its target (see Facts.context_span)
    dated_by: str  # "participation", "context" or "" (undated)
    date: str  # its own dates as written, for display
    sources: tuple[str, ...]
    certainty: str | None
    uncertain: bool  # the participation, its agent or its target is marked uncertain


@dataclass(frozen=True)
class Relation:
    """A relation between two entities of the typed graph, with its evidence."""

    source: str
    target: str
    relation: str  # property or role IRI
    kind: str  # participation, relation, award or quotation
    via: str  # the qualified node (participation, award outcome, quotation) or "" for a plain triple
    date: str
    span: Span | None
    sources: tuple[str, ...]
    certainty: str | None
    uncertain: bool


@dataclass
class Facts:
    """Everything the network module reads from one graph."""

    entities: dict[str, Entity]
    labels: dict[str, str]
    participations: list[Participation]
    relations: list[Relation]  # plain relations, awards and quotations (participations are built from `participations`)
    roles: dict[str, tuple[str, ...]]  # role IRI -> its broader roles
    sources_of: dict[str, tuple[str, ...]]
    source_urls: dict[str, str]
    countries: dict[str, tuple[str, ...]]
    edition_members: dict[str, frozenset[str]]
    edition_order: list[str]
    context_spans: dict[str, Span | None]
    first_year: int
    last_year: int
    # family (person, organisation) -> kind of tie -> the roles that declare it (kgo:tiesPeople,
    # kgo:tiesOrganisations in the ontology); their narrower roles tie too
    role_ties: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)
    cache: dict[str, Any] = field(default_factory=dict)

    def label(self, iri: str) -> str:
        """The label of any IRI the graph labels, else its short form."""
        return self.labels.get(iri) or shorten(iri)

    def narrower(self, role: str) -> frozenset[str]:
        """``role`` and every role below it (``skos:broader`` followed downwards)."""
        key = "narrower"
        table = self.cache.get(key)
        if table is None:
            below: dict[str, set[str]] = defaultdict(set)
            for r, broader in self.roles.items():
                for b in broader:
                    below[b].add(r)
            table = {}
            for r in self.roles:
                seen, todo = {r}, [r]
                while todo:
                    for n in below.get(todo.pop(), ()):
                        if n not in seen:
                            seen.add(n)
                            todo.append(n)
                table[r] = frozenset(seen)
            self.cache[key] = table
        return table.get(role, frozenset((role,)))

    def years(self, span: Span | None) -> tuple[int, ...]:
        """The years of a span, open ends clipped to the years the graph mentions."""
        return span.years(self.first_year, self.last_year) if span is not None else ()

    def urls(self, sources: Iterable[str]) -> list[str]:
        """The addresses of the given sources, in the same order, skipping those without one."""
        return [self.source_urls[s] for s in sources if s in self.source_urls]


def facts_of(graph: KnowledgeGraph) -> Facts:
    """The facts of ``graph``, derived once from its index and cached for as long as the graph lives."""
    facts = graph.cache.get("network-facts")
    if facts is None:
        facts = graph.cache["network-facts"] = _read(index_of(graph))
    return facts


def _first(index: GraphIndex, node: str, *props: str) -> list[str] | None:
    """The first value of each of ``props`` on ``node``, or None when one is missing."""
    found = []
    for p in props:
        values = index.values(node, p)
        if not values:
            return None
        found.append(values[0])
    return found


def _optional(index: GraphIndex, node: str, prop: str) -> str | None:
    values = index.values(node, prop)
    return values[0] if values else None


def _entities(index: GraphIndex, labels: dict[str, str]) -> tuple[dict[str, Entity], set[str]]:
    entities: dict[str, Entity] = {}
    is_country: set[str] = set()
    kinds: dict[tuple[str, ...], tuple[str, str, bool] | None] = {}  # the same types, the same answer
    for x, props in index.nodes.items():
        found = props.get(TYPE)
        if not found or x not in index.iri_subjects:
            continue
        key = tuple(o.value for o in found)
        kind = kinds.get(key, _UNKNOWN)
        if kind is _UNKNOWN:
            kind = kinds[key] = _kind(index, key)
        if kind is None:
            continue
        t, family, country = kind
        entities[x] = Entity(x, labels.get(x) or shorten(x), t, family, index.uncertain(x))
        if country:
            is_country.add(x)
    return entities, is_country


_UNKNOWN = ("", "", False)


def _kind(index: GraphIndex, asserted: tuple[str, ...]) -> tuple[str, str, bool] | None:
    """For a node of the ``asserted`` types: its most specific type, its family and whether it is a
    country; ``None`` when its types reach no record family or more than one."""
    types = {t: index.superclasses(t) for t in dict.fromkeys(asserted)}
    fams = {CLASS_FAMILY[s] for sups in types.values() for s in sups if s in CLASS_FAMILY}
    if len(fams) != 1:
        return None
    # The most specific asserted type: the one with the most superclasses.
    t = min(types, key=lambda c: (-len(types[c]), c))
    return t, fams.pop(), any(COUNTRY_CLASS in sups for sups in types.values())


def _links(index: GraphIndex, entities: dict[str, Entity]) -> tuple[dict[str, dict[str, list[str]]], list[Relation]]:
    """The plain relations between two entities (sources are provenance, not part of the network)."""
    out: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    plain: list[tuple[str, str, str]] = []
    for s, ent in entities.items():
        for p in index.props(s):
            if p in index.shortcuts or p.startswith(SCHEMA_NAMESPACES):
                continue
            for o in index.iris(s, p):
                if o not in entities:
                    continue
                out[s][p].append(o)
                if "source" not in (ent.family, entities[o].family):
                    plain.append((s, p, o))
    return out, [Relation(s, o, p, "relation", "", "", None, index.sources(s), None,
                          index.uncertain(s) or index.uncertain(o)) for s, p, o in sorted(set(plain))]


class _Spans:
    """Own spans of dated nodes, and context spans: own dates; for a work, its publication; else the
    narrowest span of what it is part of."""

    def __init__(self, index: GraphIndex, entities: dict[str, Entity], out: dict[str, dict[str, list[str]]]) -> None:
        self.index, self.entities, self.out = index, entities, out
        self.context: dict[str, Span | None] = {}

    def own(self, x: str, published: bool = False, d: dict[str, list[str]] | None = None) -> Span | None:
        """The span of ``x``'s own dates (``d``, when they are already read)."""
        if d is None:
            d = self.index.dates(x)
        s = span_of(d.get("date", ()), d.get("startDate", ()), d.get("endDate", ()), d.get("earliestDate", ()),
                    d.get("latestDate", ()))
        if s is None and published:
            s = span_of(d.get("datePublished", ()))
        return s

    def of_context(self, x: str, trail: frozenset[str] = frozenset()) -> Span | None:
        if x in self.context:
            return self.context[x]
        ent = self.entities.get(x)
        s = self.own(x, published=ent is not None and ent.family == "work")
        if s is None:
            found = [self.of_context(p, trail | {x}) for p in sorted(self.out[x].get(PART_OF, ())) if p not in trail]
            parents = [p for p in found if p is not None]
            s = min(parents, key=lambda p: (p.width(), p.lo or date.min)) if parents else None
        if not trail:
            self.context[x] = s
        return s


def _text(index: GraphIndex, node: str, d: dict[str, list[str]] | None = None) -> str:
    if d is None:
        d = index.dates(node)
    return date_text(d.get("date", ()), d.get("startDate", ()), d.get("endDate", ()), d.get("earliestDate", ()),
                     d.get("latestDate", ()))


def _participations(index: GraphIndex, spans: _Spans) -> list[Participation]:
    found: list[Participation] = []
    agent_p, role_p, target_p, cert_p = KGO + "agent", KGO + "role", KGO + "participationIn", KGO + "certainty"
    for p in index.instances(KGO + "Participation"):
        props = index.props(p)
        agents, roles, targets = props.get(agent_p), props.get(role_p), props.get(target_p)
        if not agents or not roles or not targets:
            continue
        agent, role, target = agents[0].value, roles[0].value, targets[0].value
        certs = props.get(cert_p)
        cert = certs[0].value if certs else None
        d = index.dates(p)
        own = spans.own(p, d=d)
        span = own if own is not None else spans.of_context(target)
        found.append(Participation(
            iri=p, agent=agent, role=role, target=target, span=span,
            dated_by="participation" if own is not None else "context" if span is not None else "",
            date=_text(index, p, d), sources=index.sources(p), certainty=cert,
            uncertain=cert == UNCERTAIN or index.uncertain(agent) or index.uncertain(target)))
    return found


def _awards(index: GraphIndex, spans: _Spans) -> list[Relation]:
    found: list[Relation] = []
    for a in index.instances(KGO + "AwardOutcome"):
        r = _first(index, a, KGO + "awardedWork", KGO + "award")
        if r is None:
            continue
        work, award = r
        cert, event = _optional(index, a, KGO + "certainty"), _optional(index, a, AT_EVENT)
        outcome = _optional(index, a, KGO + "outcome")
        outcome = KGO + "awardOutcome" if outcome is None else outcome
        span, text = spans.own(a), _text(index, a)
        doubt = cert == UNCERTAIN or index.uncertain(work)
        recipients = sorted(set(index.values(a, KGO + "recipient")))
        pairs = [(work, award, outcome)] + [(w, award, outcome) for w in recipients]
        if event is not None:
            pairs.append((work, event, AT_EVENT))
        for u, v, rel in pairs:
            found.append(Relation(u, v, rel, "award", a, text, span, index.sources(a), cert, doubt))
    return found


def _quotations(index: GraphIndex, spans: _Spans) -> list[Relation]:
    found: list[Relation] = []
    for q in index.instances(KGO + "Quotation"):
        r = _first(index, q, KGO + "spokenBy", QUOTED_AT)
        if r is None:
            continue
        speaker, at = r
        cert = _optional(index, q, KGO + "certainty")
        found.append(Relation(speaker, at, QUOTED_AT, "quotation", q, date_text(index.dates(q).get("date", ())),
                              spans.own(q) or spans.of_context(at), index.sources(q), cert, cert == UNCERTAIN))
    return found


def _edition_numbers(index: GraphIndex, entities: dict[str, Entity]) -> dict[str, int]:
    numbers: dict[str, int] = {}
    for e, ent in entities.items():
        if ent.family != "edition":
            continue
        for n in index.values(e, EDITION_NUMBER):
            try:
                numbers[e] = int(n)
                break
            except ValueError:
                pass
    return numbers


#: The role annotations that declare ties, and the family of agents each one ties.
TIE_ANNOTATIONS = {KGO + "tiesPeople": "person", KGO + "tiesOrganisations": "organisation"}


def _role_ties(index: GraphIndex) -> dict[str, dict[str, tuple[str, ...]]]:
    """Family -> kind of tie -> the roles declaring it, as the ontology's role concepts say."""
    found: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for role in index.role_broader():
        for prop, family in TIE_ANNOTATIONS.items():
            for kind in index.values(role, prop):
                found[family][kind].append(role)
    return {family: {kind: tuple(sorted(roles)) for kind, roles in sorted(kinds.items())}
            for family, kinds in sorted(found.items())}


@without_gc
def _read(index: GraphIndex) -> Facts:
    labels = index.network_labels()
    entities, is_country = _entities(index, labels)
    sources = {x: index.sources(x) for x in index.nodes if index.props(x).get(PROV + "wasDerivedFrom")}
    source_urls = {s: urls[-1] for s in index.instances(KGO + "Source") if (urls := index.values(s, URL))}
    out, relations = _links(index, entities)
    spans = _Spans(index, entities, out)
    for x in sorted(entities):
        if entities[x].family in CONTEXT_FAMILIES:
            spans.of_context(x)
    participations = _participations(index, spans)
    relations += _awards(index, spans) + _quotations(index, spans)
    relations = [r for r in relations if r.source in entities and r.target in entities]
    members, order = network_editions(entities, out, participations, _edition_numbers(index, entities),
                                      spans.context)
    years = [y for s in [*spans.context.values(), *(p.span for p in participations), *(r.span for r in relations)]
             if s is not None for y in (s.lo.year if s.lo else None, s.hi.year if s.hi else None) if y is not None]
    return Facts(
        entities=entities, labels=labels, participations=participations, relations=relations,
        roles=index.role_broader(), sources_of=sources, source_urls=source_urls,
        countries=countries(entities, out, is_country), edition_members=members, edition_order=order,
        context_spans=spans.context, first_year=min(years, default=date.today().year),
        last_year=max(years, default=date.today().year), role_ties=_role_ties(index))
