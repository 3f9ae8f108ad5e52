"""The site's overview pages: a list per record family, the timeline (events and works by year and by
edition) and the charts (people, organisations and works per edition, the countries of the organisations
per edition, the ties between countries), as bar charts drawn in Python."""

from __future__ import annotations

from collections import Counter, defaultdict

from kg.model.drawing import Entity
from kg.site.data import LATEST, SiteData, span_text
from kg.site.html import esc, link, section, table
from kg.site.svg import Bar, bar_chart

#: The families of the lists, in the order the index shows them, with their plural names.
FAMILY_NAMES = {"person": "People", "organisation": "Organisations", "work": "Works", "event": "Events",
                "programme": "Programmes", "edition": "Programme editions", "place": "Places", "award": "Awards"}
#: At most this many entities on one page of a family's list.
LIST_PAGE = 5000
#: At most this many bars in one chart (the largest); the page says when some are left out.
MAX_BARS = 40


def list_path(family: str, page: int = 1) -> str:
    """The site path of a page of a family's list (family keys are plain words): ``list-<family>.html``,
    then ``list-<family>-2.html`` ..."""
    return f"list-{family}.html" if page == 1 else f"list-{family}-{page}.html"


def _sorted(data: SiteData, iris: list[str]) -> list[str]:
    return sorted(iris, key=lambda i: (data.label(i).casefold(), i))


def family_pages(data: SiteData, family: str) -> dict[str, tuple[str, str]]:
    """The list of every entity of one family, with its class, dates and editions, by name: site path ->
    (title, body), :data:`LIST_PAGE` entities a page (a long list opens quickly a page at a time)."""
    members = _sorted(data, [i for i, e in data.model.entities.items() if e.family == family])
    chunks = [members[i:i + LIST_PAGE] for i in range(0, len(members), LIST_PAGE)] or [[]]
    name = FAMILY_NAMES.get(family, family)
    pages = {}
    for n, chunk in enumerate(chunks, start=1):
        here = list_path(family, n)
        rows = []
        for iri in chunk:
            e = data.model.entities[iri]
            editions = ", ".join(data.entity(x, here) for x in sorted(data.model.membership.get(iri, ())) if x != iri)
            dates = "; ".join(f"{label} {value}" for label, value in e.dates)
            rows.append([data.entity(iri, here), esc(data.label(e.cls)), esc(dates), editions])
        title = name if len(chunks) == 1 else f"{name} ({n} of {len(chunks)})"
        nav = "" if len(chunks) == 1 else "<p>Pages: " + " ".join(
            f"<strong>{i}</strong>" if i == n else link(list_path(family, i), str(i))
            for i in range(1, len(chunks) + 1)) + "</p>\n"
        first = (n - 1) * LIST_PAGE
        shown = "" if len(chunks) == 1 else f" These are {first + 1:,}-{first + len(chunk):,}."
        pages[here] = (title, f"<h1>{esc(title)}</h1>\n<p>{len(members):,} in the graph, by name.{shown}</p>\n" + nav
                       + table(["Name", "Class", "Dates", "Programme editions"], rows) + ("\n" + nav if nav else ""))
    return pages


def _dated(data: SiteData, e: Entity) -> tuple[object, str]:
    """An event's or work's sort date and date text (its dates as written, else its context's)."""
    span = data.facts.context_spans.get(e.iri)
    text = "; ".join(value for _name, value in e.dates) or span_text(span)
    return (span.lo or LATEST) if span is not None else LATEST, text


