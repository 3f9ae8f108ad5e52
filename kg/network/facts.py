"""What the network is made of, read from the RDF graph with fixed SPARQL queries.

Everything the projections, paths and exports need is read here once per graph and cached: the
entities (instances of the record families, except sources), their labels, types and countries,
the participations, awards and quotations (the qualified relations) and the plain relations between
entities. No user value is ever put into a query: the queries are fixed and the filtering is done
in Python (Oxigraph binds only projected variables, so this is also the simplest way).
"""

from __future__ import annotations

import re
import weakref
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from kg.graph import KnowledgeGraph
from kg.namespaces import KGO, ORG, OWL, PROV, RDF, RDFS, SCHEMA, SH, SKOS, shorten
from kg.schema import FAMILIES

#: family key -> class IRI, and back.
FAMILY_CLASS: dict[str, str] = dict(FAMILIES)
CLASS_FAMILY: dict[str, str] = {iri: key for key, iri in FAMILIES.items()}

#: Families whose instances are contexts of collaboration: taking part in the same one ties two agents.
CONTEXT_FAMILIES = ("work", "event", "edition", "programme")

UNCERTAIN = KGO + "Uncertain"
PART_OF = KGO + "partOf"
EDITION_NUMBER = KGO + "editionNumber"
QUOTED_AT = KGO + "quotedAt"
AT_EVENT = KGO + "atEvent"

# The properties of the country rule (see kg.network's module documentation).
NATIONALITY = SCHEMA + "nationality"
COUNTRY = KGO + "country"
BASED_IN = KGO + "basedIn"
CONTAINED_IN = SCHEMA + "containedInPlace"
COUNTRY_OF_ORIGIN = SCHEMA + "countryOfOrigin"
LOCATION = SCHEMA + "location"
UNIT_OF = ORG + "unitOf"
COUNTRY_CLASS = KGO + "Country"

#: Namespaces whose properties are schema or provenance, never a relation between entities.
SCHEMA_NAMESPACES = (RDF, RDFS, OWL, SKOS, SH, PROV)

_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:Z|[+-]\d{2}:\d{2})?$")


@dataclass(frozen=True)
class Span:
    """A stretch of time, both ends inclusive; ``None`` is an open end."""

    lo: date | None
    hi: date | None

    def overlaps(self, lo: date | None, hi: date | None) -> bool:
        """True when this span and ``[lo, hi]`` (open ends allowed) share at least one day."""
        return (hi is None or self.lo is None or self.lo <= hi) and (lo is None or self.hi is None or self.hi >= lo)

    def years(self, first: int, last: int) -> tuple[int, ...]:
        """The calendar years this span touches, open ends clipped to ``[first, last]``."""
        lo = self.lo.year if self.lo is not None else first
        hi = self.hi.year if self.hi is not None else last
        return tuple(range(lo, hi + 1))

    def width(self) -> float:
        """Its length in days (infinite when an end is open): the narrower span is the more precise."""
        if self.lo is None or self.hi is None:
            return float("inf")
        return float((self.hi - self.lo).days)


def parse_date(text: str) -> tuple[date, date] | None:
    """The first and last day a lexical date covers: ``2022`` -> 1 Jan .. 31 Dec 2022, ``2024-07`` ->
    the month, ``2024-07-30`` -> that day. ``None`` when ``text`` is not such a date."""
    m = _DATE.match(text.strip())
    if not m:
        return None
    year, month, day = int(m.group(1)), m.group(2), m.group(3)
    try:
        if month is None:
            return date(year, 1, 1), date(year, 12, 31)
        mon = int(month)
        if day is None:
            nxt = date(year + 1, 1, 1) if mon == 12 else date(year, mon + 1, 1)
            return date(year, mon, 1), date.fromordinal(nxt.toordinal() - 1)
        d = date(year, mon, int(day))
        return d, d
    except ValueError:
        return None


def span_of(point: Iterable[str] = (), start: Iterable[str] = (), end: Iterable[str] = ()) -> Span | None:
    """The span of a point date or of a start/end pair; a start alone is open towards the future and an
    end alone towards the past. ``None`` when nothing parses."""
    points = [p for p in (parse_date(t) for t in point) if p]
    if points:
        return Span(min(p[0] for p in points), max(p[1] for p in points))
    starts = [p for p in (parse_date(t) for t in start) if p]
    ends = [p for p in (parse_date(t) for t in end) if p]
    if not starts and not ends:
        return None
    return Span(min(p[0] for p in starts) if starts else None, max(p[1] for p in ends) if ends else None)


