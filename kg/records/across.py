"""The checks that need every record: duplicate ids, references and their targets, roles, claims,
intervals, the entries of CSV entries files, cycles of nesting, and the IRIs of list entries.
"""

from __future__ import annotations

import functools

import pyoxigraph as ox

from kg.errors import Problem, quoted
from kg.hints import _a, _local
from kg.namespaces import KG
from kg.readers.nodes import Scalar, Seq
from kg.records.duplicates import find_duplicates, find_namesakes
from kg.records.fields import FieldChecks
from kg.records.model import Entry, Record, Value
from kg.schema import Field, Kind, Schema

#: Fields whose value may not be the record itself.
_NO_SELF = {"part_of", "unit_of", "located_in", "who", "original_publisher", "distinct_from"}
#: Fields that date a record besides ``date``: ``unstated: [date]`` contradicts them too.
_DATED = frozenset({"start", "end", "date_earliest", "date_latest"})
#: Fields that put a record inside another: following one of them never leads back to where it started.
_NESTING = ("part_of", "located_in", "unit_of")


class AcrossChecks(FieldChecks):
    """The checker's layer across records (see :mod:`kg.records.base`)."""

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
        for problem in find_duplicates(by_id.values()):
            self.problems.append(problem)
            self._counts[problem.file] += 1
        self.warnings.extend(find_namesakes(by_id.values()))

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
            spec = self._lists(record.family).get(item.key)
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
            spec = _spec_of(self.ontology.schema, record.family, prefix, key)
            if spec is None or spec.kind is not Kind.REF:
                continue
            for v in vals:
                target = self.by_id.get(v.ref)
                if target is None:
                    self._add(v.line, prefix + key, f"unknown id {quoted(v.ref)}",
                              self._nearest(v.ref, self.by_id, fallback="no record has this id; add one or fix the id"))
                elif target.family not in spec.targets:
                    want = " or ".join(spec.targets)
                    self._add(v.line, prefix + key, f"{quoted(v.ref)} is {_a(target.family)}, expected {_a(want)}",
                              "check the id")
                elif v.ref == record.id and key in _NO_SELF:
                    self._add(v.line, prefix + key, f"{quoted(record.id)} refers to itself", "refer to another record")
        self._check_dates(values, prefix)

    def _check_dates(self, values: dict[str, list[Value]], prefix: str) -> None:
        """A point (date), an interval (start/end) or a point known only as a range (date_earliest/
        date_latest): one of the three, each in order; date_approximate qualifies one of them."""
        starts = values.get("start") or []
        ends = values.get("end") or []
        ranged = (values.get("date_earliest") or []) + (values.get("date_latest") or [])
        if values.get("date") and (starts or ends):
            self._add(values["date"][0].line, prefix + "date", "give either date or start/end, not both",
                      "use date for a day, month or year; start and end for an interval")
        if ranged and (values.get("date") or starts or ends):
            self._add(ranged[0].line, prefix + _key_of(values, ranged[0]),
                      "a date known only as a range is given instead of date or start/end, not with them",
                      "keep date for a known day, month or year; date_earliest and date_latest when only "
                      "its bounds are known")
        if starts and ends and starts[0].span and ends[0].span and ends[0].span[1] < starts[0].span[0]:
            self._add(ends[0].line, prefix + "end",
                      f"ends ({ends[0].term.value}) before it starts ({starts[0].term.value})",
                      "swap them or correct one")
        lo, hi = values.get("date_earliest") or [], values.get("date_latest") or []
        if lo and hi and lo[0].span and hi[0].span and hi[0].span[1] < lo[0].span[0]:
            self._add(hi[0].line, prefix + "date_latest",
                      f"the latest date ({hi[0].term.value}) is before the earliest ({lo[0].term.value})",
                      "swap them or correct one")
        approx = values.get("date_approximate") or []
        if approx and not (ranged or starts or ends or values.get("date")):
            self._add(approx[0].line, prefix + "date_approximate", "qualifies a date, but none is given",
                      "give date (or start/end, date_earliest/date_latest), or remove date_approximate")

    def _check_unstated(self, record: Record) -> None:
        fields = self._fields(record.family)
        lists = self._lists(record.family)
        never = self.ontology.schema.never_unstated
        for v in record.values.get("unstated", []):
            spec = fields.get(v.ref)
            qualified = lists.get(v.ref)
            if qualified is not None:
                if any(e.spec.key == v.ref for e in record.entries):
                    self._add(v.line, "unstated", f"{quoted(v.ref)} is given in this record", "remove it from unstated")
                else:
                    v.term = ox.NamedNode(qualified.link)
            elif spec is None or spec.predicate is None or v.ref in never:
                allowed = [k for k, f in fields.items() if f.predicate and k not in never] + list(lists)
                self._add(v.line, "unstated",
                          f"{quoted(v.ref)} is not a field {_a(record.family)} record can leave unstated",
                          self._nearest(v.ref, allowed))
            elif v.ref in record.values or (v.ref == "date" and _DATED & set(record.values)):
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
        fields = self._fields(record.family)
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



def _spec_of(schema: Schema, family: str, prefix: str, key: str) -> Field | None:
    if not prefix:
        return schema.fields_for(family).get(key)
    return _entry_spec(schema, family, prefix.split("[", 1)[0], ".value." in prefix, key)


@functools.lru_cache(maxsize=4096)
def _entry_spec(schema: Schema, family: str, list_key: str, claim_value: bool, key: str) -> Field | None:
    spec = schema.qualified_for(family).get(list_key)
    if spec is None:
        return None
    if claim_value:
        return schema.fields_for(family).get(key)
    return next((f for f in spec.fields if f.key == key), None)


def _key_of(values: dict[str, list[Value]], value: Value) -> str:
    return next(k for k, vs in values.items() if any(v is value for v in vs))
