"""The remote-store client against hostile or broken servers (issue 15, items 11-14 and 16): each test
starts real HTTP servers on free loopback ports (python's http.server in a thread) and runs the real
`kg` command where the exit status and the message matter."""

from __future__ import annotations

import base64
import http.server
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import run_kg

from kg.endpoint.checks import MAX_ANSWER_BYTES, EndpointError, answer_limit, check_endpoint
from kg.endpoint.remote import RemoteGraph
from kg.errors import QueryTimeout, UsageError

USER, PASSWORD = "alice", "s3cret-pw"
BASIC = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
JSON = "application/sparql-results+json"
COUNT_5 = (b'{"head": {"vars": ["g", "n"]}, "results": {"bindings": [{"n": {"type": "literal", "value": "5", '
           b'"datatype": "http://www.w3.org/2001/XMLSchema#integer"}}]}}')
ROWS_X = b'{"head": {"vars": ["x"]}, "results": {"bindings": [{"x": {"type": "literal", "value": "1"}}]}}'
SELECT_X = "SELECT ?x WHERE { ?x ?p ?o }"


@dataclass
class Seen:
    """What a server received: one (method, path, Authorization header) per request."""

    requests: list[tuple[str, str, str | None]] = field(default_factory=list)

    @property
    def authorizations(self) -> list[str | None]:
        return [auth for _method, _path, auth in self.requests]


Respond = Callable[[http.server.BaseHTTPRequestHandler, Seen], None]


@dataclass
class Server:
    url: str  # http://127.0.0.1:PORT
    seen: Seen


@pytest.fixture
def serve() -> Iterator[Callable[[Respond], Server]]:
    """Start servers that answer every request with ``respond(handler, seen)``; stopped after the test."""
    servers: list[http.server.ThreadingHTTPServer] = []

    def start(respond: Respond) -> Server:
        seen = Seen()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                seen.requests.append((self.command, self.path, self.headers.get("Authorization")))
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    respond(self, seen)
                except OSError:  # the client went away: what the slow and endless servers wait for
                    pass

            do_GET = do_PUT = do_POST

            def log_message(self, *args: object) -> None:
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        servers.append(server)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return Server(f"http://127.0.0.1:{server.server_address[1]}", seen)

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def answer(body: bytes, content_type: str = JSON, status: int = 200) -> Respond:
    def respond(handler: http.server.BaseHTTPRequestHandler, _seen: Seen) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    return respond


def store_answering(body: bytes) -> Respond:
    """A store whose Graph Store (/ds/data) accepts everything and whose query endpoint answers ``body``."""
    def respond(handler: http.server.BaseHTTPRequestHandler, seen: Seen) -> None:
        if handler.path.startswith("/ds/data"):
            handler.send_response(204)
            handler.end_headers()
            return
        answer(body)(handler, seen)

    return respond


def redirect(location: str, code: int = 307, endless: bool = False) -> Respond:
    def respond(handler: http.server.BaseHTTPRequestHandler, _seen: Seen) -> None:
        handler.send_response(code)
        handler.send_header("Location", location)
        handler.end_headers()
        stop = time.monotonic() + 60
        while endless and time.monotonic() < stop:
            handler.wfile.write(b"x" * 65536)

    return respond


def endless(handler: http.server.BaseHTTPRequestHandler, _seen: Seen) -> None:
    """An answer that never ends (no Content-Length; bytes as fast as the client takes them)."""
    handler.send_response(200)
    handler.send_header("Content-Type", JSON)
    handler.end_headers()
    chunk = b" " * 65536
    stop = time.monotonic() + 60
    while time.monotonic() < stop:
        handler.wfile.write(chunk)


