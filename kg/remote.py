"""Remote triplestores over the standard protocols: SPARQL 1.1 Protocol queries, the Graph Store
HTTP Protocol or SPARQL Update for loading.

A :class:`RemoteGraph` answers ``query``/``select`` like the embedded :class:`~kg.graph.KnowledgeGraph`,
so the catalogue, parameter binding and output formats work unchanged against any store. The protocol
cannot bind variables, so parameters are substituted into the query text, but only as RDF terms that
pyoxigraph has validated and written in N-Triples syntax (an IRI cannot hold ``>`` or a space; a literal's
quotes and line breaks are escaped), only where a variable may stand, and never inside strings, IRIs or
comments. Credentials come from the environment (``KG_ENDPOINT_USER``, ``KG_ENDPOINT_PASSWORD``,
``KG_ENDPOINT_AUTH=basic|digest``), never from the command line.

Every exchange with a store is bounded (see :func:`_exchange`): a deadline for the whole of it (name
resolution, connection, request, answer), a size limit on the answer, credentials and redirects only
within the origin of the address given. A store's answers are data: its text reaches a message only
with control and bidirectional characters escaped, and no address is shown with its user and password.
"""

from __future__ import annotations

import http.client
import math
import os
import re
import socket
import threading
import time
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from kg.errors import KgError, QueryError, QueryTimeout, UsageError
from kg.graph import QueryResult, Term
from kg.namespaces import GRAPH, sparql_prologue

Progress = Callable[[str], None]
BATCH = 50_000  # triples per request when pushing
MAX_ANSWER_BYTES = 256 * 1024 * 1024  # the largest answer read from a store, by default (--max-answer-bytes)
MAX_TIMEOUT = 86_400.0  # the longest --timeout, in seconds (a day)


class EndpointError(KgError):
    """A remote store could not be reached, refused us, or answered something unexpected."""


@dataclass(frozen=True)
class Endpoints:
    """The three addresses of one store: SPARQL query, SPARQL update and Graph Store."""

    query: str
    update: str
    store: str

    @classmethod
    def from_query_url(cls, url: str, update: str | None = None, store: str | None = None) -> Endpoints:
        """Guess the update and store addresses from the query address, by the conventions of the
        known servers: Oxigraph ``/query`` -> ``/update``, ``/store``; Virtuoso ``/sparql`` (which takes
        updates too) -> ``/sparql``, ``/sparql-graph-crud``, and its authenticated ``/sparql-auth`` ->
        ``/sparql-auth``, ``/sparql-graph-crud-auth``; Fuseki ``/DATASET/sparql`` or ``/DATASET/query``
        -> ``/DATASET/update``, ``/DATASET/data``. Explicit ones win."""
        check_endpoint(url)
        if update is not None:
            check_endpoint(update, "--update-endpoint")
        if store is not None:
            check_endpoint(store, "--store-endpoint")
        parsed = urllib.parse.urlsplit(url)
        base, _, last = url.rstrip("/").rpartition("/")
        if last == "query" and not update and not store and parsed.path.count("/") == 1:
            guess_update, guess_store = f"{base}/update", f"{base}/store"  # Oxigraph
        elif last in ("sparql", "sparql-auth") and parsed.path.rstrip("/").count("/") == 1:
            guess_update, guess_store = url, f"{base}/{last.replace('sparql', 'sparql-graph-crud')}"  # Virtuoso
        elif last in ("sparql", "query"):
            guess_update, guess_store = f"{base}/update", f"{base}/data"  # Fuseki and alike
        else:
            guess_update, guess_store = url, url
        return cls(url, update or guess_update, store or guess_store)


def credentials() -> tuple[str, str, str] | None:
    """(user, password, scheme) from the environment, or None."""
    user = os.environ.get("KG_ENDPOINT_USER")
    if not user:
        return None
    scheme = os.environ.get("KG_ENDPOINT_AUTH", "basic").lower()
    if scheme not in ("basic", "digest"):
        raise UsageError(f"KG_ENDPOINT_AUTH={scheme!r} is not basic or digest")
    return user, os.environ.get("KG_ENDPOINT_PASSWORD", ""), scheme


