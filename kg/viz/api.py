"""The one call behind ``kg.viz(...)`` and ``kg viz``: pick the view, build its spec, wrap it in a page."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from kg.errors import UsageError
from kg.graph import KnowledgeGraph
from kg.viz.layout import SEED
from kg.viz.page import Page
from kg.viz.spec import MAX_NODES
from kg.viz.styles import Styles, load_styles
from kg.viz.views import (
    graph_spec,
    neighbourhood_spec,
    projection_spec,
    query_spec,
)

#: The file name of the overview page that a build can write beside its other outputs.
OVERVIEW = "overview.html"


def visualise(graph: KnowledgeGraph | None = None, *, focus: str | None = None, depth: int = 1,
              projection: str | None = None, query: str | Path | None = None,
              params: Mapping[str, Any] | None = None, role: str | None = None, edition: str | None = None,
              since: str | date | None = None, until: str | date | None = None, include_sources: bool = False,
              include_uncertain: bool = False, columns: tuple[str, str] | None = None, size_by: str | None = None,
              colour_by: str | None = None, max_nodes: int = MAX_NODES, styles: Styles | str | Path | None = None,
              title: str | None = None, seed: int = SEED, build: str | Path = "build", data: str | Path = "data",
              ontology: str | Path = "ontology", queries: str | Path | None = None,
              timeout: float | None = None) -> Page:
    """A graph page of ``graph`` (default: the graph of the build in ``build``): the whole graph, or the
    neighbourhood of ``focus`` (a label, id or IRI) to ``depth`` links, or a ``projection`` (``person``,
    ``organisation``, ``country``; filtered by ``role``, ``edition``, ``since``, ``until``), or the result
    of a ``query`` (a catalogue name, a ``.rq`` file or SPARQL; ``params`` bound as in :func:`kg.query`).
    At most one of ``focus``, ``projection`` and ``query``. Node size follows ``size_by`` (``degree``;
    with kg.network also ``weighted_degree``, ``betweenness``, ``pagerank``); the nodes of a projection
    are coloured by ``colour_by`` (``community``, the default, or ``country``), the others by class."""
    chosen = [name for name, value in (("focus", focus), ("projection", projection), ("query", query))
              if value is not None]
    if len(chosen) > 1:
        raise UsageError(f"{' and '.join(chosen)} cannot be combined", field=chosen[1],
                         hint="draw one view at a time: a focus, a projection or a query")
    if (role or edition or since or until) and projection is None:
        raise UsageError("role, edition, since and until filter a projection", field="projection",
                         hint="add projection='person' (or organisation, country); the page itself has "
                              "filters by class, role and edition")
    if colour_by is not None and projection is None:
        raise UsageError("colour_by colours a projection", field="colour_by",
                         hint="add projection='person' (or organisation, country); other views are coloured "
                              "by class")
    if params and query is None:
        raise UsageError("params are the parameters of a query", field="params", hint="add query=NAME")
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
        raise UsageError(f"max_nodes must be a positive whole number (got {max_nodes!r})", field="max_nodes",
                         hint="e.g. 5000")
    if graph is None:
        from kg.build_dir.reading import open_build

        graph = open_build(build, data, ontology).graph
    style = styles if isinstance(styles, Styles) else load_styles(styles)
    common: dict[str, Any] = {"styles": style, "max_nodes": max_nodes, "seed": seed, "title": title}
    if projection is not None:
        spec = projection_spec(graph, projection, role=role, edition=edition, since=since, until=until,
                               include_uncertain=include_uncertain, size_by=size_by,
                               colour_by=colour_by or "community", **common)
    elif focus is not None:
        spec = neighbourhood_spec(graph, focus, depth, include_sources=include_sources, size_by=size_by or "degree",
                                  **common)
    elif query is not None:
        spec = query_spec(graph, query, params, columns=columns, queries=queries, include_sources=include_sources,
                          size_by=size_by or "degree", timeout=timeout, **common)
    else:
        spec = graph_spec(graph, include_sources=include_sources, size_by=size_by or "degree", **common)
    return Page(spec)


def overview(graph: KnowledgeGraph, *, max_nodes: int = MAX_NODES) -> Page:
    """The overview page a build writes (``overview.html``): the whole graph, without sources."""
    return visualise(graph, max_nodes=max_nodes)


viz = visualise