def trickle(every: float, headers_too: bool = False) -> Respond:
    """An answer that comes a byte at a time, one every ``every`` seconds (the status line too if
    ``headers_too``): no single read ever waits long, the whole never ends."""
    def respond(handler: http.server.BaseHTTPRequestHandler, _seen: Seen) -> None:
        head = f"HTTP/1.0 200 OK\r\nContent-Type: {JSON}\r\n\r\n".encode()
        if not headers_too:
            handler.wfile.write(head)
            head = b""
        stop = time.monotonic() + 60
        for byte in (head + ROWS_X * 1000):
            if time.monotonic() > stop:
                return
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()
            time.sleep(every)

    return respond


@pytest.fixture
def credentials(monkeypatch: pytest.MonkeyPatch) -> str:
    """Credentials in the environment (where kg takes them from); returns the password."""
    monkeypatch.setenv("KG_ENDPOINT_USER", USER)
    monkeypatch.setenv("KG_ENDPOINT_PASSWORD", PASSWORD)
    monkeypatch.delenv("KG_ENDPOINT_AUTH", raising=False)
    return PASSWORD


def err(result) -> str:
    text = result.stderr.decode()
    assert "Traceback" not in text and "internal error" not in text, text
    return text


# -- 11: credentials go only to the address given ------------------------------------------------------


def test_credentials_are_not_sent_after_a_redirect_to_another_port(serve, credentials: str, built: Path) -> None:
    other = serve(answer(ROWS_X))
    first = serve(redirect(other.url + "/sparql"))
    result = run_kg("query", "-e", SELECT_X, "--endpoint", first.url + "/sparql", cwd=built)
    assert result.returncode == 1
    message = err(result)
    assert "redirects to another address" in message and other.url in message
    assert first.seen.authorizations == [BASIC]  # the address given gets them ...
    assert other.seen.requests == []  # ... the other one gets nothing at all


def test_credentials_are_not_sent_after_a_redirect_to_another_host(serve, credentials: str, built: Path) -> None:
    other = serve(answer(ROWS_X))
    elsewhere = other.url.replace("127.0.0.1", "localhost")  # the same machine, but another host name
    first = serve(redirect(elsewhere + "/sparql", code=302))
    result = run_kg("query", "-e", SELECT_X, "--endpoint", first.url + "/sparql", cwd=built)
    assert result.returncode == 1 and "redirects to another address" in err(result)
    assert other.seen.requests == []


def test_a_push_is_not_sent_after_a_redirect_to_another_port(serve, credentials: str, built: Path) -> None:
    other = serve(store_answering(COUNT_5))
    first = serve(redirect(other.url + "/ds/data"))
    result = run_kg("push", "--endpoint", first.url + "/ds/sparql", cwd=built)
    assert result.returncode == 1
    assert "the store redirects to another address" in err(result)
    assert first.seen.authorizations == [BASIC]
    assert other.seen.requests == []


def test_the_body_of_a_redirect_elsewhere_is_never_read(serve, built: Path) -> None:
    first = serve(redirect("http://127.0.0.1:9/sparql", endless=True))
    started = time.monotonic()
    result = run_kg("query", "-e", SELECT_X, "--endpoint", first.url + "/sparql", "--timeout", "30", cwd=built)
    assert result.returncode == 1 and "redirects to another address" in err(result)
    assert time.monotonic() - started < 20


def test_a_redirect_within_the_same_address_keeps_the_query_and_the_credentials(serve, credentials: str) -> None:
    def respond(handler: http.server.BaseHTTPRequestHandler, seen: Seen) -> None:
        if handler.path == "/old":
            redirect("/sparql", code=308)(handler, seen)
        else:
            answer(ROWS_X)(handler, seen)

    store = serve(respond)
    rows = RemoteGraph(store.url + "/old").select(SELECT_X).rows
    assert [r["x"].value for r in rows] == ["1"]
    assert store.seen.requests == [("POST", "/old", BASIC), ("POST", "/sparql", BASIC)]


# -- 12: bounded answers ------------------------------------------------------------------------------


