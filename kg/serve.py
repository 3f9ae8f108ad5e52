"""A read-only SPARQL endpoint over the built graph: the Oxigraph server (the ``oxigraph`` package on
PyPI), not a home-made one, behind a small front in this process.

The build's ``kg.nt`` (checked against its manifest, as every reader does) is loaded into a fresh
Oxigraph store in a temporary folder beside the build (or in the system's temporary folder when the
build folder cannot be written), into the named graph :data:`kg.namespaces.GRAPH`, queried as the union
default graph, so queries work with or without ``default-graph-uri``. The server runs
``serve-read-only`` on it, on a free loopback port, so the protocol's update operations are refused.

The front listens on the address the user chose and forwards to the server what a read-only endpoint
needs (queries, the query UI and its assets, the graph store's reads). It refuses what the server
cannot be told to refuse: a query that calls another endpoint (``SERVICE``: the server would send a
request to any address the query names), a query nested deep enough to overflow the server's stack
(:mod:`kg.sparql_limits`), a request larger than the limit, and an answer that takes longer than the
time limit (the server's own limit is not checked inside every loop of its evaluation).

The server dies with the process that started it (``PR_SET_PDEATHSIG`` on Linux), and each store
folder holds the process id of its ``kg serve``, so a store left by a killed one is removed by the next.
"""

from __future__ import annotations

import errno
import http.client
import http.server
import math
import os
import re
import resource
import select
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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kg.errors import BuildMissing, KgError, UsageError
from kg.isolated import parse_size
from kg.namespaces import GRAPH
from kg.sparql_limits import QueryRefused, check_served_query

#: Defaults of ``kg serve --timeout``, ``--max-memory`` and ``--max-request-bytes``.
DEFAULT_TIMEOUT = 60.0
DEFAULT_MAX_MEMORY = "4G"
DEFAULT_MAX_REQUEST = "1M"
MAX_TIMEOUT = 86_400.0
#: The server's address space is bounded (RLIMIT_AS); below this it cannot even open the store.
MIN_MEMORY = 256 * 1024**2
MIN_REQUEST, MAX_REQUEST = 1024, 1024**3
SERVE_PREFIX = ".serve-"
_SERVE_NAME = re.compile(re.escape(SERVE_PREFIX) + r"[a-z0-9_]{8}")
OWNER_FILE = "owner.pid"
#: A store folder without an owner file is left alone this long: its ``kg serve`` may be writing it.
_UNOWNED_GRACE = 60.0
_QUERY_PATHS = ("/query", "/sparql")
_QUERY_TYPES = ("application/sparql-query", "application/x-www-form-urlencoded")
_PASSED_HEADERS = ("content-type", "content-disposition", "cache-control", "vary", "last-modified", "etag")
_PR_SET_PDEATHSIG = 1


class ServerError(KgError):
    """The Oxigraph server could not be found, prepared or started."""


@dataclass(frozen=True)
class Limits:
    """What the endpoint allows: seconds per request, bytes of memory for the server, bytes per request."""

    timeout: float = DEFAULT_TIMEOUT
    max_memory: int = 4 * 1024**3
    max_request_bytes: int = 1024**2


def check_limits(timeout: float | str = DEFAULT_TIMEOUT, max_memory: int | str = DEFAULT_MAX_MEMORY,
                 max_request_bytes: int | str = DEFAULT_MAX_REQUEST) -> Limits:
    """The limits of ``kg serve`` (sizes as bytes or ``512M``, ``4G``), or a :class:`UsageError`
    naming the option: nan, infinite, negative and absurd values are refused."""
    try:
        seconds = float(timeout)
    except (TypeError, ValueError):
        seconds = math.nan
    if not 0 < seconds <= MAX_TIMEOUT:  # also false for nan
        raise UsageError(f"--timeout {str(timeout)[:40]!r} is not a number of seconds above 0 and at most "
                         f"{MAX_TIMEOUT:,.0f}", hint="e.g. --timeout 60")
    memory = _size(max_memory, "--max-memory", MIN_MEMORY, 2**50, "e.g. --max-memory 4G")
    request = _size(max_request_bytes, "--max-request-bytes", MIN_REQUEST, MAX_REQUEST, "e.g. --max-request-bytes 1M")
    return Limits(seconds, memory, request)


