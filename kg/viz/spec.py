"""The visual spec: what a page draws, as plain data (the first of the two stages, graph -> spec -> HTML).

A :class:`VisualSpec` lists nodes (id, label, other names, class, group, colour and its category, shape,
size, label size, position, tooltip text) and edges (from, to, label, role, style, width by weight, tooltip
text), the legend entries of the classes and roles drawn, of the colours (communities or countries) and of
the sizes, and the programme editions a page can filter by. It is JSON-serialisable (:meth:`VisualSpec.to_dict`),
sorted and laid out with a fixed seed, so the same graph always gives the same spec. Every string in it
is text, never markup: the page shows it as text.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from kg.model.drawing import Entity, Model, prefixed
from kg.viz.layout import SEED, layout
from kg.viz.legend import (
    LABEL_MAX,
    LABEL_THRESHOLD,
    PRIORITY_FAMILIES,
    Colouring,
    area_size,
    edge_width,
    label_fonts,
    size_legend,
)
from kg.viz.styles import EdgeStyle, NodeStyle, Styles

#: Above this many nodes a view keeps the best connected ones (by its size measure) and says so.
MAX_NODES = 5000
#: Node sizes (vis-network's ``size``: the radius in pixels) of the smallest and the largest measure.
MIN_SIZE, MAX_SIZE = 8.0, 36.0
#: The key and label of the legend entry of nodes whose class has no style.
OTHER = "other"


@dataclass
class VisNode:
    """A node as drawn."""

    id: str  # the entity's IRI
    label: str
    cls: str  # its most specific class (prefixed name)
    group: str  # the styled class it is drawn as (a legend entry), or "other"
    colour: str
    shape: str
    size: float
    tooltip: str  # plain text, one fact per line
    measure: float  # the value of the spec's size measure
    editions: list[str] = field(default_factory=list)  # IRIs of the editions it belongs to
    focus: bool = False
    x: float | None = None
    y: float | None = None
    font: float = 0.0  # the label's size in pixels at the fitted zoom (kg.viz.legend.label_fonts)
    colour_key: str = ""  # the colour's category: its group, or a community or country of spec.colours
    names: list[str] = field(default_factory=list)  # its other names (alternative, other languages)


@dataclass
class VisEdge:
    """An edge as drawn: ``source`` -> ``target`` (``from``/``to`` in :meth:`VisualSpec.to_dict`)."""

    id: str
    source: str
    target: str
    label: str
    role: str  # the role (prefixed), relation or kind of tie: the role filter's key
    kind: str  # participation, relation, award, recipient, quotation, source, tie, pair
    colour: str
    width: float
    dashes: bool | list[int]
    arrows: bool
    tooltip: str
    editions: list[str] = field(default_factory=list)


@dataclass
class LegendEntry:
    """One class or role of the legend and the filters, with how many nodes or edges it has."""

    key: str
    label: str
    colour: str
    count: int
    shape: str = ""  # classes
    dashes: bool | list[int] = False  # roles
    width: float = 0.0  # roles
    detail: str = ""  # colours: the largest members of a community, the countries grouped as others


@dataclass
class VisualSpec:
    """Everything a page draws; see the module documentation."""

    title: str
    view: str  # graph, neighbourhood, projection or query
    nodes: list[VisNode]
    edges: list[VisEdge]
    classes: list[LegendEntry]
    roles: list[LegendEntry]
    editions: list[dict[str, str]]  # {"id", "label"} in edition order
    size_by: str
    layout: str
    directed: bool = True
    notes: list[str] = field(default_factory=list)
    focus: str | None = None
    total_nodes: int = 0  # before any reduction
    total_edges: int = 0
    colour_by: str = "class"  # class (the styles), community or country
    colours: list[LegendEntry] = field(default_factory=list)  # the categories, when not coloured by class
    sizes: list[dict[str, float]] = field(default_factory=list)  # reference {"value", "size"} of the legend
    label_threshold: float = LABEL_THRESHOLD  # labels smaller on screen (pixels) are not drawn
    label_max: float = LABEL_MAX  # nor drawn larger

    def to_dict(self) -> dict[str, Any]:
        """The spec as plain JSON values (edges with ``from`` and ``to``)."""
        out = asdict(self)
        out["edges"] = [{"from": e.pop("source"), "to": e.pop("target"), **e} for e in out["edges"]]
        return out

    def to_json(self, indent: int | None = None) -> str:
        """The spec as JSON text (keys in a fixed order)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    def node(self, iri: str) -> VisNode:
        """The node of an IRI (KeyError if it is not drawn)."""
        for n in self.nodes:
            if n.id == iri:
                return n
        raise KeyError(iri)


@dataclass
class Draft:
    """A view before styling, measuring and layout: which entities, which edges."""

    title: str
    view: str
    nodes: list[str]
    edges: list[DraftEdge]
    directed: bool = True
    focus: str | None = None
    notes: list[str] = field(default_factory=list)
    extra: dict[str, list[str]] = field(default_factory=dict)  # more tooltip lines per node
    node_editions: dict[str, Iterable[str]] | None = None  # overrides the model's membership
    names: dict[str, list[str]] = field(default_factory=dict)  # other names per node (the search's)
    colouring: Colouring | None = None  # colours by community or country instead of by class


