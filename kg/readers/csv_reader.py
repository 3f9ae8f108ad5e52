"""A CSV reader: rows of a spreadsheet become the same format-neutral nodes as YAML records.

The first row names the columns; every later row is one record or one entry, located at the line
where the row starts (a quoted value may hold newlines, so that is not always the row number + 1).
Two kinds of file, told apart by their header:

- a **records file** has an ``id`` column; each other column is a field (``label``, ``born``,
  ``sources`` ...), and ``field@lang`` holds a text field in another language (``label@zh``);
- an **entries file** has an ``of`` column, naming a record of any file, and ``<list>.<field>``
  columns of one qualified list (``participants.who``, ``participants.role`` ...); each row is one
  entry added to that record's list.

An empty cell is an absent field. A many-valued field (``sources``, ``countries`` ...) separates its
values with ``|``; a single-valued field is never split. Every value is text: nothing is guessed
from its look (``=1+1``, ``no``, ``007`` stay text), and the record checker checks it against its
field exactly as it checks a YAML value. Which columns exist and which take several values is read
from :mod:`kg.schema`; this module names no field.
"""

from __future__ import annotations

import csv
import difflib
import functools
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from kg.errors import EXCERPT, Problem, printable, quoted
from kg.readers.nodes import Map, Node, Scalar, Seq
from kg.readers.yaml_reader import decode
from kg.schema import Kind, Qualified, Schema

#: Separates the values of a many-valued field in one cell.
SEPARATOR = "|"
#: Separates a field from its language tag in a column name (``label@zh``).
LANG_MARK = "@"
#: Separates a list from its field in an entries file's column name (``participants.who``).
LIST_MARK = "."
#: A header wider than this is refused whole (a records file needs a few dozen columns at most).
MAX_COLUMNS = 1_000



@dataclass(frozen=True)
class _Fields:
    """What the columns of a CSV file may be, from the schema's fields (made once per schema)."""

    record_keys: frozenset[str]  # the fields of any family
    #: Fields that take several values in some family (``part_of`` does for events, not for works:
    #: the checker then refuses a list where one value is wanted).
    record_many: frozenset[str]
    record_text: frozenset[str]
    lists: dict[str, Qualified]
    #: A claim's value is written as its field is, so it may be text in several languages.
    list_text: dict[str, frozenset[str]]


@functools.lru_cache(maxsize=8)
def _fields_of(schema: Schema) -> _Fields:
    fields = schema.record_fields()
    return _Fields(
        frozenset(f.key for f in fields), frozenset(f.key for f in fields if f.many),
        frozenset(f.key for f in fields if f.kind is Kind.TEXT), {q.key: q for q in schema.qualified},
        {q.key: frozenset(f.key for f in q.fields if f.kind is Kind.TEXT or (q.key, f.key) == ("claims", "value"))
         for q in schema.qualified})


@dataclass
class Attached:
    """One entry of a qualified list, given in an entries file, for the record named by ``of``."""

    of: Scalar  # the id of the record, at the line of the row
    key: str  # the list: participants, quantities, quotes, awards or claims
    entry: Map  # the entry's fields; ``entry.file`` is the entries file


@dataclass(frozen=True)
class _Column:
    index: int  # position in the row
    key: str  # the field (for an entries file, without its list)
    lang: str  # the language tag of a ``field@lang`` column, else ""
    many: bool  # split the cell on SEPARATOR


def read_csv(path: Path, display: str, schema: Schema) -> tuple[Seq | None, list[Attached], list[Problem]]:
    """Parse one CSV file: its records (a list of mappings, ``None`` when the file cannot be read),
    the list entries it gives for records held anywhere, and its problems. Its columns are fields
    of ``schema``."""
    text, problems = decode(path, display)
    if text is None:
        return None, [], problems
    rows, problem = _rows(text, display)
    if problem is not None:
        return None, [], [*problems, problem]
    if not rows:
        return Seq([], 1), [], problems  # an empty file holds no records
    header_line, header = rows[0]
    if len(header) > MAX_COLUMNS:
        problems.append(Problem(display, header_line, "", f"the header has {len(header):,} columns, over the "
                                f"limit of {MAX_COLUMNS:,}", "a records file needs a column per field: check "
                                "the separator and the first row"))
        return Seq([], header_line), [], problems
    columns, of_index, list_key, header_problems = _header(header, header_line, display, _fields_of(schema))
    problems.extend(header_problems)
    if columns is None:
        return Seq([], header_line), [], problems
    records: list[Node] = []
    attached: list[Attached] = []
    for line, cells in rows[1:]:
        if not any(cells):
            continue  # a blank line, or a row of empty cells
        if len(cells) != len(header):
            problems.append(_count_problem(display, line, len(cells), len(header)))
            continue
        entry = _mapping(columns, cells, line, header_line, display, problems)
        if of_index is None:
            records.append(entry)
            continue
        entry.file = display
        of = cells[of_index]
        if not of:
            problems.append(Problem(display, line, "of", "missing: the row does not say which record it belongs to",
                                    f"give the id of the record whose {list_key} this row adds to"))
            continue
        attached.append(Attached(Scalar(of, line), list_key, entry))
    return Seq(records, header_line), attached, problems


