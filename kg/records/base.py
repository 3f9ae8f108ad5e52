"""The record checker's state, and how it reports a problem.

The checker is one class built in layers, each a module: :mod:`.values` (one value of a field),
:mod:`.fields` (a field, a language map, a qualified list), :mod:`.across` (the checks that need
every record) and :mod:`.checker` (files, records, ids and types); this is the bottom one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import pyoxigraph as ox

from kg.errors import MAX_PROBLEMS_PER_FILE, Problem
from kg.hints import nearest
from kg.ontology import Ontology
from kg.readers.csv_reader import Attached
from kg.readers.nodes import Map
from kg.records.model import Record
from kg.schema import Field, Qualified


class CheckerBase:
    """The state shared by every layer of the checker, and how a problem is added."""

    def __init__(self, ontology: Ontology) -> None:
        self.ontology = ontology
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []  # what the curator should confirm; the build goes on
        self._counts: Counter[str] = Counter()  # problems so far, by file
        self.records: list[Record] = []
        self.by_id: dict[str, Record] = {}
        self._file = ""
        self._claim_nodes: dict[int, Map] = {}  # id(claim entry) -> its raw mapping, checked later
        self._refs: dict[str, tuple[ox.NamedNode, str]] = {}  # id -> the term and text of references to it
        self._concepts: dict[tuple[str, str], ox.NamedNode] = {}  # (scheme, id) -> the concept's term
        self._attached: list[Attached] = []  # list entries of CSV entries files, added in check_across
        self._unchecked: set[str] = set()  # ids of records that failed before they had a family

    def _fields(self, family: str) -> dict[str, Field]:
        """The plain fields of a record of ``family``, by key (the ontology's fields.yaml)."""
        return self.ontology.schema.fields_for(family)

    def _lists(self, family: str) -> dict[str, Qualified]:
        """The qualified lists of a record of ``family``, by key."""
        return self.ontology.schema.qualified_for(family)

    def _add(self, line: int, fld: str, message: str, hint: str = "") -> None:
        """Add a problem at ``line`` of the current file."""
        self.problems.append(Problem(self._file, line, fld, message, hint))
        self._counts[self._file] += 1

    def _nearest(self, word: str, choices: Iterable[str], *, fallback: str = "") -> str:
        """:func:`nearest`; but once the current file has more problems than are shown, only the
        fallback: a problem past that is counted, not shown, and its hint may cost a search of every id."""
        if self._counts[self._file] >= MAX_PROBLEMS_PER_FILE:
            return fallback
        return nearest(word, choices, fallback=fallback)
