"""Curated records: reading them from files and checking them against the schema and ontology.

Every problem of a run is collected (never the first one only) and located as
``FILE:LINE: field: what is wrong (hint)``. Records that pass carry typed values, each already an
RDF term, and their provenance (file and line), so the transform never re-checks anything.
"""

from __future__ import annotations

import calendar
import difflib
import errno
import functools
import os
import re
import stat
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pyoxigraph as ox

from kg.errors import EXCERPT, MAX_PROBLEMS_PER_FILE, Problem, ValidationError, printable, quoted
from kg.namespaces import ID_RE, KG, WD, XSD
from kg.ontology import Ontology
from kg.readers.csv_reader import MAX_COLUMNS, Attached, read_csv
from kg.readers.nodes import INVALID, Map, Node, Scalar, Seq, describe
from kg.readers.yaml_reader import read_yaml
from kg.schema import NEVER_UNSTATED, Field, Kind, Qualified, fields_for, qualified_for

_DATE_RE = re.compile(r"^([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?$")  # not \d: no other script's digits
_LANG_RE = re.compile(r"^[a-zA-Z]{2,3}(?:-[a-zA-Z0-9]{1,8})*$")
_QID_RE = re.compile(r"^Q[1-9][0-9]*$")
_INT_RE = re.compile(r"^(?:0|[1-9][0-9]*)$")
_IRI_BAD = re.compile(r'[\x00-\x20<>"{}|\\^`\x7f]')
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
MAX_TEXT = 20_000
#: The largest whole number a record may give (an xsd:integer the store holds exactly: 2^63 - 1).
MAX_INT = 2**63 - 1
_MAX_INT_TEXT = str(MAX_INT)
#: Fields whose value may not be the record itself.
_NO_SELF = {"part_of", "unit_of", "located_in", "who", "original_publisher"}
#: Fields that put a record inside another: following one of them never leads back to where it started.
_NESTING = ("part_of", "located_in", "unit_of")
_YAML_READS = {
    "bool": "true or false",
    "int": "a number",
    "float": "a number",
    "null": "an empty value",
    "timestamp": "a date",
}
RECORD_SUFFIXES = (".yaml", ".yml", ".csv")
# Made once, not per value or per record (the schema is constant data).
_fields = functools.cache(fields_for)
_lists = functools.cache(qualified_for)
_DATATYPES = {name: ox.NamedNode(XSD + name) for name in ("integer", "boolean", "date", "gYearMonth", "gYear")}


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


def find_record_files(directory: Path) -> list[Path]:
    """Every record file under ``directory``, in a stable order: each regular file named ``*.yaml``,
    ``*.yml`` or ``*.csv``, and each link to a regular file inside ``directory`` (a file linked twice is
    read once). Folders are walked, not links to folders.

    Nothing named like a record file is skipped silently: a link out of ``directory`` (it would bring
    any file of the machine into the graph and its messages), a dangling link or a loop of links, a
    named pipe (reading it would wait forever), a device or a socket, and an upper-case extension
    (``.YAML``: some systems would read it, others not) are refused, and so is a link to a folder
    outside ``directory``. They raise :class:`ValidationError`, all at once, before any record is read.
    """
    root = directory.resolve()
    found: dict[Path, Path] = {}  # the file's real path -> the path it is read by
    problems: list[Problem] = []

    def refuse(path: Path, message: str, hint: str) -> None:
        problems.append(Problem(_display(path), 0, "", message, hint))

    folders = [directory]
    while folders:
        folder = folders.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            refuse(folder, f"cannot read the folder: {exc.strerror}", "check its permissions")
            continue
        for entry in entries:
            path = Path(entry.path)
            suffix = path.suffix
            named = suffix.lower() in RECORD_SUFFIXES
            try:
                if not entry.is_symlink():
                    if entry.is_dir(follow_symlinks=False):
                        folders.append(path)
                    elif named:  # (its real path: no link is followed on the way down)
                        real = root / path.relative_to(directory)
                        _vet(path, real, entry.stat(follow_symlinks=False).st_mode, found, refuse)
                    continue
                try:
                    target = path.resolve(strict=True)
                except (RuntimeError, OSError) as exc:  # a loop is a RuntimeError up to Python 3.12
                    if not isinstance(exc, RuntimeError) and exc.errno not in (errno.ENOENT, errno.ELOOP):
                        raise
                    if named and isinstance(exc, FileNotFoundError):
                        refuse(path, f"is a dangling link (to {os.readlink(path)}): the file it leads to "
                               "does not exist",
                               "remove the link, or restore the file it names")
                    elif named:
                        refuse(path, "is a link in a loop of links: it never reaches a file", "remove the link")
                    continue
                inside = target.is_relative_to(root)
                mode = target.stat().st_mode
                if stat.S_ISDIR(mode):
                    if not inside:
                        refuse(path, f"is a link to a folder outside the data folder ({target}); its files are "
                               "not read", "copy the folder into the data folder, or remove the link")
                    continue  # else its files are read where they are
                if not named:
                    continue
                if not inside:
                    refuse(path, f"is a link to a file outside the data folder ({target}); it is not read",
                           "copy the file into the data folder, or remove the link")
                    continue
                _vet(path, target, mode, found, refuse)
            except OSError as exc:
                refuse(path, f"cannot read it: {exc.strerror}", "check its permissions")
    if problems:
        raise ValidationError(problems)
    return sorted(found.values())


