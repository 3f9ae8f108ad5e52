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
from collections.abc import Mapping
from typing import Any

import pyoxigraph as ox

from kg.errors import Problem, UsageError, ValidationError
from kg.graph import KnowledgeGraph, Term
from kg.model.dates import is_day, parse_day
from kg.namespaces import KGO, XSD
from kg.questions.catalogue import Param
from kg.questions.resolve import SCHEMES, resolve, to_iri

_INT_RE = re.compile(r"^[+-]?\d+$")


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
        return ox.NamedNode(to_iri(text))
    if kind in SCHEMES:
        return resolve(graph, text, scheme=SCHEMES[kind], what=kind)
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


