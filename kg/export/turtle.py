"""N-Triples and Turtle, for :mod:`kg.export`: written line by line from sort keys exactly as Oxigraph's
serialisers write them (which the tests check); a term or graph outside what is written here is
handed to Oxigraph."""
from __future__ import annotations

import re
from collections.abc import Iterable
from typing import IO

import pyoxigraph as ox

from kg.export.keys import _CHUNK, _NAMESPACES, _XSD_STRING, _literal_parts, _term, key_triples
from kg.namespaces import PREFIXES, RDF_TYPE, XSD

_TURTLE_HEAD = "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in PREFIXES.items()).encode() + b"\n"


def _write_turtle(triples: Iterable[ox.Triple], out: IO[bytes]) -> None:
    # Oxigraph writes prefixes in its own order; declared here in ours, then its body.
    body = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)
    assert body is not None  # no output given: Oxigraph returns the bytes
    start = 0
    while body.startswith(b"@prefix ", start):
        start = body.index(b"\n", start) + 1
    out.write(_TURTLE_HEAD)
    out.write(memoryview(body)[start:])


#: Characters that N-Triples and Turtle strings escape, as Oxigraph escapes them (checked against
#: it for every character by the tests).
_NT_ESCAPES = {c: f"\\u{c:04X}" for c in [*range(0x20), 0x7F, 0xFFFE, 0xFFFF]} | {
    0x08: "\\b", 0x09: "\\t", 0x0A: "\\n", 0x0C: "\\f", 0x0D: "\\r", 0x22: '\\"', 0x5C: "\\\\"}
_NT_ESCAPED = re.compile('[\x00-\x1f"\\\\\x7f\ufffe\uffff]')


def nt_quote(value: str) -> str:
    """``value`` as an N-Triples (or Turtle) string, quotes included, escaped as Oxigraph escapes it."""
    if _NT_ESCAPED.search(value):
        value = value.translate(_NT_ESCAPES)
    return f'"{value}"'


def _nt_term(part: str) -> str:
    kind = part[0]
    if kind == "0":
        return f"<{part[1:]}>"
    if kind == "1":
        return "_:" + part[1:]
    v, dt, lang = _literal_parts(part)
    if lang:
        return f"{nt_quote(v)}@{lang}"
    if dt == _XSD_STRING:
        return nt_quote(v)
    return f"{nt_quote(v)}^^<{dt}>"


def _write_ntriples(keys: Iterable[str], out: IO[bytes]) -> None:
    """N-Triples as Oxigraph writes it: ``<s> <p> <o> .`` a line, strings escaped as it escapes them."""
    lines: list[str] = []
    append = lines.append
    last_s = last_p = None
    head = ""
    for k in keys:
        s, p, o = k.split("\x00", 2)
        if s != last_s or p != last_p:
            head = (f"<{s[1:]}>" if s[0] == "0" else _nt_term(s)) + f" <{p[1:]}> "
            last_s, last_p = s, p
        append(f"{head}<{o[1:]}> .\n" if o[0] == "0" else f"{head}{_nt_term(o)} .\n")
        if len(lines) >= _CHUNK:
            out.write("".join(lines).encode("utf-8"))
            lines.clear()
    if lines:
        out.write("".join(lines).encode("utf-8"))


# -- Turtle -------------------------------------------------------------------------------------
#
# Turtle is written here as Oxigraph writes it (which the tests check): triples of one subject
# after it, " ;" and a tab between predicates, " , " between objects of one predicate, " ." to
# end; rdf:type as "a"; an IRI as prefix:local when a project namespace covers it and the local
# name is plain, else <IRI>; strings quoted as in N-Triples; integers and booleans bare. A term
# that is not that plain is written by Oxigraph itself (one call per distinct term), and a graph
# with blank nodes is written by Oxigraph whole.

_TYPE_PART = "0" + RDF_TYPE
_XSD_INTEGER = XSD + "integer"
_XSD_BOOLEAN = XSD + "boolean"
_TURTLE_BARE = {XSD + "decimal", XSD + "double"}  # literals Oxigraph may write bare: left to it
_PLAIN_LOCAL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.\-]*[A-Za-z0-9_\-])?")
_INTEGER = re.compile(r"[+-]?[0-9]+")
_RENDER_S, _RENDER_P = ox.NamedNode("urn:x-kg:s"), ox.NamedNode("urn:x-kg:p")
_RENDER_HEAD = "<urn:x-kg:s> <urn:x-kg:p> "


