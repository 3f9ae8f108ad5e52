"""Node positions computed in Python, so that a page draws at once with physics off.

Each connected component is laid out on its own and the components are packed in rows, largest first
(isolated nodes and pairs end up in a tidy block instead of being flung to the edges). A component of up
to :data:`SPRING_LIMIT` nodes gets networkx's ``spring_layout`` (Fruchterman-Reingold, dense, seeded);
a larger one :func:`grid_layout`, the same forces with the repulsion of far nodes taken from the centres
of a grid of cells (exact within a node's own cell), which is O(n * cells) per step instead of O(n^2).
Measured on 2 cores: 5,000 nodes and 10,000 edges take about 2 s, where networkx's sparse variant (it
needs SciPy) or ``forceatlas2_layout`` take tens of seconds. Same input, same seed: same positions.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import networkx as nx

from kg.errors import UsageError

if TYPE_CHECKING:
    import numpy

SEED = 42
#: Components up to this many nodes use networkx's spring_layout; larger ones the grid layout.
SPRING_LIMIT = 400
#: The ideal length of an edge, in page pixels.
EDGE_LENGTH = 110.0
#: Gap between packed components, in page pixels.
GAP = 90.0


def _numpy() -> Any:
    try:
        import numpy as np
    except ImportError as exc:  # networkx's layouts need it too
        raise UsageError("numpy is not installed; it is needed to lay the graph out",
                         hint="pip install numpy") from exc
    return np


def layout(nodes: Sequence[str], edges: Sequence[tuple[str, str]], seed: int = SEED) -> dict[str, tuple[float, float]]:
    """Positions (page pixels, centred on 0, 0) of ``nodes``, drawn with ``edges`` (undirected)."""
    g = nx.Graph()
    g.add_nodes_from(sorted(nodes))
    g.add_edges_from(sorted({tuple(sorted(e)) for e in edges if e[0] != e[1] and e[0] in g and e[1] in g}))
    if g.number_of_nodes() == 0:
        return {}
    components = sorted((sorted(c) for c in nx.connected_components(g)), key=lambda c: (-len(c), c[0]))
    boxes: list[tuple[dict[str, tuple[float, float]], float, float]] = []
    singles: list[str] = []
    for comp in components:
        if len(comp) == 1:
            singles.append(comp[0])
            continue
        # A new graph in sorted order: a subgraph view iterates a set, whose order varies between runs.
        sub = nx.Graph()
        sub.add_nodes_from(comp)
        sub.add_edges_from(sorted(tuple(sorted(e)) for e in g.edges(comp)))
        pos = _component(sub, comp, seed)
        xs = [p[0] for p in pos.values()]
        ys = [p[1] for p in pos.values()]
        x0, y0 = min(xs), min(ys)
        boxes.append(({n: (x - x0, y - y0) for n, (x, y) in pos.items()}, max(xs) - x0, max(ys) - y0))
    if singles:
        # Isolated nodes: a square block, in name order.
        side = math.ceil(math.sqrt(len(singles)))
        step = EDGE_LENGTH * 0.8
        block = {n: ((i % side) * step, (i // side) * step) for i, n in enumerate(singles)}
        boxes.append((block, (side - 1) * step, (math.ceil(len(singles) / side) - 1) * step))
    return _pack(boxes)


def _component(g: nx.Graph, nodes: list[str], seed: int) -> dict[str, tuple[float, float]]:
    n = len(nodes)
    if n == 2:
        return {nodes[0]: (0.0, 0.0), nodes[1]: (EDGE_LENGTH, 0.0)}
    np = _numpy()
    if n <= SPRING_LIMIT:
        # k twice networkx's default spreads the dense middle of hub-and-spoke graphs.
        raw = nx.spring_layout(g, seed=seed, iterations=100, k=2.0 / math.sqrt(n))
        # spring_layout fills [-1, 1]^2: give each node about EDGE_LENGTH^2 of room.
        scale = EDGE_LENGTH * (1.2 + math.sqrt(n) * 0.6)
        return {x: (float(raw[x][0]) * scale, float(raw[x][1]) * scale) for x in nodes}
    index = {x: i for i, x in enumerate(nodes)}
    edges = np.array([(index[a], index[b]) for a, b in g.edges()], dtype=np.int64).reshape(-1, 2)
    pos = multilevel_layout(n, edges, seed=seed)
    return {x: (float(pos[i, 0]) * EDGE_LENGTH, float(pos[i, 1]) * EDGE_LENGTH) for x, i in index.items()}


def grid_layout(n: int, edges: numpy.ndarray, seed: int = SEED, iterations: int = 60,
                pos: numpy.ndarray | None = None, temperature: float | None = None) -> numpy.ndarray:
    """Fruchterman-Reingold positions (ideal edge length 1) of ``n`` nodes with ``edges`` (an m x 2
    integer array), the repulsion of far nodes approximated by grid cells, from ``pos`` (else random,
    seeded) at the starting ``temperature`` (the largest step). Returns an n x 2 array."""
    np = _numpy()
    if pos is None:
        rng = np.random.default_rng(seed)
        pos = (rng.random((n, 2)) - 0.5) * 2.0 * math.sqrt(n)
    pos = pos.astype(np.float64, copy=True)
    src, dst = (edges[:, 0], edges[:, 1]) if len(edges) else (np.zeros(0, np.int64), np.zeros(0, np.int64))
    temperature = math.sqrt(n) * 0.2 if temperature is None else temperature
    cool = temperature / (iterations + 1)
    cells_per_side = max(1, int(math.sqrt(n / 8)))
    for _ in range(iterations):
        disp = _repulsion(np, pos, cells_per_side)
        delta = pos[src] - pos[dst]
        dist = np.sqrt((delta ** 2).sum(axis=1)) + 1e-9
        pull = delta * dist[:, None]  # attraction d^2 / k along the edge, k = 1
        for d in (0, 1):
            disp[:, d] += np.bincount(dst, weights=pull[:, d], minlength=n) - np.bincount(src, weights=pull[:, d],
                                                                                           minlength=n)
        disp -= pos * 0.02  # a little gravity keeps loose parts near the middle
        length = np.sqrt((disp ** 2).sum(axis=1)) + 1e-9
        pos += disp / length[:, None] * np.minimum(length, temperature)[:, None]
        temperature = max(temperature - cool, 0.01)
    return pos - pos.mean(axis=0)


def multilevel_layout(n: int, edges: numpy.ndarray, seed: int = SEED) -> numpy.ndarray:
    """Positions (ideal edge length 1) of a large connected graph: coarsen it by matching neighbours until
    it is small, lay the coarsest out with :func:`grid_layout`, then refine level by level, each level
    starting from its coarse parent's place (few steps, low temperature: the shape is already there)."""
    np = _numpy()
    levels: list[tuple[int, numpy.ndarray, numpy.ndarray]] = []  # (nodes, edges, parent of each node)
    size, current = n, edges
    while size > SPRING_LIMIT:
        parent, coarse_size = _match(np, size, current)
        if coarse_size > 0.85 * size:  # hardly shrinks (a star): stop coarsening
            break
        levels.append((size, current, parent))
        coarse = parent[current]
        coarse = coarse[coarse[:, 0] != coarse[:, 1]]
        coarse = np.unique(np.sort(coarse, axis=1), axis=0) if len(coarse) else coarse.reshape(0, 2)
        size, current = coarse_size, coarse
    pos = grid_layout(size, current, seed=seed, iterations=80)
    rng = np.random.default_rng(seed)
    for fine_size, fine_edges, parent in reversed(levels):
        coarse_size = len(pos)
        pos = pos[parent] * math.sqrt(fine_size / coarse_size) + (rng.random((fine_size, 2)) - 0.5) * 0.5
        pos = grid_layout(fine_size, fine_edges, seed=seed, iterations=25, pos=pos, temperature=1.5)
    return pos


