"""kg serve against hostile or careless use, with the real Oxigraph server on free loopback ports: no
outgoing request (SERVICE), no crash on a deep query, limits on time, size and memory, no server or
store left behind when kg serve is killed, and the build checked as every reader checks it."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import run_kg
from test_endpoint import free_port, oxigraph

from kg.endpoint.serve import Server, remove_stale_stores, store_folder
from kg.sparql_limits import MAX_DEPTH, FederationRefused, QueryTooDeep, check_query, check_served_query, scan

DEEP = "SELECT * WHERE " + "{" * 3000 + " ?s ?p ?o " + "}" * 3000


@pytest.fixture
def project(small_built: Path, tmp_path: Path) -> Path:
    """A copy of the small world's build (a few thousand triples) that a test may change."""
    shutil.copytree(small_built / "build", tmp_path / "build", ignore=shutil.ignore_patterns(".serve-*"))
    return tmp_path


@pytest.fixture
def server(project: Path) -> Iterator[Server]:
    oxigraph()
    with Server(project / "build", "127.0.0.1", free_port(), timeout=2) as running:
        yield running


def ask(url: str, data: bytes | None = None, headers: dict[str, str] | None = None,
        timeout: float = 20) -> tuple[int, str, bytes]:
    """Status, content type and body of one request (an error status is an answer too)."""
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type", ""), exc.read()


class Listener:
    """A TCP listener that records every connection made to it."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            conn.close()


# 6. SSRF --------------------------------------------------------------------------------------------


def test_a_service_query_makes_no_outgoing_request_and_gets_400(server: Server) -> None:
    listener = Listener()
    query = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{listener.port}/x> {{ ?s ?p ?o }} }}"
    answers = [
        ask(server.query_url + "?" + urllib.parse.urlencode({"query": query})),
        ask(server.query_url, query.encode(), {"Content-Type": "application/sparql-query"}),
        ask(server.url + "sparql", urllib.parse.urlencode({"query": query}).encode(),
            {"Content-Type": "application/x-www-form-urlencoded"}),
        ask(server.query_url + "?" + urllib.parse.urlencode({"query": query.replace("SERVICE", "service")})),
    ]
    time.sleep(0.5)
    assert listener.connections == 0
    for status, kind, body in answers:
        assert status == 400 and kind.startswith("text/plain")
        assert b"SERVICE" in body
    # The listener does record a connection: its silence above means something.
    socket.create_connection(("127.0.0.1", listener.port)).close()
    time.sleep(0.2)
    assert listener.connections == 1


def test_service_inside_strings_iris_and_comments_is_not_the_keyword() -> None:
    for text in ["SELECT * { ?s ?p 'SERVICE' }", "SELECT * { ?s ?p '''a '' SERVICE''' }",
                 'SELECT * { ?s ?p """a "" \\" SERVICE""" }', "SELECT * { ?s ?p <http://SERVICE/> }",
                 "SELECT * { ?s ?p ?o } # SERVICE <x> { }", "SELECT ?SERVICE { ?s ex:SERVICE $SERVICE }",
                 "SELECT * { ?s ?p 'a\\' SERVICE' }"]:
        assert not scan(text).service, text
        check_served_query(text)
    for text in ["SELECT * { service<http://x>{ ?s ?p ?o } }", "SELECT * { ?s ?p 'a' .SERVICE <x> { } }",
                 "SELECT * { FILTER(?a<?b) SERVICE <x> { } }", "SELECT * { ?s ?p ?o } #x\rSERVICE <x> { }"]:
        with pytest.raises(FederationRefused):
            check_served_query(text)


