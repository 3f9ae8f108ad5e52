"""The checked record: its values (each an RDF term, with its line), its list entries and its
provenance.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pyoxigraph as ox

from kg.namespaces import KG
from kg.schema import Field, Qualified


@dataclass(slots=True)  # the commonest object of a run: a million at a million triples
class Value:
    """A checked value: its RDF term, its line, and what later checks need."""

    term: ox.NamedNode | ox.Literal
    line: int
    ref: str = ""  # for a reference: the id referred to
    span: tuple[date, date] | None = None  # for a date: first and last day it covers


@dataclass
class Entry:
    """One item of a qualified list (a participation, a quantity, a quote, an award, a claim)."""

    spec: Qualified
    index: int
    line: int
    values: dict[str, list[Value]] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    claim_field: Field | None = None  # for a claim: the field it is about
    iri: str = ""
    file: str = ""  # the file it was written in (a CSV entries file), when not its record's


@dataclass
class Record:
    """One curated record, checked, with its provenance."""

    id: str
    type_iri: str
    family: str
    file: str
    line: int
    values: dict[str, list[Value]] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    entries: list[Entry] = field(default_factory=list)

    @property
    def iri(self) -> str:
        """The entity's IRI."""
        return KG + self.id

    def first(self, key: str) -> Value | None:
        """The first value of ``key``, or None."""
        vals = self.values.get(key)
        return vals[0] if vals else None
