"""The graph over the SPARQL protocols, against a real Oxigraph server (the `oxigraph` package)."""

from __future__ import annotations

import http.server
import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import need, run_kg

from kg.endpoint.checks import Endpoints
from kg.endpoint.push import push
from kg.endpoint.remote import RemoteGraph, substitute
from kg.namespaces import GRAPH, KG
from kg.questions.ask import run
from kg.questions.catalogue import load_catalogue

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = load_catalogue(ROOT / "queries")
PARAMS = {
    "collaborators": {"person": "Malcolm Clarke"},
    "second-degree-collaborators": {"person": "vikram-channa"},
    "filmography": {"person": "malcolm-clarke"},
    "common-partners": {"first": "CICG", "second": "Discovery Channel"},
    "sources-of": {"entity": "ip-plan-2024-exhibition"},
    "neighbourhood": {"entity": "ip-plan-2024-exhibition"},
    "mentors": {"edition": "ip-plan-edition-1"},
    "speakers": {"event": "ip-plan-2024-launch"},
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def oxigraph() -> str:
    import sys

    here = Path(sys.executable).parent / "oxigraph"
    found = str(here) if here.exists() else shutil.which("oxigraph")
    need(found is not None, "the oxigraph server (pip install oxigraph)")
    return str(found)


def wait_ready(url: str) -> None:
    for _ in range(200):
        try:
            with urllib.request.urlopen(url + "query?query=ASK%7B%7D", timeout=1):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.05)
    raise AssertionError("the server did not start")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A read-write Oxigraph server on a free loopback port; yields its base address."""
    binary = oxigraph()
    port = free_port()
    location = tmp_path_factory.mktemp("oxigraph")
    process = subprocess.Popen([binary, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_ready(f"http://127.0.0.1:{port}/")
        yield f"http://127.0.0.1:{port}/"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def pushed(store: str, built: Path) -> str:
    result = run_kg("push", "--endpoint", store + "query", "--replace", cwd=built)
    assert result.returncode == 0, result.stderr.decode()
    return store


def count(store: str, graph: str = GRAPH) -> int:
    rows = RemoteGraph(store + "query", graph=None).select(
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g", {"g": ox.NamedNode(graph)}).rows
    return int(rows[0]["n"].value) if rows else 0


def key(answer) -> list:
    """An answer, comparable across engines: GROUP_CONCAT lists are compared as sets."""
    if isinstance(answer.result, bool):
        return [answer.result]
    if not hasattr(answer.result, "rows"):
        return sorted(str(t) for t in set(answer.result))

    def norm(term) -> str:
        # GROUP_CONCAT has no order in SPARQL: its lists ("a b", "a, b") are compared sorted.
        if isinstance(term, ox.Literal) and ", " in term.value:
            return ", ".join(sorted(term.value.split(", ")))
        plain = isinstance(term, ox.Literal) and term.value.replace("-", "").replace(" ", "").isalnum()
        if plain and " " in term.value:
            return " ".join(sorted(term.value.split()))
        return str(term)

    return sorted(tuple(sorted((k, norm(v)) for k, v in row.items())) for row in answer.rows)


def test_push_loads_the_whole_graph_and_twice_doubles_nothing(pushed: str, built: Path, graph) -> None:
    assert count(pushed) == len(graph)
    again = run_kg("push", "--endpoint", pushed + "query", cwd=built)
    assert again.returncode == 0, again.stderr.decode()
    assert count(pushed) == len(graph)
    assert f"the graph holds {len(graph):,}" in again.stdout.decode()


def test_push_in_small_batches_and_by_sparql_update(store: str, graph) -> None:
    triples = graph.triples()
    other = KG + "graph/test-update"
    result = push(triples, store + "query", graph=other, replace=True, protocol="update", batch=700)
    assert (result.protocol, result.stored) == ("update", len(triples))
    assert result.store == store + "update"  # the address written to (it named the Graph Store's)
    gsp = push(triples[:100], store + "query", graph=other, replace=True, protocol="gsp", batch=30)
    assert count(store, other) == 100 and gsp.store == store + "store"


@pytest.mark.parametrize("question", [q.name for q in CATALOGUE], ids=str)
def test_every_question_answers_the_same_remotely(pushed: str, graph, question: str) -> None:
    q = CATALOGUE.get(question)
    params = PARAMS.get(question, {})
    local = run(graph, q, params)
    remote = run(RemoteGraph(pushed + "query"), q, params)
    assert key(remote) == key(local)
    if not q.is_check and question not in ("organiser-changes",):
        assert len(local) > 0, "a question with no answer on the curated data compares nothing"


def test_query_cli_with_endpoint_prints_what_the_embedded_one_prints(pushed: str, built: Path) -> None:
    import csv
    import io

    def rows(result) -> list:
        assert result.returncode == 0, result.stderr.decode()
        table = csv.DictReader(io.StringIO(result.stdout.decode()))
        return sorted(tuple(sorted({**r, "sources": " ".join(sorted(r["sources"].split()))}.items())) for r in table)

    args = ("query", "speakers", "-p", "event=ip-plan-2024-launch", "--format", "csv")
    local = rows(run_kg(*args, cwd=built))
    assert rows(run_kg(*args, "--endpoint", pushed + "query", cwd=built)) == local
    assert len(local) >= 5  # the curated data names at least five speakers


def test_hostile_parameters_stay_data_remotely(pushed: str, graph) -> None:
    hostile = 'x" } ; DROP ALL ; INSERT DATA { <a> <b> <c> } #'
    text = substitute("SELECT $name ?e WHERE { ?e skos:prefLabel ?l FILTER(STR(?l) = $name) }",
                      {"name": ox.Literal(hostile)})
    assert 'DROP ALL' in text and '\\" }' in text  # escaped inside the literal
    remote = run(RemoteGraph(pushed + "query"),
                 "SELECT $name ?e WHERE { ?e skos:prefLabel ?l FILTER(STR(?l) = $name) }", {"name": f'"{hostile}"'})
    assert remote.rows == []
    assert count(pushed) == len(graph)


def test_substitution_follows_the_variable_position() -> None:
    iri = ox.NamedNode(KG + "a")
    text = substitute("SELECT $x ?y WHERE { $x ?p ?y . ?y ?q \"$x\" } GROUP BY $x ?y ORDER BY $x # $x", {"x": iri})
    assert text == (f"SELECT ({iri} AS ?x) ?y WHERE {{ {iri} ?p ?y . ?y ?q \"$x\" }} GROUP BY ({iri}) ?y "
                    f"ORDER BY ({iri}) # $x")


def test_endpoint_conventions() -> None:
    oxi = Endpoints.from_query_url("http://h:7878/query")
    assert (oxi.update, oxi.store) == ("http://h:7878/update", "http://h:7878/store")
    fuseki = Endpoints.from_query_url("http://h:3030/ds/sparql")
    assert (fuseki.update, fuseki.store) == ("http://h:3030/ds/update", "http://h:3030/ds/data")


def test_serve_is_read_only(built: Path) -> None:
    oxigraph()
    from kg.endpoint.serve import Server

    with Server(built / "build", "127.0.0.1", free_port()) as server:
        rows = RemoteGraph(server.query_url).select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows
        assert int(rows[0]["n"].value) > 3000
        update = b"INSERT DATA { <http://a> <http://b> <http://c> }"
        request = urllib.request.Request(server.url + "update", data=update,
                                         headers={"Content-Type": "application/sparql-update"}, method="POST")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code in (403, 405)
        location = server.location
    assert not location.exists()


def test_serve_command_prints_addresses_and_stops_on_ctrl_c(built: Path) -> None:
    oxigraph()
    import signal
    import sys

    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "kg", "serve", "--port", str(port)], cwd=built,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        first = process.stdout.readline().decode()
        assert first.strip() == f"SPARQL endpoint: http://127.0.0.1:{port}/query  (read-only)"
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 0
        assert "stopped" in process.stderr.read().decode()
    finally:
        process.kill()
    assert not list((built / "build").glob(".serve-*"))


class _Fake(http.server.BaseHTTPRequestHandler):
    """A web server that is not a SPARQL store: for the client's error messages only."""

    status, body, content_type, delay = 200, b"<html>hello</html>", "text/html", 0.0

    def do_POST(self) -> None:
        time.sleep(self.delay)
        if self.path.startswith("/ds/data"):  # a Graph Store that accepts everything and keeps little
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.send_response(204)
            self.end_headers()
            return
        self.send_response(self.status)
        self.send_header("Content-Type", self.content_type)
        if self.status == 401:
            self.send_header("WWW-Authenticate", 'Basic realm="x"')
        self.end_headers()
        self.wfile.write(self.body)

    do_GET = do_POST

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def fake() -> Iterator[tuple[str, type[_Fake]]]:
    handler = type("Handler", (_Fake,), {})
    server = http.server.HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/sparql", handler
    server.shutdown()


