"""The answer to a question, and the names it shows: :class:`Answer` (rows, a boolean or triples, as
terms or plain values, with a ``<column>_label`` column after each labelled column) and :class:`Names`
(which columns are labelled, and what their label cells hold).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from kg.errors import UsageError
from kg.graph import KnowledgeGraph, QueryResult, Term, to_python
from kg.namespaces import ID_RE, KG, XSD
from kg.questions.catalogue import Question
from kg.questions.labels import labels_of


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
