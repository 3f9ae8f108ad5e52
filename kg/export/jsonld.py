"""JSON-LD, for :mod:`kg.export`: written from sort keys exactly as ``json.dumps(doc, indent=1,
sort_keys=True, ensure_ascii=False)`` writes it, with the project's prefix map as its context."""
from __future__ import annotations

import json
from collections.abc import Iterable
from typing import IO

from kg.export.keys import _CHUNK, _NAMESPACES, _XSD_STRING, _literal_parts
from kg.namespaces import PREFIXES


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


def _write_jsonld(keys: Iterable[str], out: IO[bytes], context_of: dict[str, object] | None = None) -> None:
    # The nodes name properties by CURIE, never by a term of the context: the terms of the record
    # fields (kg.schema_views.jsonld_context) are there for JSON-LD written by hand.
    context = json.dumps({"@context": context_of or dict(PREFIXES)}, ensure_ascii=False, indent=1, sort_keys=True)
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