def _vet(path: Path, real: Path, mode: int, found: dict[Path, Path],
         refuse: Callable[[Path, str, str], None]) -> None:
    """Add ``path`` (whose real path is ``real``, of ``mode``) to ``found`` if it is a record file."""
    kind = ("" if stat.S_ISREG(mode) else "a named pipe (FIFO)" if stat.S_ISFIFO(mode)
            else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
            else "a socket" if stat.S_ISSOCK(mode) else "not a regular file")
    if kind:
        what = kind if kind.startswith("not") else f"{kind}, not a file"
        refuse(path, f"is {what}; it is not read", "record files are regular files: remove it or replace it")
    elif path.suffix not in RECORD_SUFFIXES:
        refuse(path, f"the extension {path.suffix} is not read: record files end in .yaml, .yml or .csv, "
               "in lower case", f"rename it to {path.stem}{path.suffix.lower()}")
    elif real not in found or found[real].is_symlink():
        found[real] = path  # a file linked twice (or linked and present) is read once, by its own name


def _url_problem(text: str) -> tuple[str, str] | None:
    """What is wrong with an http(s) address whose characters passed :data:`_IRI_BAD`, as (message,
    hint), or None. A source's address is shown as a link and handed to other systems: it may carry no
    user name or password, no port outside 1-65535, and no invisible character (a bidirectional or
    zero-width mark, which makes the address read as another)."""
    invisible = next((c for c in text if unicodedata.category(c) in ("Cf", "Zl", "Zp", "Zs", "Cc", "Co", "Cn")),
                     None)
    if invisible is not None:
        return (f"contains the invisible character U+{ord(invisible):04X} ({unicodedata.name(invisible, 'unnamed')})",
                "an address that reads as another is not accepted: remove it, or percent-encode it")
    try:
        parts = urlsplit(text)
    except ValueError as exc:  # e.g. an unclosed [ of an IPv6 host
        return f"is not a valid address: {exc}", "check the host name"
    if "@" in parts.netloc:
        return ("holds a user name or password before its host",
                "give the address without credentials: https://host/path")
    try:
        port = parts.port
    except ValueError:
        port = -1
    if port is not None and not 0 < port < 65536:
        return "has a port that does not exist", "a port is a number from 1 to 65535; or give no port"
    return None


def _display(path: Path) -> str:
    """``path`` as messages name it: relative to the working directory when it lies below it (a
    link is named as itself, not as its target)."""
    try:
        return str((path.parent.resolve() / path.name).relative_to(Path.cwd().resolve()))
    except (ValueError, OSError, RuntimeError):
        return str(path)


def nearest(word: str, choices: Iterable[str], *, fallback: str = "") -> str:
    """A hint naming the closest of ``choices`` to ``word``; else ``fallback``, or a few choices."""
    options = sorted(set(choices))
    lowered = {c.lower(): c for c in options}
    if word.lower() in lowered:
        return f"did you mean {quoted(lowered[word.lower()])}?"
    close = difflib.get_close_matches(word, options, n=3, cutoff=0.6)
    if close:
        return "did you mean " + " or ".join(quoted(c) for c in close) + "?"
    if fallback:
        return fallback
    shown = ", ".join(options[:12]) + (" ..." if len(options) > 12 else "")
    return f"expected one of: {shown}"


def suggest_id(text: str) -> str:
    """An id in the allowed form that is closest to ``text``, or ``""`` when none can be told: a
    letter with no plain Latin form (a Cyrillic look-alike, a Chinese character) is not dropped."""
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_text = "".join(c for c in decomposed if not unicodedata.combining(c))
    if any(c.isalnum() and not c.isascii() for c in ascii_text):
        return ""
    ascii_text = ascii_text.encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if slug and not slug[0].isalpha():
        slug = "x-" + slug
    return slug


