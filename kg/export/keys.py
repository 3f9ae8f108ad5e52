"""Sort keys of triples, for :mod:`kg.export`: one string per triple that orders as the output does and
from which the triple can be rebuilt (see :mod:`kg.export` for why), the triples they hold, and what
the writers share.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from itertools import chain, groupby
from typing import Any, TypeVar, overload

import pyoxigraph as ox

from kg.namespaces import PREFIXES, RDF, RDF_TYPE, XSD

_XSD_STRING = XSD + "string"
_DIR_LANG_STRING = RDF + "dirLangString"
_DIRECTIONS = {"ltr": ox.BaseDirection.LTR, "rtl": ox.BaseDirection.RTL}
#: Lines (triples) per write when a format is written line by line.
_CHUNK = 20_000
_T = TypeVar("_T")

#: The project's namespaces, longest first: the first that an IRI starts with is the longest.
_NAMESPACES = re.compile("|".join(
    f"(?P<{p}>{re.escape(ns)})" for p, ns in sorted(PREFIXES.items(), key=lambda pn: -len(pn[1]))))


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
