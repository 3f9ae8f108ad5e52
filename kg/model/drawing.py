"""The graph pages' view of the read model: entities and the links between them.

An **entity** is an instance of a record family of the ontology (:data:`kg.schema.FAMILIES`: person,
organisation, work, event, programme, edition, place, award; sources only when asked), typed with its
most specific class. A **link** is drawn as an edge:

- a participation (a ``kgo:Participation`` node: ``kgo:agent`` -> ``kgo:participationIn``, keyed by its
  ``kgo:role``, with its dates, certainty, stated title, quote and sources);
- an award outcome (``kgo:awardedWork`` -> ``kgo:award``, labelled by its outcome; each
  ``kgo:recipient`` -> the award) and a quotation (``kgo:spokenBy`` -> ``kgo:quotedAt``);
- every other triple between two entities whose property is not schema or provenance (``rdf:``,
  ``rdfs:``, ``owl:``, ``skos:``, ``sh:``, ``prov:``), except the shortcut triples (``schema:director``
  ...) that only repeat a participation between the same two entities;
- with sources shown, ``prov:wasDerivedFrom`` from an entity to a source.

Quantities and claims are not edges: they are lines of the tooltip of the entity they are about.
Nothing here knows an entity, a class below the record families, or a role by name: classes, roles,
labels and the shortcut properties are read from the ontology in the graph. Derived from the one
reading pass of :mod:`kg.model.index`; labels follow :func:`kg.model.labels.display_rank`, edition
membership :func:`kg.model.membership.page_editions`.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field

import pyoxigraph as ox

from kg.graph import KnowledgeGraph
from kg.model.index import BROADER, SUBCLASS_OF, TYPE, GraphIndex, Props, index_of
from kg.model.labels import local_name as _local
from kg.model.membership import page_editions
from kg.namespaces import KGO, OWL, PROV, RDF, RDFS, SCHEMA, SH, SKOS, XSD, shorten
from kg.schema import FAMILIES

#: Namespaces whose properties are schema or provenance, never drawn as a relation between entities.
SCHEMA_NAMESPACES = (RDF, RDFS, OWL, SKOS, SH, PROV)
DATE_TYPES = frozenset(XSD + t for t in ("date", "gYear", "gYearMonth", "dateTime"))
DERIVED_FROM = PROV + "wasDerivedFrom"
EDITION_CLASS = FAMILIES["edition"]
SOURCE_CLASS = FAMILIES["source"]

# Terms of the ontology's qualified relations (see ontology/README.md).
AGENT, PARTICIPATION_IN, ROLE = KGO + "agent", KGO + "participationIn", KGO + "role"
AWARDED_WORK, AWARD, OUTCOME, RECIPIENT = KGO + "awardedWork", KGO + "award", KGO + "outcome", KGO + "recipient"
SPOKEN_BY, QUOTED_AT, TEXT = KGO + "spokenBy", KGO + "quotedAt", SCHEMA + "text"
QUANTITY_OF, MEASURE, VALUE, COMPARATOR = KGO + "quantityOf", KGO + "measure", KGO + "value", KGO + "comparator"
CERTAINTY, STATED_TITLE, QUOTE, NOTE = KGO + "certainty", KGO + "statedTitle", KGO + "quote", SKOS + "editorialNote"
PART_OF, EDITION_NUMBER = KGO + "partOf", KGO + "editionNumber"
SHORTCUTS = (KGO + "shortcutAgentToTarget", KGO + "shortcutTargetToAgent")
UNCERTAIN = KGO + "Uncertain"
DESCRIPTION = SCHEMA + "description"
URL = SCHEMA + "url"
AWARD_OUTCOME, QUOTATION = KGO + "AwardOutcome", KGO + "Quotation"


@dataclass
class Entity:
    """A node: an instance of a record family."""

    iri: str
    label: str
    cls: str  # its most specific class
    family: str  # the key of its record family (person, organisation ...)
    description: str = ""
    dates: list[tuple[str, str]] = field(default_factory=list)  # (property label, lexical date)
    sources: list[str] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)  # quantities and claims about it, as text
    uncertain: bool = False


@dataclass
class Link:
    """An edge: a participation, an award outcome, a quotation, a plain relation or a source."""

    id: str
    source: str
    target: str
    kind: str  # participation, award, recipient, quotation, relation, source
    key: str  # the role (participations), else the property or qualified relation class: the style key
    label: str
    dates: list[tuple[str, str]] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)  # stated title, quote, note, outcome ... as text
    uncertain: bool = False
    triples: tuple[tuple[str, str, str], ...] = ()  # the triples that state it (to match a query's result)


@dataclass
class Model:
    """Every entity and link of a graph, with the ontology lookups the styles need."""

    entities: dict[str, Entity]
    links: list[Link]
    labels: dict[str, str]
    parents: dict[str, list[str]]  # class -> its direct superclasses
    broader: dict[str, list[str]]  # role -> its direct broader roles
    source_text: dict[str, str]  # source IRI -> "label <url>"
    editions: list[str]  # edition IRIs, by number then label
    membership: dict[str, frozenset[str]]  # entity -> the editions it belongs to
    roles_held: dict[str, dict[str, int]]  # agent -> role -> participations
    roles_in: dict[str, dict[str, int]]  # target -> role -> participations

    def label(self, iri: str) -> str:
        """The display label of an IRI: its label in the graph, else its local name."""
        return self.labels.get(iri) or _local(iri)

    def ancestors(self, iri: str, via: str = "class") -> list[str]:
        """Superclasses (``via="class"``) or broader roles (``via="role"``), nearest first, each once."""
        up = self.parents if via == "class" else self.broader
        seen: list[str] = []
        frontier = list(up.get(iri, ()))
        while frontier:
            nxt: list[str] = []
            for c in sorted(frontier):
                if c not in seen and c != iri:
                    seen.append(c)
                    nxt.extend(up.get(c, ()))
            frontier = nxt
        return seen

    def link_editions(self, link: Link) -> frozenset[str]:
        """The editions a link belongs to: its target's for a participation, else those both ends share."""
        target = self.membership.get(link.target, frozenset())
        if link.kind == "participation":
            return target
        return self.membership.get(link.source, frozenset()) & target