class RecordChecker:
    """Checks record files against the schema and the ontology, collecting every problem."""

    def __init__(self, ontology: Ontology) -> None:
        self.ontology = ontology
        self.problems: list[Problem] = []
        self._counts: Counter[str] = Counter()  # problems so far, by file
        self.records: list[Record] = []
        self.by_id: dict[str, Record] = {}
        self._file = ""
        self._claim_nodes: dict[int, Map] = {}  # id(claim entry) -> its raw mapping, checked later
        self._refs: dict[str, tuple[ox.NamedNode, str]] = {}  # id -> the term and text of references to it
        self._concepts: dict[tuple[str, str], ox.NamedNode] = {}  # (scheme, id) -> the concept's term
        self._attached: list[Attached] = []  # list entries of CSV entries files, added in check_across
        self._unchecked: set[str] = set()  # ids of records that failed before they had a family

    # -- entry points -------------------------------------------------------------------------

    def check_files(self, paths: list[tuple[Path, str]],
                    progress: Callable[[str, int, int], None] | None = None) -> list[Record]:
        """Read and check ``(path, display name)`` pairs; then run the checks across records."""
        root: Node | None
        for i, (path, display) in enumerate(paths):
            if progress:
                progress(display, i + 1, len(paths))
            if path.suffix == ".csv":
                root, attached, problems = read_csv(path, display)
                self._attached.extend(attached)
            else:
                root, problems = read_yaml(path, display)
            self.problems.extend(problems)
            self._counts[display] += len(problems)
            if root is not None:
                self.check_document(root, display)
        self.check_across()
        return self.records

    def check_document(self, root: Node, display: str) -> None:
        """Check one parsed file: a list of records."""
        self._file = display
        if isinstance(root, Map) and {"id", "type"} & set(root.items):
            root = Seq([root], root.line)  # a file holding a single record is fine
        if not isinstance(root, Seq):
            self._add(root.line, "", f"the file must be a list of records, not {describe(root)}",
                      "start each record with '- id: ...'")
            return
        for item in root.items:
            if not isinstance(item, Map):
                self._add(item.line, "", f"a record must be a mapping of fields, not {describe(item)}",
                          "write 'key: value' lines under '- id: ...'")
                continue
            record = self._check_record(item)
            if record is not None:
                self.records.append(record)
            elif isinstance(rid := item.items.get("id"), Scalar):
                self._unchecked.add(rid.text)  # its entries in other files are not checked either

    # -- one record ---------------------------------------------------------------------------

    def _add(self, line: int, fld: str, message: str, hint: str = "") -> None:
        self.problems.append(Problem(self._file, line, fld, message, hint))
        self._counts[self._file] += 1

    def _nearest(self, word: str, choices: Iterable[str], *, fallback: str = "") -> str:
        """:func:`nearest`; but once the current file has more problems than are shown, only the
        fallback: a problem past that is counted, not shown, and its hint may cost a search of every id."""
        if self._counts[self._file] >= MAX_PROBLEMS_PER_FILE:
            return fallback
        return nearest(word, choices, fallback=fallback)

    def _check_record(self, node: Map) -> Record | None:
        if len(node.items) > MAX_COLUMNS:  # as a CSV header: refused whole, not one unknown field at a time
            self._add(node.line, "", f"the record has {len(node.items):,} fields, over the limit of {MAX_COLUMNS:,}",
                      "a record has a few dozen fields at most: check the indentation")
            return None
        rid = self._check_id(node)
        type_iri, family = self._check_type(node)
        if family is None:
            return None
        record = Record(rid or "", type_iri, family, self._file, node.line)
        fields = _fields(family)
        lists = _lists(family)
        for key, value in node.items.items():
            line = node.key_lines.get(key, node.line)
            record.lines[key] = line
            if key in ("id", "type"):
                continue
            if key in fields:
                record.values[key] = self._parse_field(fields[key], value, key)
            elif key in lists:
                record.entries.extend(self._parse_entries(lists[key], value))
            else:
                self._unknown_key(key, line, family, list(fields) + list(lists))
        required = [f.key for f in fields.values() if f.required and f.key not in ("id", "type")]
        if family != "source":
            required.append("sources")
        for key in required:
            if key not in node.items:
                self._add(node.line, key, f"missing required field of {_a(family)} record",
                          f"add '{key}:'" + (" with the ids of the sources this record is curated from"
                                             if key == "sources" else ""))
        return record if rid else None

    def _unknown_key(self, key: str, line: int, family: str, allowed: list[str]) -> None:
        elsewhere = sorted(fam for fam in ("person", "organisation", "work", "event", "programme",
                                           "edition", "place", "source", "award")
                           if key in _fields(fam) or key in _lists(fam))
        if elsewhere:
            self._add(line, key, f"not a field of {_a(family)} record",
                      f"it belongs to {', '.join(elsewhere)} records; check the type")
        else:
            self._add(line, key, "unknown field", self._nearest(key, allowed))

    def _check_id(self, node: Map) -> str | None:
        value = node.items.get("id")
        if value is None:
            self._add(node.line, "id", "missing required field", "every record needs an id")
            return None
        if not isinstance(value, Scalar):
            self._add(value.line, "id", f"must be a single word, not {describe(value)}")
            return None
        text = value.text
        if value.implicit and value.implicit != "timestamp":
            self._trap(value, "id")
            return None
        if not ID_RE.fullmatch(text):
            suggestion = suggest_id(text)
            hint = "lowercase ASCII letters, digits and single hyphens, starting with a letter"
            if suggestion and suggestion != text:
                hint += f", e.g. {quoted(suggestion)}"
            self._add(value.line, "id", f"{quoted(text)} is not a valid id", hint)
            return None
        return text

    def _check_type(self, node: Map) -> tuple[str, str | None]:
        value = node.items.get("type")
        if value is None:
            self._add(node.line, "type", "missing required field",
                      "give the record's class, e.g. Person, Organisation, LaunchCeremony")
            return "", None
        if not isinstance(value, Scalar) or value.implicit:
            self._add(value.line, "type", f"must be a class name, not {describe(value)}")
            return "", None
        iri = self.ontology.types.get(value.text)
        if iri is None:
            self._add(value.line, "type", f"unknown type {quoted(value.text)}",
                      self._nearest(value.text, self.ontology.types))
            return "", None
        return iri, self.ontology.family[iri]

    # -- fields -------------------------------------------------------------------------------

    def _parse_field(self, spec: Field, node: Node, name: str) -> list[Value]:
        if type(node) is Scalar and not node.implicit:
            # The commonest values: an id or a concept (a role) already seen, so already checked;
            # one term shared by all.
            if spec.kind is Kind.REF:
                ref = self._refs.get(node.text)
                if ref is not None:
                    return [Value(ref[0], node.line, ref=ref[1])]
            elif spec.kind is Kind.CONCEPT:
                term = self._concepts.get((spec.scheme, node.text))
                if term is not None:
                    return [Value(term, node.line, ref=node.text)]
        if isinstance(node, Scalar) and node.implicit == INVALID:
            return []  # already reported by the reader
        if isinstance(node, Scalar) and node.implicit == "null":
            self._add(node.line, name, "has no value", "give a value or remove the line")
            return []
        if isinstance(node, Seq):
            if not spec.many:
                self._add(node.line, name, "takes one value, not a list", "keep a single value")
                return []
            if not node.items:
                self._add(node.line, name, "is an empty list", "give at least one value or remove the line")
            out: list[Value] = []
            refs = self._refs if spec.kind is Kind.REF else {}
            for item in node.items:
                ref = refs.get(item.text) if type(item) is Scalar and not item.implicit else None
                if ref is not None:  # as above
                    out.append(Value(ref[0], item.line, ref=ref[1]))
                else:
                    out.extend(self._parse_one(spec, item, name))
            seen: set[ox.NamedNode | ox.Literal] = set()  # terms are equal when their texts (str) are
            for v in out:
                if v.term in seen:
                    self._add(v.line, name, f"the value {quoted(v.term.value)} is listed twice", "keep one")
                seen.add(v.term)
            return out
        return self._parse_one(spec, node, name)

    def _parse_one(self, spec: Field, node: Node, name: str) -> list[Value]:
        if isinstance(node, Scalar) and node.implicit == INVALID:
            return []
        if spec.kind is Kind.TEXT and isinstance(node, Map):
            out = []
            seen: dict[str, str] = {}  # lower-cased tag -> the tag as written (tags ignore case)
            for lang, text in node.items.items():
                line = node.key_lines.get(lang, node.line)
                if not _LANG_RE.fullmatch(lang):
                    self._add(line, name, f"{quoted(lang)} is not a language tag",
                              "use a BCP 47 tag such as en, zh, zh-Hans, fr")
                    continue
                if lang.lower() in seen:
                    self._add(line, name,
                              f"the language {quoted(lang)} is given twice (also as {quoted(seen[lang.lower()])})",
                              "language tags ignore case: keep one text per language")
                    continue
                seen[lang.lower()] = lang
                if not isinstance(text, Scalar):
                    self._add(text.line, name, f"the {lang} text must be a string, not {describe(text)}")
                    continue
                checked = self._text(text, name)
                if checked is not None:
                    out.append(Value(ox.Literal(checked, language=lang.lower()), text.line))
            if not node.items:
                self._add(node.line, name, "has no value", "give {en: ...} or a plain string")
            elif spec.one_language and len(node.items) > 1:
                self._add(node.line, name, f"gives {len(node.items)} languages; it holds the words in the one "
                          "language they were said in", "keep the original; a translation is a quote of its own")
                return []
            return out
        if not isinstance(node, Scalar):
            self._add(node.line, name, f"expected a single value, not {describe(node)}",
                      "{lang: text} maps are only for text fields" if isinstance(node, Map) else "")
            return []
        value = self._scalar(spec, node, name)
        return [value] if value is not None else []

    def _trap(self, node: Scalar, name: str) -> None:
        reads = _YAML_READS.get(node.implicit, node.implicit)
        if node.implicit == "bool":
            truth = node.text.lower() in ("yes", "y", "true", "on")
            reads = f"the boolean {'true' if truth else 'false'}"
        short = len(node.text) <= EXCERPT  # a longer one is not worked out (nor shown whole)
        if node.implicit == "int" and re.fullmatch(r"0[0-7]+", node.text):
            reads = f"the octal number {int(node.text, 8)}" if short else "an octal number"
        elif node.implicit == "int" and re.fullmatch(r"[0-9]+(:[0-5]?[0-9])+", node.text):
            parts = [int(x) for x in node.text.split(":")] if short else []
            reads = (f"the number {sum(v * 60 ** i for i, v in enumerate(reversed(parts)))} (base 60)" if short
                     else "a number in base 60")
        self._add(node.line, name, f"unquoted {quoted(node.text)} is read as {reads} by YAML tools",
                  f'quote it: "{node.text}"' if short else "quote it")

    def _text(self, node: Scalar, name: str) -> str | None:
        text = node.text
        if node.implicit:
            self._trap(node, name)
            return None
        if not text.strip():
            self._add(node.line, name, "is empty", "give a value or remove the line")
            return None
        if text != text.strip():
            self._add(node.line, name, "has leading or trailing spaces", "remove them")
            return None
        bad = _CONTROL.search(text)
        if bad:
            self._add(node.line, name, f"contains the control character U+{ord(bad.group()):04X}",
                      "remove it; only tabs and newlines are allowed in text")
            return None
        if len(text) > MAX_TEXT:
            self._add(node.line, name, f"is {len(text):,} characters long, over the limit of {MAX_TEXT:,}",
                      "shorten it: records hold facts and short quotes")
            return None
        return unicodedata.normalize("NFC", text)

    def _scalar(self, spec: Field, node: Scalar, name: str) -> Value | None:
        text, line, kind = node.text, node.line, spec.kind
        if kind is Kind.REF and not node.implicit and ID_RE.fullmatch(text):
            # The commonest value, first; one term (and one text) per id, shared by every reference.
            ref = self._refs.get(text)
            if ref is None:
                ref = self._refs[text] = (ox.NamedNode(KG + text), text)
            return Value(ref[0], line, ref=ref[1])
        if kind in (Kind.TEXT, Kind.PLAIN):
            checked = self._text(node, name)
            if checked is None:
                return None
            term = ox.Literal(checked, language="en") if kind is Kind.TEXT else ox.Literal(checked)
            return Value(term, line)
        if kind is Kind.DATE:
            return self._date(node, name)
        if kind is Kind.INTEGER:
            if node.implicit in ("int", "") and _INT_RE.fullmatch(text):  # "": a quoted or a CSV value
                if len(text) <= len(_MAX_INT_TEXT) and int(text) <= MAX_INT:  # (no int() of a long text)
                    return Value(ox.Literal(text, datatype=_DATATYPES["integer"]), line)
                self._add(line, name, f"{quoted(text)} is too large",
                          f"whole numbers go from 0 to {MAX_INT:,}, that is 2^63 - 1; a real count is far smaller")
                return None
            self._add(line, name, f"{quoted(text)} is not a whole number", _integer_hint(text))
            return None
        if kind is Kind.BOOL:
            if text in ("true", "false"):
                return Value(ox.Literal(text, datatype=_DATATYPES["boolean"]), line)
            self._add(line, name, f"{quoted(text)} is not true or false",
                      "write true or false; YAML tools disagree on yes, no, on and off")
            return None
        if node.implicit:
            self._trap(node, name)
            return None
        if kind is Kind.FIELD:
            if re.fullmatch(r"[a-z_]+", text):
                return Value(ox.Literal(text), line, ref=text)
            self._add(line, name, f"{quoted(text)} is not a field name", "name a field of this record, e.g. place")
            return None
        if kind is Kind.REF:
            if ID_RE.fullmatch(text):
                return Value(ox.NamedNode(KG + text), line, ref=text)
            self._add(line, name, f"{quoted(text)} is not a record id",
                      "refer to another record by its id: lowercase letters, digits and hyphens")
            return None
        if kind is Kind.URL:
            return self._url(node, name)
        if kind is Kind.QID:
            if _QID_RE.fullmatch(text):
                return Value(ox.NamedNode(WD + text), line)
            m = re.search(r"[Qq]([1-9][0-9]*)\s*$", text)
            hint = (f"write the item id alone, e.g. Q{m.group(1)}" if m
                    else "a Wikidata item id is Q and digits, e.g. Q148")
            self._add(line, name, f"{quoted(text)} is not a Wikidata QID", hint)
            return None
        if kind is Kind.LANG:
            if _LANG_RE.fullmatch(text):
                return Value(ox.Literal(text.lower()), line)
            self._add(line, name, f"{quoted(text)} is not a language tag", "use a BCP 47 tag such as en, zh, zh-Hans")
            return None
        if kind is Kind.ENUM:
            if text in spec.choices:
                return Value(ox.NamedNode(spec.choices[text]), line)
            self._add(line, name, f"{quoted(text)} is not allowed here", self._nearest(text, spec.choices))
            return None
        if kind is Kind.CONCEPT:
            concepts = self.ontology.schemes.get(spec.scheme, {})
            if text in concepts:
                iri_term = self._concepts[(spec.scheme, text)] = ox.NamedNode(concepts[text].iri)
                return Value(iri_term, line, ref=text)
            what = "role" if spec.key == "role" else spec.key
            hint = self._nearest(text, concepts)
            hint += (" Or" if hint.endswith("?") else "; or") + f" add it to the ontology's {spec.scheme}"
            self._add(line, name, f"unknown {what} {quoted(text)}", hint)
            return None
        raise AssertionError(f"unhandled kind {kind}")

    def _date(self, node: Scalar, name: str) -> Value | None:
        text, line = node.text, node.line
        if node.implicit not in ("", "timestamp", "int"):
            self._trap(node, name)
            return None
        m = _DATE_RE.fullmatch(text)
        if not m:
            self._add(line, name, f"{quoted(text)} is not a date", "write YYYY, YYYY-MM or YYYY-MM-DD, e.g. 2024-07-30")
            return None
        year, month, day = int(m.group(1)), m.group(2), m.group(3)
        try:
            if day is not None:
                d = date(year, int(month), int(day))
                return Value(ox.Literal(text, datatype=_DATATYPES["date"]), line, span=(d, d))
            if month is not None:
                first = date(year, int(month), 1)
                last = date(year, int(month), calendar.monthrange(year, int(month))[1])
                return Value(ox.Literal(text, datatype=_DATATYPES["gYearMonth"]), line,
                             span=(first, last))
            if year < 1:
                raise ValueError("year 0")
            return Value(ox.Literal(text, datatype=_DATATYPES["gYear"]), line,
                         span=(date(year, 1, 1), date(year, 12, 31)))
        except ValueError:
            self._add(line, name, f"{quoted(text)} is not a real date",
                      "there is no year 0; check the year" if year < 1 else "check the month and the day")
            return None

    def _url(self, node: Scalar, name: str) -> Value | None:
        text, line = node.text, node.line
        scheme = text.split(":", 1)[0].lower() if ":" in text else ""
        if scheme not in ("http", "https"):
            self._add(line, name, f"{quoted(text)} is not an http(s) address",
                      "give the full address starting with https:// or http://")
            return None
        bad = _IRI_BAD.search(text)
        if bad:
            ch = bad.group()
            shown = "a space" if ch == " " else quoted(ch)
            hint = "percent-encode it" + ("; a space is %20" if ch == " " else "")
            self._add(line, name, f"the address contains {shown}", hint)
            return None
        if not re.match(r"(?i)https?://[^/?#:@]", text):
            self._add(line, name, f"{quoted(text)} has no host name", "give the full address, e.g. https://example.org/page")
            return None
        try:
            iri = ox.NamedNode(text)
        except ValueError as exc:
            self._add(line, name, f"{quoted(text)} is not a valid address: {printable(str(exc), EXCERPT)}",
                      "check the address")
            return None
        problem = _url_problem(text)
        if problem:
            shown = re.sub(r"(?i)^(https?://)[^/?#]*@", r"\1***@", text)  # a password is not repeated
            self._add(line, name, f"{quoted(shown)} {problem[0]}", problem[1])
            return None
        return Value(iri, line)

    # -- qualified lists ----------------------------------------------------------------------

    def _parse_entries(self, spec: Qualified, node: Node, start: int = 1) -> list[Entry]:
        if not isinstance(node, Seq):
            self._add(node.line, spec.key, f"must be a list, not {describe(node)}",
                      "write each item on a line starting with '- '")
            return []
        fields = {f.key: f for f in spec.fields}
        entries = []
        for index, item in enumerate(node.items, start=start):
            where = f"{spec.key}[{index}]"
            if not isinstance(item, Map):
                self._add(item.line, where, f"must be a mapping, not {describe(item)}")
                continue
            record_file, self._file = self._file, item.file or self._file  # an entry may have its own file
            entry = Entry(spec, index, item.line, file=item.file)
            for key, value in item.items.items():
                line = item.key_lines.get(key, item.line)
                entry.lines[key] = line
                if key in fields and fields[key].predicate is not None:
                    entry.values[key] = self._parse_field(fields[key], value, f"{where}.{key}")
                elif key not in fields:
                    self._add(line, f"{where}.{key}", "unknown field", self._nearest(key, fields))
            for f in spec.fields:
                if f.required and f.key not in item.items:
                    self._add(item.line, f"{where}.{f.key}", "missing required field",
                              f"add '{f.key}:', {f.doc}")
            self._file = record_file
            entries.append(entry)
            if spec.key == "claims":
                self._claim_nodes[id(entry)] = item
        return entries

    # -- across records -----------------------------------------------------------------------

    def check_across(self) -> None:
        """The checks that need every record: duplicates, references, roles, intervals, IRIs."""
        by_id: dict[str, Record] = {}
        for record in self.records:
            first = by_id.get(record.id)
            if first is not None:
                self.problems.append(Problem(record.file, record.line, "id",
                                             f"duplicate id {quoted(record.id)} (first at {first.file}:{first.line})",
                                             "one entity has one record: merge them or rename one"))
                self._counts[record.file] += 1
                continue
            by_id[record.id] = record
        self.by_id = by_id
        self._attach_entries()
        iris: dict[str, Entry] = {}
        for record in by_id.values():
            self._file = record.file
            self._check_values(record, record.values, "")
            self._check_unstated(record)
            for entry in record.entries:
                self._file = entry.file or record.file
                where = f"{entry.spec.key}[{entry.index}]"
                self._check_values(record, entry.values, where + ".")
                if entry.spec.key == "participants":
                    self._check_role(record, entry, where)
                if entry.spec.key == "claims":
                    self._check_claim(record, entry, where)
                entry.iri = self._entry_iri(record, entry, iris)
        for key in _NESTING:
            self._check_cycles(key)

    def _check_cycles(self, key: str) -> None:
        """Refuse every cycle of ``key`` (a part of b, b part of a): one problem for each found, at the
        reference that closes it, naming the records on it. (A record that names itself is refused
        by :meth:`_check_values`.)"""
        edges = {r.id: [v for v in r.values[key] if v.ref in self.by_id and v.ref != r.id]
                 for r in self.by_id.values() if r.values.get(key)}
        state: dict[str, bool] = {}  # id -> True while on the path being walked, False once done
        for start in sorted(edges):
            if start in state:
                continue
            path, todo = [start], [iter(edges[start])]
            state[start] = True
            while todo:  # a depth-first walk, without recursion (a chain may be long)
                value = next(todo[-1], None)
                if value is None:
                    state[path.pop()] = False
                    todo.pop()
                elif value.ref not in state:
                    state[value.ref] = True
                    path.append(value.ref)
                    todo.append(iter(edges.get(value.ref, ())))
                elif state[value.ref]:
                    cycle = path[path.index(value.ref):]
                    shown = [quoted(r) for r in cycle[:10]] + (["..."] if len(cycle) > 10 else [])
                    self._file = self.by_id[path[-1]].file
                    self._add(value.line, key, f"a cycle of {len(cycle)} records: " + " -> ".join(
                        [*shown, quoted(cycle[0])]), "no record can be inside itself, even through others: "
                              "remove or correct one of these references")

    def _attach_entries(self) -> None:
        """Add each entry of a CSV entries file to the list of the record its ``of`` names, after
        the entries written in the record itself; its problems are located in the entries file."""
        counts: dict[tuple[str, str], int] = {}  # (record, list) -> entries so far, for their index
        for item in self._attached:
            self._file = item.entry.file
            record = self.by_id.get(item.of.text)
            if record is None:
                if item.of.text not in self._unchecked:  # else that record's own problems say why
                    self._add(item.of.line, "of", f"unknown id {quoted(item.of.text)}",
                              self._nearest(item.of.text, self.by_id,
                                      fallback="no record has this id; add one or fix the id"))
                continue
            spec = qualified_for(record.family).get(item.key)
            if spec is None:
                self._add(item.entry.line, item.key, f"{quoted(item.of.text)} is {_a(record.family)} record, "
                          f"which has no {item.key}", "check the id in the of column")
                continue
            count = counts.get((record.id, item.key))
            if count is None:
                count = sum(e.spec.key == item.key for e in record.entries)
            counts[(record.id, item.key)] = count + 1
            record.entries.extend(self._parse_entries(spec, Seq([item.entry], item.entry.line), start=count + 1))
        self._attached = []

    def _check_values(self, record: Record, values: dict[str, list[Value]], prefix: str) -> None:
        for key, vals in values.items():
            spec = _spec_of(record.family, prefix, key)
            if spec is None or spec.kind is not Kind.REF:
                continue
            for v in vals:
                target = self.by_id.get(v.ref)
                if target is None:
                    self._add(v.line, prefix + key, f"unknown id {quoted(v.ref)}",
                              self._nearest(v.ref, self.by_id, fallback="no record has this id; add one or fix the id"))
                elif target.family not in spec.targets:
                    want = " or ".join(spec.targets)
                    self._add(v.line, prefix + key, f"{quoted(v.ref)} is a {target.family}, expected a {want}",
                              "check the id")
                elif v.ref == record.id and key in _NO_SELF:
                    self._add(v.line, prefix + key, f"{quoted(record.id)} refers to itself", "refer to another record")
        starts = values.get("start") or []
        ends = values.get("end") or []
        if values.get("date") and (starts or ends):
            self._add(values["date"][0].line, prefix + "date", "give either date or start/end, not both",
                      "use date for a day, month or year; start and end for an interval")
        if starts and ends and starts[0].span and ends[0].span and ends[0].span[1] < starts[0].span[0]:
            self._add(ends[0].line, prefix + "end",
                      f"ends ({ends[0].term.value}) before it starts ({starts[0].term.value})",
                      "swap them or correct one")

    def _check_unstated(self, record: Record) -> None:
        fields = _fields(record.family)
        lists = _lists(record.family)
        for v in record.values.get("unstated", []):
            spec = fields.get(v.ref)
            qualified = lists.get(v.ref)
            if qualified is not None:
                if any(e.spec.key == v.ref for e in record.entries):
                    self._add(v.line, "unstated", f"{quoted(v.ref)} is given in this record", "remove it from unstated")
                else:
                    v.term = ox.NamedNode(qualified.link)
            elif spec is None or spec.predicate is None or v.ref in NEVER_UNSTATED:
                allowed = [k for k, f in fields.items() if f.predicate and k not in NEVER_UNSTATED] + list(lists)
                self._add(v.line, "unstated",
                          f"{quoted(v.ref)} is not a field {_a(record.family)} record can leave unstated",
                          self._nearest(v.ref, allowed))
            elif v.ref in record.values or (v.ref == "date" and ("start" in record.values or "end" in record.values)):
                self._add(v.line, "unstated", f"{quoted(v.ref)} is given in this record", "remove it from unstated")
            else:
                v.term = ox.NamedNode(spec.predicate)

    def _check_role(self, record: Record, entry: Entry, where: str) -> None:
        role = (entry.values.get("role") or (None,))[0]
        who = (entry.values.get("who") or (None,))[0]
        if role is None:
            return
        concept = self.ontology.schemes["RoleScheme"][role.ref]
        target_ok = not concept.target_classes or any(
            self.ontology.is_a(record.type_iri, c) for c in concept.target_classes)
        if not target_ok:
            self._add(role.line, where + ".role",
                      f"the role {quoted(role.ref)} does not apply to a {_local(record.type_iri)}",
                      "it applies to " + ", ".join(_local(c) for c in concept.target_classes))
        agent = self.by_id.get(who.ref) if who is not None else None
        if who is not None and agent is not None and concept.agent_classes and not any(
                self.ontology.is_a(agent.type_iri, c) for c in concept.agent_classes):
            self._add(who.line, where + ".who",
                      f"{quoted(who.ref)} is a {_local(agent.type_iri)}; the role {quoted(role.ref)} is taken by a "
                      + " or ".join(_local(c) for c in concept.agent_classes), "check the role or the id")

    def _check_claim(self, record: Record, entry: Entry, where: str) -> None:
        item = self._claim_nodes[id(entry)]
        field_node, value_node = item.items.get("field"), item.items.get("value")
        if not isinstance(field_node, Scalar) or value_node is None:
            return
        fields = fields_for(record.family)
        spec = fields.get(field_node.text)
        if spec is None or spec.predicate is None:
            allowed = [k for k in fields if k not in ("id", "type")]
            self._add(field_node.line, where + ".field",
                      f"{quoted(field_node.text)} is not a field of a {record.family} record",
                      self._nearest(field_node.text, allowed))
            return
        entry.claim_field = spec
        values = self._parse_field(spec, value_node, where + ".value")
        entry.values["value"] = values
        self._check_values(record, {spec.key: values}, where + ".value.")

    def _entry_iri(self, record: Record, entry: Entry, iris: dict[str, Entry]) -> str:
        key = entry.spec.key

        def ref(name: str) -> str:
            vals = entry.values.get(name) or []
            return vals[0].ref if vals and vals[0].ref else "x"

        if key == "participants":
            base = f"{record.id}--{ref('role')}--{ref('who')}"
        elif key == "quantities":
            base = f"{record.id}--{ref('measure')}"
        elif key == "awards":
            outcome = (entry.values.get("outcome") or (None,))[0]
            base = f"{record.id}--{ref('award')}--{_local(outcome.term.value).lower() if outcome else 'x'}"
        else:
            base = f"{record.id}--{key.rstrip('s')}-{entry.index}"
        iri = KG + base
        n = 2
        while iri in iris:
            iri = f"{KG}{base}-{n}"
            n += 1
        iris[iri] = entry
        return iri


