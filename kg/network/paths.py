"""How two entities are connected: a shortest chain through the typed multigraph, step by step, with
the relation (or role) and the sources of every step."""

from __future__ import annotations

from collections import deque
from dataclasses import asdict, dataclass, field
from typing import Any

import networkx as nx

from kg.errors import UsageError
from kg.graph import KnowledgeGraph
from kg.model.facts import facts_of
from kg.namespaces import shorten
from kg.network.filters import check_entity
from kg.network.projections import _typed

#: Families that a path may not pass through unless asked (a shared city or country is context,
#: not collaboration, and would make every two entities of a country two steps apart).
CONTEXTUAL_FAMILIES = ("place",)


@dataclass
class Link:
    """One relation between an entity of a path and the next."""

    relation: str  # IRI of the property or role
    relation_label: str
    direction: str  # "forward": this entity is the subject (the agent); "backward": the next one is
    kind: str  # participation, relation, award, quotation
    via: str  # the participation, award outcome or quotation node ("" for a plain triple)
    date: str
    sources: list[str]
    source_urls: list[str]


@dataclass
class Step:
    """An entity of a path, and how it links to the next entity (nothing on the last step)."""

    iri: str
    label: str
    type: str
    family: str
    relation: str | None = None  # the links to the next entity: "mentor →" (this one is the agent), "← mentor"
    sources: list[str] = field(default_factory=list)  # the sources of those links
    links: list[Link] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The step as plain values (for JSON)."""
        return asdict(self)


def _search(net: nx.MultiDiGraph, a: str, b: str, limit: int | None, blocked: set[str]) -> dict[str, str | None]:
    """Breadth-first search from ``a`` over edges in either direction, neighbours in IRI order, not
    entering ``blocked`` nodes (except ``b``), at most ``limit`` links deep: the parent of each node reached."""
    parent: dict[str, str | None] = {a: None}
    depth = {a: 0}
    queue = deque([a])
    while queue and b not in parent:
        x = queue.popleft()
        if limit is not None and depth[x] >= limit:
            continue
        for y in sorted(set(net.successors(x)) | set(net.predecessors(x))):
            if y in parent or (y in blocked and y != b):
                continue
            parent[y] = x
            depth[y] = depth[x] + 1
            if y == b:
                break
            queue.append(y)
    return parent


def _chain(parent: dict[str, str | None], b: str) -> list[str]:
    chain = [b]
    while (up := parent[chain[-1]]) is not None:
        chain.append(up)
    return chain[::-1]


def find_path(graph: KnowledgeGraph, a_iri: str, b_iri: str, max_length: int = 6, *,
              via_places: bool = False, include_uncertain: bool = False) -> list[Step]:
    """A shortest path from ``a_iri`` to ``b_iri`` (at most ``max_length`` links) in the typed multigraph,
    followed in either direction, as steps: each entity with its label and type, then the relations that
    link it to the next (roles for participations) with their sources. Of several shortest paths the
    first in IRI order is given. Places are not passed through unless ``via_places``. A UsageError says so
    when an IRI is not an entity, or no path of at most ``max_length`` links exists."""
    if not isinstance(max_length, int) or max_length < 1:
        raise UsageError(f"max length must be a positive number (got {max_length!r})", field="max_length",
                         hint="give the largest number of links a path may have, e.g. 6")
    facts = facts_of(graph)
    check_entity(facts, a_iri, "entity")
    check_entity(facts, b_iri, "entity")
    if a_iri == b_iri:
        raise UsageError(f"both ends are {shorten(a_iri)}", field="entity", hint="give two different entities")
    net = _typed(facts, include_uncertain)
    blocked = set() if via_places else {x for x, d in net.nodes(data=True) if d["family"] in CONTEXTUAL_FAMILIES}

    parent = _search(net, a_iri, b_iri, max_length, blocked)
    if b_iri not in parent:
        la, lb = facts.label(a_iri), facts.label(b_iri)
        unbounded = _search(net, a_iri, b_iri, None, blocked)
        if b_iri in unbounded:
            hint = f"the shortest path has {len(_chain(unbounded, b_iri)) - 1} links: raise the max length"
        elif not via_places and b_iri in _search(net, a_iri, b_iri, None, set()):
            hint = "they are connected only through places: allow paths through places"
        else:
            hint = "they are not connected in the graph"
        raise UsageError(f"no path between {la} ({shorten(a_iri)}) and {lb} ({shorten(b_iri)}) "
                         f"of at most {max_length} links", field="entity", hint=hint)
    chain = _chain(parent, b_iri)

    steps = []
    for i, x in enumerate(chain):
        d = net.nodes[x]
        step = Step(iri=x, label=d["label"], type=d["type"], family=d["family"])
        if i + 1 < len(chain):
            y = chain[i + 1]
            found = [(x, y, k, e, "forward") for k, e in net.get_edge_data(x, y, default={}).items()]
            found += [(y, x, k, e, "backward") for k, e in net.get_edge_data(y, x, default={}).items()]
            for _u, _v, _k, e, direction in sorted(found, key=lambda f: (f[3]["relation"], f[2], f[4])):
                step.links.append(Link(relation=e["relation"], relation_label=e["relation_label"],
                                       direction=direction, kind=e["kind"], via=e["via"], date=e["date"],
                                       sources=list(e["sources"]), source_urls=list(e["source_urls"])))
            step.relation = "; ".join(dict.fromkeys(
                f"{ln.relation_label} →" if ln.direction == "forward" else f"← {ln.relation_label}"
                for ln in step.links))
            step.sources = sorted({s for ln in step.links for s in ln.sources})
        steps.append(step)
    return steps
