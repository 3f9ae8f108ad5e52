"""Serialising a graph: Turtle, N-Triples and JSON-LD, byte-for-byte deterministic.

Triples are sorted (subject, then ``rdf:type`` first, then predicate and object) before they are
written, and every format uses the one prefix map of :mod:`kg.namespaces`. The three formats are
written here, line by line, from the sort keys: N-Triples and Turtle exactly as Oxigraph's
serialisers write them (which the tests check, and a term or graph outside what is written here
is handed to Oxigraph), JSON-LD exactly as ``json.dumps(doc, indent=1, sort_keys=True,
ensure_ascii=False)`` writes it, with the project's prefix map as its context.

The sort key of a triple is one string (:func:`triple_key`) that orders exactly as the tuple
``(term_key(subject), predicate is not rdf:type, predicate, term_key(object))`` and from which the
triple can be rebuilt. A million keys sort in one to two seconds, where the tuples took ten; the
graph keeps the keys, packed (:class:`PackedKeys`), rather than the triples (a Python triple
costs about 450 bytes). Writing from keys needs no Python triple at all.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import chain, groupby
from typing import IO, Any, TypeVar, overload

import pyoxigraph as ox

from kg.namespaces import PREFIXES, RDF, RDF_TYPE, XSD

#: format name -> (file extension, media type)
FORMATS: dict[str, tuple[str, str]] = {
    "ttl": ("ttl", "text/turtle"),
    "nt": ("nt", "application/n-triples"),
    "jsonld": ("jsonld", "application/ld+json"),
}

_XSD_STRING = XSD + "string"
_DIR_LANG_STRING = RDF + "dirLangString"
_DIRECTIONS = {"ltr": ox.BaseDirection.LTR, "rtl": ox.BaseDirection.RTL}
#: Lines (triples) per write when a format is written line by line.
_CHUNK = 20_000
_T = TypeVar("_T")


def term_key(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> tuple[int, str, str, str]:
    """Order of terms: IRIs by their text (so kg:a comes before kg:a--x), then blank nodes, then
    literals by value, datatype and language."""
    if isinstance(term, ox.NamedNode):
        return (0, term.value, "", "")
    if isinstance(term, ox.BlankNode):
        return (1, term.value, "", "")
    if isinstance(term, ox.Literal):
        return (2, term.value, term.datatype.value, term.language or "")
    raise TypeError(f"cannot sort the term {term!r}: only IRIs, blank nodes and literals are supported")


def sort_key(t: ox.Triple) -> tuple:
    """The order of triples in every output: by subject, rdf:type first, then predicate, object."""
    return (term_key(t.subject), t.predicate.value != RDF_TYPE, t.predicate.value, term_key(t.object))


# -- sort keys ----------------------------------------------------------------------------------
#
# A key is  SUBJECT \0 PREDICATE \0 OBJECT  where SUBJECT is "0" + IRI or "1" + blank node id,
# PREDICATE is "0" + IRI for rdf:type and "1" + IRI otherwise, and OBJECT is "0" + IRI, "1" + blank
# node id, or "2" + value \0\0 datatype \0 language (language "" when there is none; "tag--dir" for
# a directional string). "\0" sorts before every other character, so a text followed by "\0" sorts
# as the tuple of texts would. IRIs, blank node ids, datatypes and language tags cannot hold "\0";
# a literal's value can, and is escaped as "\0\1" (which keeps the order, since "\0\1" sorts after
# the "\0\0" that ends a shorter value).


def _literal_key(o: ox.Literal) -> str:
    v = o.value
    if "\x00" in v:
        v = v.replace("\x00", "\x00\x01")
    dt = o.datatype.value
    lang = o.language
    if lang is None:
        return f"2{v}\x00\x00{dt}\x00"
    if dt == _DIR_LANG_STRING and o.direction is not None:
        lang = f"{lang}--{o.direction!s}"
    return f"2{v}\x00\x00{dt}\x00{lang}"


def _other_key(term: object) -> str:
    if isinstance(term, ox.NamedNode):
        return "0" + term.value
    if isinstance(term, ox.BlankNode):
        return "1" + term.value
    if isinstance(term, ox.Literal):
        return _literal_key(term)
    raise TypeError(f"cannot sort or write the term {term!r}: only IRIs, blank nodes and literals are supported")


def term_part(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> str:
    """The part of a sort key for ``term`` as a subject or an object."""
    kind = type(term)
    if kind is ox.NamedNode:
        return "0" + term.value
    if type(term) is ox.Literal:
        v = term.value
        if term.language is None and "\x00" not in v:
            return f"2{v}\x00\x00{term.datatype.value}\x00"
        return _literal_key(term)
    return _other_key(term)


def predicate_part(iri: str) -> str:
    """The part of a sort key for the predicate ``iri``."""
    return ("0" if iri == RDF_TYPE else "1") + iri


def triple_key(t: ox.Triple | ox.Quad) -> str:
    """The sort key of one triple (see the module's documentation)."""
    return keys_of((t,))[0]


def keys_of(triples: Iterable[ox.Triple | ox.Quad]) -> list[str]:
    """The sort keys of ``triples``, in their order (duplicates kept)."""
    named, literal = ox.NamedNode, ox.Literal
    out: list[str] = []
    append = out.append
    for t in triples:
        s = t.subject
        p = t.predicate.value
        o = t.object
        if type(o) is named:
            ok = "0" + o.value
        elif type(o) is literal:
            v = o.value
            lang = o.language
            if lang is None and "\x00" not in v:
                ok = f"2{v}\x00\x00{o.datatype.value}\x00"
            else:
                ok = _literal_key(o)
        else:
            ok = _other_key(o)
        if type(s) is named:
            sk = "0" + s.value
        else:
            sk = _other_key(s)
            if sk[0] == "2":
                raise TypeError(f"a literal cannot be a subject: {s!r}")
        append(f"{sk}\x00{'0' if p == RDF_TYPE else '1'}{p}\x00{ok}")
    return out


def sorted_keys(triples: Iterable[ox.Triple | ox.Quad]) -> list[str]:
    """The sort keys of the distinct ``triples``, in output order."""
    keys = keys_of(triples)
    keys.sort()
    return [key for key, _ in groupby(keys)]


def _literal_parts(o: str) -> tuple[str, str, str]:
    """Value, datatype and language (or "") of the object part of a key that is a literal."""
    v, dt, lang = o.rsplit("\x00", 2)
    v = v[1:-1]
    if "\x00" in v:
        v = v.replace("\x00\x01", "\x00")
    return v, dt, lang


def _term(part: str) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    kind = part[0]
    if kind == "0":
        return ox.NamedNode(part[1:])
    if kind == "1":
        return ox.BlankNode(part[1:])
    v, dt, lang = _literal_parts(part)
    if not lang:
        return ox.Literal(v, datatype=ox.NamedNode(dt))
    if "--" in lang:
        lang, direction = lang.split("--", 1)
        return ox.Literal(v, language=lang, direction=_DIRECTIONS[direction])
    return ox.Literal(v, language=lang)


@overload
def key_triples(keys: Iterable[str]) -> Iterator[ox.Triple]: ...
@overload
def key_triples(keys: Iterable[str], make: Callable[..., _T]) -> Iterator[_T]: ...
def key_triples(keys: Iterable[str], make: Callable[..., Any] = ox.Triple) -> Iterator[Any]:
    """The triples of ``keys``, in their order (each ``make(subject, predicate, object)``: pass
    ``ox.Quad`` for quads of the default graph)."""
    named, triple = ox.NamedNode, make
    last_s = None
    subject: ox.NamedNode | ox.BlankNode | ox.Literal = named("urn:x")
    predicates: dict[str, ox.NamedNode] = {}
    for k in keys:
        s, p, o = k.split("\x00", 2)
        if s != last_s:
            subject = named(s[1:]) if s[0] == "0" else _term(s)
            last_s = s
        predicate = predicates.get(p)
        if predicate is None:
            predicate = predicates[p] = named(p[1:])
        yield triple(subject, predicate, named(o[1:]) if o[0] == "0" else _term(o))


#: Joins packed keys: a NUL in a key is followed by "0", "1", "2", NUL, "\1", or the first
#: character of an IRI or a language tag, never by "\2".
_PACK = "\x00\x02"


class PackedKeys:
    """Sort keys kept as a few long strings (of 4,096 keys each) rather than a million short ones:
    a quarter less memory, in blocks the allocator returns to the system when they are freed."""

    def __init__(self, keys: list[str], size: int = 4096) -> None:
        self._chunks = [_PACK.join(keys[i:i + size]) for i in range(0, len(keys), size)]
        self._len = len(keys)

    def __len__(self) -> int:
        return self._len

    def __iter__(self) -> Iterator[str]:
        return chain.from_iterable(chunk.split(_PACK) for chunk in self._chunks)


def sorted_triples(triples: Iterable[ox.Triple]) -> list[ox.Triple]:
    """The distinct triples in output order."""
    return list(key_triples(sorted_keys(triples)))


# -- writing ------------------------------------------------------------------------------------


def write(triples: Sequence[ox.Triple], fmt: str, out: IO[bytes]) -> None:
    """Write already-sorted ``triples`` to ``out`` in ``fmt`` (ttl, nt or jsonld)."""
    if fmt == "ttl":
        _write_turtle(triples, out)
    elif fmt == "nt":
        ox.serialize(triples, out, format=ox.RdfFormat.N_TRIPLES)
    elif fmt == "jsonld":
        _write_jsonld(keys_of(triples), out)
    else:
        raise ValueError(f"unknown format {fmt!r}")


def write_keys(keys: Iterable[str], fmt: str, out: IO[bytes]) -> None:
    """Write the triples of already-sorted ``keys`` (a list, or anything that can be iterated over
    twice) to ``out`` in ``fmt`` (ttl, nt or jsonld)."""
    if fmt == "ttl":
        _write_turtle_keys(keys, out)
    elif fmt == "nt":
        _write_ntriples(keys, out)
    elif fmt == "jsonld":
        _write_jsonld(keys, out)
    else:
        raise ValueError(f"unknown format {fmt!r}")


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


# -- JSON-LD ------------------------------------------------------------------------------------

#: The project's namespaces, longest first: the first that an IRI starts with is the longest.
_NAMESPACES = re.compile("|".join(
    f"(?P<{p}>{re.escape(ns)})" for p, ns in sorted(PREFIXES.items(), key=lambda pn: -len(pn[1]))))


def compact(iri: str) -> str:
    """``prefix:local`` when a project prefix covers ``iri`` (a JSON-LD compact IRI), else ``iri``."""
    m = _NAMESPACES.match(iri)
    if m is not None:
        local = iri[m.end():]
        if not local.startswith("//"):
            return f"{m.lastgroup}:{local}"
    return iri


# The document is written as json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True) writes
# {"@context": PREFIXES, "@graph": [node, ...]}: a node is {"@id": ..., "@type": [...], property:
# [value, ...]} at depth 2, its keys sorted; a value is {"@id": ...}, {"@value": ...}, or with
# "@language" or "@type" (both sort before "@value").
_STR = json.encoder.encode_basestring  # type: ignore[attr-defined]
_VALUE_OPEN = "\n    {\n     "
_VALUE_CLOSE = "\n    }"


def _jsonld_id(part: str) -> str:
    """The ``@id`` text of a subject or object key part that is an IRI or a blank node."""
    return _STR(compact(part[1:]) if part[0] == "0" else "_:" + part[1:])


def _jsonld_literal(part: str, datatypes: dict[str, str]) -> str:
    v, dt, lang = _literal_parts(part)
    if lang:
        if "--" in lang:
            lang = lang.split("--", 1)[0]  # as before: the direction is not written
        return f'{_VALUE_OPEN}"@language": {_STR(lang)},\n     "@value": {_STR(v)}{_VALUE_CLOSE}'
    if dt == _XSD_STRING:
        return f'{_VALUE_OPEN}"@value": {_STR(v)}{_VALUE_CLOSE}'
    shown = datatypes.get(dt)
    if shown is None:
        shown = datatypes[dt] = _STR(compact(dt))
    return f'{_VALUE_OPEN}"@type": {shown},\n     "@value": {_STR(v)}{_VALUE_CLOSE}'


def _jsonld_node(sid: str, types: list[str], props: dict[str, list[str]]) -> str:
    members = {"@id": f'"@id": {sid}'}
    if types:
        members["@type"] = '"@type": [\n    ' + ",\n    ".join(types) + "\n   ]"
    for name, values in props.items():
        members[name] = f"{_STR(name)}: [" + ",".join(values) + "\n   ]"
    order = sorted(members) if len(members) > 1 else members  # json.dumps sorts keys as Python strings
    return "  {\n   " + ",\n   ".join(members[k] for k in order) + "\n  }"


def _write_jsonld(keys: Iterable[str], out: IO[bytes]) -> None:
    context = json.dumps({"@context": dict(PREFIXES)}, ensure_ascii=False, indent=1, sort_keys=True)
    out.write((context[:-2] + ',\n "@graph": [').encode("utf-8"))
    names: dict[str, str] = {}  # predicate key part -> its compact name
    datatypes: dict[str, str] = {}
    ids: dict[str, str] = {}  # key part of an object IRI -> its @id text (objects repeat)
    chunk: list[str] = []
    last_s = None
    sid = ""
    types: list[str] = []
    props: dict[str, list[str]] = {}
    first = True
    for k in keys:
        s, p, o = k.split("\x00", 2)
        if s != last_s:
            if last_s is not None:
                chunk.append(_jsonld_node(sid, types, props))
                if len(chunk) >= _CHUNK:
                    out.write((("\n" if first else ",\n") + ",\n".join(chunk)).encode("utf-8"))
                    chunk.clear()
                    first = False
            last_s, sid, types, props = s, _jsonld_id(s), [], {}
        kind = o[0]
        if kind == "0":
            value = ids.get(o)
            if value is None:
                value = ids[o] = _jsonld_id(o)
            if p[0] == "0":  # rdf:type with an IRI
                types.append(value)
                continue
            value = f'{_VALUE_OPEN}"@id": {value}{_VALUE_CLOSE}'
        elif kind == "2":
            value = _jsonld_literal(o, datatypes)
        else:
            value = f'{_VALUE_OPEN}"@id": {_jsonld_id(o)}{_VALUE_CLOSE}'
        name = names.get(p)
        if name is None:
            name = names[p] = compact(p[1:])
        values = props.get(name)
        if values is None:
            props[name] = [value]
        else:
            values.append(value)
    if last_s is not None:
        chunk.append(_jsonld_node(sid, types, props))
    if chunk:
        out.write((("\n" if first else ",\n") + ",\n".join(chunk)).encode("utf-8"))
        out.write(b"\n ]\n}\n")
    elif first:
        out.write(b"]\n}\n")
    else:
        out.write(b"\n ]\n}\n")
