"""The profile page of an entity: its names in every language, what it is, its dates and editions, its
participations over time (in both directions), its other relations and awards, its collaborators with the
contexts they shared, the quotes by, at or about it, the quantities and claims about it (the uncertain
ones marked), every statement's sources as links, and a picture of its neighbourhood."""

from __future__ import annotations

from dataclasses import dataclass

from kg.model.drawing import Entity, Link
from kg.site.data import SiteData
from kg.site.html import UNCERTAIN, esc, section, table
from kg.site.statements import Quote, Statement, Tie, collaborators, quotes, statements
from kg.site.svg import neighbourhood
from kg.site.vocabulary import model_link

#: At most this many rows in one table of a profile (participations, collaborators, relations, quotes,
#: quantities and claims), so that the page of the best-connected entity stays small (under 2 MB at 1M
#: triples); the page says how many more there are and how to get them all.
MAX_ROWS = 100
#: At most this many shared contexts listed for one collaborator.
MAX_SHARED = 10


def more_note(total: int, how: str) -> str:
    """When ``total`` is over :data:`MAX_ROWS`: a note saying how many more there are than the table shows
    and ``how`` (HTML) to list them all; else nothing."""
    if total <= MAX_ROWS:
        return ""
    return (f'<p class="kg-note kg-more">The first {MAX_ROWS:,} of {total:,} are shown: {total - MAX_ROWS:,} '
            f"more. {how}</p>")


def _every(iri: str) -> str:
    ident = iri.rsplit("/", 1)[-1]
    return (f"Every one is in <code>kg query neighbourhood --param entity={esc(ident)}</code> (everything stated "
            "about it); the lists and the search have every entity.")


@dataclass
class Profiles:
    """Everything the profiles need beyond the read model, computed once for the whole site."""

    data: SiteData
    statements: dict[str, list[Statement]]
    quotes: dict[str, list[Quote]]
    ties: dict[str, list[Tie]]

    @classmethod
    def of(cls, data: SiteData) -> Profiles:
        """The statements, quotes and ties of every entity of ``data``."""
        return cls(data, statements(data), quotes(data), collaborators(data))

    def body(self, iri: str, here: str) -> str:
        """The HTML of the profile of ``iri`` (an entity of the model) at site path ``here``."""
        data = self.data
        entity = data.model.entities[iri]
        parts = [_head(data, entity, here), _names(data, iri), _about(data, entity, here),
                 section("Took part in", _participations(data, iri, here, as_agent=True), "took-part"),
                 section("Who took part", _participations(data, iri, here, as_agent=False), "participants"),
                 section("Collaborators", _ties(data, iri, self.ties.get(iri, []), here), "collaborators"),
                 section("Other relations and awards", _relations(data, iri, here), "relations"),
                 section("Quotes", _quotes(data, iri, self.quotes.get(iri, []), here), "quotes"),
                 section("Quantities and claims", _statements(data, iri, self.statements.get(iri, [])), "facts"),
                 section("Neighbourhood", neighbourhood(data, iri, here), "neighbourhood")]
        return "\n".join(p for p in parts if p)


def _head(data: SiteData, entity: Entity, here: str) -> str:
    badge = " " + UNCERTAIN if entity.uncertain else ""
    ident = entity.iri.rsplit("/", 1)[-1]
    cls = data.label(entity.cls)
    family = "" if cls.casefold() == entity.family else f" ({esc(entity.family)})"
    kind = f"{model_link(here, entity.cls, cls)}{family} \u00b7 id <code>{esc(ident)}</code>"
    description = f"<p>{esc(entity.description)}</p>" if entity.description else ""
    return f"<h1>{esc(entity.label)}{badge}</h1>\n<p class=\"kg-kind\">{kind}</p>\n{description}"


def _names(data: SiteData, iri: str) -> str:
    rows = [[esc(lang or "(no language)"), esc(kind), f'<span lang="{esc(lang)}">{esc(text)}</span>' if lang
             else esc(text)] for lang, kind, text in data.names(iri)]
    return section("Names", table(["Language", "Kind", "Name"], rows), "names") if rows else ""


def _about(data: SiteData, entity: Entity, here: str) -> str:
    rows = [[esc(name), esc(value)] for name, value in entity.dates]
    editions = sorted(e for e in data.model.membership.get(entity.iri, frozenset()) if e != entity.iri)
    if editions:
        rows.append(["programme editions", ", ".join(data.entity(e, here) for e in editions)])
    if entity.sources:
        rows.append(["sources", data.sources(entity.sources)])
    return section("About", table(["", ""], rows), "about") if rows else ""


