"""Measures of a projection: degree, strength, betweenness, PageRank, communities, components, bridges,
brokers and the country diversity of each node's ties."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field, fields
from datetime import date
from operator import itemgetter
from typing import Any

import networkx as nx
import numpy as np

from kg.errors import UsageError
from kg.gc_pause import without_gc
from kg.graph import KnowledgeGraph
from kg.model.facts import facts_of
from kg.network.fast import Compiled
from kg.network.filters import RoleFilter, resolve_filters
from kg.network.projections import build_projection, check_projection

#: Seed of Louvain and of sampled betweenness: the same input always gives the same result.
SEED = 42
#: Up to this many nodes betweenness is exact; above, it is estimated from this many sampled sources.
#: igraph computes it (kg/network/fast.py): 33-43 s for 21,179 nodes and 64,897 ties on the benchmark
#: machine (shared), where networkx's own would take about 50 minutes.
EXACT_BETWEENNESS_LIMIT = 20_000
STRUCTURAL_HOLES_BUDGET = 20_000  # sum of squared degrees up to which Burt's measures are computed
#: Burt's measures are computed on projections of at most this many nodes (the former exact betweenness
#: limit), and at most ``exact_limit`` when measure() is given a smaller one.
STRUCTURAL_HOLES_NODES = 2000
BETWEENNESS_SAMPLES = 500
#: Above the exact limit, sampled sources times (nodes + ties) stays under this (at least 50 sources):
#: 500 sources on a 21,000-node, 65,000-tie projection took 90 s with networkx (under 1 s with igraph).
BETWEENNESS_WORK = 5_000_000
BETWEENNESS_MIN_SAMPLES = 50
#: Decimal places of the floating-point measures in results (keeps outputs stable across platforms).
DIGITS = 6


@dataclass
class NodeMeasures:
    """The measures of one node of a projection."""

    iri: str
    label: str
    type: str
    countries: list[str]  # country labels
    degree: int
    weighted_degree: float
    betweenness: float
    pagerank: float
    community: int
    component: int
    cut_vertex: bool
    constraint: float | None  # Burt's constraint: low = ties to otherwise unconnected others
    effective_size: float | None  # Burt's effective size of the ego network
    communities_reached: int  # distinct communities among its neighbours
    countries_reached: int  # distinct countries among its neighbours
    diversity: float | None  # Blau index of its neighbours' countries (None: no neighbour with a country)
    broker: bool
    broker_of: list[str] = field(default_factory=list)  # components, communities, countries


_FIELDS = tuple(f.name for f in fields(NodeMeasures))


def _as_dict(m: NodeMeasures) -> dict[str, Any]:
    """``dataclasses.asdict(m)`` without its recursive deep copy (0.3 s for 21,000 nodes): the
    fields are strings, numbers and lists of strings, and the lists are copied."""
    return {f: list(v) if isinstance(v := getattr(m, f), list) else v for f in _FIELDS}


@dataclass
class Analysis:
    """A projection with its measures: ``rows()`` one per node, ``summary()`` the whole."""

    projection: str
    filters: dict[str, str | None]
    graph: nx.Graph  # the projection, every node carrying its measures as attributes
    nodes: list[NodeMeasures]  # sorted by weighted degree, degree, betweenness, PageRank, label
    bridges: list[tuple[str, str]]
    components: list[list[str]]
    communities: list[list[str]]
    modularity: float | None
    betweenness_method: str
    seed: int = SEED
    top: int | None = None
    structural_holes: str = "exact"  # Burt's constraint and effective size: "exact" or why not computed

    def rows(self) -> list[dict[str, Any]]:
        """One dict per node (the first ``top`` only, if set), best first, lists joined by ``; ``."""
        out = []
        for rank, n in enumerate(self.nodes[: self.top] if self.top else self.nodes, 1):
            row: dict[str, Any] = {"rank": rank, **_as_dict(n)}
            row["countries"] = "; ".join(n.countries)
            row["broker_of"] = "; ".join(n.broker_of)
            out.append(row)
        return out

    def edge_rows(self) -> list[dict[str, Any]]:
        """One dict per tie, heaviest first: the two ends, the weight, the contexts and the sources."""
        rows = []
        for u, v, d in self.graph.edges(data=True):
            u, v = sorted((u, v))
            rows.append({"source": u, "target": v, "source_label": self.graph.nodes[u]["label"],
                         "target_label": self.graph.nodes[v]["label"], "weight": d.get("weight", 1),
                         "kinds": "; ".join(d.get("kinds", ())), "contexts": "; ".join(d.get("context_labels", ())),
                         "sources": "; ".join(d.get("sources", ()))})
        return sorted(rows, key=lambda r: (-r["weight"], r["source"], r["target"]))

    def summary(self) -> dict[str, Any]:
        """Counts and whole-graph results: nodes, edges, components, communities, bridges, brokers."""
        g = self.graph
        return {
            "projection": self.projection,
            "filters": self.filters,
            "nodes": g.number_of_nodes(),
            "edges": g.number_of_edges(),
            "total_weight": sum(d.get("weight", 1) for _, _, d in g.edges(data=True)),
            "density": round(nx.density(g), DIGITS) if g.number_of_nodes() > 1 else 0.0,
            "components": len(self.components),
            "largest_component": len(self.components[0]) if self.components else 0,
            "communities": len(self.communities),
            "modularity": self.modularity,
            "community_method": f"louvain(seed={self.seed})",
            "betweenness_method": self.betweenness_method,
            "structural_holes": self.structural_holes,
            "bridges": [list(b) for b in self.bridges],
            "brokers": [n.iri for n in self.nodes if n.broker],
        }


def _r(x: float) -> float:
    return round(float(x), DIGITS) + 0.0  # + 0.0 turns -0.0 into 0.0


def _ranked_groups(groups: list[set[str]]) -> list[list[str]]:
    return sorted((sorted(g) for g in groups), key=lambda g: (-len(g), g[0]))


def diversity(countries: list[tuple[str, ...]]) -> float | None:
    """Blau's index 1 - sum(p_c^2) over the countries of a node's neighbours (one list of countries per
    neighbour; a neighbour of k countries counts 1/k for each; neighbours without a country are left out).
    0 when all its ties go to one country, approaching 1 when they spread evenly over many."""
    share: defaultdict[str, float] = defaultdict(float)
    for cs in countries:
        for c in cs:
            share[c] += 1 / len(cs)
    total = sum(share.values())
    if total == 0:
        return None
    return 1 - sum((v / total) ** 2 for v in share.values())


def pagerank(g: nx.Graph, alpha: float = 0.85, weight: str = "weight", tol: float = 1.0e-10,
             max_iter: int = 1000) -> dict[str, float]:
    """PageRank of an undirected graph by power iteration, as networkx defines it (a walker follows a tie
    with probability proportional to its weight, jumps anywhere with probability 1 - ``alpha``, and leaves a
    node without ties for any node). With NumPy arrays: networkx's own needs SciPy, which kg does not
    depend on, and a Python loop took 14 s on a 21,000-node projection."""
    nodes = list(g)
    n = len(nodes)
    if n == 0:
        return {}
    index = {x: i for i, x in enumerate(nodes)}
    # Both directions of every tie (a self-loop once, as networkx's adjacency has it).
    src, dst, w = [], [], []
    for u, v, d in g.edges(data=True):
        wt = d.get(weight, 1)
        src.append(index[u])
        dst.append(index[v])
        w.append(wt)
        if u != v:
            src.append(index[v])
            dst.append(index[u])
            w.append(wt)
    src_a, dst_a = np.array(src, dtype=np.int64), np.array(dst, dtype=np.int64)
    w_a = np.array(w, dtype=float)
    strength = np.bincount(src_a, weights=w_a, minlength=n)
    dangling = strength == 0
    share = np.divide(w_a, strength[src_a], out=np.zeros_like(w_a), where=strength[src_a] != 0)
    rank = np.full(n, 1.0 / n)
    for _ in range(max_iter):
        flow = np.bincount(dst_a, weights=rank[src_a] * share, minlength=n)
        new = alpha * (flow + rank[dangling].sum() / n) + (1 - alpha) / n
        change = np.abs(new - rank).sum()
        rank = new
        if change < n * tol:
            break
    return {x: float(rank[i]) for i, x in enumerate(nodes)}


@without_gc
def measure(net: nx.Graph, *, projection: str = "", filters: dict[str, str | None] | None = None,
            top: int | None = None, seed: int = SEED, exact_limit: int = EXACT_BETWEENNESS_LIMIT,
            samples: int = BETWEENNESS_SAMPLES) -> Analysis:
    """Measure an undirected projection (nodes may carry ``label``, ``type``, ``countries``, ``country_labels``;
    edges ``weight``). The graph is copied and each node of the copy gets its measures as attributes.

    Betweenness is unweighted (paths count hops; a strong tie is not a short one) and normalised; it is exact
    up to ``exact_limit`` nodes, else sampled from ``samples`` sources with ``seed``; igraph computes it, and
    the bridges and cut vertices, with networkx's definitions and results (:mod:`kg.network.fast`). PageRank
    and Louvain use the weights. Communities and components are numbered from 0, largest first.
    """
    g = nx.Graph()
    g.add_nodes_from(sorted(net.nodes(data=True), key=lambda nd: nd[0]))
    g.add_edges_from(sorted(((u, v, d) if u <= v else (v, u, d) for u, v, d in net.edges(data=True)),
                            key=itemgetter(0, 1)))
    g.graph.update(net.graph)
    n = g.number_of_nodes()

    degree = dict(g.degree())
    strength = dict(g.degree(weight="weight"))
    fast = Compiled.of(g)  # betweenness, bridges and cut vertices in igraph, equal to networkx's
    if n <= exact_limit:
        between = fast.betweenness()
        method = "exact"
    else:
        k = min(samples, n, max(BETWEENNESS_MIN_SAMPLES, BETWEENNESS_WORK // (n + g.number_of_edges())))
        between = fast.betweenness(k=k, seed=seed)
        method = f"sampled(k={k}, seed={seed})"
    ranks = pagerank(g)
    communities = _ranked_groups(nx.community.louvain_communities(g, weight="weight", seed=seed)) if n else []
    components = _ranked_groups(list(nx.connected_components(g)))
    community_of = {x: i for i, c in enumerate(communities) for x in c}
    component_of = {x: i for i, c in enumerate(components) for x in c}
    modularity = (_r(nx.community.modularity(g, communities, weight="weight"))
                  if g.number_of_edges() else None)
    bridges = sorted(fast.bridges())
    cuts = fast.cut_vertices()
    # Burt's measures cost about degree^3 per node in networkx: 40 s on a 480-node projection of 2,600
    # ties, minutes on larger ones; they are computed when the sum of squared degrees stays small.
    if (n <= min(exact_limit, STRUCTURAL_HOLES_NODES)
            and sum(d * d for d in degree.values()) <= STRUCTURAL_HOLES_BUDGET):
        constraint, esize = nx.constraint(g, weight="weight"), nx.effective_size(g, weight="weight")
        holes = "exact"
    else:
        constraint, esize = {}, {}
        holes = "not computed (graph too large or dense; see STRUCTURAL_HOLES_BUDGET)"

    nodes = []
    for x, d in g.nodes(data=True):
        nbrs = sorted(g[x])
        reached = {community_of[y] for y in nbrs}
        nbr_countries = [tuple(g.nodes[y].get("countries", ())) for y in nbrs]
        countries = {c for cs in nbr_countries for c in cs}
        broker_of = [why for why, yes in (("components", x in cuts), ("communities", len(reached) >= 2),
                                          ("countries", len(countries) >= 2)) if yes]
        div = diversity(nbr_countries)
        c, e = constraint.get(x), esize.get(x)
        nodes.append(NodeMeasures(
            iri=x, label=d.get("label", x), type=d.get("type", ""), countries=list(d.get("country_labels", ())),
            degree=degree[x], weighted_degree=_r(strength[x]), betweenness=_r(between[x]), pagerank=_r(ranks[x]),
            community=community_of[x], component=component_of[x], cut_vertex=x in cuts,
            constraint=None if c is None or math.isnan(c) else _r(c),
            effective_size=None if e is None or math.isnan(e) else _r(e),
            communities_reached=len(reached), countries_reached=len(countries),
            diversity=None if div is None else _r(div), broker=bool(broker_of), broker_of=broker_of))
    nodes.sort(key=lambda m: (-m.weighted_degree, -m.degree, -m.betweenness, -m.pagerank, m.label, m.iri))
    for m in nodes:
        attrs = _as_dict(m)
        for k in ("iri", "label", "type", "countries"):
            attrs.pop(k)
        g.nodes[m.iri].update(attrs)
    return Analysis(projection=projection or str(net.graph.get("projection", "")), filters=dict(filters or {}),
                    graph=g, nodes=nodes, bridges=bridges, components=components, communities=communities,
                    modularity=modularity, betweenness_method=method, seed=seed, top=top,
                    structural_holes=holes)


def analyze(graph: KnowledgeGraph, projection: str = "person", role: str | tuple[str, str | None] | RoleFilter |
            None = None, edition: str | None = None, since: str | date | None = None,
            until: str | date | None = None, top: int | None = None, *, include_uncertain: bool = False,
            seed: int = SEED) -> Analysis:
    """Project the graph (see :func:`kg.network.project`) and measure it (see :func:`measure`)."""
    check_projection(projection)
    if top is not None and top < 1:
        raise UsageError(f"top must be at least 1 (got {top})", field="top", hint="give a positive number")
    facts = facts_of(graph)
    filters = resolve_filters(facts, role, edition, since, until)
    net = build_projection(facts, projection, filters, include_uncertain)
    return measure(net, projection=projection, filters=filters.as_dict(), top=top, seed=seed)
