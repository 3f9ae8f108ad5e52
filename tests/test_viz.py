"""Graph pages (kg.viz): the visual spec checked exactly on the small world (tests/small_world, made-up
records) and, for what stays true when sources are added, on the curated data; the HTML checked for what it
must never contain, and the page itself in real headless Chromium (Debian's chromium, driven by Playwright):
no request leaves it, no console error, it draws what the spec says, its search finds a node, hostile text
stays text. Screenshots go to $KG_TEST_ARTIFACTS, else tests/artefacts/ (git-ignored).
"""

from __future__ import annotations

import argparse
import hashlib
import html
import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import DATA, ONTOLOGY, ROOT, run_kg
from hypothesis import given, settings
from hypothesis import strategies as st

import kg
import kg.viz
from kg.errors import OutputError, UsageError
from kg.namespaces import KG, KGO
from kg.viz import command
from kg.viz.legend import ALL_LABELS, FONT_HIDDEN, FONT_SHOWN, LABELS_SHOWN, MAX_EDGE_WIDTH, by_community, by_country
from kg.viz.page import VIS_NETWORK_SHA256, pack, script_json, unpack
from kg.viz.spec import MAX_SIZE, MIN_SIZE
from kg.viz.styles import ASSETS, load_styles

HOSTILE = Path(__file__).resolve().parent / "viz" / "hostile"
IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "</script><script>alert(1)</script>"
ARTEFACTS = Path(os.environ.get("KG_TEST_ARTIFACTS") or ROOT / "tests" / "artefacts")

_synthetic = importlib.util.spec_from_file_location("viz_synthetic", Path(__file__).parent / "viz" / "synthetic.py")
synthetic = importlib.util.module_from_spec(_synthetic)  # type: ignore[arg-type]
_synthetic.loader.exec_module(synthetic)  # type: ignore[union-attr]


def k(name: str) -> str:
    return KG + name


@pytest.fixture(scope="module")
def styles():
    return load_styles()


@pytest.fixture(scope="module")
def hostile():
    """A small graph whose labels, descriptions, titles and quotes try to run script."""
    return kg.load(HOSTILE, ONTOLOGY)


@pytest.fixture(scope="module")
def whole(graph):
    return kg.viz.visualise(graph)


# --- the spec, exactly ------------------------------------------------------------------------------


def test_neighbourhood_of_the_2024_exhibition_at_depth_1(small_graph, styles) -> None:
    spec = kg.viz.neighbourhood_spec(small_graph, "kg:exhibition-2024", 1)
    nodes = {(n.id, n.label, n.cls, n.group, n.measure, n.focus) for n in spec.nodes}
    assert nodes == {
        (k("exhibition-2024"), "Lab Exhibition", "kgo:Exhibition", "kgo:Event", 4, True),
        (k("launch-2024"), "Launch of the second Lab", "kgo:LaunchCeremony", "kgo:Event", 3, False),
        (k("edition-2"), "Second Lab (2024-2025)", "kgo:ProgrammeEdition", "kgo:ProgrammeEdition", 2, False),
        (k("harbour-city"), "Harbour City", "kgo:City", "kgo:Place", 2, False),
        (k("the-long-road"), "The Long Road", "kgo:DocumentarySeries", "kgo:Work", 1, False),
    }
    edges = {(e.source, e.target, e.label, e.role, e.kind) for e in spec.edges}
    assert edges == {
        (k("the-long-road"), k("exhibition-2024"), "exhibited work", "role:exhibited-work", "participation"),
        (k("exhibition-2024"), k("harbour-city"), "location", "schema:location", "relation"),
        (k("exhibition-2024"), k("launch-2024"), "part of", "kgo:partOf", "relation"),
        (k("exhibition-2024"), k("edition-2"), "part of", "kgo:partOf", "relation"),
        (k("launch-2024"), k("harbour-city"), "location", "schema:location", "relation"),
        (k("launch-2024"), k("edition-2"), "part of", "kgo:partOf", "relation"),
    }
    assert [n.id for n in spec.nodes] == sorted(n.id for n in spec.nodes)
    assert spec.focus == k("exhibition-2024") and spec.view == "neighbourhood"
    assert spec.title == "Neighbourhood of Lab Exhibition (depth 1)"
    # Colours, shapes and line styles are the style file's.
    for n in spec.nodes:
        style = styles.classes[KGO + n.group.removeprefix("kgo:")]
        assert (n.colour, n.shape) == (style.colour, style.shape)
    for e in spec.edges:
        if e.kind == "participation":
            style = styles.roles[KG.replace("/id/", "/role/") + e.role.removeprefix("role:")]
        else:
            style = styles.for_relation({"kgo:partOf": KGO + "partOf",
                                         "schema:location": "http://schema.org/location"}[e.role])
        assert (e.colour, e.width, e.dashes) == (style.colour, style.width, style.dashes)
    assert [(c.key, c.count) for c in spec.classes] == [
        ("kgo:Event", 2), ("kgo:Place", 1), ("kgo:ProgrammeEdition", 1), ("kgo:Work", 1)]
    assert [(r.key, r.label, r.count) for r in spec.roles] == [
        ("role:exhibited-work", "exhibited work", 1), ("schema:location", "location", 2),
        ("kgo:partOf", "part of", 3)]
    # Sizes follow the degree in the view: the largest has the largest size.
    sizes = {n.id: n.size for n in spec.nodes}
    assert sizes[k("exhibition-2024")] == MAX_SIZE
    assert sizes[k("the-long-road")] < sizes[k("harbour-city")] < sizes[k("launch-2024")]
    assert all(MIN_SIZE <= s <= MAX_SIZE for s in sizes.values())
    # Edition membership (the page's edition filter): Harbour City belongs to none.
    editions = {n.id: n.editions for n in spec.nodes}
    assert editions[k("harbour-city")] == []
    assert editions[k("exhibition-2024")] == editions[k("the-long-road")] == [k("edition-2")]
    assert spec.editions == [{"id": k("edition-2"), "label": "Second Lab (2024-2025)"}]


