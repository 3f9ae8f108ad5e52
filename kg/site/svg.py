"""Pictures as inline SVG written in Python: an entity's neighbourhood and horizontal bar charts.

No script draws them, so they show on any page, printed or offline; every text is escaped, and an
element links to a profile only through a relative address built from an id.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from kg.site.data import SiteData
from kg.site.html import esc, rel

#: Colour of each record family in the pictures (the rest grey).
FAMILY_COLOURS = {"person": "#4e79a7", "organisation": "#f28e2b", "work": "#59a14f", "event": "#e15759",
                  "programme": "#b07aa1", "edition": "#9c755f", "place": "#76b7b2", "award": "#edc948"}
OTHER_COLOUR = "#999999"
#: At most this many neighbours are drawn around an entity (the best connected), the rest counted.
MAX_NEIGHBOURS = 24


def _short(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def neighbourhood(data: SiteData, iri: str, here: str) -> str:
    """The entity and its neighbours at depth 1, on a circle, each linking to its profile; with the
    relations to each neighbour as its tooltip. Empty when it has no neighbour."""
    relations: dict[str, list[str]] = {}
    for ln in data.touching.get(iri, ()):
        other = ln.target if ln.source == iri else ln.source
        if other != iri:
            relations.setdefault(other, []).append(ln.label)
    if not relations:
        return ""
    ranked = sorted(relations, key=lambda o: (-len(relations[o]), data.label(o).casefold(), o))
    shown = sorted(ranked[:MAX_NEIGHBOURS], key=lambda o: (data.label(o).casefold(), o))
    width, height, radius = 760, 460, 170
    cx, cy = width / 2, height / 2
    lines, nodes = [], []
    for i, other in enumerate(shown):
        angle = 2 * math.pi * i / len(shown) - math.pi / 2
        x, y = cx + radius * math.cos(angle), cy + radius * math.sin(angle)
        lines.append(f'<line x1="{cx:.1f}" y1="{cy:.1f}" x2="{x:.1f}" y2="{y:.1f}" stroke="#bbb"/>')
        anchor = "middle" if abs(x - cx) < 1 else ("start" if x > cx else "end")
        dx = 0 if anchor == "middle" else (9 if anchor == "start" else -9)
        dy = -10 if anchor == "middle" and y < cy else (18 if anchor == "middle" else 4)
        colour = FAMILY_COLOURS.get(data.model.entities[other].family, OTHER_COLOUR) \
            if other in data.model.entities else OTHER_COLOUR
        tip = f"{data.label(other)}: {', '.join(sorted(set(relations[other])))}"
        name = esc(_short(data.label(other)))
        body = (f'<title>{esc(tip)}</title><circle cx="{x:.1f}" cy="{y:.1f}" r="6" fill="{colour}"/>'
                f'<text x="{x + dx:.1f}" y="{y + dy:.1f}" text-anchor="{anchor}">{name}</text>')
        path = data.paths.get(other)
        nodes.append(f'<a href="{esc(rel(here, path))}">{body}</a>' if path else f"<g>{body}</g>")
    entity = data.model.entities.get(iri)
    colour = FAMILY_COLOURS.get(entity.family, OTHER_COLOUR) if entity else OTHER_COLOUR
    centre = (f'<circle cx="{cx}" cy="{cy}" r="10" fill="{colour}"/>'
              f'<text x="{cx}" y="{cy + 26}" text-anchor="middle" font-weight="bold">'
              f'{esc(_short(data.label(iri), 40))}</text>')
    more = len(ranked) - len(shown)
    note = (f'<text x="8" y="{height - 8}" fill="#666">and {more} more (see the lists above)</text>'
            if more > 0 else "")
    return (f'<svg class="kg-hood" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}" role="img" aria-label="{esc("Neighbourhood of " + data.label(iri))}">'
            + "".join(lines) + "".join(nodes) + centre + note + "</svg>")


@dataclass(frozen=True)
class Bar:
    """One bar of a chart: its label, value and the site path it links to (if any)."""

    label: str
    value: float
    path: str | None = None


def bar_chart(title: str, bars: Sequence[Bar], here: str, unit: str = "") -> str:
    """A horizontal bar chart (largest scale = longest value), one row per bar, with its value written
    beside the bar; a bar with a path links to that page."""
    if not bars:
        return f'<p class="kg-muted">{esc(title)}: nothing to show.</p>'
    row, label_w, bar_w, top = 22, 280, 380, 28
    width, height = label_w + bar_w + 80, top + row * len(bars) + 8
    biggest = max(b.value for b in bars) or 1
    parts = [f'<text x="0" y="16" font-weight="bold">{esc(title)}</text>']
    for i, b in enumerate(bars):
        y = top + i * row
        length = max(1.0, bar_w * b.value / biggest) if b.value else 0.0
        value = f"{b.value:g}{unit}"
        label = (f'<title>{esc(b.label)}: {esc(value)}</title>'
                 f'<text x="{label_w - 8}" y="{y + 15}" text-anchor="end">{esc(_short(b.label, 40))}</text>')
        if b.path:
            label = f'<a href="{esc(rel(here, b.path))}">{label}</a>'
        parts.append(label + f'<rect x="{label_w}" y="{y + 3}" width="{length:.1f}" height="{row - 6}" fill="#4e79a7"/>'
                     f'<text x="{label_w + length + 6:.1f}" y="{y + 15}">{esc(value)}</text>')
    return (f'<svg class="kg-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}" role="img" aria-label="{esc(title)}">' + "".join(parts) + "</svg>")
