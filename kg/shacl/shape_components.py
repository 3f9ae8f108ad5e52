"""The shape-level SHACL constraint components: counts, sh:uniqueLang, sh:closed and sh:property.

Unlike value components, these are not a test of one value node: they keep their parameters on the
shape and give their own parts of the focus pass (:meth:`~kg.shacl.model.Component.focus_checks`),
of conformance to a nested shape (:meth:`~kg.shacl.model.Component.nested`) and queries. They are
registered, with the value components, in :mod:`kg.shacl.components`.
"""

from __future__ import annotations

from collections.abc import Callable

import pyoxigraph as ox

from kg.namespaces import SH
from kg.shacl.model import (
    MAX_NESTED_COUNT,
    Compiling,
    Component,
    FocusCheck,
    Query,
    Reader,
    Result,
    Row,
    Shape,
    Term,
    bound,
    false,
    name_of,
    unbound,
)


def needs_path(reader: Reader, shape: Shape, name: str) -> None:
    """Refuse ``shape`` when it has sh:``name`` but no sh:path."""
    if shape.path is None and reader.objects(shape.node, SH + name):
        raise reader.error(f"{reader.where(shape.node)}: a shape with sh:{name} needs a sh:path")


def count_message(shape: Shape, focus: Term, which: str, n: int) -> Callable[[], str]:
    """pyshacl's message for too few (``which`` = ``Less``) or too many (``More``) values."""
    return lambda: f"{which} than {n} values on {name_of(focus)}->{name_of(shape.path_node)}"


class MinCountComponent(Component):
    """sh:minCount: at least so many values of the path.

    A sh:minCount of 1 is part of the focus pass (with sh:maxCount 1, one OPTIONAL join binding a
    first and a second value); other counts are the count pass of :mod:`kg.shacl.validator`."""

    name = "minCount"
    which = "Less"

    def read(self, reader: Reader, shape: Shape) -> None:
        shape.min_counts = reader.ints(shape.node, SH + self.name)
        needs_path(reader, shape, self.name)

    def nested(self, compiler: Compiling, shape: Shape, x: str, stack: tuple[Shape, ...]) -> list[str]:
        parts = []
        for n in shape.min_counts:
            self.refuse_nested(compiler, n)
            if n:
                parts.append(f"EXISTS {{ {compiler.distinct_values(x, str(shape.path), n)} }}")
        return parts

    def refuse_nested(self, compiler: Compiling, n: int) -> None:
        """Refuse a count too large to be compiled into a nested shape."""
        if n > MAX_NESTED_COUNT:
            raise compiler.unsupported(f"a sh:{self.name} of {n} in a nested shape is not supported "
                                       f"({MAX_NESTED_COUNT} at most)")

    def focus_checks(self, prop: Shape, j: int) -> list[FocusCheck]:
        if not prop.min1:
            return []
        path = prop.path
        if prop.max1:  # ?a: a value (unbound: none), ?b: a second one (tested by sh:maxCount)
            return [FocusCheck(f"OPTIONAL {{ ?this {path} ?a{j} OPTIONAL {{ ?this {path} ?b{j} "
                               f"FILTER(!sameTerm(?a{j}, ?b{j})) }} }}", f"!BOUND(?a{j})", unbound(f"a{j}"),
                               self._results(prop))]
        return [FocusCheck(f"BIND(EXISTS {{ ?this {path} ?_ }} AS ?e{j})", f"!?e{j}", false(f"e{j}"),
                           self._results(prop))]

    def _results(self, prop: Shape) -> Callable[[Row], list[Result]]:
        return lambda row: [self.result(prop, row["this"], None, count_message(prop, row["this"], self.which, 1))]

    def count_results(self, shape: Shape, focus: Term, n: int) -> list[Result]:
        """The results of a focus node with ``n`` values, from the count pass."""
        return [self.result(shape, focus, None, count_message(shape, focus, self.which, m))
                for m in shape.min_counts if m > 0 and n < m]


class MaxCountComponent(MinCountComponent):
    """sh:maxCount: at most so many values of the path (see :class:`MinCountComponent`)."""

    name = "maxCount"
    which = "More"

    def read(self, reader: Reader, shape: Shape) -> None:
        shape.max_counts = reader.ints(shape.node, SH + self.name)
        needs_path(reader, shape, self.name)

    def nested(self, compiler: Compiling, shape: Shape, x: str, stack: tuple[Shape, ...]) -> list[str]:
        parts = []
        for n in shape.max_counts:
            self.refuse_nested(compiler, n)
            parts.append(f"NOT EXISTS {{ {compiler.distinct_values(x, str(shape.path), n + 1)} }}")
        return parts

    def focus_checks(self, prop: Shape, j: int) -> list[FocusCheck]:
        if not prop.max1:
            return []
        path = prop.path
        # With sh:minCount 1, its pattern binds ?b already.
        pattern = "" if prop.min1 else \
            f"OPTIONAL {{ ?this {path} ?a{j} . ?this {path} ?b{j} FILTER(!sameTerm(?a{j}, ?b{j})) }}"
        return [FocusCheck(pattern, f"BOUND(?b{j})", bound(f"b{j}"), self._results(prop))]

    def count_results(self, shape: Shape, focus: Term, n: int) -> list[Result]:
        return [self.result(shape, focus, None, count_message(shape, focus, self.which, m))
                for m in shape.max_counts if n > m]