def test_neighbourhood_of_the_curated_2024_exhibition_includes_its_work_place_and_events(graph) -> None:
    spec = kg.viz.neighbourhood_spec(graph, "kg:ip-plan-2024-exhibition", 1)
    nodes = {(n.id, n.label, n.cls, n.group, n.focus) for n in spec.nodes}
    assert nodes >= {
        (k("ip-plan-2024-exhibition"), "IP Plan Exhibition", "kgo:Exhibition", "kgo:Event", True),
        (k("ip-plan-2024-launch"), "Launch ceremony of the second IP Plan", "kgo:LaunchCeremony", "kgo:Event", False),
        (k("ip-plan-edition-2"), "Second IP Plan (2024-2025)", "kgo:ProgrammeEdition", "kgo:ProgrammeEdition", False),
        (k("changsha"), "Changsha", "kgo:City", "kgo:Place", False),
        (k("a-long-cherished-dream"), "A Long Cherished Dream", "kgo:DocumentarySeries", "kgo:Work", False),
    }
    edges = {(e.source, e.target, e.label, e.role, e.kind) for e in spec.edges}
    assert edges >= {
        (k("a-long-cherished-dream"), k("ip-plan-2024-exhibition"), "exhibited work", "role:exhibited-work",
         "participation"),
        (k("ip-plan-2024-exhibition"), k("changsha"), "location", "schema:location", "relation"),
        (k("ip-plan-2024-exhibition"), k("ip-plan-2024-launch"), "part of", "kgo:partOf", "relation"),
        (k("ip-plan-2024-exhibition"), k("ip-plan-edition-2"), "part of", "kgo:partOf", "relation"),
    }
    assert spec.focus == k("ip-plan-2024-exhibition") and spec.title == "Neighbourhood of IP Plan Exhibition (depth 1)"
    sizes = {n.id: n.size for n in spec.nodes}
    assert all(MIN_SIZE <= s <= MAX_SIZE for s in sizes.values())
    assert {"id": k("ip-plan-edition-2"), "label": "Second IP Plan (2024-2025)"} in spec.editions


def test_depth_0_and_2(graph) -> None:
    alone = kg.viz.neighbourhood_spec(graph, "IP Plan Exhibition", 0)
    assert [n.id for n in alone.nodes] == [k("ip-plan-2024-exhibition")] and alone.edges == []
    wider = kg.viz.neighbourhood_spec(graph, "ip-plan-2024-exhibition", 2)
    assert len(wider.nodes) > 5
    assert {k("malcolm-clarke")} <= {n.id for n in wider.nodes}  # director of the exhibited series


def test_tooltips_say_label_type_roles_dates_and_sources(small_graph) -> None:
    spec = kg.viz.neighbourhood_spec(small_graph, "kg:exhibition-2024", 1)
    (edge,) = [e for e in spec.edges if e.kind == "participation"]
    assert edge.tooltip.splitlines() == [
        "The Long Road → Lab Exhibition", "role: exhibited work (role:exhibited-work)", "date: 2024-07-30",
        "quote: including The Long Road", "sources:", "• Second Lab launched in Harbour City <https://example.org/news-2024>"]
    assert spec.node(k("exhibition-2024")).tooltip.splitlines() == [
        "Lab Exhibition", "type: Exhibition (kgo:Exhibition)", "kg:exhibition-2024", "roles in it: exhibited work",
        "date: 2024-07-30", "exhibited works: more than 20",  # a quantity the source states
        "sources:", "• Second Lab launched in Harbour City <https://example.org/news-2024>",
        "the focus of this view", "degree: 4"]
    ada = kg.viz.neighbourhood_spec(small_graph, "Ada Moss", 1).node(k("ada-moss")).tooltip.splitlines()
    # Roles in label order, with their number when more than one; an uncertain claim says so.
    assert ada[3:5] == ["roles held: attendee, co-director, director (3), juror, mentor, speaker",
                        "uncertain: birth date 1950"]


def test_tooltips_on_the_curated_data_include_label_type_roles_dates_and_sources(graph) -> None:
    spec = kg.viz.neighbourhood_spec(graph, "kg:ip-plan-2024-exhibition", 1)
    edge = next(e for e in spec.edges if e.kind == "participation" and e.source == k("a-long-cherished-dream"))
    assert edge.tooltip.splitlines()[:3] == ["A Long Cherished Dream → IP Plan Exhibition",
                                             "role: exhibited work (role:exhibited-work)", "date: 2024-07-30"]
    assert "Launch ceremony of the second IP Plan held in Changsha <http://artefactentertainment.com/en/news/" \
           "xx_2407>" in edge.tooltip
    assert "quote: including A Long Cherished Dream" in edge.tooltip
    node = spec.node(k("ip-plan-2024-exhibition")).tooltip.splitlines()
    assert node[:3] == ["IP Plan Exhibition", "type: Exhibition (kgo:Exhibition)", "kg:ip-plan-2024-exhibition"]
    assert any(line.startswith("roles in it: exhibited work") for line in node) and "date: 2024-07-30" in node
    assert "exhibited works: more than 20" in node  # a quantity the source states
    assert any(line.startswith("• Launch ceremony of the second IP Plan held in Changsha") for line in node)
    clarke = kg.viz.neighbourhood_spec(graph, "Malcolm Clarke", 1).node(k("malcolm-clarke")).tooltip
    assert re.search(r"^roles held: .*director.*mentor.*speaker", clarke, re.M)


def test_whole_graph_draws_participations_as_edges_and_leaves_schema_out(graph, whole) -> None:
    spec = whole.spec
    classes = {n.cls for n in spec.nodes}
    assert not classes & {"kgo:Participation", "kgo:Quantity", "kgo:Quotation", "kgo:AwardOutcome", "kgo:Claim"}
    assert not any(n.group == "kgo:Source" or n.cls.endswith(("Article", "WebPage", "Podcast")) for n in spec.nodes)
    assert not any(n.id.startswith((KGO, "http://www.w3.org/")) for n in spec.nodes)  # no ontology terms
    assert not any(e.role in ("rdf:type", "rdfs:subClassOf", "prov:wasDerivedFrom") for e in spec.edges)
    counts = graph.counts()
    assert len(spec.nodes) == sum(counts[x] for x in ("people", "organisations", "works", "events", "programmes",
                                                      "programme editions", "places", "awards"))
    drawn = graph.select("SELECT (COUNT(?p) AS ?n) WHERE { ?p a kgo:Participation ; kgo:agent ?a ; "
                         "kgo:participationIn ?t }").rows[0]["n"].value
    assert sum(e.kind == "participation" for e in spec.edges) == int(drawn)
    # A shortcut triple (schema:director ...) that repeats a participation is not drawn twice.
    assert not any(e.role == "schema:director" for e in spec.edges)
    assert all(n.x is not None and n.y is not None for n in spec.nodes)
    assert [c.key for c in spec.classes] == sorted(c.key for c in spec.classes)


