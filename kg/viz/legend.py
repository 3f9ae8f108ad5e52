"""What makes a graph page readable: nodes coloured by community or by country (a fixed palette in a fixed
order), node sizes by area, edge widths by weight, label sizes by importance, and the legends of colour
and size. Plain functions of plain values: :mod:`kg.viz.spec` and :mod:`kg.viz.views` call them.

Labels are sized in pixels *at the fitted zoom* (the page converts them once it has fitted the graph):
the :data:`LABELS_SHOWN` most important nodes (the programme and its editions and the focus first, then by
the size measure) get :data:`FONT_SHOWN`, the others :data:`FONT_HIDDEN`, below the page's
:data:`LABEL_THRESHOLD`, so their labels appear as the reader zooms in. A view of up to
:data:`ALL_LABELS` nodes shows every label.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field

#: What the nodes of a collaboration network can be coloured by.
COLOUR_BY = ("community", "country")
#: Members named per community in the legend (the largest by the size measure).
NAMED = 3
#: Labels shown at the fitted zoom; up to ALL_LABELS nodes, every label.
LABELS_SHOWN, ALL_LABELS = 24, 40
#: Label sizes in pixels at the fitted zoom: (least, most important) of the labels shown, and of the others.
FONT_SHOWN, FONT_HIDDEN = (13.0, 18.0), (8.0, 11.0)
#: Labels smaller than this (pixels on screen) are not drawn; larger than LABEL_MAX are drawn at LABEL_MAX.
LABEL_THRESHOLD, LABEL_MAX = 12.0, 24.0
#: Families whose labels are always shown at the fitted zoom: where the graph starts.
PRIORITY_FAMILIES = ("programme", "edition")
#: The widest edge, in pixels (the heaviest tie of a view).
MAX_EDGE_WIDTH = 8.0
NO_COUNTRY = "no country"
OTHERS = "others"


@dataclass
class Category:
    """One entry of the colour legend: a community or a country, its colour and its members."""

    key: str
    label: str
    colour: str
    count: int
    detail: str = ""  # e.g. the names of a community's largest members


@dataclass
class Colouring:
    """The colour of every node of a view, by category, and the legend of the categories."""

    by: str  # community or country
    keys: dict[str, str]  # node -> its category's key
    categories: list[Category] = field(default_factory=list)

    def colour(self, node: str) -> str:
        """The colour of a node's category."""
        key = self.keys[node]
        return next(c.colour for c in self.categories if c.key == key)


def area_size(value: float, top: float, smallest: float, largest: float) -> float:
    """A node's radius: its area grows in proportion to ``value`` from ``smallest`` (0) to ``largest``
    (``top``)."""
    if top <= 0 or value <= 0:
        return smallest
    return math.sqrt(smallest ** 2 + (largest ** 2 - smallest ** 2) * min(value / top, 1.0))


def size_legend(values: Iterable[float], smallest: float, largest: float) -> list[dict[str, float]]:
    """Reference sizes for the legend: the smallest, a middle and the largest value drawn, with their radii."""
    found = sorted({float(v) for v in values if v > 0})
    if not found:
        return []
    top = found[-1]
    picked = sorted({found[0], found[len(found) // 2], top})
    return [{"value": _number(v), "size": round(area_size(v, top, smallest, largest), 2)} for v in picked]


def edge_width(base: float, weight: float, heaviest: float) -> float:
    """An edge's width: ``base`` for a weight of 1, up to :data:`MAX_EDGE_WIDTH` for the heaviest of the view."""
    if weight <= 1 or heaviest <= 1:
        return base
    return base + (max(MAX_EDGE_WIDTH, base) - base) * math.sqrt((weight - 1) / (heaviest - 1))


def label_fonts(nodes: Collection[str], values: Mapping[str, float], priority: Collection[str]) -> dict[str, float]:
    """Every node's label size in pixels at the fitted zoom (see the module documentation)."""
    top = max((values.get(n, 0.0) for n in nodes), default=0.0)
    if len(nodes) <= ALL_LABELS:
        shown = set(nodes)
    else:
        ranked = sorted(nodes, key=lambda n: (n not in priority, -values.get(n, 0.0), n))
        shown = set(ranked[:LABELS_SHOWN])

    def scaled(n: str, bounds: tuple[float, float]) -> float:
        share = math.sqrt(values.get(n, 0.0) / top) if top > 0 and values.get(n, 0.0) > 0 else 0.0
        return round(bounds[0] + (bounds[1] - bounds[0]) * share, 2)

    return {n: scaled(n, FONT_SHOWN if n in shown else FONT_HIDDEN) for n in nodes}


def communities(community: Mapping[str, int]) -> list[list[str]]:
    """The members of each community (node -> any community key), ordered by size, then by their smallest
    member id: community ``i + 1`` of the legend is the ``i``-th."""
    members: dict[int, list[str]] = defaultdict(list)
    for node, c in community.items():
        members[c].append(node)
    return sorted((sorted(m) for m in members.values()), key=lambda m: (-len(m), m[0]))


def by_community(community: Mapping[str, int], values: Mapping[str, float], label: Callable[[str], str],
                 palette: tuple[str, ...], other: str) -> Colouring:
    """Nodes coloured by community: communities ordered by size, then by their smallest member id, and
    numbered from 1 in that order; the palette's colours in the same order, ``other`` beyond it."""
    groups = communities(community)
    keys: dict[str, str] = {}
    categories = []
    for i, group in enumerate(groups):
        if i >= len(palette):
            rest = [n for g in groups[i:] for n in g]
            keys.update((n, OTHERS) for n in rest)
            name = f"Community {i + 1}" if i + 1 == len(groups) else f"Communities {i + 1}–{len(groups)}"
            categories.append(Category(OTHERS, name, other, len(rest)))
            break
        key = f"community-{i + 1}"
        keys.update((n, key) for n in group)
        largest = sorted(group, key=lambda n: (-values.get(n, 0.0), label(n), n))
        named = ", ".join(label(n) for n in largest[:NAMED]) + (f" and {len(group) - NAMED} more"
                                                                 if len(group) > NAMED else "")
        categories.append(Category(key, f"Community {i + 1}", palette[i], len(group), named))
    return Colouring("community", keys, categories)


def by_country(countries: Mapping[str, Collection[str]], palette: tuple[str, ...], other: str) -> Colouring:
    """Nodes coloured by country (names): a node of several countries takes the one most nodes of the view
    have (ties: by name); countries ordered by their nodes, then by name; ``other`` beyond the palette and
    for nodes without a country."""
    everywhere = Counter(c for cs in countries.values() for c in set(cs))
    keys = {n: min(cs, key=lambda c: (-everywhere[c], c)) if cs else NO_COUNTRY for n, cs in countries.items()}
    counts = Counter(keys.values())
    ranked = sorted((c for c in counts if c != NO_COUNTRY), key=lambda c: (-counts[c], c))
    categories = [Category(c, c, palette[i], counts[c]) for i, c in enumerate(ranked[:len(palette)])]
    beyond = set(ranked[len(palette):])
    if beyond:
        for n, c in keys.items():
            if c in beyond:
                keys[n] = OTHERS
        categories.append(Category(OTHERS, "Other countries", other, sum(counts[c] for c in beyond),
                                   ", ".join(sorted(beyond))))
    if NO_COUNTRY in counts:
        categories.append(Category(NO_COUNTRY, "No country known", other, counts[NO_COUNTRY]))
    return Colouring("country", keys, categories)


def _number(value: float) -> float:
    return int(value) if float(value).is_integer() else round(float(value), 6)
