"""The one entity a text names: an IRI, a prefixed name, an id or a label (:func:`resolve`), checked
against a class or a concept scheme, with the candidates listed when it names none or several.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from difflib import get_close_matches

import pyoxigraph as ox

from kg.errors import UsageError
from kg.graph import KnowledgeGraph
from kg.namespaces import ID_RE, KG, KGO, PREFIXES
from kg.questions.labels import label_index, labelled, labels_of, normalise

_CURIE_RE = re.compile(r"^([A-Za-z][\w-]*):([^\s/][^\s]*)?$")
#: The concept scheme of each parameter type whose values are SKOS concepts.
SCHEMES = {"role": KGO + "RoleScheme", "measure": KGO + "MeasureScheme"}


def to_iri(text: str) -> str:
    """The IRI ``text`` writes: ``<IRI>``, an IRI, or a prefixed name of the project's prefixes; a
    :class:`UsageError` when it is none of these, or not a valid IRI."""
    text = text.strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1]
    m = _CURIE_RE.match(text)
    if m and m.group(1) in PREFIXES and not text.startswith(("http:", "https:")):
        text = PREFIXES[m.group(1)] + (m.group(2) or "")
    if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", text):
        raise UsageError(f"{text!r} is not an IRI", "write <https://...> or a prefixed name such as kg:cicg")
    try:
        ox.NamedNode(text)
    except ValueError as exc:
        raise UsageError(f"{text!r} is not a valid IRI: {exc}", "percent-encode spaces and <>\"{}|^`") from None
    if re.search(r"[\s<>\"{}|^`\\]", text):
        raise UsageError(f"{text!r} is not a valid IRI", "percent-encode spaces and <>\"{}|^`\\")
    return text


def _is_subject(graph: KnowledgeGraph, iri: str) -> bool:
    cached = graph.cache.get("label-index")
    if cached is not None:
        return iri in cached[2]
    return graph.query("ASK { ?s ?p ?o }", {"s": ox.NamedNode(iri)}) is True


def _members(graph: KnowledgeGraph, cls: str | None, scheme: str | None) -> set[str] | None:
    if not cls and not scheme:
        return None
    key = f"members {cls} {scheme}"
    if key not in graph.cache:
        graph.cache[key] = _find_members(graph, cls, scheme)
    return graph.cache[key]


def _find_members(graph: KnowledgeGraph, cls: str | None, scheme: str | None) -> set[str] | None:
    if cls:
        rows = graph.select("SELECT ?class ?e WHERE { ?e a/rdfs:subClassOf* ?class }", {"class": ox.NamedNode(cls)})
        return {r["e"].value for r in rows.rows}
    if scheme:
        rows = graph.select("SELECT ?scheme ?e WHERE { ?e skos:inScheme ?scheme }", {"scheme": ox.NamedNode(scheme)})
        return {r["e"].value for r in rows.rows}
    return None


def _is_member(graph: KnowledgeGraph, iri: str, cls: str | None, scheme: str | None) -> bool:
    """Whether ``iri`` is an instance of ``cls`` (or of a subclass), or else in ``scheme``; true
    when neither is given. One bound ASK unless the members are already cached."""
    if not cls and not scheme:
        return True
    members = graph.cache.get(f"members {cls} {scheme}")
    if members is not None:
        return iri in members
    if cls:
        return graph.query("ASK { ?e a/rdfs:subClassOf* ?class }",
                           {"e": ox.NamedNode(iri), "class": ox.NamedNode(cls)}) is True
    return graph.query("ASK { ?e skos:inScheme ?scheme }",
                       {"e": ox.NamedNode(iri), "scheme": ox.NamedNode(scheme)}) is True  # type: ignore[arg-type]


def resolve(graph: KnowledgeGraph, text: str, *, cls: str | None = None, scheme: str | None = None,
            what: str = "entity") -> ox.NamedNode:
    """The one entity ``text`` names: an IRI, a prefixed name, an id (``kg:<id>``, or a role's
    or measure's id) or a label (preferred or alternative, any language, case-insensitive).
    A :class:`UsageError` lists the candidates when it names none or several.

    An id or IRI costs a few bound ASK queries, a label one filtered scan of the labels; only a
    label that names nothing reads every label (for the suggestions). What a text names is
    remembered on the graph (which never changes), so asking again costs nothing."""
    key = f"resolved {cls} {scheme} {text.strip()}"
    found = graph.cache.get(key)
    if found is None:
        found = graph.cache[key] = _resolve(graph, text, cls=cls, scheme=scheme, what=what)
    return found


def _resolve(graph: KnowledgeGraph, text: str, *, cls: str | None, scheme: str | None, what: str) -> ox.NamedNode:
    text = text.strip()
    if not text:
        raise UsageError(f"an empty {what} name", f"give the {what}'s label, id or IRI")

    def ok(iri: str) -> bool:
        return _is_member(graph, iri, cls, scheme)

    def shown(iri: str, display: Mapping[str, str] | None = None) -> str:
        prefix_form = _shorten(iri)
        label = (display if display is not None else labels_of(graph, [iri])).get(iri)
        return f"{label} ({prefix_form})" if label is not None else prefix_form

    direct: str | None = None
    known = False  # direct is known to be a subject
    if text.startswith("<") or re.match(r"^https?://", text) or (
            _CURIE_RE.match(text) and text.split(":", 1)[0] in PREFIXES):
        direct = to_iri(text)
    elif ID_RE.match(text):
        for base in ([PREFIXES["role"]] if scheme == SCHEMES["role"] else
                     [PREFIXES["measure"]] if scheme == SCHEMES["measure"] else [KG]):
            if (cls or scheme) and ok(base + text):
                return ox.NamedNode(base + text)  # a member is a subject (of its type): one query
            if _is_subject(graph, base + text):
                direct, known = base + text, True
    if direct is not None:
        if (cls or scheme) and not known and ok(direct):
            return ox.NamedNode(direct)
        if not known and not _is_subject(graph, direct):
            raise UsageError(f"{_shorten(direct)} is not in the graph", f"check the {what}'s id or IRI")
        if not ok(direct):
            article = "an" if what[:1].lower() in "aeiou" else "a"
            raise UsageError(f"{shown(direct)} is not {article} {what}", f"give {article} {what}")
        return ox.NamedNode(direct)
    found = sorted(i for i in labelled(graph, normalise(text)) if ok(i))
    if len(found) == 1:
        return ox.NamedNode(found[0])
    if not found:
        by_label, display, _subjects = label_index(graph)
        members = _members(graph, cls, scheme)

        def member(iri: str) -> bool:
            return members is None or iri in members

        pool = {lab: iris for lab, iris in by_label.items() if any(member(i) for i in iris)}
        near = get_close_matches(normalise(text), list(pool), n=5, cutoff=0.6)
        near += [lab for lab in pool if normalise(text) in lab and lab not in near][: 5 - len(near)]
        candidates = sorted({i for lab in near for i in pool[lab] if member(i)})
        hint = ("did you mean: " + "; ".join(shown(i, display) for i in candidates[:5])) if candidates else \
            "kg query -e 'SELECT ?e ?label WHERE { ?e skos:prefLabel ?label }' lists the labels"
        raise UsageError(f"no {what} is called {text!r}", hint)
    plural = "entities" if what == "entity" else f"{what}s"
    display = labels_of(graph, found)
    raise UsageError(f"{text!r} names {len(found)} {plural}: " + "; ".join(shown(i, display) for i in found),
                     "give the id or IRI of the one you mean")


def _shorten(iri: str) -> str:
    from kg.namespaces import shorten

    return shorten(iri)

