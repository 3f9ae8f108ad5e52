"""Betweenness, bridges and cut vertices computed by igraph (kg/network/fast.py) equal networkx's own, on the
tests' graphs, the curated data's projections and random graphs; exact betweenness reaches 20,000 nodes."""

from __future__ import annotations

import random
from itertools import pairwise

import networkx as nx
import pytest

from kg import network
from kg.network.fast import Compiled

TOLERANCE = 1e-9


def sorted_copy(g: nx.Graph) -> nx.Graph:
    """The graph with its nodes in sorted order, as measure() holds it (networkx samples from list(g))."""
    h = nx.Graph()
    h.add_nodes_from(sorted(g))
    h.add_edges_from(g.edges())
    return h


def named(g: nx.Graph) -> nx.Graph:
    """Integer nodes renamed to strings whose sorted order is not the numeric one ('n10' < 'n2')."""
    return nx.relabel_nodes(g, {x: f"n{x}" for x in g})


def random_graph(n: int, m: int, seed: int) -> nx.Graph:
    g = named(nx.gnm_random_graph(n, m, seed=seed))
    g.add_nodes_from(["isolated-a", "isolated-b"])  # components of one node
    g.add_edges_from([("pendant-a", "n0"), ("pendant-b", "pendant-a")])  # a chain: two bridges, a cut vertex
    return g


def small_graphs() -> list[nx.Graph]:
    graphs = [nx.path_graph(5), nx.star_graph(6), nx.barbell_graph(4, 2), nx.complete_graph(5), nx.cycle_graph(7),
              nx.karate_club_graph(), nx.empty_graph(3), nx.path_graph(2), nx.path_graph(1), nx.Graph()]
    two = nx.disjoint_union(nx.path_graph(4), nx.cycle_graph(5))
    return [sorted_copy(named(g)) for g in [*graphs, two]]


def assert_close(ours: dict[str, float], theirs: dict[str, float]) -> None:
    assert ours.keys() == theirs.keys()
    worst = max((abs(ours[x] - theirs[x]) for x in ours), default=0.0)
    assert worst <= TOLERANCE, worst


@pytest.mark.parametrize("g", small_graphs(), ids=lambda g: f"{g.number_of_nodes()}n{g.number_of_edges()}e")
def test_exact_betweenness_bridges_and_cut_vertices_equal_networkx_on_small_graphs(g: nx.Graph) -> None:
    fast = Compiled.of(g)
    assert_close(fast.betweenness(), nx.betweenness_centrality(g, normalized=True))
    assert sorted(fast.bridges()) == sorted(tuple(sorted(b)) for b in nx.bridges(g))
    assert fast.cut_vertices() == set(nx.articulation_points(g))


def test_exact_and_sampled_betweenness_equal_networkx_on_a_random_graph_of_500_nodes() -> None:
    g = sorted_copy(random_graph(500, 900, seed=7))
    fast = Compiled.of(g)
    exact = fast.betweenness()
    assert_close(exact, nx.betweenness_centrality(g, normalized=True))
    assert max(exact.values()) > 0.01  # a graph with real paths, not a trivial one
    for k, seed in ((50, 42), (1 + len(g) // 3, 3)):
        # The same sources as networkx draws, rescaled as the installed networkx rescales.
        assert_close(fast.betweenness(k=k, seed=seed), nx.betweenness_centrality(g, k=k, normalized=True, seed=seed))
    assert_close(fast.betweenness(k=len(g), seed=1), nx.betweenness_centrality(g, k=len(g), normalized=True, seed=1))
    assert sorted(fast.bridges()) == sorted(tuple(sorted(b)) for b in nx.bridges(g))
    assert fast.cut_vertices() == set(nx.articulation_points(g))


def test_a_self_loop_changes_neither_betweenness_nor_bridges() -> None:
    g = sorted_copy(named(nx.barbell_graph(3, 1)))
    g.add_edge("n0", "n0")
    fast = Compiled.of(g)
    assert_close(fast.betweenness(), nx.betweenness_centrality(g, normalized=True))
    assert sorted(fast.bridges()) == sorted(tuple(sorted(b)) for b in nx.bridges(g))
    assert fast.cut_vertices() == set(nx.articulation_points(g))


@pytest.mark.parametrize("projection", ["person", "organisation", "country"])
def test_measure_gives_networkx_results_on_the_curated_and_small_data(graph, small_graph, projection: str) -> None:
    for kg_graph in (graph, small_graph):
        net = network.project(kg_graph, projection)
        a = network.measure(net)
        g = a.graph
        assert a.betweenness_method == "exact"
        between = nx.betweenness_centrality(g, normalized=True)
        for m in a.nodes:
            assert m.betweenness == round(between[m.iri], 6) + 0.0
        assert a.bridges == sorted(tuple(sorted(b)) for b in nx.bridges(g))
        assert {m.iri for m in a.nodes if m.cut_vertex} == set(nx.articulation_points(g))
        # Sampled (forced with a low limit): networkx's estimate from the same sources.
        if g.number_of_nodes() > 3:
            s = network.measure(net, exact_limit=3, samples=3)
            assert s.betweenness_method == "sampled(k=3, seed=42)"
            sampled = nx.betweenness_centrality(g, k=3, normalized=True, seed=42)
            assert {m.iri: m.betweenness for m in s.nodes} == {x: round(v, 6) + 0.0 for x, v in sampled.items()}


def test_betweenness_is_exact_up_to_20000_nodes() -> None:
    assert network.EXACT_BETWEENNESS_LIMIT >= 20_000
    # A path of 2,500 people (above the former limit of 2,000): node i lies on i * (n - 1 - i) of the
    # (n - 1)(n - 2) / 2 pairs that do not include it.
    n = 2500
    order = list(range(n))
    random.Random(5).shuffle(order)  # ids whose sorted order is not the path's
    ids = [f"p{i:05d}" for i in order]
    net = nx.Graph()
    net.add_edges_from(pairwise(ids), weight=1)
    a = network.measure(net)
    assert a.betweenness_method == "exact"
    got = {m.iri: m.betweenness for m in a.nodes}
    for i, x in enumerate(ids):
        assert got[x] == pytest.approx(i * (n - 1 - i) / ((n - 1) * (n - 2) / 2), abs=1e-6)
    assert len(a.bridges) == n - 1 and sum(m.cut_vertex for m in a.nodes) == n - 2
    assert a.structural_holes != "exact"  # Burt's measures keep their former limit of 2,000 nodes
