"""Checking one value of a field: text, dates, whole numbers, booleans, ids, addresses, QIDs,
language tags, choices and concepts; and YAML's traps (an unquoted ``no`` or ``007``).
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from datetime import date
from urllib.parse import urlsplit

import pyoxigraph as ox

from kg.errors import EXCERPT, printable, quoted
from kg.namespaces import ID_RE, KG, WD, XSD
from kg.readers.nodes import Scalar
from kg.records.base import CheckerBase
from kg.records.model import Value
from kg.schema import Field, Kind

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
_YAML_READS = {
    "bool": "true or false",
    "int": "a number",
    "float": "a number",
    "null": "an empty value",
    "timestamp": "a date",
}
_DATATYPES = {name: ox.NamedNode(XSD + name) for name in ("integer", "boolean", "date", "gYearMonth", "gYear")}


class ValueChecks(CheckerBase):
    """The checker's layer for single values (see :mod:`kg.records.base`)."""

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