@dataclass
class DraftEdge:
    """An edge before styling: its ends, its filter key and label, its tooltip lines."""

    id: str
    source: str
    target: str
    key: str  # role IRI, property IRI or a kind of tie: the style and filter key
    label: str
    kind: str
    lines: list[str]
    editions: Iterable[str] = ()
    weight: float = 1.0
    style: str = "relation"  # "role": style looked up among the roles (walking up skos:broader)
    style_key: str | None = None  # the style to use when it is not the key's own


def draft_edge(model: Model, link: Any) -> DraftEdge:
    """The draft of a model :class:`~kg.model.drawing.Link`, with its tooltip (role, dates, sources ...)."""
    head = f"{model.label(link.source)} → {model.label(link.target)}"
    name = "role" if link.kind == "participation" else "relation"
    lines = [head, f"{name}: {link.label} ({prefixed(link.key)})"]
    lines += [f"{p}: {v}" for p, v in link.dates]
    if link.uncertain:
        lines.append("certainty: uncertain")
    lines += link.details
    lines += _source_lines(model, link.sources)
    return DraftEdge(link.id, link.source, link.target, link.key, link.label, link.kind, lines,
                     sorted(model.link_editions(link)), style="role" if link.kind == "participation" else "relation")


def _source_lines(model: Model, sources: Iterable[str]) -> list[str]:
    shown = [model.source_text.get(s) or model.label(s) for s in sorted(sources)]
    if not shown:
        return []
    return ["sources:", *(f"• {s}" for s in shown)]


def node_lines(model: Model, entity: Entity) -> list[str]:
    """Tooltip lines of an entity: label, type, IRI, description, roles, dates, facts, sources."""
    lines = [entity.label, f"type: {model.label(entity.cls)} ({prefixed(entity.cls)})", prefixed(entity.iri)]
    if entity.uncertain:
        lines.append("certainty: uncertain")
    if entity.description:
        text = entity.description
        lines.append(text if len(text) <= 300 else text[:299].rstrip() + "…")
    for title, roles in (("roles held", model.roles_held.get(entity.iri)),
                         ("roles in it", model.roles_in.get(entity.iri))):
        if roles:
            shown = sorted((model.label(r), n) for r, n in roles.items())
            lines.append(f"{title}: " + ", ".join(f"{name} ({n})" if n > 1 else name for name, n in shown))
    lines += [f"{p}: {v}" for p, v in entity.dates]
    lines += sorted(entity.facts)
    lines += _source_lines(model, entity.sources)
    return lines


def degrees(nodes: Iterable[str], edges: Iterable[DraftEdge]) -> dict[str, float]:
    """The number of distinct neighbours of each node (edges taken as undirected, loops ignored)."""
    nbrs: dict[str, set[str]] = {n: set() for n in nodes}
    for e in edges:
        if e.source != e.target and e.source in nbrs and e.target in nbrs:
            nbrs[e.source].add(e.target)
            nbrs[e.target].add(e.source)
    return {n: float(len(v)) for n, v in nbrs.items()}


def make_spec(model: Model, draft: Draft, styles: Styles, *, size_by: str = "degree",
              measures: Mapping[str, float] | None = None, max_nodes: int = MAX_NODES, seed: int = SEED,
              positions: bool = True) -> VisualSpec:
    """Style, measure, reduce (above ``max_nodes``) and lay out a draft.

    ``measures`` gives the size measure of each node; without it, ``size_by`` must be ``degree``,
    computed here. Above ``max_nodes`` nodes, the ``max_nodes`` with the highest measure are kept (the
    focus always) and a note says so.
    """
    nodes = sorted(set(draft.nodes))
    members = set(nodes)
    edges = sorted((e for e in draft.edges if e.source in members and e.target in members),
                   key=lambda e: (e.source, e.target, e.key, e.id))
    total_nodes, total_edges = len(nodes), len(edges)
    values = dict(measures) if measures is not None else degrees(nodes, edges)
    notes = list(draft.notes)
    if len(nodes) > max_nodes:
        ranked = sorted(nodes, key=lambda n: (n != draft.focus, -values.get(n, 0.0), model.label(n), n))
        kept = set(ranked[:max_nodes])
        nodes = [n for n in nodes if n in kept]
        edges = [e for e in edges if e.source in kept and e.target in kept]
        notes.append(f"Showing the {len(nodes):,} nodes with the highest {size_by.replace('_', ' ')} of "
                     f"{total_nodes:,} ({len(edges):,} of {total_edges:,} edges). Narrow the view (a focus, a "
                     f"projection or a query) to see the others.")
    where = layout(nodes, [(e.source, e.target) for e in edges], seed=seed) if positions else {}
    vis_nodes = _vis_nodes(model, draft, styles, nodes, values, where, size_by if measures is None else None)
    vis_edges, legend = _vis_edges(model, draft, styles, edges)
    colouring = draft.colouring
    return VisualSpec(
        title=draft.title, view=draft.view, nodes=vis_nodes, edges=vis_edges,
        classes=_class_legend(model, styles, vis_nodes),
        roles=sorted(legend.values(), key=lambda r: (r.label, r.key)),
        editions=[{"id": e, "label": model.label(e)} for e in model.editions
                  if any(e in n.editions for n in vis_nodes)],
        size_by=size_by, layout=f"python(seed={seed})" if positions else "none", directed=draft.directed,
        notes=notes, focus=draft.focus, total_nodes=total_nodes, total_edges=total_edges,
        colour_by=colouring.by if colouring else "class",
        colours=[LegendEntry(c.key, c.label, c.colour, sum(n.colour_key == c.key for n in vis_nodes), shape="dot",
                             detail=c.detail) for c in colouring.categories] if colouring else [],
        sizes=size_legend((values.get(n, 0.0) for n in nodes), MIN_SIZE, MAX_SIZE))


