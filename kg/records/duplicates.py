"""Duplicates across records: a second source with the same address, a second person with the same
name, a second organisation labelled like another one's name or alternative name.

Each is found in one pass with a dictionary from a normalised key to the records seen with it, so
the check stays linear in the number of records. A second source at the same address is always an
error (one source has one record); two people or two organisations with the same name are an error
unless either record says they are different (``distinct_from: [other-id]``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from urllib.parse import urlsplit

from kg.errors import Problem, quoted
from kg.records.model import Record, Value

#: The field a curator gives to confirm that two records named alike are different entities.
DISTINCT = "distinct_from"
_DEFAULT_PORTS = {"http": 80, "https": 443}
_SPACES = re.compile(r"\s+")


def address_key(url: str) -> str:
    """An address as it is compared: http and https alike, the host in lower case, its default port
    dropped, a trailing slash of the path and the fragment ignored; the query kept as written."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # refused by the value check already; compared as written
        return url
    host = (parts.hostname or "").lower()
    if port is not None and port != _DEFAULT_PORTS.get(parts.scheme.lower()):
        host += f":{port}"
    path = parts.path.rstrip("/")
    return f"//{host}{path}" + (f"?{parts.query}" if parts.query else "")


def name_key(text: str) -> str:
    """A name as it is compared: Unicode NFKC, case folded, runs of white space made one space."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    return _SPACES.sub(" ", folded).strip()


def find_duplicates(records: Iterable[Record]) -> list[Problem]:
    """The duplicates among ``records`` (each id once, in the order they were read): one problem
    for each record that repeats an earlier one, at the value that repeats it."""
    records = list(records)
    distinct = {(r.id, v.ref) for r in records for v in r.values.get(DISTINCT, ())}
    distinct |= {(b, a) for a, b in distinct}
    problems = list(_same_addresses(r for r in records if r.family == "source"))
    problems += _same_names([r for r in records if r.family == "person"], distinct, "person",
                            any_name=True)
    problems += _same_names([r for r in records if r.family == "organisation"], distinct, "organisation",
                            any_name=False)
    return problems


def _same_addresses(sources: Iterable[Record]) -> Iterator[Problem]:
    seen: dict[str, Record] = {}
    for record in sources:
        url = record.first("url")
        if url is None:
            continue
        key = address_key(url.term.value)
        first = seen.setdefault(key, record)
        if first is not record:
            yield Problem(record.file, url.line, "url",
                          f"{quoted(url.term.value)} is the address of another source",
                          f"{quoted(first.id)} at {first.file}:{first.line} has the same address "
                          f"{quoted(first.values['url'][0].term.value)}: one source has one record; refer to "
                          f"{quoted(first.id)} instead and remove this one")


def _names(record: Record, key: str) -> dict[str, Value]:
    """The record's names under ``key``, by their normalised form (the first value of each)."""
    out: dict[str, Value] = {}
    for v in record.values.get(key, ()):
        out.setdefault(name_key(v.term.value), v)
    return out


def _same_names(records: list[Record], distinct: set[tuple[str, str]], family: str, *,
                any_name: bool) -> Iterator[Problem]:
    """People (``any_name``: any label or alternative label against any other) or organisations
    (a label against another's label or alternative label, and the reverse) named alike."""
    labels: dict[str, list[Record]] = {}  # normalised name -> the records labelled so
    alts: dict[str, list[Record]] = {}  # the same, for alternative labels
    for record in records:
        own_labels, own_alts = _names(record, "label"), _names(record, "alt_labels")
        if any_name:
            own_labels = {**own_alts, **own_labels}
            own_alts = {}
        clash = _first_clash(record, [(own_labels, labels), (own_labels, alts), (own_alts, labels)], distinct)
        if clash is not None:
            yield _same_name(record, *clash, family)
        for mine, index in ((own_labels, labels), (own_alts, alts)):
            for key in mine:
                index.setdefault(key, []).append(record)


def _first_clash(record: Record, checks: list[tuple[dict[str, Value], dict[str, list[Record]]]],
                 distinct: set[tuple[str, str]]) -> tuple[Value, Record] | None:
    """The first earlier record named like ``record`` and not said to be different from it, with the
    value of ``record`` that names it: one problem per record, so that many records of one name cost
    no more than one each (a record said to be different is passed over: each costs a distinct_from)."""
    for mine, index in checks:
        for key, value in mine.items():
            for other in index.get(key, ()):
                if (record.id, other.id) not in distinct:
                    return value, other
    return None


def _same_name(record: Record, value: Value, other: Record, family: str) -> Problem:
    field = "label" if any(v is value for v in record.values.get("label", ())) else "alt_labels"
    return Problem(record.file, value.line, field,
                   f"{quoted(value.term.value)} also names the {family} {quoted(other.id)}",
                   f"{quoted(other.id)} is at {other.file}:{other.line}: if they are the same {family}, keep one "
                   f"record and refer to it; if they are different, say so with {DISTINCT}: [{other.id}]")