# -- checking the options, before anything is sent ------------------------------------------------

def _invisible(char: str) -> bool:
    """A control, format (bidirectional, zero-width), separator or unassigned character: one that
    does not show as itself in a terminal."""
    return unicodedata.category(char)[0] in "CZ" and char != " "


def _printable(text: str, limit: int = 300) -> str:
    """``text`` (from a store, or an address) as it may be shown: every invisible character escaped,
    so that no answer can move the cursor, recolour the terminal or reverse the text after it."""
    text = text[:limit]
    return "".join(repr(c)[1:-1] if _invisible(c) else c for c in text)


def _shown(url: str) -> str:
    """An address as messages show it: printable, and with any ``user:password@`` replaced by ``***@``."""
    return _printable(re.sub(r"(?<=//)[^/?#]*@", "***@", url), 500)


def check_endpoint(url: str, option: str = "--endpoint") -> str:
    """``url`` if it is an http(s) address that can be used as it is written, else a
    :class:`UsageError`: no invisible character (control, bidirectional, zero-width, space), only
    ASCII, a host, a port from 1 to 65535, and no ``user:password@`` (credentials come from the
    environment, never from the command line, where other users see them)."""
    hint = "give the SPARQL query endpoint, e.g. http://localhost:7878/query"
    if not isinstance(url, str) or not url:
        raise UsageError(f"{option} is empty", hint)
    bad = next((c for c in url if _invisible(c) or c == " "), None)
    if bad is not None:
        raise UsageError(f"{option} {_shown(url)} holds an invisible character (U+{ord(bad):04X}: a control, "
                         "bidirectional or space character)", "write the address with visible characters only")
    if not url.isascii():
        raise UsageError(f"{option} {_shown(url)} holds a character that is not ASCII",
                         "write it percent-encoded (a host name in its xn-- form)")
    try:
        parsed = urllib.parse.urlsplit(url)
        port = parsed.port
    except ValueError:
        raise UsageError(f"{option} {_shown(url)} has a port that is not a number from 1 to 65535", hint) from None
    if parsed.scheme.lower() not in ("http", "https") or not parsed.hostname:
        raise UsageError(f"{option} {_shown(url)} is not an http(s) endpoint address", hint)
    if "@" in parsed.netloc:
        raise UsageError(f"{option} {_shown(url)} holds a user name and password",
                         "other users can read the command line: set KG_ENDPOINT_USER and KG_ENDPOINT_PASSWORD "
                         "instead, and give the address without them")
    if port == 0:
        raise UsageError(f"{option} {_shown(url)} has a port that is not a number from 1 to 65535", hint)
    return url


def check_timeout(seconds: float, option: str = "--timeout") -> float:
    """``seconds`` if it is a number of seconds above 0 and at most :data:`MAX_TIMEOUT`, else a
    :class:`UsageError` (``nan``, ``inf`` and ``1e308`` are refused)."""
    try:
        value = float(seconds)
    except (TypeError, ValueError):
        value = math.nan
    if not (0 < value <= MAX_TIMEOUT):  # also false for nan
        raise UsageError(f"{option} {_printable(str(seconds), 40)} is not a number of seconds above 0 "
                         f"and at most {MAX_TIMEOUT:,.0f}", "e.g. --timeout 60")
    return value


_SIZE_RE = re.compile(r"([0-9]{1,15})\s*([kmg]i?b?)?", re.I)


def answer_limit(value: int | str | None, option: str = "--max-answer-bytes") -> int:
    """The size limit on a store's answer, in bytes: ``value`` (a whole number of bytes, or with a
    ``K``, ``M`` or ``G`` suffix for KiB, MiB, GiB), or :data:`MAX_ANSWER_BYTES` when None."""
    if value is None:
        return MAX_ANSWER_BYTES
    m = _SIZE_RE.fullmatch(str(value).strip()) if not isinstance(value, bool) else None
    size = int(m.group(1)) * 1024 ** (" kmg".index((m.group(2) or " ")[0].lower())) if m else 0
    if size < 1:
        raise UsageError(f"{option} {_printable(str(value), 40)} is not a size of at least 1 byte",
                         "a number of bytes, or with a suffix: 500K, 64M, 2G")
    return size


