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

from typing import TYPE_CHECKING

from kg.lazy import lazy_attributes

if TYPE_CHECKING:
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

_LAZY = {
    "nearest": "kg.hints", "suggest_id": "kg.hints", "RecordChecker": "kg.records.checker",
    "RECORD_SUFFIXES": "kg.records.files", "find_record_files": "kg.records.files", "Entry": "kg.records.model",
    "Record": "kg.records.model", "Value": "kg.records.model", "MAX_INT": "kg.records.values",
    "MAX_TEXT": "kg.records.values",
}


# Imported on first use: a reader of a build (kg query) finds the record files to tell whether the build
# is older than them, and should not load the checker and the YAML and CSV readers (60 ms).
__getattr__ = lazy_attributes(__name__, _LAZY)
