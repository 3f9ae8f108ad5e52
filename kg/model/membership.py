"""The derived rules of the read model: the country of an entity, and the editions an entity belongs to.

Edition membership has two rules, one per consumer, each kept as it is (changing either would change
that consumer's outputs):

- :func:`network_editions` (kg.network's ``--edition`` filter): an edition holds itself, what is
  ``kgo:partOf`` it (transitively), and the works that took part (certainly) in any of those;
- :func:`page_editions` (the graph pages' edition filter): an entity belongs to the editions it is
  ``kgo:partOf`` (transitively), and to those of what it took part in, followed twice, so a director of
  a work shown at an edition's event belongs to the edition.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Protocol

from kg.model.dates import Span
from kg.namespaces import KGO, ORG, SCHEMA

PART_OF = KGO + "partOf"
# The properties of the country rule (see kg.network's module documentation).
NATIONALITY = SCHEMA + "nationality"
COUNTRY = KGO + "country"
BASED_IN = KGO + "basedIn"
CONTAINED_IN = SCHEMA + "containedInPlace"
COUNTRY_OF_ORIGIN = SCHEMA + "countryOfOrigin"
LOCATION = SCHEMA + "location"
UNIT_OF = ORG + "unitOf"

#: Node -> property -> the entities it points to.
Out = Mapping[str, Mapping[str, list[str]]]


class _Typed(Protocol):
    @property
    def family(self) -> str: ...


class _Taking(Protocol):
    @property
    def agent(self) -> str: ...
    @property
    def target(self) -> str: ...
    @property
    def uncertain(self) -> bool: ...


_NONE: dict[str, list[str]] = {}


def countries(entities: Mapping[str, _Typed], out: Out, is_country: set[str]) -> dict[str, tuple[str, ...]]:
    """The country rule: see the module documentation of :mod:`kg.network`."""
    memo: dict[str, tuple[str, ...]] = {}

    def place(x: str, trail: frozenset[str]) -> set[str]:
        if x in is_country:
            return {x}
        found: set[str] = set()
        for parent in out.get(x, _NONE).get(CONTAINED_IN, ()):
            if parent not in trail:
                found |= place(parent, trail | {x})
        return found

    def places(xs: Iterable[str]) -> set[str]:
        return {c for x in xs for c in place(x, frozenset())}

    def of(x: str, trail: frozenset[str] = frozenset()) -> tuple[str, ...]:
        if x in memo:
            return memo[x]
        fam = entities[x].family
        rel = out.get(x, _NONE)
        found: set[str] = set()
        if fam == "place":
            found = place(x, frozenset())
        elif fam == "person":
            found = places(rel.get(NATIONALITY, ())) or places(rel.get(BASED_IN, ()))
        elif fam == "organisation":
            found = places(rel.get(COUNTRY, ())) or places(rel.get(BASED_IN, ()))
            if not found:
                for parent in rel.get(UNIT_OF, ()):
                    if parent in entities and parent not in trail:
                        found |= set(of(parent, trail | {x}))
        elif fam == "work":
            found = places(rel.get(COUNTRY_OF_ORIGIN, ()))
        elif fam == "event":
            found = places(rel.get(LOCATION, ()))
        result = tuple(sorted(found))
        if not trail:
            memo[x] = result
        return result

    return {x: of(x) for x in sorted(entities)}


def network_editions(entities: Mapping[str, _Typed], out: Out, participations: Iterable[_Taking],
                     numbers: Mapping[str, int],
                     spans: Mapping[str, Span | None]) -> tuple[dict[str, frozenset[str]], list[str]]:
    """Edition -> its members by the network's rule (see the module documentation), and the editions in
    order: by ``kgo:editionNumber``, then start date, then IRI."""
    editions = sorted(x for x, e in entities.items() if e.family == "edition")

    def ancestors(x: str) -> set[str]:
        seen: set[str] = set()
        todo = [x]
        while todo:
            for p in out.get(todo.pop(), _NONE).get(PART_OF, ()):
                if p not in seen:
                    seen.add(p)
                    todo.append(p)
        return seen

    members: dict[str, set[str]] = {e: {e} for e in editions}
    for x in sorted(entities):
        for a in ancestors(x):
            if a in members:
                members[a].add(x)
    taking = [p for p in participations
              if not p.uncertain and p.agent in entities and entities[p.agent].family == "work"]
    for e in editions:
        events = set(members[e])
        for p in taking:
            if p.target in events:
                members[e].add(p.agent)

    def start(e: str) -> date:
        s = spans.get(e)
        return s.lo if s is not None and s.lo is not None else date.max

    order = sorted(editions, key=lambda e: (numbers.get(e, 1 << 30), start(e), e))
    return {e: frozenset(m) for e, m in members.items()}, order


def page_editions(entities: Mapping[str, _Typed], part_of: Mapping[str, list[str]],
                  taking: Iterable[tuple[str, str]]) -> dict[str, frozenset[str]]:
    """Entity -> the editions it belongs to by the graph pages' rule (see the module documentation).
    ``part_of`` gives each node's ``kgo:partOf`` values, ``taking`` the (agent, target) pairs of the
    participations drawn."""
    direct: dict[str, set[str]] = {}

    def via_part_of(x: str, seen: frozenset[str] = frozenset()) -> set[str]:
        if x in direct:
            return direct[x]
        found = {x} if entities[x].family == "edition" else set()
        for o in part_of.get(x, ()):
            if o in entities and o not in seen:
                found |= via_part_of(o, seen | {x})
        if not seen:
            direct[x] = found
        return found

    member = {x: set(via_part_of(x)) for x in entities}
    pairs = list(taking)
    for _ in range(2):
        before = {x: frozenset(v) for x, v in member.items()}
        for agent, target in pairs:
            member[agent] |= before[target]
    return {x: frozenset(v) for x, v in member.items() if v}
