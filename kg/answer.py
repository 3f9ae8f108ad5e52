"""Running questions: catalogue questions or the analyst's own SPARQL, with parameters bound
safely as RDF terms.

A parameter value never becomes query text. It is turned into one RDF term (an IRI, an entity
found by its label, or a typed literal) and handed to the engine as a substitution, so
``x" } ; DROP ALL ; #`` is a string to match, nothing more.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from difflib import get_close_matches
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg.catalogue import Param, Question, inspect_query, parameters_in, parse_header, syntax_problem
from kg.errors import Problem, QueryError, UsageError, ValidationError
from kg.graph import KnowledgeGraph, QueryResult, Term, to_python
from kg.isolated import DEFAULT_MAX_MEMORY
from kg.model.dates import is_day, parse_day
from kg.model.labels import best_names, display_rank
from kg.namespaces import GRAPH, ID_RE, KG, KGO, PREFIXES, XSD

_INT_RE = re.compile(r"^[+-]?\d+$")
_CURIE_RE = re.compile(r"^([A-Za-z][\w-]*):([^\s/][^\s]*)?$")
_SCHEMES = {"role": KGO + "RoleScheme", "measure": KGO + "MeasureScheme"}


@dataclass
class Answer:
    """The answer to one question: SELECT rows, an ASK boolean, or CONSTRUCT/DESCRIBE triples."""

    form: str
    result: QueryResult | bool | list[ox.Triple]
    bindings: dict[str, Term] = field(default_factory=dict)
    question: Question | None = None
    graph: KnowledgeGraph | None = field(default=None, repr=False)
    warnings: list[str] = field(default_factory=list)

    _names: Names | None = field(default=None, init=False, repr=False, compare=False)

    def labels(self) -> dict[str, str]:
        """The display label of each IRI in the answer that has one: ``{iri: label}``.

        The IRIs are those of the SELECT rows (or of the CONSTRUCT/DESCRIBE triples: subjects,
        predicates and objects); an ASK answer, or an answer without its graph, has none. The label
        rule is :func:`kg.model.labels.display_rank` in ``kg/model/labels.py`` (the one rule of
        questions and pages): a ``skos:prefLabel`` before a ``skos:altLabel`` or ``rdfs:label``; within
        each, a name tagged ``en`` or untagged before any other language (``en-GB`` counts as another
        language); then the first by text. The labels are found for those IRIs only, with a bound
        query per few hundred of them (:func:`labels_of`; the whole graph's label index only when it
        is already cached). The ids inside lists of ids are not IRIs of the answer: their names are
        in :meth:`names`. The ``table`` format shows these labels; the ``<column>_label`` columns of
        the other formats hold the same ones."""
        if self.graph is None:
            return {}
        terms: Iterable[Term | ox.Triple]
        if isinstance(self.result, QueryResult):
            terms = (t for row in self.result.rows for t in row.values())
        elif isinstance(self.result, bool):
            terms = iter(())
        else:
            terms = (t for triple in self.result for t in (triple.subject, triple.predicate, triple.object))
        iris = {t.value for t in terms if isinstance(t, ox.NamedNode)}
        if self._names is not None:
            return {i: name for i, name in self._names.labels.items() if i in iris}
        return labels_of(self.graph, sorted(iris))

    def names(self) -> Names:
        """The names the ``<column>_label`` columns hold (see :class:`Names`), found once per answer
        with the label rule of :meth:`labels`."""
        if self._names is None:
            self._names = find_names(self.graph, self._columns(), self._term_rows(),
                                     id_lists=isinstance(self.result, QueryResult))
        return self._names

    @property
    def variables(self) -> list[str]:
        """The columns of a SELECT answer."""
        return self.result.variables if isinstance(self.result, QueryResult) else []

    @property
    def rows(self) -> list[dict[str, Term]]:
        """The rows of a SELECT answer, as RDF terms (unbound variables absent)."""
        return self.result.rows if isinstance(self.result, QueryResult) else []

    def __len__(self) -> int:
        if isinstance(self.result, bool):
            return 1
        return len(self.result)

    def _columns(self) -> list[str]:
        if isinstance(self.result, QueryResult):
            return list(self.result.variables)
        return ["boolean"] if isinstance(self.result, bool) else ["subject", "predicate", "object"]

    def _term_rows(self) -> list[dict[str, Term]]:
        if isinstance(self.result, QueryResult):
            return self.result.rows
        if isinstance(self.result, bool):
            return []
        return [{"subject": t.subject, "predicate": t.predicate, "object": t.object}  # type: ignore[dict-item]
                for t in self.result]

    def columns(self, labels: bool = True) -> list[str]:
        """The columns of :meth:`to_dicts` and :meth:`to_dataframe`: the variables of a SELECT
        (``subject``, ``predicate``, ``object`` for triples, ``boolean`` for ASK), each labelled
        one followed by its ``<column>_label`` column unless ``labels`` is false."""
        columns = self._columns()
        return self.names().header(columns) if labels and not isinstance(self.result, bool) else columns

    def to_dicts(self, labels: bool = True) -> list[dict[str, Any]]:
        """SELECT rows as plain Python values (IRIs as strings, literals as str, int, float,
        bool); CONSTRUCT triples as ``{"subject", "predicate", "object"}``; ASK as ``[{"boolean": b}]``.

        With ``labels`` (the default), each labelled column ``c`` (see :class:`Names`) is followed by
        a ``c_label`` key: the label of the row's IRI (a string), or for a list of ids the list of
        their names; the key is absent where there is no label, as an unbound variable's key is.
        ``labels=False`` gives the values alone, as before the label columns."""
        if isinstance(self.result, bool):
            return [{"boolean": self.result}]
        if isinstance(self.result, QueryResult):
            plain = self.result.to_dicts()
        else:
            plain = [{"subject": to_python(t.subject), "predicate": t.predicate.value,
                      "object": to_python(t.object)} for t in self.result]
        if not labels:
            return plain
        names = self.names()
        if not names.columns:
            return plain
        out: list[dict[str, Any]] = []
        for values, terms in zip(plain, self._term_rows(), strict=True):
            row: dict[str, Any] = {}
            for column in self._columns():
                if column in values:
                    row[column] = values[column]
                if column in names.columns:
                    label = names.label(column, terms.get(column))
                    if label is not None:
                        row[column + LABEL_SUFFIX] = label
            out.append(row)
        return out

    def to_dataframe(self, labels: bool = True) -> Any:
        """The rows as a pandas DataFrame, one column per variable, each labelled column followed by
        its ``<column>_label`` column (as :meth:`to_dicts`; ``labels=False`` leaves them out). A
        list of ids gives a Python list of names in its cell. pandas must be installed."""
        try:
            import pandas as pd
        except ImportError as exc:
            raise UsageError("pandas is not installed", hint="pip install pandas, or use to_dicts()") from exc
        return pd.DataFrame(self.to_dicts(labels), columns=self.columns(labels))


#: The ending of the column that holds the names of another column's IRIs or ids: ``person_label``.
LABEL_SUFFIX = "_label"
#: How a list of names is written in one CSV or TSV cell.
NAME_SEPARATOR = "; "
_IRI_ITEM_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://\S+$")


@dataclass(frozen=True)
class Names:
    """The names of an answer: which columns get a ``<column>_label`` column, and what it holds.

    - An **IRI column** is one in which at least one value is an IRI with a label; its label cell is
      the label of the row's IRI (none for a literal, or an IRI without a label).
    - An **id-list column** is one whose every value is a plain string of ids separated by spaces
      (what the catalogue's ``GROUP_CONCAT(STRAFTER(STR(?source), STR(kg:)))`` gives: ``sources``,
      ``recipients``, ``places``), and at least one value is a list whose every id names a labelled
      entity (so free text whose words look like ids is left alone). An id is the
      local name of a ``kg:`` IRI (``malcolm-clarke``); a whole IRI is taken as itself. Its label
      cell is the list of the names, one per id (an id without a label stands for itself), in
      alphabetical order: ``GROUP_CONCAT`` gives the ids in no defined order (another store gives
      them in another), so the names are sorted and an answer names the same list on any store.
      :attr:`labels` maps each id's IRI to its name.

    No label column is added for a column whose ``<column>_label`` is already a column of the answer.
    ``labels`` maps every IRI involved (those of the answer, and ``kg:`` + id for the ids of the
    lists) to its label, by the rule of :meth:`Answer.labels`.
    """

    labels: dict[str, str] = field(default_factory=dict)
    columns: dict[str, str] = field(default_factory=dict)  # column -> "iri" or "ids"

    def header(self, columns: list[str]) -> list[str]:
        """``columns`` with ``<column>_label`` after each labelled one."""
        out: list[str] = []
        for column in columns:
            out.append(column)
            if column in self.columns:
                out.append(column + LABEL_SUFFIX)
        return out

    def label(self, column: str, term: Term | None) -> str | list[str] | None:
        """The label cell of ``column`` for the value ``term`` (None: no label)."""
        kind = self.columns.get(column)
        if term is None or kind is None:
            return None
        if kind == "iri":
            return self.labels.get(term.value) if isinstance(term, ox.NamedNode) else None
        if not _is_id_list(term):
            return None
        return sorted((self.labels.get(iri, item) for item, iri in list_items(term.value)),
                      key=lambda name: (name.casefold(), name))

    def text(self, column: str, term: Term | None) -> str:
        """The label cell as one piece of text (a list of names joined by ``"; "``), "" for none."""
        label = self.label(column, term)
        if label is None:
            return ""
        return label if isinstance(label, str) else NAME_SEPARATOR.join(label)


def _is_id_list(term: Term) -> bool:
    return (isinstance(term, ox.Literal) and not term.language and term.datatype.value == XSD + "string"
            and all(ID_RE.match(item) or _IRI_ITEM_RE.match(item) for item in term.value.split()))


def list_items(text: str) -> list[tuple[str, str]]:
    """``(item, IRI)`` for each item of a list of ids separated by spaces: an id is the local name of a
    ``kg:`` IRI, a whole IRI stands for itself."""
    return [(item, item if _IRI_ITEM_RE.match(item) else KG + item) for item in text.split()]


def find_names(graph: KnowledgeGraph | None, columns: list[str], rows: list[dict[str, Term]], *,
               id_lists: bool = True) -> Names:
    """The :class:`Names` of rows of terms: one :func:`labels_of` lookup for the IRIs of the rows
    and the ids of the candidate id lists (``id_lists``: whether lists of ids are looked for)."""
    if graph is None or not rows:
        return Names()
    lists = [c for c in columns if id_lists and any(c in row for row in rows)
             and all(_is_id_list(row[c]) for row in rows if c in row)]
    wanted = {t.value for row in rows for t in row.values() if isinstance(t, ox.NamedNode)}
    wanted.update(iri for row in rows for c in lists if c in row for _item, iri in list_items(row[c].value))
    found = labels_of(graph, sorted(wanted))
    kinds: dict[str, str] = {}
    taken = set(columns)
    for c in columns:
        if c + LABEL_SUFFIX in taken:
            continue
        if any(isinstance(row.get(c), ox.NamedNode) and row[c].value in found for row in rows):
            kinds[c] = "iri"
        elif c in lists and any(row[c].value.split() and all(iri in found for _item, iri in list_items(row[c].value))
                                for row in rows if c in row):
            kinds[c] = "ids"
    return Names(found, kinds)


def run(graph: KnowledgeGraph, query: Question | str, params: Mapping[str, Any] | None = None, *,
        file: str = "<query>", timeout: float | None = None,
        max_memory: int | None = DEFAULT_MAX_MEMORY) -> Answer:
    """Answer a catalogue :class:`Question` or a SPARQL text (``file`` names it in messages).

    ``params`` maps parameter names to values: text (an IRI, a prefixed name, an id or a label
    for entities; the literal's text otherwise), or already an RDF term, int, bool or date.
    """
    params = dict(params or {})
    if isinstance(query, Question):
        question: Question | None = query
        sparql, file, form = query.sparql, str(query.path), query.form
        declared = list(query.params)
    else:
        question, sparql = None, query
        form, _variables, problem = inspect_query(sparql, file)
        if problem is not None:
            raise QueryError(problem.message, file=problem.file, line=problem.line, field=problem.field,
                             hint=problem.hint)
        declared = _declared_in(sparql, file)
    bindings = bind(graph, declared, params, sparql, file)
    try:
        if isinstance(graph, KnowledgeGraph):  # the bound is on the embedded engine's child process
            result = graph.query(sparql, bindings, timeout=timeout, max_memory=max_memory)
        else:
            result = graph.query(sparql, bindings, timeout=timeout)
    except SyntaxError as exc:
        problem = syntax_problem(exc, sparql, file)
        raise QueryError(problem.message, file=problem.file, line=problem.line, field=problem.field,
                         hint=problem.hint) from None
    except (RuntimeError, OSError) as exc:
        text = str(exc)
        m = re.search(r"variable \?(\w+) in its SELECT projection", text)
        if m:
            raise QueryError(f"${m.group(1)} is not in the SELECT projection", file=file, field="params",
                             hint=f"add ${m.group(1)} to the SELECT: Oxigraph binds only projected variables"
                             ) from None
        raise QueryError(f"the query failed: {text}", file=file, hint="check the query") from None
    return Answer(form, result, bindings, question, graph)


def query(query: str | Path, /, *, graph: KnowledgeGraph | None = None, build: str | Path = "build",
          data: str | Path = "data", ontology: str | Path = "ontology", queries: str | Path | None = None,
          timeout: float | None = None, endpoint: str | None = None, named_graph: str | None = GRAPH,
          max_memory: int | None = DEFAULT_MAX_MEMORY, **params: Any) -> Answer:
    """Answer a question: a catalogue name, a ``.rq`` file, or SPARQL text.

    The graph is ``graph`` when given; else the remote store at ``endpoint`` (a SPARQL query
    endpoint; ``named_graph`` is the graph queried, None for the store's default graph); else the
    build in ``build`` (read from its files, never rebuilt from the records; ``Answer.warnings``
    says when the records changed since). Parameters are keyword arguments::

        kg.query("collaborators", person="Malcolm Clarke").to_dataframe()
    """
    warnings: list[str] = []
    if graph is None and endpoint is not None:
        from kg.remote import RemoteGraph

        graph = RemoteGraph(endpoint, graph=named_graph, timeout=timeout or 60.0)  # type: ignore[assignment]
    if graph is None:
        from kg.build_dir.reading import open_build

        opened = open_build(build, data, ontology)
        graph, warnings = opened.graph, opened.warnings
    target: Question | str
    file = "<query>"
    text = str(query)
    if isinstance(query, Path) or (text.endswith(".rq") and "\n" not in text and Path(text).is_file()):
        path = Path(query)
        try:
            target = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read the query file: {exc}", file=path) from None
        file = str(path)
    elif re.match(r"^[a-z0-9][a-z0-9/-]*$", text):
        from kg.catalogue import load_catalogue

        target = load_catalogue(queries).get(text)
    else:
        target = text
    answer = run(graph, target, params, file=file, timeout=timeout, max_memory=max_memory)
    answer.warnings = warnings
    return answer


def _declared_in(sparql: str, file: str) -> list[Param]:
    """The parameters of an analyst's own query: its header's, else one per ``$name`` used (its
    value's type then follows from how it is written; see :func:`guess_term`)."""
    header, _problems = parse_header(sparql, file)
    params: list[Param] = header.get("params_parsed", [])  # type: ignore[assignment]
    if params:
        return params
    return [Param(name, "any") for name in sorted(parameters_in(sparql))]


def bind(graph: KnowledgeGraph, declared: list[Param], values: Mapping[str, Any], sparql: str,
         file: str) -> dict[str, Term]:
    """Turn parameter values into RDF terms; every problem (unknown name, missing value, a label
    that names nothing or several things) is reported at once."""
    problems: list[Problem] = []
    by_name = {p.name: p for p in declared}
    bindings: dict[str, Term] = {}
    for name in values:
        if name not in by_name:
            known = ", ".join(sorted(by_name)) or "none"
            problems.append(Problem(file, 0, f"--param {name}", "the query has no such parameter",
                                    f"its parameters: {known}"))
    for p in declared:
        raw = values.get(p.name, p.default)
        if raw is None:
            if p.required:
                problems.append(Problem(file, 0, f"--param {p.name}", "missing required parameter",
                                        f"give --param {p.name}=VALUE ({p.doc or p.type})"))
            continue
        try:
            bindings[p.name] = to_term(graph, p, raw)
        except UsageError as exc:
            problems.append(Problem(file, 0, f"--param {p.name}", exc.message, exc.hint))
    if problems:
        raise ValidationError(problems)
    return bindings


def to_term(graph: KnowledgeGraph, param: Param, value: Any) -> Term:
    """The RDF term for one parameter value, checked against the parameter's type."""
    if isinstance(value, ox.NamedNode | ox.Literal | ox.BlankNode):
        return value
    kind = param.type
    if kind == "any":
        return guess_term(graph, value)
    if isinstance(value, bool):
        if kind != "boolean":
            raise UsageError(f"{value!r} is not a {kind}")
        return ox.Literal("true" if value else "false", datatype=ox.NamedNode(XSD + "boolean"))
    if isinstance(value, int):
        if kind not in ("integer", "year"):
            raise UsageError(f"{value!r} is not a {kind}")
        return ox.Literal(str(value), datatype=ox.NamedNode(XSD + "integer"))
    if isinstance(value, dt.date):
        if kind != "date":
            raise UsageError(f"{value.isoformat()!r} is not a {kind}")
        return ox.Literal(value.isoformat(), datatype=ox.NamedNode(XSD + "date"))
    text = unicodedata.normalize("NFC", str(value))
    if kind == "string":
        return ox.Literal(text)
    if kind in ("integer", "year"):
        if not _INT_RE.match(text.strip()) or (kind == "year" and not re.fullmatch(r"\d{4}", text.strip())):
            raise UsageError(f"{text!r} is not {'a year' if kind == 'year' else 'a whole number'}",
                             "write four digits, e.g. 2024" if kind == "year" else "write digits, e.g. 12")
        return ox.Literal(str(int(text)), datatype=ox.NamedNode(XSD + "integer"))
    if kind == "date":
        day = parse_day(text.strip())
        if day is None:
            raise UsageError(f"{text!r} is not a date", "write YYYY-MM-DD, e.g. 2024-07-30")
        return ox.Literal(day.isoformat(), datatype=ox.NamedNode(XSD + "date"))
    if kind == "boolean":
        if text.strip().lower() not in ("true", "false"):
            raise UsageError(f"{text!r} is not true or false")
        return ox.Literal(text.strip().lower(), datatype=ox.NamedNode(XSD + "boolean"))
    if kind == "iri":
        return ox.NamedNode(_iri(text))
    if kind in _SCHEMES:
        return resolve(graph, text, scheme=_SCHEMES[kind], what=kind)
    if kind == "entity":
        return resolve(graph, text, cls=KGO + param.cls if param.cls else None,
                       what=param.cls or "entity")
    raise UsageError(f"unknown parameter type {kind!r}")


def guess_term(graph: KnowledgeGraph, value: Any) -> Term:
    """A term for a parameter of an analyst's own query, from how its value is written:
    ``<IRI>`` or ``prefix:name``, ``"text"`` (a string), digits (an integer), ``YYYY-MM-DD`` (a
    date), ``true``/``false``; anything else is an entity's id or label."""
    if not isinstance(value, str):
        return to_term(graph, Param("value", "integer" if isinstance(value, int) and not isinstance(value, bool)
                                    else "boolean" if isinstance(value, bool) else "date"), value)
    text = value.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return ox.Literal(unicodedata.normalize("NFC", text[1:-1]))
    if _INT_RE.match(text):
        return ox.Literal(str(int(text)), datatype=ox.NamedNode(XSD + "integer"))
    if is_day(text):
        return to_term(graph, Param("value", "date"), text)
    if text in ("true", "false"):
        return ox.Literal(text, datatype=ox.NamedNode(XSD + "boolean"))
    return resolve(graph, text)


def _iri(text: str) -> str:
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


def normalise(label: str) -> str:
    """How labels are compared: Unicode-normalised, case-folded, spaces collapsed."""
    return " ".join(unicodedata.normalize("NFKC", label).casefold().split())


def _index(graph: KnowledgeGraph) -> tuple[dict[str, set[str]], dict[str, str], set[str]]:
    """Label -> entities, entity -> its display label, and every subject, cached on the graph.

    Whole-graph work (seconds at a million triples): :func:`resolve` and :meth:`Answer.labels`
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
    return _index(graph)[1]


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
        # The IRIs are written by pyoxigraph (validated, in N-Triples syntax), as kg.remote does.
        values = " ".join(str(ox.NamedNode(i)) for i in wanted[start:start + _BATCH])
        rows = graph.select(
            "SELECT ?e ?label ?pref WHERE { VALUES ?e { " + values + " } "
            "{ ?e skos:prefLabel ?label BIND(true AS ?pref) } UNION { ?e skos:altLabel|rdfs:label ?label } }")
        out.update(_display(rows.rows))
    return out


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


def _labelled(graph: KnowledgeGraph, key: str) -> set[str]:
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
        direct = _iri(text)
    elif ID_RE.match(text):
        for base in ([PREFIXES["role"]] if scheme == _SCHEMES["role"] else
                     [PREFIXES["measure"]] if scheme == _SCHEMES["measure"] else [KG]):
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
    found = sorted(i for i in _labelled(graph, normalise(text)) if ok(i))
    if len(found) == 1:
        return ox.NamedNode(found[0])
    if not found:
        by_label, display, _subjects = _index(graph)
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


__all__ = ["Answer", "bind", "guess_term", "labels", "labels_of", "query", "resolve", "run", "to_term"]