def _participations(data: SiteData, iri: str, here: str, *, as_agent: bool) -> str:
    found: list[tuple[tuple[object, ...], Link, str]] = []
    for ln in data.touching.get(iri, ()):
        if ln.kind != "participation" or (ln.source if as_agent else ln.target) != iri:
            continue
        other = ln.target if as_agent else ln.source
        found.append(((data.when(ln)[0], data.label(other).casefold(), ln.label, ln.id), ln, other))
    if not found:
        return ""
    found.sort(key=lambda f: f[0])  # type: ignore[arg-type, return-value]
    rows = []
    for _key, ln, other in found[:MAX_ROWS]:
        role = esc(ln.label) + (" " + UNCERTAIN if data.is_uncertain(ln) else "")
        details = "<br>".join(esc(d) for d in ln.details)
        rows.append([esc(data.when(ln)[1]), role, data.entity(other, here), details, data.sources(ln.sources)])
    return (table(["When", "Role", "In" if as_agent else "Who", "Details", "Sources"], rows)
            + more_note(len(found), _every(iri)))


def _ties(data: SiteData, iri: str, ties: list[Tie], here: str) -> str:
    rows = []
    for tie in ties[:MAX_ROWS]:
        shared = []
        for ev in tie.evidence[:MAX_SHARED]:
            roles = ev["roles"]
            me: list[str] = next((r for k, r in roles.items() if k != tie.other), [])
            them = roles.get(tie.other, [])
            said = ", ".join(data.label(r) for r in me) + " / " + ", ".join(data.label(r) for r in them)
            shared.append(f"{data.entity(ev['context'], here)} <span class=\"kg-muted\">({esc(said)})</span>")
        if len(tie.evidence) > MAX_SHARED:
            shared.append(f'<span class="kg-muted">and {len(tie.evidence) - MAX_SHARED:,} more</span>')
        years = ", ".join(str(y) for y in tie.years)
        rows.append([data.entity(tie.other, here), str(tie.weight), "<br>".join(shared), esc(years),
                     data.sources(tie.sources)])
    if not rows:
        return ""
    note = ('<p class="kg-note">Shared contexts: works, events, editions and programmes both took part in '
            "(roles: this one's / the collaborator's); uncertain participations are left out.</p>")
    how = ("Every one, with the contexts, is in the network files (<code>kg analyze</code>, <code>kg export "
           f"--format csv</code>); for a person, <code>kg query collaborators --param "
           f"person={esc(iri.rsplit('/', 1)[-1])}</code>.")
    return (note + table(["Collaborator", "Contexts", "Shared (roles)", "Years", "Sources"], rows, numeric=[1])
            + more_note(len(ties), how))


def _relations(data: SiteData, iri: str, here: str) -> str:
    found: list[tuple[tuple[object, ...], Link, str, bool]] = []
    for ln in data.touching.get(iri, ()):
        if ln.kind in ("participation", "quotation"):
            continue
        outgoing = ln.source == iri
        other = ln.target if outgoing else ln.source
        found.append(((ln.label, not outgoing, data.when(ln)[0], data.label(other).casefold(), ln.id), ln, other,
                      outgoing))
    if not found:
        return ""
    found.sort(key=lambda f: f[0])  # type: ignore[arg-type, return-value]
    rows = []
    for _key, ln, other, outgoing in found[:MAX_ROWS]:
        what = esc(ln.label) + (" " + UNCERTAIN if ln.uncertain else "")
        direction = "\u2192" if outgoing else "\u2190"
        rows.append([f"{direction} {what}", data.entity(other, here), esc(data.when(ln)[1]),
                     "<br>".join(esc(d) for d in ln.details), data.sources(ln.sources)])
    return table(["Relation", "With", "When", "Details", "Sources"], rows) + more_note(len(found), _every(iri))


def _quotes(data: SiteData, iri: str, found: list[Quote], here: str) -> str:
    out = []
    for q in found[:MAX_ROWS]:
        _day, when = data.when(q.link)
        about = ", ".join(data.entity(a, here) for a in q.about)
        badge = " " + UNCERTAIN if q.link.uncertain else ""
        meta = [f"said by {data.entity(q.speaker, here)}", f"at {data.entity(q.at, here)}"]
        meta += [esc(when)] if when else []
        meta += [f"about {about}"] if about else []
        sources = f"; sources: {data.sources(q.link.sources)}" if q.link.sources else ""
        out.append(f"<blockquote>{esc(q.text)}{badge}</blockquote>\n<p class=\"kg-note\">{'; '.join(meta)}"
                   f"{sources}</p>")
    return "\n".join(out) + more_note(len(found), "Every one is in <code>kg query quotes</code>.")


def _statements(data: SiteData, iri: str, found: list[Statement]) -> str:
    rows = [[esc(s.kind), esc(s.what), esc(s.value) + (" " + UNCERTAIN if s.uncertain else ""), esc(s.note),
             data.sources(s.sources)] for s in found[:MAX_ROWS]]
    if not rows:
        return ""
    return table(["Kind", "What", "Value", "Note", "Sources"], rows) + more_note(len(found), _every(iri))