def test_sources_are_nodes_only_when_asked(graph) -> None:
    spec = kg.viz.graph_spec(graph, include_sources=True)
    sources = [n for n in spec.nodes if n.group == "kgo:Source"]
    assert len(sources) == graph.counts()["sources"]
    assert any(e.role == "prov:wasDerivedFrom" for e in spec.edges)


def test_the_spec_is_plain_json_and_deterministic(graph, whole) -> None:
    again = kg.viz.visualise(graph).spec.to_json()
    assert whole.spec.to_json() == again
    data = json.loads(again)
    assert set(data["edges"][0]) >= {"from", "to", "label", "role", "colour", "dashes", "tooltip", "editions"}
    assert set(data["nodes"][0]) >= {"id", "label", "cls", "group", "colour", "shape", "size", "x", "y", "tooltip"}


def test_the_same_graph_gives_the_same_page_in_any_process() -> None:
    # Set and dict orders vary with PYTHONHASHSEED between processes; the page must not.
    code = (f"import hashlib, kg, kg.viz; g = kg.load({str(DATA)!r}, {str(ONTOLOGY)!r}, shapes=False, "
            "checks=False); print(*(hashlib.sha256(kg.viz.visualise(g, **o).html.encode()).hexdigest() for o in "
            "({}, {'projection': 'person'}, {'focus': 'Malcolm Clarke', 'depth': 2})))")
    outputs = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
        assert done.returncode == 0, done.stderr
        outputs.add(done.stdout)
    assert len(outputs) == 1


def test_styles_fall_back_and_a_class_or_role_needs_no_code(graph, tmp_path) -> None:
    text = (ASSETS / "styles.toml").read_text(encoding="utf-8")
    text = re.sub(r'\[classes\."kgo:Event"\][^\[]*', "", text)  # events lose their style ...
    text += '\n[classes."kgo:Exhibition"]\ncolour = "#123456"\nshape = "star"\nlabel = "Exhibitions"\n'
    text += '\n[roles."role:participant"]\ncolour = "#654321"\n'
    path = tmp_path / "styles.toml"
    path.write_text(text, encoding="utf-8")
    spec = kg.viz.neighbourhood_spec(graph, "kg:ip-plan-2024-exhibition", 1, styles=path)
    fallback = load_styles(path).fallback_class
    launch, exhibition = spec.node(k("ip-plan-2024-launch")), spec.node(k("ip-plan-2024-exhibition"))
    assert (launch.group, launch.colour, launch.shape) == ("other", fallback.colour, fallback.shape)
    assert (exhibition.group, exhibition.colour, exhibition.shape) == ("kgo:Exhibition", "#123456", "star")
    assert ("kgo:Exhibition", "Exhibitions") in {(c.key, c.label) for c in spec.classes}
    assert spec.classes[-1].key == "other"
    # role:co-director has no style: it is drawn as role:director, its nearest broader role with one.
    clarke = kg.viz.graph_spec(graph)
    styles = load_styles()
    co = [e for e in clarke.edges if e.role == "role:co-director"]
    assert co and all(e.colour == styles.roles[KG.replace("/id/", "/role/") + "director"].colour for e in co)
    assert all(e.label == "co-director" for e in co)


@pytest.mark.parametrize("entry, message", [
    ('[classes."kgo:Person"]\ncolour = "blue"\n', "is not #rrggbb"),
    ('[classes."kgo:Person"]\nshape = "blob"\n', "unknown shape"),
    ('[roles."role:mentor"]\nwidth = -1\n', "is not a number of pixels"),
    ("classes = 3\n", "must be a table"),
    ("[classes\n", "not valid TOML"),
    ('[palette]\ncolours = ["#00f"]\n', "is not #rrggbb"),
    ("[palette]\ncolours = []\n", "must be a list"),
])
def test_a_bad_styles_file_is_refused(tmp_path, entry, message) -> None:
    path = tmp_path / "styles.toml"
    path.write_text(entry, encoding="utf-8")
    with pytest.raises(UsageError, match=message):
        load_styles(path)


def test_projection(graph) -> None:
    spec = kg.viz.projection_spec(graph, "person")
    assert spec.view == "projection" and not spec.directed
    assert {n.group for n in spec.nodes} == {"kgo:Person"}
    assert all(e.kind == "tie" and not e.arrows for e in spec.edges)
    assert all(e.source < e.target for e in spec.edges)
    measure = {n.id: n.measure for n in spec.nodes}
    size = {n.id: n.size for n in spec.nodes}
    assert all(size[a] <= size[b] for a in size for b in size if measure[a] < measure[b])
    assert spec.size_by == "weighted_degree"
    net = kg.network.project(graph, "person")
    assert {n.id for n in spec.nodes} == set(net.nodes)
    assert len(spec.edges) == net.number_of_edges()
    mentors = kg.viz.projection_spec(graph, "person", role="mentor", edition="ip-plan-edition-1")
    assert mentors.title == "Collaboration between people (role mentor, edition First IP Plan (2022-2023))"
    assert {k("malcolm-clarke"), k("vikram-channa")} <= {n.id for n in mentors.nodes}