def model_of(graph: KnowledgeGraph, *, include_sources: bool = False) -> Model:
    """The model of ``graph``, read once per graph (cached on it)."""
    key = f"viz-model:{include_sources}"
    cached = graph.cache.get(key)
    if cached is None:
        cached = read_model(graph, include_sources=include_sources)
        graph.cache[key] = cached
    return cached


def read_model(graph: KnowledgeGraph, *, include_sources: bool = False) -> Model:
    """Read the entities and links of ``graph`` (see the module documentation)."""
    index = index_of(graph)
    labels = index.display_labels()
    by_subject = index.nodes
    types, parents, broader = _ontology_tables(by_subject)
    classify = _classifier(parents)
    entities = _entities(index, types, classify, labels, include_sources)
    source_text = _source_text(index, types, classify, labels)
    links, paired, roles_held, roles_in = _qualified_links(by_subject, entities, labels)
    links.extend(_relation_links(by_subject, entities, labels, index.shortcuts, paired, include_sources))
    editions = sorted((e for e in entities if entities[e].family == "edition"),
                      key=lambda e: (_number(index.props(e).get(EDITION_NUMBER, ())), entities[e].label, e))
    membership = page_editions(entities, {x: index.values(x, PART_OF) for x in entities},
                               [(ln.source, ln.target) for ln in links if ln.kind == "participation"])
    return Model(entities=entities, links=sorted(links, key=lambda ln: (ln.source, ln.target, ln.key, ln.id)),
                 labels=labels, parents={k: sorted(v) for k, v in parents.items()},
                 broader={k: sorted(v) for k, v in broader.items()}, source_text=source_text, editions=editions,
                 membership=membership, roles_held={k: dict(v) for k, v in roles_held.items()},
                 roles_in={k: dict(v) for k, v in roles_in.items()})


#: The named-node objects of each subject's ``rdf:type``, ``rdfs:subClassOf`` and ``skos:broader``.
_Tables = tuple[dict[str, list[str]], dict[str, list[str]], dict[str, list[str]]]
#: A class -> (its depth below its record family, the family), or (0, None) outside the families.
_Classify = Callable[[str], tuple[int, str | None]]


def _ontology_tables(by_subject: dict[str, Props]) -> _Tables:
    """Each subject's types, direct superclasses and direct broader roles (named nodes only)."""
    types: dict[str, list[str]] = {}
    parents: dict[str, list[str]] = {}
    broader: dict[str, list[str]] = {}
    for s, props in by_subject.items():
        for table, prop in ((types, TYPE), (parents, SUBCLASS_OF), (broader, BROADER)):
            found = [o.value for o in props.get(prop, ()) if isinstance(o, ox.NamedNode)]
            if found:
                table[s] = found
    return types, parents, broader


