"""The SHACL Core constraint components the engine evaluates, one class each, behind a registry.

:data:`COMPONENTS` maps the IRI of each component (sh:ClassConstraintComponent ...) to the object
that reads its parameters and compiles them (see :class:`kg.shacl.model.Component`). The value
components are here, the shape-level ones (counts, sh:uniqueLang, sh:closed, sh:property) in
:mod:`kg.shacl.shape_components`. Adding a component is one class and its entry in the list at the
end of this module, whose order is the order in which a shape's parameters are read, and so the order
of the parts of every query (kept stable: shapes often share a query, and each distinct query runs once).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import pyoxigraph as ox

from kg.namespaces import RDFS, SH, XSD, shorten
from kg.shacl.model import (
    RDF_LANGSTRING,
    Compiling,
    Component,
    FocusCheck,
    Reader,
    Result,
    Row,
    Shape,
    Term,
    ValueConstraint,
    false,
    name_of,
    sparql_term,
)
from kg.shacl.shape_components import (
    ClosedComponent,
    MaxCountComponent,
    MinCountComponent,
    PropertyComponent,
    UniqueLangComponent,
)

#: Every component, by IRI, in the order their parameters are read (filled at the end of the module).
COMPONENTS: dict[str, Component] = {}


def register(comp: Component) -> Component:
    """Add ``comp`` to :data:`COMPONENTS` (after those registered before it)."""
    COMPONENTS[comp.iri] = comp
    return comp


RANGES = {"minInclusive": ">=", "maxInclusive": "<=", "minExclusive": ">", "maxExclusive": "<"}
NODE_KINDS = {SH + "IRI": "isIRI({x})", SH + "BlankNode": "isBlank({x})", SH + "Literal": "isLiteral({x})",
              SH + "BlankNodeOrIRI": "(isBlank({x}) || isIRI({x}))",
              SH + "BlankNodeOrLiteral": "(isBlank({x}) || isLiteral({x}))",
              SH + "IRIOrLiteral": "(isIRI({x}) || isLiteral({x}))"}
#: Datatypes whose lexical forms Oxigraph checks: a literal is well-typed when it casts to its own type.
CASTABLE = frozenset(XSD + n for n in (
    "integer decimal double float boolean date dateTime time gYear gYearMonth gMonthDay gDay gMonth "
    "duration dayTimeDuration yearMonthDuration").split())


class ClassComponent(Component):
    """sh:class: a SHACL instance of the class (rdf:type/rdfs:subClassOf* in the data)."""

    name = "class"

    def read(self, reader: Reader, shape: Shape) -> None:
        for c in reader.objects(shape.node, SH + "class"):
            shape.values.append(ValueConstraint(self, reader.iri(shape.node, c, SH + "class")))

    def condition(self, compiler: Compiling, arg: Any, x: str, stack: tuple[Shape, ...]) -> str:
        return compiler.instance_of(x, [arg])

    def message(self, arg: Any, value: Term | None) -> str:
        return f"Value does not have class {shorten(arg)}"

    def classes(self, arg: Any) -> list[str] | None:
        return [arg]


class DatatypeComponent(Component):
    """sh:datatype: a literal of the datatype (and, for the datatypes Oxigraph checks, well-typed)."""

    name = "datatype"

    def read(self, reader: Reader, shape: Shape) -> None:
        for d in reader.objects(shape.node, SH + "datatype"):
            shape.values.append(ValueConstraint(self, reader.iri(shape.node, d, SH + "datatype")))

    def condition(self, compiler: Compiling, arg: Any, x: str, stack: tuple[Shape, ...]) -> str:
        if arg == RDF_LANGSTRING:
            return f"COALESCE(isLiteral({x}) && LANG({x}) != \"\", false)"
        if arg == RDFS + "Literal":  # as pyshacl: every literal
            return f"isLiteral({x})"
        expr = f"isLiteral({x}) && DATATYPE({x}) = <{arg}>"
        if arg in CASTABLE:  # ill-typed literals ("abc"^^xsd:integer) fail the cast to their own type
            expr += f" && isLiteral(<{arg}>({x}))"
        return f"COALESCE({expr}, false)"

    def message(self, arg: Any, value: Term | None) -> str:
        return f"Value is not Literal with datatype {shorten(arg)}"


class NodeKindComponent(Component):
    """sh:nodeKind: an IRI, a blank node, a literal, or one of two of them."""

    name = "nodeKind"

    def read(self, reader: Reader, shape: Shape) -> None:
        for k in reader.objects(shape.node, SH + "nodeKind"):
            if not (isinstance(k, ox.NamedNode) and k.value in NODE_KINDS):
                raise reader.error(f"the sh:nodeKind in {reader.where(shape.node)} must be one of the six SHACL "
                                   f"node kinds, not {k}")
            shape.values.append(ValueConstraint(self, k.value))

    def condition(self, compiler: Compiling, arg: Any, x: str, stack: tuple[Shape, ...]) -> str:
        return NODE_KINDS[arg].format(x=x)

    def message(self, arg: Any, value: Term | None) -> str:
        return f"Value is not of Node Kind {shorten(arg)}"


class RangeComponent(Component):
    """sh:minInclusive, sh:maxInclusive, sh:minExclusive, sh:maxExclusive: a comparison with a literal."""

    def __init__(self, name: str, operator: str) -> None:
        self.name, self.operator = name, operator
        super().__init__()

    def read(self, reader: Reader, shape: Shape) -> None:
        for v in reader.objects(shape.node, SH + self.name):
            if not isinstance(v, ox.Literal):
                raise reader.error(f"the sh:{self.name} in {reader.where(shape.node)} must be a literal, not {v}")
            shape.values.append(ValueConstraint(self, v))

    def condition(self, compiler: Compiling, arg: Any, x: str, stack: tuple[Shape, ...]) -> str:
        return f"COALESCE({x} {self.operator} {sparql_term(arg)}, false)"

    def message(self, arg: Any, value: Term | None) -> str:
        return f"Value is not {self.operator} {name_of(arg)}"


class LengthComponent(Component):
    """sh:minLength, sh:maxLength: the length of the string of an IRI or a literal."""

    def __init__(self, name: str, operator: str) -> None:
        self.name, self.operator = name, operator
        super().__init__()

    def read(self, reader: Reader, shape: Shape) -> None:
        for n in reader.ints(shape.node, SH + self.name):
            shape.values.append(ValueConstraint(self, n))

    def condition(self, compiler: Compiling, arg: Any, x: str, stack: tuple[Shape, ...]) -> str:
        return f"COALESCE(!isBlank({x}) && STRLEN(STR({x})) {self.operator} {arg}, false)"

    def message(self, arg: Any, value: Term | None) -> str:
        return f"String length not {self.operator} {arg}"


class PatternComponent(Component):
    """sh:pattern (with sh:flags): the string of an IRI or a literal matches a regular expression."""

    name = "pattern"
    extra = ("flags",)

    def read(self, reader: Reader, shape: Shape) -> None:
        node = shape.node
        flags = reader.one(node, SH + "flags")
        if flags is not None and not isinstance(flags, ox.Literal):
            raise reader.error(f"the sh:flags in {reader.where(node)} must be a string, not {flags}")
        for pattern in reader.objects(node, SH + "pattern"):
            if not isinstance(pattern, ox.Literal):
                raise reader.error(f"the sh:pattern in {reader.where(node)} must be a string, not {pattern}")
            shape.values.append(ValueConstraint(self, (pattern.value, flags.value if flags is not None else "")))

    def condition(self, compiler: Compiling, arg: Any, x: str, stack: tuple[Shape, ...]) -> str:
        regex, flags = arg
        compiler.check_pattern(regex, flags)
        return f"COALESCE(!isBlank({x}) && REGEX(STR({x}), {ox.Literal(regex)}, {ox.Literal(flags)}), false)"

    def message(self, arg: Any, value: Term | None) -> str:
        return f"Value does not match pattern '{arg[0]}'"


class LanguageInComponent(Component):
    """sh:languageIn: a literal whose language matches one of the tags."""

    name = "languageIn"

    def read(self, reader: Reader, shape: Shape) -> None:
        for head in reader.objects(shape.node, SH + "languageIn"):
            tags = reader.items(head, "sh:languageIn")
            if not all(isinstance(t, ox.Literal) for t in tags):
                raise reader.error(f"the sh:languageIn in {reader.where(shape.node)} must list strings")
            shape.values.append(ValueConstraint(self, [t.value for t in tags]))

    def condition(self, compiler: Compiling, arg: Any, x: str, stack: tuple[Shape, ...]) -> str:
        tests = " || ".join(f"langMatches(LANG({x}), {ox.Literal(tag)})" for tag in arg)
        return f"COALESCE(isLiteral({x}) && ({tests or 'false'}), false)"

    def message(self, arg: Any, value: Term | None) -> str:
        return f"String language is not in {arg}"


class InComponent(Component):
    """sh:in: one of the listed terms."""

    name = "in"

    def read(self, reader: Reader, shape: Shape) -> None:
        for head in reader.objects(shape.node, SH + "in"):
            members = [reader.comparable(shape.node, m, "in") for m in reader.items(head, "sh:in")]
            shape.values.append(ValueConstraint(self, members))

    def condition(self, compiler: Compiling, arg: Any, x: str, stack: tuple[Shape, ...]) -> str:
        return "(" + (" || ".join(f"sameTerm({x}, {sparql_term(m)})" for m in arg) or "false") + ")"

    def message(self, arg: Any, value: Term | None) -> str:
        return f"Value {name_of(value)} not in list {[name_of(m) for m in arg]}"


class NodeComponent(Component):
    """sh:node: conforms to a shape; like pyshacl, a node that does not is also validated against it."""

    name = "node"

    def read(self, reader: Reader, shape: Shape) -> None:
        for nested in reader.objects(shape.node, SH + "node"):
            shape.values.append(ValueConstraint(self, reader.shape(nested)))

    def condition(self, compiler: Compiling, arg: Any, x: str, stack: tuple[Shape, ...]) -> str:
        return compiler.conforms(arg, x, stack)

    def message(self, arg: Any, value: Term | None) -> str:
        return f"Value does not conform to Shape {name_of(arg.node)}. See details for more information."

    def detail_shape(self, arg: Any) -> Shape | None:
        return arg


class NotComponent(Component):
    """sh:not: does not conform to a shape."""

    name = "not"

    def read(self, reader: Reader, shape: Shape) -> None:
        for nested in reader.objects(shape.node, SH + "not"):
            shape.values.append(ValueConstraint(self, reader.shape(nested)))

    def condition(self, compiler: Compiling, arg: Any, x: str, stack: tuple[Shape, ...]) -> str:
        return f"!{compiler.conforms(arg, x, stack)}"

    def message(self, arg: Any, value: Term | None) -> str:
        return f"Node {name_of(value)} must not conform to shape {name_of(arg.node)}"


class LogicalComponent(Component):
    """sh:and, sh:or, sh:xone: conforms to all, to at least one, to exactly one of a list of shapes."""

    WHICH: ClassVar[dict[str, str]] = {"and": "all shapes", "or": "one or more shapes", "xone": "exactly one shape"}

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__()

    def read(self, reader: Reader, shape: Shape) -> None:
        for head in reader.objects(shape.node, SH + self.name):
            members = [reader.shape(m) for m in reader.items(head, f"sh:{self.name}")]
            shape.values.append(ValueConstraint(self, members))

    def condition(self, compiler: Compiling, arg: Any, x: str, stack: tuple[Shape, ...]) -> str:
        if self.name == "and":
            return "(" + (" && ".join(compiler.conforms(s, x, stack) for s in arg) or "true") + ")"
        if self.name == "xone":
            terms = " + ".join(f"IF({compiler.conforms(s, x, stack)}, 1, 0)" for s in arg)
            return f"(({terms or '0'}) = 1)"
        classes = self.classes(arg)
        if classes is not None:  # sh:or ([sh:class A] [sh:class B]): one type lookup, not one per class
            return compiler.instance_of(x, classes)
        return "(" + (" || ".join(compiler.conforms(s, x, stack) for s in arg) or "false") + ")"

    def message(self, arg: Any, value: Term | None) -> str:
        shapes = ", ".join(name_of(s.node) for s in arg)
        return f"Node {name_of(value)} must conform to {self.WHICH[self.name]} in ({shapes})"

    def classes(self, arg: Any) -> list[str] | None:
        if self.name != "or" or not arg:
            return None
        classes = [only_class(s) for s in arg]
        return [k for k in classes if k] if all(classes) else None


def only_class(shape: Shape) -> str | None:
    """The class when ``shape`` says nothing but sh:class C about a node, else None."""
    if (shape.path is None and not shape.deactivated and not shape.properties and shape.closed is None
            and len(shape.values) == 1 and isinstance(shape.values[0].component, ClassComponent)):
        return str(shape.values[0].arg)
    return None


class HasValueComponent(Component):
    """sh:hasValue: the node itself (on a node shape) or one of the values of the path is the term."""

    name = "hasValue"

    def read(self, reader: Reader, shape: Shape) -> None:
        for hv in reader.objects(shape.node, SH + "hasValue"):
            reader.comparable(shape.node, hv, "hasValue")
            if shape.path is None:
                shape.values.append(ValueConstraint(self, hv, report_value=False))
            else:
                shape.has_values.append(hv)

    def condition(self, compiler: Compiling, arg: Any, x: str, stack: tuple[Shape, ...]) -> str:
        return f"sameTerm({x}, {sparql_term(arg)})"

    def message(self, arg: Any, value: Term | None) -> str:
        return f"Node does not have value {name_of(arg)}"

    def nested(self, compiler: Compiling, shape: Shape, x: str, stack: tuple[Shape, ...]) -> list[str]:
        return [f"EXISTS {{ {x} {shape.path} {sparql_term(hv)} }}" for hv in shape.has_values]

    def focus_checks(self, prop: Shape, j: int) -> list[FocusCheck]:
        return [FocusCheck(f"BIND(EXISTS {{ ?this {prop.path} {sparql_term(hv)} }} AS ?h{j}_{h})", f"!?h{j}_{h}",
                           false(f"h{j}_{h}"), self._results(prop, hv))
                for h, hv in enumerate(prop.has_values)]

    def _results(self, prop: Shape, hv: Term) -> Callable[[Row], list[Result]]:
        return lambda row: [self.result(
            prop, row["this"], None, lambda: f"Node {name_of(row['this'])}->{name_of(prop.path_node)} "
            f"does not contain a value in the set: {name_of(hv)}")]


MIN_COUNT = MinCountComponent()  # the count pass of kg.shacl.validator words its results with these two
MAX_COUNT = MaxCountComponent()
# The registry, in reading order: sh:closed reads the property shapes before sh:property (which
# checks them), so that a nested shape tests its predicates before its property shapes, as it always has.
for _comp in (ClassComponent(), DatatypeComponent(), NodeKindComponent(),
              *(RangeComponent(name, op) for name, op in RANGES.items()),
              LengthComponent("minLength", ">="), LengthComponent("maxLength", "<="),
              PatternComponent(), LanguageInComponent(), InComponent(), NodeComponent(), NotComponent(),
              *(LogicalComponent(name) for name in ("and", "or", "xone")), HasValueComponent(),
              MIN_COUNT, MAX_COUNT, UniqueLangComponent(),
              ClosedComponent(), PropertyComponent()):
    register(_comp)
