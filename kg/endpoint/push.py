"""Pushing a graph into a remote store: the Graph Store HTTP Protocol where the store has it, else
SPARQL Update, in batches, every option checked before the first request and the count checked after.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass

import pyoxigraph as ox

from kg.endpoint.checks import EndpointError, check_graph, printable, shown_url
from kg.endpoint.exchange import StatusError, exchange, status_error
from kg.endpoint.remote import RemoteGraph, count_of
from kg.errors import UsageError
from kg.namespaces import GRAPH

Progress = Callable[[str], None]
BATCH = 50_000  # triples per request when pushing by the Graph Store Protocol
#: Triples per INSERT DATA when pushing by SPARQL Update: a store compiles an update as a query, and
#: Virtuoso 7's SPARQL compiler ran out of memory on one of 12,408 triples (about 5,000 lines in).
UPDATE_BATCH = 2_000


@dataclass
class PushResult:
    """What a push did: where, how many triples were sent, and how many the store now holds."""

    store: str  # the address the triples were sent to: the Graph Store, or the Update endpoint
    graph: str
    protocol: str
    sent: int
    stored: int


def _request(url: str, method: str, body: bytes, content_type: str, timeout: float, limit: int) -> None:
    exchange(url, method, body, {"Content-Type": content_type}, timeout=timeout, limit=limit, who="store")


def _ntriples(triples: list[ox.Triple]) -> bytes:
    body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    assert body is not None  # no output given: Oxigraph returns the bytes
    return body


def _chunks(triples: list[ox.Triple], size: int) -> list[bytes]:
    return [_ntriples(triples[i:i + size]) for i in range(0, len(triples), size)] or [b""]


def check_push(endpoint: str, *, graph: str = GRAPH, update: str | None = None, store: str | None = None,
               protocol: str = "auto", timeout: float = 300.0, batch: int | None = None,
               max_answer_bytes: int | str | None = None) -> RemoteGraph:
    """Check the options of a push (a :class:`UsageError` for the first wrong one) without sending
    anything; returns the client that counts the graph after the push."""
    remote = RemoteGraph(endpoint, graph=None, update=update, store=store, timeout=timeout,
                         max_answer_bytes=max_answer_bytes)
    check_graph(graph)
    if protocol not in ("auto", "gsp", "update"):
        raise UsageError(f"unknown protocol {printable(str(protocol), 40)!r}", "auto, gsp or update")
    if batch is not None and (isinstance(batch, bool) or not isinstance(batch, int) or batch < 1):
        raise UsageError("--batch must be at least 1")
    return remote


def push(triples: list[ox.Triple], endpoint: str, *, graph: str = GRAPH, replace: bool = False,
         update: str | None = None, store: str | None = None, protocol: str = "auto",
         timeout: float = 300.0, batch: int | None = None, progress: Progress | None = None,
         max_answer_bytes: int | str | None = None) -> PushResult:
    """Load ``triples`` into the named ``graph`` of a remote store, in batches, and check the count.

    The Graph Store Protocol is used where the store has it (``protocol="gsp"``), else SPARQL Update
    (``"update"``); ``"auto"`` tries the first and falls back. ``replace`` empties the graph first;
    without it the triples are added, and since a graph is a set (and ours has no blank nodes),
    pushing twice never doubles anything. Every option is checked (:func:`check_push`) before the
    first request; each request, its answer included, must end within ``timeout`` seconds, and no
    answer may be larger than ``max_answer_bytes``. ``batch`` triples go in each request: by default
    :data:`BATCH` by the Graph Store Protocol and :data:`UPDATE_BATCH` by SPARQL Update.
    """
    say = progress or (lambda _m: None)
    remote = check_push(endpoint, graph=graph, update=update, store=store, protocol=protocol, timeout=timeout,
                        batch=batch, max_answer_bytes=max_answer_bytes)
    ends, timeout, limit = remote.endpoints, remote.timeout, remote.max_answer_bytes
    bodies = _chunks(triples, batch or BATCH)
    used = protocol
    try:
        if protocol in ("auto", "gsp"):
            try:
                _push_gsp(bodies, ends.store, graph, replace, timeout, limit, say)
                used = "gsp"
            except StatusError as exc:
                if protocol == "gsp" or exc.code not in (404, 405, 415, 501):
                    raise
                say(f"no Graph Store at {shown_url(ends.store)} (HTTP {exc.code}); using SPARQL Update")
                used = "update"
        if used == "update":
            _push_update(triples, ends.update, graph, replace, timeout, limit, batch or UPDATE_BATCH, say)
    except StatusError as exc:
        raise status_error(exc, "store") from None
    except TimeoutError:
        raise EndpointError(f"the store did not answer within {timeout:g} s",
                            file=shown_url(ends.update if used == "update" else ends.store),
                            hint="raise --timeout, or send smaller batches (--batch)") from None
    stored = count_of(remote.select("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
                                  {"g": ox.NamedNode(graph)}), ends.query)
    expected = len(set(triples))
    sent_to = ends.update if used == "update" else ends.store  # the address the triples went to
    if stored < expected or (replace and stored != expected):
        raise EndpointError(f"the push was only partly accepted: the graph holds {stored:,} triples, "
                            f"{expected:,} were sent", file=shown_url(sent_to),
                            hint="see the store's log; push again with --replace")
    return PushResult(sent_to, graph, used, expected, stored)


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