def test_the_person_network_is_coloured_by_community_and_sized_by_area(small_graph) -> None:
    spec = kg.viz.projection_spec(small_graph, "person")
    assert spec.colour_by == "community"
    # Communities ordered by size, then by their smallest member id; the palette's colours in that order.
    palette = load_styles().palette
    assert [(c.key, c.label, c.colour, c.count, c.detail) for c in spec.colours] == [
        ("community-1", "Community 1", palette[0], 3, "Ada Moss, Ben Rao, Ivo Tan"),
        ("community-2", "Community 2", palette[1], 2, "Cai Jones, Fei Song"),
        ("community-3", "Community 3", palette[2], 2, "Dong Wei, Eva Lin"),
        ("community-4", "Community 4", palette[3], 1, "Cleo Diaz")]
    assert {n.label: (n.colour_key, n.colour) for n in spec.nodes} == {
        "Ada Moss": ("community-1", palette[0]), "Ben Rao": ("community-1", palette[0]),
        "Ivo Tan": ("community-1", palette[0]), "Cai Jones": ("community-2", palette[1]),
        "Fei Song": ("community-2", palette[1]), "Dong Wei": ("community-3", palette[2]),
        "Eva Lin": ("community-3", palette[2]), "Cleo Diaz": ("community-4", palette[3])}
    assert "community: 1" in spec.node(k("ada-moss")).tooltip.splitlines()  # as the legend numbers it
    # Sizes: the area grows with the measure, from MIN_SIZE (0) to MAX_SIZE (the largest).
    top = max(n.measure for n in spec.nodes)
    for n in spec.nodes:
        assert n.size == pytest.approx((MIN_SIZE ** 2 + (MAX_SIZE ** 2 - MIN_SIZE ** 2) * n.measure / top) ** 0.5,
                                       abs=0.01)
    assert spec.sizes == [{"value": 1, "size": 14.76}, {"value": 7, "size": 33.79}, {"value": 8, "size": 36.0}]
    # Edge width by weight: the style's width for one shared context, MAX_EDGE_WIDTH for the heaviest.
    base = load_styles().relations["co-participation"].width
    weights = {e.id: float(e.tooltip.split("weight: ")[1].split()[0]) for e in spec.edges}
    heaviest = max(weights.values())
    assert all(e.width == (MAX_EDGE_WIDTH if weights[e.id] == heaviest else base) for e in spec.edges
               if weights[e.id] in (1, heaviest))
    # Eight nodes: every label is shown at the fitted zoom, the most central the largest.
    fonts = {n.label: n.font for n in spec.nodes}
    assert min(fonts.values()) >= spec.label_threshold and fonts["Ada Moss"] == FONT_SHOWN[1]
    countries = kg.viz.visualise(small_graph, projection="person", colour_by="country").spec
    assert countries.colour_by == "country"
    assert [(c.key, c.label, c.colour, c.count) for c in countries.colours] == [
        ("Southland", "Southland", palette[0], 2), ("Eastland", "Eastland", palette[1], 1),
        ("no country", "No country known", load_styles().palette_other, 5)]
    assert countries.node(k("ada-moss")).colour_key == "Southland"


def test_colourings_order_their_categories_and_share_a_colour_beyond_the_palette() -> None:
    community = {"e": 0, "d": 0, "a": 1, "b": 1, "c": 2, "f": 3}
    coloured = by_community(community, {"d": 2.0}, str.upper, ("#000001", "#000002", "#000003"), "#999999")
    assert [(c.key, c.label, c.colour, c.count, c.detail) for c in coloured.categories] == [
        ("community-1", "Community 1", "#000001", 2, "A, B"), ("community-2", "Community 2", "#000002", 2, "D, E"),
        ("community-3", "Community 3", "#000003", 1, "C"), ("others", "Community 4", "#999999", 1, "")]
    assert coloured.keys["f"] == "others" and coloured.colour("f") == "#999999"
    # A node of several countries takes the one most nodes have; ties by name.
    by = by_country({"a": ["X", "Y"], "b": ["Y"], "c": ["Z", "X"], "d": [], "e": ["W"]}, ("#000001", "#000002"),
                    "#999999")
    assert by.keys == {"a": "X", "b": "others", "c": "X", "d": "no country", "e": "W"}
    assert [(c.key, c.colour, c.count, c.detail) for c in by.categories] == [
        ("X", "#000001", 2, ""), ("W", "#000002", 1, ""), ("others", "#999999", 1, "Y"),
        ("no country", "#999999", 1, "")]


def test_the_overview_labels_the_important_nodes_and_knows_every_name(graph, whole) -> None:
    spec = whole.spec
    assert spec.colour_by == "class" and spec.colours == []
    person = load_styles().classes[KGO + "Person"].colour
    assert {n.colour for n in spec.nodes if n.group == "kgo:Person"} == {person}
    shown = [n for n in spec.nodes if n.font >= spec.label_threshold]
    assert len(spec.nodes) > ALL_LABELS and len(shown) == LABELS_SHOWN
    # The programme and its editions first, then the best connected.
    starts = {n.id for n in spec.nodes if n.group in ("kgo:Programme", "kgo:ProgrammeEdition")}
    assert starts <= {n.id for n in shown}
    others = [n for n in spec.nodes if n.id not in starts]
    assert min(n.measure for n in shown if n.id not in starts) >= max(n.measure for n in others if n not in shown)
    assert all(FONT_HIDDEN[0] <= n.font <= FONT_HIDDEN[1] < spec.label_threshold for n in spec.nodes if n not in shown)
    # Every other name of a node (other languages, alternative names): what the page's search matches.
    assert spec.node(k("malcolm-clarke")).names == ["柯文思"]
    with pytest.raises(UsageError, match="colour_by colours a projection"):
        kg.viz.visualise(graph, colour_by="country")
    with pytest.raises(UsageError, match="unknown colouring"):
        kg.viz.visualise(graph, projection="person", colour_by="class")


def test_query_construct_draws_its_triples(small_graph) -> None:
    spec = kg.viz.query_spec(small_graph, "neighbourhood", {"entity": "kg:exhibition-2024"})
    assert spec.title == "Query: Everything stated about an entity, as triples"
    assert {n.id for n in spec.nodes} == {k(x) for x in ("exhibition-2024", "launch-2024", "edition-2",
                                                          "harbour-city", "the-long-road")}
    # Only the triples the query returns: the launch's own links are not among them.
    assert {(e.source, e.target, e.label) for e in spec.edges} == {
        (k("the-long-road"), k("exhibition-2024"), "exhibited work"),
        (k("exhibition-2024"), k("harbour-city"), "location"),
        (k("exhibition-2024"), k("launch-2024"), "part of"),
        (k("exhibition-2024"), k("edition-2"), "part of")}
    own = kg.viz.query_spec(small_graph, "CONSTRUCT { ?a kg:knows ?b } WHERE { ?p kgo:agent ?a ; "
                                         "kgo:role role:mentor ; kgo:participationIn ?b }")
    assert own.title == "Query: your SPARQL"
    assert {(e.source, e.target, e.role) for e in own.edges} == {
        (k("ada-moss"), k("edition-1"), "kg:knows"), (k("ben-rao"), k("edition-1"), "kg:knows"),
        (k("cleo-diaz"), k("workshop-2024"), "kg:knows")}


