"""Change over time: the measures of a projection per year or per edition, with who entered and left
and which ties are new or lost between consecutive periods."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from kg.errors import UsageError
from kg.graph import KnowledgeGraph
from kg.model.facts import facts_of
from kg.namespaces import shorten
from kg.network.filters import Filters, RoleFilter, resolve_filters
from kg.network.measures import SEED, Analysis, measure
from kg.network.projections import build_projection, check_projection

#: How :func:`timeline` cuts time.
PERIODS = ("year", "edition")


@dataclass
class Period:
    """One period of a timeline: its analysis and the change from the period before."""

    label: str
    start: str | None
    end: str | None
    edition: str | None
    analysis: Analysis
    entered: list[str] = field(default_factory=list)  # nodes not in the previous period
    left: list[str] = field(default_factory=list)  # nodes of the previous period not in this one
    new_ties: list[tuple[str, str]] = field(default_factory=list)
    lost_ties: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Timeline:
    """The periods of a projection in time order."""

    projection: str
    by: str
    filters: dict[str, str | None]
    periods: list[Period]
    labels: dict[str, str]
    top: int | None = None

    def _names(self, iris: list[str]) -> list[str]:
        return [self.labels.get(i, shorten(i)) for i in iris]

    def rows(self) -> list[dict[str, Any]]:
        """One dict per period: counts, entered, left, new and lost ties (as labels), and the top nodes."""
        out = []
        for p in self.periods:
            s = p.analysis.summary()
            out.append({
                "period": p.label, "start": p.start, "end": p.end, "nodes": s["nodes"], "edges": s["edges"],
                "total_weight": s["total_weight"], "components": s["components"], "communities": s["communities"],
                "entered": len(p.entered), "left": len(p.left), "new_ties": len(p.new_ties),
                "lost_ties": len(p.lost_ties),
                "entered_nodes": "; ".join(self._names(p.entered)), "left_nodes": "; ".join(self._names(p.left)),
                "new_tie_list": "; ".join(" -- ".join(self._names(list(t))) for t in p.new_ties),
                "lost_tie_list": "; ".join(" -- ".join(self._names(list(t))) for t in p.lost_ties),
                "top": "; ".join(n.label for n in p.analysis.nodes[: self.top or 3]),
                "betweenness_method": s["betweenness_method"]})
        return out

    def node_rows(self) -> list[dict[str, Any]]:
        """One dict per node and period (long format), with the node's measures in that period."""
        return [{"period": p.label, **row} for p in self.periods for row in p.analysis.rows()]


def _edges(a: Analysis) -> set[tuple[str, str]]:
    return {tuple(sorted((u, v))) for u, v in a.graph.edges()}  # type: ignore[misc]


def timeline(graph: KnowledgeGraph, projection: str = "person", by: str = "year",
             role: str | tuple[str, str | None] | RoleFilter | None = None, edition: str | None = None,
             since: str | date | None = None, until: str | date | None = None, top: int | None = None, *,
             include_uncertain: bool = False, seed: int = SEED) -> Timeline:
    """The projection measured per period. ``by="year"``: every calendar year in which a kept participation
    falls (a year-precision date counts for its whole year, an edition's undated event for the edition's
    years), limited to ``since``/``until``; ``by="edition"``: every programme edition in edition order (the
    ``edition`` filter then makes no sense). Each period is compared with the one before it; the first
    period's nodes and ties all count as entered and new."""
    check_projection(projection)
    if by not in PERIODS:
        raise UsageError(f"unknown period {by!r}", field="by", hint=f"choose one of {', '.join(PERIODS)}")
    facts = facts_of(graph)
    base = resolve_filters(facts, role, edition, since, until)
    cuts: list[tuple[str, str | None, str | None, Filters]] = []
    if by == "edition":
        if edition:
            raise UsageError("a timeline by edition cannot also be limited to one edition", field="edition",
                             hint="leave out the edition, or cut by year")
        for e in facts.edition_order:
            span = facts.context_spans.get(e)
            cuts.append((facts.label(e), span.lo.isoformat() if span and span.lo else None,
                         span.hi.isoformat() if span and span.hi else None,
                         Filters(base.role, e, base.since, base.until)))
    else:
        whole = build_projection(facts, projection, base, include_uncertain)
        first = base.since.year if base.since else None
        last = base.until.year if base.until else None
        years = sorted({y for _, d in whole.nodes(data=True) for y in d.get("years", ())
                        if (first is None or y >= first) and (last is None or y <= last)})
        for y in years:
            lo, hi = date(y, 1, 1), date(y, 12, 31)
            lo, hi = max(lo, base.since or lo), min(hi, base.until or hi)
            cuts.append((str(y), lo.isoformat(), hi.isoformat(), Filters(base.role, base.edition, lo, hi)))
    periods: list[Period] = []
    prev: Analysis | None = None
    for label, start, end, filters in cuts:
        net = build_projection(facts, projection, filters, include_uncertain)
        a = measure(net, projection=projection, filters=filters.as_dict(), top=top, seed=seed)
        nodes, edges = set(a.graph.nodes), _edges(a)
        before_nodes = set(prev.graph.nodes) if prev else set()
        before_edges = _edges(prev) if prev else set()
        periods.append(Period(label, start, end, filters.edition if by == "edition" else None, a,
                              entered=sorted(nodes - before_nodes), left=sorted(before_nodes - nodes),
                              new_ties=sorted(edges - before_edges), lost_ties=sorted(before_edges - edges)))
        prev = a
    labels = {x: e.label for x, e in facts.entities.items()}
    return Timeline(projection, by, base.as_dict(), periods, labels, top)
