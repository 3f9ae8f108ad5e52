"""One bounded exchange with a store (see :func:`exchange`): a deadline for the whole of it (name
resolution, connection, request, answer), a size limit on the answer, credentials and redirects only
within the origin of the address given; and the messages for what can go wrong.
"""

from __future__ import annotations

import http.client
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any

from kg.endpoint.checks import EndpointError, credentials, printable, shown_url
from kg.errors import KgError, QueryError

USER_AGENT = "kg (SPARQL 1.1 Protocol client)"


class StatusError(Exception):
    """A store answered an HTTP error status (or a redirect that was not followed)."""

    def __init__(self, code: int, reason: str, text: str, url: str) -> None:
        super().__init__(f"HTTP {code} {reason}")
        self.code, self.reason, self.text, self.url = code, reason, text, url


def status_error(exc: StatusError, who: str) -> KgError:
    """The message for an HTTP error status from the ``who`` ("endpoint" or "store")."""
    url = shown_url(exc.url)
    if exc.code == 401:
        return EndpointError(f"the {who} refused the credentials (HTTP 401)", file=url,
                             hint="set KG_ENDPOINT_USER and KG_ENDPOINT_PASSWORD (and KG_ENDPOINT_AUTH=digest "
                                  "if the store asks for it)")
    if exc.code == 403:
        return EndpointError(f"the {who} refused access (HTTP 403)", file=url,
                             hint="set KG_ENDPOINT_USER and KG_ENDPOINT_PASSWORD, for a user allowed to do this")
    if exc.code == 404 and who == "endpoint":
        return EndpointError("no SPARQL endpoint at this address (HTTP 404)", file=url,
                             hint="check --endpoint: Oxigraph serves /query, Fuseki /DATASET/sparql")
    if exc.code == 400 and who == "endpoint":
        return QueryError("the endpoint refused the query as malformed", file=url, hint=exc.text)
    if 300 <= exc.code < 400:
        return EndpointError(f"the {who} answered a redirect that is not followed (HTTP {exc.code})", file=url,
                             hint="give the address it redirects to, if that is the store's")
    return EndpointError(f"the {who} answered HTTP {exc.code} {exc.reason}", file=url,
                         hint=exc.text or "see the store's log")


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


class _Deadline:
    """The end of one exchange. At that moment every connection opened for it is shut down, so that no
    read, write or TLS handshake outlives it however slowly the other side answers: a socket timeout
    bounds each read only, and a byte every few seconds would keep a connection alive for ever."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> _Deadline:
        self._timer.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._timer.cancel()
        with self._lock:
            for sock in self._sockets:
                sock.close()
            self._sockets.clear()

    def remaining(self) -> float:
        """The seconds left; a :class:`TimeoutError` when there are none."""
        left = self.end - time.monotonic()
        if left <= 0 or self.expired:
            raise TimeoutError("the deadline has passed")
        return left

    def stop(self) -> bool:
        """Stop the clock; False if the deadline had passed (an answer then may be cut short)."""
        self._timer.cancel()
        with self._lock:
            return not self.expired

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shut(sock)

    def _watch(self, sock: socket.socket) -> None:
        # A duplicate of the descriptor: shutting it down ends the connection even after TLS has
        # wrapped (and detached) the original socket object.
        with self._lock:
            copy = sock.dup()
            self._sockets.append(copy)
            if self.expired:
                _shut(copy)

    def connect(self, address: tuple[str, int], source: tuple[str, int] | None = None) -> socket.socket:
        """A socket connected to ``address`` within the deadline, and shut down when it passes."""
        host, port = address
        error: OSError = OSError(f"no address for {host}")
        for family, kind, proto, _name, target in self._resolve(host, port):
            sock = socket.socket(family, kind, proto)
            try:
                sock.settimeout(self.remaining())
                if source:
                    sock.bind(source)
                sock.connect(target)
                self._watch(sock)
                return sock
            except OSError as exc:
                sock.close()
                error = exc
        raise error

    def _resolve(self, host: str, port: int) -> list[Any]:
        """``getaddrinfo`` within the deadline (in a thread: a system resolver can block for long)."""
        try:
            return socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM, 0, socket.AI_NUMERICHOST)
        except OSError:
            pass
        found: list[Any] = []

        def resolve() -> None:
            try:
                found.append(socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM))
            except OSError as exc:
                found.append(exc)

        worker = threading.Thread(target=resolve, name="kg-resolve", daemon=True)
        worker.start()
        worker.join(self.remaining())
        if not found:
            raise TimeoutError(f"{host} was not resolved in time")
        if isinstance(found[0], OSError):
            raise found[0]
        return list(found[0])


def _connector(deadline: _Deadline) -> Callable[..., socket.socket]:
    def create(address: tuple[str, int], _timeout: object = None,
               source: tuple[str, int] | None = None) -> socket.socket:
        return deadline.connect(address, source)

    return create


class _Connection(http.client.HTTPConnection):
    """An HTTP connection whose socket is opened, and shut down at the end, by a :class:`_Deadline`."""

    def __init__(self, host: str, *, deadline: _Deadline | None = None, **kwargs: Any) -> None:
        super().__init__(host, **kwargs)
        if deadline is not None:
            self._create_connection = _connector(deadline)


class _TLSConnection(http.client.HTTPSConnection):
    """An HTTPS connection (certificates verified) whose socket a :class:`_Deadline` opens and ends."""

    def __init__(self, host: str, *, deadline: _Deadline | None = None, **kwargs: Any) -> None:
        super().__init__(host, **kwargs)
        if deadline is not None:
            self._create_connection = _connector(deadline)


class _HTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, deadline: _Deadline) -> None:
        super().__init__()
        self.deadline = deadline

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_Connection, req, deadline=self.deadline)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, deadline: _Deadline) -> None:
        super().__init__()
        self.deadline = deadline

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_TLSConnection, req, deadline=self.deadline)


def _origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an http(s) address; None for any other, or one with ``user@``."""
    try:
        parts = urllib.parse.urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https") or not parts.hostname or "@" in parts.netloc:
            return None
        return scheme, parts.hostname.lower(), parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        return None


