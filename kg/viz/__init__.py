"""Interactive graph pages: the whole graph, a neighbourhood, a collaboration network or a query result,
each one HTML file that opens in any browser, offline. The library part of ``kg viz``::

    import kg.viz
    page = kg.viz(graph)                                  # the whole graph (also kg.viz.visualise(...))
    page = kg.viz(graph, focus="IP Plan Exhibition", depth=2)
    page = kg.viz(graph, projection="person", role="mentor")
    page = kg.viz(graph, query="neighbourhood", params={"entity": "kg:cicg"})
    page                                                  # shows inline in Jupyter
    page.save("graph.html")
    page.spec.to_dict()                                   # what is drawn, as plain data

Two stages: graph -> :class:`VisualSpec` (:mod:`kg.viz.views`, :mod:`kg.viz.spec`: nodes, edges, legend,
sizes, positions, tooltip text; exact and deterministic) -> HTML (:mod:`kg.viz.page`). Styles (colour and
shape per class, colour and line per role and relation) come from ``viz/styles.toml``, with a fallback for
whatever is not listed; the page template, its script and the vendored vis-network are in ``viz/``.

The page is self-contained (vis-network, script, styles and data inline; a Content-Security-Policy
forbids every request), shows every string of the data as text, draws at once (positions computed in
Python, physics off), and keeps a graph of more than ``max_nodes`` nodes usable by drawing its best
connected ``max_nodes`` and saying so. Nothing here prints or exits; bad arguments raise
:class:`kg.errors.UsageError` with a hint.
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

from kg.lazy import lazy_attributes

if TYPE_CHECKING:
    from kg.graph import KnowledgeGraph
    from kg.viz.api import OVERVIEW, overview, visualise, viz
    from kg.viz.page import Page, render, script_json
    from kg.viz.spec import MAX_NODES, LegendEntry, VisEdge, VisNode, VisualSpec
    from kg.viz.styles import ASSETS, Styles, load_styles
    from kg.viz.views import (
        MEASURES,
        PROJECTIONS,
        entity_iri,
        graph_spec,
        neighbourhood_spec,
        projection_spec,
        query_spec,
    )

# Imported on first use, so that `kg --help` (which reads kg.viz.command's options) does not load the
# RDF and graph stack.
_LAZY = {
    "OVERVIEW": "kg.viz.api", "overview": "kg.viz.api", "visualise": "kg.viz.api", "viz": "kg.viz.api",
    "Page": "kg.viz.page", "render": "kg.viz.page", "script_json": "kg.viz.page",
    "MAX_NODES": "kg.viz.spec", "LegendEntry": "kg.viz.spec", "VisEdge": "kg.viz.spec", "VisNode": "kg.viz.spec",
    "VisualSpec": "kg.viz.spec",
    "ASSETS": "kg.viz.styles", "Styles": "kg.viz.styles", "load_styles": "kg.viz.styles",
    "MEASURES": "kg.viz.views", "PROJECTIONS": "kg.viz.views", "entity_iri": "kg.viz.views",
    "graph_spec": "kg.viz.views", "neighbourhood_spec": "kg.viz.views", "projection_spec": "kg.viz.views",
    "query_spec": "kg.viz.views",
}

__getattr__ = lazy_attributes(__name__, _LAZY)


class _CallableModule(types.ModuleType):
    """Lets ``kg.viz(graph, ...)`` stand for ``kg.viz.visualise(graph, ...)``."""

    def __call__(self, graph: KnowledgeGraph | None = None, **options: Any) -> Page:
        from kg.viz.api import visualise

        return visualise(graph, **options)


sys.modules[__name__].__class__ = _CallableModule

__all__ = [
    "ASSETS",
    "MAX_NODES",
    "MEASURES",
    "OVERVIEW",
    "PROJECTIONS",
    "LegendEntry",
    "Page",
    "Styles",
    "VisEdge",
    "VisNode",
    "VisualSpec",
    "entity_iri",
    "graph_spec",
    "load_styles",
    "neighbourhood_spec",
    "overview",
    "projection_spec",
    "query_spec",
    "render",
    "script_json",
    "visualise",
    "viz",
]
