"""The query page of kg serve (kg/endpoint/page.py, viz/endpoint/), with the real Oxigraph server behind the
real front over a small build (the small world plus a person whose names try to run script): the page comes
with its Content-Security-Policy, holds the project's prefixes and every catalogue question, and in real
headless Chromium (Debian's chromium, driven by Playwright) runs catalogue questions and typed queries,
makes no request but to its own server, and shows hostile names as text. Screenshots go to
$KG_TEST_ARTIFACTS, else tests/artefacts/ (git-ignored)."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ONTOLOGY, ROOT, SMALL_WORLD, record_json, run_kg
from test_endpoint import free_port, oxigraph
from test_serve_hardening import ask

from kg.endpoint.page import CSP, DEFAULT_QUERY, page_data, script_json
from kg.endpoint.serve import Server
from kg.namespaces import PREFIXES, sparql_prologue
from kg.questions.catalogue import load_catalogue

ARTEFACTS = Path(os.environ.get("KG_TEST_ARTIFACTS") or ROOT / "tests" / "artefacts")
IMG = "<img src=x onerror=alert(1)>"
END = "</script><script>alert(2)</script>"
PEOPLE = "SELECT ?s WHERE { ?s a kgo:Person } LIMIT 3"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """kg serve over the small world plus a person whose names try to run script."""
    oxigraph()
    root = tmp_path_factory.mktemp("endpoint-page")
    shutil.copytree(SMALL_WORLD, root / "data", ignore=shutil.ignore_patterns("*.md"))
    shutil.copytree(ONTOLOGY, root / "ontology")
    extra = [{"id": "hostile-person", "type": "Person", "label": {"en": IMG, "zh": END}, "sources": ["film-notes"]}]
    (root / "data" / "hostile.yaml").write_text(record_json(extra, indent=1), encoding="utf-8")
    result = run_kg("build", cwd=root)
    assert result.returncode == 0, result.stderr.decode()
    with Server(root / "build", "127.0.0.1", free_port(), timeout=20) as running:
        yield running


def _data_block(page: str) -> str:
    found = re.search(r'<script id="kg-data" type="application/json">(.*?)</script>', page, re.S)
    assert found
    return found.group(1)


# --- over HTTP -------------------------------------------------------------------------------------------


def test_the_page_comes_with_its_policy_the_prefixes_and_every_question(served: Server) -> None:
    request = urllib.request.Request(served.url)
    with urllib.request.urlopen(request, timeout=20) as response:
        headers, page = response.headers, response.read().decode("utf-8")
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert headers["Content-Security-Policy"] == CSP
    assert headers["X-Content-Type-Options"] == "nosniff"
    for directive in ("default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'"):
        assert directive in CSP
    data = json.loads(_data_block(page))
    assert "<" not in _data_block(page)
    assert data["prologue"] == sparql_prologue() and data["prefixes"] == PREFIXES
    for prefix, namespace in PREFIXES.items():
        assert f"PREFIX {prefix}: <{namespace}>" in data["prologue"]
    catalogue = load_catalogue()
    assert data == page_data(catalogue)
    assert [q["name"] for q in data["questions"]] and {q["name"] for q in data["questions"]} == set(catalogue.questions)
    for question in catalogue:
        assert f'"name":"{question.name}"' in page
    # Every file the page loads is the front's own, at a fixed path; no other host is named outside the data.
    outside = page.replace(_data_block(page), "")
    assert re.findall(r'(?:src|href)="([^"]*)"', outside) == ["/kg-endpoint/icon.svg", "/kg-endpoint/page.css",
                                                                     "/kg-endpoint/page.js"]
    assert "http" not in outside and "prefix.cc" not in page
    for path, kind in (("kg-endpoint/page.js", "text/javascript"), ("kg-endpoint/page.css", "text/css")):
        status, content_type, body = ask(served.url + path)
        assert status == 200 and content_type.startswith(kind) and body
    assert "prefix.cc" not in ask(served.url + "kg-endpoint/page.js")[2].decode()


def test_the_oxigraph_page_is_not_served_and_only_reads_pass(served: Server) -> None:
    for path in ("yasgui.min.js", "yasgui.min.css", "logo.svg", "update", "nothing"):
        status, kind, body = ask(served.url + path)
        assert status == 404 and kind.startswith("text/plain") and b"/query" in body, path
    status, _, body = ask(served.query_url + "?" + urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"}))
    assert status == 200 and b"true" in body
    head = urllib.request.Request(served.url, method="HEAD")
    with urllib.request.urlopen(head, timeout=20) as response:
        assert response.status == 200 and response.read() == b""
        assert response.headers["Content-Security-Policy"] == CSP
    assert ask(served.url, b"update=DROP+ALL", {"Content-Type": "application/x-www-form-urlencoded"})[0] == 403


@pytest.mark.parametrize("value", [IMG, END, "<!-- x", "a\u2028b\u2029c", "&amp; <b>", {"k": ["</script>"]}])
def test_script_json_hides_markup_and_round_trips(value: object) -> None:
    text = script_json(value)
    assert not set(text) & {"<", ">", "&", "\u2028", "\u2029"}
    assert json.loads(text) == value


# --- in the browser ----------------------------------------------------------------------------------------


class Opened:
    """The query page open in the browser, with every request, console message, script error, CSP
    violation and dialog it caused."""

    def __init__(self, browser, server: Server) -> None:
        self.page = browser.new_page(viewport={"width": 1400, "height": 900})
        self.origin = server.url.rstrip("/")
        self.requests: list[str] = []
        self.console: list[tuple[str, str]] = []
        self.errors: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", lambda m: self.console.append((m.type, m.text)))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: (self.errors.append("dialog: " + d.message), d.dismiss()))
        self.page.add_init_script("""
            window.__ran = [];
            window.alert = window.confirm = window.prompt = function (m) { window.__ran.push(String(m)); };
            window.__csp = [];
            document.addEventListener('securitypolicyviolation',
                                      function (e) { window.__csp.push(e.violatedDirective); });
        """)
        self.page.goto(server.url)
        self.page.wait_for_function("() => window.kgEndpoint && window.kgEndpoint.ready === true", timeout=30_000)

    def js(self, expression: str):
        return self.page.evaluate(expression)

    def run(self, query: str | None = None) -> None:
        """Run the query in the box (``query`` typed in first), and wait for the answer."""
        if query is not None:
            self.page.fill("#kg-query", query)
        runs = self.js("window.kgEndpoint.runs")
        self.page.click("#kg-run")
        self.page.wait_for_function("(n) => window.kgEndpoint.runs > n", arg=runs, timeout=30_000)

    def table(self) -> tuple[list[str], list[list[str]]]:
        return (self.js("[...document.querySelectorAll('#kg-table thead th')].map(c => c.textContent)"),
                self.js("[...document.querySelectorAll('#kg-table tbody tr')]"
                        ".map(r => [...r.cells].map(c => c.textContent))"))

    def check_clean(self, allowed_console: str = "^$") -> None:
        assert self.requests and all(u == self.origin or u.startswith(self.origin + "/") for u in self.requests), \
            self.requests
        assert self.errors == []
        assert [m for m in self.console if m[0] in ("error", "warning") and not re.search(allowed_console, m[1])] == []
        assert self.js("window.__csp") == [] and self.js("window.__ran") == []

    def screenshot(self, name: str) -> None:
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTEFACTS / name), full_page=True)


def _rows_by_the_endpoint(server: Server, query: str) -> int:
    status, _, body = ask(server.query_url, query.encode(), {"Content-Type": "application/sparql-query",
                                                             "Accept": "text/csv"})
    assert status == 200, body
    return len(list(csv.reader(io.StringIO(body.decode("utf-8"))))) - 1


def test_a_catalogue_question_runs_and_shows_a_table(browser, served: Server) -> None:
    opened = Opened(browser, served)
    assert opened.js("document.getElementById('kg-query').value").startswith(sparql_prologue())
    names = opened.js("[...document.querySelectorAll('#kg-questions option')].map(o => o.value)")
    assert set(names) == set(load_catalogue().questions) | {""}
    question = load_catalogue().get("multi-role-people")
    assert question.params == ()
    opened.page.select_option("#kg-questions", question.name)
    assert opened.js("document.getElementById('kg-query').value") == sparql_prologue() + "\n" + question.sparql
    assert opened.js("document.getElementById('kg-question-text').textContent") == question.question
    assert opened.js("document.getElementById('kg-params').hidden") is True
    opened.run()
    head, rows = opened.table()
    assert head == list(question.returns)
    assert len(rows) == _rows_by_the_endpoint(served, sparql_prologue() + question.sparql) > 0
    assert all(row[0].startswith("kg:") for row in rows)
    assert opened.js("document.getElementById('kg-status').textContent").startswith(f"{len(rows)} row")
    opened.screenshot("endpoint-catalogue-question.png")
    opened.check_clean()
    opened.page.close()


def test_a_typed_query_needs_no_prefix_of_its_own(browser, served: Server) -> None:
    opened = Opened(browser, served)
    box = opened.js("document.getElementById('kg-query').value")
    assert box == sparql_prologue() + "\n" + DEFAULT_QUERY
    opened.run(box.replace(DEFAULT_QUERY, PEOPLE))  # the prefixes the page declared, nothing else
    head, rows = opened.table()
    assert head == ["s"] and len(rows) == 3 and all(row[0].startswith("kg:") for row in rows)
    # ASK is a yes or no; CONSTRUCT shows Turtle as text.
    opened.run(sparql_prologue() + "ASK { ?s a kgo:Person }")
    assert opened.js("document.getElementById('kg-boolean').textContent") == "yes"
    assert opened.js("document.getElementById('kg-table').hidden") is True
    opened.run(sparql_prologue() + "CONSTRUCT { ?s a kgo:Person } WHERE { ?s a kgo:Person } LIMIT 2")
    text = opened.js("document.getElementById('kg-text').textContent")
    assert "ontology#Person>" in text and opened.js("document.getElementById('kg-text').hidden") is False
    opened.check_clean()
    opened.page.close()


def test_an_error_is_shown_as_text_with_a_hint(browser, served: Server) -> None:
    opened = Opened(browser, served)
    opened.run("SELECT * WHERE { ?s nope:thing ?o }")
    error = opened.js("document.getElementById('kg-error').textContent")
    assert error.startswith("An unknown prefix: declare it with PREFIX. Declared above: kg: kgo:")
    assert "The endpoint answered 400" in error and "Prefix not found" in error
    assert opened.js("document.getElementById('kg-table').hidden") is True
    opened.run("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }")
    assert "SERVICE" in opened.js("document.getElementById('kg-error').textContent")
    opened.check_clean(allowed_console="status of 400")
    opened.page.close()


def test_a_question_with_parameters_says_how_to_fill_them(browser, served: Server) -> None:
    opened = Opened(browser, served)
    question = load_catalogue().get("collaborators")
    opened.page.select_option("#kg-questions", question.name)
    assert opened.js("document.getElementById('kg-params').hidden") is False
    items = opened.js("[...document.querySelectorAll('#kg-param-list li')].map(li => li.textContent)")
    assert items == [f"${p.describe()}" + (f": {p.doc}" if p.doc else "") for p in question.params]
    assert "$person" in opened.js("document.getElementById('kg-query').value")
    opened.screenshot("endpoint-parameters.png")
    opened.page.click("#kg-reset")
    assert opened.js("document.getElementById('kg-about').hidden") is True
    opened.check_clean()
    opened.page.close()


def test_hostile_names_in_an_answer_stay_text(browser, served: Server) -> None:
    opened = Opened(browser, served)
    opened.run(sparql_prologue() + "SELECT ?label WHERE { kg:hostile-person skos:prefLabel ?label } ORDER BY ?label")
    _, rows = opened.table()
    assert sorted(row[0] for row in rows) == sorted([IMG + "@en", END + "@zh"])
    assert opened.js("document.querySelectorAll('img, iframe, object, embed, a[href]').length") == 0
    assert opened.js("document.querySelectorAll('[onerror], [onload], [onclick]').length") == 0
    assert opened.js("document.scripts.length") == 2
    opened.screenshot("endpoint-hostile.png")
    opened.check_clean()
    opened.page.close()
