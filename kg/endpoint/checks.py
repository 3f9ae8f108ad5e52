"""The options of a remote store, checked before anything is sent: its addresses, the graph, the
timeout, the size limit on its answers and the credentials (from the environment, never from the command
line); and how a store's text or an address is shown in a message (:func:`printable`, :func:`shown_url`).

Used by the client of :mod:`kg.endpoint.remote` and by :mod:`kg.endpoint.push`.
"""

from __future__ import annotations

import math
import os
import re
import unicodedata
import urllib.parse
from dataclasses import dataclass

import pyoxigraph as ox

from kg.errors import KgError, UsageError
from kg.namespaces import GRAPH

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


def printable(text: str, limit: int = 300) -> str:
    """``text`` (from a store, or an address) as it may be shown: every invisible character escaped,
    so that no answer can move the cursor, recolour the terminal or reverse the text after it."""
    text = text[:limit]
    return "".join(repr(c)[1:-1] if _invisible(c) else c for c in text)


def shown_url(url: str) -> str:
    """An address as messages show it: printable, and with any ``user:password@`` replaced by ``***@``."""
    return printable(re.sub(r"(?<=//)[^/?#]*@", "***@", url), 500)


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
        raise UsageError(f"{option} {shown_url(url)} holds an invisible character (U+{ord(bad):04X}: a control, "
                         "bidirectional or space character)", "write the address with visible characters only")
    if not url.isascii():
        raise UsageError(f"{option} {shown_url(url)} holds a character that is not ASCII",
                         "write it percent-encoded (a host name in its xn-- form)")
    try:
        parsed = urllib.parse.urlsplit(url)
        port = parsed.port
    except ValueError:
        raise UsageError(f"{option} {shown_url(url)} has a port that is not a number from 1 to 65535", hint) from None
    if parsed.scheme.lower() not in ("http", "https") or not parsed.hostname:
        raise UsageError(f"{option} {shown_url(url)} is not an http(s) endpoint address", hint)
    if "@" in parsed.netloc:
        raise UsageError(f"{option} {shown_url(url)} holds a user name and password",
                         "other users can read the command line: set KG_ENDPOINT_USER and KG_ENDPOINT_PASSWORD "
                         "instead, and give the address without them")
    if port == 0:
        raise UsageError(f"{option} {shown_url(url)} has a port that is not a number from 1 to 65535", hint)
    return url


def check_timeout(seconds: float, option: str = "--timeout") -> float:
    """``seconds`` if it is a number of seconds above 0 and at most :data:`MAX_TIMEOUT`, else a
    :class:`UsageError` (``nan``, ``inf`` and ``1e308`` are refused)."""
    try:
        value = float(seconds)
    except (TypeError, ValueError):
        value = math.nan
    if not (0 < value <= MAX_TIMEOUT):  # also false for nan
        raise UsageError(f"{option} {printable(str(seconds), 40)} is not a number of seconds above 0 "
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
        raise UsageError(f"{option} {printable(str(value), 40)} is not a size of at least 1 byte",
                         "a number of bytes, or with a suffix: 500K, 64M, 2G")
    return size


def check_graph(iri: str, option: str = "--graph") -> str:
    """``iri`` if it is an absolute IRI (validated by pyoxigraph) with no invisible character, else a
    :class:`UsageError`."""
    try:
        ox.NamedNode(iri)
    except (TypeError, ValueError) as exc:
        raise UsageError(f"{option} {printable(str(iri), 200)!s} is not an absolute IRI ({printable(str(exc))})",
                         f"e.g. {GRAPH}") from None
    if any(_invisible(c) for c in iri):
        raise UsageError(f"{option} {printable(iri, 200)} holds an invisible character",
                         "write the IRI with visible characters only")
    return iri


