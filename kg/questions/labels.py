"""The display labels of IRIs, and the entities a label names, by the one label rule
(:func:`kg.model.labels.display_rank`).

Found for the IRIs asked only, with a bound query per few hundred of them (:func:`labels_of`), or with
one filtered scan for a label (:func:`labelled`); the whole graph's label index (:func:`label_index`) is
read only when it is already cached, or for the suggestions of a label that names nothing.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

import pyoxigraph as ox

from kg.graph import KnowledgeGraph, Term
from kg.model.labels import best_names, display_rank
from kg.namespaces import XSD


def normalise(label: str) -> str:
    """How labels are compared: Unicode-normalised, case-folded, spaces collapsed."""
    return " ".join(unicodedata.normalize("NFKC", label).casefold().split())


def label_index(graph: KnowledgeGraph) -> tuple[dict[str, set[str]], dict[str, str], set[str]]:
    """Label -> entities, entity -> its display label, and every subject, cached on the graph.

    Whole-graph work (seconds at a million triples): :func:`kg.questions.resolve.resolve` and
    :meth:`kg.questions.answer.Answer.labels`
    use it only when it is already cached, or for the suggestions of a label that names nothing."""
    cached = graph.cache.get("label-index")
    if cached is not None:
        return cached
    by_label: dict[str, set[str]] = {}
    rows = graph.select(
        "SELECT ?e ?label ?pref WHERE { { ?e skos:prefLabel ?label BIND(true AS ?pref) } "
        "UNION { ?e skos:altLabel|rdfs:label ?label } FILTER(isIRI(?e)) }")
    for row in rows.rows:
        by_label.setdefault(normalise(row["label"].value), set()).add(row["e"].value)
    display = _display(rows.rows)
    subjects = {r["s"].value for r in graph.select("SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER(isIRI(?s)) }").rows}
    graph.cache["label-index"] = (by_label, display, subjects)
    return by_label, display, subjects


def _display(rows: list[dict[str, Term]]) -> dict[str, str]:
    """Entity -> its display label, from rows of ``?e ?label ?pref``, by :func:`kg.model.labels.display_rank`."""
    return best_names((row["e"].value, display_rank("pref" in row, getattr(row["label"], "language", None),
                                                     row["label"].value)) for row in rows)


def labels(graph: KnowledgeGraph) -> dict[str, str]:
    """The display label of every labelled IRI (an English preferred label where there is one)."""
    return label_index(graph)[1]


_BATCH = 500  # IRIs per query of labels_of


def labels_of(graph: KnowledgeGraph, iris: Iterable[str | ox.NamedNode]) -> dict[str, str]:
    """The display labels of ``iris`` (those that have one), chosen as :func:`labels` chooses
    them, found with a query per few hundred IRIs rather than from every label of the graph."""
    wanted = list(dict.fromkeys(i.value if isinstance(i, ox.NamedNode) else i for i in iris))
    cached = graph.cache.get("label-index")
    if cached is not None:
        return {i: cached[1][i] for i in wanted if i in cached[1]}
    out: dict[str, str] = {}
    for start in range(0, len(wanted), _BATCH):
        # The IRIs are written by pyoxigraph (validated, in N-Triples syntax), as kg.endpoint.remote does.
        values = " ".join(str(ox.NamedNode(i)) for i in wanted[start:start + _BATCH])
        rows = graph.select(
            "SELECT ?e ?label ?pref WHERE { VALUES ?e { " + values + " } "
            "{ ?e skos:prefLabel ?label BIND(true AS ?pref) } UNION { ?e skos:altLabel|rdfs:label ?label } }")
        out.update(_display(rows.rows))
    return out


# Characters on which the engine's LCASE agrees with normalise(): each is its own NFKC form,
# combines with nothing before it, lower-cases to one character and case-folds to the same one
# (the Greek capital sigma is left out: LCASE makes it final or not by context). A label made of
# these alone, single-spaced, normalises to its LCASE; any other label is compared in Python.
_SIMPLE_BLOCKS = ((0x21, 0x7E), (0xA0, 0x52F), (0x1E00, 0x1FFF), (0x2010, 0x2027), (0x3041, 0x30FF))
_SIMPLE_WHOLE = ((0x4E00, 0x9FFF), (0xAC00, 0xD7A3))  # CJK ideographs, Hangul syllables: all of them


def _simple(char: str) -> bool:
    if char.isspace() or unicodedata.category(char)[0] == "C" or unicodedata.combining(char):
        return False
    lower = char.lower()
    return (unicodedata.normalize("NFKC", char) == char and len(lower) == 1 and char.casefold() == lower
            and char != "\u03a3")


def _simple_ranges() -> list[tuple[int, int]]:
    ranges: list[tuple[int, int]] = []
    for low, high in _SIMPLE_BLOCKS:
        for code in range(low, high + 1):
            if not _simple(chr(code)):
                continue
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1] = (ranges[-1][0], code)
            else:
                ranges.append((code, code))
    return ranges + list(_SIMPLE_WHOLE)


_SIMPLE_PATTERN: str | None = None


def _simple_pattern() -> str:
    """A regular expression (XPath syntax) for the labels the engine can compare itself: simple
    characters, single spaces between words. Made by this module, never from user text."""
    global _SIMPLE_PATTERN
    if _SIMPLE_PATTERN is None:
        # "!-~" comes first: no class starts with "^", and "[", "]", "\", "-" are inside a range.
        cls = "[" + "".join(chr(a) if a == b else f"{chr(a)}-{chr(b)}" for a, b in _simple_ranges()) + "]"
        _SIMPLE_PATTERN = f"^({cls}+( {cls}+)*)?$"
    return _SIMPLE_PATTERN


def labelled(graph: KnowledgeGraph, key: str) -> set[str]:
    """The entities with a label (preferred, alternative or rdfs, any language) whose
    :func:`normalise` form is ``key``. The engine passes on only the labels that may be such:
    a simple label (see :func:`_simple_pattern`) when its LCASE is ``key``, any other label
    always; Python then compares exactly."""
    cached = graph.cache.get("label-index")
    if cached is not None:
        return set(cached[0].get(key, ()))
    found = graph.cache.get(f"labelled {key}")
    if found is None:
        pattern = _simple_pattern()
        assert '"' not in pattern and "\\" not in pattern
        # A simple label lower-cases character for character, so its length is the key's: the
        # engine compares lengths first and lower-cases only the labels of the right length.
        rows = graph.select(
            "SELECT ?key ?length ?e ?label WHERE { "
            "VALUES ?p { skos:prefLabel skos:altLabel rdfs:label } ?e ?p ?label "
            "FILTER(isIRI(?e) && (!isLiteral(?label) || (STRLEN(STR(?label)) = ?length && LCASE(STR(?label)) = ?key) "
            '|| !REGEX(STR(?label), "' + pattern + '"))) }',
            {"key": ox.Literal(key), "length": ox.Literal(str(len(key)), datatype=ox.NamedNode(XSD + "integer"))})
        found = frozenset(r["e"].value for r in rows.rows if normalise(r["label"].value) == key)
        graph.cache[f"labelled {key}"] = found
    return set(found)

