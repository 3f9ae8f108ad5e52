"""The knowledge graph held in the embedded store, and what can be asked of it.

Oxigraph (pyoxigraph) is the embedded store, chosen by measurement: at a million triples it
loaded about 12 times faster than rdflib's memory store in a third of the memory, and answered
analyst queries 24-54 times faster. Only this module touches the store; the rest of the toolkit
goes through :class:`KnowledgeGraph`.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import groupby, islice
from pathlib import Path
from types import MappingProxyType
from typing import IO, Any

import pyoxigraph as ox

from kg import export
from kg.errors import Problem
from kg.isolated import DEFAULT_MAX_MEMORY, run_limited
from kg.namespaces import KGO, PREFIXES, XSD
from kg.sparql_limits import check_query

Term = ox.NamedNode | ox.BlankNode | ox.Literal

#: Summary lines of ``kg build`` and ``kg stats``: label -> ontology class counted (with subclasses).
COUNTED: dict[str, str] = {
    "people": KGO + "Person",
    "organisations": KGO + "Organisation",
    "works": KGO + "Work",
    "events": KGO + "Event",
    "programmes": KGO + "Programme",
    "programme editions": KGO + "ProgrammeEdition",
    "places": KGO + "Place",
    "sources": KGO + "Source",
    "awards": KGO + "Award",
    "participations": KGO + "Participation",
}


@dataclass(slots=True)  # one per node: a quarter of a million at a million triples
class Provenance:
    """Where the statements about one node were curated: a file and a line."""

    file: str
    line: int
    record: str


@dataclass
class QueryResult:
    """A SELECT result: its variables and rows (variable -> RDF term; unbound ones absent)."""

    variables: list[str]
    rows: list[dict[str, Term]] = field(default_factory=list)

    def to_dicts(self) -> list[dict[str, Any]]:
        """Rows as plain Python values: IRIs as strings, literals as str, int, float or bool."""
        return [{k: to_python(v) for k, v in row.items()} for row in self.rows]

    def __len__(self) -> int:
        return len(self.rows)


def to_python(term: Term | ox.Triple) -> Any:
    """A plain Python value for an RDF term (a triple term as its N-Triples text)."""
    if isinstance(term, ox.Literal):
        dt = term.datatype.value
        if dt in (XSD + "integer", XSD + "int", XSD + "long", XSD + "nonNegativeInteger"):
            return int(term.value)
        if dt in (XSD + "decimal", XSD + "double", XSD + "float"):
            return float(term.value)
        if dt == XSD + "boolean":
            return term.value == "true"
        return term.value
    if isinstance(term, ox.Triple):
        return f"<<( {term} )>>"
    return term.value


class KnowledgeGraph:
    """A knowledge graph in the embedded store: query it, count it, serialise it."""

    #: What every query is asked over (empty: the store's default graph; see :meth:`from_store`).
    _dataset: Mapping[str, Any] = MappingProxyType({})
    #: The number of triples when known without counting the store (a store read from disk).
    _length: int | None = None
    #: The N-Triples file a store read from disk was loaded from, and its SHA-256.
    _loaded_from: tuple[Path, str] | None = None

    def __init__(self, triples: Iterable[ox.Triple], provenance: Mapping[str, Provenance] | None = None) -> None:
        keys: list[str] = []
        self._setup(ox.Store(), provenance)
        self._store.bulk_extend(_keyed(triples, keys))
        self._set_sorted(keys)

    def _setup(self, store: ox.Store, provenance: Mapping[str, Provenance] | None = None) -> None:
        """The attributes every graph has, whichever way it was made (each constructor calls this)."""
        self._store = store
        # The output order is kept as sort keys (export.triple_key), not as the triples themselves.
        self._keys: export.PackedKeys | None = None  # None: not known yet (a graph read from a file)
        self.provenance: dict[str, Provenance] = dict(provenance or {})
        self.cache: dict[str, Any] = {}  # derived lookups (labels ...); the graph never changes
        self.warnings: list[Problem] = []  # what the checks of the records asked the curator to confirm
        self.jsonld_context: dict[str, object] | None = None  # of kg.jsonld; None: the prefixes alone

    @classmethod
    def from_keys(cls, keys: list[str], provenance: Mapping[str, Provenance] | None = None) -> KnowledgeGraph:
        """A graph of the triples whose sort keys (:func:`kg.export.triple_key`) are ``keys``.

        The list is emptied: the keys are sorted and packed first, so that their memory (and that
        of whatever the caller let go before) is free again when the store takes its own."""
        graph = cls.awaiting_store(keys, provenance)
        graph._store.bulk_extend(export.key_triples(graph._sorted_keys(), ox.Quad))
        return graph

    @classmethod
    def awaiting_store(cls, keys: list[str], provenance: Mapping[str, Provenance] | None = None
                       ) -> KnowledgeGraph:
        """A graph of the triples of ``keys`` (emptied, as in :meth:`from_keys`) whose store stays
        empty until :meth:`fill_from` loads the N-Triples written from these keys."""
        graph = cls.__new__(cls)
        graph._setup(ox.Store(), provenance)
        graph._set_sorted(keys)
        return graph

    def fill_from(self, chunks: Iterable[bytes]) -> None:
        """Fill the empty store from the graph's own N-Triples (``serialize("nt")``), given in
        pieces that end at line ends, as they are written. Every piece is taken.

        A build writes that file anyway, and Oxigraph parses it without holding the GIL, so the
        store fills (and is then checked) while Python writes the other formats: turning the keys
        into Python triples for the store cost more than writing and parsing the file. Oxigraph's
        parser renames blank nodes, though, and each piece on its own: a graph with any (or with
        text that looks like one) is filled from its keys instead, as :meth:`from_keys` does."""
        blank = False
        for chunk in chunks:
            blank = blank or b"_:" in chunk
            if not blank:
                self._store.bulk_load(chunk, format=ox.RdfFormat.N_TRIPLES)
        if blank:
            self._store.clear()
            self._store.bulk_extend(export.key_triples(self._sorted_keys(), ox.Quad))

    @classmethod
    def from_file(cls, path: Path, fmt: str = "nt") -> KnowledgeGraph:
        """A graph read from a file written by a build (``nt`` or ``ttl``), straight into the store."""
        graph = cls.__new__(cls)
        graph._setup(ox.Store())
        rdf_format = ox.RdfFormat.N_TRIPLES if fmt == "nt" else ox.RdfFormat.TURTLE
        graph._store.bulk_load(path=str(path), format=rdf_format)
        return graph

    @classmethod
    def from_store(cls, folder: Path, graph_iri: str, triples: int,
                   loaded_from: tuple[Path, str] | None = None) -> KnowledgeGraph:
        """The graph kept on disk by a build (:mod:`kg.build_dir.store`), opened read-only: nothing is
        parsed or copied, and several processes may read it at once. Its triples lie in the named
        graph ``graph_iri``, which queries see as their default graph (and no other graph);
        ``triples`` is their number, as the build recorded it; ``loaded_from`` the N-Triples file
        the store was loaded from and its SHA-256 (see :meth:`every_triple`). ``OSError`` when it
        cannot be opened."""
        graph = cls.__new__(cls)
        graph._setup(ox.Store.read_only(str(folder)))
        graph._dataset = {"default_graph": ox.NamedNode(graph_iri), "named_graphs": []}
        graph._length = triples
        graph._loaded_from = loaded_from
        return graph

    def __len__(self) -> int:
        if self._keys is not None:
            return len(self._keys)
        return self._length if self._length is not None else len(self._store)

    def triples(self) -> list[ox.Triple]:
        """All triples, in the deterministic output order."""
        return list(export.key_triples(self._sorted_keys()))

    def _set_sorted(self, keys: list[str]) -> None:
        """Keep the distinct ``keys`` (emptied), sorted and packed."""
        # Sorted as they come (records give runs already in order, which the sort takes whole:
        # ten times faster than sorting them in a set's order), then each kept once.
        keys.sort()
        distinct = [key for key, _ in groupby(keys)]
        keys.clear()
        self._keys = export.PackedKeys(distinct)

    def _sorted_keys(self) -> export.PackedKeys:
        if self._keys is None:
            fh = self._loaded_file()  # a store read from disk: its file, as in every_triple
            if fh is None:
                self._set_sorted(export.keys_of(self._store))
            else:
                with fh:
                    self._set_sorted(export.keys_of(ox.parse(fh, format=ox.RdfFormat.N_TRIPLES)))
        assert self._keys is not None
        return self._keys

    def query(self, sparql: str, bindings: Mapping[str, Term] | None = None, *,
              timeout: float | None = None,
              max_memory: int | None = DEFAULT_MAX_MEMORY) -> QueryResult | bool | list[ox.Triple]:
        """Run a SPARQL query with the project's prefixes predeclared.

        ``bindings`` gives variables their values as RDF terms, substituted by the engine (never
        formatted into the query text; Oxigraph binds only variables a SELECT projects). SELECT
        gives a :class:`QueryResult`, ASK a bool, CONSTRUCT/DESCRIBE a list of triples. With a
        ``timeout`` in seconds the query runs in a forked child (:mod:`kg.isolated`): still running
        then, it is killed and :class:`QueryTimeout` is raised; its memory beyond the process's is
        bounded by ``max_memory`` bytes (``None``: unbounded), past which :class:`QueryError` is raised.
        Syntax errors raise the engine's ``SyntaxError`` (message ``error at LINE:COL: ...``).
        """
        check_query(sparql)  # a query nested too deep would overflow the engine's stack
        subs = {ox.Variable(k): v for k, v in (bindings or {}).items()}
        if timeout is None:
            return self._evaluate(sparql, subs)
        return run_limited(lambda: self._evaluate(sparql, subs), timeout, max_memory)

    def _evaluate(self, sparql: str, subs: dict) -> QueryResult | bool | list[ox.Triple]:
        result = self._store.query(sparql, prefixes=PREFIXES, substitutions=subs or None, **self._dataset)
        if isinstance(result, ox.QuerySolutions):
            names = [v.value for v in result.variables]
            # A solution iterates over its values in the order of the variables: zipping them took
            # half the time of looking each up by name (a tenth of a second per 25,000 rows).
            rows = [{n: v for n, v in zip(names, s, strict=True) if v is not None} for s in result]
            return QueryResult(names, rows)
        if isinstance(result, ox.QueryBoolean):
            return bool(result)
        return list(result)

    def solutions(self, sparql: str) -> ox.QuerySolutions:
        """Run a SELECT query (the project's prefixes predeclared) and give the engine's own solutions,
        unconverted, read as they come: for callers that read many rows by variable name (the SHACL
        engine) and need neither :class:`QueryResult`'s plain rows nor :meth:`query`'s limits.
        Raises ``TypeError`` for other query forms, and the engine's ``SyntaxError`` as :meth:`query`.
        """
        result = self._store.query(sparql, prefixes=PREFIXES, **self._dataset)
        if not isinstance(result, ox.QuerySolutions):
            raise TypeError("not a SELECT query")
        return result

    def every_triple(self) -> Iterator[tuple[Term, Term, Term]]:
        """Every triple as its subject, predicate and object, in no particular order: for readers
        of the whole graph (the read model's index).

        A graph opened from a build's on-disk store reads them from the file the store was loaded
        from, when that file still has the SHA-256 the store recorded: at a million triples the
        store gave them in 21 s (each term a lookup in RocksDB), parsing the file in 3.6 s."""
        fh = self._loaded_file()
        if fh is None:
            yield from self.solutions("SELECT ?s ?p ?o WHERE { ?s ?p ?o }")
            return
        with fh:
            for t in ox.parse(fh, format=ox.RdfFormat.N_TRIPLES):
                yield t.subject, t.predicate, t.object

    def _loaded_file(self) -> IO[bytes] | None:
        """The N-Triples file a store read from disk was loaded from, open at its start, when it still
        has the SHA-256 the store recorded; None otherwise (then the store itself is read)."""
        if self._loaded_from is None:
            return None
        path, sha256 = self._loaded_from
        try:
            fh = path.open("rb")
        except OSError:
            return None
        # Hashed and then parsed through one handle: a build that replaces the file meanwhile does
        # not change what is read.
        digest = hashlib.sha256()
        try:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
            if digest.hexdigest() == sha256:
                fh.seek(0)
                return fh
        except OSError:
            pass
        fh.close()
        return None

    def select(self, sparql: str, bindings: Mapping[str, Term] | None = None, *,
               timeout: float | None = None) -> QueryResult:
        """Run a SELECT query (see :meth:`query`)."""
        result = self.query(sparql, bindings, timeout=timeout)
        if not isinstance(result, QueryResult):
            raise TypeError("not a SELECT query")
        return result

    def counts(self) -> dict[str, int]:
        """How many instances of each counted class, plus the number of triples."""
        # One query for every class (one per class took 20 times longer at a million triples).
        classes = " ".join(f"<{cls}>" for cls in dict.fromkeys(COUNTED.values()))
        res = self.select("SELECT ?c (COUNT(DISTINCT ?x) AS ?n) WHERE { VALUES ?c { " + classes + " } "
                          "?x a/rdfs:subClassOf* ?c } GROUP BY ?c")
        found = {row["c"].value: int(row["n"].value) for row in res.rows}
        out = {label: found.get(cls, 0) for label, cls in COUNTED.items()}
        out["triples"] = len(self)
        return out

    def serialize(self, fmt: str, out: IO[bytes] | Path | None = None) -> bytes | None:
        """Write the graph as ``ttl``, ``nt`` or ``jsonld`` to ``out`` (a binary file or a path),
        or return the bytes when ``out`` is None."""
        keys = self._sorted_keys()
        if out is None:
            buf = io.BytesIO()
            export.write_keys(keys, fmt, buf, self.jsonld_context)
            return buf.getvalue()
        if isinstance(out, Path):
            with out.open("wb") as fh:
                export.write_keys(keys, fmt, fh, self.jsonld_context)
        else:
            export.write_keys(keys, fmt, out, self.jsonld_context)
        return None


def _keyed(triples: Iterable[ox.Triple | ox.Quad], keys: list[str]) -> Iterator[ox.Quad]:
    """``triples`` as quads of the default graph (what the store takes), adding their sort keys to
    ``keys`` on the way, a batch at a time. Quads of the default graph are taken as they are."""
    quad, default = ox.Quad, ox.DefaultGraph
    it = iter(triples)
    while batch := list(islice(it, 10_000)):
        keys.extend(export.keys_of(batch))
        yield from (t if type(t) is quad and type(t.graph_name) is default else quad(t.subject, t.predicate, t.object)
                    for t in batch)
