"""What a profile says about an entity beyond its links: quantities and claims (with their sources and
certainty), the quotes by, at or about it, and its collaborators with the contexts they shared.

Quantities, claims and quotations are nodes of the read model's index (:mod:`kg.model.index`); the
collaborators are the edges of the network's person and organisation projections (:mod:`kg.network`),
whose evidence names every shared context, the roles each side held there and the sources.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from kg.model.drawing import (
    CERTAINTY,
    COMPARATOR,
    DERIVED_FROM,
    MEASURE,
    NOTE,
    QUANTITY_OF,
    QUOTE,
    TEXT,
    UNCERTAIN,
    VALUE,
    Link,
)
from kg.namespaces import RDF, SCHEMA
from kg.site.data import SiteData

ABOUT = SCHEMA + "about"
SUBJECT, PREDICATE, OBJECT = RDF + "subject", RDF + "predicate", RDF + "object"


@dataclass(frozen=True)
class Statement:
    """A quantity or a claim about an entity, as a profile lists it."""

    node: str
    kind: str  # "quantity" or "claim"
    what: str  # the measure or the property, by label
    value: str  # the value as text (with its comparator), or the claimed object(s)
    uncertain: bool
    note: str  # the curator's note, or the words the source used
    sources: tuple[str, ...]


def statements(data: SiteData) -> dict[str, list[Statement]]:
    """Entity -> the quantities and claims about it, in the order of their nodes."""
    found: dict[str, list[Statement]] = defaultdict(list)
    for node in sorted(data.index.nodes):
        props = data.index.props(node)
        about = sorted({o.value for o in props.get(QUANTITY_OF, ())} | {o.value for o in props.get(SUBJECT, ())})
        about = [a for a in about if a in data.model.entities]
        if not about:
            continue
        uncertain = any(o.value == UNCERTAIN for o in props.get(CERTAINTY, ()))
        notes = [o.value for p in (NOTE, QUOTE) for o in props.get(p, ())]
        sources = tuple(sorted({o.value for o in props.get(DERIVED_FROM, ())}))
        if props.get(QUANTITY_OF):
            measure = sorted(o.value for o in props.get(MEASURE, ()))
            comparator = sorted(data.label(o.value) for o in props.get(COMPARATOR, ()))
            value = " ".join([*comparator[:1], *(o.value for o in props.get(VALUE, ()))])
            item = Statement(node, "quantity", data.label(measure[0]) if measure else "quantity", value,
                             uncertain, "; ".join(notes), sources)
        elif props.get(PREDICATE):
            objects = sorted(data.label(o.value) if o.value in data.model.labels else o.value
                             for o in props.get(OBJECT, ()))
            item = Statement(node, "claim", data.label(props[PREDICATE][0].value), ", ".join(objects),
                             uncertain, "; ".join(notes), sources)
        else:
            continue
        for a in about:
            found[a].append(item)
    return dict(found)


@dataclass(frozen=True)
class Quote:
    """A quotation: its words, who said it, where and when, what it is about, and its sources."""

    link: Link
    text: str
    speaker: str
    at: str
    about: tuple[str, ...]


def quotes(data: SiteData) -> dict[str, list[Quote]]:
    """Entity -> the quotes it said, that were said at it or that are about it."""
    found: dict[str, list[Quote]] = defaultdict(list)
    for ln in data.model.links:
        if ln.kind != "quotation":
            continue
        text = " ".join(data.index.values(ln.id, TEXT))
        about = tuple(sorted(a for a in data.index.values(ln.id, ABOUT) if a in data.model.entities))
        quote = Quote(ln, text, ln.source, ln.target, about)
        for who in dict.fromkeys((ln.source, ln.target, *about)):
            found[who].append(quote)
    return dict(found)


@dataclass(frozen=True)
class Tie:
    """A collaborator and what was shared: the contexts, each side's roles there, years and sources."""

    other: str
    weight: int
    evidence: tuple[dict[str, Any], ...]
    years: tuple[int, ...]
    sources: tuple[str, ...]


def collaborators(data: SiteData) -> dict[str, list[Tie]]:
    """Person or organisation -> its ties in the person or organisation projection, strongest first."""
    found: dict[str, list[Tie]] = defaultdict(list)
    for projection in ("person", "organisation"):
        net = data.network(projection)
        for a, b, d in net.edges(data=True):
            for me, other in ((a, b), (b, a)):
                found[me].append(Tie(other, d["weight"], tuple(d["evidence"]), tuple(d["years"]),
                                     tuple(d["sources"])))
    for ties in found.values():
        ties.sort(key=lambda t: (-t.weight, data.label(t.other).casefold(), t.other))
    return dict(found)
