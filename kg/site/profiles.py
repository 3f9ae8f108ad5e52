"""The profile page of an entity: its names in every language, what it is, its dates and editions, its
participations over time (in both directions), its other relations and awards, its collaborators with the
contexts they shared, the quotes by, at or about it, the quantities and claims about it (the uncertain
ones marked), every statement's sources as links, and a picture of its neighbourhood."""

from __future__ import annotations

from dataclasses import dataclass

from kg.model.drawing import Entity
from kg.site.data import SiteData
from kg.site.html import UNCERTAIN, esc, section, table
from kg.site.statements import Quote, Statement, Tie, collaborators, quotes, statements
from kg.site.svg import neighbourhood


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
        parts = [_head(data, entity), _names(data, iri), _about(data, entity, here),
                 section("Took part in", _participations(data, iri, here, as_agent=True), "took-part"),
                 section("Who took part", _participations(data, iri, here, as_agent=False), "participants"),
                 section("Collaborators", _ties(data, self.ties.get(iri, []), here), "collaborators"),
                 section("Other relations and awards", _relations(data, iri, here), "relations"),
                 section("Quotes", _quotes(data, self.quotes.get(iri, []), here), "quotes"),
                 section("Quantities and claims", _statements(data, self.statements.get(iri, [])), "facts"),
                 section("Neighbourhood", neighbourhood(data, iri, here), "neighbourhood")]
        return "\n".join(p for p in parts if p)


def _head(data: SiteData, entity: Entity) -> str:
    badge = " " + UNCERTAIN if entity.uncertain else ""
    ident = entity.iri.rsplit("/", 1)[-1]
    cls = data.label(entity.cls)
    family = "" if cls.casefold() == entity.family else f" ({esc(entity.family)})"
    kind = f"{esc(cls)}{family} \u00b7 id <code>{esc(ident)}</code>"
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
    found: list[tuple[tuple[object, ...], list[str]]] = []
    for ln in data.touching.get(iri, ()):
        if ln.kind != "participation" or (ln.source if as_agent else ln.target) != iri:
            continue
        other = ln.target if as_agent else ln.source
        day, when = data.when(ln)
        role = esc(ln.label) + (" " + UNCERTAIN if data.is_uncertain(ln) else "")
        details = "<br>".join(esc(d) for d in ln.details)
        found.append(((day, data.label(other).casefold(), ln.label, ln.id),
                      [esc(when), role, data.entity(other, here), details, data.sources(ln.sources)]))
    if not found:
        return ""
    found.sort(key=lambda f: f[0])  # type: ignore[arg-type, return-value]
    return table(["When", "Role", "In" if as_agent else "Who", "Details", "Sources"], [row for _k, row in found])


def _ties(data: SiteData, ties: list[Tie], here: str) -> str:
    rows = []
    for tie in ties:
        shared = []
        for ev in tie.evidence:
            roles = ev["roles"]
            me: list[str] = next((r for k, r in roles.items() if k != tie.other), [])
            them = roles.get(tie.other, [])
            said = ", ".join(data.label(r) for r in me) + " / " + ", ".join(data.label(r) for r in them)
            shared.append(f"{data.entity(ev['context'], here)} <span class=\"kg-muted\">({esc(said)})</span>")
        years = ", ".join(str(y) for y in tie.years)
        rows.append([data.entity(tie.other, here), str(tie.weight), "<br>".join(shared), esc(years),
                     data.sources(tie.sources)])
    if not rows:
        return ""
    note = ('<p class="kg-note">Shared contexts: works, events, editions and programmes both took part in '
            "(roles: this one's / the collaborator's); uncertain participations are left out.</p>")
    return note + table(["Collaborator", "Contexts", "Shared (roles)", "Years", "Sources"], rows, numeric=[1])


def _relations(data: SiteData, iri: str, here: str) -> str:
    found: list[tuple[tuple[object, ...], list[str]]] = []
    for ln in data.touching.get(iri, ()):
        if ln.kind in ("participation", "quotation"):
            continue
        outgoing = ln.source == iri
        other = ln.target if outgoing else ln.source
        day, when = data.when(ln)
        what = esc(ln.label) + (" " + UNCERTAIN if ln.uncertain else "")
        direction = "\u2192" if outgoing else "\u2190"
        found.append(((ln.label, not outgoing, day, data.label(other).casefold(), ln.id),
                      [f"{direction} {what}", data.entity(other, here), esc(when),
                       "<br>".join(esc(d) for d in ln.details), data.sources(ln.sources)]))
    found.sort(key=lambda f: f[0])  # type: ignore[arg-type, return-value]
    return table(["Relation", "With", "When", "Details", "Sources"], [r for _k, r in found]) if found else ""


def _quotes(data: SiteData, found: list[Quote], here: str) -> str:
    out = []
    for q in found:
        _day, when = data.when(q.link)
        about = ", ".join(data.entity(a, here) for a in q.about)
        badge = " " + UNCERTAIN if q.link.uncertain else ""
        meta = [f"said by {data.entity(q.speaker, here)}", f"at {data.entity(q.at, here)}"]
        meta += [esc(when)] if when else []
        meta += [f"about {about}"] if about else []
        sources = f"; sources: {data.sources(q.link.sources)}" if q.link.sources else ""
        out.append(f"<blockquote>{esc(q.text)}{badge}</blockquote>\n<p class=\"kg-note\">{'; '.join(meta)}"
                   f"{sources}</p>")
    return "\n".join(out)


def _statements(data: SiteData, found: list[Statement]) -> str:
    rows = [[esc(s.kind), esc(s.what), esc(s.value) + (" " + UNCERTAIN if s.uncertain else ""), esc(s.note),
             data.sources(s.sources)] for s in found]
    return table(["Kind", "What", "Value", "Note", "Sources"], rows) if rows else ""