def timeline_page(data: SiteData) -> str:
    """Events and works by year, then by programme edition."""
    here = "timeline.html"
    things = [e for e in data.model.entities.values() if e.family in ("event", "work")]
    dated = sorted(((*_dated(data, e), e) for e in things), key=lambda t: (t[0], t[2].label.casefold(), t[2].iri))
    by_year: dict[str, list[list[str]]] = defaultdict(list)
    for day, text, e in dated:
        year = str(day.year) if day is not LATEST and hasattr(day, "year") else "undated"
        by_year[year].append([esc(text), data.entity(e.iri, here), esc(data.label(e.cls))])
    years = "\n".join(f"<h3 id=\"y-{esc(y)}\">{esc(y)}</h3>\n" + table(["Date", "What", "Class"], rows)
                      for y, rows in by_year.items())
    editions = []
    for ed in data.model.editions:
        rows = [[esc(text), data.entity(e.iri, here), esc(data.label(e.cls))] for _d, text, e in dated
                if ed in data.model.membership.get(e.iri, frozenset())]
        editions.append(f"<h3>{data.entity(ed, here)}</h3>\n" +
                        (table(["Date", "What", "Class"], rows) if rows else '<p class="kg-muted">Nothing.</p>'))
    jump = " ".join(f'<a href="#y-{esc(y)}">{esc(y)}</a>' for y in by_year)
    return ("<h1>Timeline</h1>\n<p>Events and works by year (an undated one by the dates of what it is part of), "
            f"then by programme edition.</p>\n<p>{jump}</p>\n" + section("By year", years, "by-year") + "\n"
            + section("By programme edition", "\n".join(editions), "by-edition"))


def _per_edition(data: SiteData) -> dict[str, dict[str, set[str]]]:
    """Edition -> family -> the entities taking part in it (certain participations in its contexts) or,
    for works, belonging to it."""
    found: dict[str, dict[str, set[str]]] = {ed: defaultdict(set) for ed in data.model.editions}
    members = data.facts.edition_members
    for ed in data.model.editions:
        contexts = members.get(ed, frozenset())
        for x in contexts:
            if x in data.model.entities and data.model.entities[x].family == "work":
                found[ed]["work"].add(x)
    editions_of: dict[str, list[str]] = defaultdict(list)  # a context -> the editions it is a member of
    for ed in data.model.editions:
        for x in members.get(ed, frozenset()):
            editions_of[x].append(ed)
    for p in data.facts.participations:
        if p.uncertain or p.agent not in data.model.entities:
            continue
        family = data.model.entities[p.agent].family
        for ed in editions_of.get(p.target, ()):
            found[ed][family].add(p.agent)
    return found


def charts_page(data: SiteData) -> str:
    """Bar charts: people, organisations and works per edition; the countries of the organisations per
    edition; the ties between countries."""
    here = "charts.html"
    per = _per_edition(data)
    parts = ["<h1>Charts</h1>"]
    charts = []
    for family, title in (("person", "People taking part"), ("organisation", "Organisations taking part"),
                          ("work", "Works")):
        bars = [Bar(data.label(ed), len(per[ed].get(family, ())), data.paths.get(ed)) for ed in data.model.editions]
        charts.append(bar_chart(f"{title}, per edition", bars, here))
    parts.append(section("Participants and works per edition", "\n".join(charts), "per-edition"))
    countries = []
    for ed in data.model.editions:
        count: Counter[str] = Counter(c for org in per[ed].get("organisation", ())
                                      for c in data.facts.countries.get(org, ()))
        bars = [Bar(data.label(c), n, data.paths.get(c))
                for c, n in sorted(count.items(), key=lambda kv: (-kv[1], data.label(kv[0]).casefold()))]
        countries.append(bar_chart(f"Countries of the organisations: {data.label(ed)}", bars[:MAX_BARS], here))
    parts.append(section("Countries of the organisations, per edition", "\n".join(countries), "countries"))
    parts.append(section("Ties between countries", _country_ties(data, here), "country-ties"))
    return "\n".join(parts)


def _country_ties(data: SiteData, here: str) -> str:
    net = data.network("country")
    edges = sorted(((d["weight"], data.label(a), data.label(b)) for a, b, d in net.edges(data=True)),
                   key=lambda t: (-t[0], t[1].casefold(), t[2].casefold()))
    bars = [Bar(f"{a} \u2013 {b}", w) for w, a, b in edges[:MAX_BARS]]
    note = (f'<p class="kg-note">The {MAX_BARS} strongest of {len(edges)} ties.</p>' if len(edges) > MAX_BARS else "")
    intro = ('<p class="kg-note">A tie between two countries counts the ties between people or organisations of '
             "those countries (a shared work, event, edition or programme).</p>")
    return intro + bar_chart("Ties between countries", bars, here) + note
