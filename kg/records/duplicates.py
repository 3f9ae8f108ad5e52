"""Duplicates across records: a second source with the same address (an error), and people or
organisations named alike (a warning).

Each is found in one pass with dictionaries from normalised keys to the records seen with them, so the
check stays linear in the number of records. A second source at the same address is always an error
(one source has one record). Two people or two organisations with the same name, or with names that
differ only in punctuation, accents, word order or one letter ("near-same"), are a warning unless either
record says they are different (``distinct_from: [other-id]``): two entities may share a name, and the
curator confirms that they do.
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
    """The sources among ``records`` (each id once, in the order they were read) at the address of an
    earlier one: one error for each, at its ``url``."""
    return list(_same_addresses(r for r in records if r.family == "source"))


def find_namesakes(records: Iterable[Record]) -> list[Problem]:
    """The people and organisations among ``records`` named like an earlier one, the same or near-same
    (see :func:`near_keys`), and not said to be different from it: one warning for each, at the name."""
    records = list(records)
    distinct = {(r.id, v.ref) for r in records for v in r.values.get(DISTINCT, ())}
    distinct |= {(b, a) for a, b in distinct}
    warnings = list(_same_names([r for r in records if r.family == "person"], distinct, "person",
                                any_name=True))
    warnings += _same_names([r for r in records if r.family == "organisation"], distinct, "organisation",
                            any_name=False)
    return warnings


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


#: Near-same names are compared only when their letters number at least this many: a one-letter
#: difference between two short names (``Li Wei``, ``Li Wen``) is more often two people than a typing error.
NEAR_MIN_LETTERS = 8


def _letters(text: str) -> str:
    """``text`` as :func:`name_key` has it, without accents, punctuation or spaces."""
    decomposed = unicodedata.normalize("NFKD", name_key(text))
    return "".join(c for c in decomposed if c.isalnum())


def near_keys(text: str) -> set[str]:
    """The keys under which a name meets its near-same names: its letters (:func:`_letters`: names
    that differ only in accents, punctuation or spacing share it), its words in alphabetical order
    (``Hajime Suzuki``, ``Suzuki Hajime``), and, for a name of at least :data:`NEAR_MIN_LETTERS`
    letters, its letters with one letter (not a digit) left out: two names one letter apart (one letter
    changed, added, dropped, or two swapped) share one of those, and so do two names that each have one
    letter the other has not."""
    letters = _letters(text)
    if not letters:
        return set()
    words = sorted(_letters(w) for w in name_key(text).split())
    keys = {"=" + letters, "~" + " ".join(w for w in words if w)}
    if len(letters) >= NEAR_MIN_LETTERS:
        # Letters only: two names one digit apart (``CCTV-8``, ``CCTV-9``; ``Part 1``, ``Part 2``) are
        # two entities.
        keys |= {"-" + letters[:i] + letters[i + 1:] for i, c in enumerate(letters) if not c.isdigit()}
        keys.add("-" + letters)
    return keys


def _names(record: Record, key: str) -> dict[str, Value]:
    """The record's names under ``key``, by their normalised form (the first value of each)."""
    out: dict[str, Value] = {}
    for v in record.values.get(key, ()):
        out.setdefault(name_key(v.term.value), v)
    return out


def _same_names(records: list[Record], distinct: set[tuple[str, str]], family: str, *,
                any_name: bool) -> Iterator[Problem]:
    """People (``any_name``: any label or alternative label against any other) or organisations
    (a label against another's label or alternative label, and the reverse) named alike: the same
    name first, else a near-same one."""
    labels: dict[str, list[Record]] = {}  # normalised name -> the records labelled so
    alts: dict[str, list[Record]] = {}  # the same, for alternative labels
    near_labels: dict[str, list[Record]] = {}  # near key -> the records with a label of that key
    near_alts: dict[str, list[Record]] = {}
    for record in records:
        own_labels, own_alts = _names(record, "label"), _names(record, "alt_labels")
        if any_name:
            own_labels = {**own_alts, **own_labels}
            own_alts = {}
        clash = _first_clash(record, [(own_labels, labels), (own_labels, alts), (own_alts, labels)], distinct)
        near = False
        if clash is None:
            mine_near = _near(own_labels), _near(own_alts)
            clash = _first_clash(record, [(mine_near[0], near_labels), (mine_near[0], near_alts),
                                          (mine_near[1], near_labels)], distinct)
            near = clash is not None
        if clash is not None:
            yield _same_name(record, *clash, family, near=near)
        for mine, index in ((own_labels, labels), (own_alts, alts)):
            for key in mine:
                index.setdefault(key, []).append(record)
        for mine, index in ((own_labels, near_labels), (own_alts, near_alts)):
            for key in _near(mine):
                bucket = index.setdefault(key, [])
                if not bucket or bucket[-1] is not record:
                    bucket.append(record)


def _near(names: dict[str, Value]) -> dict[str, Value]:
    """The near keys of ``names`` (normalised name -> value), each with the value it comes from."""
    out: dict[str, Value] = {}
    for value in names.values():
        for key in near_keys(value.term.value):
            out.setdefault(key, value)
    return out


def _first_clash(record: Record, checks: list[tuple[dict[str, Value], dict[str, list[Record]]]],
                 distinct: set[tuple[str, str]]) -> tuple[Value, Record] | None:
    """The first earlier record named like ``record`` and not said to be different from it, with the
    value of ``record`` that names it: one warning per record, so that many records of one name cost
    no more than one each (a record said to be different is passed over: each costs a distinct_from)."""
    for mine, index in checks:
        for key, value in mine.items():
            for other in index.get(key, ()):
                if (record.id, other.id) not in distinct:
                    return value, other
    return None


def _same_name(record: Record, value: Value, other: Record, family: str, *, near: bool) -> Problem:
    field = "label" if any(v is value for v in record.values.get("label", ())) else "alt_labels"
    what = f"is much like a name of the {family}" if near else f"also names the {family}"
    return Problem(record.file, value.line, field, f"{quoted(value.term.value)} {what} {quoted(other.id)}",
                   f"{quoted(other.id)} is at {other.file}:{other.line}: if they are the same {family}, keep one "
                   f"record and refer to it; if they are different, say so with {DISTINCT}: [{other.id}]")