def _size(value: int | str, option: str, low: int, high: int, hint: str) -> int:
    try:
        size = value if isinstance(value, int) else parse_size(str(value))
    except (ValueError, IndexError, OverflowError):
        raise UsageError(f"{option} {str(value)[:40]!r} is not a size", hint=hint + " (bytes, or K, M, G)") from None
    if not low <= size <= high:
        raise UsageError(f"{option} {str(value)[:40]!r} is out of range: give {_shown(low)} to {_shown(high)}",
                         hint=hint)
    return size


def _shown(size: int) -> str:
    for unit, scale in (("T", 1024**4), ("G", 1024**3), ("M", 1024**2), ("K", 1024)):
        if size >= scale and size % scale == 0:
            return f"{size // scale}{unit}"
    return f"{size} bytes"


def oxigraph_binary() -> str:
    """The ``oxigraph`` command: beside this Python (a virtual environment) or on the PATH."""
    here = Path(sys.executable).parent / "oxigraph"
    if here.is_file() and os.access(here, os.X_OK):
        return str(here)
    found = shutil.which("oxigraph")
    if found:
        return found
    raise ServerError("the Oxigraph server is not installed", hint="pip install oxigraph")


def checked_data(build: Path) -> Path:
    """``build/kg.nt`` when it matches the build's manifest (the check every reader of a build makes),
    else :class:`BuildMissing`."""
    from kg.build_dir.layout import OUTPUT_NAME, display_path
    from kg.build_dir.reading import _read_manifest, _sha256_of

    path = build / f"{OUTPUT_NAME}.nt"
    _manifest, expected = _read_manifest(build)
    if _sha256_of(path, build) != expected:
        _manifest, expected = _read_manifest(build)  # a build may have committed in between: look once more
        if _sha256_of(path, build) != expected:
            raise BuildMissing(f"{path.name} does not match its manifest (an interrupted build, or an edited file)",
                               file=display_path(path), hint="run kg build again")
    return path