class _Redirects(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only within the origin (scheme, host and port) of the address asked. Any other
    is an error: neither the credentials nor the query nor the data go anywhere else. The body of a
    redirect is never read; a 307 or 308 repeats the request as it was (method and body)."""

    def __init__(self, who: str) -> None:
        super().__init__()
        self.who = who

    def redirect_request(self, req: urllib.request.Request, fp: Any, code: int, msg: str,
                         headers: Any, newurl: str) -> urllib.request.Request | None:
        fp.close()
        origin = _origin(req.full_url)
        if origin is None or _origin(newurl) != origin:
            raise EndpointError(f"the {self.who} redirects to another address, {shown_url(newurl)} (HTTP {code}); "
                                "nothing was sent there", file=shown_url(req.full_url),
                                hint="credentials and data go only to the address given: if the other one is "
                                     "the store's, give it instead")
        if code in (307, 308):
            return urllib.request.Request(newurl, data=req.data, headers=dict(req.headers),
                                          origin_req_host=req.origin_req_host, unverifiable=True,
                                          method=req.get_method())
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _opener(url: str, deadline: _Deadline, who: str, *, signed: bool = True
            ) -> tuple[urllib.request.OpenerDirector, urllib.request.HTTPDigestAuthHandler | None]:
    """The opener of one exchange: http(s) only, within the deadline, redirects within the origin of
    ``url``, and (when ``signed``) the credentials, if any, for that origin only; with the Digest
    handler when the credentials are for Digest."""
    handlers: list[urllib.request.BaseHandler] = [
        urllib.request.ProxyHandler(), urllib.request.UnknownHandler(), urllib.request.HTTPDefaultErrorHandler(),
        _Redirects(who), urllib.request.HTTPErrorProcessor(), _HTTPHandler(deadline), _HTTPSHandler(deadline)]
    creds = credentials() if signed else None
    digest_handler = None
    if creds:
        user, password, scheme = creds
        parts = urllib.parse.urlsplit(url)
        root = f"{parts.scheme}://{parts.netloc}/"  # the origin: checked, with no user@ in it
        if scheme == "digest":
            digest = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            digest.add_password(None, root, user, password)
            digest_handler = urllib.request.HTTPDigestAuthHandler(digest)
            handlers.append(digest_handler)
        else:  # sent with the first request (as SPARQL clients do), as a header no redirect carries
            basic = urllib.request.HTTPPasswordMgrWithPriorAuth()
            basic.add_password(None, root, user, password, is_authenticated=True)
            handlers.append(urllib.request.HTTPBasicAuthHandler(basic))
    opener = urllib.request.OpenerDirector()
    for handler in handlers:
        opener.add_handler(handler)
    return opener, digest_handler


def _sign_in_advance(request: urllib.request.Request, handler: urllib.request.HTTPDigestAuthHandler,
                     deadline: _Deadline, who: str) -> None:
    """Give ``request`` (one with a body) its Digest ``Authorization`` before it is sent. Digest needs
    the server's challenge first; sent unsigned, a large body meets a server that answers 401 and
    closes the connection before reading it (a broken pipe: Virtuoso does so). So the challenge is
    asked for with an empty request (``OPTIONS``, no credentials, nothing changed on the store), and
    the request is signed with it. Without a challenge the request goes as it is."""
    probe = urllib.request.Request(request.full_url, method="OPTIONS", headers={"User-Agent": USER_AGENT})
    opener, _ = _opener(request.full_url, deadline, who, signed=False)
    try:
        with opener.open(probe, timeout=deadline.remaining()):
            return  # no challenge: the store does not ask for credentials here
    except urllib.error.HTTPError as exc:
        challenges = [v for v in (exc.headers.get_all("WWW-Authenticate") or []) if v.lower().startswith("digest ")]
        exc.close()
    except (OSError, http.client.HTTPException):
        return  # the request itself will say what is wrong
    if not challenges:
        return
    fields = urllib.request.parse_keqv_list([f for f in urllib.request.parse_http_list(challenges[0][7:]) if f])
    signature = handler.get_authorization(request, fields)
    if signature:
        request.add_unredirected_header(handler.auth_header, f"Digest {signature}")


def exchange(url: str, method: str, body: bytes | None, headers: Mapping[str, str], *, timeout: float,
              limit: int, who: str) -> tuple[bytes, str]:
    """Send one request to ``url`` and read the whole answer: all of it (name resolution, connection,
    request, answer) within ``timeout`` seconds, at most ``limit`` bytes of answer, redirects and
    credentials only within the origin of ``url``. Returns the answer and its content type. Raises
    :class:`StatusError` for an HTTP error status, :class:`TimeoutError` at the deadline, and an
    :class:`EndpointError` for an answer too large, a redirect elsewhere, or no HTTP answer."""
    request = urllib.request.Request(url, data=body, method=method, headers={"User-Agent": USER_AGENT, **headers})
    with _Deadline(timeout) as deadline:
        opener, digest = _opener(url, deadline, who)
        try:
            if digest is not None and body:
                _sign_in_advance(request, digest, deadline, who)
            with opener.open(request, timeout=timeout) as response:
                content_type = str(response.headers.get("Content-Type", ""))
                raw = _read(response, limit, deadline, who, url)
        except urllib.error.HTTPError as exc:
            text = _error_text(exc)
            if deadline.expired:
                raise TimeoutError from None
            raise StatusError(exc.code, printable(str(exc.reason), 100), text, url) from None
        except (OSError, http.client.HTTPException, ValueError) as exc:
            if deadline.expired or isinstance(exc, TimeoutError) or (
                    isinstance(exc, urllib.error.URLError) and isinstance(exc.reason, TimeoutError)):
                raise TimeoutError from None
            raise _failure(exc, who, url) from None
        if not deadline.stop():
            raise TimeoutError
    return raw, content_type


def _read(response: Any, limit: int, deadline: _Deadline, who: str, url: str) -> bytes:
    """The body of ``response``, refused beyond ``limit`` bytes (announced or received)."""
    declared = str(response.headers.get("Content-Length", "")).strip()
    if declared.isascii() and declared.isdigit() and (len(declared) > 18 or int(declared) > limit):
        raise _too_large(who, url, limit)
    chunks: list[bytes] = []
    size = 0
    while chunk := response.read1(65536):
        size += len(chunk)
        if size > limit:
            raise _too_large(who, url, limit)
        chunks.append(chunk)
        deadline.remaining()
    return b"".join(chunks)


def _too_large(who: str, url: str, limit: int) -> EndpointError:
    return EndpointError(f"the {who}'s answer is larger than {limit:,} bytes (--max-answer-bytes); it was refused",
                         file=shown_url(url), hint="raise --max-answer-bytes if it should be that large, or narrow "
                                                "the query (LIMIT)")


def _error_text(exc: urllib.error.HTTPError) -> str:
    """The first line of an error answer's first 300 bytes, printable ("" when there is none)."""
    fp = getattr(exc, "fp", None)
    if fp is None:
        return ""
    try:
        data = (getattr(fp, "read1", None) or fp.read)(300)
    except (OSError, http.client.HTTPException, ValueError):
        return ""
    text = bytes(data[:300]).decode("utf-8", "replace").strip()
    return printable(text.splitlines()[0]) if text else ""


def _failure(exc: Exception, who: str, url: str) -> EndpointError:
    """The message for an exchange that got no HTTP answer."""
    shown = shown_url(url)
    if isinstance(exc, urllib.error.URLError):
        reason = exc.reason
        text = reason.strerror if isinstance(reason, OSError) and reason.strerror else str(reason)
        return EndpointError(f"cannot reach the {who}: {printable(text)}", file=shown,
                             hint="is the store running, and is --endpoint right?")
    if isinstance(exc, http.client.RemoteDisconnected):
        return EndpointError(f"the {who} closed the connection without an answer", file=shown,
                             hint="is --endpoint the address of a SPARQL store?")
    if isinstance(exc, http.client.HTTPException):
        return EndpointError(f"the {who} did not answer in HTTP ({exc.__class__.__name__}: "
                             f"{printable(str(exc), 100)})", file=shown,
                             hint="is --endpoint the address of a SPARQL store?")
    if isinstance(exc, ValueError) and "does not support the following scheme" in str(exc):
        return EndpointError(f"the {who} asks for an authentication kg does not speak", file=shown,
                             hint="kg speaks Basic and Digest (KG_ENDPOINT_AUTH=basic|digest)")
    text = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return EndpointError(f"the exchange with the {who} failed: {printable(text)}", file=shown,
                         hint="is the store running, and is --endpoint right?")


