"""What a SPARQL text may be before it reaches an engine: how deeply it nests, and (for the served
endpoint) whether it calls another service.

The engine parses nested groups, parentheses and ``!`` operators by recursion: about 3,000 nested
``{ }`` (11 KB of text) overflow its stack and kill the process, the Oxigraph server as much as the
embedded store. A lexical scan (string literals, IRIs and comments skipped, as the SPARQL tokeniser
does) measures the nesting before the engine sees the text, and finds the ``SERVICE`` keyword, which
would make the server send a request of its own to any address the query names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kg.errors import QueryError

#: The deepest nesting of ( { [ (and runs of !) a query may have. The engine overflows its stack
#: between 1,000 and 10,000 levels depending on the construct; real queries stay below 20.
MAX_DEPTH = 200

_TOKEN_RE = re.compile(r"""
    (?P<space>\s+)
  | (?P<comment>\#[^\r\n]*)
  | (?P<long>'''(?:[^'\\]|\\.|'(?!''))*(?:'''|\Z)|\"\"\"(?:[^"\\]|\\.|"(?!""))*(?:\"\"\"|\Z))
  | (?P<short>'(?:[^'\\\r\n]|\\.)*'?|"(?:[^"\\\r\n]|\\.)*"?)
  | (?P<iri><(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>)
  | (?P<var>[?$]\w*)
  | (?P<lang>@[\w-]*)
  | (?P<word>(?:[\w.:%-]|\\.)+)
  | (?P<open>[({\[])
  | (?P<close>[)}\]])
  | (?P<not>!(?!=))
  | (?P<other>.)
""", re.X | re.S)
# A word is the keyword when SERVICE stands alone in it (a prefixed name such as ex:SERVICE is not).
_SERVICE_RE = re.compile(r"(?<![\w:\\%-])SERVICE(?![\w:%-])", re.I)


class QueryRefused(QueryError):
    """A query that is refused before it reaches the engine."""


class QueryTooDeep(QueryRefused):
    """A query nests deeper than :data:`MAX_DEPTH`: the engine would overflow its stack."""


class FederationRefused(QueryRefused):
    """A query calls another endpoint (``SERVICE``), which the served endpoint does not allow."""


@dataclass(frozen=True)
class Shape:
    """What the lexical scan of a query found."""

    depth: int
    service: bool


def scan(text: str) -> Shape:
    """The deepest nesting of ``( { [`` (a run of ``!`` counting one level each) and whether the
    keyword ``SERVICE`` occurs, outside string literals, IRIs and comments."""
    depth = deepest = run = 0
    service = False
    for m in _TOKEN_RE.finditer(text):
        kind = m.lastgroup
        if kind in ("space", "comment"):
            continue
        if kind == "not":
            run += 1
            deepest = max(deepest, depth + run)
            continue
        run = 0
        if kind == "open":
            depth += 1
            deepest = max(deepest, depth)
        elif kind == "close":
            depth = max(depth - 1, 0)
        elif kind == "word" and not service:
            service = _SERVICE_RE.search(m.group()) is not None
    return Shape(deepest, service)


def check_query(text: str, max_depth: int = MAX_DEPTH) -> None:
    """:class:`QueryTooDeep` when ``text`` nests deeper than ``max_depth`` levels."""
    depth = scan(text).depth
    if depth > max_depth:
        raise _too_deep(depth, max_depth)


def check_served_query(text: str, max_depth: int = MAX_DEPTH) -> None:
    """:func:`check_query`, and :class:`FederationRefused` when ``text`` uses ``SERVICE``: what the
    served endpoint refuses."""
    shape = scan(text)
    if shape.depth > max_depth:
        raise _too_deep(shape.depth, max_depth)
    if shape.service:
        raise FederationRefused("the query uses SERVICE (a call to another endpoint), which this endpoint "
                                "does not allow", hint="it answers from its own graph only; ask the other "
                                "endpoint yourself")


def _too_deep(depth: int, max_depth: int) -> QueryTooDeep:
    return QueryTooDeep(f"the query nests {depth:,} levels deep (brackets, braces or parentheses); "
                        f"at most {max_depth} are allowed", hint="write it with fewer nested groups")
