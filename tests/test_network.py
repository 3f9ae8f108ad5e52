"""Network analysis (kg.network): the RDF graph as networkx graphs, their measures, paths and exports.

Measures are checked against values worked out by hand on small named graphs, built as curated records
and loaded through the real loader, so the RDF -> networkx conversion is under test too. Projections, paths
and countries are checked exactly on the small world (tests/small_world, made-up records in the shape of
the curated data), and on the curated data (data/*.yaml) for what stays true when sources are added.
Exports are checked by reading them back and against the GraphML and GEXF schemas (tests/network/schemas).
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest
import yaml
from lxml import etree

import kg
from kg import network
from kg.errors import OutputError, UsageError
from kg.model.dates import parse_date
from kg.model.facts import facts_of
from kg.namespaces import KG, ROLE, SCHEMA

ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY = ROOT / "ontology"
SCHEMAS = Path(__file__).resolve().parent / "network" / "schemas"


# --- small graphs, as records -------------------------------------------------------------------

SOURCE = {"id": "src", "type": "WebPage", "label": "A test source", "url": "https://example.org/source"}


def person(pid: str, label: str | None = None, nationality: list[str] | None = None) -> dict:
    rec = {"id": pid, "type": "Person", "label": label or pid.title(), "sources": ["src"]}
    if nationality:
        rec["nationality"] = nationality
    return rec


def country(cid: str) -> dict:
    return {"id": cid, "type": "Country", "label": cid.title(), "sources": ["src"]}


def event(eid: str, who: list, when: object = 2020, **extra) -> dict:
    """An online event; ``who`` holds ids (as speakers) or (id, role) pairs."""
    parts = [{"who": w, "role": "speaker", "sources": ["src"]} if isinstance(w, str)
             else {"who": w[0], "role": w[1], "sources": ["src"]} for w in who]
    return {"id": eid, "type": "Event", "label": f"Event {eid}", "date": when, "online": True,
            "sources": ["src"], **extra, "participants": parts}


def load(tmp_path: Path, records: list[dict]) -> kg.KnowledgeGraph:
    data = tmp_path / "data"
    data.mkdir()
    (data / "records.yaml").write_text(yaml.safe_dump([SOURCE, *records], sort_keys=False, allow_unicode=True),
                                       encoding="utf-8")
    return kg.load(data, ONTOLOGY, shapes=False)


def iri(x: str) -> str:
    return KG + x


def by_label(analysis: network.Analysis) -> dict[str, network.NodeMeasures]:
    return {m.label: m for m in analysis.nodes}


@pytest.fixture
def path_graph(tmp_path):
    """A path of five people, A - B - C - D - E (A and B share three events), and F alone at an event."""
    return load(tmp_path, [
        *(person(p) for p in "abcdef"),
        event("ab1", ["a", "b"]), event("ab2", ["a", "b"]), event("ab3", ["a", "b"]),
        event("bc", ["b", "c"]), event("cd", ["c", "d"]), event("de", ["d", "e"]), event("alone", ["f"]),
    ])


@pytest.fixture
def star_graph(tmp_path):
    """A star: hub H shares one event with each of four leaves. Countries: H and L3 from Cn, L1 and L2
    from Uk, L4 from both Fr and Cn."""
    return load(tmp_path, [
        country("cn"), country("uk"), country("fr"),
        person("h", "H", ["cn"]), person("l1", "L1", ["uk"]), person("l2", "L2", ["uk"]),
        person("l3", "L3", ["cn"]), person("l4", "L4", ["fr", "cn"]),
        *(event(f"e{i}", ["h", f"l{i}"]) for i in range(1, 5)),
    ])


@pytest.fixture
def barbell_graph(tmp_path):
    """Two triangles (A1 A2 A3 at one event, B1 B2 B3 at another) joined by a bridge A3 - B1."""
    return load(tmp_path, [
        *(person(p, p.upper()) for p in ("a1", "a2", "a3", "b1", "b2", "b3")),
        event("ta", ["a1", "a2", "a3"]), event("tb", ["b1", "b2", "b3"]), event("bridge", ["a3", "b1"]),
    ])


# --- measures, worked out by hand --------------------------------------------------------------

def test_path_graph_degree_strength_betweenness_bridges(path_graph) -> None:
    a = network.analyze(path_graph, "person")
    m = by_label(a)
    assert {k: (v.degree, v.weighted_degree) for k, v in m.items()} == {
        # A-B share three events (weight 3): strength counts them, degree does not.
        "A": (1, 3), "B": (2, 4), "C": (2, 2), "D": (2, 2), "E": (1, 1), "F": (0, 0)}
    # Betweenness counts hops, not weights. Shortest paths through B: A-C, A-D, A-E (3); through C: A-D,
    # A-E, B-D, B-E (4); through D: 3. Normalised by the (n-1)(n-2)/2 = 10 pairs of the 6 nodes.
    assert {k: v.betweenness for k, v in m.items()} == {"A": 0, "B": 0.3, "C": 0.4, "D": 0.3, "E": 0, "F": 0}
    # Every edge of a path is a bridge; B, C and D are cut vertices, hence brokers of components.
    assert a.bridges == [(iri("a"), iri("b")), (iri("b"), iri("c")), (iri("c"), iri("d")), (iri("d"), iri("e"))]
    assert [k for k, v in m.items() if v.cut_vertex] == ["B", "C", "D"]
    assert all("components" in m[k].broker_of for k in "BCD")
    # Two components: the path (5 nodes, numbered 0) and F (1 node, numbered 1).
    assert [len(c) for c in a.components] == [5, 1]
    assert (m["A"].component, m["F"].component) == (0, 1)
    # F has no tie: no constraint, effective size or diversity to speak of.
    assert (m["F"].constraint, m["F"].effective_size, m["F"].diversity) == (None, None, None)
    # The main measure orders the rows: weighted degree first.
    assert [r["label"] for r in a.rows()][:2] == ["B", "A"]
    s = a.summary()
    assert (s["nodes"], s["edges"], s["total_weight"], s["components"]) == (6, 4, 6, 2)
    assert s["betweenness_method"] == "exact"
    with pytest.raises(UsageError, match="no path between A") as err:
        network.find_path(path_graph, iri("a"), iri("f"))
    assert err.value.hint == "they are not connected in the graph"


def test_star_pagerank_constraint_effective_size_diversity(star_graph) -> None:
    a = network.analyze(star_graph, "person")
    m = by_label(a)
    assert (m["H"].degree, m["H"].betweenness) == (4, 1.0)  # all 6 leaf pairs go through H: 6/6
    # PageRank (alpha 0.85, n 5): a leaf gets l = 0.15/5 + 0.85 h/4, the hub h = 0.15/5 + 0.85 * 4l, and
    # h + 4l = 1, so h = 0.03 + 0.85 (1 - h), h = 0.88 / 1.85 = 0.475676 and l = (1 - h) / 4 = 0.131081.
    assert m["H"].pagerank == pytest.approx(0.88 / 1.85, abs=1e-6)
    assert m["L1"].pagerank == pytest.approx((1 - 0.88 / 1.85) / 4, abs=1e-6)
    # Burt's constraint: the hub's four contacts are unconnected, each p = 1/4: 4 * (1/4)^2 = 0.25; a leaf
    # depends on its one contact: 1. Effective size: 4 non-redundant contacts for H, 1 for a leaf.
    assert (m["H"].constraint, m["L1"].constraint) == (0.25, 1.0)
    assert (m["H"].effective_size, m["L1"].effective_size) == (4.0, 1.0)
    # Diversity of H's ties: Uk (L1), Uk (L2), Cn (L3), half Fr and half Cn (L4), so p = (2, 1.5, 0.5) / 4
    # and Blau = 1 - (0.25 + 0.140625 + 0.015625) = 0.59375, over 3 countries.
    assert (m["H"].diversity, m["H"].countries_reached) == (0.59375, 3)
    assert network.diversity([("uk",), ("uk",), ("cn",), ("fr", "cn")]) == pytest.approx(0.59375)
    # A leaf's one tie goes to Cn: no diversity.
    assert (m["L1"].diversity, m["L1"].countries_reached) == (0.0, 1)
    assert m["H"].broker and m["H"].broker_of[0] == "components" and "countries" in m["H"].broker_of
    assert m["H"].countries == ["Cn"] and m["L4"].countries == ["Cn", "Fr"]


def test_barbell_communities_bridge_brokers_constraint(barbell_graph) -> None:
    a = network.analyze(barbell_graph, "person")
    m = by_label(a)
    assert {k: v.degree for k, v in m.items()} == {"A1": 2, "A2": 2, "A3": 3, "B1": 3, "B2": 2, "B3": 2}
    # Only the bridge's ends lie between: A1/A2 to B1/B2/B3 go through A3 (6 of the 10 pairs).
    assert {k: v.betweenness for k, v in m.items()} == {"A1": 0, "A2": 0, "A3": 0.6, "B1": 0.6, "B2": 0, "B3": 0}
    assert a.bridges == [(iri("a3"), iri("b1"))]
    # Louvain finds the two triangles; modularity 2 * (3/7 - (7/14)^2) = 0.357143.
    assert sorted(a.communities) == [[iri("a1"), iri("a2"), iri("a3")], [iri("b1"), iri("b2"), iri("b3")]]
    assert a.modularity == pytest.approx(2 * (3 / 7 - 0.25), abs=1e-6)
    # A3 and B1: cut vertices with neighbours in both communities; A1 reaches only its own community.
    assert [k for k, v in m.items() if v.broker] == ["A3", "B1"]
    assert m["A3"].broker_of == ["components", "communities"] and m["A3"].communities_reached == 2
    assert m["A1"].communities_reached == 1 and not m["A1"].broker
    # Constraint of A3 (contacts A1, A2, B1, p = 1/3 each): A1 is also reached via A2 (1/3 * 1/2), so
    # (1/3 + 1/6)^2 = 1/4, the same for A2, and (1/3)^2 = 1/9 for B1: 1/2 + 1/9 = 0.611111.
    assert m["A3"].constraint == pytest.approx(0.5 + 1 / 9, abs=1e-6)
    # Constraint of A1 (contacts A2, A3, p = 1/2): (1/2 + 1/2 * 1/3)^2 + (1/2 + 1/2 * 1/2)^2 = 4/9 + 9/16.
    assert m["A1"].constraint == pytest.approx(4 / 9 + 9 / 16, abs=1e-6)
    # Effective size, n - 2t/n: A3 has 3 contacts with 1 tie among them (3 - 2/3), A1 2 with 1 (2 - 1).
    assert m["A3"].effective_size == pytest.approx(3 - 2 / 3, abs=1e-6) and m["A1"].effective_size == 1.0


def test_pagerank_of_a_symmetric_graph_is_uniform(tmp_path) -> None:
    # Three people at one event: a triangle; by symmetry each has PageRank 1/3.
    g = load(tmp_path, [person("x"), person("y"), person("z"), event("t", ["x", "y", "z"])])
    a = network.analyze(g, "person")
    assert [m.pagerank for m in a.nodes] == [pytest.approx(1 / 3, abs=1e-6)] * 3
    assert a.bridges == [] and not any(m.cut_vertex for m in a.nodes)
    assert network.measure(nx.Graph()).summary()["nodes"] == 0  # an empty projection measures to nothing


def test_sampled_betweenness_says_so_and_is_repeatable(barbell_graph) -> None:
    net = network.project(barbell_graph, "person")
    one = network.measure(net, exact_limit=3, samples=4)
    two = network.measure(net, exact_limit=3, samples=4)
    assert one.betweenness_method == "sampled(k=4, seed=42)"
    assert [m.betweenness for m in one.nodes] == [m.betweenness for m in two.nodes]
    assert network.measure(net).betweenness_method == "exact"


# --- filters and time ---------------------------------------------------------------------------

@pytest.fixture
def programme_graph(tmp_path):
    """A programme with two editions: edition 1 (2020-2021) holds events of 2020 (A, B) and June 2021
    (B, C); edition 2 (from 2022, open-ended) holds two 2022 events (A, B) and (B, C). A work W of edition
    2 was directed by D (2019) and produced by P."""
    return load(tmp_path, [
        person("a"), person("b"), person("c"), person("d"), person("p"),
        {"id": "prog", "type": "Programme", "label": "Prog", "sources": ["src"]},
        {"id": "ed1", "type": "ProgrammeEdition", "label": "Edition 1", "edition_of": "prog", "number": 1,
         "start": 2020, "end": 2021, "sources": ["src"]},
        {"id": "ed2", "type": "ProgrammeEdition", "label": "Edition 2", "edition_of": "prog", "number": 2,
         "start": 2022, "sources": ["src"]},
        event("e2020", ["a", "b"], 2020, part_of=["ed1"]),
        event("e2021", ["b", "c"], "2021-06", part_of=["ed1"]),
        event("e2022a", ["a", "b"], "2022-03-01", part_of=["ed2"]),
        event("e2022b", ["b", "c", ("w", "exhibited-work")], "2022-05-01", part_of=["ed2"]),
        {"id": "w", "type": "Work", "label": "W", "released": 2019, "sources": ["src"],
         "participants": [{"who": "d", "role": "director", "sources": ["src"]},
                          {"who": "p", "role": "producer", "sources": ["src"]}]},
    ])


def test_timeline_by_year_shows_who_entered_and_left(programme_graph) -> None:
    t = network.timeline(programme_graph, "person", by="year")
    assert [p.label for p in t.periods] == ["2019", "2020", "2021", "2022"]
    y2019, y2020, y2021, y2022 = t.periods
    assert sorted(y2019.analysis.graph.nodes) == [iri("d"), iri("p")]  # the work's release year
    assert (y2020.entered, y2020.left) == ([iri("a"), iri("b")], [iri("d"), iri("p")])
    assert y2020.new_ties == [(iri("a"), iri("b"))]
    # 2021: C comes, A goes; the tie A-B is lost and B-C is new.
    assert (y2021.entered, y2021.left) == ([iri("c")], [iri("a")])
    assert (y2021.new_ties, y2021.lost_ties) == ([(iri("b"), iri("c"))], [(iri("a"), iri("b"))])
    assert (y2022.entered, y2022.left, y2022.new_ties, y2022.lost_ties) == (
        [iri("a")], [], [(iri("a"), iri("b"))], [])
    rows = t.rows()
    assert [(r["period"], r["nodes"], r["edges"], r["entered"], r["left"]) for r in rows] == [
        ("2019", 2, 1, 2, 0), ("2020", 2, 1, 2, 2), ("2021", 2, 1, 1, 1), ("2022", 3, 2, 1, 0)]
    assert rows[2]["entered_nodes"] == "C" and rows[2]["lost_tie_list"] == "A -- B"
    assert {r["period"] for r in t.node_rows()} == {"2019", "2020", "2021", "2022"}
    # A window limits the years (edition 1's 2020 event spans only 2020, so 2021 starts the cut).
    assert [p.label for p in network.timeline(programme_graph, "person", since="2021").periods] == ["2021", "2022"]


def test_timeline_by_edition(programme_graph) -> None:
    t = network.timeline(programme_graph, "person", by="edition")
    assert [(p.label, p.start, p.end) for p in t.periods] == [
        ("Edition 1", "2020-01-01", "2021-12-31"), ("Edition 2", "2022-01-01", None)]
    ed1, ed2 = t.periods
    assert sorted(ed1.analysis.graph.edges) == [(iri("a"), iri("b")), (iri("b"), iri("c"))]
    # Edition 2 also holds W (it was exhibited at one of its events), so W's director and producer count.
    assert sorted(ed2.entered) == [iri("d"), iri("p")] and ed2.left == []
    assert ed2.new_ties == [(iri("d"), iri("p"))]


def test_edition_membership_and_partial_dates(programme_graph) -> None:
    facts = facts_of(programme_graph)
    assert facts.edition_members[iri("ed2")] == {iri(x) for x in ("ed2", "e2022a", "e2022b", "w")}
    assert facts.edition_order == [iri("ed1"), iri("ed2")]
    # A month stands for the whole month: June 2021 is inside a window starting mid-June, not one from July.
    assert network.project(programme_graph, "person", since="2021-06-15", until="2021").has_edge(iri("b"), iri("c"))
    assert not network.project(programme_graph, "person", since="2021-07", until="2021").has_edge(iri("b"), iri("c"))
    # Edition 2 in 2022: its two events' ties; W's maker tie (2019, the release) is outside the window,
    # inside a window that is only bounded above.
    assert network.project(programme_graph, "person", edition=iri("ed2"), since=2022, until=2022).number_of_edges() == 2
    assert network.project(programme_graph, "person", edition=iri("ed2"), until="2022").number_of_edges() == 3
    assert network.project(programme_graph, "person", since=2030).number_of_edges() == 0
    assert parse_date("2024-02") == (parse_date("2024-02-01")[0], parse_date("2024-02-29")[1])


def test_role_filter_keeps_ties_between_the_named_roles(tmp_path) -> None:
    g = load(tmp_path, [
        person("m"), person("d"), person("s"), person("j"),
        {"id": "x", "type": "Work", "label": "X", "sources": ["src"], "participants": [
            {"who": w, "role": r, "sources": ["src"]}
            for w, r in (("m", "mentor"), ("d", "co-director"), ("s", "narrator"), ("j", "jury-chair"))]},
    ])
    # mentor:director keeps M-D only (co-director is narrower than director), whichever side is which.
    for spec in ("mentor:director", "director:mentor", "role:mentor:role:director", "mentor->director",
                 "mentor→director", (ROLE + "mentor", ROLE + "director")):
        assert sorted(network.project(g, "person", role=spec).edges) == [(iri("d"), iri("m"))], spec
    # mentor alone: every tie with the mentor on one side; the role filter drops the others' nodes.
    assert sorted(network.project(g, "person", role="mentor").edges) == [
        (iri("d"), iri("m")), (iri("j"), iri("m")), (iri("m"), iri("s"))]
    # juror matches the jury chair; the evidence keeps only the matching roles.
    net = network.project(g, "person", role="juror:narrator")
    (ev,) = net.edges[iri("j"), iri("s")]["evidence"]
    assert ev["roles"] == {iri("j"): [ROLE + "jury-chair"], iri("s"): [ROLE + "narrator"]}
    assert network.parse_role_filter("mentor") == ("mentor", None)
    assert network.parse_role_filter("*:director") == ("director", None)
    assert network.parse_role_filter(" mentor : director ") == ("mentor", "director")


def test_bad_arguments_raise_usage_errors(programme_graph) -> None:
    g = programme_graph
    cases = [
        (dict(role="mentr"), "unknown role 'mentr'", "did you mean 'mentor'"),
        (dict(role="mentor:"), None, None),  # a single role with a trailing colon is still "mentor"
        (dict(edition=iri("e2020")), "is a kgo:Event, not a edition", "editions: kg:ed1 (Edition 1)"),
        (dict(edition=iri("nowhere")), "unknown edition kg:nowhere", None),
        (dict(since="2022", until="2021"), "since (2022) is after until (2021)", None),
        (dict(since="last year"), "since: 'last year' is not a date", "YYYY"),
        (dict(role="a:b:c"), "is not understood", None),
    ]
    for kwargs, message, hint in cases:
        if message is None:
            network.analyze(g, "person", **kwargs)
            continue
        with pytest.raises(UsageError) as err:
            network.analyze(g, "person", **kwargs)
        assert message in err.value.message, kwargs
        assert hint is None or hint in err.value.hint, (kwargs, err.value.hint)
    with pytest.raises(UsageError, match="unknown projection"):
        network.analyze(g, "people")
    with pytest.raises(UsageError, match="top must be at least 1"):
        network.analyze(g, "person", top=0)
    with pytest.raises(UsageError, match="cannot also be limited to one edition"):
        network.timeline(g, "person", by="edition", edition=iri("ed1"))
    with pytest.raises(UsageError, match="unknown period"):
        network.timeline(g, "person", by="month")
    assert len(network.analyze(g, "person", top=2).rows()) == 2


# --- paths --------------------------------------------------------------------------------------

def test_path_through_the_typed_graph_names_roles_and_sources(star_graph) -> None:
    steps = network.find_path(star_graph, iri("l1"), iri("l2"))
    assert [(s.label, s.relation) for s in steps] == [
        ("L1", "speaker →"), ("Event e1", "← speaker"), ("H", "speaker →"), ("Event e2", "← speaker"), ("L2", None)]
    assert steps[0].links[0].via == iri("e1--speaker--l1") and steps[0].sources == [iri("src")]
    assert steps[1].type == "kgo:Event" and steps[0].family == "person"
    assert json.loads(json.dumps([s.as_dict() for s in steps]))[0]["links"][0]["relation"] == ROLE + "speaker"
    with pytest.raises(UsageError, match="of at most 3 links") as err:
        network.find_path(star_graph, iri("l1"), iri("l2"), max_length=3)
    assert err.value.hint == "the shortest path has 4 links: raise the max length"
    with pytest.raises(UsageError, match="unknown entity kg:nobody"):
        network.find_path(star_graph, iri("l1"), iri("nobody"))
    with pytest.raises(UsageError, match="is a source, not an entity"):
        network.find_path(star_graph, iri("l1"), iri("src"))
    with pytest.raises(UsageError, match="both ends"):
        network.find_path(star_graph, iri("l1"), iri("l1"))
    with pytest.raises(UsageError, match="positive"):
        network.find_path(star_graph, iri("l1"), iri("l2"), max_length=0)


# --- the small world (tests/small_world): the curated data's kinds of tie, exactly ----------------

#: Namespaces of schema triples, which are never edges of the typed graph.
NOISE = ("http://www.w3.org/1999/02/22-rdf-syntax-ns#", "http://www.w3.org/2000/01/rdf-schema#",
         "http://www.w3.org/2002/07/owl#", "http://www.w3.org/2004/02/skos/core#", "http://www.w3.org/ns/prov#")


def test_typed_graph_has_no_schema_noise(small_graph) -> None:
    g = network.typed_graph(small_graph)
    families = {"person", "organisation", "work", "event", "programme", "edition", "place", "award"}
    assert {d["family"] for _, d in g.nodes(data=True)} == families  # no source, no participation node
    assert all(n.startswith(KG) and "--" not in n for n in g)  # no ontology term, role, qualified node
    relations = {d["relation"] for *_, d in g.edges(data=True)}
    for noise in NOISE:
        assert not any(r.startswith(noise) for r in relations), noise
    # Shortcut triples repeat a participation: the participation is the edge, the shortcut is not.
    assert SCHEMA + "director" not in relations and SCHEMA + "organizer" not in relations
    # 50 participations, of which one (Gus Hill's in edition 1) is uncertain and left out.
    assert sum(1 for *_, d in g.edges(data=True) if d["kind"] == "participation") == 49
    assert all(d["sources"] for *_, d in g.edges(data=True))  # every edge says where it comes from
    mentor = g.edges[iri("ada-moss"), iri("edition-1"), iri("edition-1--mentor--ada-moss")]
    assert mentor["relation"] == ROLE + "mentor" and mentor["relation_label"] == "mentor"
    assert mentor["sources"] == [iri("news-2024"), iri("release-2024")]


def test_person_tie_ada_moss_ben_rao(small_graph) -> None:
    # Both mentors of edition 1 (Ada Moss also its juror), both at the 2024 launch (speaker; attendee and
    # speaker), both attended the premiere of The Long Road (2021).
    net = network.project(small_graph, "person")
    e = net.edges[iri("ada-moss"), iri("ben-rao")]
    assert e["weight"] == 3
    assert e["contexts"] == [iri("edition-1"), iri("launch-2024"), iri("the-long-road-premiere")]
    ev = {x["context"]: x for x in e["evidence"]}
    first = ev[iri("edition-1")]
    assert first["roles"] == {iri("ada-moss"): [ROLE + "juror", ROLE + "mentor"], iri("ben-rao"): [ROLE + "mentor"]}
    assert first["sources"] == [iri("news-2024"), iri("release-2024"), iri("report-2022")]
    assert first["years"] == [2022, 2023]  # undated roles take the edition's years
    launch = ev[iri("launch-2024")]
    assert launch["roles"] == {iri("ada-moss"): [ROLE + "speaker"],
                               iri("ben-rao"): [ROLE + "attendee", ROLE + "speaker"]}
    assert launch["sources"] == [iri("news-2024"), iri("release-2024")]
    assert ev[iri("the-long-road-premiere")]["sources"] == [iri("premiere-report")]
    assert ev[iri("the-long-road-premiere")]["years"] == [2021]  # the premiere's date
    assert e["years"] == [2021, 2022, 2023, 2024]
    assert e["sources"] == [iri(s) for s in ("news-2024", "premiere-report", "release-2024", "report-2022")]


def test_person_filters(small_graph) -> None:
    ada, ben = iri("ada-moss"), iri("ben-rao")
    mentors = network.project(small_graph, "person", role="mentor:mentor")
    # Cleo Diaz mentored alone (the 2024 workshop): no tie, so no node.
    assert sorted(mentors.nodes) == [ada, ben] and list(mentors.edges) == [(ada, ben)]
    (ev,) = mentors.edges[ada, ben]["evidence"]
    assert ev["roles"] == {ada: [ROLE + "mentor"], ben: [ROLE + "mentor"]}
    assert ev["sources"] == [iri("news-2024"), iri("release-2024")]
    (ev,) = network.project(small_graph, "person", role="juror:mentor").edges[ada, ben]["evidence"]
    assert ev["roles"] == {ada: [ROLE + "juror"], ben: [ROLE + "mentor"]}
    assert ev["sources"] == [iri("release-2024"), iri("report-2022")]
    # Second edition only: of the three shared contexts, the 2024 launch (part of edition 2) remains.
    assert network.project(small_graph, "person", edition=iri("edition-2")).edges[ada, ben]["contexts"] == [
        iri("launch-2024")]
    # 2021 only: the premiere (13 July 2021).
    assert network.project(small_graph, "person", since="2021", until="2021").edges[ada, ben]["contexts"] == [
        iri("the-long-road-premiere")]
    # Gus Hill's part in edition 1 is uncertain: left out unless asked for.
    assert iri("gus-hill") not in network.project(small_graph, "person")
    with_uncertain = network.project(small_graph, "person", include_uncertain=True)
    assert sorted(with_uncertain[iri("gus-hill")]) == [ada, ben]


def test_organisation_ties(small_graph) -> None:
    net = network.project(small_graph, "organisation")
    assert sorted(net.edges) == sorted(tuple(sorted((iri(a), iri(b)))) for a, b in (
        ("east-films", "harbour-tv"), ("east-films", "lab-studio"), ("harbour-tv", "lab-group"),
        ("harbour-tv", "lab-studio"), ("harbour-tv", "south-channel"), ("lab-group", "lab-studio"),
        ("lab-group", "north-bureau"), ("lab-group", "north-council"), ("lab-group", "old-partner"),
        ("lab-group", "south-channel"), ("lab-studio", "south-channel"), ("north-bureau", "north-council"),
        ("old-partner", "south-channel")))
    # Lab Group and South Channel organised both editions.
    e = net.edges[iri("lab-group"), iri("south-channel")]
    assert (e["weight"], e["kinds"]) == (2, ["co-organisation"])
    assert e["contexts"] == [iri("edition-1"), iri("edition-2")]
    assert e["sources"] == [iri("release-2024"), iri("report-2022")]
    # Co-producers of The Long Road; Lab Studio's "presenter" credit is not production.
    e = net.edges[iri("east-films"), iri("lab-studio")]
    assert (e["weight"], e["kinds"], e["contexts"]) == (1, ["co-production"], [iri("the-long-road")])
    (ev,) = e["evidence"]
    assert ev["roles"] == {iri("east-films"): [ROLE + "producer"], iri("lab-studio"): [ROLE + "producer"]}
    assert ev["sources"] == [iri("film-notes"), iri("premiere-report")]
    # Harbour TV and Lab Studio: co-organisers of edition 2 and co-producers of The Long Road.
    e = net.edges[iri("harbour-tv"), iri("lab-studio")]
    assert (e["weight"], e["kinds"]) == (2, ["co-organisation", "co-production"])
    # The programme's guiding bodies are tied by co-organisation of the programme.
    assert net.edges[iri("north-bureau"), iri("north-council")]["contexts"] == [iri("lab")]


def test_countries_and_the_country_projection(small_graph) -> None:
    countries = facts_of(small_graph).countries
    assert countries[iri("ada-moss")] == (iri("southland"),)  # nationality before based-in
    assert countries[iri("ben-rao")] == (iri("eastland"),)  # based in, having no nationality
    assert countries[iri("east-films")] == (iri("eastland"),)  # based in East City, in Eastland
    assert countries[iri("lab-studio")] == (iri("northland"),)  # through org:unitOf
    assert countries[iri("launch-2024")] == (iri("northland"),)  # Harbour City, in North Province, in Northland
    assert countries[iri("two-shores")] == (iri("eastland"), iri("southland"))
    assert countries[iri("dong-wei")] == ()
    net = network.project(small_graph, "country")
    between = {(u, v): sorted(tuple(t["between"]) for t in d["evidence"]) for u, v, d in net.edges(data=True)}
    assert between == {
        # South Channel (Southland) organised editions with four Northland organisations.
        (iri("northland"), iri("southland")): [
            (iri("harbour-tv"), iri("south-channel")), (iri("lab-group"), iri("south-channel")),
            (iri("lab-studio"), iri("south-channel")), (iri("old-partner"), iri("south-channel"))],
        # East Films co-produced The Long Road with two Northland organisations.
        (iri("eastland"), iri("northland")): [
            (iri("east-films"), iri("harbour-tv")), (iri("east-films"), iri("lab-studio"))],
        # Two person ties: Ben Rao (Eastland) with Ada Moss and with Cai Jones (Southland).
        (iri("eastland"), iri("southland")): [
            (iri("ada-moss"), iri("ben-rao")), (iri("ben-rao"), iri("cai-jones"))],
    }
    assert {(u, v): d["weight"] for u, v, d in net.edges(data=True)} == {k: len(v) for k, v in between.items()}
    # Domestic ties are counted on the node instead: the seven ties among Northland organisations, and
    # Ada Moss - Cai Jones in Southland.
    assert {n: d["domestic_ties"] for n, d in net.nodes(data=True)} == {
        iri("eastland"): 0, iri("northland"): 7, iri("southland"): 1}


def test_paths(small_graph) -> None:
    # Ada Moss and Hana Reed shared the Golden Reel for Number Six.
    steps = network.find_path(small_graph, iri("ada-moss"), iri("hana-reed"))
    assert [s.iri for s in steps] == [iri("ada-moss"), iri("golden-reel-short"), iri("hana-reed")]
    # Ada Moss won that award twice (1989, 2014): two links, with the sources of both.
    assert [ln.via for ln in steps[0].links] == [iri("first-light--golden-reel-short--won"),
                                                 iri("number-six--golden-reel-short--won")]
    assert steps[0].relation == "won →" and steps[1].relation == "← won"
    assert steps[0].sources == [iri("film-notes")]
    # South Gazette is tied to nobody but through South City, where Ada Moss is based: places are not
    # passed through unless asked.
    with pytest.raises(UsageError, match="no path between South Gazette") as err:
        network.find_path(small_graph, iri("south-gazette"), iri("ada-moss"))
    assert err.value.hint == "they are connected only through places: allow paths through places"
    steps = network.find_path(small_graph, iri("south-gazette"), iri("ada-moss"), via_places=True)
    assert [s.iri for s in steps] == [iri("south-gazette"), iri("south-city"), iri("ada-moss")]
    assert steps[1].links[0].relation_label == "based in"


def test_analysis_ranks_by_weighted_degree(small_graph) -> None:
    a = network.analyze(small_graph, "person", top=5)
    # Weighted degrees: Ada Moss 3 + 2 + 1 + 1 + 1 = 8; Dong Wei and Ben Rao 7 each, Dong Wei first with
    # five ties to Ben Rao's four; Cai Jones and Fei Song 4 each, with four ties, by betweenness.
    assert [(r["label"], r["weighted_degree"], r["degree"]) for r in a.rows()] == [
        ("Ada Moss", 8, 5), ("Dong Wei", 7, 5), ("Ben Rao", 7, 4), ("Cai Jones", 4, 4), ("Fei Song", 4, 4)]
    s = a.summary()
    assert (s["nodes"], s["edges"], s["total_weight"], s["components"]) == (8, 12, 16, 2)  # Cleo Diaz alone
    assert s["betweenness_method"] == "exact" and s["community_method"] == "louvain(seed=42)"
    # Ada Moss and Dong Wei are the only ties of Ivo Tan and of Eva Lin: cut vertices, hence brokers.
    assert s["bridges"] == [[iri("ada-moss"), iri("ivo-tan")], [iri("dong-wei"), iri("eva-lin")]]
    assert {iri("ada-moss"), iri("dong-wei")} <= set(s["brokers"])
    assert json.dumps(s)  # plain values only
    assert network.analyze(small_graph, "person").rows() == network.analyze(small_graph, "person").rows()


def test_graphml_and_gexf_spells_of_a_tie(small_graph, tmp_path) -> None:
    a = network.analyze(small_graph, "person")
    gx = network.write_gexf(a.graph, tmp_path / "person.gexf")
    _validate(gx, SCHEMAS / "gexf-1.2draft" / "gexf.xsd")
    back = nx.read_gexf(gx)
    ada, ben = network.export_id(iri("ada-moss")), network.export_id(iri("ben-rao"))
    # The tie's years (2021 premiere, 2022-2023 edition, 2024 launch) as one spell; Ada Moss - Ivo Tan
    # (Two Shores, 2002) as a spell of one year.
    assert back.edges[ada, ben]["spells"] == [("2021-01-01", "2024-12-31")]
    assert back.edges[ada, network.export_id(iri("ivo-tan"))]["spells"] == [("2002-01-01", "2002-12-31")]


# --- the curated data: facts that stay true when sources are added ---------------------------------

def test_typed_graph_of_the_curated_data_has_no_schema_noise(graph) -> None:
    g = network.typed_graph(graph)
    families = {"person", "organisation", "work", "event", "programme", "edition", "place", "award"}
    # Every family but sources is already present: added records cannot change this set.
    assert {d["family"] for _, d in g.nodes(data=True)} == families  # no source, no participation node
    assert all(n.startswith(KG) and "--" not in n for n in g)
    relations = {d["relation"] for *_, d in g.edges(data=True)}
    assert not any(r.startswith(NOISE) for r in relations)
    assert SCHEMA + "director" not in relations and SCHEMA + "organizer" not in relations
    confirmed = graph.select("""SELECT (COUNT(?p) AS ?n) WHERE { ?p a kgo:Participation
        FILTER NOT EXISTS { ?p kgo:certainty kgo:Uncertain } }""").rows[0]["n"].value
    assert sum(1 for *_, d in g.edges(data=True) if d["kind"] == "participation") == int(confirmed)
    assert all(d["sources"] for *_, d in g.edges(data=True))
    mentor = g.edges[iri("malcolm-clarke"), iri("ip-plan-edition-1"), iri("ip-plan-edition-1--mentor--malcolm-clarke")]
    assert mentor["relation"] == ROLE + "mentor" and mentor["relation_label"] == "mentor"
    assert {iri("artefact-2024-07-ip-plan-launch"), iri("prnewswire-2024-08-02-ip-plan-2024")} <= set(mentor["sources"])


def test_person_tie_malcolm_clarke_vikram_channa_includes_three_contexts(graph) -> None:
    # data/programme.yaml: both mentors of the first edition (Malcolm Clarke also its juror), both at the
    # 2024 launch (speaker; attendee and speaker); data/works.yaml: both attended the 2021 premiere.
    net = network.project(graph, "person")
    e = net.edges[iri("malcolm-clarke"), iri("vikram-channa")]
    assert e["weight"] >= 3
    assert {iri("a-long-cherished-dream-premiere"), iri("ip-plan-2024-launch"), iri("ip-plan-edition-1")} <= set(
        e["contexts"])
    ev = {x["context"]: x for x in e["evidence"]}
    first = ev[iri("ip-plan-edition-1")]
    assert {ROLE + "juror", ROLE + "mentor"} <= set(first["roles"][iri("malcolm-clarke")])
    assert ROLE + "mentor" in first["roles"][iri("vikram-channa")]
    assert {iri(s) for s in ("aap-2024-03-04-ip-plan", "artefact-2024-07-ip-plan-launch",
                             "gdtanxin-2024-07-31-ip-plan-launch", "prnewswire-2024-08-02-ip-plan-2024")} <= set(
        first["sources"])
    assert {2022, 2023} <= set(first["years"])  # undated roles take the edition's years
    launch = ev[iri("ip-plan-2024-launch")]
    assert {ROLE + "attendee", ROLE + "speaker"} <= set(launch["roles"][iri("vikram-channa")])
    assert {iri(s) for s in ("artefact-2024-07-ip-plan-launch", "gdtanxin-2024-07-31-ip-plan-launch",
                             "prnewswire-2024-08-02-ip-plan-2024")} <= set(launch["sources"])
    premiere = ev[iri("a-long-cherished-dream-premiere")]
    assert {iri("chinaculture-2021-07-long-cherished-dream-5"),
            iri("defence-pk-global-times-long-cherished-dream")} <= set(premiere["sources"])
    assert {2021, 2022, 2023, 2024} <= set(e["years"])
    # Du Zhanyuan spoke at the 2022 and 2024 launches and hosted the 2021 premiere; Malcolm Clarke was at
    # the 2024 launch and the premiere.
    assert {iri("a-long-cherished-dream-premiere"), iri("ip-plan-2024-launch")} <= set(
        net.edges[iri("du-zhanyuan"), iri("malcolm-clarke")]["contexts"])


def test_person_filters_on_the_curated_data_include_the_mentors_tie(graph) -> None:
    mc, vc = iri("malcolm-clarke"), iri("vikram-channa")
    mentors = network.project(graph, "person", role="mentor:mentor")
    assert {mc, vc} <= set(mentors.nodes)
    ev = {x["context"]: x for x in mentors.edges[mc, vc]["evidence"]}[iri("ip-plan-edition-1")]
    assert ev["roles"] == {mc: [ROLE + "mentor"], vc: [ROLE + "mentor"]}  # the filter keeps the mentor roles only
    assert {iri("artefact-2024-07-ip-plan-launch"), iri("gdtanxin-2024-07-31-ip-plan-launch"),
            iri("prnewswire-2024-08-02-ip-plan-2024")} <= set(ev["sources"])
    ev = {x["context"]: x for x in network.project(graph, "person", role="juror:mentor").edges[mc, vc]["evidence"]}
    roles = ev[iri("ip-plan-edition-1")]["roles"]
    assert ROLE + "juror" in roles[mc] and ROLE + "mentor" in roles[vc] and ROLE + "speaker" not in roles[mc]
    # Second edition only: the 2024 launch (part of edition 2) remains, and only contexts of edition 2.
    members = facts_of(graph).edition_members[iri("ip-plan-edition-2")]
    contexts = network.project(graph, "person", edition=iri("ip-plan-edition-2")).edges[mc, vc]["contexts"]
    assert iri("ip-plan-2024-launch") in contexts and set(contexts) <= members
    # 2021 only: the premiere (13 July 2021) is among the contexts.
    assert iri("a-long-cherished-dream-premiere") in network.project(
        graph, "person", since="2021", until="2021").edges[mc, vc]["contexts"]
    # Michael Wood's involvement in the first edition is uncertain: it counts only when asked for.
    assert network.project(graph, "person", include_uncertain=True).has_edge(iri("michael-wood"), mc)


def test_organisation_ties_on_the_curated_data_include_those_of_the_sources(graph) -> None:
    net = network.project(graph, "organisation")
    # CICG and Discovery organised the first edition (Fujian Daily) and the second (PR Newswire, miujn).
    e = net.edges[iri("cicg"), iri("discovery-channel")]
    assert e["weight"] >= 2 and "co-organisation" in e["kinds"]
    assert {iri("ip-plan-edition-1"), iri("ip-plan-edition-2")} <= set(e["contexts"])
    assert {iri("fujian-daily-2024-06-27-ip-plan"), iri("miujn-2024-11-28-ip-plan-selection"),
            iri("prnewswire-2024-08-02-ip-plan-2024")} <= set(e["sources"])
    # Co-producers of A Long Cherished Dream; China Review Studio's "presenter" credit is not production.
    e = net.edges[iri("china-review-studio"), iri("tencent-video")]
    assert "co-production" in e["kinds"] and iri("a-long-cherished-dream") in e["contexts"]
    ev = {x["context"]: x for x in e["evidence"]}[iri("a-long-cherished-dream")]
    assert ROLE + "producer" in ev["roles"][iri("china-review-studio")]
    assert ROLE + "presenter" not in ev["roles"][iri("china-review-studio")]
    assert {iri("defence-pk-global-times-long-cherished-dream"), iri("fujian-daily-2024-06-27-ip-plan")} <= set(
        ev["sources"])
    # The programme's guiding bodies are tied by co-organisation of the programme.
    assert iri("ip-plan") in net.edges[iri("cac"), iri("nrta")]["contexts"]


def test_countries_and_the_country_projection_include_those_of_the_sources(graph) -> None:
    countries = facts_of(graph).countries
    assert iri("united-kingdom") in countries[iri("malcolm-clarke")]
    assert iri("singapore") in countries[iri("vikram-channa")]
    assert iri("china") in countries[iri("cicg")]  # headquarters in Beijing, in China
    # A country no source states is an uncertain claim, never a country of the network.
    assert iri("china") not in countries.get(iri("china-southern-power-grid-news-centre"), ())
    assert iri("china") in countries[iri("ip-plan-2024-launch")]  # Changsha, in Hunan, in China
    assert {iri("canada"), iri("united-kingdom")} <= set(countries[iri("prisoner-of-paradise")])
    net = network.project(graph, "country")
    # Discovery Channel (United States, per Fujian Daily's 美国探索频道) co-organised the editions with CICG
    # (headquarters in Beijing): an organisation tie between the two countries.
    e = net.edges[iri("china"), iri("united-states")]
    assert frozenset((iri("discovery-channel"), iri("cicg"))) in {frozenset(t["between"]) for t in e["evidence"]}
    # Person ties: Vikram Channa (Singapore) with Malcolm Clarke and with Arthur Jones (United Kingdom).
    e = net.edges[iri("singapore"), iri("united-kingdom")]
    assert {(iri("arthur-jones"), iri("vikram-channa")), (iri("malcolm-clarke"), iri("vikram-channa"))} <= {
        tuple(t["between"]) for t in e["evidence"]}
    assert not any(u == v for u, v in net.edges)  # domestic ties are counted on the node instead
    assert net.nodes[iri("china")]["domestic_ties"] > 0


def test_paths_on_the_curated_data_are_at_most_as_long_as_those_of_the_sources(graph) -> None:
    # The Oscar for The Lady in Number 6 went to Malcolm Clarke and Nicholas Reed (data/works.yaml): two
    # links at most, each with its sources.
    steps = network.find_path(graph, iri("malcolm-clarke"), iri("nicholas-reed"))
    assert len(steps) <= 3 and (steps[0].iri, steps[-1].iri) == (iri("malcolm-clarke"), iri("nicholas-reed"))
    assert all(s.sources for s in steps[:-1])
    # Han Yi's ARTeFACT Entertainment (Shanghai) reaches Malcolm Clarke, later based in Shanghai, in three
    # steps at most when places may be passed.
    steps = network.find_path(graph, iri("artefact-entertainment"), iri("malcolm-clarke"), via_places=True)
    assert len(steps) <= 3 and steps[-1].iri == iri("malcolm-clarke")


def test_analysis_of_the_curated_data(graph) -> None:
    a = network.analyze(graph, "person", top=5)
    rows = a.rows()
    assert len(rows) == 5  # the curated data has at least five people with ties
    assert [r["weighted_degree"] for r in rows] == sorted((r["weighted_degree"] for r in rows), reverse=True)
    s = a.summary()
    assert s["community_method"] == "louvain(seed=42)"
    assert json.dumps(s)  # plain values only
    assert network.analyze(graph, "person").rows() == network.analyze(graph, "person").rows()


# --- exports ------------------------------------------------------------------------------------

def _validate(path: Path, schema: Path) -> None:
    xsd = etree.XMLSchema(etree.parse(str(schema)))
    doc = etree.parse(str(path))
    assert xsd.validate(doc), [str(e) for e in xsd.error_log]


def test_graphml_and_gexf_are_valid_and_read_back(graph, tmp_path) -> None:
    a = network.analyze(graph, "person")
    gm = network.write_graphml(a.graph, tmp_path / "person.graphml")
    gx = network.write_gexf(a.graph, tmp_path / "person.gexf")
    _validate(gm, SCHEMAS / "graphml" / "graphml.xsd")
    _validate(gx, SCHEMAS / "gexf-1.2draft" / "gexf.xsd")

    back = nx.read_graphml(gm)
    ids = {network.export_id(n): n for n in a.graph}
    assert set(back.nodes) == set(ids)
    mc = network.export_id(iri("malcolm-clarke"))
    assert back.nodes[mc]["iri"] == iri("malcolm-clarke") and back.nodes[mc]["label"] == "Malcolm Clarke"
    assert back.nodes[mc]["weighted_degree"] == a.graph.nodes[iri("malcolm-clarke")]["weighted_degree"]
    assert {frozenset((ids[u], ids[v])): d["weight"] for u, v, d in back.edges(data=True)} == {
        frozenset((u, v)): d["weight"] for u, v, d in a.graph.edges(data=True)}
    e = back.edges[mc, network.export_id(iri("vikram-channa"))]
    assert json.loads(e["evidence"]) == a.graph.edges[iri("malcolm-clarke"), iri("vikram-channa")]["evidence"]
    assert e["sources"].split("; ") == a.graph.edges[iri("malcolm-clarke"), iri("vikram-channa")]["sources"]

    back = nx.read_gexf(gx)
    assert back.graph["mode"] == "dynamic"
    assert set(back.nodes) == set(ids)
    assert {frozenset((ids[u], ids[v])): d["weight"] for u, v, d in back.edges(data=True)} == {
        frozenset((u, v)): float(d["weight"]) for u, v, d in a.graph.edges(data=True)}
    # The tie's years (2021 premiere, 2022-2023 edition, 2024 launch) lie in one spell (exact spells:
    # test_graphml_and_gexf_spells_of_a_tie).
    spells = back.edges[mc, network.export_id(iri("vikram-channa"))]["spells"]
    assert any(start <= "2021-01-01" and end >= "2024-12-31" for start, end in spells), spells

    # The schemas do check: a node id that is not an XML name token (an IRI) is refused.
    bad = tmp_path / "bad.graphml"
    bad.write_text(gm.read_text(encoding="utf-8").replace(f'"{mc}"', f'"{iri("malcolm-clarke")}"'), encoding="utf-8")
    xsd = etree.XMLSchema(etree.parse(str(SCHEMAS / "graphml" / "graphml.xsd")))
    assert not xsd.validate(etree.parse(str(bad)))


def test_typed_multigraph_exports(graph, tmp_path) -> None:
    g = network.typed_graph(graph)
    gm = network.write_graphml(g, tmp_path / "typed.graphml")
    gx = network.write_gexf(g, tmp_path / "typed.gexf")
    _validate(gm, SCHEMAS / "graphml" / "graphml.xsd")
    _validate(gx, SCHEMAS / "gexf-1.2draft" / "gexf.xsd")
    back = nx.read_graphml(gm)
    assert back.is_directed() and back.is_multigraph()
    assert back.number_of_nodes() == g.number_of_nodes() and back.number_of_edges() == g.number_of_edges()
    relations = sorted(d["relation"] for *_, d in back.edges(data=True))
    assert relations == sorted(d["relation"] for *_, d in g.edges(data=True))
    _, edges = network.write_csv(g, tmp_path / "typed")
    with edges.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == g.number_of_edges() and all(r["sources"] for r in rows)


def test_csv_export_keeps_provenance_and_defuses_formulas(tmp_path) -> None:
    g = load(tmp_path, [person("eq", "=HYPERLINK(1)"), person("mi", "-12"), person("pl", "+Plus"),
                        person("at", "@home"), event("e", ["eq", "mi", "pl", "at"])])
    net = network.analyze(g, "person").graph
    nodes, edges = network.write_csv(net, tmp_path / "out")
    with nodes.open(encoding="utf-8", newline="") as fh:
        rows = {r["iri"]: r for r in csv.DictReader(fh)}
    assert rows[iri("eq")]["label"] == "'=HYPERLINK(1)"
    assert rows[iri("pl")]["label"] == "'+Plus" and rows[iri("at")]["label"] == "'@home"
    assert rows[iri("mi")]["label"] == "-12"  # a plain number stays a number
    assert rows[iri("eq")]["id"] == "kg:eq" and rows[iri("eq")]["degree"] == "3"
    with edges.open(encoding="utf-8", newline="") as fh:
        erows = list(csv.DictReader(fh))
    assert len(erows) == 6
    first = erows[0]
    assert (first["source"], first["target"], first["weight"]) == ("kg:at", "kg:eq", "1")
    assert first["sources"] == iri("src") and first["source_urls"] == "https://example.org/source"
    assert json.loads(first["evidence"])[0]["context"] == iri("e")
    assert list(first)[:4] == ["source", "target", "source_label", "target_label"]


def test_csv_cells_starting_with_a_tab_or_return_are_defused(tmp_path) -> None:
    net = nx.Graph()
    net.add_node(KG + "t", label="\tTab", note="\rReturn", n=-3, text="-3.5e2")
    _, _ = network.write_csv(net, tmp_path)
    with (tmp_path / "nodes.csv").open(encoding="utf-8", newline="") as fh:
        (row,) = csv.DictReader(fh)
    assert (row["label"], row["note"], row["n"], row["text"]) == ("'\tTab", "'\rReturn", "-3", "-3.5e2")


def test_exports_are_byte_identical_and_atomic(star_graph, tmp_path) -> None:
    a1 = network.analyze(star_graph, "person").graph
    a2 = network.analyze(star_graph, "person").graph
    for name, net in (("one", a1), ("two", a2)):
        network.write_graphml(net, tmp_path / name / "g.graphml")
        network.write_gexf(net, tmp_path / name / "g.gexf")
        network.write_csv(net, tmp_path / name)
    for f in ("g.graphml", "g.gexf", "nodes.csv", "edges.csv"):
        assert (tmp_path / "one" / f).read_bytes() == (tmp_path / "two" / f).read_bytes(), f
    assert sorted(p.name for p in (tmp_path / "one").iterdir()) == ["edges.csv", "g.gexf", "g.graphml", "nodes.csv"]
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OutputError):
        network.write_graphml(a1, blocker / "g.graphml")


def test_exports_do_not_depend_on_the_hash_seed(tmp_path) -> None:
    # Set iteration order changes with PYTHONHASHSEED; sorted output must not.
    data = tmp_path / "data"
    data.mkdir()
    records = [SOURCE, country("cn"), country("uk"), person("h", "H", ["cn"]), person("x", "X", ["uk"]),
               person("y", "Y"), event("e1", ["h", "x", "y"]), event("e2", ["h", "y"], 2021)]
    (data / "r.yaml").write_text(yaml.safe_dump(records, sort_keys=False), encoding="utf-8")
    script = (
        "import sys, kg; from kg import network as n; from pathlib import Path\n"
        "g = kg.load(sys.argv[1], sys.argv[2], shapes=False); out = Path(sys.argv[3])\n"
        "a = n.analyze(g, 'person').graph\n"
        "n.write_graphml(a, out / 'p.graphml'); n.write_gexf(a, out / 'p.gexf'); n.write_csv(a, out)\n"
        "n.write_graphml(n.typed_graph(g), out / 't.graphml')\n")
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-c", script, str(data), str(ONTOLOGY), str(tmp_path / seed)],
                       check=True, env=env, timeout=120)
    for f in ("p.graphml", "p.gexf", "nodes.csv", "edges.csv", "t.graphml"):
        assert (tmp_path / "1" / f).read_bytes() == (tmp_path / "2" / f).read_bytes(), f


def test_network_files_for_a_build(graph, tmp_path) -> None:
    written = network.write_network_files(graph, tmp_path)
    names = sorted(str(p.relative_to(tmp_path)) for p in written)
    assert "summary.json" in names and "person.gexf" in names and "country/edges.csv" in names
    for p in written:
        if p.suffix == ".graphml":
            _validate(p, SCHEMAS / "graphml" / "graphml.xsd")
        elif p.suffix == ".gexf":
            _validate(p, SCHEMAS / "gexf-1.2draft" / "gexf.xsd")
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert summary["organisation"]["summary"]["nodes"] == network.analyze(graph, "organisation").summary()["nodes"]