def test_an_endless_answer_is_refused_at_the_size_limit(serve, built: Path) -> None:
    store = serve(endless)
    started = time.monotonic()
    result = run_kg("query", "-e", SELECT_X, "--endpoint", store.url + "/sparql", "--max-answer-bytes", "1M",
                    cwd=built)
    assert result.returncode == 1
    assert "answer is larger than 1,048,576 bytes" in err(result) and "--max-answer-bytes" in err(result)
    assert time.monotonic() - started < 30


def test_an_answer_announced_larger_than_the_limit_is_not_read(serve) -> None:
    store = serve(answer(b"[" + b" " * 5000 + b"]"))
    with pytest.raises(EndpointError, match="larger than 1,000 bytes"):
        RemoteGraph(store.url + "/sparql", max_answer_bytes=1000).select(SELECT_X)


def test_an_endless_answer_to_a_push_is_refused_at_the_size_limit(serve, built: Path) -> None:
    store = serve(endless)
    result = run_kg("push", "--endpoint", store.url + "/ds/sparql", "--max-answer-bytes", "512K", cwd=built)
    assert result.returncode == 1
    assert "the store's answer is larger than 524,288 bytes" in err(result)


def test_a_trickling_answer_is_stopped_at_the_timeout(serve, built: Path) -> None:
    store = serve(trickle(0.5))  # a byte every half second: no single read waits for 2 s
    started = time.monotonic()
    result = run_kg("query", "-e", SELECT_X, "--endpoint", store.url + "/sparql", "--timeout", "2", cwd=built)
    elapsed = time.monotonic() - started
    assert result.returncode == 1
    assert "the endpoint did not answer within 2 s" in err(result)
    assert elapsed < 2 + 8, elapsed  # the deadline, and the start of a Python process


def test_trickling_headers_are_stopped_at_the_timeout(serve) -> None:
    store = serve(trickle(0.3, headers_too=True))
    started = time.monotonic()
    with pytest.raises(QueryTimeout, match="did not answer within 1 s"):
        RemoteGraph(store.url + "/sparql", timeout=1).select(SELECT_X)
    assert time.monotonic() - started < 3


def test_the_timeout_is_a_deadline_for_the_whole_answer(serve) -> None:
    store = serve(trickle(0.2))
    started = time.monotonic()
    with pytest.raises(QueryTimeout):
        RemoteGraph(store.url + "/sparql", timeout=1.5).select(SELECT_X)
    assert 1.4 < time.monotonic() - started < 3.5


def test_a_trickling_answer_to_a_push_is_stopped_at_the_timeout(serve, built: Path) -> None:
    store = serve(trickle(0.5))
    started = time.monotonic()
    result = run_kg("push", "--endpoint", store.url + "/ds/sparql", "--timeout", "2", cwd=built)
    assert result.returncode == 1
    assert "the store did not answer within 2 s" in err(result)
    assert time.monotonic() - started < 2 + 8


# -- 13: no credentials in any message ------------------------------------------------------------------


@pytest.mark.parametrize("command", ["query", "push"])
def test_a_password_in_the_endpoint_is_never_shown(serve, built: Path, command: str) -> None:
    store = serve(answer(ROWS_X))
    url = store.url.replace("//", f"//{USER}:{PASSWORD}@") + "/ds/sparql"
    args = ("query", "-e", SELECT_X) if command == "query" else ("push",)
    result = run_kg(*args, "--endpoint", url, cwd=built)
    assert result.returncode == 2
    message = err(result)
    assert PASSWORD not in message + result.stdout.decode() and "***@127.0.0.1" in message
    assert "KG_ENDPOINT_PASSWORD" in message
    assert store.seen.requests == []


def test_a_password_in_a_redirect_address_is_never_shown(serve, built: Path) -> None:
    first = serve(redirect(f"http://{USER}:{PASSWORD}@127.0.0.1:9/sparql"))
    result = run_kg("query", "-e", SELECT_X, "--endpoint", first.url + "/sparql", cwd=built)
    assert result.returncode == 1
    assert PASSWORD not in err(result) and "***@127.0.0.1:9" in err(result)