class _BlankNodes(Exception):
    """The graph has blank nodes: Oxigraph writes its Turtle."""


def _namespaces_nest() -> bool:
    spaces = list(PREFIXES.values())
    return any(a != b and b.startswith(a) for a in spaces for b in spaces)


#: With a namespace inside another, which prefix Oxigraph picks is its own affair: it writes them all.
_NESTED = _namespaces_nest()


def _oxigraph_turtle(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> str:
    """How Oxigraph writes ``term`` in Turtle with the project's prefixes."""
    body = ox.serialize([ox.Triple(_RENDER_S, _RENDER_P, term)], format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)
    assert body is not None  # no output given: Oxigraph returns the bytes
    text = body.decode("utf-8")
    start = text.index(_RENDER_HEAD) + len(_RENDER_HEAD)
    if not text.endswith(" .\n"):
        raise AssertionError(f"unexpected Turtle from Oxigraph: {text!r}")
    return text[start:-3]


def _turtle_iri(iri: str) -> str:
    m = _NAMESPACES.match(iri)
    if m is None:
        return f"<{iri}>"
    local = iri[m.end():]
    if not _NESTED and _PLAIN_LOCAL.fullmatch(local):
        return f"{m.lastgroup}:{local}"
    return _oxigraph_turtle(ox.NamedNode(iri))


def _turtle_object(part: str, iris: dict[str, str]) -> str:
    kind = part[0]
    if kind == "0":
        shown = iris.get(part)
        if shown is None:
            shown = iris[part] = _turtle_iri(part[1:])
        return shown
    if kind == "1":
        raise _BlankNodes
    v, dt, lang = _literal_parts(part)
    if lang:
        if "--" in lang:
            return _oxigraph_turtle(_term(part))
        return f"{nt_quote(v)}@{lang}"
    if dt == _XSD_STRING:
        return nt_quote(v)
    if dt == _XSD_INTEGER and _INTEGER.fullmatch(v):
        return v
    if dt == _XSD_BOOLEAN and (v == "true" or v == "false"):
        return v
    if dt in _TURTLE_BARE or dt == _XSD_INTEGER or dt == _XSD_BOOLEAN:
        return _oxigraph_turtle(_term(part))
    shown = iris.get(dt)
    if shown is None:
        shown = iris[dt] = _turtle_iri(dt)
    return f"{nt_quote(v)}^^{shown}"


def _turtle_chunks(keys: Iterable[str]) -> list[str]:
    chunks: list[str] = []
    parts: list[str] = []
    append = parts.append
    iris: dict[str, str] = {}  # key part of an object IRI or datatype -> how it is written
    predicates: dict[str, str] = {}
    last_s = last_p = None
    for k in keys:
        s, p, o = k.split("\x00", 2)
        if s != last_s:
            if s[0] != "0":
                raise _BlankNodes
            if last_s is not None:
                append(" .\n")
                if len(parts) >= _CHUNK:
                    chunks.append("".join(parts))
                    parts.clear()
            append(_turtle_iri(s[1:]))
            append(" ")
        elif p == last_p:
            append(" , ")
            append(_turtle_object(o, iris))
            continue
        else:
            append(" ;\n\t")
        shown = predicates.get(p)
        if shown is None:
            shown = predicates[p] = "a" if p == _TYPE_PART else _turtle_iri(p[1:])
        append(shown)
        append(" ")
        append(_turtle_object(o, iris))
        last_s, last_p = s, p
    if last_s is not None:
        append(" .\n")
    chunks.append("".join(parts))
    return chunks


def _write_turtle_keys(keys: Iterable[str], out: IO[bytes]) -> None:
    try:
        chunks = _turtle_chunks(keys)
    except _BlankNodes:
        _write_turtle(key_triples(keys), out)
        return
    out.write(_TURTLE_HEAD)
    for chunk in chunks:
        out.write(chunk.encode("utf-8"))
