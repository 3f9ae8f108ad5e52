"""The record checker: it reads record files (YAML or CSV), checks each record, its id, type and
fields, then runs the checks across records (:mod:`kg.records.across`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from kg.errors import quoted
from kg.hints import _a, suggest_id
from kg.namespaces import ID_RE
from kg.readers.csv_reader import MAX_COLUMNS, read_csv
from kg.readers.nodes import Map, Node, Scalar, Seq, describe
from kg.readers.yaml_reader import read_yaml
from kg.records.across import AcrossChecks
from kg.records.model import Record


class RecordChecker(AcrossChecks):
    """Checks record files against the schema and the ontology, collecting every problem."""

    # -- entry points -------------------------------------------------------------------------

    def check_files(self, paths: list[tuple[Path, str]],
                    progress: Callable[[str, int, int], None] | None = None) -> list[Record]:
        """Read and check ``(path, display name)`` pairs; then run the checks across records."""
        root: Node | None
        for i, (path, display) in enumerate(paths):
            if progress:
                progress(display, i + 1, len(paths))
            if path.suffix == ".csv":
                root, attached, problems = read_csv(path, display, self.ontology.schema)
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
        fields = self._fields(family)
        lists = self._lists(family)
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
                           if key in self._fields(fam) or key in self._lists(fam))
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
