"""Remote triplestores over the standard protocols: SPARQL 1.1 Protocol queries (SPARQLWrapper),
the Graph Store HTTP Protocol or SPARQL Update for loading.

A :class:`RemoteGraph` answers ``query``/``select`` like the embedded :class:`~kg.graph.KnowledgeGraph`,
so the catalogue, parameter binding and output formats work unchanged against any store. SPARQLWrapper
cannot bind variables, so parameters are substituted into the query text, but only as RDF terms that
pyoxigraph has validated and written in N-Triples syntax (an IRI cannot hold ``>`` or a space; a literal's
quotes and line breaks are escaped), only where a variable may stand, and never inside strings, IRIs or
comments. Credentials come from the environment (``KG_ENDPOINT_USER``, ``KG_ENDPOINT_PASSWORD``,
``KG_ENDPOINT_AUTH=basic|digest``), never from the command line.
"""

from __future__ import annotations

import os
import re
import socket
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
        known servers: Oxigraph ``/query`` -> ``/update``, ``/store``; Fuseki ``/DATASET/sparql`` or
        ``/DATASET/query`` -> ``/DATASET/update``, ``/DATASET/data``. Explicit ones win."""
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise UsageError(f"{url!r} is not an http(s) endpoint address",
                             "give the SPARQL query endpoint, e.g. http://localhost:7878/query")
        base, _, last = url.rstrip("/").rpartition("/")
        if last == "query" and not update and not store and parsed.path.count("/") == 1:
            guess_update, guess_store = f"{base}/update", f"{base}/store"  # Oxigraph
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
        term = written[m.group("name")]
        if context == "SELECT":
            replacement = f"({term} AS ?{m.group('name')})"
        elif context in ("GROUP BY", "ORDER BY") and depth == 0:
            replacement = f"({term})"
        else:
            replacement = term
        out.append(sparql[pos:m.start()])
        out.append(replacement)
        pos = m.end()
    out.append(sparql[pos:])
    return "".join(out)


# -- the remote graph -------------------------------------------------------------------------------


class RemoteGraph:
    """A graph in a remote store, queried over the SPARQL 1.1 Protocol."""

    def __init__(self, endpoint: str, *, graph: str | None = GRAPH, update: str | None = None,
                 store: str | None = None, timeout: float = 60.0) -> None:
        self.endpoints = Endpoints.from_query_url(endpoint, update, store)
        self.graph = graph  # the default graph of each query (SPARQL Protocol default-graph-uri)
        self.timeout = timeout
        self.cache: dict[str, Any] = {}
        self.provenance: dict = {}

    def query(self, sparql: str, bindings: Mapping[str, Term] | None = None, *,
              timeout: float | None = None) -> QueryResult | bool | list[ox.Triple]:
        """Run a query remotely; the answer has the same shape as the embedded graph's."""
        from SPARQLWrapper import DIGEST, POST, SPARQLWrapper

        text = sparql_prologue() + substitute(sparql, bindings or {})
        client = SPARQLWrapper(self.endpoints.query)
        client.setMethod(POST)
        client.setQuery(text)
        client.setTimeout(int(max(1, round(timeout or self.timeout))))
        if self.graph:
            client.addDefaultGraph(self.graph)
        creds = credentials()
        if creds:
            client.setCredentials(creds[0], creds[1])
            if creds[2] == "digest":
                client.setHTTPAuth(DIGEST)
        form = client.queryType.upper()
        client.setOnlyConneg(True)
        if form in ("CONSTRUCT", "DESCRIBE"):
            client.addCustomHttpHeader("Accept", "application/n-triples, text/turtle;q=0.9")
        else:
            client.addCustomHttpHeader("Accept", "application/sparql-results+json")
        raw, content_type = self._send(client, timeout or self.timeout)
        return _parse_answer(raw, content_type, form, self.endpoints.query)

    def select(self, sparql: str, bindings: Mapping[str, Term] | None = None, *,
               timeout: float | None = None) -> QueryResult:
        """Run a SELECT query remotely."""
        result = self.query(sparql, bindings, timeout=timeout)
        if not isinstance(result, QueryResult):
            raise TypeError("not a SELECT query")
        return result

    def __len__(self) -> int:
        rows = self.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows
        return int(rows[0]["n"].value) if rows else 0

    def _send(self, client: Any, timeout: float) -> tuple[bytes, str]:
        from SPARQLWrapper import SPARQLExceptions as errors

        url = self.endpoints.query
        try:
            response = client.query().response
            return response.read(), response.headers.get("Content-Type", "")
        except errors.Unauthorized:
            raise EndpointError("the endpoint refused the credentials (HTTP 401)", file=url,
                                hint="set KG_ENDPOINT_USER and KG_ENDPOINT_PASSWORD (and KG_ENDPOINT_AUTH=digest "
                                     "if the store asks for it)") from None
        except errors.EndPointNotFound:
            raise EndpointError("no SPARQL endpoint at this address (HTTP 404)", file=url,
                                hint="check --endpoint: Oxigraph serves /query, Fuseki /DATASET/sparql") from None
        except errors.QueryBadFormed as exc:
            raise QueryError("the endpoint refused the query as malformed", file=url,
                             hint=_first_line(str(exc))) from None
        except errors.SPARQLWrapperException as exc:
            raise EndpointError(f"the endpoint failed: {_first_line(str(exc))}", file=url,
                                hint="see the store's log") from None
        except urllib.error.HTTPError as exc:
            raise _http_error(exc, url) from None
        except TimeoutError:
            raise QueryTimeout(f"the endpoint did not answer within {timeout:g} s", file=url,
                               hint="raise --timeout, or narrow the query") from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError | socket.timeout):
                raise QueryTimeout(f"the endpoint did not answer within {timeout:g} s", file=url,
                                   hint="raise --timeout, or narrow the query") from None
            raise EndpointError(f"cannot reach the endpoint: {exc.reason}", file=url,
                                hint="is the store running, and is --endpoint right?") from None


