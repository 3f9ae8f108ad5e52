"""Network analysis of collaboration: the RDF graph as networkx graphs, measured.

The library part of ``kg analyze``, ``kg path`` and the network exports. It reads the graph only through
:meth:`kg.graph.KnowledgeGraph.select`, with fixed queries, and knows no entity, type or role by name
beyond the ontology's record families (the roles that tie agents are declared in the ontology: :func:`tie_roles`)::

    from kg import network
    a = network.analyze(graph, "person", role="mentor", top=10)   # -> Analysis
    a.rows(); a.summary(); a.edge_rows()
    network.timeline(graph, "organisation", by="edition").rows()
    network.find_path(graph, KG + "malcolm-clarke", KG + "vikram-channa")   # -> list[Step]
    network.write_graphml(a.graph, "person.graphml"); network.write_csv(a.graph, "out/")

Nothing here prints or exits; bad arguments raise :class:`kg.errors.UsageError` (with a hint).

**The typed multigraph** (:func:`typed_graph`) has a node for every instance of a record family except
sources, and an edge for every participation (agent -> target, the role as ``relation``), every plain
relation between two entities (``kgo:partOf``, ``kgo:editionOf``, ``kgo:basedIn``, ``kgo:country``,
``org:unitOf``, ``schema:location``, ``schema:about`` ...), every award outcome (work and each recipient ->
award, work -> ceremony) and every quotation (speaker -> where it was said). Not edges: ``rdf:type``,
``rdfs:``, ``owl:``, ``skos:``, ``sh:`` and ``prov:`` triples, the ontology's own terms, and the shortcut
triples (``schema:director`` ...) that repeat a participation. Uncertain participations, outcomes and
quotations (``kgo:certainty kgo:Uncertain`` on them, or on an entity they join) are left out by default
(``include_uncertain=True`` keeps them); claims are never edges.

**Contexts** are works, events, programme editions and programmes. Two agents are tied when they took part
(``kgo:Participation``) in the same context; a tie's ``weight`` is the number of distinct shared contexts
and its ``evidence`` lists, per context, its IRI, label and type, the roles each side held there, the
participations and their sources, and the years. Person projection: people, any roles. Organisation
projection: co-production (both in ``producer`` or narrower roles in the same context), co-organisation
(both in ``organiser``, ``co-organiser``, ``host``, ``guiding-body`` or ``launcher``) and partnership (both
``partner``); the edge keeps its ``kinds``. Which roles tie is declared in the ontology (``kgo:tiesPeople``,
``kgo:tiesOrganisations`` on the role concepts), read by :func:`tie_roles`.
Country projection: every person or organisation tie between entities of two different countries adds 1 to
the edge between those countries (an entity of several countries counts for each pair); ties within one
country are not self-loops but the node's ``domestic_ties``.

Without a role filter, the nodes of the person projection are all people with a kept participation in a
context (so isolates are kept); of the organisation projection, all organisations holding one of the
roles above; with a role filter, only the ends of the ties that pass it.

**Role filter** (``role=``): ``mentor`` keeps a tie when one side held ``mentor`` in the shared context;
``mentor:director`` (or ``mentor->director``, ``mentor→director``) when one side held ``mentor`` and the
other ``director``, either way round; ``*`` is any role. Roles are local names, ``role:`` names, IRIs or
English labels, and narrower roles count (``director`` also matches ``co-director``). The evidence keeps
only the matching roles and their sources.

**Edition membership**: a context belongs to edition E when it is E, when it is ``kgo:partOf`` E directly or
through other contexts (an exhibition part of a launch part of the edition), or when it is a work that took
part (exhibited, screened, selected, supported ...) in E or in one of those events.

**Dates** keep their precision: a year covers its whole year, a month its whole month. A participation is
dated by its own ``kgo:date`` or ``kgo:startDate``/``kgo:endDate``; if it has none, by its context's (an
event's date, an edition's years, a work's ``schema:datePublished``, else the narrowest span of what the
context is ``kgo:partOf``). A start alone is open towards the future, an end alone towards the past. The
window ``since``/``until`` (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``; ``since=2023`` means from 1 January
2023, ``until=2023`` to 31 December 2023) keeps participations whose span overlaps it; undated ones are
then dropped. A tie's years are the years both sides' participations share (if they share none, all of
their years; if either side is undated, none, and the tie counts as undated).

**Country of a node**: a country is its own; a place, the country it is ``schema:containedInPlace``
(transitively); a person, their ``schema:nationality``, else the countries of the places they are
``kgo:basedIn``; an organisation, its ``kgo:country``, else where it is ``kgo:basedIn``, else the country of
the organisation it is ``org:unitOf``; a work, its ``schema:countryOfOrigin``; an event, the country of its
``schema:location``. Editions, programmes and awards have none. A node may have several countries or none.

**Measures** (:func:`measure`): degree; weighted degree (sum of tie weights); betweenness (normalised, on
hops; exact up to :data:`EXACT_BETWEENNESS_LIMIT` nodes, else sampled with a fixed seed, as
``betweenness_method`` says); PageRank (weighted, alpha 0.85); Louvain communities (weighted, seed
:data:`SEED`); connected components; bridges (``nx.bridges``); Burt's constraint and effective size.
A **broker** connects otherwise separate parts: it is a cut vertex (its removal disconnects its component:
``broker_of`` says ``components``), or its neighbours belong to two or more communities (``communities``)
or to two or more countries (``countries``). **Diversity** is Blau's index 1 - sum(p_c^2) of the countries
of a node's neighbours (a neighbour of k countries counts 1/k for each; neighbours without a country are
left out; ``None`` when no neighbour has one).
"""

from __future__ import annotations

from kg.network.exports import export_graph, export_id, write_csv, write_gexf, write_graphml, write_network_files
from kg.network.filters import Filters, RoleFilter, parse_role_filter
from kg.network.measures import (
    BETWEENNESS_SAMPLES,
    EXACT_BETWEENNESS_LIMIT,
    SEED,
    Analysis,
    NodeMeasures,
    analyze,
    diversity,
    measure,
)
from kg.network.paths import Link, Step, find_path
from kg.network.projections import PROJECTIONS, project, tie_roles, typed_graph
from kg.network.timeline import PERIODS, Period, Timeline, timeline

__all__ = [
    "BETWEENNESS_SAMPLES",
    "EXACT_BETWEENNESS_LIMIT",
    "PERIODS",
    "PROJECTIONS",
    "SEED",
    "Analysis",
    "Filters",
    "Link",
    "NodeMeasures",
    "Period",
    "RoleFilter",
    "Step",
    "Timeline",
    "analyze",
    "diversity",
    "export_graph",
    "export_id",
    "find_path",
    "measure",
    "parse_role_filter",
    "project",
    "tie_roles",
    "timeline",
    "typed_graph",
    "write_csv",
    "write_gexf",
    "write_graphml",
    "write_network_files",
]