def test_query_construct_on_the_curated_data_includes_the_triples_asked_for(graph) -> None:
    spec = kg.viz.query_spec(graph, "neighbourhood", {"entity": "kg:ip-plan-2024-exhibition"})
    assert {k(x) for x in ("ip-plan-2024-exhibition", "ip-plan-2024-launch", "ip-plan-edition-2", "changsha",
                           "a-long-cherished-dream")} <= {n.id for n in spec.nodes}
    assert {(e.source, e.target, e.label) for e in spec.edges} >= {
        (k("a-long-cherished-dream"), k("ip-plan-2024-exhibition"), "exhibited work"),
        (k("ip-plan-2024-exhibition"), k("changsha"), "location")}
    # Only the triples the query returns: the launch's own links are not among them.
    assert (k("ip-plan-2024-launch"), k("changsha"), "location") not in {
        (e.source, e.target, e.label) for e in spec.edges}
    own = kg.viz.query_spec(graph, "CONSTRUCT { ?a kg:knows ?b } WHERE { ?p kgo:agent ?a ; kgo:role role:mentor ; "
                                   "kgo:participationIn ?b }")
    assert {e.role for e in own.edges} == {"kg:knows"} and len(own.edges) >= 2


def test_query_select_draws_pairs(graph) -> None:
    spec = kg.viz.query_spec(graph, "collaborators", {"person": "Malcolm Clarke"})
    answer = kg.query("collaborators", graph=graph, person="Malcolm Clarke")
    others = {r["collaborator"].value for r in answer.rows} - {k("malcolm-clarke")}
    assert {n.id for n in spec.nodes} == others | {k("malcolm-clarke")}
    assert len(spec.edges) == len(others)
    assert all(k("malcolm-clarke") in (e.source, e.target) and e.kind == "pair" for e in spec.edges)
    assert {e.role for e in spec.edges} == {"person – collaborator"}
    assert "context: " in spec.edges[0].tooltip
    swapped = kg.viz.query_spec(graph, "collaborators", {"person": "Malcolm Clarke"},
                                columns=("collaborator", "context"))
    assert {e.role for e in swapped.edges} == {"collaborator – context"}


@pytest.mark.parametrize("call, message", [
    (lambda g: kg.viz.query_spec(g, "ASK { ?s ?p ?o }"), "ASK query"),
    (lambda g: kg.viz.query_spec(g, "SELECT ?l WHERE { ?s skos:prefLabel ?l }"), "no two columns"),
    (lambda g: kg.viz.query_spec(g, "collaborators", {"person": "Malcolm Clarke"}, columns=("x", "y")), "columns"),
    (lambda g: kg.viz.visualise(g, focus="Malcolm Clarke", projection="person"), "cannot be combined"),
    (lambda g: kg.viz.visualise(g, role="mentor"), "filter a projection"),
    (lambda g: kg.viz.visualise(g, params={"a": "b"}), "parameters of a query"),
    (lambda g: kg.viz.visualise(g, max_nodes=0), "max_nodes"),
    (lambda g: kg.viz.visualise(g, projection="film"), "unknown projection"),
    (lambda g: kg.viz.visualise(g, size_by="charm"), "unknown size measure"),
    (lambda g: kg.viz.visualise(g, focus="Malcolm Clarke", depth=-1), "depth"),
    (lambda g: kg.viz.visualise(g, focus="Nobody At All"), "no entity is called"),
    (lambda g: kg.viz.visualise(g, focus="kg:artefact-2024-07-ip-plan-launch"), "not an entity"),
    (lambda g: kg.viz.visualise(g, projection="person", edition="Malcolm Clarke"), "not a programme edition"),
])
def test_bad_arguments_raise_usage_errors(graph, call, message) -> None:
    with pytest.raises(UsageError, match=message) as info:
        call(graph)
    assert info.value.hint


def test_a_large_graph_keeps_its_best_connected_nodes_and_says_so() -> None:
    big = synthetic.synthetic_graph(600)
    full = kg.viz.graph_spec(big)
    focus = next(n.id for n in full.nodes if n.measure == 0)  # an isolated node
    cut = kg.viz.visualise(big, focus=focus, depth=0, max_nodes=1)
    assert [n.id for n in cut.spec.nodes] == [focus]
    spec = kg.viz.graph_spec(big, max_nodes=100)
    assert len(spec.nodes) == 100 and spec.total_nodes == len(full.nodes)
    threshold = sorted((n.measure for n in full.nodes), reverse=True)[99]
    assert min(n.measure for n in spec.nodes) >= threshold
    kept = {n.id for n in spec.nodes}
    assert all(e.source in kept and e.target in kept for e in spec.edges)
    assert spec.notes and spec.notes[-1].startswith(f"Showing the 100 nodes with the highest degree of "
                                                    f"{len(full.nodes):,}")


# --- the HTML ------------------------------------------------------------------------------------------


def test_hostile_text_stays_literal_in_the_spec_and_in_the_page(hostile) -> None:
    page = kg.viz.visualise(hostile)
    labels = {n.label for n in page.spec.nodes}
    assert {IMG, SCRIPT} <= labels
    text = page.html
    # The data is one JSON block, and parsing it gives the spec back exactly.
    block = re.search(r'<script type="application/json" id="kg-data">(.*?)</script>', text, re.S)
    assert block is not None and unpack(json.loads(block.group(1))) == page.spec.to_dict()
    for needle in ("<img", "<svg onload", "<iframe", "</script><script>", "\u2028", "\u2029", "<a href"):
        assert needle not in text
    assert text.count("</script>") == 3  # the data block, vis-network and the page's script
    assert "\\u003cimg src=x onerror=alert(1)\\u003e" in block.group(1)
    assert "\\u003c/script\\u003e\\u003cscript\\u003ealert(1)\\u003c/script\\u003e" in block.group(1)


@pytest.mark.parametrize("value", [
    IMG, SCRIPT, "a\u2028b\u2029c", "<!-- x -->", "&amp; &lt;", "]]>", "\"quotes\" 'and' `ticks`", "\\u003c",
    {"nested": ["</SCRIPT>", "<Script>"]},
])
def test_script_json_round_trips_and_hides_markup(value) -> None:
    text = script_json(value)
    assert json.loads(text) == value
    assert not set(text) & {"<", ">", "&", "\u2028", "\u2029"}