def date_text(point: Iterable[str] = (), start: Iterable[str] = (), end: Iterable[str] = ()) -> str:
    """Dates as the source gave them, for display: ``2024-07-30``, ``2024-07-30/2024-08-31``, ``2022/``."""
    point, start, end = sorted(point), sorted(start), sorted(end)
    if point:
        return "; ".join(point)
    if start or end:
        return f"{'; '.join(start)}/{'; '.join(end)}"
    return ""


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


_CACHE: weakref.WeakKeyDictionary[KnowledgeGraph, Facts] = weakref.WeakKeyDictionary()


def facts_of(graph: KnowledgeGraph) -> Facts:
    """The facts of ``graph``, read once and cached for as long as the graph lives."""
    facts = _CACHE.get(graph)
    if facts is None:
        facts = _read(graph)
        _CACHE[graph] = facts
    return facts


def _rows(graph: KnowledgeGraph, sparql: str) -> list[dict[str, str]]:
    return [{k: v.value for k, v in row.items()} for row in graph.select(sparql).rows]


def _pick_label(candidates: list[tuple[str, str]]) -> str:
    # English first, then untagged, then the other languages in tag order: one stable choice.
    def rank(c: tuple[str, str]) -> tuple[int, str, str]:
        lang, text = c
        return (0 if lang == "en" or lang.startswith("en-") else 1 if not lang else 2, lang, text)

    return min(candidates, key=rank)[1]


