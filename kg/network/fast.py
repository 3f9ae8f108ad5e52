"""The slow measures of a projection computed by igraph (C), with networkx's definitions and results.

The networkx graph stays what users see; :class:`Compiled` is a copy of its structure only (vertex ``i`` is
the ``i``-th node in sorted order, no attributes), made once per :func:`kg.network.measure`. Betweenness
there is the same sum of shortest-path fractions as networkx's (Brandes' algorithm, on hops), scaled by
networkx's own factors, so the values equal networkx's up to the order of the floating-point additions
(bit for bit on the benchmark's projections of 2,109 and 21,179 nodes; the tests allow 1e-9). Sampled
betweenness draws its sources exactly as networkx does (``random.Random(seed).sample(list(G), k)``) and
rescales as the installed networkx does (that changed in networkx 3.5). Bridges and cut vertices are
sets, the same as networkx's.
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass

import igraph  # type: ignore[import-untyped]  # no py.typed marker, no stubs
import networkx as nx


def _networkx_rescales_sources_apart() -> bool:
    """networkx 3.5 (pull requests 7908, 7949) scales sampled betweenness differently for the sampled
    sources and the other nodes; before, one factor ``n / k`` times the exact one for every node."""
    m = re.match(r"(\d+)\.(\d+)", nx.__version__)
    return m is not None and (int(m[1]), int(m[2])) >= (3, 5)


#: How the installed networkx scales sampled betweenness (see :func:`betweenness`).
SOURCES_APART = _networkx_rescales_sources_apart()


@dataclass(frozen=True)
class Compiled:
    """The structure of an undirected networkx graph as an igraph graph: ``nodes[i]`` is vertex ``i``."""

    nodes: list[str]
    graph: igraph.Graph

    @classmethod
    def of(cls, g: nx.Graph) -> Compiled:
        nodes = sorted(g)
        index = {x: i for i, x in enumerate(nodes)}
        edges = [(index[u], index[v]) for u, v in g.edges()]
        return cls(nodes=nodes, graph=igraph.Graph(n=len(nodes), edges=edges, directed=False))

    def betweenness(self, k: int | None = None, seed: int = 0) -> dict[str, float]:
        """Normalised betweenness on hops, as ``nx.betweenness_centrality(g, k=k, normalized=True, seed=seed)``
        gives it for the graph this was compiled from, whose node order must be sorted (networkx samples
        from ``list(g)``). Exact when ``k`` is None or the number of nodes."""
        n = len(self.nodes)
        if k == n and SOURCES_APART:
            k = None  # networkx >= 3.5 does the same (before, it sampled every node: the same sum)
        sampled: list[int] | None = None
        if k is None:
            # igraph counts each unordered pair once; networkx sums over ordered pairs, twice as much.
            raw = [2 * b for b in self.graph.betweenness(directed=False)]
        else:
            # The positions networkx's random.Random(seed).sample(list(g), k) picks depend on n and k only.
            sampled = random.Random(seed).sample(range(n), k)
            # igraph's sum over paths from the sources to every node is half networkx's accumulation.
            raw = [2 * b for b in self.graph.betweenness(directed=False, sources=sampled)]
        return dict(zip(self.nodes, _rescale(raw, n, sampled), strict=True))

    def bridges(self) -> list[tuple[str, str]]:
        """The ties whose removal disconnects their component, each as its two ends in sorted order."""
        ends = self.graph.get_edgelist()
        out = []
        for e in self.graph.bridges():
            a, b = sorted((self.nodes[ends[e][0]], self.nodes[ends[e][1]]))
            out.append((a, b))
        return out

    def cut_vertices(self) -> set[str]:
        """The nodes whose removal disconnects their component (networkx's articulation points)."""
        return {self.nodes[i] for i in self.graph.articulation_points()}


def _rescale(raw: list[float], n: int, sampled: list[int] | None) -> list[float]:
    """networkx's ``_rescale`` for normalised betweenness without endpoints on an undirected graph: the
    same factors, computed by the same expressions, applied by one multiplication each."""
    if n <= 2:
        return raw  # networkx leaves the (zero) sums as they are
    if sampled is None:
        scale = 1 / ((n - 1) * (n - 2))
        return [b * scale for b in raw]
    k = len(sampled)
    if not SOURCES_APART:
        scale = 1 / ((n - 1) * (n - 2))
        scale = scale * n / k
        return [b * scale for b in raw]
    scale_source = 1 / ((k - 1) * (n - 2)) if k > 1 else math.nan
    scale_other = 1 / (k * (n - 2))
    sources = set(sampled)
    return [b * (scale_source if i in sources else scale_other) for i, b in enumerate(raw)]