_cells = st.one_of(st.text(max_size=12), st.integers(), st.booleans(), st.none(), st.lists(st.text(max_size=5)))


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 6).flatmap(lambda n: st.tuples(
    st.lists(st.fixed_dictionaries({"id": st.text(max_size=20), "tooltip": st.text(max_size=40), "x": _cells}),
             min_size=n, max_size=n),
    st.lists(st.fixed_dictionaries({"id": st.sampled_from(["a b c", "a  b", " ", ""]), "w": _cells}), max_size=6))))
def test_packed_page_data_gives_the_spec_back(lists) -> None:
    nodes, edges = lists
    spec = {"title": "t", "nodes": nodes, "edges": edges, "notes": ["n"]}
    assert unpack(json.loads(script_json(pack(spec)))) == spec


def test_packing_shrinks_the_data_of_a_large_page() -> None:
    spec = kg.viz.visualise(synthetic.synthetic_graph(500)).spec.to_dict()
    assert len(script_json(pack(spec))) < 0.6 * len(script_json(spec))
    assert unpack(pack(spec)) == spec


def test_the_page_is_self_contained(whole) -> None:
    text = whole.html
    assert re.search(r"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                     r"script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:", text)
    assert not re.search(r"""<(script|link|img|iframe)\b[^>]*\b(src|href)\s*=""", text, re.I)
    assert "@import" not in text and "@font-face" not in text
    assert "vis-network" in text and f"@version {kg.viz.page.VIS_NETWORK_VERSION}" in text
    js = (ASSETS / "page.js").read_text(encoding="utf-8")
    assert "innerHTML" not in js and "insertAdjacentHTML" not in js and "document.write" not in js
    vendored = (ASSETS / "vendor" / "vis-network.min.js").read_bytes()
    assert hashlib.sha256(vendored).hexdigest() == VIS_NETWORK_SHA256
    assert (ASSETS / "vendor" / "LICENSE-MIT").is_file() and (ASSETS / "vendor" / "README.md").is_file()


def test_notebook_display_and_save(graph, tmp_path) -> None:
    page = kg.viz(graph, focus="IP Plan Exhibition")  # the module is callable
    assert isinstance(page, kg.viz.Page)
    shown = page._repr_html_()
    m = re.fullmatch(r'<iframe srcdoc="([^"]*)" sandbox="allow-scripts" [^<>]*></iframe>', shown)
    assert m is not None and html.unescape(m.group(1)) == page.html
    out = page.save(tmp_path / "sub" / "page.html")
    assert out.read_text(encoding="utf-8") == page.html
    assert [p.name for p in out.parent.iterdir()] == ["page.html"]  # no temporary file left
    with pytest.raises(OutputError, match="is a folder"):
        page.save(tmp_path)


def test_to_pyvis(small_graph) -> None:
    pytest.importorskip("pyvis")
    page = kg.viz(small_graph, focus="Lab Exhibition")
    net = page.to_pyvis()
    assert len(net.nodes) == 5 and len(net.edges) == 6  # as in test_neighbourhood_of_the_2024_exhibition_at_depth_1
    assert all("title" not in n for n in net.nodes)


def test_the_command_module_is_light_and_agrees_with_the_library() -> None:
    code = "import sys, kg.viz.command; print(sorted(m for m in ('networkx', 'pyoxigraph') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "[]", done.stderr
    assert (command.MAX_NODES, command.MEASURES, command.PROJECTIONS, command.COLOUR_BY) == (
        kg.viz.MAX_NODES, kg.viz.MEASURES, kg.viz.PROJECTIONS, kg.viz.legend.COLOUR_BY)


def test_command_writes_a_page_from_the_build(graph, tmp_path) -> None:
    from kg.build_dir.commit import write_atomically
    from kg.build_dir.reading import fingerprint, input_hashes

    build = tmp_path / "build"
    hashes = input_hashes(DATA, ONTOLOGY)
    write_atomically(build, {"kg.nt": "nt"}, graph, {"inputs": fingerprint(hashes), "input_files": hashes,
                                                      "counts": {}, "files": {}})
    parser = argparse.ArgumentParser()
    command.add_arguments(parser)
    args = parser.parse_args(["--focus", "IP Plan Exhibition", "--build", str(build), "--data", str(DATA),
                              "--ontology", str(ONTOLOGY), "-o", str(tmp_path / "x.html")])
    result = command.run(args)
    library = kg.viz.neighbourhood_spec(graph, "IP Plan Exhibition", 1)
    assert result.path.is_file() and [n.id for n in result.spec.nodes] == [n.id for n in library.nodes]
    assert result.summary().startswith(f"Wrote {tmp_path / 'x.html'}: Neighbourhood of IP Plan Exhibition")
    for argv, message in ((["--depth", "2"], "--depth goes with --focus"), (["-o", "x.txt"], "not an .html"),
                          (["--query", "mentors", "--columns", "a"], "not two column names"),
                          (["--query", "mentors", "-p", "edition"], "is not NAME=VALUE"),
                          (["--colour-by", "country"], "--colour-by goes with --projection")):
        with pytest.raises(UsageError, match=message):
            command.run(parser.parse_args([*argv, "--build", str(build)]))


# --- in the browser ------------------------------------------------------------------------------------


class Opened:
    """A page open in the browser, with every request, console message and script error it caused."""

    def __init__(self, browser, path: Path, height: int = 800) -> None:
        self.page = browser.new_page(viewport={"width": 1280, "height": height})
        self.requests: list[str] = []
        self.console: list[tuple[str, str]] = []
        self.errors: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", lambda m: self.console.append((m.type, m.text)))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        # Before any script of the page: a trap for dialogs and a record of CSP violations.
        self.page.add_init_script("""
            window.__ran = [];
            window.alert = window.confirm = window.prompt = function (m) { window.__ran.push(String(m)); };
            window.__csp = [];
            document.addEventListener('securitypolicyviolation',
                                      function (e) { window.__csp.push(e.violatedDirective); });
        """)
        self.page.on("dialog", lambda d: (self.errors.append("dialog: " + d.message), d.dismiss()))
        self.page.goto(path.as_uri())
        # A function, not an expression: Playwright evaluates expressions with eval, which the page's CSP forbids.
        self.page.wait_for_function("() => window.kgViz && window.kgViz.ready === true", timeout=30_000)
        self.uri = path.as_uri()

    def js(self, expression: str):
        return self.page.evaluate(expression)

    def check_clean(self) -> None:
        assert [u for u in self.requests if u != self.uri] == []
        assert self.errors == []
        assert [m for m in self.console if m[0] in ("error", "warning")] == []
        assert self.js("window.__csp") == []
        assert self.js("window.__ran") == []

    def screenshot(self, name: str) -> None:
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTEFACTS / name))

    def drawn(self) -> tuple[int, int, int, int]:
        return tuple(self.js("[kgViz.nodes.length, kgViz.edges.length, kgViz.network.body.nodeIndices.length, "
                             "kgViz.network.body.edgeIndices.length]"))


