"""Remote triplestores over the standard protocols: SPARQL 1.1 Protocol queries, the Graph Store
HTTP Protocol or SPARQL Update for loading.

A :class:`RemoteGraph` answers ``query``/``select`` like the embedded :class:`~kg.graph.KnowledgeGraph`,
so the catalogue, parameter binding and output formats work unchanged against any store. The protocol
cannot bind variables, so parameters are substituted into the query text, but only as RDF terms that
pyoxigraph has validated and written in N-Triples syntax (an IRI cannot hold ``>`` or a space; a literal's
quotes and line breaks are escaped), only where a variable may stand, and never inside strings, IRIs or
comments. Credentials come from the environment (``KG_ENDPOINT_USER``, ``KG_ENDPOINT_PASSWORD``,
``KG_ENDPOINT_AUTH=basic|digest``), never from the command line.

Every exchange with a store is bounded (see :func:`kg.endpoint.exchange.exchange`): a deadline for the whole of it (name
resolution, connection, request, answer), a size limit on the answer, credentials and redirects only
within the origin of the address given. A store's answers are data: its text reaches a message only
with control and bidirectional characters escaped, and no address is shown with its user and password.

Here: the client (:class:`RemoteGraph`), the substitution and the reading of answers; the checks of the
options are :mod:`kg.endpoint.checks`, the bounded exchange :mod:`kg.endpoint.exchange`, the push
:mod:`kg.endpoint.push`.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Mapping
from typing import Any

import pyoxigraph as ox

from kg.endpoint.checks import (
    EndpointError,
    Endpoints,
    answer_limit,
    check_graph,
    check_timeout,
    credentials,
    printable,
    shown_url,
)
from kg.endpoint.exchange import StatusError, exchange, status_error
from kg.errors import QueryTimeout, UsageError
from kg.graph import QueryResult, Term
from kg.namespaces import GRAPH, sparql_prologue

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
            raw, content_type = exchange(
                url, "POST", urllib.parse.urlencode(fields).encode("ascii"),
                {"Content-Type": "application/x-www-form-urlencoded", "Accept": accept},
                timeout=seconds, limit=self.max_answer_bytes, who="endpoint")
        except StatusError as exc:
            raise status_error(exc, "endpoint") from None
        except TimeoutError:
            raise QueryTimeout(f"the endpoint did not answer within {seconds:g} s", file=shown_url(url),
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
        return count_of(self.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"), self.endpoints.query)


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


def count_of(result: QueryResult, url: str) -> int:
    """The ``?n`` of a count's first row (0 when there is no row), which must be a whole number."""
    if not result.rows:
        return 0
    term = result.rows[0].get("n")
    if not isinstance(term, ox.Literal) or not re.fullmatch(r"\+?[0-9]{1,18}", term.value):
        shown = "nothing" if term is None else printable(str(term), 80)
        raise EndpointError(f"the endpoint answered a count that is not a whole number: {shown}", file=shown_url(url),
                            hint="is --endpoint a SPARQL 1.1 query endpoint?")
    return int(term.value)


def _first_line(text: str) -> str:
    text = text.strip()
    return text.splitlines()[-1][:300] if text else ""


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
        raise EndpointError(f"the endpoint answered in an unexpected format: {printable(_first_line(str(exc)))}",
                            file=shown_url(url), hint="is --endpoint a SPARQL query endpoint?") from None
    if expected is not None and sorted(names) != sorted(expected):
        raise EndpointError(f"the endpoint answered with other variables than the query's: {_variables(names)} "
                            f"instead of {_variables(expected)}", file=shown_url(url),
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
    shown = " ".join("?" + printable(n, 60) for n in names[:12]) + (" ..." if len(names) > 12 else "")
    return shown or "none"