def _first_line(text: str) -> str:
    text = text.strip()
    return text.splitlines()[-1][:300] if text else ""


def _http_error(exc: urllib.error.HTTPError, url: str) -> EndpointError:
    if exc.code in (401, 403):
        return EndpointError(f"the endpoint refused access (HTTP {exc.code})", file=url,
                             hint="set KG_ENDPOINT_USER and KG_ENDPOINT_PASSWORD")
    body = exc.read()[:300].decode("utf-8", "replace").strip()
    return EndpointError(f"the endpoint answered HTTP {exc.code} {exc.reason}", file=url,
                         hint=body.splitlines()[0] if body else "see the store's log")


def _parse_answer(raw: bytes, content_type: str, form: str, url: str) -> QueryResult | bool | list[ox.Triple]:
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
    except (SyntaxError, ValueError) as exc:
        raise EndpointError(f"the endpoint answered in an unexpected format: {_first_line(str(exc))}", file=url,
                            hint="is --endpoint a SPARQL query endpoint?") from None
    if isinstance(parsed, ox.QueryBoolean):
        return bool(parsed)
    names = [v.value for v in parsed.variables]
    return QueryResult(names, [{n: s[n] for n in names if s[n] is not None} for s in parsed])


# -- pushing a graph ---------------------------------------------------------------------------------


@dataclass
class PushResult:
    """What a push did: where, how many triples were sent, and how many the store now holds."""

    store: str
    graph: str
    protocol: str
    sent: int
    stored: int


def _request(url: str, method: str, body: bytes, content_type: str, timeout: float) -> None:
    handlers: list[urllib.request.BaseHandler] = []
    creds = credentials()
    if creds:
        manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        manager.add_password(None, url, creds[0], creds[1])
        handlers.append(urllib.request.HTTPDigestAuthHandler(manager) if creds[2] == "digest"
                        else urllib.request.HTTPBasicAuthHandler(manager))
    opener = urllib.request.build_opener(*handlers)
    request = urllib.request.Request(url, data=body, method=method, headers={"Content-Type": content_type})
    with opener.open(request, timeout=timeout) as response:
        response.read()