@pytest.mark.parametrize(("status", "expected", "exit_code"), [
    (200, "answered in an unexpected format", 1),
    (401, "refused the credentials", 1),
    (404, "no SPARQL endpoint at this address", 1),
])
def test_remote_errors_are_clear(fake, built: Path, status: int, expected: str, exit_code: int) -> None:
    url, handler = fake
    handler.status = status
    result = run_kg("query", "mentors", "--endpoint", url, cwd=built)
    assert result.returncode == exit_code
    err = result.stderr.decode()
    assert expected in err and "Traceback" not in err


def test_a_slow_endpoint_times_out(fake, built: Path) -> None:
    url, handler = fake
    handler.delay = 3.0
    result = run_kg("query", "mentors", "--endpoint", url, "--timeout", "1", cwd=built)
    assert result.returncode == 1
    assert "did not answer within 1 s" in result.stderr.decode()


def test_a_partly_accepted_push_is_an_error(fake, built: Path) -> None:
    url, handler = fake
    handler.body = b'{"head": {"vars": ["g", "n"]}, "results": {"bindings": [{"n": {"type": "literal", ' \
                   b'"value": "5", "datatype": "http://www.w3.org/2001/XMLSchema#integer"}}]}}'
    handler.content_type = "application/sparql-results+json"
    result = run_kg("push", "--endpoint", url.replace("/sparql", "/ds/sparql"), cwd=built)
    assert result.returncode == 1
    assert "the push was only partly accepted: the graph holds 5 triples" in result.stderr.decode()


def test_unreachable_endpoint(built: Path) -> None:
    result = run_kg("query", "mentors", "--endpoint", f"http://127.0.0.1:{free_port()}/query", cwd=built)
    assert result.returncode == 1
    assert "cannot reach the endpoint" in result.stderr.decode()
    pushed = run_kg("push", "--endpoint", f"http://127.0.0.1:{free_port()}/query", cwd=built)
    assert pushed.returncode == 1 and "cannot reach the store" in pushed.stderr.decode()


def test_the_cli_names_the_same_default_graph_as_the_library() -> None:
    from kg.cli import GRAPH_IRI

    assert GRAPH_IRI == GRAPH