def _match(np: Any, n: int, edges: numpy.ndarray) -> tuple[numpy.ndarray, int]:
    """A maximal matching of neighbours, lightest nodes first: each node's coarse parent, and how many."""
    neighbours: list[list[int]] = [[] for _ in range(n)]
    for a, b in edges.tolist():
        neighbours[a].append(b)
        neighbours[b].append(a)
    degree = [len(x) for x in neighbours]
    parent = [-1] * n
    count = 0
    for x in sorted(range(n), key=lambda i: (degree[i], i)):
        if parent[x] >= 0:
            continue
        free = [y for y in neighbours[x] if parent[y] < 0 and y != x]
        parent[x] = count
        if free:
            parent[min(free, key=lambda i: (degree[i], i))] = count
        count += 1
    return np.array(parent, dtype=np.int64), count


def _repulsion(np: Any, pos: numpy.ndarray, side: int) -> numpy.ndarray:
    """Repulsion k^2 / d of every node: exact from the nodes of its own cell, from the centre of each
    other cell (weighted by its node count) otherwise."""
    n = len(pos)
    lo = pos.min(axis=0)
    span = np.maximum(pos.max(axis=0) - lo, 1e-9)
    cell_xy = np.minimum((((pos - lo) / span) * side).astype(np.int64), side - 1)
    cell = cell_xy[:, 0] * side + cell_xy[:, 1]
    ncells = side * side
    counts = np.bincount(cell, minlength=ncells).astype(float)
    sums = np.stack([np.bincount(cell, weights=pos[:, d], minlength=ncells) for d in (0, 1)], axis=1)
    occupied = counts > 0
    centres = sums[occupied] / counts[occupied][:, None]
    weights = counts[occupied]
    cell_ids = np.flatnonzero(occupied)
    disp = np.empty_like(pos)
    cx, cy = centres[:, 0], centres[:, 1]
    chunk = max(1, 2_000_000 // max(1, len(cell_ids)))
    for start in range(0, n, chunk):
        part = slice(start, min(n, start + chunk))
        dx = pos[part, 0:1] - cx[None, :]
        dy = pos[part, 1:2] - cy[None, :]
        w = weights[None, :] / np.maximum(dx * dx + dy * dy, 1e-6)
        disp[part, 0] = (dx * w).sum(axis=1)
        disp[part, 1] = (dy * w).sum(axis=1)
    # Take the own cell's centre back out: its nodes repel exactly, below.
    slot = np.cumsum(occupied) - 1
    own_delta = pos - centres[slot[cell]]
    own_d2 = np.maximum((own_delta ** 2).sum(axis=1), 1e-6)
    disp -= own_delta * (counts[cell] / own_d2)[:, None]
    # Exact repulsion between the nodes of each cell.
    order = np.argsort(cell, kind="stable")
    sorted_cell = cell[order]
    starts = np.searchsorted(sorted_cell, np.arange(ncells))
    m = counts[sorted_cell].astype(np.int64)
    total = int(m.sum())
    if total:
        first = np.repeat(np.arange(n), m)
        offsets = np.arange(total) - np.repeat(np.cumsum(m) - m, m)
        second = starts[sorted_cell][first] + offsets
        keep = first != second
        a, b = order[first[keep]], order[second[keep]]
        delta = pos[a] - pos[b]
        d2 = (delta ** 2).sum(axis=1) + 1e-9
        push = delta / d2[:, None]
        for d in (0, 1):
            disp[:, d] += np.bincount(a, weights=push[:, d], minlength=n)
    return disp


def _pack(boxes: list[tuple[dict[str, tuple[float, float]], float, float]]) -> dict[str, tuple[float, float]]:
    """Place the components' boxes in rows, largest first, and centre the whole on 0, 0."""
    area = sum((w + GAP) * (h + GAP) for _, w, h in boxes)
    row_width = max(max(w for _, w, _ in boxes), math.sqrt(area) * 1.3)
    out: dict[str, tuple[float, float]] = {}
    x = y = row_height = 0.0
    for pos, w, h in boxes:
        if x > 0 and x + w > row_width:
            x, y, row_height = 0.0, y + row_height + GAP, 0.0
        for node, (px, py) in pos.items():
            out[node] = (x + px, y + py)
        x += w + GAP
        row_height = max(row_height, h)
    xs = [p[0] for p in out.values()]
    ys = [p[1] for p in out.values()]
    cx, cy = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
    return {n: (round(px - cx, 1), round(py - cy, 1)) for n, (px, py) in sorted(out.items())}