def test_the_page_loads_offline_and_draws_the_spec(browser, whole, tmp_path) -> None:
    opened = Opened(browser, whole.save(tmp_path / "graph.html"))
    opened.check_clean()
    n, m = len(whole.spec.nodes), len(whole.spec.edges)
    assert opened.drawn() == (n, m, n, m)
    first = whole.spec.nodes[0]
    drawn_at = opened.js(f"kgViz.network.getPosition({json.dumps(first.id)})")
    assert abs(drawn_at["x"] - first.x) <= 1 and abs(drawn_at["y"] - first.y) <= 1  # positions from Python
    assert opened.js("document.getElementById('kg-counts').textContent") == \
        f"Showing {n} of {n} nodes and {m} of {m} edges."
    assert opened.js("document.title") == whole.spec.title
    opened.screenshot("viz-whole-graph.png")
    # The class filter hides people, and the edges that touch them.
    opened.page.click("#kg-classes input[data-key='kgo:Person']")
    people = {x.id for x in whole.spec.nodes if x.group == "kgo:Person"}
    shown_edges = [e for e in whole.spec.edges if e.source not in people and e.target not in people]
    assert opened.js("[kgViz.nodeView.length, kgViz.edgeView.length]") == [n - len(people), len(shown_edges)]
    assert opened.js("kgViz.network.body.nodeIndices.length") == n - len(people)
    opened.page.click("#kg-classes input[data-key='kgo:Person']")
    # The edition filter keeps the nodes and edges of one edition.
    edition = whole.spec.editions[0]["id"]
    opened.page.select_option("#kg-editions", edition)
    in_edition = {x.id for x in whole.spec.nodes if edition in x.editions}
    edges = [e for e in whole.spec.edges if edition in e.editions and e.source in in_edition and e.target in in_edition]
    assert opened.js("[kgViz.nodeView.length, kgViz.edgeView.length]") == [len(in_edition), len(edges)]
    opened.check_clean()
    opened.page.close()


def test_search_finds_and_focuses_a_node(browser, whole, tmp_path) -> None:
    opened = Opened(browser, whole.save(tmp_path / "graph.html"))
    opened.page.fill("#kg-search", "malcolm clarke")
    opened.page.press("#kg-search", "Enter")
    assert opened.js("kgViz.network.getSelectedNodes()") == [k("malcolm-clarke")]
    node = whole.spec.node(k("malcolm-clarke"))
    centre = opened.js("kgViz.network.getViewPosition()")
    assert abs(centre["x"] - node.x) < 1 and abs(centre["y"] - node.y) < 1
    assert opened.js("document.getElementById('kg-search-result').textContent") == "Malcolm Clarke"
    assert opened.js("document.getElementById('kg-details').textContent").startswith("Malcolm Clarke")
    opened.page.fill("#kg-search", "no such thing at all")
    opened.page.click("#kg-search-go")
    assert opened.js("document.getElementById('kg-search-result').textContent").startswith("No entity matches")
    opened.check_clean()
    opened.screenshot("viz-search.png")
    opened.page.close()


def test_a_hostile_label_runs_no_script(browser, hostile, tmp_path) -> None:
    page = kg.viz.visualise(hostile)
    opened = Opened(browser, page.save(tmp_path / "hostile.html"))
    opened.check_clean()
    assert opened.drawn() == (4, 3, 4, 3)
    # Show every tooltip and panel there is: search the hostile nodes, click an edge, hover a node.
    for label in (IMG, SCRIPT):
        opened.page.fill("#kg-search", label)
        opened.page.press("#kg-search", "Enter")
        assert opened.js("document.getElementById('kg-details').textContent").startswith(label)
        assert opened.js("document.getElementById('kg-search-result').textContent") == label
    person = k("img-person")
    opened.page.click("#kg-fit")
    point = opened.js(f"""(() => {{
        const p = kgViz.network.canvasToDOM(kgViz.network.getPosition({json.dumps(person)}));
        const r = document.getElementById('kg-graph').getBoundingClientRect();
        return [r.left + p.x, r.top + p.y]; }})()""")
    opened.page.mouse.move(point[0] - 40, point[1] - 40)
    opened.page.mouse.move(point[0] + 1, point[1] + 1, steps=5)  # vis-network shows tooltips on mouse moves
    opened.page.wait_for_function("() => { const t = document.querySelector('div.vis-tooltip'); "
                                  "return t && t.style.visibility === 'visible'; }", timeout=5_000)
    tip = opened.js("document.querySelector('div.vis-tooltip').textContent")
    assert tip.startswith(IMG) and "<svg onload=alert(2)>" in tip
    assert opened.js("document.querySelectorAll('img, iframe, object, embed').length") == 0
    # The only links are the sources' addresses, built as links (http(s) only, a new tab, no opener).
    links = opened.js("[...document.querySelectorAll('a')].map(a => [a.getAttribute('href'), a.target, a.rel])")
    assert links and all(link == ["https://example.org/hostile", "_blank", "noopener noreferrer"] for link in links)
    assert opened.js("document.querySelectorAll('[onerror], [onload], [onclick]').length") == 0
    assert opened.js("document.scripts.length") == 3
    assert opened.js("window.__ran") == []
    opened.check_clean()
    opened.screenshot("viz-hostile.png")
    opened.page.close()


def test_a_graph_of_thousands_of_nodes_draws_whole(browser, tmp_path) -> None:
    page = kg.viz.visualise(synthetic.synthetic_graph(2000))
    assert len(page.spec.nodes) > 1900
    opened = Opened(browser, page.save(tmp_path / "big.html"))
    opened.check_clean()
    n, m = len(page.spec.nodes), len(page.spec.edges)
    assert opened.drawn() == (n, m, n, m)
    opened.screenshot("viz-2000-nodes.png")
    opened.page.close()


