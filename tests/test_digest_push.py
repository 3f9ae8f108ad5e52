"""Regression: a push to a store that asks for Digest credentials failed with a broken pipe.

Virtuoso answers an unsigned request with 401 and closes the connection without reading its body;
a body of a few megabytes then meets a closed socket. kg now asks for the challenge first (an empty
OPTIONS request, without credentials) and sends the body signed. The store here is a real HTTP server
on a loopback port that behaves as Virtuoso does and checks the Digest response (RFC 7616, MD5, qop=auth).
"""

from __future__ import annotations

import hashlib
import http.server
import socket
import threading
import urllib.request
from collections.abc import Iterator
from typing import ClassVar

import pytest

from kg.endpoint.exchange import exchange

REALM, NONCE, USER, PASSWORD = "kg-test", "abc123nonce", "dba", "s3cret"


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def _valid(header: str, method: str) -> bool:
    fields = urllib.request.parse_keqv_list([f for f in urllib.request.parse_http_list(header[7:]) if f])
    ha1 = _md5(f"{USER}:{REALM}:{PASSWORD}")
    ha2 = _md5(f"{method}:{fields.get('uri', '')}")
    expected = _md5(f"{ha1}:{NONCE}:{fields.get('nc')}:{fields.get('cnonce')}:auth:{ha2}")
    return fields.get("username") == USER and fields.get("response") == expected


class _Store(http.server.BaseHTTPRequestHandler):
    seen: ClassVar[list[tuple[str, str | None, int]]] = []

    def _challenge(self) -> None:
        self.send_response(401)
        self.send_header("WWW-Authenticate", f'Digest realm="{REALM}", nonce="{NONCE}", qop="auth", algorithm=MD5')
        self.send_header("Content-Length", "0")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True

    def do_OPTIONS(self) -> None:
        self.seen.append(("OPTIONS", self.headers.get("Authorization"), 0))
        self._challenge()

    def do_POST(self) -> None:
        auth = self.headers.get("Authorization")
        if not auth or not _valid(auth, "POST"):
            self.seen.append(("POST", auth, 0))
            self._challenge()
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)  # the body is never read, as Virtuoso does
            return
        size = int(self.headers.get("Content-Length", "0"))
        read = 0
        while read < size:
            read += len(self.rfile.read(min(65536, size - read)))
        self.seen.append(("POST", auth, read))
        self.send_response(201)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def store() -> Iterator[str]:
    _Store.seen = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Store)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/sparql-graph-crud-auth?graph=urn%3Ag"
    server.shutdown()
    server.server_close()


def test_a_large_push_to_a_digest_store_is_signed_before_its_body_is_sent(
        store: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KG_ENDPOINT_USER", USER)
    monkeypatch.setenv("KG_ENDPOINT_PASSWORD", PASSWORD)
    monkeypatch.setenv("KG_ENDPOINT_AUTH", "digest")
    body = b"<urn:s> <urn:p> <urn:o> .\n" * 400_000  # 10 MB: far more than a socket buffer
    exchange(store, "POST", body, {"Content-Type": "application/n-triples"}, timeout=30, limit=1 << 20, who="store")
    methods = [(method, auth is not None, read) for method, auth, read in _Store.seen]
    assert methods == [("OPTIONS", False, 0), ("POST", True, len(body))]  # the probe carries no credentials


def test_a_wrong_digest_password_is_refused_without_sending_the_body_twice(
        store: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from kg.endpoint.exchange import StatusError

    monkeypatch.setenv("KG_ENDPOINT_USER", USER)
    monkeypatch.setenv("KG_ENDPOINT_PASSWORD", "wrong")
    monkeypatch.setenv("KG_ENDPOINT_AUTH", "digest")
    with pytest.raises(StatusError) as caught:
        exchange(store, "POST", b"<urn:s> <urn:p> <urn:o> .\n", {}, timeout=10, limit=1 << 20, who="store")
    assert caught.value.code == 401
    assert all(read == 0 for _method, _auth, read in _Store.seen)  # the store never took the data