def check_graph(iri: str, option: str = "--graph") -> str:
    """``iri`` if it is an absolute IRI (validated by pyoxigraph) with no invisible character, else a
    :class:`UsageError`."""
    try:
        ox.NamedNode(iri)
    except (TypeError, ValueError) as exc:
        raise UsageError(f"{option} {_printable(str(iri), 200)!s} is not an absolute IRI ({_printable(str(exc))})",
                         f"e.g. {GRAPH}") from None
    if any(_invisible(c) for c in iri):
        raise UsageError(f"{option} {_printable(iri, 200)} holds an invisible character",
                         "write the IRI with visible characters only")
    return iri


# -- safe substitution ----------------------------------------------------------------------------

_TOKEN_RE = re.compile(
    r'(?P<skip>"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
    r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\s]*>|#[^\n]*)'
    r'|(?P<var>[?$](?P<name>[A-Za-z_][A-Za-z0-9_]*))'
    r'|(?P<word>\b(?:SELECT|WHERE|GROUP\s+BY|ORDER\s+BY|HAVING|LIMIT|OFFSET|VALUES|CONSTRUCT|DESCRIBE|ASK)\b)'
    r'|(?P<brace>[{}])', re.I | re.S)


def substitute(sparql: str, bindings: Mapping[str, Term]) -> str:
    """``sparql`` with each bound variable replaced by its term, as Oxigraph's substitution does:
    ``(term AS ?v)`` in a SELECT projection, ``(term)`` after GROUP BY / ORDER BY, the term itself
    elsewhere. Terms are written by pyoxigraph (validated, escaped)."""
    if not bindings:
        return sparql
    written = {name: str(term) for name, term in bindings.items()}
    for name, term in bindings.items():
        if not isinstance(term, ox.NamedNode | ox.Literal):
            raise UsageError(f"${name}: only IRIs and literals can be sent to a remote endpoint")
    out: list[str] = []
    pos = 0
    context = ""
    depth = 0
    for m in _TOKEN_RE.finditer(sparql):
        if m.group("word"):
            word = " ".join(m.group("word").upper().split())
            if depth == 0 or word == "SELECT":
                context = word
            continue
        if m.group("brace"):
            depth += 1 if m.group() == "{" else -1
            if m.group() == "{" and context == "SELECT":
                context = "WHERE"
            continue
        if not m.group("var") or m.group("name") not in written:
            continue
        value = written[m.group("name")]
        if context == "SELECT":
            replacement = f"({value} AS ?{m.group('name')})"
        elif context in ("GROUP BY", "ORDER BY") and depth == 0:
            replacement = f"({value})"
        else:
            replacement = value
        out.append(sparql[pos:m.start()])
        out.append(replacement)
        pos = m.end()
    out.append(sparql[pos:])
    return "".join(out)


# -- the remote graph -------------------------------------------------------------------------------