def test_a_stores_error_text_cannot_drive_the_terminal(serve, built: Path) -> None:
    store = serve(answer("\x1b[2J\x1b]0;pwned\x07 \u202eboom".encode(), "text/plain", status=500))
    result = run_kg("query", "-e", SELECT_X, "--endpoint", store.url + "/sparql", cwd=built)
    assert result.returncode == 1
    message = err(result)
    assert "HTTP 500" in message and "\\x1b[2J" in message and "\\u202eboom" in message
    assert "\x1b" not in message and "\x07" not in message and "\u202e" not in message


# -- 14: options checked before anything is sent; malformed answers are errors ----------------------


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e308", "0", "-1", "86401"])
@pytest.mark.parametrize("command", ["query", "push"])
def test_a_timeout_that_is_not_a_number_of_seconds_is_refused_before_anything_is_sent(
        serve, built: Path, command: str, value: str) -> None:
    store = serve(store_answering(COUNT_5))
    args = ("query", "-e", SELECT_X) if command == "query" else ("push",)
    result = run_kg(*args, "--endpoint", store.url + "/ds/sparql", f"--timeout={value}", cwd=built)
    assert result.returncode == 2
    assert "--timeout" in err(result) and "is not a number of seconds" in err(result)
    assert store.seen.requests == []


@pytest.mark.parametrize("value", ["nan", "inf", "1e308"])
def test_a_timeout_that_is_not_a_number_of_seconds_is_refused_for_the_build_too(built: Path, value: str) -> None:
    result = run_kg("query", "-e", SELECT_X, f"--timeout={value}", cwd=built)
    assert result.returncode == 2 and "is not a number of seconds" in err(result)


@pytest.mark.parametrize("graph", ["not an iri", "relative/path", "http://example.org/\u202egraph", ""])
def test_a_push_graph_that_is_not_an_iri_is_refused_before_anything_is_sent(serve, built: Path, graph: str) -> None:
    store = serve(store_answering(COUNT_5))
    result = run_kg("push", "--endpoint", store.url + "/ds/sparql", "--graph", graph, cwd=built)
    assert result.returncode == 2
    assert "--graph" in err(result) and "\u202e" not in err(result)
    assert store.seen.requests == []


def test_a_query_graph_that_is_not_an_iri_is_refused_before_anything_is_sent(serve, built: Path) -> None:
    store = serve(answer(ROWS_X))
    result = run_kg("query", "-e", SELECT_X, "--endpoint", store.url + "/sparql", "--graph", "not an iri",
                    cwd=built)
    assert result.returncode == 2 and "is not an absolute IRI" in err(result)
    assert store.seen.requests == []


@pytest.mark.parametrize("value", ["0", "-5", "lots", "1T", "nan"])
def test_a_max_answer_size_that_is_not_a_size_is_refused(serve, built: Path, value: str) -> None:
    store = serve(answer(ROWS_X))
    result = run_kg("query", "-e", SELECT_X, "--endpoint", store.url + "/sparql", f"--max-answer-bytes={value}",
                    cwd=built)
    assert result.returncode == 2 and "--max-answer-bytes" in err(result)
    assert store.seen.requests == []


def test_max_answer_bytes_without_an_endpoint_is_a_usage_error(built: Path) -> None:
    result = run_kg("query", "-e", SELECT_X, "--max-answer-bytes", "1M", cwd=built)
    assert result.returncode == 2 and "--max-answer-bytes is for --endpoint" in err(result)


