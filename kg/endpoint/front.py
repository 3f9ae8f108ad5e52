"""The front of ``kg serve`` (:mod:`kg.endpoint.serve`): the address the user chose, which checks each request
and forwards what a read-only endpoint needs to the Oxigraph server on loopback, streaming its answer
back until the time limit. It refuses a query that calls another endpoint (``SERVICE``), a query nested
too deep (:mod:`kg.sparql_limits`), updates, a request larger than the limit, and an answer that takes
longer than the time limit. It serves the query page itself (:mod:`kg.endpoint.page`) at ``/``; the
Oxigraph server's own page (which asks an outside host for prefixes) is not served."""

from __future__ import annotations

import errno
import http.client
import http.server
import select
import socket
import time
import urllib.parse

from kg.endpoint.limits import Limits, ServerError, shown_size
from kg.endpoint.page import HEADERS, Asset, page_assets
from kg.sparql_limits import QueryRefused, check_served_query

_QUERY_PATHS = ("/query", "/sparql")
_QUERY_TYPES = ("application/sparql-query", "application/x-www-form-urlencoded")
#: What GET and HEAD may read from the server: queries and the Graph Store's reads, nothing else.
_READ_PATHS = (*_QUERY_PATHS, "/store")
_PASSED_HEADERS = ("content-type", "content-disposition", "cache-control", "vary", "last-modified", "etag")


class Front(http.server.ThreadingHTTPServer):
    """The address the user chose: checks each request, forwards it to the server on loopback."""

    daemon_threads = True

    def __init__(self, host: str, port: int, limits: Limits) -> None:
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.limits = limits
        self.upstream = 0
        self.assets: dict[str, Asset] = page_assets()  # read once, before the port is taken
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

    server: Front
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
                self._answer(413, f"the request is larger than the limit ({shown_size(limit)}, --max-request-bytes)")
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
        self._answer(413, f"the request is larger than the limit ({shown_size(limit)}, --max-request-bytes)")
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
        asset = self.server.assets.get(path)
        if asset is not None:
            self._serve(asset)
            return
        if path not in _READ_PATHS:
            raise _Refusal(404, "nothing here: the query page is at /, the SPARQL endpoint at /query")
        self._checked(pairs)
        self._relay(path, pairs, None, None)

    def _serve(self, asset: Asset) -> None:
        """One file of the query page, with its policy headers."""
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", asset.content_type)
        self.send_header("Content-Length", str(len(asset.body)))
        for name, value in HEADERS:
            self.send_header(name, value)
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(asset.body)

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