def _read(graph: KnowledgeGraph) -> Facts:
    family_iris = set(CLASS_FAMILY)
    typed: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for r in _rows(graph, "SELECT DISTINCT ?x ?t ?sup WHERE { ?x a ?t . ?t rdfs:subClassOf* ?sup FILTER(isIRI(?x)) }"):
        typed[r["x"]][r["t"]].add(r["sup"])

    uncertain = {r["x"] for r in _rows(graph, "SELECT ?x WHERE { ?x kgo:certainty kgo:Uncertain }")}

    labels: dict[str, str] = {}
    for query in ("SELECT ?x ?l (LANG(?l) AS ?lang) WHERE { ?x rdfs:label ?l }",
                  "SELECT ?x ?l (LANG(?l) AS ?lang) WHERE { ?x skos:prefLabel ?l }"):
        found: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for r in _rows(graph, query):
            found[r["x"]].append((r.get("lang", ""), r["l"]))
        # skos:prefLabel (read second) wins over rdfs:label.
        labels.update({x: _pick_label(c) for x, c in found.items()})

    entities: dict[str, Entity] = {}
    is_country: set[str] = set()
    for x, types in typed.items():
        fams = {CLASS_FAMILY[s] for sups in types.values() for s in sups if s in family_iris}
        if len(fams) != 1:
            continue
        # The most specific asserted type: the one with the most superclasses.
        t = min(types, key=lambda c: (-len(types[c]), c))
        entities[x] = Entity(x, labels.get(x) or shorten(x), t, fams.pop(), x in uncertain)
        if any(COUNTRY_CLASS in sups for sups in types.values()):
            is_country.add(x)

    sources_of: dict[str, list[str]] = defaultdict(list)
    for r in _rows(graph, "SELECT ?x ?s WHERE { ?x prov:wasDerivedFrom ?s }"):
        sources_of[r["x"]].append(r["s"])
    sources = {x: tuple(sorted(set(s))) for x, s in sources_of.items()}
    source_urls = {r["s"]: r["u"] for r in _rows(graph, """
        SELECT ?s ?u WHERE { ?s a/rdfs:subClassOf* kgo:Source ; schema:url ?u }""")}

    dates: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for r in _rows(graph, """
            SELECT ?x ?p ?d WHERE {
              VALUES ?p { kgo:date kgo:startDate kgo:endDate schema:datePublished }
              ?x ?p ?d FILTER(isLiteral(?d)) }"""):
        dates[r["x"]][r["p"].rsplit("#", 1)[-1].rsplit("/", 1)[-1]].append(r["d"])

    def own_span(x: str, published: bool = False) -> Span | None:
        d = dates.get(x, {})
        s = span_of(d.get("date", ()), d.get("startDate", ()), d.get("endDate", ()))
        if s is None and published:
            s = span_of(d.get("datePublished", ()))
        return s

    roles: dict[str, list[str]] = defaultdict(list)
    for r in _rows(graph, """
            SELECT ?r ?b WHERE { ?r skos:inScheme kgo:RoleScheme OPTIONAL { ?r skos:broader ?b } }"""):
        roles[r["r"]].extend([r["b"]] if "b" in r else [])
    role_table = {r: tuple(sorted(set(b))) for r, b in roles.items()}
    shortcuts = {r["p"] for r in _rows(graph, """
        SELECT DISTINCT ?p WHERE { ?r kgo:shortcutAgentToTarget|kgo:shortcutTargetToAgent ?p }""")}

    # Plain relations between two entities (sources are provenance, not part of the network).
    out: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    plain: list[tuple[str, str, str]] = []
    for r in _rows(graph, "SELECT ?s ?p ?o WHERE { ?s ?p ?o FILTER(isIRI(?s) && isIRI(?o)) }"):
        s, p, o = r["s"], r["p"], r["o"]
        if s not in entities or o not in entities or p in shortcuts or p.startswith(SCHEMA_NAMESPACES):
            continue
        out[s][p].append(o)
        if "source" not in (entities[s].family, entities[o].family):
            plain.append((s, p, o))

    # Context spans: own dates; for a work, its publication; else the narrowest span of what it is part of.
    context_spans: dict[str, Span | None] = {}

    def context_span(x: str, trail: frozenset[str] = frozenset()) -> Span | None:
        if x in context_spans:
            return context_spans[x]
        ent = entities.get(x)
        s = own_span(x, published=ent is not None and ent.family == "work")
        if s is None:
            found = [context_span(p, trail | {x}) for p in sorted(out[x].get(PART_OF, ())) if p not in trail]
            parents = [p for p in found if p is not None]
            s = min(parents, key=lambda p: (p.width(), p.lo or date.min)) if parents else None
        if not trail:
            context_spans[x] = s
        return s

    for x in sorted(entities):
        if entities[x].family in CONTEXT_FAMILIES:
            context_span(x)

    participations: list[Participation] = []
    grouped: dict[str, dict[str, str]] = {}
    for r in _rows(graph, """
            SELECT ?p ?agent ?role ?target ?cert WHERE {
              ?p a/rdfs:subClassOf* kgo:Participation ; kgo:agent ?agent ; kgo:role ?role ;
                 kgo:participationIn ?target .
              OPTIONAL { ?p kgo:certainty ?cert } }"""):
        grouped.setdefault(r["p"], r)
    for p, r in sorted(grouped.items()):
        d = dates.get(p, {})
        own = own_span(p)
        span = own if own is not None else context_span(r["target"])
        participations.append(Participation(
            iri=p, agent=r["agent"], role=r["role"], target=r["target"], span=span,
            dated_by="participation" if own is not None else "context" if span is not None else "",
            date=date_text(d.get("date", ()), d.get("startDate", ()), d.get("endDate", ())),
            sources=sources.get(p, ()), certainty=r.get("cert"),
            uncertain=r.get("cert") == UNCERTAIN or r["agent"] in uncertain or r["target"] in uncertain))

    relations: list[Relation] = []
    for s, p, o in sorted(set(plain)):
        relations.append(Relation(s, o, p, "relation", "", "", None, sources.get(s, ()), None,
                          s in uncertain or o in uncertain))

    awards: dict[str, dict[str, str]] = {}
    for r in _rows(graph, """
            SELECT ?a ?work ?award ?outcome ?event ?cert WHERE {
              ?a a/rdfs:subClassOf* kgo:AwardOutcome ; kgo:awardedWork ?work ; kgo:award ?award .
              OPTIONAL { ?a kgo:outcome ?outcome } OPTIONAL { ?a kgo:atEvent ?event }
              OPTIONAL { ?a kgo:certainty ?cert } }"""):
        awards.setdefault(r["a"], r)
    recipients: dict[str, set[str]] = defaultdict(set)
    for r in _rows(graph, "SELECT ?a ?who WHERE { ?a kgo:recipient ?who }"):
        recipients[r["a"]].add(r["who"])
    for a, r in sorted(awards.items()):
        d = dates.get(a, {})
        span = own_span(a)
        text = date_text(d.get("date", ()), d.get("startDate", ()), d.get("endDate", ()))
        outcome = r.get("outcome", KGO + "awardOutcome")
        doubt = r.get("cert") == UNCERTAIN or r["work"] in uncertain
        pairs = [(r["work"], r["award"], outcome)] + [(w, r["award"], outcome) for w in sorted(recipients[a])]
        if "event" in r:
            pairs.append((r["work"], r["event"], AT_EVENT))
        for u, v, rel in pairs:
            relations.append(Relation(u, v, rel, "award", a, text, span, sources.get(a, ()), r.get("cert"), doubt))

    quotes: dict[str, dict[str, str]] = {}
    for r in _rows(graph, """
            SELECT ?q ?speaker ?at ?cert WHERE {
              ?q a/rdfs:subClassOf* kgo:Quotation ; kgo:spokenBy ?speaker ; kgo:quotedAt ?at .
              OPTIONAL { ?q kgo:certainty ?cert } }"""):
        quotes.setdefault(r["q"], r)
    for q, r in sorted(quotes.items()):
        d = dates.get(q, {})
        relations.append(Relation(r["speaker"], r["at"], QUOTED_AT, "quotation", q,
                          date_text(d.get("date", ())), own_span(q) or context_span(r["at"]),
                          sources.get(q, ()), r.get("cert"), r.get("cert") == UNCERTAIN))
    relations = [r for r in relations if r.source in entities and r.target in entities]

    countries = _countries(entities, out, is_country)
    edition_members, edition_order = _editions(graph, entities, out, participations, context_spans)

    years = [y for s in [*context_spans.values(), *(p.span for p in participations), *(r.span for r in relations)]
             if s is not None for y in (s.lo.year if s.lo else None, s.hi.year if s.hi else None) if y is not None]
    return Facts(
        entities=entities, labels=labels, participations=participations, relations=relations, roles=role_table,
        sources_of=sources, source_urls=source_urls, countries=countries, edition_members=edition_members,
        edition_order=edition_order, context_spans=context_spans,
        first_year=min(years, default=date.today().year), last_year=max(years, default=date.today().year))


