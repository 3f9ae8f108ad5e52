"""Running compiled shapes over a :class:`~kg.graph.KnowledgeGraph`: the passes, and the rounds of queries."""

from __future__ import annotations

import functools
import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pyoxigraph as ox

from kg.graph import KnowledgeGraph
from kg.namespaces import RDFS
from kg.shacl.compiler import Compiler
from kg.shacl.components import COMPONENTS, MAX_COUNT, MIN_COUNT
from kg.shacl.model import RDF_TYPE, Detail, FocusCheck, Result, Row, Shape, Term, ValueConstraint, false, sparql_term
from kg.shacl.shapes import ShapesGraph


@dataclass
class Task:
    """One query and what turns its rows into results."""

    query: str
    handle: Callable[[list[Row]], Sequence[Result | Task | Detail]]  # results, or what to run next


def details_of(c: ValueConstraint, node: Term, focus: str, path: str | None) -> list[Detail]:
    """The node to validate against the shape of sh:node ``c`` too, when it broke ``c``."""
    shape = c.component.detail_shape(c.arg)
    return [Detail(shape, node, focus, path)] if shape is not None else []


class Validator:
    """Compiles the top-level shapes into queries over one graph and runs them.

    Three kinds of queries, so that no constraint costs a per-row lookup it does not need:

    * a *focus pass* per shape: one walk over its focus nodes checking the constraints on the focus
      node itself and, for its property shapes, the usual counts (sh:minCount 1 and sh:maxCount 1, as
      OPTIONAL joins that bind only when broken), sh:uniqueLang and sh:hasValue;
    * a *value pass* per property shape with value constraints: those are functions of the value
      alone, so they are checked once per distinct value of the path (the 100k participations of a
      million triples have 45 distinct roles) and only the bad values are joined back to their focus
      nodes, by a second query. sh:class is a hash join with the instances of the class closure, not
      an EXISTS per row (6 µs each on Oxigraph 0.5);
    * a *count pass* per property shape with other counts than 1, counting the values of each focus node.
    """

    #: Bad values joined back to their focus nodes through VALUES at most; beyond, one query re-checks every row.
    MAX_JOIN_BACK = 5000

    def __init__(self, graph: KnowledgeGraph, shapes: ShapesGraph) -> None:
        self.graph = graph
        self.shapes = shapes
        subclasses: dict[str, set[str]] = defaultdict(set)
        for row in graph.solutions(f"SELECT ?s ?o WHERE {{ ?s <{RDFS}subClassOf> ?o }}"):
            s, o = row["s"], row["o"]
            if isinstance(s, ox.NamedNode) and isinstance(o, ox.NamedNode):
                subclasses[o.value].add(s.value)
        self.compiler = Compiler(subclasses, graph, shapes)

    def focus_pattern(self, shape: Shape) -> str:
        """A group pattern binding ``?this`` to each focus node of ``shape``.

        Class targets are a plain join (a node comes twice only if it has two types of the closure;
        every query deduplicates its answers): wrapping them in SELECT DISTINCT costs 60 % more.
        """
        branches = []
        if shape.target_classes:
            classes = self.compiler.class_values(shape.target_classes)
            if len(classes) == 1:
                branches.append(f"?this <{RDF_TYPE}> <{classes[0]}> .")
            else:
                branches.append(f"?this <{RDF_TYPE}> ?_tc . VALUES ?_tc {{ {' '.join(f'<{c}>' for c in classes)} }}")
        if shape.target_nodes:
            branches.append(f"VALUES ?this {{ {' '.join(sparql_term(n) for n in shape.target_nodes)} }}")
        for i, preds in enumerate((shape.subjects_of, shape.objects_of)):
            if preds:
                values = " ".join(f"<{p}>" for p in sorted(set(preds)))
                triple = "?this ?_tp ?_to ." if i == 0 else "?_ts ?_tp ?this ."
                branches.append(f"{triple} VALUES ?_tp {{ {values} }}")
        if len(branches) == 1 and shape.target_classes:
            return branches[0]
        union = " UNION ".join(f"{{ {b} }}" for b in branches)
        return f"{{ SELECT DISTINCT ?this WHERE {{ {union} }} }}"

    def tasks(self) -> list[Task]:
        """The queries of every top-level shape."""
        out: list[Task] = []
        for shape in self.shapes.top_level():
            self.shape_tasks(shape, self.focus_pattern(shape), out)
        return out

    def shape_tasks(self, shape: Shape, focus: str, out: list[Task]) -> None:
        """The queries validating the focus nodes bound by the pattern ``focus`` against ``shape``."""
        if shape.deactivated:
            return
        props = [p for p in shape.properties if p.reported] if shape.path is None else []
        if shape.path is not None and shape.reported:
            props = [shape]
        self._focus_task(shape, focus, props, out)
        for prop in props:
            self._value_tasks(prop, focus, out)
            if not (all(n <= 1 for n in prop.min_counts) and all(n == 1 for n in prop.max_counts)):
                self._count_task(prop, focus, out)
        for comp in COMPONENTS.values():
            out += [Task(query, handle) for query, handle in comp.queries(shape, focus)]

    def detail_focus(self, shape: Shape, nodes: set[Term], outer: str,
                     path: str | None) -> str:
        """A focus pattern for the ``nodes`` that broke sh:node ``shape`` as values of ``path`` from the
        focus nodes of ``outer`` (of those focus nodes themselves when ``path`` is None)."""
        if len(nodes) <= self.MAX_JOIN_BACK and not any(isinstance(n, ox.BlankNode) for n in nodes):
            return f"VALUES ?this {{ {' '.join(str(n) for n in sorted(nodes, key=str))} }}"
        values = f"?_o {path} ?this ." if path is not None else "BIND(?_o AS ?this)"
        return (f"{{ SELECT DISTINCT ?this WHERE {{ {{ SELECT (?this AS ?_o) WHERE {{ {outer} }} }} {values} "
                f"FILTER(!{self.compiler.conforms(shape, '?this')}) }} }}")

    def _node_checks(self, shape: Shape, focus: str) -> list[FocusCheck]:
        """The checks of the focus pass on the focus node itself (a node shape's value constraints)."""
        def results(c: ValueConstraint) -> Callable[[Row], list[Result | Detail]]:
            return lambda row: [c.component.result(shape, row["this"], row["this"] if c.report_value else None,
                                                   lambda: c.component.message(c.arg, row["this"])),
                                *details_of(c, row["this"], focus, None)]

        return [FocusCheck(f"BIND({self.compiler.condition(c, '?this', (shape,))} AS ?n{i})", f"!?n{i}",
                           false(f"n{i}"), results(c)) for i, c in enumerate(shape.values)]

    def _focus_task(self, shape: Shape, focus: str, props: list[Shape], out: list[Task]) -> None:
        """The focus pass: node constraints of ``shape`` (if a node shape) and the components' checks on
        ``props`` (sh:minCount 1, sh:maxCount 1, sh:uniqueLang, sh:hasValue); each binds a variable
        only when broken."""
        checks = self._node_checks(shape, focus) if shape.path is None and shape.reported else []
        for j, prop in enumerate(props):
            for comp in COMPONENTS.values():
                checks += comp.focus_checks(prop, j)
        if not checks:
            return
        parts = " ".join(c.pattern for c in checks if c.pattern)
        query = f"SELECT * WHERE {{ {focus} {parts} FILTER({' || '.join(c.test for c in checks)}) }}"

        def handle(rows: list[Row]) -> list[Result | Detail]:
            return [item for row in rows for c in checks if c.failed(row) for item in c.results(row)]

        out.append(Task(query, handle))

    def _count_task(self, shape: Shape, focus: str, out: list[Task]) -> None:
        """The count pass: sh:minCount/sh:maxCount other than 1, by counting the values of every focus node."""
        lo = max((n for n in shape.min_counts if n > 0), default=0)
        hi = min(shape.max_counts, default=None)
        tests = ([f"?n < {lo}"] if lo else []) + ([f"?n > {hi}"] if hi is not None else [])
        values = f"OPTIONAL {{ ?this {shape.path} ?v }}" if lo else f"?this {shape.path} ?v ."
        query = (f"SELECT ?this ?n WHERE {{ {{ SELECT ?this (COUNT(DISTINCT ?v) AS ?n) WHERE {{ {focus} {values} }} "
                 f"GROUP BY ?this }} FILTER({' || '.join(tests)}) }}")

        def handle(rows: list[Row]) -> list[Result]:
            results: list[Result] = []
            for row in rows:
                n = int(row["n"].value)
                results += MIN_COUNT.count_results(shape, row["this"], n)
                results += MAX_COUNT.count_results(shape, row["this"], n)
            return results

        out.append(Task(query, handle))
    def _value_tasks(self, shape: Shape, focus: str, out: list[Task]) -> None:
        """The value pass of a property shape: its distinct values breaking a value constraint, then
        (a second query, only if there are any) the focus nodes that have them."""
        if not shape.values:
            return
        path = shape.path
        # The values of a predicate over the whole graph (a scan, cheaper than the join with the focus
        # nodes); for other paths (which may be transitive), the values from the focus nodes only.
        source = f"?_s {path} ?v" if isinstance(shape.path_node, ox.NamedNode) else f"{focus} ?this {path} ?v"
        parts = []
        for i, c in enumerate(shape.values):
            classes = c.component.classes(c.arg)
            if classes is not None:  # a hash join with the instances, binding ?c<i> when ?v is one
                closure = ", ".join(f"<{k}>" for k in self.compiler.class_values(classes))
                parts.append(f"OPTIONAL {{ ?v <{RDF_TYPE}> ?c{i} FILTER(?c{i} IN ({closure})) }} "
                             f"BIND(BOUND(?c{i}) AS ?k{i})")
            else:
                parts.append(f"BIND({self.compiler.condition(c, '?v', (shape,))} AS ?k{i})")
        keys = " ".join(f"?k{i}" for i in range(len(shape.values)))
        failed = " || ".join(f"!?k{i}" for i in range(len(shape.values)))
        query = f"SELECT DISTINCT ?v {keys} WHERE {{ {{ SELECT DISTINCT ?v WHERE {{ {source} }} }} {' '.join(parts)} " \
                f"FILTER({failed}) }}"

        def handle(rows: list[Row]) -> list[Result | Task | Detail]:
            broken: dict[Term, set[int]] = defaultdict(set)
            passed: dict[Term, set[int]] = defaultdict(set)
            for row in rows:  # a value with several types comes once per type: it passes if one row does
                for i in range(len(shape.values)):
                    ok = row[f"k{i}"]
                    (passed if ok is not None and ok.value == "true" else broken)[row["v"]].add(i)
            bad = {v: sorted(broken[v] - passed[v]) for v in broken}
            bad = {v: failed for v, failed in bad.items() if failed}
            if not bad:
                return []
            return [self._join_back(shape, focus, bad)]

        out.append(Task(query, handle))

    def _join_back(self, shape: Shape, focus: str, bad: dict[Term, list[int]]) -> Task:
        """The task finding the focus nodes that have the ``bad`` values (value -> broken constraints)."""
        def results(rows: list[Row], failed: Callable[[Row], Iterable[int]]):
            out: list[Result | Task | Detail] = []
            nodes: dict[Term, set[int]] = defaultdict(set)
            for row in rows:
                for i in failed(row):
                    c = shape.values[i]
                    out.append(c.component.result(shape, row["this"], row["v"] if c.report_value else None,
                                                  functools.partial(c.component.message, c.arg, row["v"])))
                    nodes[row["v"]].add(i)
            for v, broken in nodes.items():  # a value shared by many focus nodes is detailed once
                for i in broken:
                    out += details_of(shape.values[i], v, focus, shape.path)
            return out

        if len(bad) <= self.MAX_JOIN_BACK and not any(isinstance(v, ox.BlankNode) for v in bad):
            values = " ".join(str(v) for v in bad)
            # The VALUES joined with the path in a subquery first: as one group, Oxigraph 0.5 took 8 s
            # for 2,000 values (75k rows), as a subquery 0.5 s.
            query = (f"SELECT DISTINCT ?this ?v WHERE {{ {{ SELECT ?this ?v WHERE {{ VALUES ?v {{ {values} }} "
                     f"?this {shape.path} ?v }} }} {focus} }}")
            return Task(query, lambda rows: results(rows, lambda row: bad.get(row["v"], ())))
        # Blank nodes cannot be written in a query, and a long VALUES is slow to parse: check every row.
        binds = " ".join(f"BIND({self.compiler.condition(c, '?v', (shape,))} AS ?k{i})"
                         for i, c in enumerate(shape.values))
        keys = " ".join(f"?k{i}" for i in range(len(shape.values)))
        failed = " || ".join(f"!?k{i}" for i in range(len(shape.values)))
        query = f"SELECT DISTINCT ?this ?v {keys} WHERE {{ {focus} ?this {shape.path} ?v . {binds} FILTER({failed}) }}"
        return Task(query, lambda rows: results(rows, lambda row: [
            i for i in range(len(shape.values)) if row[f"k{i}"] is None or row[f"k{i}"].value != "true"]))

    def _evaluate(self, query: str) -> list[Row]:
        return list(self.graph.solutions(query))

    def run(self, threads: int | None = None) -> list[Result]:
        """Every result, deduplicated and sorted. The queries run on ``threads`` threads (default: one
        per core, up to 4); Oxigraph releases the GIL while it evaluates."""
        workers = threads or max(1, min(4, os.cpu_count() or 1))
        found: set[Result] = set()
        answers: dict[str, list[Row]] = {}
        checked: set[tuple[Shape, Term]] = set()
        tasks = self.tasks()
        with ThreadPoolExecutor(max_workers=workers) as pool:
            while tasks:  # later rounds join bad values back to their focus nodes, and validate sh:node details
                # Shapes often share a query (the value pass of prov:wasDerivedFrom sh:class kgo:Source
                # is the same for six shapes): each distinct query runs once.
                queries = [q for q in dict.fromkeys(t.query for t in tasks) if q not in answers]
                answers.update(zip(queries, pool.map(self._evaluate, queries), strict=True))
                follow_ups: list[Task] = []
                details: dict[tuple[Shape, str, str | None], set[Term]] = defaultdict(set)
                for task in tasks:
                    for item in task.handle(answers[task.query]):
                        if isinstance(item, Task):
                            follow_ups.append(item)
                        elif isinstance(item, Detail):
                            if (item.shape, item.node) not in checked:
                                checked.add((item.shape, item.node))
                                details[(item.shape, item.outer, item.path)].add(item.node)
                        else:
                            found.add(item)
                for (shape, outer, path), nodes in details.items():
                    self.shape_tasks(shape, self.detail_focus(shape, nodes, outer, path), follow_ups)
                tasks = follow_ups
        return sorted(found, key=lambda r: (str(r.focus), str(r.path), r.component, str(r.value), str(r.shape),
                                            r.detail))
