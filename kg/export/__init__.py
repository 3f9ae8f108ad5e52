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

The sort keys are :mod:`kg.export.keys`, the N-Triples and Turtle writers :mod:`kg.export.turtle`,
the JSON-LD writer :mod:`kg.export.jsonld`; their public names are here too.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import IO

import pyoxigraph as ox

from kg.export.jsonld import _write_jsonld, compact
from kg.export.keys import (
    PackedKeys,
    key_triples,
    keys_of,
    predicate_part,
    sort_key,
    sorted_keys,
    sorted_triples,
    term_key,
    term_part,
    triple_key,
)
from kg.export.turtle import _TURTLE_HEAD as _TURTLE_HEAD  # the tests compare with it
from kg.export.turtle import _write_ntriples, _write_turtle, _write_turtle_keys, nt_quote

__all__ = [
    "FORMATS", "PackedKeys", "compact", "key_triples", "keys_of", "nt_quote", "predicate_part", "sort_key",
    "sorted_keys", "sorted_triples", "term_key", "term_part", "triple_key", "write", "write_keys",
]

#: format name -> (file extension, media type)
FORMATS: dict[str, tuple[str, str]] = {
    "ttl": ("ttl", "text/turtle"),
    "nt": ("nt", "application/n-triples"),
    "jsonld": ("jsonld", "application/ld+json"),
}


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


def write_keys(keys: Iterable[str], fmt: str, out: IO[bytes], context: dict[str, object] | None = None) -> None:
    """Write the triples of already-sorted ``keys`` (a list, or anything that can be iterated over
    twice) to ``out`` in ``fmt`` (ttl, nt or jsonld; ``context`` is JSON-LD's, by default the
    project's prefixes)."""
    if fmt == "ttl":
        _write_turtle_keys(keys, out)
    elif fmt == "nt":
        _write_ntriples(keys, out)
    elif fmt == "jsonld":
        _write_jsonld(keys, out, context)
    else:
        raise ValueError(f"unknown format {fmt!r}")