def _countries(entities: dict[str, Entity], out: dict[str, dict[str, list[str]]],
               is_country: set[str]) -> dict[str, tuple[str, ...]]:
    """The country rule: see the module documentation of :mod:`kg.network`."""
    memo: dict[str, tuple[str, ...]] = {}

    def place(x: str, trail: frozenset[str]) -> set[str]:
        if x in is_country:
            return {x}
        found: set[str] = set()
        for parent in out[x].get(CONTAINED_IN, ()):
            if parent not in trail:
                found |= place(parent, trail | {x})
        return found

    def places(xs: Iterable[str]) -> set[str]:
        return {c for x in xs for c in place(x, frozenset())}

    def of(x: str, trail: frozenset[str] = frozenset()) -> tuple[str, ...]:
        if x in memo:
            return memo[x]
        fam = entities[x].family
        rel = out[x]
        found: set[str] = set()
        if fam == "place":
            found = place(x, frozenset())
        elif fam == "person":
            found = places(rel.get(NATIONALITY, ())) or places(rel.get(BASED_IN, ()))
        elif fam == "organisation":
            found = places(rel.get(COUNTRY, ())) or places(rel.get(BASED_IN, ()))
            if not found:
                for parent in rel.get(UNIT_OF, ()):
                    if parent in entities and parent not in trail:
                        found |= set(of(parent, trail | {x}))
        elif fam == "work":
            found = places(rel.get(COUNTRY_OF_ORIGIN, ()))
        elif fam == "event":
            found = places(rel.get(LOCATION, ()))
        result = tuple(sorted(found))
        if not trail:
            memo[x] = result
        return result

    return {x: of(x) for x in sorted(entities)}


def _editions(graph: KnowledgeGraph, entities: dict[str, Entity], out: dict[str, dict[str, list[str]]],
              participations: list[Participation],
              spans: dict[str, Span | None]) -> tuple[dict[str, frozenset[str]], list[str]]:
    """The edition membership rule: see the module documentation of :mod:`kg.network`."""
    editions = sorted(x for x, e in entities.items() if e.family == "edition")
    numbers: dict[str, int] = {}
    for r in _rows(graph, "SELECT ?e ?n WHERE { ?e kgo:editionNumber ?n }"):
        try:
            numbers.setdefault(r["e"], int(r["n"]))
        except ValueError:
            pass

    def ancestors(x: str) -> set[str]:
        seen: set[str] = set()
        todo = [x]
        while todo:
            for p in out[todo.pop()].get(PART_OF, ()):
                if p not in seen:
                    seen.add(p)
                    todo.append(p)
        return seen

    members: dict[str, set[str]] = {e: {e} for e in editions}
    for x in sorted(entities):
        for a in ancestors(x):
            if a in members:
                members[a].add(x)
    for e in editions:
        events = set(members[e])
        for p in participations:
            if (not p.uncertain and p.target in events and p.agent in entities
                    and entities[p.agent].family == "work"):
                members[e].add(p.agent)
    def start(e: str) -> date:
        s = spans.get(e)
        return s.lo if s is not None and s.lo is not None else date.max

    order = sorted(editions, key=lambda e: (numbers.get(e, 1 << 30), start(e), e))
    return {e: frozenset(m) for e, m in members.items()}, order
