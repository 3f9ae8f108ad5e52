"""Curated records: reading them from files and checking them against the schema and ontology.

Every problem of a run is collected (never the first one only) and located as
``FILE:LINE: field: what is wrong (hint)``. Records that pass carry typed values, each already an
RDF term, and their provenance (file and line), so the transform never re-checks anything.

The modules: :mod:`.files` finds the record files of a folder; :mod:`.model` holds the checked
record; :class:`RecordChecker` (:mod:`.checker`) checks them, one layer per module: :mod:`.base`
(its state and problems), :mod:`.values` (one value), :mod:`.fields` (a field, a qualified list),
:mod:`.across` (the checks across records, with :mod:`.duplicates`: the same source, person or
organisation twice); :mod:`kg.hints` words the hints. The modules import one
another directly, never this package.
"""

from __future__ import annotations

from kg.hints import nearest, suggest_id
from kg.records.checker import RecordChecker
from kg.records.files import RECORD_SUFFIXES, find_record_files
from kg.records.model import Entry, Record, Value
from kg.records.values import MAX_INT, MAX_TEXT

__all__ = [
    "MAX_INT",
    "MAX_TEXT",
    "RECORD_SUFFIXES",
    "Entry",
    "Record",
    "RecordChecker",
    "Value",
    "find_record_files",
    "nearest",
    "suggest_id",
]