def test_clearing_a_filter_puts_every_node_back_in_one_redraw(browser, small_graph, tmp_path) -> None:
    """Regression: the positions from Python were put back node by node (network.moveNode), one redraw
    each, which froze the curated overview for 25 s when a class filter was cleared."""
    page = kg.viz.visualise(small_graph)
    opened = Opened(browser, page.save(tmp_path / "graph.html"))
    opened.page.click("#kg-classes input[data-key='kgo:Person']")
    opened.page.wait_for_function("() => kgViz.settled === true", timeout=20_000)
    opened.js("window.__draws = 0; kgViz.network.on('afterDrawing', function () { window.__draws += 1; })")
    opened.page.click("#kg-classes input[data-key='kgo:Person']")
    opened.page.wait_for_function("() => kgViz.settled === true", timeout=20_000)
    opened.page.wait_for_timeout(300)  # the redraws asked for by timers come within a few frames
    assert len(page.spec.nodes) > 40 and opened.js("window.__draws") <= 10  # not one per node
    first = page.spec.nodes[0]
    back = opened.js(f"kgViz.network.getPosition({json.dumps(first.id)})")
    assert abs(back["x"] - first.x) < 1 and abs(back["y"] - first.y) < 1
    opened.check_clean()
    opened.page.close()


def test_the_person_network_shows_its_communities_with_a_legend(browser, small_built, tmp_path) -> None:
    out = tmp_path / "people.html"
    done = run_kg("viz", "--projection", "person", "-o", str(out), cwd=small_built)
    assert done.returncode == 0, done.stderr.decode()
    opened = Opened(browser, out)
    opened.check_clean()
    drawn = opened.js("Object.fromEntries(Object.values(kgViz.network.body.nodes).map(n => "
                      "[n.id, n.options.color.background]))")
    spec = kg.viz.projection_spec(kg.load(small_built / "data", small_built / "ontology"), "person")
    community = {n.id: n.colour_key for n in spec.nodes}
    assert {community[a] != community[b] for a in drawn for b in drawn} == {True, False}
    assert all((drawn[a] == drawn[b]) == (community[a] == community[b]) for a in drawn for b in drawn)
    legend = opened.js("[...document.querySelectorAll('#kg-colours label')].map(l => l.textContent)")
    assert legend == ["Community 1Ada Moss, Ben Rao, Ivo Tan3", "Community 2Cai Jones, Fei Song2",
                      "Community 3Dong Wei, Eva Lin2", "Community 4Cleo Diaz1"]
    assert opened.js("document.getElementById('kg-colour-by').textContent") == "Communities"
    assert opened.js("[...document.querySelectorAll('#kg-sizes .kg-size')].map(d => d.textContent)") == [
        "weighted degree 1", "weighted degree 7", "weighted degree 8"]
    radii = opened.js("[...document.querySelectorAll('#kg-sizes circle')].map(c => +c.getAttribute('r'))")
    assert radii == sorted(radii) and radii[0] < radii[-1] / 2
    opened.screenshot("viz-person-network.png")
    # A community's box filters it out, and the rest is laid out again and fitted.
    opened.page.click("#kg-colours input[data-key='community-1']")
    opened.page.wait_for_function("() => kgViz.settled === true", timeout=20_000)
    assert opened.js("kgViz.nodeView.length") == 5
    opened.check_clean()
    opened.page.close()


def test_the_overview_reads_at_the_fitted_zoom_and_finds_every_name(browser, built) -> None:
    opened = Opened(browser, built / "build" / "overview.html", height=900)
    opened.check_clean()
    spec = unpack(json.loads(opened.js("document.getElementById('kg-data').textContent")))
    # Labels by importance: at the fitted zoom only the important ones are drawn; zoomed in, more.
    count = ("(() => { const t = kgViz.network.body.nodes, s = kgViz.network.getScale(); return Object.values(t)"
             ".filter(n => n.options.font.size * s >= kgViz.spec.label_threshold - 0.01).length; })()")
    assert opened.js(count) == sum(n["font"] >= spec["label_threshold"] for n in spec["nodes"]) == LABELS_SHOWN
    opened.js("kgViz.network.moveTo({scale: kgViz.network.getScale() * 1.6})")
    assert opened.js(count) > LABELS_SHOWN
    opened.page.click("#kg-fit")
    # Search matches names in every language.
    opened.page.fill("#kg-search", "柯文思")
    opened.page.press("#kg-search", "Enter")
    assert opened.js("kgViz.network.getSelectedNodes()") == [k("malcolm-clarke")]
    assert opened.js("document.getElementById('kg-search-result').textContent") == "Malcolm Clarke (柯文思)"
    details = opened.js("document.getElementById('kg-details').textContent")
    assert details.startswith("Malcolm Clarke") and "also: 柯文思" in details
    # Its sources are links (http(s) only, a new tab, no opener).
    links = opened.js("[...document.querySelectorAll('#kg-details a')].map(a => [a.href, a.target, a.rel])")
    assert links and all(re.match(r"https?://", h) and t == "_blank" and r == "noopener noreferrer"
                         for h, t, r in links)
    # The details panel is in view in a 1280x900 window, also when the side panel is scrolled.
    inside = ("(() => { const r = document.getElementById('kg-details').getBoundingClientRect(); "
              "return r.top >= 0 && r.bottom <= window.innerHeight && r.height > 0; })()")
    assert opened.js(inside)
    opened.js("document.getElementById('kg-side').scrollTop = 100000")
    assert opened.js("document.getElementById('kg-side').scrollTop") > 0 and opened.js(inside)
    opened.screenshot("viz-overview-search.png")
    # A filter lays the remaining nodes out again and fits them; without it, Python's positions return.
    first = next(n for n in spec["nodes"] if n["group"] == "kgo:Work")
    opened.page.click("#kg-classes input[data-key='kgo:Person']")
    opened.page.wait_for_function("() => kgViz.settled === true", timeout=30_000)
    moved = opened.js(f"kgViz.network.getPosition({json.dumps(first['id'])})")
    assert (round(moved["x"]), round(moved["y"])) != (round(first["x"]), round(first["y"]))
    opened.page.click("#kg-classes input[data-key='kgo:Person']")
    opened.page.wait_for_function("() => kgViz.settled === true", timeout=30_000)
    back = opened.js(f"kgViz.network.getPosition({json.dumps(first['id'])})")
    assert abs(back["x"] - first["x"]) < 1 and abs(back["y"] - first["y"]) < 1
    opened.check_clean()
    opened.page.close()