def _vis_nodes(model: Model, draft: Draft, styles: Styles, nodes: list[str], values: Mapping[str, float],
               where: Mapping[str, tuple[float, float]], measure_line: str | None) -> list[VisNode]:
    """The drawn nodes: styled by class (or coloured by the draft's colouring), sized by area."""
    top = max((values.get(n, 0.0) for n in nodes), default=0.0)
    editions_of = draft.node_editions if draft.node_editions is not None else model.membership
    priority = {n for n in nodes if n == draft.focus or
                (n in model.entities and model.entities[n].family in PRIORITY_FAMILIES)}
    fonts = label_fonts(nodes, values, priority)
    colouring = draft.colouring
    out = []
    for n in nodes:
        entity = model.entities.get(n)
        cls = entity.cls if entity else ""
        node_style = styles.for_class(cls, model.ancestors) if cls else styles.fallback_class
        value = values.get(n, 0.0)
        lines = node_lines(model, entity) if entity else [model.label(n), prefixed(n)]
        lines += draft.extra.get(n, [])
        if measure_line is not None:
            lines.append(f"{measure_line.replace('_', ' ')}: {_number(value)}")
        x, y = where.get(n, (None, None))
        group = _group_key(node_style)
        coloured = colouring is not None and n in colouring.keys
        out.append(VisNode(
            id=n, label=model.label(n), cls=prefixed(cls) if cls else "", group=group,
            colour=colouring.colour(n) if coloured else node_style.colour,  # type: ignore[union-attr]
            shape=node_style.shape, size=round(area_size(value, top, MIN_SIZE, MAX_SIZE), 2),
            tooltip="\n".join(lines), measure=_number(value), editions=sorted(editions_of.get(n, ())),
            focus=n == draft.focus, x=x, y=y, font=fonts[n],
            colour_key=colouring.keys[n] if coloured else group,  # type: ignore[union-attr]
            names=list(draft.names.get(n, ()))))
    return out


def _vis_edges(model: Model, draft: Draft, styles: Styles,
               edges: list[DraftEdge]) -> tuple[list[VisEdge], dict[str, LegendEntry]]:
    """The drawn edges, styled by role or relation, wider with their weight; and the legend of roles."""
    heaviest = max((e.weight for e in edges), default=1.0)
    vis_edges = []
    legend: dict[str, LegendEntry] = {}
    for e in edges:
        skey = e.style_key or e.key
        if e.style == "role":
            style: EdgeStyle = styles.for_role(skey, lambda r: model.ancestors(r, "role"))
        else:
            style = styles.for_relation(skey)
        own = style.label if style.key == e.key and style.label else ""
        vis_edges.append(VisEdge(
            id=e.id, source=e.source, target=e.target, label=own or e.label, role=_key(e.key), kind=e.kind,
            colour=style.colour, width=round(edge_width(style.width, e.weight, heaviest), 2),
            dashes=list(style.dashes) if isinstance(style.dashes, tuple) else style.dashes, arrows=draft.directed,
            tooltip="\n".join(e.lines), editions=sorted(e.editions)))
        entry = legend.get(_key(e.key))
        if entry is None:
            legend[_key(e.key)] = LegendEntry(_key(e.key), own or model.label(e.key), style.colour, 1,
                                              dashes=vis_edges[-1].dashes, width=style.width)
        else:
            entry.count += 1
    return vis_edges, legend


def _number(value: float) -> float:
    return int(value) if float(value).is_integer() else round(float(value), 6)


def _key(iri: str) -> str:
    return prefixed(iri) if ":" in iri else iri


def _group_key(style: NodeStyle) -> str:
    return prefixed(style.key) if style.key else OTHER


def _class_legend(model: Model, styles: Styles, nodes: list[VisNode]) -> list[LegendEntry]:
    counts: dict[str, int] = defaultdict(int)
    for n in nodes:
        counts[n.group] += 1
    by_key = {_group_key(s): s for s in styles.classes.values()}
    out = []
    for key in sorted(counts, key=lambda k: (k == OTHER, k)):
        style = by_key.get(key, styles.fallback_class)
        label = style.label or (model.label(style.key) if style.key else OTHER)
        out.append(LegendEntry(key, label, style.colour, counts[key], shape=style.shape))
    return out
