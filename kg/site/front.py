"""The site's front page (counts, the search box, the lists, the questions, the other pages) and its search
index: every entity's names in every language, its alternative names and its id, written as a script that
sets ``window.KG_SEARCH`` (a script, not a JSON file to fetch, so that search works from ``file://``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from kg.site.data import SiteData
from kg.site.html import esc, link, section, table
from kg.site.overview import FAMILY_NAMES, list_path
from kg.site.questions import Asked
from kg.viz.page import script_json

#: The search index's path in the site.
SEARCH_INDEX = "assets/search-index.js"


def search_entries(data: SiteData) -> list[dict[str, str | list[str]]]:
    """One entry per profile: ``i`` its id, ``l`` its label, ``f`` its class, ``h`` its page (relative to the
    site's folder) and ``n`` every other name (all languages, alternative names), sorted by label."""
    entries: list[dict[str, str | list[str]]] = []
    for iri in sorted(data.paths, key=lambda i: (data.label(i).casefold(), i)):
        label = data.label(iri)
        names = sorted({text for _lang, _kind, text in data.names(iri)} - {label})
        entries.append({"i": iri.rsplit("/", 1)[-1], "l": label, "f": data.label(data.model.entities[iri].cls),
                        "h": data.paths[iri], "n": names})
    return entries


def search_script(data: SiteData) -> bytes:
    """The search index as a script; its JSON has ``<``, ``>`` and ``&`` escaped, so no name can end the
    script or be read as markup."""
    return ("window.KG_SEARCH = " + script_json(search_entries(data)) + ";\n").encode("utf-8")


def index_page(data: SiteData, asked: Sequence[Asked]) -> str:
    """The front page: counts, search, the lists, the questions and the other pages."""
    counts = Counter(e.family for e in data.model.entities.values())
    rows = [[link(list_path(f), FAMILY_NAMES.get(f, f)), f"{counts[f]:,}"] for f in FAMILY_NAMES if counts[f]]
    rows.append(["participations", f"{len(data.facts.participations):,}"])
    rows.append(["triples", f"{len(data.graph):,}"])
    search = ('<form id="kg-search-form" role="search" autocomplete="off">'
              '<input id="kg-search" type="search" placeholder="A name in any language, or an id" '
              'aria-label="Find an entity by any of its names or its id"></form>\n'
              '<p id="kg-search-status" class="kg-muted" role="status" aria-live="polite"></p>\n'
              '<ul id="kg-search-results"></ul>')
    families = "<ul>" + "".join(f"<li>{link(list_path(f), FAMILY_NAMES.get(f, f))} ({counts[f]:,})</li>"
                                for f in FAMILY_NAMES if counts[f]) + "</ul>"
    questions = table(["Question", "Asks", "Answer"], [
        [link(a.path, a.question.title), esc(a.question.question),
         esc(f"{a.rows:,} rows" if a.rows is not None else "needs parameters" if "parameters" in a.note
             else "not answered")] for a in asked])
    pages = ("<ul><li>" + link("timeline.html", "Timeline") + ": events and works by year and by edition</li>"
             "<li>" + link("charts.html", "Charts") + ": participants, works and countries per edition; ties "
             "between countries</li><li>" + link("networks.html", "Networks") + ": the collaboration networks "
             "and their most central members</li><li>" + link("model.html", "The model") + ": the classes, properties, "
             "roles and measures, with examples, and the prefixes for a query</li></ul>")
    return "\n".join([
        "<h1>International documentary co-production: the graph</h1>",
        "<p>Every person, organisation, work, event, programme, edition, place and award of the graph has a "
        "profile; every statement links to its sources.</p>",
        section("Search", search, "search"), section("In the graph", table(["", "count"], rows, numeric=[1])),
        section("Lists", families, "families"), section("Pages", pages, "pages"),
        section("Questions", questions, "questions")])
