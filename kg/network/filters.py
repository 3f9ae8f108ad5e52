"""The filters of the network's projections (:mod:`kg.network.projections`): a role or a pair of roles,
an edition and a date window, read from text and checked against the facts, and the participations
they keep."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import date

from kg.errors import UsageError
from kg.model.dates import parse_date
from kg.model.facts import CONTEXT_FAMILIES, Facts, Participation
from kg.namespaces import ROLE, shorten

_ROLE_PAIR = re.compile(r"(?:role:)?([^:\s]+)(?:\s*:\s*(?:role:)?([^:\s]*))?")


@dataclass(frozen=True)
class RoleFilter:
    """Keep a tie when, in the shared context, one side held ``first`` and the other ``second``
    (``None``: any role). Narrower roles count: ``juror`` also matches a ``jury-chair``."""

    first: str
    second: str | None = None

    def text(self) -> str:
        """The filter in the syntax :func:`parse_role_filter` reads (``mentor:director``, ``mentor``)."""
        a = self.first.removeprefix(ROLE)
        return f"{a}:{self.second.removeprefix(ROLE)}" if self.second else a


@dataclass(frozen=True)
class Filters:
    """Which participations and ties a projection keeps (all given ones must hold)."""

    role: RoleFilter | None = None
    edition: str | None = None
    since: date | None = None
    until: date | None = None

    def as_dict(self) -> dict[str, str | None]:
        """The filters as plain values, for a summary."""
        return {"role": self.role.text() if self.role else None, "edition": self.edition,
                "since": self.since.isoformat() if self.since else None,
                "until": self.until.isoformat() if self.until else None}


def parse_role_filter(text: str) -> tuple[str, str | None]:
    """Split a role filter into its two sides: ``mentor`` -> (mentor, None), ``mentor:director``,
    ``mentor->director`` and ``mentor→director`` -> (mentor, director); ``*`` stands for any role.
    Sides may be local names (``mentor``), prefixed names (``role:mentor``) or full IRIs (then
    separated by ``->``, ``→`` or a space)."""
    text = text.strip()
    for sep in ("->", "→"):
        if sep in text:
            a, b = (s.strip() for s in text.split(sep, 1))
            return _sides(a, b, text)
    if "://" in text:
        parts = text.split()
        if len(parts) in (1, 2):
            return _sides(parts[0], parts[1] if len(parts) == 2 else "", text)
    m = _ROLE_PAIR.fullmatch(text)
    if not m:
        raise UsageError(f"role filter {text!r} is not understood", field="role",
                         hint="write a role (mentor) or two roles joined by a colon (mentor:director)")
    return _sides(m.group(1), m.group(2) or "", text)


def _sides(a: str, b: str, text: str) -> tuple[str, str | None]:
    a, b = a.strip(), b.strip()
    if a in ("", "*"):
        a, b = b, ""
    if a in ("", "*"):
        raise UsageError(f"role filter {text!r} names no role", field="role",
                         hint="write a role (mentor) or two roles joined by a colon (mentor:director)")
    return a, (None if b in ("", "*") else b)


def resolve_role(facts: Facts, name: str) -> str:
    """The IRI of a role given by IRI, prefixed name, local name or English label."""
    name = name.strip()
    candidates = [name, ROLE + name.removeprefix("role:")]
    for c in candidates:
        if c in facts.roles:
            return c
    by_label = {facts.label(r).casefold(): r for r in facts.roles}
    if name.casefold() in by_label:
        return by_label[name.casefold()]
    names = sorted(r.removeprefix(ROLE) for r in facts.roles)
    close = difflib.get_close_matches(name.removeprefix("role:"), names, n=3)
    hint = f"did you mean {' or '.join(repr(c) for c in close)}?" if close else f"roles: {', '.join(names)}"
    raise UsageError(f"unknown role {name!r}", field="role", hint=hint)


def role_filter(facts: Facts, role: str | tuple[str, str | None] | RoleFilter | None) -> RoleFilter | None:
    """A checked :class:`RoleFilter` from text (see :func:`parse_role_filter`), a pair or a filter."""
    if role is None or role == "":
        return None
    if isinstance(role, RoleFilter):
        a, b = role.first, role.second
    elif isinstance(role, tuple):
        a, b = role
    else:
        a, b = parse_role_filter(role)
    return RoleFilter(resolve_role(facts, a), resolve_role(facts, b) if b else None)


def _bound(value: str | date | None, which: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    parsed = parse_date(str(value))
    if parsed is None:
        raise UsageError(f"{which}: {value!r} is not a date", field=which,
                         hint="write YYYY, YYYY-MM or YYYY-MM-DD")
    return parsed[0] if which == "since" else parsed[1]


def check_entity(facts: Facts, iri: str, what: str = "entity", family: str | None = None) -> str:
    """``iri`` when it names an entity of the network (of ``family`` if given); else a UsageError."""
    ent = facts.entities.get(iri)
    if ent is None:
        raise UsageError(f"unknown {what} {shorten(iri)}", field=what,
                         hint="give the IRI of a person, organisation, work, event, edition ... of the graph")
    if ent.family == "source":
        raise UsageError(f"{shorten(iri)} is a source, not an entity of the network", field=what,
                         hint="sources are the evidence on the ties; name a person, organisation, work or event")
    if family is not None and ent.family != family:
        raise UsageError(f"{shorten(iri)} ({ent.label}) is a {shorten(ent.type)}, not a {family}", field=what,
                         hint=_choices(facts, family))
    return iri


def _choices(facts: Facts, family: str) -> str:
    if family == "edition":
        return "editions: " + ", ".join(f"{shorten(e)} ({facts.label(e)})" for e in facts.edition_order)
    return f"give a {family}"


def resolve_filters(facts: Facts, role: str | tuple[str, str | None] | RoleFilter | None = None,
                    edition: str | None = None, since: str | date | None = None,
                    until: str | date | None = None) -> Filters:
    """Checked filters; a UsageError names the first argument that cannot work."""
    rf = role_filter(facts, role)
    if edition:
        check_entity(facts, edition, "edition", "edition")
    lo, hi = _bound(since, "since"), _bound(until, "until")
    if lo is not None and hi is not None and lo > hi:
        raise UsageError(f"since ({since}) is after until ({until})", field="since",
                         hint="give a since date on or before the until date")
    return Filters(rf, edition or None, lo, hi)


def kept_participations(facts: Facts, filters: Filters, include_uncertain: bool = False) -> list[Participation]:
    """The participations in contexts (works, events, editions, programmes) that the edition and date
    filters keep. Undated participations are dropped as soon as a date bound is given."""
    members = facts.edition_members.get(filters.edition) if filters.edition else None
    windowed = filters.since is not None or filters.until is not None
    kept = []
    for p in facts.participations:
        ctx = facts.entities.get(p.target)
        if ctx is None or ctx.family not in CONTEXT_FAMILIES or p.agent not in facts.entities:
            continue
        if p.uncertain and not include_uncertain:
            continue
        if members is not None and p.target not in members:
            continue
        if windowed and (p.span is None or not p.span.overlaps(filters.since, filters.until)):
            continue
        kept.append(p)
    return kept
