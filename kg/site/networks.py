"""The networks page: for the person, organisation and country projections, their size and their most
central members (linked to the profiles), and each network drawn as a page of ``kg viz`` (one
self-contained page each, in ``networks/``)."""

from __future__ import annotations

from kg.network.measures import measure
from kg.site.data import SiteData
from kg.site.html import esc, link, section, table
from kg.viz.api import visualise

PROJECTIONS = {"person": "People", "organisation": "Organisations", "country": "Countries"}
#: The members listed per network (the most central by weighted degree).
TOP = 25
#: The members drawn on a network's page at most (its best-connected; ``kg viz`` draws up to 5,000): the
#: page of a large network stays under 2 MB (1M synthetic triples: 1.8 MB rather than 8 MB).
DRAWN = 1000


def network_path(projection: str) -> str:
    """The site path of a projection's graph page."""
    return f"networks/{projection}.html"


def network_pages(data: SiteData) -> dict[str, bytes]:
    """The graph page of each projection (``kg viz --projection``), by site path."""
    pages = {}
    for projection, title in PROJECTIONS.items():
        page = visualise(data.graph, projection=projection, title=f"{title}: collaboration network",
                         max_nodes=DRAWN)
        pages[network_path(projection)] = page.html.encode("utf-8")
    return pages


def networks_page(data: SiteData) -> str:
    """Each network's size and its most central members, and a link to its drawing."""
    here = "networks.html"
    parts = ["<h1>Collaboration networks</h1>",
             "<p>Two people are tied when they took part in the same work, event, edition or programme; two "
             "organisations when they co-produced a work or co-organised an event, edition or programme; two "
             "countries by the ties between their people and organisations. Uncertain participations are left "
             "out.</p>"]
    for projection, title in PROJECTIONS.items():
        analysis = measure(data.network(projection), projection=projection, top=TOP)
        summary = analysis.summary()
        rows = [[data.entity(r["iri"], here), esc(r.get("countries", "")), str(r["degree"]),
                 f"{r['weighted_degree']:g}", f"{r['betweenness']:.3f}", esc(r.get("community", ""))]
                for r in analysis.rows()]
        head = (f"<p>{summary['nodes']:,} members, {summary['edges']:,} ties, {summary['components']:,} "
                f"components, {summary['communities']:,} communities. "
                f"{link(network_path(projection), 'Draw the network')} (interactive, offline"
                + (f"; its {DRAWN:,} best-connected members: <code>kg viz --projection {esc(projection)}</code> "
                   "draws more" if summary["nodes"] > DRAWN else "") + ").</p>")
        body = head + (table(["Member", "Countries", "Ties", "Weighted ties", "Betweenness", "Community"], rows,
                             numeric=[2, 3, 4, 5]) if rows else '<p class="kg-muted">No ties.</p>')
        parts.append(section(title, body, projection))
    return "\n".join(parts)
