"""What every page of the site reads: the one read model (:mod:`kg.model`) of the build's graph, with the
lookups the pages need (each entity's page, the links that touch it, the dates of a participation).

Nothing here reads triples: the entities and links come from :func:`kg.model.drawing.model_of`, the
participations, countries and editions from :func:`kg.model.facts.facts_of`, and the names in every
language from the index both are derived from (:func:`kg.model.index.index_of`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import networkx as nx

from kg.graph import KnowledgeGraph
from kg.model.dates import Span, parse_date
from kg.model.drawing import Link, Model, model_of
from kg.model.facts import Facts, Participation, facts_of
from kg.model.index import ALT_LABEL, LABEL, PREF_LABEL, GraphIndex, index_of
from kg.namespaces import ID_RE, KG
from kg.network import project
from kg.site.html import esc, external, link, rel

#: The kinds of name, in the order a profile lists them.
NAME_KINDS = ((PREF_LABEL, "preferred"), (ALT_LABEL, "alternative"), (LABEL, "label"))
#: Far in the future: undated things sort last.
LATEST = date.max


def page_of(iri: str) -> str | None:
    """The site path of an entity's profile, from its id only (``entity/<id>.html``); None for an IRI
    that is not ``kg:`` + a plain id (no page is named after anything else)."""
    if not iri.startswith(KG):
        return None
    ident = iri[len(KG):]
    return f"entity/{ident}.html" if ID_RE.match(ident) else None


def span_text(span: Span | None) -> str:
    """A span as years (``2022``, ``2022-2023``, ``from 2024``) or, for one day, the day."""
    if span is None:
        return ""
    lo, hi = span.lo, span.hi
    if lo is not None and hi is not None:
        if lo == hi:
            return lo.isoformat()
        return str(lo.year) if lo.year == hi.year else f"{lo.year}-{hi.year}"
    if lo is not None:
        return f"from {lo.year}"
    return f"until {hi.year}" if hi is not None else ""


@dataclass
class SiteData:
    """The read model of one graph, and the lookups of the pages."""

    graph: KnowledgeGraph
    model: Model
    facts: Facts
    index: GraphIndex
    paths: dict[str, str]  # entity IRI -> the site path of its profile
    touching: dict[str, list[Link]] = field(default_factory=dict)  # entity -> the links it is an end of
    parts: dict[str, Participation] = field(default_factory=dict)  # participation IRI -> its facts
    networks: dict[str, nx.Graph] = field(default_factory=dict)  # projection -> its network, made once

    def network(self, projection: str) -> nx.Graph:
        """The collaboration network ``projection`` (:func:`kg.network.project`, unfiltered), made once for
        every page that reads it (collaborators, charts, the networks page). Do not change it."""
        found = self.networks.get(projection)
        if found is None:
            found = self.networks[projection] = project(self.graph, projection)
        return found

    def label(self, iri: str) -> str:
        """The display label of an IRI (the read model's rule)."""
        return self.model.label(iri)

    def entity(self, iri: str, here: str) -> str:
        """An entity's name linking to its profile (the name alone when it has none)."""
        path = self.paths.get(iri)
        name = self.label(iri)
        return link(rel(here, path), name) if path else esc(name)

    def sources(self, sources: Iterable[str]) -> str:
        """Sources as links to their addresses (a source without a safe address as its name)."""
        shown = [external(self.facts.source_urls.get(s, ""), self.label(s)) for s in sorted(set(sources))]
        return f'<span class="kg-sources">{"".join(shown)}</span>' if shown else ""

    def when(self, ln: Link) -> tuple[date, str]:
        """A link's sort date and its dates as text: a participation's own dates, else its context's."""
        part = self.parts.get(ln.id)
        if part is not None:
            text = part.date or span_text(part.span)
            return (part.span.lo or LATEST) if part.span is not None else LATEST, text
        text = "; ".join(value for _name, value in ln.dates)
        return LATEST if not ln.dates else _first_day(ln.dates[0][1]), text

    def is_uncertain(self, ln: Link) -> bool:
        """Whether a link, or for a participation either of its ends, is marked uncertain."""
        part = self.parts.get(ln.id)
        return ln.uncertain or (part is not None and part.uncertain)

    def names(self, iri: str) -> list[tuple[str, str, str]]:
        """Every name of an entity as ``(language, kind, text)``: preferred, alternative, then other
        labels, each ``(language, text)`` once (a label repeating a preferred name is left out)."""
        seen: set[tuple[str, str]] = set()
        found: list[tuple[str, str, str]] = []
        props = self.index.props(iri)
        for prop, kind in NAME_KINDS:
            names = sorted((getattr(o, "language", None) or "", o.value) for o in props.get(prop, ()))
            for lang, text in names:
                if (lang, text) not in seen:
                    seen.add((lang, text))
                    found.append((lang, kind, text))
        return found


def _first_day(text: str) -> date:
    parsed = parse_date(text)
    return parsed[0] if parsed else LATEST


def site_data(graph: KnowledgeGraph) -> SiteData:
    """The read model of ``graph`` with the site's lookups (read once; the model is cached on the graph)."""
    model = model_of(graph)
    facts = facts_of(graph)
    paths = {iri: path for iri in model.entities if (path := page_of(iri)) is not None}
    touching: dict[str, list[Link]] = defaultdict(list)
    for ln in model.links:
        touching[ln.source].append(ln)
        if ln.target != ln.source:
            touching[ln.target].append(ln)
    parts = {p.iri: p for p in facts.participations}
    return SiteData(graph, model, facts, index_of(graph), paths, dict(touching), parts)