def _rows(text: str, display: str) -> tuple[list[tuple[int, list[str]]], Problem | None]:
    """Every non-blank row with the line it starts on; or the syntax problem that stops reading."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for cells in reader:
            if cells:
                rows.append((start, cells))
                if len(rows) == 1 and len(cells) > MAX_COLUMNS:
                    break  # the header is refused: the rows are not read
            start = reader.line_num + 1
    except csv.Error as exc:
        what = str(exc)
        if "unexpected end of data" in what:
            return rows, Problem(display, start, "", "a quoted value is not closed before the end of the file",
                                 'end the value with a quote ("); a quote inside it is written twice ("")')
        if "expected after '\"'" in what:
            return rows, Problem(display, reader.line_num, "", "a quoted value goes on after its closing quote",
                                 'a quote inside a quoted value is written twice: "say ""hi"", then go"')
        if "field larger than field limit" in what:
            return rows, Problem(display, reader.line_num, "", f"a value is over {csv.field_size_limit():,} characters",
                                 "shorten it: records hold facts and short quotes")
        return rows, Problem(display, reader.line_num, "", f"CSV syntax error: {what}",
                             'a value holding a quote, a comma or a line break is quoted whole: "say ""hi"", then go"')
    return rows, None


#: Reports a problem of the header: (column name, message, hint).
_Bad = Callable[[str, str, str], None]


def _header(header: list[str], line: int, display: str, known: _Fields
            ) -> tuple[list[_Column] | None, int | None, str, list[Problem]]:
    """The columns to read; the ``of`` column and the list of an entries file; the header's problems.
    The columns are ``None`` when the file cannot be read as records or as entries."""
    problems: list[Problem] = []

    def bad(name: str, message: str, hint: str) -> None:
        problems.append(Problem(display, line, name, message, hint))

    names = [cell.strip() for cell in header]
    entries = "of" in names
    if not _has_key_column(header, names, entries, bad):
        return None, None, "", problems
    columns: list[_Column] = []
    seen: dict[tuple[str, str], int] = {}
    # The list of an entries file is the first known one its columns name (the others are refused).
    list_key = next((p for p in (n.partition(LIST_MARK)[0] for n in names if LIST_MARK in n) if p in known.lists), "")
    of_index: int | None = None
    for index, (cell, name) in enumerate(zip(header, names, strict=True)):
        if not _new_name(index, cell, name, names, seen, bad):
            continue
        if name == "of" and entries:
            of_index = index
            continue
        column = (_entries_column(index, name, list_key, bad, known) if entries
                  else _records_column(index, name, bad, known))
        if column is not None:
            columns.append(column)
    if entries and (of_index is None or not list_key):
        if not problems:
            bad("", "an entries file needs an of column and <list>.<field> columns",
                "e.g. of,participants.who,participants.role,participants.sources")
        return None, None, "", problems
    if not entries and not any(col.key == "id" for col in columns):
        return None, None, "", problems  # the id column's name is wrong, and said so above
    return columns, of_index, list_key, problems


def _has_key_column(header: list[str], names: list[str], entries: bool, bad: _Bad) -> bool:
    """Whether the header names an id column (a records file) or an of column (an entries file), and
    not both; if not, says why."""
    if entries and "id" in names:
        bad("of", "a file holds records (an id column) or list entries (an of column), not both",
            "move the list columns, with an of column naming each row's record, to a file of their own")
        return False
    if not entries and "id" not in names:
        other = next((name for sep, name in ((";", "semicolons"), ("\t", "tabs")) if sep in "".join(header)), "")
        bad("", "the first row must name the columns, with an id column (records) or an of column "
            "(entries of a list such as participants)",
            f"the values seem separated by {other}: save the file as comma-separated CSV" if other
            else "e.g. id,type,label,sources")
        return False
    return True


def _new_name(index: int, cell: str, name: str, names: list[str], seen: dict[tuple[str, str], int],
              bad: _Bad) -> bool:
    """Whether the column at ``index`` has a name, without spaces around it, for a field and language
    no column before it has (then it is added to ``seen``, with the column's number); if not, says why."""
    number = index + 1
    if not name:
        bad("", f"column {number} has no name", "name it after a field, or delete the column if it is empty")
        return False
    if cell != name:
        bad(name, "the column name has leading or trailing spaces", "remove them")
        return False
    key, _, lang = name.partition(LANG_MARK)
    identity = (key, lang.lower() or "en")
    if identity in seen:
        first = seen[identity]
        also = "" if names[first - 1] == name else f", {quoted(names[first - 1])}, is the same field and language"
        bad(name, f"duplicate column (column {first}{also})", "keep one of them")
        return False
    seen[identity] = number
    return True


def _entries_column(index: int, name: str, list_key: str, bad: _Bad, known: _Fields) -> _Column | None:
    """The column ``name`` of an entries file (``<list>.<field>``, of the file's list ``list_key``);
    None when it is not one, said with ``bad``."""
    key, _, lang = name.partition(LANG_MARK)
    prefix, dot, key = key.partition(LIST_MARK)
    if not dot:
        own = [f.key for f in known.lists[list_key].fields] if list_key else ["who"]
        bad(name, "a column of an entries file is of or <list>.<field>",
            f"did you mean '{list_key}.{key}'?" if key in own
            else f"e.g. {list_key or 'participants'}.{own[0]}")
        return None
    spec = known.lists.get(prefix)
    if spec is None:
        bad(name, f"unknown list {quoted(prefix)}",
            _nearest(prefix, known.lists, "lists are " + ", ".join(known.lists)))
        return None
    if prefix != list_key:
        bad(name, f"this file holds {list_key} entries, not {prefix}",
            f"put the {prefix} columns, with an of column, in a file of their own")
        return None
    fields = {f.key: f for f in spec.fields}
    if key not in fields:
        bad(name, f"unknown column: {quoted(key)} is not a field of {prefix}",
            _nearest(key, fields, "its fields are " + ", ".join(fields), prefix + LIST_MARK))
        return None
    if lang and key not in known.list_text[prefix]:
        bad(name, f"{prefix}.{key} is not text: only text columns take {LANG_MARK}language",
            f"name the column {prefix}.{key}")
        return None
    return _Column(index, key, lang, fields[key].many)


def _records_column(index: int, name: str, bad: _Bad, known: _Fields) -> _Column | None:
    """The column ``name`` of a records file (``field`` or ``field@lang``); None when it is not one,
    said with ``bad``."""
    key, _, lang = name.partition(LANG_MARK)
    if LIST_MARK in key or key in known.lists:
        listed = printable(key.partition(LIST_MARK)[0], EXCERPT)
        bad(name, "a list cannot be a column of a records file",
            f"put {listed} in an entries file: an of column naming the record, then {listed}.<field> columns")
        return None
    if key not in known.record_keys:
        bad(name, "unknown column",
            _nearest(key, sorted(known.record_keys), "name a column after a field; data/README.md lists them"))
        return None
    if lang and key not in known.record_text:
        bad(name, f"{key} is not text: only text columns take {LANG_MARK}language", f"name the column {key}")
        return None
    return _Column(index, key, lang, key in known.record_many)


def _mapping(columns: list[_Column], cells: list[str], line: int, header_line: int, display: str,
             problems: list[Problem]) -> Map:
    """One row as a mapping of its non-empty cells, each value at the row's line."""
    plain: dict[str, list[Scalar]] = {}
    langs: dict[str, list[Map]] = {}
    for col in columns:
        cell = cells[col.index]
        if not cell:
            continue
        values = [cell]
        if col.many and SEPARATOR in cell:
            values = [v.strip() for v in cell.split(SEPARATOR)]
            if "" in values:
                where = col.key + (LANG_MARK + col.lang if col.lang else "")
                problems.append(Problem(display, line, where, f"an empty value in {quoted(cell)}",
                                        f"remove the extra {SEPARATOR!r}"))
                values = [v for v in values if v]
        scalars = [Scalar(v, line) for v in values]
        if col.lang:
            langs.setdefault(col.key, []).extend(Map({col.lang: s}, line, {col.lang: header_line}) for s in scalars)
        else:
            plain.setdefault(col.key, []).extend(scalars)
    items: dict[str, Node] = {}
    for col in columns:
        if col.key in items or (col.key not in plain and col.key not in langs):
            continue
        own, tagged = plain.get(col.key, []), langs.get(col.key, [])
        if tagged and not col.many:
            # One text in several languages, as YAML writes {en: ..., zh: ...}: a plain column is English.
            merged = Map({}, line, {})
            for text in ([Map({"en": own[0]}, line, {"en": line})] if own else []) + tagged:
                merged.items.update(text.items)
                merged.key_lines.update(text.key_lines)
            items[col.key] = merged
            continue
        nodes: list[Node] = [*own, *tagged]
        items[col.key] = nodes[0] if len(nodes) == 1 else Seq(nodes, line)
    return Map(items, line, dict.fromkeys(items, line))


def _count_problem(display: str, line: int, found: int, expected: int) -> Problem:
    hint = ('quote a value that holds a comma: "Smith, Anna"' if found > expected
            else "give every column a cell, empty when it has no value")
    return Problem(display, line, "", f"the row has {found} cells, expected {expected} (one per column of the header)",
                   hint)


def _nearest(word: str, choices: Iterable[str], fallback: str, prefix: str = "") -> str:
    close = difflib.get_close_matches(word, sorted(choices), n=3, cutoff=0.6)
    return "did you mean " + " or ".join(repr(prefix + c) for c in close) + "?" if close else fallback