class RemoteGraph:
    """A graph in a remote store, queried over the SPARQL 1.1 Protocol.

    Every option is checked when it is made, before anything is sent: the addresses
    (:func:`check_endpoint`), the graph (an absolute IRI), ``timeout`` (the deadline of each query,
    answer included: :func:`check_timeout`) and ``max_answer_bytes`` (:func:`answer_limit`)."""

    def __init__(self, endpoint: str, *, graph: str | None = GRAPH, update: str | None = None,
                 store: str | None = None, timeout: float = 60.0,
                 max_answer_bytes: int | str | None = None) -> None:
        self.endpoints = Endpoints.from_query_url(endpoint, update, store)
        self.graph = check_graph(graph) if graph is not None else None  # the default graph of each query
        self.timeout = check_timeout(timeout)
        self.max_answer_bytes = answer_limit(max_answer_bytes)
        credentials()  # a wrong KG_ENDPOINT_AUTH is refused now, not at the first query
        self.cache: dict[str, Any] = {}
        self.provenance: dict[str, Any] = {}

    def query(self, sparql: str, bindings: Mapping[str, Term] | None = None, *,
              timeout: float | None = None) -> QueryResult | bool | list[ox.Triple]:
        """Run a query remotely; the answer has the same shape as the embedded graph's. A SELECT answer
        must have the query's variables (an :class:`EndpointError` otherwise)."""
        text = sparql_prologue() + substitute(sparql, bindings or {})
        seconds = self.timeout if timeout is None else check_timeout(timeout)
        form = _form(text)
        accept = ("application/n-triples, text/turtle;q=0.9" if form in ("CONSTRUCT", "DESCRIBE")
                  else "application/sparql-results+json")
        fields = [("query", text)] + ([("default-graph-uri", self.graph)] if self.graph else [])
        url = self.endpoints.query
        try:
            raw, content_type = _exchange(
                url, "POST", urllib.parse.urlencode(fields).encode("ascii"),
                {"Content-Type": "application/x-www-form-urlencoded", "Accept": accept},
                timeout=seconds, limit=self.max_answer_bytes, who="endpoint")
        except _Status as exc:
            raise _http_error(exc, "endpoint") from None
        except TimeoutError:
            raise QueryTimeout(f"the endpoint did not answer within {seconds:g} s", file=_shown(url),
                               hint="raise --timeout, or narrow the query") from None
        return _parse_answer(raw, content_type, form, url, _projection(text) if form == "SELECT" else None)

    def select(self, sparql: str, bindings: Mapping[str, Term] | None = None, *,
               timeout: float | None = None) -> QueryResult:
        """Run a SELECT query remotely."""
        result = self.query(sparql, bindings, timeout=timeout)
        if not isinstance(result, QueryResult):
            raise TypeError("not a SELECT query")
        return result

    def __len__(self) -> int:
        return _count(self.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"), self.endpoints.query)


def _form(text: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE (or an update's keyword): the form of a query, as
    SPARQLWrapper reads it (past the prologue and comments)."""
    from SPARQLWrapper import SPARQLWrapper

    reader = SPARQLWrapper("http://localhost/")
    reader.setQuery(text)
    return str(reader.queryType or "SELECT").upper()


def _projection(text: str) -> list[str] | None:
    """The variables a SELECT query projects, in order, as Oxigraph reads the query. It is prepared on
    an empty store and never iterated, so nothing runs; None when Oxigraph cannot read it (a store's
    own extension), and the answer's variables are then taken as they come."""
    try:
        prepared = ox.Store().query(text)
    except Exception:  # anything Oxigraph cannot take is the remote store's business
        return None
    return [v.value for v in prepared.variables] if isinstance(prepared, ox.QuerySolutions) else None


def _count(result: QueryResult, url: str) -> int:
    """The ``?n`` of a count's first row (0 when there is no row), which must be a whole number."""
    if not result.rows:
        return 0
    term = result.rows[0].get("n")
    if not isinstance(term, ox.Literal) or not re.fullmatch(r"\+?[0-9]{1,18}", term.value):
        shown = "nothing" if term is None else _printable(str(term), 80)
        raise EndpointError(f"the endpoint answered a count that is not a whole number: {shown}", file=_shown(url),
                            hint="is --endpoint a SPARQL 1.1 query endpoint?")
    return int(term.value)


def _first_line(text: str) -> str:
    text = text.strip()
    return text.splitlines()[-1][:300] if text else ""


def _http_error(exc: _Status, who: str) -> KgError:
    """The message for an HTTP error status from the ``who`` ("endpoint" or "store")."""
    url = _shown(exc.url)
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


def _parse_answer(raw: bytes, content_type: str, form: str, url: str,
                  expected: list[str] | None = None) -> QueryResult | bool | list[ox.Triple]:
    """The answer to a query of this ``form``; a SELECT answer must have the ``expected`` variables
    (the query's, when known)."""
    media = content_type.split(";")[0].strip().lower()
    try:
        if form in ("CONSTRUCT", "DESCRIBE"):
            fmt = ox.RdfFormat.from_media_type(media) if media else None
            if fmt is None:
                raise ValueError(f"not an RDF format: {media or 'no content type'}")
            return list(ox.parse(raw, format=fmt))
        if media and "json" not in media:
            raise ValueError(f"expected SPARQL JSON results, got {media}")
        parsed = ox.parse_query_results(raw, format=ox.QueryResultsFormat.JSON)
        if isinstance(parsed, ox.QueryBoolean):
            if form == "SELECT":
                raise ValueError("a yes/no answer to a SELECT query")
            return bool(parsed)
        names = [v.value for v in parsed.variables]
        if form == "ASK" and names == [VIRTUOSO_ASK]:
            return _virtuoso_boolean(list(parsed))
        if form == "ASK":
            raise ValueError("rows in answer to an ASK query")
        rows = [{n: s[n] for n in names if s[n] is not None} for s in parsed]  # parsed as it is read
    except (SyntaxError, ValueError) as exc:
        raise EndpointError(f"the endpoint answered in an unexpected format: {_printable(_first_line(str(exc)))}",
                            file=_shown(url), hint="is --endpoint a SPARQL query endpoint?") from None
    if expected is not None and sorted(names) != sorted(expected):
        raise EndpointError(f"the endpoint answered with other variables than the query's: {_variables(names)} "
                            f"instead of {_variables(expected)}", file=_shown(url),
                            hint="is --endpoint a SPARQL 1.1 query endpoint?")
    return QueryResult(expected if expected is not None else names, rows)


#: The one variable of the rows Virtuoso 7.2 answers to ASK in SPARQL JSON: one row (1) for yes, none for no.
VIRTUOSO_ASK = "__ASK_RETVAL"


def _virtuoso_boolean(solutions: list[ox.QuerySolution]) -> bool:
    """Virtuoso 7.2's answer to ASK (its JSON writer has no boolean form): no row is no, one row holding
    a true value (1) is yes; anything else is not an answer."""
    if not solutions:
        return False
    value = solutions[0][VIRTUOSO_ASK]
    if len(solutions) == 1 and isinstance(value, ox.Literal) and value.value in ("1", "true"):
        return True
    raise ValueError(f"an ASK answer that is neither yes nor no ({VIRTUOSO_ASK})")


def _variables(names: list[str]) -> str:
    shown = " ".join("?" + _printable(n, 60) for n in names[:12]) + (" ..." if len(names) > 12 else "")
    return shown or "none"


# -- one bounded exchange with a store ---------------------------------------------------------------

USER_AGENT = "kg (SPARQL 1.1 Protocol client)"


class _Status(Exception):
    """A store answered an HTTP error status (or a redirect that was not followed)."""

    def __init__(self, code: int, reason: str, text: str, url: str) -> None:
        super().__init__(f"HTTP {code} {reason}")
        self.code, self.reason, self.text, self.url = code, reason, text, url


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
            raise EndpointError(f"the {self.who} redirects to another address, {_shown(newurl)} (HTTP {code}); "
                                "nothing was sent there", file=_shown(req.full_url),
                                hint="credentials and data go only to the address given: if the other one is "
                                     "the store's, give it instead")
        if code in (307, 308):
            return urllib.request.Request(newurl, data=req.data, headers=dict(req.headers),
                                          origin_req_host=req.origin_req_host, unverifiable=True,
                                          method=req.get_method())
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _opener(url: str, deadline: _Deadline, who: str) -> urllib.request.OpenerDirector:
    """The opener of one exchange: http(s) only, within the deadline, redirects within the origin of
    ``url``, and the credentials (if any) for that origin only."""
    handlers: list[urllib.request.BaseHandler] = [
        urllib.request.ProxyHandler(), urllib.request.UnknownHandler(), urllib.request.HTTPDefaultErrorHandler(),
        _Redirects(who), urllib.request.HTTPErrorProcessor(), _HTTPHandler(deadline), _HTTPSHandler(deadline)]
    creds = credentials()
    if creds:
        user, password, scheme = creds
        parts = urllib.parse.urlsplit(url)
        root = f"{parts.scheme}://{parts.netloc}/"  # the origin: checked, with no user@ in it
        if scheme == "digest":
            digest = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            digest.add_password(None, root, user, password)
            handlers.append(urllib.request.HTTPDigestAuthHandler(digest))
        else:  # sent with the first request (as SPARQL clients do), as a header no redirect carries
            basic = urllib.request.HTTPPasswordMgrWithPriorAuth()
            basic.add_password(None, root, user, password, is_authenticated=True)
            handlers.append(urllib.request.HTTPBasicAuthHandler(basic))
    opener = urllib.request.OpenerDirector()
    for handler in handlers:
        opener.add_handler(handler)
    return opener


def _exchange(url: str, method: str, body: bytes | None, headers: Mapping[str, str], *, timeout: float,
              limit: int, who: str) -> tuple[bytes, str]:
    """Send one request to ``url`` and read the whole answer: all of it (name resolution, connection,
    request, answer) within ``timeout`` seconds, at most ``limit`` bytes of answer, redirects and
    credentials only within the origin of ``url``. Returns the answer and its content type. Raises
    :class:`_Status` for an HTTP error status, :class:`TimeoutError` at the deadline, and an
    :class:`EndpointError` for an answer too large, a redirect elsewhere, or no HTTP answer."""
    request = urllib.request.Request(url, data=body, method=method, headers={"User-Agent": USER_AGENT, **headers})
    with _Deadline(timeout) as deadline:
        try:
            with _opener(url, deadline, who).open(request, timeout=timeout) as response:
                content_type = str(response.headers.get("Content-Type", ""))
                raw = _read(response, limit, deadline, who, url)
        except urllib.error.HTTPError as exc:
            text = _error_text(exc)
            if deadline.expired:
                raise TimeoutError from None
            raise _Status(exc.code, _printable(str(exc.reason), 100), text, url) from None
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
                         file=_shown(url), hint="raise --max-answer-bytes if it should be that large, or narrow "
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
    return _printable(text.splitlines()[0]) if text else ""


def _failure(exc: Exception, who: str, url: str) -> EndpointError:
    """The message for an exchange that got no HTTP answer."""
    shown = _shown(url)
    if isinstance(exc, urllib.error.URLError):
        reason = exc.reason
        text = reason.strerror if isinstance(reason, OSError) and reason.strerror else str(reason)
        return EndpointError(f"cannot reach the {who}: {_printable(text)}", file=shown,
                             hint="is the store running, and is --endpoint right?")
    if isinstance(exc, http.client.RemoteDisconnected):
        return EndpointError(f"the {who} closed the connection without an answer", file=shown,
                             hint="is --endpoint the address of a SPARQL store?")
    if isinstance(exc, http.client.HTTPException):
        return EndpointError(f"the {who} did not answer in HTTP ({exc.__class__.__name__}: "
                             f"{_printable(str(exc), 100)})", file=shown,
                             hint="is --endpoint the address of a SPARQL store?")
    if isinstance(exc, ValueError) and "does not support the following scheme" in str(exc):
        return EndpointError(f"the {who} asks for an authentication kg does not speak", file=shown,
                             hint="kg speaks Basic and Digest (KG_ENDPOINT_AUTH=basic|digest)")
    text = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return EndpointError(f"the exchange with the {who} failed: {_printable(text)}", file=shown,
                         hint="is the store running, and is --endpoint right?")


# -- pushing a graph ---------------------------------------------------------------------------------


@dataclass
class PushResult:
    """What a push did: where, how many triples were sent, and how many the store now holds."""

    store: str
    graph: str
    protocol: str
    sent: int
    stored: int


def _request(url: str, method: str, body: bytes, content_type: str, timeout: float, limit: int) -> None:
    _exchange(url, method, body, {"Content-Type": content_type}, timeout=timeout, limit=limit, who="store")


def _ntriples(triples: list[ox.Triple]) -> bytes:
    body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    assert body is not None  # no output given: Oxigraph returns the bytes
    return body


def _chunks(triples: list[ox.Triple], size: int) -> list[bytes]:
    return [_ntriples(triples[i:i + size]) for i in range(0, len(triples), size)] or [b""]


def check_push(endpoint: str, *, graph: str = GRAPH, update: str | None = None, store: str | None = None,
               protocol: str = "auto", timeout: float = 300.0, batch: int = BATCH,
               max_answer_bytes: int | str | None = None) -> RemoteGraph:
    """Check the options of a push (a :class:`UsageError` for the first wrong one) without sending
    anything; returns the client that counts the graph after the push."""
    remote = RemoteGraph(endpoint, graph=None, update=update, store=store, timeout=timeout,
                         max_answer_bytes=max_answer_bytes)
    check_graph(graph)
    if protocol not in ("auto", "gsp", "update"):
        raise UsageError(f"unknown protocol {_printable(str(protocol), 40)!r}", "auto, gsp or update")
    if isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
        raise UsageError("--batch must be at least 1")
    return remote


def push(triples: list[ox.Triple], endpoint: str, *, graph: str = GRAPH, replace: bool = False,
         update: str | None = None, store: str | None = None, protocol: str = "auto",
         timeout: float = 300.0, batch: int = BATCH, progress: Progress | None = None,
         max_answer_bytes: int | str | None = None) -> PushResult:
    """Load ``triples`` into the named ``graph`` of a remote store, in batches, and check the count.

    The Graph Store Protocol is used where the store has it (``protocol="gsp"``), else SPARQL Update
    (``"update"``); ``"auto"`` tries the first and falls back. ``replace`` empties the graph first;
    without it the triples are added, and since a graph is a set (and ours has no blank nodes),
    pushing twice never doubles anything. Every option is checked (:func:`check_push`) before the
    first request; each request, its answer included, must end within ``timeout`` seconds, and no
    answer may be larger than ``max_answer_bytes``.
    """
    say = progress or (lambda _m: None)
    remote = check_push(endpoint, graph=graph, update=update, store=store, protocol=protocol, timeout=timeout,
                        batch=batch, max_answer_bytes=max_answer_bytes)
    ends, timeout, limit = remote.endpoints, remote.timeout, remote.max_answer_bytes
    bodies = _chunks(triples, batch)
    used = protocol
    try:
        if protocol in ("auto", "gsp"):
            try:
                _push_gsp(bodies, ends.store, graph, replace, timeout, limit, say)
                used = "gsp"
            except _Status as exc:
                if protocol == "gsp" or exc.code not in (404, 405, 415, 501):
                    raise
                say(f"no Graph Store at {_shown(ends.store)} (HTTP {exc.code}); using SPARQL Update")
                used = "update"
        if used == "update":
            _push_update(triples, ends.update, graph, replace, timeout, limit, batch, say)
    except _Status as exc:
        raise _http_error(exc, "store") from None
    except TimeoutError:
        raise EndpointError(f"the store did not answer within {timeout:g} s",
                            file=_shown(ends.update if used == "update" else ends.store),
                            hint="raise --timeout, or send smaller batches (--batch)") from None
    stored = _count(remote.select("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
                                  {"g": ox.NamedNode(graph)}), ends.query)
    expected = len(set(triples))
    if stored < expected or (replace and stored != expected):
        raise EndpointError(f"the push was only partly accepted: the graph holds {stored:,} triples, "
                            f"{expected:,} were sent", file=_shown(ends.store),
                            hint="see the store's log; push again with --replace")
    return PushResult(ends.store, graph, used, expected, stored)


def _push_gsp(bodies: list[bytes], store: str, graph: str, replace: bool, timeout: float, limit: int,
              say: Progress) -> None:
    url = f"{store}{'&' if '?' in store else '?'}{urllib.parse.urlencode({'graph': graph})}"
    for i, body in enumerate(bodies, start=1):
        method = "PUT" if replace and i == 1 else "POST"
        _request(url, method, body, "application/n-triples", timeout, limit)
        say(f"pushed batch {i}/{len(bodies)}")


def _push_update(triples: list[ox.Triple], update: str, graph: str, replace: bool, timeout: float, limit: int,
                 batch: int, say: Progress) -> None:
    target = str(ox.NamedNode(graph))
    if replace:
        _request(update, "POST", f"DROP SILENT GRAPH {target}".encode(), "application/sparql-update", timeout,
                 limit)
    n = max(1, -(-len(triples) // batch))
    for i in range(n):
        body = _ntriples(triples[i * batch:(i + 1) * batch])
        text = b"INSERT DATA { GRAPH " + target.encode() + b" {\n" + body + b"} }"
        _request(update, "POST", text, "application/sparql-update", timeout, limit)
        say(f"pushed batch {i + 1}/{n}")