def _a(word: str) -> str:
    return ("an " if word[0] in "aeiou" else "a ") + word


def _local(iri: str) -> str:
    return re.split(r"[/#]", iri)[-1]


def _spec_of(family: str, prefix: str, key: str) -> Field | None:
    if not prefix:
        return _fields(family).get(key)
    return _entry_spec(family, prefix.split("[", 1)[0], ".value." in prefix, key)


@functools.cache
def _entry_spec(family: str, list_key: str, claim_value: bool, key: str) -> Field | None:
    spec = _lists(family).get(list_key)
    if spec is None:
        return None
    if claim_value:
        return _fields(family).get(key)
    return next((f for f in spec.fields if f.key == key), None)


def _integer_hint(text: str) -> str:
    if len(text) > EXCERPT:
        return f"a whole number from 0 to {MAX_INT:,}, in digits only"
    if re.fullmatch(r"0[0-9]+", text):
        return f"no leading zeros: YAML tools read {text} as an octal number; write {int(text)}"
    if re.fullmatch(r"[0-9]+\.[0-9]{1,2}", text):
        return "a whole number is needed: round it"
    if re.fullmatch(r"[0-9][0-9,._ ]*[0-9]", text):
        return f"write digits only, e.g. {re.sub(r'[^0-9]', '', text)}"
    if re.fullmatch(r"[0-9.]+\s*[kKmM]", text):
        return "write the whole number in digits, e.g. 12000 for 12k"
    if text.startswith("-"):
        return "counts cannot be negative"
    return "write digits only; say 'over' or 'about' with comparator, not in the number"