def _start_time(pid: int) -> str:
    """The start time of process ``pid`` (clock ticks since boot), '' when unknown, 'dead' for a zombie:
    with the pid it names a process, even after the pid is reused."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return "dead" if fields[0] in ("Z", "X") else fields[19]
    except (OSError, IndexError):
        return ""


def _owner_alive(folder: Path) -> bool:
    try:
        pid_text, _, started = (folder / OWNER_FILE).read_text(encoding="ascii").strip().partition(" ")
        pid = int(pid_text)
    except FileNotFoundError:
        try:
            return time.time() - folder.stat().st_mtime < _UNOWNED_GRACE
        except OSError:
            return False
    except (OSError, ValueError):
        return True  # unreadable: not ours to judge
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # another user's live process
    now = _start_time(pid)
    return now != "dead" and not (started and now and now != started)


def remove_stale_stores(*folders: Path) -> list[Path]:
    """Remove the store folders (``.serve-`` and 8 characters) in ``folders`` whose ``kg serve`` is no
    longer running; the folders removed. A folder without an owner file (an earlier kg's) counts as
    stale once it is a minute old, but only in a build folder, never in the system's temporary folder."""
    system = Path(tempfile.gettempdir()).resolve()
    removed = []
    for folder in folders:
        try:
            entries = list(folder.iterdir())
        except OSError:
            continue
        for entry in entries:
            if not _SERVE_NAME.fullmatch(entry.name) or entry.is_symlink() or not entry.is_dir():
                continue
            if folder.resolve() == system and not (entry / OWNER_FILE).is_file():
                continue
            if not _owner_alive(entry):
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(entry)
    return removed


def store_folder(build: Path) -> Path:
    """A new store folder owned by this process: in ``build``, or in the system's temporary folder
    when ``build`` cannot be written (a read-only build is served all the same)."""
    try:
        folder = Path(tempfile.mkdtemp(prefix=SERVE_PREFIX, dir=build))
    except OSError:
        try:
            folder = Path(tempfile.mkdtemp(prefix=SERVE_PREFIX))
        except OSError as exc:
            raise ServerError(f"cannot create a temporary store: {exc.strerror}", file=str(build),
                              hint="make the build folder or the temporary folder (TMPDIR) writable") from exc
    pid = os.getpid()
    (folder / OWNER_FILE).write_text(f"{pid} {_start_time(pid)}\n", encoding="ascii")
    return folder


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _child_setup(max_memory: int | None) -> Callable[[], None]:
    """What the server's process does between fork and exec: die with this process, and bound its
    memory. Everything it needs is looked up here, before the fork."""
    parent = os.getpid()
    prctl = None
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            prctl = ctypes.CDLL(None, use_errno=True).prctl
        except (OSError, AttributeError):
            prctl = None

    def setup() -> None:
        if prctl is not None:
            # Sent when the thread that started the server ends: kg serve starts it from the main thread.
            prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the line above: it will never be told
            os._exit(1)
        if max_memory:
            resource.setrlimit(resource.RLIMIT_AS, (max_memory, max_memory))

    return setup


class Server:
    """A running read-only Oxigraph server over a build, behind the front. Use as a context manager,
    or call :meth:`stop`. Start it from a thread that outlives it (the server is killed when the
    thread that started it ends)."""

    def __init__(self, build: str | Path = "build", host: str = "127.0.0.1", port: int = 7878,
                 startup_timeout: float = 60.0, *, timeout: float | str = DEFAULT_TIMEOUT,
                 max_memory: int | str = DEFAULT_MAX_MEMORY,
                 max_request_bytes: int | str = DEFAULT_MAX_REQUEST) -> None:
        self.limits = check_limits(timeout, max_memory, max_request_bytes)
        if not 0 < port < 65536:
            raise UsageError(f"port {port} is out of range", "give a port between 1 and 65535")
        build = Path(build)
        data = checked_data(build)
        binary = oxigraph_binary()
        self.host, self.port = host, port
        self.process: subprocess.Popen[bytes] | None = None
        self.front: _Front | None = None
        self._thread: threading.Thread | None = None
        self.location: Path | None = None
        remove_stale_stores(build, Path(tempfile.gettempdir()))
        try:
            self.front = _Front(host, port, self.limits)  # first: a port in use is said before the load
            self.location = store_folder(build)
            store = self.location / "store"
            setup = _child_setup(None)
            loaded = subprocess.run([binary, "load", "--location", str(store), "--file", str(data),
                                     "--graph", GRAPH], capture_output=True, preexec_fn=setup)
            if loaded.returncode != 0:
                raise ServerError("Oxigraph could not load the build",
                                  hint=loaded.stderr.decode("utf-8", "replace").strip()[-300:])
            checked_data(build)  # the build did not change while it was loaded
            self.upstream = _free_port()
            # Oxigraph's own limit is a backstop: the front answers at the limit, a second earlier.
            self.process = subprocess.Popen(
                [binary, "serve-read-only", "--location", str(store), "--bind", f"127.0.0.1:{self.upstream}",
                 "--union-default-graph", "--timeout-s", str(math.ceil(self.limits.timeout) + 1)],
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                preexec_fn=_child_setup(self.limits.max_memory))
            self._wait_until_ready(startup_timeout)
            self.front.upstream = self.upstream
            self._thread = threading.Thread(target=self.front.serve_forever, name="kg-serve-front", daemon=True)
            self._thread.start()
        except BaseException:
            self.stop()
            raise

    @property
    def url(self) -> str:
        """The endpoint's base address (its query UI)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    @property
    def query_url(self) -> str:
        """The SPARQL query endpoint."""
        return self.url + "query"

    def _wait_until_ready(self, limit: float) -> None:
        deadline = time.monotonic() + limit
        probe = f"http://127.0.0.1:{self.upstream}/query?query=ASK%7B%7D"
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                err = (self.process.stderr.read() if self.process.stderr else b"").decode("utf-8", "replace")
                raise ServerError(f"the Oxigraph server stopped at start (exit {self.process.returncode})",
                                  hint=err.strip()[-300:] or "see the message above")
            try:
                with urllib.request.urlopen(probe, timeout=2) as response:
                    response.read()
                return
            except (urllib.error.URLError, OSError):
                time.sleep(0.1)
        raise ServerError(f"the Oxigraph server did not answer within {limit:g} s", hint="see its log")

    def wait(self) -> int:
        """Block until the server exits; its exit code."""
        assert self.process is not None
        return self.process.wait()

    def stop(self) -> None:
        """Stop the front and the server and remove the store."""
        if self.front is not None:
            if self._thread is not None:
                self.front.shutdown()
            self.front.server_close()
            self.front = None
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.location is not None:
            shutil.rmtree(self.location, ignore_errors=True)

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _Front(http.server.ThreadingHTTPServer):
    """The address the user chose: checks each request, forwards it to the server on loopback."""

    daemon_threads = True

    def __init__(self, host: str, port: int, limits: Limits) -> None:
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.limits = limits
        self.upstream = 0
        try:
            super().__init__((host, port), _Handler)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise ServerError(f"port {port} is already in use", hint="give another with --port") from None
            raise ServerError(f"cannot listen on {host} port {port}: {exc.strerror}",
                              hint="check --bind and --port") from None


class _Refusal(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class _Handler(http.server.BaseHTTPRequestHandler):
    """One request at the front."""

    server: _Front
    protocol_version = "HTTP/1.1"  # a cut answer is then seen as cut (its chunked body has no end)
    timeout = 30  # seconds a client may take to send its request
    server_version = "kg-serve"

    def handle_one_request(self) -> None:
        # As the base class does, but the request line (the URL) is bounded by --max-request-bytes.
        limit = self.server.limits.max_request_bytes
        try:
            self.raw_requestline = self.rfile.readline(limit + 1)
            if len(self.raw_requestline) > limit:
                self.requestline, self.request_version, self.command = "", "HTTP/1.1", ""
                self._answer(413, f"the request is larger than the limit ({_shown(limit)}, --max-request-bytes)")
                return
            if not self.raw_requestline:
                self.close_connection = True
                return
            if not self.parse_request():
                return
            self.close_connection = True  # one request per connection: simpler to bound
            method = {"GET": self._forward, "HEAD": self._forward, "POST": self._post}.get(self.command)
            if method is None:
                self._answer(405 if self.command != "PUT" and self.command != "DELETE" else 403,
                             "this endpoint is read-only: GET and POST of queries only")
                return
            method()
            self.wfile.flush()
        except _Refusal as refusal:
            self._answer(refusal.status, str(refusal))
        except (TimeoutError, ConnectionError):
            self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:
        pass  # the server printed nothing per request before the front either

    def _answer(self, status: int, message: str) -> None:
        body = (message + "\n").encode("utf-8")
        self.close_connection = True
        try:
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            self.wfile.flush()
        except OSError:
            pass

    def _split(self) -> tuple[str, list[tuple[str, str]]]:
        path, _, query = self.path.partition("?")
        pairs = urllib.parse.parse_qsl(query, keep_blank_values=True, max_num_fields=1000) if query else []
        return path, pairs

    def _checked(self, pairs: list[tuple[str, str]]) -> None:
        for name, value in pairs:
            if name == "query":
                try:
                    check_served_query(value)
                except QueryRefused as exc:
                    raise _Refusal(400, str(exc)) from None

    def _post(self) -> None:
        path, pairs = self._split()
        kind = self.headers.get_content_type()
        if path not in _QUERY_PATHS or kind not in _QUERY_TYPES:
            if kind == "application/sparql-update" or path not in _QUERY_PATHS:
                raise _Refusal(403, "this endpoint is read-only: updates are refused")
            raise _Refusal(415, f"a query is sent as {' or '.join(_QUERY_TYPES)}")
        if self.headers.get("Transfer-Encoding") or self.headers.get("Content-Encoding"):
            raise _Refusal(411, "send the query with a Content-Length and no encoding")
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            raise _Refusal(411, "send the query with a Content-Length") from None
        limit = self.server.limits.max_request_bytes
        if length > limit or length < 0:
            self._refuse_large(limit)
            return
        body = self.rfile.read(length)
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise _Refusal(400, "the request is not UTF-8 text") from None
        if kind == "application/sparql-query":
            self._checked([*pairs, ("query", text)])
        else:
            form = urllib.parse.parse_qsl(text, keep_blank_values=True, max_num_fields=1000)
            self._checked(pairs + form)
            body = urllib.parse.urlencode(form, quote_via=urllib.parse.quote).encode("ascii")
        self._relay(path, pairs, body, kind)

    def _refuse_large(self, limit: int) -> None:
        self._answer(413, f"the request is larger than the limit ({_shown(limit)}, --max-request-bytes)")
        # Read (and drop) at most the limit, so that the client sees the answer rather than a reset.
        try:
            self.connection.shutdown(socket.SHUT_WR)
            self.connection.settimeout(1.0)
            left = limit
            while left > 0:
                chunk = self.connection.recv(min(left, 65536))
                if not chunk:
                    break
                left -= len(chunk)
        except OSError:
            pass

    def _forward(self) -> None:
        path, pairs = self._split()
        self._checked(pairs)
        self._relay(path, pairs, None, None)

    def _relay(self, path: str, pairs: list[tuple[str, str]], body: bytes | None, kind: str | None) -> None:
        """Send the request (as checked, re-encoded) to the server; stream its answer back until the
        time limit."""
        deadline = time.monotonic() + self.server.limits.timeout
        target = path + ("?" + urllib.parse.urlencode(pairs, quote_via=urllib.parse.quote) if pairs else "")
        headers = {"Accept": self.headers.get("Accept", "*/*"), "Connection": "close"}
        if kind is not None:
            headers["Content-Type"] = kind
        upstream = http.client.HTTPConnection("127.0.0.1", self.server.upstream, timeout=10)
        try:
            try:
                upstream.request(self.command, target, body=body, headers=headers)
            except OSError:
                raise _Refusal(502, "the SPARQL engine is not answering") from None
            if not self._await(upstream, deadline):
                return
            try:
                response = upstream.getresponse()
            except (OSError, http.client.HTTPException):
                raise _Refusal(502, "the SPARQL engine stopped answering") from None
            self._stream(response, deadline)
        finally:
            upstream.close()  # also tells the server that nobody waits for its answer any more

    def _await(self, upstream: http.client.HTTPConnection, deadline: float) -> bool:
        """Wait for the server's first bytes; False when the client left or the time ran out (answered)."""
        assert upstream.sock is not None
        watched = [upstream.sock, self.connection]
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise _Refusal(503, f"the query ran longer than {self.server.limits.timeout:g} s and was stopped "
                                    "(narrow it: LIMIT, filters; kg serve --timeout sets the limit)")
            ready, _, _ = select.select(watched, [], [], min(left, 0.5))
            if upstream.sock in ready:
                upstream.sock.settimeout(max(deadline - time.monotonic(), 0.1))
                return True
            if self.connection in ready:
                try:
                    if not self.connection.recv(1, socket.MSG_PEEK):
                        return False  # the client is gone
                except OSError:
                    return False
                watched = [upstream.sock]  # it sent more: no longer a sign of leaving

    def _stream(self, response: http.client.HTTPResponse, deadline: float) -> None:
        self.send_response_only(response.status, response.reason)
        self.send_header("Date", self.date_time_string())
        for name in _PASSED_HEADERS:
            value = response.getheader(name)
            if value is not None:
                self.send_header(name, value)
        length = response.getheader("content-length")
        chunked = length is None and self.command != "HEAD"
        if length is not None:
            self.send_header("Content-Length", length)
        elif chunked:
            self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Connection", "close")
        self.end_headers()
        while self.command != "HEAD":
            if time.monotonic() > deadline:
                return  # cut: without its last chunk the answer is seen as incomplete
            try:
                chunk = response.read1(65536)
            except (OSError, http.client.HTTPException):
                return
            if not chunk:
                break
            self.wfile.write(b"%x\r\n%b\r\n" % (len(chunk), chunk) if chunked else chunk)
        if chunked:
            self.wfile.write(b"0\r\n\r\n")