def _classifier(parents: dict[str, list[str]]) -> _Classify:
    """Where a class stands among the record families, remembered per class (one per reading)."""
    family_of_class = {iri: fam for fam, iri in FAMILIES.items()}
    depth_cache: dict[str, tuple[int, str | None]] = {}

    def classify(cls: str) -> tuple[int, str | None]:
        """(depth below its record family, the family) of a class, or (0, None) outside the families."""
        if cls in depth_cache:
            return depth_cache[cls]
        depth_cache[cls] = (0, None)  # guards against subclass cycles
        if cls in family_of_class:
            result: tuple[int, str | None] = (0, family_of_class[cls])
        else:
            found = [classify(p) for p in parents.get(cls, ()) if p.startswith(KGO)]
            found = [f for f in found if f[1] is not None]
            result = (min(found)[0] + 1, min(found)[1]) if found else (0, None)
        depth_cache[cls] = result
        return result

    return classify


def _entities(index: GraphIndex, types: dict[str, list[str]], classify: _Classify, labels: dict[str, str],
              include_sources: bool) -> dict[str, Entity]:
    """The entities: typed with their most specific class of a record family."""
    entities: dict[str, Entity] = {}
    for iri in sorted(types):
        ranked = sorted((-classify(c)[0], c, classify(c)[1]) for c in types[iri] if classify(c)[1] is not None)
        if not ranked:
            continue
        _depth, cls, family = ranked[0]
        if family == "source" and not include_sources:
            continue
        props = index.props(iri)
        entities[iri] = Entity(
            iri=iri, label=labels.get(iri) or _local(iri), cls=cls, family=str(family),
            description=_text(props.get(DESCRIPTION, ())),
            dates=_dates(props, labels), sources=sorted(o.value for o in props.get(DERIVED_FROM, ())),
            uncertain=any(o.value == UNCERTAIN for o in props.get(CERTAINTY, ())))
    return entities


def _source_text(index: GraphIndex, types: dict[str, list[str]], classify: _Classify,
                 labels: dict[str, str]) -> dict[str, str]:
    """Source IRI -> ``label <url>`` (the label alone without a URL)."""
    source_text = {}
    for iri, cls_list in types.items():
        if any(classify(c)[1] == "source" for c in cls_list):
            url = _text(index.props(iri).get(URL, ()))
            label = labels.get(iri) or _local(iri)
            source_text[iri] = f"{label} <{url}>" if url else label
    return source_text


def _qualified_links(by_subject: dict[str, Props], entities: dict[str, Entity], labels: dict[str, str]
                     ) -> tuple[list[Link], set[tuple[str, str]], dict[str, dict[str, int]], dict[str, dict[str, int]]]:
    """The links of the qualified relation nodes, the pairs of entities they join (both ways), and the
    roles each agent holds and each target has; adds the quantities' and claims' texts to the entities."""
    links: list[Link] = []
    paired: set[tuple[str, str]] = set()
    roles_held: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    roles_in: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for s in sorted(by_subject):
        props = by_subject[s]
        if s in entities:
            continue
        for link in _qualified(s, props, entities, labels):
            links.append(link)
            paired.add((link.source, link.target))
            paired.add((link.target, link.source))
            if link.kind == "participation":
                roles_held[link.source][link.key] += 1
                roles_in[link.target][link.key] += 1
        _facts(s, props, entities, labels)
    return links, paired, roles_held, roles_in


def _relation_links(by_subject: dict[str, Props], entities: dict[str, Entity], labels: dict[str, str],
                    shortcut_props: Collection[str], paired: set[tuple[str, str]],
                    include_sources: bool) -> list[Link]:
    """The plain relations between two entities (not schema, not a shortcut that repeats a qualified
    relation between them), and with ``include_sources`` each entity's sources."""
    links: list[Link] = []
    for s in sorted(entities):
        for p in sorted(by_subject.get(s, {})):
            objects = by_subject[s][p]
            if p == DERIVED_FROM:
                if include_sources:
                    for target in sorted(o.value for o in objects if o.value in entities):
                        links.append(Link(f"{s} {p} {target}", s, target, "source", p, "source",
                                          triples=((s, p, target),)))
                continue
            if p.startswith(SCHEMA_NAMESPACES):
                continue
            for target in sorted(o.value for o in objects if isinstance(o, ox.NamedNode) and o.value in entities):
                if target == s or (p in shortcut_props and (s, target) in paired):
                    continue
                links.append(Link(f"{s} {p} {target}", s, target, "relation", p, labels.get(p) or _local(p),
                                  triples=((s, p, target),)))
    return links


def _text(values: Iterable[ox.NamedNode | ox.BlankNode | ox.Literal]) -> str:
    """One value of a text property: the English one if any, else the first in order."""
    found = sorted(values, key=lambda v: (0 if getattr(v, "language", None) in ("en", None) else 1, v.value))
    return found[0].value if found else ""


def _number(values: Iterable[ox.NamedNode | ox.BlankNode | ox.Literal]) -> int:
    for v in values:
        try:
            return int(v.value)
        except ValueError:
            continue
    return 1 << 30