def _chunks(triples: list[ox.Triple], size: int) -> list[bytes]:
    return [ox.serialize(triples[i:i + size], format=ox.RdfFormat.N_TRIPLES)
            for i in range(0, len(triples), size)] or [b""]


def push(triples: list[ox.Triple], endpoint: str, *, graph: str = GRAPH, replace: bool = False,
         update: str | None = None, store: str | None = None, protocol: str = "auto",
         timeout: float = 300.0, batch: int = BATCH, progress: Progress | None = None) -> PushResult:
    """Load ``triples`` into the named ``graph`` of a remote store, in batches, and check the count.

    The Graph Store Protocol is used where the store has it (``protocol="gsp"``), else SPARQL Update
    (``"update"``); ``"auto"`` tries the first and falls back. ``replace`` empties the graph first;
    without it the triples are added, and since a graph is a set (and ours has no blank nodes),
    pushing twice never doubles anything.
    """
    say = progress or (lambda _m: None)
    ends = Endpoints.from_query_url(endpoint, update, store)
    if protocol not in ("auto", "gsp", "update"):
        raise UsageError(f"unknown protocol {protocol!r}", "auto, gsp or update")
    bodies = _chunks(triples, batch)
    used = protocol
    try:
        if protocol in ("auto", "gsp"):
            try:
                _push_gsp(bodies, ends.store, graph, replace, timeout, say)
                used = "gsp"
            except urllib.error.HTTPError as exc:
                if protocol == "gsp" or exc.code not in (404, 405, 415, 501):
                    raise
                say(f"no Graph Store at {ends.store} (HTTP {exc.code}); using SPARQL Update")
                used = "update"
        if used == "update":
            _push_update(triples, ends.update, graph, replace, timeout, batch, say)
    except urllib.error.HTTPError as exc:
        raise _http_error(exc, exc.url or ends.store) from None
    except TimeoutError:
        raise EndpointError(f"the store did not answer within {timeout:g} s", file=ends.store,
                            hint="retry with a smaller --batch") from None
    except urllib.error.URLError as exc:
        raise EndpointError(f"cannot reach the store: {exc.reason}", file=ends.store,
                            hint="is the store running, and is --endpoint right?") from None
    remote = RemoteGraph(endpoint, graph=None, update=update, store=store, timeout=timeout)
    rows = remote.select("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
                         {"g": ox.NamedNode(graph)}).rows
    stored = int(rows[0]["n"].value) if rows else 0
    expected = len(set(triples))
    if stored < expected or (replace and stored != expected):
        raise EndpointError(f"the push was only partly accepted: the graph holds {stored:,} triples, "
                            f"{expected:,} were sent", file=ends.store,
                            hint="see the store's log; push again with --replace")
    return PushResult(ends.store, graph, used, expected, stored)


def _push_gsp(bodies: list[bytes], store: str, graph: str, replace: bool, timeout: float,
              say: Progress) -> None:
    url = f"{store}?{urllib.parse.urlencode({'graph': graph})}"
    for i, body in enumerate(bodies, start=1):
        method = "PUT" if replace and i == 1 else "POST"
        _request(url, method, body, "application/n-triples", timeout)
        say(f"pushed batch {i}/{len(bodies)}")


def _push_update(triples: list[ox.Triple], update: str, graph: str, replace: bool, timeout: float,
                 batch: int, say: Progress) -> None:
    target = str(ox.NamedNode(graph))
    if replace:
        _request(update, "POST", f"DROP SILENT GRAPH {target}".encode(), "application/sparql-update", timeout)
    n = max(1, -(-len(triples) // batch))
    for i in range(n):
        body = ox.serialize(triples[i * batch:(i + 1) * batch], format=ox.RdfFormat.N_TRIPLES)
        text = b"INSERT DATA { GRAPH " + target.encode() + b" {\n" + body + b"} }"
        _request(update, "POST", text, "application/sparql-update", timeout)
        say(f"pushed batch {i + 1}/{n}")
