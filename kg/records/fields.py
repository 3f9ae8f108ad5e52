"""Checking a field's value as written: one value, a list of values, a map of texts by language;
and the items of a qualified list (participants, quantities, quotes, awards, claims).
"""

from __future__ import annotations

import pyoxigraph as ox

from kg.errors import quoted
from kg.readers.nodes import INVALID, Map, Node, Scalar, Seq, describe
from kg.records.model import Entry, Value
from kg.records.values import _LANG_RE, ValueChecks
from kg.schema import Field, Kind, Qualified


class FieldChecks(ValueChecks):
    """The checker's layer for fields and qualified lists (see :mod:`kg.records.base`)."""

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
