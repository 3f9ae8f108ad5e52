"""SHACL validation results as problems located at the records behind their focus nodes.

Shared by both engines of :mod:`kg.shacl`: the built-in one (:mod:`kg.shacl.engine`) and pyshacl.
"""

from __future__ import annotations

import functools

from kg.errors import Problem
from kg.graph import KnowledgeGraph
from kg.namespaces import shorten

short = functools.lru_cache(maxsize=1 << 16)(shorten)  # a broken build can have a million results


def located_problem(graph: KnowledgeGraph, display: str, *, focus: str, path: str | None, message: str,
                    value: str | None, shape: str | None) -> Problem:
    """One validation result as a problem at the record behind its focus node.

    ``focus`` is the focus node (an IRI, or a blank node's id), ``path`` the sh:resultPath when it is
    an IRI, ``value`` the lexical form or IRI of sh:value, ``shape`` the source shape when it is an IRI.
    """
    prov = graph.provenance.get(focus)
    where_file, where_line = (prov.file, prov.line) if prov else ("<graph>", 0)
    field = short(path) if path is not None else ""
    detail = message + (f" (value: {value})" if value is not None else "")
    subject = prov.record if prov else short(focus)
    hint = f"see the shape {short(shape)} in {display}" if shape is not None else f"see {display}"
    return Problem(where_file, where_line, field, f"{subject}: {detail}", hint)


def unreadable_shapes(display: str, exc: Exception) -> Problem:
    """The problem reported when the shapes file is not valid Turtle."""
    return Problem(display, 0, "", f"cannot read the SHACL shapes: {exc}", "fix the Turtle syntax")