def test_the_front_passes_queries_and_serves_its_own_query_page(server: Server) -> None:
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o FILTER(?o != 'SERVICE') }"
    status, kind, body = ask(server.query_url + "?" + urllib.parse.urlencode({"query": count}),
                             headers={"Accept": "text/csv"})
    assert (status, kind.split(";")[0]) == (200, "text/csv") and int(body.decode().split()[1]) > 300
    status, kind, body = ask(server.query_url, b"ASK { ?s ?p ?o }", {"Content-Type": "application/sparql-query",
                                                                       "Accept": "application/sparql-results+json"})
    assert (status, kind, body.replace(b" ", b"")) == (200, "application/sparql-results+json",
                                                       b'{"head":{},"boolean":true}')
    status, kind, body = ask(server.url + "sparql", b"query=ASK+%7B%7D", {"Content-Type":
                                                                          "application/x-www-form-urlencoded"})
    assert status == 200 and b"true" in body
    status, kind, page = ask(server.url)  # our query page (tests/test_endpoint_page.py), not Oxigraph's
    assert status == 200 and kind.startswith("text/html") and b"/kg-endpoint/page.js" in page
    for asset in ("kg-endpoint/page.js", "kg-endpoint/page.css"):
        assert ask(server.url + asset)[0] == 200, asset
    for asset in ("yasgui.min.js", "yasgui.min.css", "logo.svg"):
        assert ask(server.url + asset)[0] == 404, asset
    status, _, _ = ask(server.url + "update", b"update=DROP+ALL", {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 403


# 7. Deep queries ----------------------------------------------------------------------------------


def test_a_deep_query_is_refused_by_the_endpoint_and_the_server_still_answers(server: Server) -> None:
    status, _, body = ask(server.query_url, DEEP.encode(), {"Content-Type": "application/sparql-query"})
    assert status == 400 and b"nests 3,000 levels deep" in body
    status, _, body = ask(server.query_url + "?query=ASK%7B%7D")
    assert status == 200 and b"true" in body
    fine = "SELECT * WHERE " + "{" * MAX_DEPTH + " ?s ?p ?o " + "}" * MAX_DEPTH + " LIMIT 1"
    assert ask(server.query_url, fine.encode(), {"Content-Type": "application/sparql-query"})[0] == 200


def test_a_deep_query_in_the_library_is_refused_not_a_crash(small_built: Path) -> None:
    script = ("import sys\nfrom kg.graph import KnowledgeGraph\nfrom kg.sparql_limits import QueryTooDeep\n"
              "g = KnowledgeGraph.from_file(sys.argv[1], 'nt')\ntry:\n    g.query(sys.argv[2])\n"
              "except QueryTooDeep as exc:\n    print(exc)\n")
    result = subprocess.run([sys.executable, "-c", script, str(small_built / "build" / "kg.nt"), DEEP],
                            capture_output=True, timeout=120)
    assert result.returncode == 0, result.stderr.decode()
    assert "nests 3,000 levels deep" in result.stdout.decode()
    with pytest.raises(QueryTooDeep):
        check_query("SELECT * { FILTER(" + "!" * 500 + "?x) }")


def test_a_deep_query_on_the_command_line_is_refused_without_a_crash(small_built: Path) -> None:
    result = run_kg("query", "-e", "SELECT * WHERE " + "{" * 10_000 + " ?s ?p ?o " + "}" * 10_000, cwd=small_built)
    err = result.stderr.decode()
    assert result.returncode in (1, 2) and "levels deep" in err and "Traceback" not in err


# 8. Limits ----------------------------------------------------------------------------------------


def test_a_long_query_gets_an_error_answer_within_the_time_limit(server: Server) -> None:
    product = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    start = time.monotonic()
    status, _, body = ask(server.query_url + "?" + urllib.parse.urlencode({"query": product}), timeout=30)
    assert time.monotonic() - start < 6
    assert status == 503 and b"ran longer than 2 s" in body


def test_a_request_larger_than_the_limit_gets_413_unread(project: Path) -> None:
    oxigraph()
    with Server(project / "build", "127.0.0.1", free_port(), max_request_bytes="4K") as server:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as conn:
            # Headers only: the 413 comes without the 2 MB body being sent.
            conn.sendall(b"POST /query HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                         b"Content-Length: 2000000\r\n\r\n")
            assert conn.recv(100).startswith(b"HTTP/1.1 413")
        long_url = server.query_url + "?query=" + "A" * 5000
        assert ask(long_url)[0] == 413
        status, _, body = ask(server.query_url, b"ASK {}" + b" " * 5000, {"Content-Type": "application/sparql-query"})
        assert status == 413 and b"--max-request-bytes" in body
        assert ask(server.query_url + "?query=ASK%7B%7D")[0] == 200


@pytest.mark.parametrize("option", [("--timeout", "nan"), ("--timeout", "inf"), ("--timeout", "-1"),
                                    ("--timeout", "1e308"), ("--max-memory", "nan"), ("--max-memory", "-4G"),
                                    ("--max-memory", "1e30G"), ("--max-memory", "1K"),
                                    ("--max-request-bytes", "inf"), ("--max-request-bytes", "0"),
                                    ("--max-request-bytes", "5T")], ids=" ".join)
def test_serve_limits_are_checked_before_anything_starts(project: Path, option: tuple[str, str]) -> None:
    result = run_kg("serve", "--port", str(free_port()), *option, cwd=project)
    err = result.stderr.decode()
    assert result.returncode == 2 and option[0] in err and "unrecognized" not in err and "Traceback" not in err
    assert not list((project / "build").glob(".serve-*"))


# 9. The server dies with kg serve; stale stores ---------------------------------------------------


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state in ("Z", "X")


def _start_serve(project: Path, port: int) -> tuple[subprocess.Popen[bytes], int]:
    process = subprocess.Popen([sys.executable, "-m", "kg", "serve", "--port", str(port)], cwd=project,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None
    assert process.stdout.readline().startswith(b"SPARQL endpoint:"), process.stderr.read() if process.stderr else ""
    children = [c for c in _children(process.pid) if b"serve-read-only" in Path(f"/proc/{c}/cmdline").read_bytes()]
    assert len(children) == 1
    return process, children[0]


def _upstream_port(child: int) -> int:
    args = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
    return int(args[args.index(b"--bind") + 1].rsplit(b":", 1)[1])


def _refused(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except ConnectionRefusedError:
        return True
    return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal is Linux's")
def test_kill_9_of_kg_serve_takes_the_server_down_and_the_next_removes_the_store(project: Path) -> None:
    oxigraph()
    process, child = _start_serve(project, free_port())
    upstream = _upstream_port(child)
    stale = list((project / "build").glob(".serve-*"))
    assert len(stale) == 1
    process.kill()
    process.wait()
    deadline = time.monotonic() + 5
    while not (_gone(child) and _refused(upstream)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _gone(child) and _refused(upstream)
    again, _ = _start_serve(project, free_port())
    try:
        assert not stale[0].exists()
        assert len(list((project / "build").glob(".serve-*"))) == 1
    finally:
        again.send_signal(signal.SIGTERM)
        again.wait(timeout=20)


def test_sigterm_stops_kg_serve_and_leaves_no_store(project: Path) -> None:
    oxigraph()
    process, child = _start_serve(project, free_port())
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=20) == 0
    assert _gone(child)
    assert not list((project / "build").glob(".serve-*"))


def test_stale_stores_are_those_whose_kg_serve_is_gone(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    mine, theirs, unowned = (tmp_path / ".serve-aaaaaaaa", tmp_path / ".serve-bbbbbbbb", tmp_path / ".serve-cccccccc")
    for folder in (mine, theirs, unowned):
        folder.mkdir()
    (mine / "owner.pid").write_text(f"{os.getpid()}\n")
    (theirs / "owner.pid").write_text(f"{dead.pid}\n")
    assert remove_stale_stores(tmp_path) == [theirs]
    os.utime(unowned, (time.time() - 3600, time.time() - 3600))
    assert remove_stale_stores(tmp_path) == [unowned]
    assert mine.exists()


# 10. The build is checked --------------------------------------------------------------------------


def test_kg_serve_refuses_a_build_that_does_not_match_its_manifest(project: Path) -> None:
    with (project / "build" / "kg.nt").open("a", encoding="utf-8") as fh:
        fh.write("<http://example.org/a> <http://example.org/b> <http://example.org/c> .\n")
    # kg.nt is served, and checked, when the build's store cannot be used (tests/test_build_store.py).
    shutil.rmtree(project / "build" / "kg.oxigraph")
    served = run_kg("serve", "--port", str(free_port()), cwd=project)
    queried = run_kg("query", "-e", "ASK {}", cwd=project)
    assert served.returncode == queried.returncode == 1
    message = "kg.nt does not match its manifest"
    assert message in served.stderr.decode() and message in queried.stderr.decode()
    assert not list((project / "build").glob(".serve-*"))


# 14. A build folder that cannot be written ---------------------------------------------------------


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs /proc, where nobody may create a folder")
def test_the_store_goes_to_the_temporary_folder_when_the_build_cannot_be_written() -> None:
    folder = store_folder(Path("/proc/self"))  # mkdir fails there even for root
    try:
        assert folder.parent == Path(tempfile.gettempdir())
        assert (folder / "owner.pid").read_text().split()[0] == str(os.getpid())
    finally:
        shutil.rmtree(folder)


@contextlib.contextmanager
def _read_only(folder: Path) -> Iterator[None]:
    """``folder`` read-only for kg: its write bits off, or, for root (who writes anyway), a read-only bind
    mount of it over itself."""
    if os.geteuid() != 0:
        for path in [folder, *folder.rglob("*")]:
            path.chmod(path.stat().st_mode & ~0o222)
        try:
            yield
        finally:
            for path in [folder, *folder.rglob("*")]:
                path.chmod(path.stat().st_mode | 0o200)
        return
    mounted = subprocess.run(["mount", "--bind", str(folder), str(folder)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"root cannot make a read-only folder here (mount: {mounted.stderr.decode().strip()})")
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(folder)], check=True, capture_output=True)
        yield
    finally:
        subprocess.run(["umount", str(folder)], check=True, capture_output=True)


def test_kg_serve_serves_a_read_only_build(project: Path) -> None:
    oxigraph()
    build = project / "build"
    with _read_only(build):
        with pytest.raises(OSError):
            (build / "probe").write_text("x", encoding="utf-8")
        process, _ = _start_serve(project, free_port())
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0, process.stderr.read() if process.stderr else ""
    assert not list(build.glob(".serve-*"))