class UniqueLangComponent(Component):
    """sh:uniqueLang: no two values of the path share a language tag."""

    name = "uniqueLang"

    def read(self, reader: Reader, shape: Shape) -> None:
        shape.unique_lang = reader.boolean(shape.node, SH + self.name)
        needs_path(reader, shape, self.name)

    def nested(self, compiler: Compiling, shape: Shape, x: str, stack: tuple[Shape, ...]) -> list[str]:
        if not shape.unique_lang:
            return []
        a, b, path = compiler.fresh(), compiler.fresh(), shape.path
        return [f"NOT EXISTS {{ {x} {path} {a} . {x} {path} {b} . FILTER(!sameTerm({a}, {b}) && "
                f"isLiteral({a}) && LANG({a}) != \"\" && LCASE(LANG({a})) = LCASE(LANG({b}))) }}"]

    def focus_checks(self, prop: Shape, j: int) -> list[FocusCheck]:
        if not prop.unique_lang:
            return []
        path = prop.path
        # ?u: a value with another one in its language
        return [FocusCheck(f"OPTIONAL {{ ?this {path} ?u{j} . ?this {path} ?x{j} FILTER(!sameTerm(?u{j}, ?x{j}) "
                           f"&& isLiteral(?u{j}) && LANG(?u{j}) != \"\" "
                           f"&& LCASE(LANG(?u{j})) = LCASE(LANG(?x{j}))) }}", f"BOUND(?u{j})", bound(f"u{j}"),
                           lambda row: [self.result(prop, row["this"], None,
                                                    "More than one String shares the same Language",
                                                    detail=(row[f"u{j}"].language or "").lower())])]


class ClosedComponent(Component):
    """sh:closed (with sh:ignoredProperties): no predicates but those of the property shapes' paths."""

    name = "closed"
    extra = ("ignoredProperties",)

    def read(self, reader: Reader, shape: Shape) -> None:
        node = shape.node
        if not reader.boolean(node, SH + "closed"):
            return
        allowed: set[str] = set()
        # Read before sh:property (registered after this, so that nested shapes test the predicates
        # first): the same shapes, which it then reads from the cache.
        for prop in (reader.shape(p) for p in reader.objects(node, SH + "property")):
            if isinstance(prop.path_node, ox.NamedNode):
                allowed.add(prop.path_node.value)
        for head in reader.objects(node, SH + "ignoredProperties"):
            allowed.update(reader.iri(node, i, SH + "ignoredProperties")
                           for i in reader.items(head, "sh:ignoredProperties"))
        shape.closed = frozenset(allowed)

    def nested(self, compiler: Compiling, shape: Shape, x: str, stack: tuple[Shape, ...]) -> list[str]:
        if shape.closed is None:
            return []
        p, o = compiler.fresh(), compiler.fresh()
        return [f"NOT EXISTS {{ {x} {p} {o} . {closed_filter(shape, p)} }}"]

    def queries(self, shape: Shape, focus: str) -> list[Query]:
        if not (shape.path is None and shape.reported and shape.closed is not None):
            return []
        query = f"SELECT DISTINCT ?this ?p ?o WHERE {{ {focus} ?this ?p ?o . {closed_filter(shape, '?p')} }}"
        return [(query, lambda rows: [
            Result(r["this"], r["p"], r["o"], self.iri, shape.node, shape.message(
                f"Node {name_of(r['this'])} is closed. It cannot have value: {name_of(r['o'])}"))
            for r in rows])]


def closed_filter(shape: Shape, p: str) -> str:
    """The FILTER keeping the predicates a closed shape does not allow."""
    allowed = ", ".join(f"<{i}>" for i in sorted(shape.closed or ()))
    return f"FILTER({p} NOT IN ({allowed}))" if allowed else ""


class PropertyComponent(Component):
    """sh:property: the values of a property shape's path conform to it (read here, checked by the
    passes of :mod:`kg.shacl.validator` and in nested shapes by :meth:`nested`)."""

    name = "property"

    def read(self, reader: Reader, shape: Shape) -> None:
        for prop_node in reader.objects(shape.node, SH + "property"):
            prop = reader.shape(prop_node)
            if prop.path is None:
                raise reader.error(f"{reader.where(shape.node)}: a sh:property has no sh:path")
            shape.properties.append(prop)

    def nested(self, compiler: Compiling, shape: Shape, x: str, stack: tuple[Shape, ...]) -> list[str]:
        return [compiler.conforms(p, x, stack) for p in shape.properties]