def test_an_answer_with_other_variables_than_the_querys_is_an_error(serve, built: Path) -> None:
    store = serve(store_answering(ROWS_X))  # ?x, where the count has ?g and ?n
    result = run_kg("push", "--endpoint", store.url + "/ds/sparql", cwd=built)
    assert result.returncode == 1
    assert "other variables than the query's: ?x instead of ?g ?n" in err(result)
    query = run_kg("query", "-e", "SELECT ?who ?role WHERE { ?who ?role ?o }", "--endpoint", store.url + "/sparql",
                   cwd=built)
    assert query.returncode == 1 and "other variables than the query's" in err(query)


def test_a_count_that_is_not_a_number_is_an_error(serve, built: Path) -> None:
    store = serve(store_answering(COUNT_5.replace(b'"5"', b'"NaNx"')))
    result = run_kg("push", "--endpoint", store.url + "/ds/sparql", cwd=built)
    assert result.returncode == 1
    assert 'a count that is not a whole number: "NaNx"' in err(result)


def test_a_yes_or_no_answer_to_a_select_is_an_error(serve, built: Path) -> None:
    store = serve(answer(b'{"head": {}, "boolean": true}'))
    result = run_kg("query", "-e", SELECT_X, "--endpoint", store.url + "/sparql", cwd=built)
    assert result.returncode == 1 and "unexpected format" in err(result)


@pytest.mark.parametrize("bind", ["127.0.0.1; x", "127.0.0.1 && rm -rf /", "-h", "host\u202e", "999.1.1.1", ""])
def test_a_bind_address_that_is_not_an_address_is_a_usage_error(built: Path, bind: str) -> None:
    result = run_kg("serve", f"--bind={bind}", "--port", "1", cwd=built)
    assert result.returncode == 2
    assert "--bind" in err(result) and "is not an IP address or a host name" in err(result)


# -- 16: endpoint addresses that cannot be used as written ----------------------------------------------


@pytest.mark.parametrize("port", ["99999", "0", "65536", "http", "-1"])
@pytest.mark.parametrize("option", ["--endpoint", "--update-endpoint", "--store-endpoint"])
def test_an_endpoint_port_out_of_range_is_a_usage_error(built: Path, option: str, port: str) -> None:
    url = f"http://127.0.0.1:{port}/query"
    args = ["push", "--endpoint", url] if option == "--endpoint" else \
        ["push", "--endpoint", "http://127.0.0.1:9/query", option, url]
    result = run_kg(*args, cwd=built)
    assert result.returncode == 2
    assert f"{option} {url} has a port that is not a number from 1 to 65535" in err(result)


@pytest.mark.parametrize("char", ["\u202e", "\u2066", "\u200f", "\u200b", "\x1b", "\n", "\t", " ", "\x7f", "\x85"])
@pytest.mark.parametrize("command", ["query", "push"])
def test_an_endpoint_with_bidi_or_control_characters_is_a_usage_error(built: Path, command: str, char: str) -> None:
    url = f"http://127.0.0.1:9/que{char}ry"
    args = ("query", "-e", SELECT_X) if command == "query" else ("push",)
    result = run_kg(*args, "--endpoint", url, cwd=built)
    assert result.returncode == 2
    message = err(result)
    assert "holds an invisible character" in message and f"U+{ord(char):04X}" in message
    if char != " ":
        assert char not in message.rstrip("\n") and f"que{repr(char)[1:-1]}ry" in message


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/query", "http:///query", "127.0.0.1:7878/query",
                                 "http://[::1/query", "http://exämple.org/query"])
def test_an_endpoint_that_is_not_an_http_address_is_a_usage_error(url: str) -> None:
    with pytest.raises(UsageError):
        check_endpoint(url)


def test_the_cli_names_the_same_default_answer_limit_as_the_library() -> None:
    from kg.cli import DEFAULT_MAX_ANSWER

    assert answer_limit(DEFAULT_MAX_ANSWER) == MAX_ANSWER_BYTES == answer_limit(None)
    assert answer_limit("512K") == 524_288 and answer_limit(2048) == 2048 and answer_limit("1 GiB") == 1024 ** 3