def _dates(props: dict[str, list], labels: dict[str, str]) -> list[tuple[str, str]]:
    out = []
    for p in sorted(props):
        for o in props[p]:
            if isinstance(o, ox.Literal) and o.datatype.value in DATE_TYPES:
                out.append((labels.get(p) or _local(p), o.value))
    return sorted(out)


def _qualified(node: str, props: dict[str, list], entities: dict[str, Entity],
               labels: dict[str, str]) -> Iterator[Link]:
    """The links stated by one qualified relation node (nothing for other nodes)."""

    def one(p: str) -> str | None:
        values = sorted(o.value for o in props.get(p, ()) if isinstance(o, ox.NamedNode))
        return values[0] if values else None

    sources = sorted(o.value for o in props.get(DERIVED_FROM, ()))
    uncertain = any(o.value == UNCERTAIN for o in props.get(CERTAINTY, ()))
    details = []
    for p, name in ((STATED_TITLE, "as"), (QUOTE, "quote"), (NOTE, "note")):
        text = _text(props.get(p, ()))
        if text:
            details.append(f"{name}: {text}")
    dates = _dates(props, labels)
    agent, target = one(AGENT), one(PARTICIPATION_IN)
    if agent and target:
        if agent in entities and target in entities:
            role = one(ROLE) or KGO + "Participation"
            yield Link(node, agent, target, "participation", role, labels.get(role) or _local(role), dates, sources,
                       details, uncertain, ((node, AGENT, agent), (node, PARTICIPATION_IN, target)))
        return
    work, award = one(AWARDED_WORK), one(AWARD)
    if award and award in entities:
        outcome = one(OUTCOME)
        outcome_label = labels.get(outcome) or _local(outcome) if outcome else ""
        extra = [f"outcome: {outcome_label}"] if outcome_label else []
        at = one(KGO + "atEvent")
        if at:
            extra.append(f"at: {labels.get(at) or _local(at)}")
        if work and work in entities:
            yield Link(node, work, award, "award", AWARD_OUTCOME, outcome_label or labels.get(AWARD_OUTCOME, "award"),
                       dates, sources, extra + details, uncertain, ((node, AWARDED_WORK, work), (node, AWARD, award)))
        for r in sorted(o.value for o in props.get(RECIPIENT, ()) if o.value in entities):
            yield Link(f"{node} {r}", r, award, "recipient", RECIPIENT,
                       f"recipient ({outcome_label})" if outcome_label else "recipient", dates, sources,
                       extra + details, uncertain, ((node, RECIPIENT, r), (node, AWARD, award)))
        return
    speaker, where = one(SPOKEN_BY), one(QUOTED_AT)
    if speaker and where and speaker in entities and where in entities:
        text = _text(props.get(TEXT, ()))
        yield Link(node, speaker, where, "quotation", QUOTATION, labels.get(QUOTATION) or "quotation", dates,
                   sources, ([f"said: {text}"] if text else []) + details, uncertain,
                   ((node, SPOKEN_BY, speaker), (node, QUOTED_AT, where)))


def _facts(node: str, props: dict[str, list], entities: dict[str, Entity], labels: dict[str, str]) -> None:
    """Add a quantity's or a claim's text to the entity it is about."""
    about = sorted(o.value for o in props.get(QUANTITY_OF, ()) if o.value in entities)
    if about:
        measure = sorted(o.value for o in props.get(MEASURE, ()))
        value = _text(props.get(VALUE, ()))
        comparator = sorted(o.value for o in props.get(COMPARATOR, ()))
        words = " ".join(x for x in ([labels.get(comparator[0], "")] if comparator else []) + [value] if x)
        name = labels.get(measure[0]) or _local(measure[0]) if measure else "quantity"
        for e in about:
            entities[e].facts.append(f"{name}: {words}")
        return
    subject = sorted(o.value for o in props.get(RDF + "subject", ()) if o.value in entities)
    if subject and props.get(RDF + "predicate"):
        prop = props[RDF + "predicate"][0].value
        obj = props.get(RDF + "object", [])
        shown = ", ".join(sorted(labels.get(o.value) or o.value for o in obj))
        certainty = "uncertain" if any(o.value == UNCERTAIN for o in props.get(CERTAINTY, ())) else "claimed"
        for e in subject:
            entities[e].facts.append(f"{certainty}: {labels.get(prop) or _local(prop)} {shown}".rstrip())


@functools.lru_cache(maxsize=65536)
def prefixed(iri: str) -> str:
    """The prefixed name of an IRI when a project prefix covers it, else the IRI itself."""
    short = shorten(iri)
    return iri if short.startswith("<") else short


__all__ = ["Entity", "Link", "Model", "model_of", "prefixed", "read_model"]
